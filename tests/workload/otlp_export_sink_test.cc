// OtlpExportSink (otlp_export_sink.h): a simulation's SDK exports reach an
// in-test OTLP/gRPC receiver on 127.0.0.1 exactly (spans, logs, business
// metrics, resources merged with OTEL_RESOURCE_ATTRIBUTES), the files do not
// change, and a dead endpoint costs bounded retries and counted drops.
#include "tflo/workload/otlp_export_sink.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/otlp_grpc.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {
namespace {

namespace fs = std::filesystem;
using core::Signal;
using tflo::testing::ReadFile;
using tflo::testing::ReadTestdata;
using tflo::testing::TempDir;

constexpr auto kWait = std::chrono::seconds(30);

core::EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string StringAttr(const core::Resource& resource, std::string_view key) {
  const core::AnyValue* value = core::FindAttribute(resource.attributes, key);
  if (value == nullptr) return "<absent>";
  const auto* s = std::get_if<std::string>(&value->value);
  return s != nullptr ? *s : "<not a string>";
}

// What an in-test collector received, decoded.
struct Received {
  std::mutex mu;
  uint64_t spans = 0;
  uint64_t points = 0;
  uint64_t log_records = 0;
  std::vector<core::Resource> resources;  // of every request of every signal
  std::set<std::string> metric_names;
};

std::unique_ptr<core::OtlpGrpcReceiver> StartReceiver(Received* received,
                                                      core::OtlpReceiverFailures failures = {}) {
  core::OtlpGrpcReceiverOptions options;
  options.failures = failures;
  options.on_traces = [received](core::TracesData&& data) {
    std::lock_guard lock(received->mu);
    received->spans += data.SpanCount();
    for (const auto& rs : data.resource_spans) received->resources.push_back(rs.resource);
    return OkStatus();
  };
  options.on_metrics = [received](core::MetricsData&& data) {
    std::lock_guard lock(received->mu);
    received->points += data.DataPointCount();
    for (const auto& rm : data.resource_metrics) {
      received->resources.push_back(rm.resource);
      for (const auto& sm : rm.scope_metrics) {
        for (const auto& m : sm.metrics) received->metric_names.insert(m.name);
      }
    }
    return OkStatus();
  };
  options.on_logs = [received](core::LogsData&& data) {
    std::lock_guard lock(received->mu);
    received->log_records += data.LogRecordCount();
    for (const auto& rl : data.resource_logs) received->resources.push_back(rl.resource);
    return OkStatus();
  };
  auto receiver = core::OtlpGrpcReceiver::Start(std::move(options));
  EXPECT_TRUE(receiver.ok()) << receiver.status().message();
  return receiver.ok() ? std::move(*receiver) : nullptr;
}

// Bounded, quick retries so the failure tests stay short.
OtlpExportSinkOptions FastSinkOptions(std::string endpoint) {
  OtlpExportSinkOptions options;
  options.exporter.endpoint = std::move(endpoint);
  options.exporter.timeout = std::chrono::milliseconds(2000);
  options.exporter.max_attempts = 2;
  options.exporter.initial_backoff = std::chrono::milliseconds(5);
  options.exporter.max_backoff = std::chrono::milliseconds(20);
  return options;
}

// A port on 127.0.0.1 that was bound by a receiver and is closed again.
std::string ClosedEndpoint() {
  Received unused;
  auto receiver = StartReceiver(&unused);
  if (!receiver) return "127.0.0.1:1";
  const std::string endpoint = receiver->endpoint();
  receiver->Shutdown();
  receiver.reset();
  return endpoint;
}


// The shipped `mixed` scenario (onboarding, coordination, e-commerce: spans,
// logs and business metrics) over a short window.
struct MixedRun {
  Scenario scenario;
  std::unique_ptr<FaultSet> faults;
  SimulationOptions options;
};

MixedRun ShortMixed(const fs::path& out) {
  MixedRun run;
  auto scenario = LoadScenario("mixed");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  if (scenario.ok()) run.scenario = *scenario;
  run.scenario.duration = std::chrono::seconds(8);
  auto collector = core::ParseCollectorConfig(
      ReadTestdata("workload/collector_roomy.yaml"), "collector_roomy.yaml");
  EXPECT_TRUE(collector.ok()) << collector.status().message();
  run.faults = std::make_unique<FaultSet>(run.scenario.faults);
  auto options = SimulationOptionsFromScenario(
      run.scenario, run.faults.get(), collector.ok() ? *collector : core::CollectorConfig{});
  EXPECT_TRUE(options.ok()) << options.status().message();
  if (options.ok()) run.options = *options;
  run.options.metrics_interval = std::chrono::seconds(2);
  run.options.out_dir = out;
  return run;
}

void ExpectSameFiles(const fs::path& a, const fs::path& b) {
  for (const char* name : {"traces.jsonl", "metrics.jsonl", "logs.jsonl", "ground_truth.json"}) {
    ASSERT_TRUE(fs::exists(a / name)) << name;
    EXPECT_TRUE(ReadFile(a / name) == ReadFile(b / name)) << name << " differs";
  }
}

core::TracesData OneSpanRequest(std::string service) {
  core::TracesData data;
  core::ResourceSpans rs;
  rs.resource.attributes = {{"service.name", core::AnyValue(std::move(service))},
                            {"deployment.environment", core::AnyValue(std::string("sim"))}};
  core::ScopeSpans ss;
  core::Span span;
  span.trace_id[0] = 1;
  span.span_id[0] = 2;
  span.name = "op";
  span.start_time_unix_nano = 1;
  span.end_time_unix_nano = 2;
  ss.spans.push_back(span);
  rs.scope_spans.push_back(std::move(ss));
  data.resource_spans.push_back(std::move(rs));
  return data;
}

TEST(OtlpExportSinkTest, SimulationSendsEverySdkExportAndTheFilesDoNotChange) {
  TempDir tmp;
  Received received;
  auto receiver = StartReceiver(&received);
  ASSERT_NE(receiver, nullptr);
  OtlpExportSinkOptions sink_options;
  sink_options.exporter.endpoint = receiver->endpoint();
  sink_options.env = FakeEnv(
      {{"OTEL_RESOURCE_ATTRIBUTES", "k8s.cluster.name=kind-tflo,deployment.environment=overridden"},
       {"OTEL_SERVICE_NAME", "renamed"}});
  auto sink = OtlpExportSink::Create(std::move(sink_options));
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  MixedRun with = ShortMixed(tmp.path() / "with");
  MixedRun without = ShortMixed(tmp.path() / "without");
  with.options.sdk_export = sink->get();

  auto summary = RunSimulation(with.options);
  const Status finished = (*sink)->Finish();
  auto plain = RunSimulation(without.options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_TRUE(finished.ok()) << finished.message();
  ExpectSameFiles(tmp.path() / "with", tmp.path() / "without");
  const auto truth = nlohmann::json::parse(ReadFile(tmp.path() / "with" / "ground_truth.json"));
  const uint64_t reached_collector =
      truth["pipeline"]["accepted"].get<uint64_t>() + truth["pipeline"]["refused"].get<uint64_t>();
  const OtlpExportSinkStats total = (*sink)->total_stats();
  std::lock_guard lock(received.mu);
  // Every span an SDK exported, i.e. exactly what the collector model received.
  EXPECT_GT(received.spans, 0U);
  EXPECT_EQ(received.spans, reached_collector);
  EXPECT_EQ(received.spans + truth["pipeline"]["sdk_dropped"].get<uint64_t>(),
            summary->spans_generated);
  EXPECT_EQ(received.log_records, summary->log_records);
  EXPECT_GT(received.log_records, 0U);
  EXPECT_GT(received.points, 0U);
  EXPECT_LT(received.points, summary->metric_points);  // not the collector's own metrics
  for (const std::string& name : received.metric_names) {
    EXPECT_NE(name.rfind("otelcol_", 0), 0U) << name;
  }
  EXPECT_EQ(received.metric_names.count("work_items_created_total"), 1U);
  EXPECT_EQ(total.exported, received.spans + received.points + received.log_records);
  EXPECT_EQ(total.dropped, 0U);
  EXPECT_EQ(total.items, total.exported);
  std::set<std::string> services;
  for (const core::Resource& resource : received.resources) {
    EXPECT_EQ(StringAttr(resource, "k8s.cluster.name"), "kind-tflo");
    EXPECT_NE(StringAttr(resource, "deployment.environment"), "overridden");
    services.insert(StringAttr(resource, "service.name"));
  }
  EXPECT_EQ(services.count("renamed"), 0U);
  EXPECT_GE(services.size(), 3U);
}

TEST(OtlpExportSinkTest, UnreachableEndpointDropsAndCountsWithoutHanging) {
  TempDir tmp;
  OtlpExportSinkOptions sink_options = FastSinkOptions(ClosedEndpoint());
  sink_options.failure_cooldown = std::chrono::milliseconds(200);
  auto sink = OtlpExportSink::Create(std::move(sink_options));
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  MixedRun with = ShortMixed(tmp.path() / "with");
  MixedRun without = ShortMixed(tmp.path() / "without");
  with.options.sdk_export = sink->get();

  auto summary = RunSimulation(with.options);
  (*sink)->Finish().IgnoreError();
  auto plain = RunSimulation(without.options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ExpectSameFiles(tmp.path() / "with", tmp.path() / "without");
  const OtlpExportSinkStats total = (*sink)->total_stats();
  EXPECT_GT(total.items, 0U);
  EXPECT_EQ(total.exported, 0U);
  EXPECT_EQ(total.dropped, total.items);
  const OtlpExportSinkStats traces = (*sink)->stats(Signal::kTraces);
  EXPECT_EQ(
      traces.items + (*sink)->stats(Signal::kMetrics).items + (*sink)->stats(Signal::kLogs).items,
      total.items);
  EXPECT_GT(traces.dropped, 0U);
}

TEST(OtlpExportSinkTest, FailingEndpointIsSkippedDuringTheCooldown) {
  OtlpExportSinkOptions options = FastSinkOptions(ClosedEndpoint());
  options.failure_cooldown = std::chrono::hours(1);
  auto sink = OtlpExportSink::Create(std::move(options));
  ASSERT_TRUE(sink.ok()) << sink.status().message();

  (*sink)->ExportTraces(OneSpanRequest("a"));
  // Wait (bounded) until the first request has been dropped by the exporter.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while ((*sink)->stats(Signal::kTraces).dropped == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (*sink)->ExportTraces(OneSpanRequest("b"));
  (*sink)->ExportTraces(OneSpanRequest("c"));
  ASSERT_TRUE((*sink)->Finish().ok());

  const OtlpExportSinkStats s = (*sink)->stats(Signal::kTraces);
  EXPECT_EQ(s.requests, 3U);
  EXPECT_EQ(s.items, 3U);
  EXPECT_EQ(s.skipped, 2U);
  EXPECT_EQ(s.dropped, 3U);
  EXPECT_EQ(s.exported, 0U);
  EXPECT_EQ(s.retries, 1U);  // max_attempts 2: one retry for the request that was sent
}

TEST(OtlpExportSinkTest, TransientFailuresAreRetriedAndNothingIsLost) {
  Received received;
  core::OtlpReceiverFailures failures;
  failures.fail_first_calls = 2;
  auto receiver = StartReceiver(&received, failures);
  ASSERT_NE(receiver, nullptr);
  OtlpExportSinkOptions options = FastSinkOptions(receiver->endpoint());
  options.exporter.max_attempts = 5;
  options.exporter.max_in_flight = 1;
  auto sink = OtlpExportSink::Create(std::move(options));
  ASSERT_TRUE(sink.ok()) << sink.status().message();

  for (int i = 0; i < 4; ++i) (*sink)->ExportTraces(OneSpanRequest("svc"));
  ASSERT_TRUE((*sink)->Finish().ok());

  const OtlpExportSinkStats s = (*sink)->stats(Signal::kTraces);
  EXPECT_EQ(s.exported, 4U);
  EXPECT_EQ(s.dropped, 0U);
  EXPECT_EQ(s.retries, 2U);
  std::lock_guard lock(received.mu);
  EXPECT_EQ(received.spans, 4U);
}

TEST(OtlpExportSinkTest, ResourceAttributesFromTheEnvironmentKeepExistingKeys) {
  Received received;
  auto receiver = StartReceiver(&received);
  ASSERT_NE(receiver, nullptr);
  OtlpExportSinkOptions options = FastSinkOptions(receiver->endpoint());
  options.env = FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES",
                          "team=core%20platform, deployment.environment=prod ,service.name=x"}});
  auto sink = OtlpExportSink::Create(std::move(options));
  ASSERT_TRUE(sink.ok()) << sink.status().message();

