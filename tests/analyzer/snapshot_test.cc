#include "tflo/analyzer/snapshot.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tflo::analyzer {
namespace {

WindowSnapshot SampleSnapshot() {
  WindowSnapshot s;
  s.window_start_unix_nano = 1700000000000000000ULL;
  s.window_end_unix_nano = 1700000060000000000ULL;
  s.window_seconds = 60;
  OperationStats a;
  a.service = "checkout";
  a.operation = "GET /cart";
  a.span_kind = "SPAN_KIND_SERVER";
  a.count = 1234;
  a.errors = 7;
  a.error_rate = 7.0 / 1234.0;
  a.rate_per_second = 1234.0 / 60.0;
  a.p50_ms = 12.5;
  a.p95_ms = 48.125;
  a.p99_ms = 0.1 + 0.2;  // not exactly representable: must survive the round trip
  OperationStats b = a;
  b.service = "payments";
  b.operation = "charge";
  b.span_kind = "SPAN_KIND_CLIENT";
  s.operations = {a, b};
  s.pipeline.accepted = 600000;
  s.pipeline.refused = 3;
  s.pipeline.sent = 590000;
  s.pipeline.send_failed = 11;
  s.pipeline.dropped = 9000;
  s.pipeline.queue_fill = 0.97;
  s.pipeline.queue_capacity = 1000;
  s.pipeline.mean_batch_size = 511.75;
  s.pipeline.batches = 1153;
  s.pipeline.size_triggered_batches = 1100;
  s.pipeline.timeout_triggered_batches = 53;
  s.pipeline.accepted_per_second = 10000;
  s.pipeline.export_requests_per_second = 1153.0 / 60.0;
  s.quality.traces_present = true;
  s.quality.pipeline_metrics_present = true;
  s.quality.notes = {"payments/charge: only 3 spans, p99 unreliable", "second \"quoted\" note"};
  return s;
}

TEST(SnapshotJsonTest, RoundTripKeepsEveryField) {
  const WindowSnapshot original = SampleSnapshot();

  const std::string text = ToJson(original);
  auto parsed = WindowSnapshotFromJson(text);

  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const WindowSnapshot& s = *parsed;
  EXPECT_EQ(s.window_start_unix_nano, original.window_start_unix_nano);
  EXPECT_EQ(s.window_end_unix_nano, original.window_end_unix_nano);
  EXPECT_EQ(s.window_seconds, original.window_seconds);
  ASSERT_EQ(s.operations.size(), 2U);
  EXPECT_EQ(s.operations[1].service, "payments");
  EXPECT_EQ(s.operations[1].operation, "charge");
  EXPECT_EQ(s.operations[1].span_kind, "SPAN_KIND_CLIENT");
  EXPECT_EQ(s.operations[0].count, 1234U);
  EXPECT_EQ(s.operations[0].errors, 7U);
  EXPECT_EQ(s.operations[0].error_rate, original.operations[0].error_rate);
  EXPECT_EQ(s.operations[0].rate_per_second, original.operations[0].rate_per_second);
  EXPECT_EQ(s.operations[0].p50_ms, 12.5);
  EXPECT_EQ(s.operations[0].p95_ms, 48.125);
  EXPECT_EQ(s.operations[0].p99_ms, original.operations[0].p99_ms);
  EXPECT_EQ(s.pipeline.accepted, 600000U);
  EXPECT_EQ(s.pipeline.refused, 3U);
  EXPECT_EQ(s.pipeline.sent, 590000U);
  EXPECT_EQ(s.pipeline.send_failed, 11U);
  EXPECT_EQ(s.pipeline.dropped, 9000U);
  EXPECT_EQ(s.pipeline.queue_fill, 0.97);
  EXPECT_EQ(s.pipeline.queue_capacity, 1000);
  EXPECT_EQ(s.pipeline.mean_batch_size, 511.75);
  EXPECT_EQ(s.pipeline.batches, 1153U);
  EXPECT_EQ(s.pipeline.size_triggered_batches, 1100U);
  EXPECT_EQ(s.pipeline.timeout_triggered_batches, 53U);
  EXPECT_EQ(s.pipeline.accepted_per_second, 10000);
  EXPECT_EQ(s.pipeline.export_requests_per_second, original.pipeline.export_requests_per_second);
  EXPECT_TRUE(s.quality.traces_present);
  EXPECT_TRUE(s.quality.pipeline_metrics_present);
  EXPECT_EQ(s.quality.notes, original.quality.notes);
  EXPECT_EQ(ToJson(s), text);
}

TEST(SnapshotJsonTest, KeysAreSnakeCaseInFieldOrder) {
  const std::string text = ToJson(SampleSnapshot());

  const auto doc = nlohmann::ordered_json::parse(text);

  std::vector<std::string> top;
  for (const auto& [key, value] : doc.items()) top.push_back(key);
  EXPECT_EQ(top, (std::vector<std::string>{"window_start_unix_nano", "window_end_unix_nano",
                                           "window_seconds", "operations", "pipeline", "quality"}));
  EXPECT_EQ(doc["pipeline"].begin().key(), "accepted");
  EXPECT_TRUE(doc["pipeline"].contains("export_requests_per_second"));
  EXPECT_TRUE(doc["operations"][0].contains("p99_ms"));
  EXPECT_TRUE(doc["quality"].contains("pipeline_metrics_present"));
}

TEST(SnapshotJsonTest, MissingKeysKeepDefaults) {
  auto parsed = WindowSnapshotFromJson(R"({"window_seconds": 30, "pipeline": {"dropped": 5}})");

  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->window_seconds, 30);
  EXPECT_EQ(parsed->pipeline.dropped, 5U);
  EXPECT_EQ(parsed->pipeline.accepted, 0U);
  EXPECT_TRUE(parsed->operations.empty());
  EXPECT_FALSE(parsed->quality.traces_present);
}

TEST(SnapshotJsonTest, MalformedJsonIsInvalidArgument) {
  auto truncated = WindowSnapshotFromJson(R"({"window_seconds": )");
  auto wrong_type = WindowSnapshotFromJson(R"({"window_seconds": "sixty"})");
  auto not_object = WindowSnapshotFromJson(R"([1, 2])");
  auto bad_operations = WindowSnapshotFromJson(R"({"operations": {"a": 1}})");

  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(truncated.status().message().find("snapshot json"), std::string::npos);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(bad_operations.ok());
  EXPECT_NE(bad_operations.status().message().find("operations"), std::string::npos);
}

}  // namespace
}  // namespace tflo::analyzer
