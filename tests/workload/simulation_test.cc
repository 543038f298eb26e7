#include "tflo/workload/simulation.h"

#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "simulation_hooks.h"
#include "test_util.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/collector_config.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/stats.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

using tflo::testing::ReadFile;
using tflo::testing::TempDir;
using Json = nlohmann::json;

core::CollectorConfig MakeConfig(std::optional<core::BatchProcessorConfig> batch,
                                 core::SendingQueueConfig queue) {
  core::CollectorConfig config;
  config.source = "test-collector.yaml";
  config.receiver_ids = {"otlp"};
  core::ExporterConfig exporter;
  exporter.id = "otlp/tempo";
  exporter.type = "otlp";
  exporter.sending_queue = queue;
  config.exporters[exporter.id] = exporter;
  core::PipelineConfig pipeline;
  pipeline.id = "traces";
  pipeline.receivers = {"otlp"};
  pipeline.exporters = {exporter.id};
  if (batch) {
    batch->id = "batch";
    config.processor_ids = {"batch"};
    config.batch_processors["batch"] = *batch;
    pipeline.processors = {"batch"};
  }
  config.pipelines = {pipeline};
  return config;
}

core::BatchProcessorConfig Batch(int64_t size, std::chrono::nanoseconds timeout, int64_t max = 0) {
  core::BatchProcessorConfig batch;
  batch.send_batch_size = size;
  batch.timeout = timeout;
  batch.send_batch_max_size = max;
  return batch;
}

core::SendingQueueConfig Queue(int64_t size, int64_t consumers, bool enabled = true) {
  core::SendingQueueConfig queue;
  queue.enabled = enabled;
  queue.queue_size = size;
  queue.num_consumers = consumers;
  return queue;
}

// A short window with a roomy pipeline: nothing is dropped.
SimulationOptions RoomyOptions(const std::filesystem::path& out, uint64_t seed = 1) {
  SimulationOptions options;
  options.seed = seed;
  options.window = std::chrono::seconds(5);
  options.metrics_interval = std::chrono::seconds(2);
  options.onboarding.requests_per_second = 100;
  options.onboarding.error_rate = 0.05;
  options.onboarding.validation_error_rate = 0.05;
  options.collector = MakeConfig(Batch(512, std::chrono::milliseconds(200)), Queue(1000, 10));
  options.out_dir = out;
  return options;
}

struct FileSpan {
  std::string service;
  core::Span span;
};