  (*sink)->ExportTraces(OneSpanRequest("onboarding-api"));
  ASSERT_TRUE((*sink)->Finish().ok());

  std::lock_guard lock(received.mu);
  ASSERT_EQ(received.resources.size(), 1U);
  const core::Resource& r = received.resources[0];
  EXPECT_EQ(StringAttr(r, "team"), "core platform");
  EXPECT_EQ(StringAttr(r, "deployment.environment"), "sim");
  EXPECT_EQ(StringAttr(r, "service.name"), "onboarding-api");
}

TEST(OtlpExportSinkTest, MalformedResourceAttributesAreIgnoredAsAWhole) {
  OtlpExportSinkOptions options = FastSinkOptions("127.0.0.1:4317");
  options.env = FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES", "team=core,novalue"}});

  auto sink = OtlpExportSink::Create(std::move(options));

  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EXPECT_TRUE((*sink)->env_resource_attributes().empty());
}

TEST(OtlpExportSinkTest, CreateRejectsBadOptions) {
  OtlpExportSinkOptions bad_endpoint = FastSinkOptions("http://:x");
  OtlpExportSinkOptions no_pipelining = FastSinkOptions("127.0.0.1:4317");
  no_pipelining.exporter.max_in_flight = 0;
  OtlpExportSinkOptions negative = FastSinkOptions("127.0.0.1:4317");
  negative.flush_timeout = std::chrono::milliseconds(-1);

  EXPECT_EQ(OtlpExportSink::Create(bad_endpoint).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpExportSink::Create(no_pipelining).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpExportSink::Create(negative).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tflo::workload
