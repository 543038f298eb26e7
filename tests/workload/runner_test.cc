// Scenario -> simulation (runner.h): the shipped onboarding scenario runs end to
// end, and its ground truth agrees with the traces file it wrote.
#include "tflo/workload/runner.h"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "test_util.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"

namespace tflo::workload {
namespace {

namespace fs = std::filesystem;
using tflo::testing::ReadFile;
using tflo::testing::ReadTestdata;
using tflo::testing::TempDir;

// A collector that loses nothing under the onboarding load, so that every span
// the services produced reaches the traces file.

core::CollectorConfig RoomyCollector() {
  auto config = core::ParseCollectorConfig(
      ReadTestdata("workload/collector_roomy.yaml"), "collector_roomy.yaml");
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? *config : core::CollectorConfig{};
}

Scenario ShortOnboarding() {
  auto scenario = LoadScenario("onboarding");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  Scenario s = scenario.ok() ? *scenario : Scenario{};
  s.duration = std::chrono::seconds(60);
  return s;
}

TEST(SimulationOptionsFromScenarioTest, MapsTheOnboardingScenario) {
  Scenario scenario = ShortOnboarding();
  scenario.seed = 99;
  scenario.start_unix_nano = 1767600000000000000ULL;
  FaultSpec outage;
  outage.kind = FaultSpec::Kind::kBackendOutage;
  outage.target = "backend";
  outage.start = std::chrono::seconds(10);
  outage.end = std::chrono::seconds(20);
  scenario.faults.push_back(outage);
  const FaultSet faults(scenario.faults);

  auto options = SimulationOptionsFromScenario(scenario, &faults, RoomyCollector());

  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_TRUE(options->onboarding.full_system);
  ASSERT_TRUE(options->onboarding.traffic.has_value());
  EXPECT_EQ(options->onboarding.traffic->kind, TrafficPattern::Kind::kBurst);
  EXPECT_DOUBLE_EQ(options->onboarding.traffic->peak_rate, 250);
  EXPECT_DOUBLE_EQ(options->onboarding.lookups_per_second, 5);
  EXPECT_DOUBLE_EQ(options->onboarding.step_error_rates.at("kyc"), 0.01);
  EXPECT_EQ(options->onboarding.faults, &faults);
  EXPECT_EQ(options->window, std::chrono::seconds(60));
  EXPECT_EQ(options->seed, 99U);
  EXPECT_EQ(options->start_unix_nano, 1767600000000000000ULL);
  ASSERT_EQ(options->backend.outages.size(), 1U);
  EXPECT_EQ(options->backend.outages[0].start, std::chrono::seconds(10));
  EXPECT_EQ(options->backend.outages[0].end, std::chrono::seconds(20));
  EXPECT_EQ(options->collector.exporters.size(), 1U);
}

TEST(SimulationOptionsFromScenarioTest, CarriesTheOtherServicesAndDisablesOnboarding) {
  auto scenario = LoadScenario("coordination");
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();

  auto options = SimulationOptionsFromScenario(*scenario, nullptr, RoomyCollector());

  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_FALSE(options->onboarding.enabled);
  EXPECT_TRUE(options->coordination.enabled);
  EXPECT_FALSE(options->ecommerce.enabled);
  EXPECT_EQ(options->coordination.teams, scenario->coordination.teams);
  EXPECT_EQ(options->coordination.traffic.kind, TrafficPattern::Kind::kBusinessHours);
}

TEST(SimulationOptionsFromScenarioTest, LoadsTheLambdaFunctionConfigTheScenarioNames) {
  Scenario scenario = ShortOnboarding();
  scenario.onboarding.lambda_function_config =
      tflo::testing::TestdataPath("workload/lambda/function_x86_zip.json");

  auto options = SimulationOptionsFromScenario(scenario, nullptr, RoomyCollector());

  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_NE(options->onboarding.lambda_function.memory_mb, DefaultLambdaFunctionConfig().memory_mb);
}

// Every sqs.process CONSUMER span in `traces` whose parent is not an sqs.send
// span of its own trace.
uint64_t CountOrphanConsumers(const fs::path& traces) {
  std::set<std::pair<std::string, std::string>> sends;  // (trace, span)
  std::vector<core::Span> consumers;
  const Status status = core::ReadTracesFile(traces, [&](core::TracesData&& data) {
    for (auto& rs : data.resource_spans) {
      for (auto& ss : rs.scope_spans) {
        for (auto& span : ss.spans) {
          if (span.name == "sqs.send") {
            sends.emplace(core::ToHex(span.trace_id), core::ToHex(span.span_id));
          } else if (span.name == "sqs.process" && span.kind == core::SpanKind::kConsumer) {
            consumers.push_back(std::move(span));
          }
        }
      }
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_FALSE(consumers.empty());
  uint64_t orphans = 0;
  for (const core::Span& span : consumers) {
    if (sends.count({core::ToHex(span.trace_id), core::ToHex(span.parent_span_id)}) == 0) {
      ++orphans;
    }
  }
  return orphans;
}

TEST(RunScenarioTest, ShippedOnboardingWritesFilesAndItsBrokenPropagationMatchesTheTraces) {
  TempDir tmp;
  const Scenario scenario = ShortOnboarding();
  const FaultSet faults(scenario.faults);
  auto options = SimulationOptionsFromScenario(scenario, &faults, RoomyCollector());
  ASSERT_TRUE(options.ok()) << options.status().message();
  options->out_dir = tmp.path() / "out";

  auto summary = RunSimulation(*options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_GT(summary->requests, 1000U);  // 50/s for 60 s, no burst yet
  for (const char* name : {"traces.jsonl", "metrics.jsonl", "ground_truth.json"}) {
    EXPECT_TRUE(fs::exists(options->out_dir / name)) << name;
  }
  const auto truth = nlohmann::json::parse(ReadFile(options->out_dir / "ground_truth.json"));
  const uint64_t broken = truth.at("propagation").at("messages_without_context").get<uint64_t>();
  EXPECT_GT(broken, 0U);  // 2 % of the messages
  EXPECT_EQ(CountOrphanConsumers(options->out_dir / "traces.jsonl"), broken);
}

TEST(RunScenarioTest, SameScenarioSameBytes) {
  TempDir tmp;
  Scenario scenario = ShortOnboarding();
  scenario.duration = std::chrono::seconds(10);
  const FaultSet faults(scenario.faults);
  auto options = SimulationOptionsFromScenario(scenario, &faults, RoomyCollector());
  ASSERT_TRUE(options.ok()) << options.status().message();

  options->out_dir = tmp.path() / "a";
  ASSERT_TRUE(RunSimulation(*options).ok());
  options->out_dir = tmp.path() / "b";
  ASSERT_TRUE(RunSimulation(*options).ok());

  for (const char* name : {"traces.jsonl", "metrics.jsonl", "ground_truth.json"}) {
    EXPECT_EQ(ReadFile(tmp.path() / "a" / name), ReadFile(tmp.path() / "b" / name)) << name;
  }
}

// Every metric name in `metrics` (a metrics file).
std::set<std::string> MetricNames(const fs::path& metrics) {
  std::set<std::string> names;
  const Status status = core::ReadMetricsFile(metrics, [&](core::MetricsData&& data) {
    for (const auto& rm : data.resource_metrics) {
      for (const auto& sm : rm.scope_metrics) {
        for (const auto& metric : sm.metrics) names.insert(metric.name);
      }
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return names;
}

// Spans per service.name in `traces`.
std::map<std::string, uint64_t> SpansByService(const fs::path& traces) {
  std::map<std::string, uint64_t> counts;
  const Status status = core::ReadTracesFile(traces, [&](core::TracesData&& data) {
    for (const auto& rs : data.resource_spans) {
      std::string service;
      for (const auto& attr : rs.resource.attributes) {
        if (attr.key == "service.name") service = attr.value.ToString();
      }
      for (const auto& ss : rs.scope_spans) counts[service] += ss.spans.size();
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return counts;
}

TEST(RunScenarioTest, MixedRunsEveryServiceWithLogsAndBusinessMetrics) {
  TempDir tmp;
  auto loaded = LoadScenario("mixed");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  Scenario scenario = *loaded;
  scenario.duration = std::chrono::seconds(20);
  const FaultSet faults(scenario.faults);
  auto options = SimulationOptionsFromScenario(scenario, &faults, RoomyCollector());
  ASSERT_TRUE(options.ok()) << options.status().message();
  options->out_dir = tmp.path() / "a";

  auto summary = RunSimulation(*options);
  options->out_dir = tmp.path() / "b";
  auto again = RunSimulation(*options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_GT(summary->log_records, 0U);
  const fs::path a = tmp.path() / "a";
  const std::map<std::string, uint64_t> spans = SpansByService(a / "traces.jsonl");
  for (const char* service :
       {"onboarding-api", "onboarding-lambda", "coordination-api", "loadgen", "product-catalog"}) {
    EXPECT_GT(spans.count(service) ? spans.at(service) : 0, 0U) << service;
  }
  const std::set<std::string> names = MetricNames(a / "metrics.jsonl");
  for (const char* name : {"otelcol_exporter_sent_spans", "work_items_created_total"}) {
    EXPECT_EQ(names.count(name), 1U) << name;
  }
  uint64_t log_records = 0;
  ASSERT_TRUE(core::ReadLogsFile(a / "logs.jsonl", [&](core::LogsData&& data) {
                log_records += data.LogRecordCount();
                return OkStatus();
              }).ok());
  EXPECT_EQ(log_records, summary->log_records);
  const auto truth = nlohmann::json::parse(ReadFile(a / "ground_truth.json"));
  EXPECT_GT(truth.at("coordination").at("claimed").get<uint64_t>(), 0U);
  EXPECT_GT(truth.at("ecommerce").at("journeys").get<uint64_t>(), 0U);
  for (const char* name : {"traces.jsonl", "metrics.jsonl", "logs.jsonl", "ground_truth.json"}) {
    EXPECT_EQ(ReadFile(a / name), ReadFile(tmp.path() / "b" / name)) << name;
  }
}

}  // namespace
}  // namespace tflo::workload
