#include "tflo/workload/log_emitter.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

struct Export {
  SimTime at;
  core::LogsData data;
};

class LogEmitterTest : public ::testing::Test {
 protected:
  LogEmitter Make(BatchLogProcessorOptions options) {
    core::Resource resource;
    resource.attributes = {{"service.name", "checkout"}};
    return LogEmitter(engine_, options, resource,
                      core::InstrumentationScope{"checkout", "1.0", {}, 0},
                      [this](core::LogsData&& data) {
                        exports_.push_back({engine_.now(), std::move(data)});
                      });
  }
  size_t Exported() const {
    size_t n = 0;
    for (const auto& e : exports_) n += e.data.LogRecordCount();
    return n;
  }
  void EmitInfo(LogEmitter& emitter, int i) {
    emitter.Emit(1000 + static_cast<uint64_t>(i), Severity::kInfo, "record " + std::to_string(i),
                 LogContext{}, {});
  }

  EventEngine engine_;
  std::vector<Export> exports_;
};

TEST_F(LogEmitterTest, RecordCarriesSpanContextSeverityBodyAndAttributes) {
  BatchLogProcessorOptions options;
  options.max_export_batch_size = 1;
  LogEmitter emitter = Make(options);
  core::Span span;
  span.trace_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  span.span_id = {1, 1, 2, 2, 3, 3, 4, 4};
  span.flags = 0x301;

  emitter.Emit(42, Severity::kError, "checkout failed", LogContext::Of(span),
               {{"order.id", "ORD-1"}, {"order.total", 12.5}}, "checkout.failed");

  ASSERT_EQ(exports_.size(), 1U);
  const auto& rl = exports_[0].data.resource_logs.at(0);
  EXPECT_EQ(core::FindAttribute(rl.resource.attributes, "service.name")->ToString(), "checkout");
  EXPECT_EQ(rl.scope_logs.at(0).scope.name, "checkout");
  const core::LogRecord& r = rl.scope_logs.at(0).log_records.at(0);
  EXPECT_EQ(r.trace_id, span.trace_id);
  EXPECT_EQ(r.span_id, span.span_id);
  EXPECT_EQ(r.flags, 0x01U);  // only the W3C bits of the span's flags
  EXPECT_EQ(r.severity_number, 17);
  EXPECT_EQ(r.severity_text, "ERROR");
  EXPECT_EQ(r.body.ToString(), "checkout failed");
  EXPECT_EQ(r.time_unix_nano, 42U);
  EXPECT_EQ(r.observed_time_unix_nano, 42U);
  EXPECT_EQ(r.event_name, "checkout.failed");
  EXPECT_EQ(core::FindAttribute(r.attributes, "order.id")->ToString(), "ORD-1");
}

TEST_F(LogEmitterTest, SeverityNumbersAndTexts) {
  EXPECT_EQ(static_cast<int>(Severity::kDebug), 5);
  EXPECT_EQ(static_cast<int>(Severity::kInfo), 9);
  EXPECT_EQ(static_cast<int>(Severity::kWarn), 13);
  EXPECT_EQ(static_cast<int>(Severity::kError), 17);
  EXPECT_EQ(SeverityText(Severity::kDebug), "DEBUG");
  EXPECT_EQ(SeverityText(Severity::kInfo), "INFO");
  EXPECT_EQ(SeverityText(Severity::kWarn), "WARN");
  EXPECT_EQ(SeverityText(Severity::kError), "ERROR");
}

TEST_F(LogEmitterTest, FullBatchesLeaveAtOnceTheRestOnTheTimer) {
  BatchLogProcessorOptions options;
  options.max_export_batch_size = 3;
  options.schedule_delay = 1000 * kMillisecond;
  LogEmitter emitter = Make(options);
  emitter.Start();

  for (int i = 0; i < 7; ++i) EmitInfo(emitter, i);

  ASSERT_EQ(exports_.size(), 2U);
  EXPECT_EQ(exports_[0].data.LogRecordCount(), 3U);
  EXPECT_EQ(exports_[1].data.LogRecordCount(), 3U);
  EXPECT_EQ(emitter.queued_records(), 1U);
  engine_.RunUntil(999 * kMillisecond);
  EXPECT_EQ(exports_.size(), 2U);
  engine_.RunUntil(1000 * kMillisecond);
  ASSERT_EQ(exports_.size(), 3U);
  EXPECT_EQ(exports_[2].at, 1000 * kMillisecond);
  EXPECT_EQ(exports_[2].data.LogRecordCount(), 1U);
  // Order is kept across batches.
  EXPECT_EQ(exports_[2].data.resource_logs[0].scope_logs[0].log_records[0].body.ToString(),
            "record 6");
}

TEST_F(LogEmitterTest, QueueOverflowDropsAndCounts) {
  BatchLogProcessorOptions options;
  options.max_queue_size = 2;
  options.max_export_batch_size = 10;
  LogEmitter emitter = Make(options);
  emitter.Start();

  for (int i = 0; i < 5; ++i) EmitInfo(emitter, i);
  emitter.ForceFlush();

  EXPECT_EQ(emitter.dropped_records(), 3U);
  EXPECT_EQ(emitter.emitted_records(), 5U);
  EXPECT_EQ(Exported(), 2U);
}

TEST_F(LogEmitterTest, ShutdownFlushesAndLaterRecordsAreDropped) {
  LogEmitter emitter = Make(BatchLogProcessorOptions{});
  emitter.Start();
  EmitInfo(emitter, 0);
  EmitInfo(emitter, 1);

  emitter.Shutdown();
  EmitInfo(emitter, 2);
  engine_.RunUntil(10 * kSecond);

  EXPECT_EQ(Exported(), 2U);
  EXPECT_EQ(emitter.exported_records(), 2U);
  EXPECT_EQ(emitter.dropped_records(), 1U);
}

}  // namespace
}  // namespace tflo::workload