std::vector<FileSpan> ReadSpans(const std::filesystem::path& path, size_t* requests = nullptr) {
  std::vector<FileSpan> spans;
  size_t n = 0;
  const Status status = core::ReadTracesFile(path, [&](core::TracesData&& data) {
    ++n;
    for (auto& rs : data.resource_spans) {
      const core::AnyValue* service = core::FindAttribute(rs.resource.attributes, "service.name");
      const std::string name =
          service != nullptr && service->AsString() ? *service->AsString() : "";
      for (auto& ss : rs.scope_spans) {
        for (auto& span : ss.spans) spans.push_back({name, std::move(span)});
      }
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  if (requests != nullptr) *requests = n;
  return spans;
}

std::vector<core::MetricsData> ReadScrapes(const std::filesystem::path& path) {
  std::vector<core::MetricsData> scrapes;
  const Status status = core::ReadMetricsFile(path, [&](core::MetricsData&& data) {
    scrapes.push_back(std::move(data));
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return scrapes;
}

std::map<std::string, const core::Metric*> MetricsByName(const core::MetricsData& scrape) {
  std::map<std::string, const core::Metric*> out;
  for (const auto& rm : scrape.resource_metrics) {
    for (const auto& sm : rm.scope_metrics) {
      for (const auto& metric : sm.metrics) out[metric.name] = &metric;
    }
  }
  return out;
}

int64_t SumValue(const core::Metric& metric) {
  const auto& sum = std::get<core::Sum>(metric.data);
  return std::get<int64_t>(sum.data_points.at(0).value);
}

std::string Attr(const core::Attributes& attributes, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(attributes, key);
  return v != nullptr && v->AsString() != nullptr ? *v->AsString() : "<missing>";
}

Json ReadGroundTruth(const std::filesystem::path& dir) {
  return Json::parse(ReadFile(dir / "ground_truth.json"));
}

TEST(SimulationTest, SameSeedGivesIdenticalFilesAndOtherSeedDiffers) {
  TempDir a, b, c;

  auto ra = RunSimulation(RoomyOptions(a.path(), 7));
  auto rb = RunSimulation(RoomyOptions(b.path(), 7));
  auto rc = RunSimulation(RoomyOptions(c.path(), 8));

  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  ASSERT_TRUE(rc.ok()) << rc.status().ToString();
  for (const char* file : {"traces.jsonl", "metrics.jsonl", "ground_truth.json"}) {
    const std::string bytes_a = ReadFile(a.path() / file);
    EXPECT_FALSE(bytes_a.empty()) << file;
    EXPECT_EQ(bytes_a, ReadFile(b.path() / file)) << file;
  }
  EXPECT_NE(ReadFile(a.path() / "traces.jsonl"), ReadFile(c.path() / "traces.jsonl"));
  EXPECT_NE(ReadFile(a.path() / "ground_truth.json"), ReadFile(c.path() / "ground_truth.json"));
}

// Only whole files under the final names: nothing is left as .partial.
TEST(SimulationTest, FinishedRunLeavesOnlyFinalNames) {
  TempDir dir;
  auto run = RunSimulation(RoomyOptions(dir.path()));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.insert(entry.path().filename().string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"traces.jsonl", "metrics.jsonl", "ground_truth.json"}));
}

// A run that fails after opening its files removes them: no file of it is
// mistaken for a result.
TEST(SimulationTest, FailedRunRemovesItsUnfinishedFiles) {
  TempDir dir;
  SimulationHooks hooks;
  hooks.run_engine = [](EventEngine&) {};  // stops before the pipeline drains
  auto run = RunSimulationWithHooks(RoomyOptions(dir.path()), hooks);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("drained"), std::string::npos) << run.status().ToString();
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// A run killed half way leaves its files under .partial names and no
// ground_truth.json. ("fast" death tests: the child is a fork that sees the
// parent's directory; no thread runs when it forks.)
TEST(SimulationDeathTest, KilledRunLeavesOnlyPartialFiles) {
  GTEST_FLAG_SET(death_test_style, "fast");
  TempDir dir;
  const SimulationOptions options = RoomyOptions(dir.path());
  SimulationHooks hooks;
  int scrapes = 0;
  hooks.on_metrics = [&scrapes](const core::MetricsData&) {
    if (++scrapes == 2) std::raise(SIGKILL);
  };
  EXPECT_EXIT(RunSimulationWithHooks(options, hooks).status().IgnoreError(),
              ::testing::KilledBySignal(SIGKILL), "");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "traces.jsonl.partial"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "metrics.jsonl.partial"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "traces.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "metrics.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ground_truth.json"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ground_truth.json.partial"));
}

// The onboarding services run on a thread of their own, the collector model,
// the other services and the writers on the caller's: the files must not
// depend on which thread ran ahead, and every scrape still carries the
// onboarding business metrics of its instant.
TEST(SimulationTest, MixedRunsOnTwoThreadsGiveTheSameBytesEveryTime) {
  auto scenario = LoadScenario("mixed");
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  scenario->duration = std::chrono::seconds(12);
  auto collector = core::ParseCollectorConfig(
      tflo::testing::ReadTestdata("workload/collector_roomy.yaml"), "collector_roomy.yaml");
  ASSERT_TRUE(collector.ok()) << collector.status().ToString();
  const FaultSet faults(scenario->faults);
  TempDir dirs[3];
  for (TempDir& dir : dirs) {
    auto options = SimulationOptionsFromScenario(*scenario, &faults, *collector);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options->metrics_interval = std::chrono::seconds(2);
    options->out_dir = dir.path();
    auto summary = RunSimulation(*options);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    EXPECT_GT(summary->spans_sent, 0u);
  }
  for (const char* file : {"traces.jsonl", "metrics.jsonl", "logs.jsonl", "ground_truth.json"}) {
    const std::string first = ReadFile(dirs[0].path() / file);
    EXPECT_FALSE(first.empty()) << file;
    EXPECT_TRUE(first == ReadFile(dirs[1].path() / file)) << file << " differs";
    EXPECT_TRUE(first == ReadFile(dirs[2].path() / file)) << file << " differs";
  }

  // Collector scrape, then the services' business metrics, at each tick and
  // at the end: the onboarding counter is in every business record and never
  // goes down.
  const std::vector<core::MetricsData> scrapes = ReadScrapes(dirs[0].path() / "metrics.jsonl");
  int business_records = 0;
  int64_t last_requests = 0;
  for (const core::MetricsData& scrape : scrapes) {
    const auto metrics = MetricsByName(scrape);
    if (metrics.count("otelcol_exporter_sent_spans") != 0) continue;  // the collector's
    ++business_records;
    ASSERT_EQ(metrics.count("onboarding_requests_total"), 1u) << "record " << business_records;
    int64_t requests = 0;
    const auto& sum = std::get<core::Sum>(metrics.at("onboarding_requests_total")->data);
    for (const auto& point : sum.data_points) requests += std::get<int64_t>(point.value);
    EXPECT_GE(requests, last_requests);
    last_requests = requests;
  }
  EXPECT_GE(business_records, 6);  // 12 s at 2 s, and the final one
  EXPECT_GT(last_requests, 12 * 150);
}

TEST(SimulationTest, BinaryFormatIsDeterministicToo) {
  TempDir a, b;
  SimulationOptions oa = RoomyOptions(a.path(), 3);
  SimulationOptions ob = RoomyOptions(b.path(), 3);
  oa.format = ob.format = core::OtlpFileFormat::kBinary;

  ASSERT_TRUE(RunSimulation(oa).ok());
  ASSERT_TRUE(RunSimulation(ob).ok());

  EXPECT_EQ(ReadFile(a.path() / "traces.binpb"), ReadFile(b.path() / "traces.binpb"));
  EXPECT_EQ(ReadFile(a.path() / "metrics.binpb"), ReadFile(b.path() / "metrics.binpb"));
}

TEST(SimulationTest, ConsumerSpansAreChildrenOfProducerSpans) {
  TempDir dir;

  auto summary = RunSimulation(RoomyOptions(dir.path()));

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<FileSpan> spans = ReadSpans(dir.path() / "traces.jsonl");
  std::map<std::string, std::string> send_by_trace;  // trace id -> sqs.send span id
  for (const FileSpan& s : spans) {
    if (s.span.name == "sqs.send") {
      EXPECT_EQ(s.service, "onboarding-api");
      EXPECT_EQ(s.span.kind, core::SpanKind::kProducer);
      send_by_trace[core::ToHex(s.span.trace_id)] = core::ToHex(s.span.span_id);
    }
  }
  size_t consumers = 0;
  for (const FileSpan& s : spans) {
    if (s.span.name != "sqs.process") continue;
    ++consumers;
    EXPECT_EQ(s.service, "onboarding-lambda");
    EXPECT_EQ(s.span.kind, core::SpanKind::kConsumer);
    const auto it = send_by_trace.find(core::ToHex(s.span.trace_id));
    ASSERT_NE(it, send_by_trace.end()) << "sqs.process in a trace without sqs.send";
    EXPECT_EQ(core::ToHex(s.span.parent_span_id), it->second);
    EXPECT_GE(s.span.start_time_unix_nano, 0U);
  }
  EXPECT_GT(consumers, 0U);
  EXPECT_EQ(consumers, send_by_trace.size());
  const Json truth = ReadGroundTruth(dir.path());
  EXPECT_EQ(truth["propagation"]["messages_sent"].get<size_t>(), consumers);
  EXPECT_EQ(truth["propagation"]["consumer_spans_with_parent"].get<size_t>(), consumers);
}

TEST(SimulationTest, GroundTruthMatchesTracesFileWhenNothingIsDropped) {
  TempDir dir;

  auto summary = RunSimulation(RoomyOptions(dir.path()));

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  size_t requests = 0;
  const std::vector<FileSpan> spans = ReadSpans(dir.path() / "traces.jsonl", &requests);
  EXPECT_EQ(summary->spans_dropped, 0U);
  EXPECT_EQ(summary->spans_generated, spans.size());
  EXPECT_EQ(summary->spans_sent, spans.size());
  EXPECT_EQ(summary->spans_accepted, spans.size());
  EXPECT_EQ(summary->export_requests, requests);

  std::map<std::pair<std::string, std::string>, std::vector<double>> durations;
  std::map<std::pair<std::string, std::string>, uint64_t> errors;
  for (const FileSpan& s : spans) {
    durations[{s.service, s.span.name.str()}].push_back(s.span.duration_ms());
    if (s.span.status.code == core::StatusCode::kError) ++errors[{s.service, s.span.name.str()}];
  }
  const Json truth = ReadGroundTruth(dir.path());
  EXPECT_EQ(truth["pipeline"]["spans_generated"].get<size_t>(), spans.size());
  EXPECT_EQ(truth["pipeline"]["sent"].get<size_t>(), spans.size());
  EXPECT_EQ(truth["pipeline"]["dropped"].get<size_t>(), 0U);
  const Json& operations = truth["operations"];
  ASSERT_EQ(operations.size(), durations.size());
  ASSERT_EQ(operations.size(), 8U);
  std::pair<std::string, std::string> previous;
  for (const Json& op : operations) {
    const std::pair<std::string, std::string> key{op["service"], op["operation"]};
    EXPECT_LT(previous, key) << "operations must be sorted by (service, operation)";
    previous = key;
    std::vector<double>& d = durations.at(key);
    EXPECT_EQ(op["count"].get<size_t>(), d.size()) << key.second;
    EXPECT_EQ(op["delivered_count"].get<size_t>(), d.size()) << key.second;
    EXPECT_EQ(op["errors"].get<uint64_t>(), errors[key]) << key.second;
    // Same durations, same quantile definition: the same numbers.
    EXPECT_DOUBLE_EQ(op["p50_ms"].get<double>(), core::ExactQuantile(d, 0.50)) << key.second;
    EXPECT_DOUBLE_EQ(op["p95_ms"].get<double>(), core::ExactQuantile(d, 0.95)) << key.second;
    EXPECT_DOUBLE_EQ(op["p99_ms"].get<double>(), core::ExactQuantile(d, 0.99)) << key.second;
  }
}

TEST(SimulationTest, GroundTruthHasDocumentedShape) {
  TempDir dir;

  ASSERT_TRUE(RunSimulation(RoomyOptions(dir.path(), 11)).ok());

  // Key order is part of the format: read it back in file order.
  const auto truth = nlohmann::ordered_json::parse(ReadFile(dir.path() / "ground_truth.json"));
  std::vector<std::string> keys;
  for (const auto& item : truth.items()) keys.push_back(item.key());
  const std::vector<std::string> expected_prefix = {
      "seed",       "window_seconds", "start_unix_nano", "injected",
      "operations", "pipeline",       "propagation"};
  ASSERT_GE(keys.size(), expected_prefix.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 7), expected_prefix);
  EXPECT_EQ(truth["seed"].get<uint64_t>(), 11U);
  EXPECT_DOUBLE_EQ(truth["window_seconds"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(truth["injected"]["requests_per_second"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(truth["injected"]["backend"]["request_latency_ms"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(truth["injected"]["backend"]["per_span_latency_us"].get<double>(), 20.0);
  EXPECT_EQ(truth["injected"]["collector"]["send_batch_size"].get<int64_t>(), 512);
  EXPECT_DOUBLE_EQ(truth["injected"]["collector"]["timeout_ms"].get<double>(), 200.0);
  EXPECT_EQ(truth["injected"]["collector"]["queue_size"].get<int64_t>(), 1000);
  EXPECT_EQ(truth["injected"]["collector"]["num_consumers"].get<int64_t>(), 10);
  for (const char* key :
       {"spans_generated", "accepted", "sent", "dropped", "export_requests", "max_queue_size"}) {
    EXPECT_TRUE(truth["pipeline"].contains(key)) << key;
  }
}

TEST(SimulationTest, TinyQueueDropsAndMetricsMatchGroundTruth) {
  TempDir dir;
  SimulationOptions options = RoomyOptions(dir.path());
  auto config =
      core::LoadCollectorConfig(tflo::testing::TestdataPath("workload/collector_tiny_queue.yaml"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  options.collector = *config;
  options.backend.request_latency = std::chrono::milliseconds(500);

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_GT(summary->spans_dropped, 0U);
  EXPECT_EQ(summary->spans_accepted, summary->spans_generated);
  EXPECT_EQ(summary->spans_dropped, summary->spans_accepted - summary->spans_sent);
  EXPECT_EQ(ReadSpans(dir.path() / "traces.jsonl").size(), summary->spans_sent);

  const Json truth = ReadGroundTruth(dir.path());
  EXPECT_EQ(truth["pipeline"]["dropped"].get<uint64_t>(), summary->spans_dropped);
  EXPECT_EQ(truth["pipeline"]["max_queue_size"].get<int64_t>(), 2);
  uint64_t delivered = 0;
  for (const Json& op : truth["operations"]) {
    EXPECT_LE(op["delivered_count"].get<uint64_t>(), op["count"].get<uint64_t>());
    delivered += op["delivered_count"].get<uint64_t>();
  }
  EXPECT_EQ(delivered, summary->spans_sent);

  const std::vector<core::MetricsData> scrapes = ReadScrapes(dir.path() / "metrics.jsonl");
  ASSERT_FALSE(scrapes.empty());
  const auto last = MetricsByName(scrapes.back());
  EXPECT_EQ(static_cast<uint64_t>(SumValue(*last.at("otelcol_exporter_enqueue_failed_spans"))),
            summary->spans_dropped);
  EXPECT_EQ(static_cast<uint64_t>(SumValue(*last.at("otelcol_exporter_sent_spans"))),
            summary->spans_sent);
  EXPECT_EQ(static_cast<uint64_t>(SumValue(*last.at("otelcol_receiver_accepted_spans"))),
            summary->spans_accepted);
  int64_t max_queue = 0;
  for (const auto& scrape : scrapes) {
    const auto& gauge =
        std::get<core::Gauge>(MetricsByName(scrape).at("otelcol_exporter_queue_size")->data);
    max_queue = std::max(max_queue, std::get<int64_t>(gauge.data_points.at(0).value));
  }
  EXPECT_LE(max_queue, 2);
}

TEST(SimulationTest, MetricsFileHoldsCollectorMetricsWithTheirTypes) {
  TempDir dir;
  SimulationOptions options = RoomyOptions(dir.path());

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<core::MetricsData> scrapes = ReadScrapes(dir.path() / "metrics.jsonl");
  // One scrape every 2 s while the window and the drain last, plus the final one.
  ASSERT_GE(scrapes.size(), 3U);
  uint64_t points = 0;
  for (const auto& s : scrapes) points += s.DataPointCount();
  EXPECT_EQ(points, summary->metric_points);

  const core::MetricsData& last = scrapes.back();
  ASSERT_EQ(last.resource_metrics.size(), 1U);
  EXPECT_EQ(Attr(last.resource_metrics[0].resource.attributes, "service.name"), "otelcol-contrib");
  const auto metrics = MetricsByName(last);
  for (const char* name :
       {"otelcol_receiver_accepted_spans", "otelcol_exporter_sent_spans",
        "otelcol_exporter_enqueue_failed_spans", "otelcol_exporter_send_failed_spans",
        "otelcol_processor_batch_batch_size_trigger_send",
        "otelcol_processor_batch_timeout_trigger_send"}) {
    ASSERT_TRUE(metrics.count(name)) << name;
    const auto* sum = std::get_if<core::Sum>(&metrics.at(name)->data);
    ASSERT_NE(sum, nullptr) << name;
    EXPECT_TRUE(sum->is_monotonic) << name;
    EXPECT_EQ(sum->aggregation_temporality, core::AggregationTemporality::kCumulative) << name;
    ASSERT_EQ(sum->data_points.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<int64_t>(sum->data_points[0].value)) << name;
    EXPECT_EQ(sum->data_points[0].start_time_unix_nano, options.start_unix_nano) << name;
  }
  for (const char* name : {"otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity"}) {
    ASSERT_TRUE(metrics.count(name)) << name;
    const auto* gauge = std::get_if<core::Gauge>(&metrics.at(name)->data);
    ASSERT_NE(gauge, nullptr) << name;
    EXPECT_EQ(Attr(gauge->data_points.at(0).attributes, "exporter"), "otlp/tempo");
    EXPECT_EQ(Attr(gauge->data_points.at(0).attributes, "data_type"), "traces");
    EXPECT_TRUE(std::holds_alternative<int64_t>(gauge->data_points[0].value));
  }
  EXPECT_EQ(
      std::get<int64_t>(std::get<core::Gauge>(metrics.at("otelcol_exporter_queue_capacity")->data)
                            .data_points[0]
                            .value),
      1000);
  EXPECT_EQ(std::get<int64_t>(std::get<core::Gauge>(metrics.at("otelcol_exporter_queue_size")->data)
                                  .data_points[0]
                                  .value),
            0);  // drained

  const auto* histogram =
      std::get_if<core::Histogram>(&metrics.at("otelcol_processor_batch_batch_send_size")->data);
  ASSERT_NE(histogram, nullptr);
  EXPECT_EQ(histogram->aggregation_temporality, core::AggregationTemporality::kCumulative);
  const core::HistogramDataPoint& hp = histogram->data_points.at(0);
  EXPECT_EQ(hp.explicit_bounds,
            std::vector<double>(kBatchSendSizeBounds.begin(), kBatchSendSizeBounds.end()));
  EXPECT_EQ(hp.bucket_counts.size(), hp.explicit_bounds.size() + 1);
  EXPECT_EQ(Attr(hp.attributes, "processor"), "batch");
  uint64_t bucket_total = 0;
  for (uint64_t c : hp.bucket_counts) bucket_total += c;
  EXPECT_EQ(bucket_total, hp.count);
  ASSERT_TRUE(hp.sum.has_value());
  EXPECT_DOUBLE_EQ(*hp.sum, static_cast<double>(summary->spans_sent));
  const int64_t sends = SumValue(*metrics.at("otelcol_processor_batch_batch_size_trigger_send")) +
                        SumValue(*metrics.at("otelcol_processor_batch_timeout_trigger_send"));
  EXPECT_EQ(static_cast<uint64_t>(sends), hp.count);
  EXPECT_EQ(hp.count, summary->export_requests);

  const auto& accepted = std::get<core::Sum>(metrics.at("otelcol_receiver_accepted_spans")->data);
  EXPECT_EQ(Attr(accepted.data_points[0].attributes, "receiver"), "otlp");
  EXPECT_EQ(Attr(accepted.data_points[0].attributes, "transport"), "grpc");
  EXPECT_EQ(SumValue(*metrics.at("otelcol_exporter_send_failed_spans")), 0);

  // Cumulative counters never decrease from one scrape to the next.
  int64_t previous = -1;
  uint64_t previous_time = 0;
  for (const auto& scrape : scrapes) {
    const core::Metric* sent = MetricsByName(scrape).at("otelcol_exporter_sent_spans");
    const auto& point = std::get<core::Sum>(sent->data).data_points.at(0);
    EXPECT_GE(std::get<int64_t>(point.value), previous);
    EXPECT_GT(point.time_unix_nano, previous_time);
    previous = std::get<int64_t>(point.value);
    previous_time = point.time_unix_nano;
  }
}

TEST(SimulationTest, UnbatchedAndSynchronousPipelinesDeliverEverything) {
  struct Variant {
    const char* name;
    core::CollectorConfig config;
  };
  const Variant variants[] = {
      {"no batch processor", MakeConfig(std::nullopt, Queue(1000, 10))},
      {"queue disabled",
       MakeConfig(Batch(512, std::chrono::milliseconds(200)), Queue(1000, 10, false))},
      {"neither", MakeConfig(std::nullopt, Queue(1000, 10, false))},
      {"timeout 0 and max size",
       MakeConfig(Batch(100, std::chrono::nanoseconds(0), 200), Queue(1000, 10))},
  };
  for (const Variant& v : variants) {
    TempDir dir;
    SimulationOptions options = RoomyOptions(dir.path());
    options.collector = v.config;

    auto summary = RunSimulation(options);

    ASSERT_TRUE(summary.ok()) << v.name << ": " << summary.status().ToString();
    EXPECT_EQ(summary->spans_dropped, 0U) << v.name;
    EXPECT_EQ(summary->spans_sent, summary->spans_generated) << v.name;
    EXPECT_EQ(ReadSpans(dir.path() / "traces.jsonl").size(), summary->spans_generated) << v.name;
  }
}

TEST(SimulationTest, LambdaStepErrorsMarkStepAndParent) {
  TempDir dir;
  SimulationOptions options = RoomyOptions(dir.path());
  options.onboarding.error_rate = 1.0;  // the first step always fails
  options.onboarding.validation_error_rate = 0.0;

  ASSERT_TRUE(RunSimulation(options).ok());

  size_t processes = 0;
  for (const FileSpan& s : ReadSpans(dir.path() / "traces.jsonl")) {
    EXPECT_NE(s.span.name, "compliance_check") << "steps after a failure must not run";
    if (s.span.name == "sqs.process" || s.span.name == "validation") {
      EXPECT_EQ(s.span.status.code, core::StatusCode::kError) << s.span.name;
      EXPECT_FALSE(s.span.status.message.empty());
      ASSERT_FALSE(s.span.events.empty()) << s.span.name;
      EXPECT_EQ(s.span.events[0].name, "exception");
      EXPECT_NE(core::FindAttribute(s.span.events[0].attributes, "exception.type"), nullptr);
      EXPECT_NE(core::FindAttribute(s.span.events[0].attributes, "exception.message"), nullptr);
      if (s.span.name == "sqs.process") ++processes;
    }
  }
  EXPECT_GT(processes, 0U);
  const Json truth = ReadGroundTruth(dir.path());
  for (const Json& op : truth["operations"]) {
    if (op["operation"] == "sqs.process" || op["operation"] == "validation") {
      EXPECT_DOUBLE_EQ(op["error_rate"].get<double>(), 1.0) << op["operation"];
    }
  }
}

TEST(SimulationTest, ValidationFailuresAnswer400WithoutMessage) {
  TempDir dir;
  SimulationOptions options = RoomyOptions(dir.path());
  options.onboarding.validation_error_rate = 1.0;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok());
  for (const FileSpan& s : ReadSpans(dir.path() / "traces.jsonl")) {
    EXPECT_EQ(s.service, "onboarding-api");
    if (s.span.name == "POST /onboard") {
      const core::AnyValue* code =
          core::FindAttribute(s.span.attributes, "http.response.status_code");
      ASSERT_NE(code, nullptr);
      ASSERT_NE(code->AsInt(), nullptr);
      EXPECT_EQ(*code->AsInt(), 400);
      EXPECT_EQ(s.span.status.code, core::StatusCode::kUnset);  // 4xx on a SERVER span
    }
    if (s.span.name == "validate_customer_data") {
      EXPECT_EQ(s.span.status.code, core::StatusCode::kError);
    }
  }
  EXPECT_EQ(ReadGroundTruth(dir.path())["propagation"]["messages_sent"].get<int>(), 0);
}

TEST(SimulationTest, ArrivalsFollowTheRequestedRate) {
  TempDir dir;
  SimulationOptions options = RoomyOptions(dir.path());
  options.window = std::chrono::seconds(20);
  options.onboarding.requests_per_second = 50;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok());
  // Poisson(1000): five standard deviations is about 160.
  EXPECT_NEAR(static_cast<double>(summary->requests), 1000.0, 160.0);
  EXPECT_GT(summary->simulated_seconds, 20.0);
}

TEST(SimulationTest, InvalidOptionsAreRejected) {
  TempDir dir;
  std::vector<std::pair<std::string, SimulationOptions>> cases;
  auto add = [&](std::string name, auto mutate) {
    SimulationOptions o = RoomyOptions(dir.path() / name);
    mutate(o);
    cases.emplace_back(std::move(name), std::move(o));
  };
  add("zero-rate", [](SimulationOptions& o) { o.onboarding.requests_per_second = 0; });
  add("negative-rate", [](SimulationOptions& o) { o.onboarding.requests_per_second = -1; });
  add("error-rate", [](SimulationOptions& o) { o.onboarding.error_rate = 1.5; });
  add("validation-rate", [](SimulationOptions& o) { o.onboarding.validation_error_rate = -0.1; });
  add("zero-window", [](SimulationOptions& o) { o.window = std::chrono::seconds(0); });
  add("zero-interval", [](SimulationOptions& o) { o.metrics_interval = std::chrono::seconds(0); });
  add("no-out-dir", [](SimulationOptions& o) { o.out_dir.clear(); });
  add("no-pipeline", [](SimulationOptions& o) { o.collector.pipelines.clear(); });
  add("no-exporter", [](SimulationOptions& o) { o.collector.pipelines[0].exporters.clear(); });
  add("undeclared-exporter",
      [](SimulationOptions& o) { o.collector.pipelines[0].exporters = {"otlp/nowhere"}; });
  add("bad-max-size", [](SimulationOptions& o) {
    o.collector.batch_processors["batch"].send_batch_max_size = 10;  // < send_batch_size 512
  });
  add("zero-consumers", [](SimulationOptions& o) {
    o.collector.exporters["otlp/tempo"].sending_queue.num_consumers = 0;
  });

  for (const auto& [name, options] : cases) {
    auto result = RunSimulation(options);

    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / name / "ground_truth.json")) << name;
  }
}

}  // namespace
}  // namespace tflo::workload
