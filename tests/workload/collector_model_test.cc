#include "tflo/workload/collector_model.h"

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/traces_batch.h"

namespace tflo::workload {
namespace {

using ::testing::HasSubstr;

constexpr SimTime kMs = kMillisecond;
constexpr uint64_t kStart = 1767225600000000000ULL;

core::CollectorConfig Parse(const std::string& yaml) {
  Result<core::CollectorConfig> config = core::ParseCollectorConfig(yaml, "collector.yaml");
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? std::move(config).value() : core::CollectorConfig();
}

// One request: `traces` traces of one span each, the first `errors` with
// status ERROR.
core::TracesData Request(Rng& rng, int traces, int errors = 0) {
  core::ResourceSpans rs;
  rs.resource.attributes = {{"service.name", "onboarding-api"}};
  core::ScopeSpans scope;
  for (int i = 0; i < traces; ++i) {
    core::Span span;
    span.trace_id = rng.NewTraceId();
    span.span_id = rng.NewSpanId();
    span.name = "POST /onboard";
    span.kind = core::SpanKind::kServer;
    span.start_time_unix_nano = kStart;
    span.end_time_unix_nano = kStart + 5 * kMs;
    if (i < errors) span.status.code = core::StatusCode::kError;
    scope.spans.push_back(std::move(span));
  }
  rs.scope_spans.push_back(std::move(scope));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

class CollectorHarness {
 public:
  explicit CollectorHarness(const core::CollectorConfig& config, BackendModel backend = {},
                            CollectorModelOptions options = {}) {
    auto model = CollectorModel::Create(
        engine_, config, backend,
        [this](core::TracesData&& data, int64_t items) {
          EXPECT_EQ(CountSpans(data), items);
          delivered_ += items;
        },
        core::Resource{{{"service.name", "otelcol-contrib"}}}, std::move(options));
    EXPECT_TRUE(model.ok()) << model.status().message();
    if (model.ok()) {
      model_ = std::move(model).value();
      model_->Start();
    }
  }

  void ReceiveAt(SimTime t, core::TracesData data) {
    auto shared = std::make_shared<core::TracesData>(std::move(data));
    engine_.At(t, [this, shared] { model_->ReceiveTraces(std::move(*shared)); });
  }
  void ShutdownAt(SimTime t) {
    engine_.At(t, [this] { model_->Shutdown([this] { done_ = true; }); });
  }
  void Run() { engine_.Run(); }

  // Every metric of a scrape at engine.now(), by name (collector resource only).
  std::map<std::string, core::Metric> Metrics() const {
    std::map<std::string, core::Metric> out;
    const core::MetricsData data =
        model_->Scrape(kStart, kStart + static_cast<uint64_t>(engine_.now()));
    for (const auto& scope : data.resource_metrics.at(0).scope_metrics) {
      for (const auto& metric : scope.metrics) out.emplace(metric.name, metric);
    }
    return out;
  }

  EventEngine& engine() { return engine_; }
  CollectorModel& model() { return *model_; }
  int64_t delivered() const { return delivered_; }
  bool done() const { return done_; }

 private:
  EventEngine engine_;
  std::unique_ptr<CollectorModel> model_;
  int64_t delivered_ = 0;
  bool done_ = false;
};

int64_t SumOf(const core::Metric& metric, const std::string& key = "",
              const std::string& value = "") {
  int64_t total = 0;
  auto add = [&](const core::NumberDataPoint& p) {
    if (!key.empty()) {
      const core::AnyValue* v = core::FindAttribute(p.attributes, key);
      if (v == nullptr || v->ToString() != value) return;
    }
    total += std::get<int64_t>(p.value);
  };
  if (const auto* sum = std::get_if<core::Sum>(&metric.data)) {
    for (const auto& p : sum->data_points) add(p);
  } else if (const auto* gauge = std::get_if<core::Gauge>(&metric.data)) {
    for (const auto& p : gauge->data_points) add(p);
  }
  return total;
}

std::string Pipeline(const std::string& processors_yaml, const std::string& pipeline_processors,
                     const std::string& exporter_yaml = "  otlp:\n") {
  return "receivers:\n  otlp:\n"
         "processors:\n" +
         processors_yaml + "exporters:\n" + exporter_yaml +
         "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [" +
         pipeline_processors + "]\n      exporters: [otlp]\n";
}

TEST(CollectorModelTest, BatchOnlyConfigKeepsTheOriginalMetrics) {
  CollectorHarness h(Parse(Pipeline("  batch:\n", "batch")));
  Rng rng(1);
  h.ReceiveAt(0, Request(rng, 5));
  h.ShutdownAt(1 * kSecond);

  h.Run();

  std::vector<std::string> names;
  for (const auto& [name, metric] : h.Metrics()) names.push_back(name);
  EXPECT_THAT(names, ::testing::ElementsAre(
                         "otelcol_exporter_enqueue_failed_spans", "otelcol_exporter_queue_capacity",
                         "otelcol_exporter_queue_size", "otelcol_exporter_send_failed_spans",
                         "otelcol_exporter_sent_spans", "otelcol_processor_batch_batch_send_size",
                         "otelcol_processor_batch_batch_size_trigger_send",
                         "otelcol_processor_batch_metadata_cardinality",
                         "otelcol_processor_batch_timeout_trigger_send",
                         "otelcol_receiver_accepted_spans", "otelcol_receiver_refused_spans"));
  EXPECT_EQ(h.delivered(), 5);
  EXPECT_TRUE(h.done());
}

TEST(CollectorModelTest, ProcessorsRunInTheOrderTheYamlLists) {
  // A 0 % sampler before the batch processor: nothing reaches the batcher.
  CollectorHarness before(
      Parse(Pipeline("  probabilistic_sampler:\n    sampling_percentage: 0\n  batch:\n",
                     "probabilistic_sampler, batch")));
  Rng rng(2);
  before.ReceiveAt(0, Request(rng, 50));
  before.ShutdownAt(1 * kSecond);

  before.Run();

  EXPECT_EQ(before.delivered(), 0);
  EXPECT_EQ(before.model().batch()->stats().send_size_count, 0U);
  const auto metrics = before.Metrics();
  EXPECT_EQ(SumOf(metrics.at("otelcol_receiver_accepted_spans")), 50);  // no error
  EXPECT_EQ(
      SumOf(metrics.at("otelcol_processor_incoming_items"), "processor", "probabilistic_sampler"),
      50);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_outgoing_items")), 0);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_probabilistic_sampler_count_traces_sampled"),
                  "sampled", "false"),
            50);
}

TEST(CollectorModelTest, SampledShareReachesTheBackend) {
  CollectorHarness h(Parse(Pipeline(
      "  batch:\n  probabilistic_sampler:\n    sampling_percentage: 25\n    mode: proportional\n",
      "batch, probabilistic_sampler")));
  Rng rng(3);
  for (int i = 0; i < 40; ++i) h.ReceiveAt(i * 10 * kMs, Request(rng, 100));
  h.ShutdownAt(1 * kSecond);

  h.Run();

  // 4000 traces at p = 0.25: sigma = sqrt(4000 x 0.25 x 0.75) = 27.4.
  EXPECT_NEAR(static_cast<double>(h.delivered()), 1000, 4 * 27.4);
  EXPECT_EQ(static_cast<int64_t>(h.model().exporter().stats().sent_spans), h.delivered());
}

TEST(CollectorModelTest, UnmodelledProcessorsPassDataThrough) {
  CollectorHarness h(Parse(
      Pipeline("  resource/env:\n    attributes:\n      - {key: env, value: prod, action: upsert}\n"
               "  batch:\n",
               "resource/env, batch")));
  Rng rng(4);
  h.ReceiveAt(0, Request(rng, 7));
  h.ShutdownAt(1 * kSecond);

  h.Run();

  EXPECT_EQ(h.delivered(), 7);
}

TEST(CollectorModelTest, TailSamplingKeepsErrorTracesBehindTheBatcher) {
  CollectorHarness h(Parse(
      Pipeline("  tail_sampling:\n    decision_wait: 2s\n    policies:\n"
               "      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
               "  batch:\n",
               "tail_sampling, batch")));
  Rng rng(5);
  h.ReceiveAt(100 * kMs, Request(rng, 20, /*errors=*/3));
  int64_t held_before_decision = -1;
  int64_t delivered_before_decision = -1;
  h.engine().At(1500 * kMs, [&] {
    held_before_decision = h.model().held_spans();
    delivered_before_decision = h.delivered();
  });
  h.ShutdownAt(10 * kSecond);

  h.Run();

  EXPECT_EQ(held_before_decision, 20);
  EXPECT_EQ(delivered_before_decision, 0);
  EXPECT_EQ(h.delivered(), 3);
  const auto metrics = h.Metrics();
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_tail_sampling_count_traces_sampled"), "decision",
                  "sampled"),
            3);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_tail_sampling_global_count_traces_sampled"),
                  "decision", "not_sampled"),
            17);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_tail_sampling_new_trace_id_received")), 20);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early")),
            0);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_tail_sampling_sampling_traces_on_memory")), 20);
}

TEST(CollectorModelTest, MemoryLimiterRefusesOnceTheHeldSpansPassTheSoftLimit) {
  // 1 MiB per span, no base: hard 10 MiB, spike 2 MiB -> refuse from 8 spans
  // held. One consumer, 4 s per export (under the 5 s timeout): requests pile
  // up in the queue.
  CollectorModelOptions options;
  options.memory.base_heap_bytes = 0;
  options.memory.bytes_per_span = int64_t{1} << 20;
  BackendModel backend;
  backend.request_latency = std::chrono::seconds(4);
  backend.per_span_latency = std::chrono::nanoseconds(0);
  CollectorHarness h(
      Parse(Pipeline("  memory_limiter:\n    check_interval: 1s\n    limit_mib: 10\n"
                     "    spike_limit_mib: 2\n",
                     "memory_limiter",
                     "  otlp:\n    sending_queue: {queue_size: 100, num_consumers: 1}\n")),
      backend, options);
  Rng rng(6);
  for (int i = 0; i < 5; ++i) h.ReceiveAt(100 * kMs * (i + 1), Request(rng, 1));  // 5 held at 1 s
  for (int i = 0; i < 5; ++i) h.ReceiveAt(1500 * kMs, Request(rng, 1));           // 10 held at 2 s
  h.ReceiveAt(2500 * kMs, Request(rng, 3));                                       // refused
  int64_t heap_at_2s = -1;
  h.engine().At(2 * kSecond + 1, [&] { heap_at_2s = h.model().heap_bytes(); });
  h.ShutdownAt(3 * kSecond);

  h.Run();

  EXPECT_EQ(heap_at_2s, int64_t{10} << 20);
  EXPECT_EQ(h.model().refused_spans(), 3U);
  EXPECT_EQ(h.model().accepted_spans(), 10U);
  const auto metrics = h.Metrics();
  EXPECT_EQ(SumOf(metrics.at("otelcol_receiver_refused_spans")), 3);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_memory_limiter_refused_spans")), 3);
  EXPECT_EQ(SumOf(metrics.at("otelcol_processor_memory_limiter_accepted_spans")), 10);
  EXPECT_EQ(h.delivered(), 10);
}

TEST(CollectorModelTest, DemoConfigNeverRefusesUnderTheDemoLoad) {
  // The shipped demo config (memory_limiter 1024 MiB, spike 256 MiB) at the
  // demo's 100 requests/s x ~9 spans for 60 s, behind the default backend.
  Result<core::CollectorConfig> config = core::LoadCollectorConfig(
      tflo::testing::TestdataPath("../../cli/assets/collector-untuned.yaml"));
  ASSERT_TRUE(config.ok()) << config.status().message();
  CollectorHarness h(*config);
  Rng rng(7);
  for (int i = 0; i < 6000; ++i) h.ReceiveAt(i * 10 * kMs, Request(rng, 9));
  h.ShutdownAt(61 * kSecond);

  h.Run();

  ASSERT_NE(h.model().memory_limiter(), nullptr);
  const MemoryLimiterStats& stats = h.model().memory_limiter()->stats();
  EXPECT_GE(stats.checks, 60U);
  EXPECT_EQ(stats.refused_spans, 0U);
  EXPECT_LT(stats.max_heap_bytes, h.model().memory_limiter()->soft_limit_bytes());
  EXPECT_EQ(h.model().refused_spans(), 0U);
}

TEST(CollectorModelTest, RetriesRideOutABackendOutage) {
  BackendModel backend;
  backend.outages.push_back({std::chrono::seconds(0), std::chrono::seconds(3)});
  CollectorHarness h(Parse(Pipeline("  batch:\n    timeout: 100ms\n", "batch",
                                    "  otlp:\n    retry_on_failure:\n      initial_interval: 1s\n"
                                    "      randomization_factor: 0\n      multiplier: 2\n")),
                     backend);
  Rng rng(8);
  h.ReceiveAt(0, Request(rng, 4));
  h.ShutdownAt(30 * kSecond);

  h.Run();

  // Sent at 0.1 s: fails; 1.101 s: fails; retried at 3.102 s: succeeds.
  EXPECT_EQ(h.delivered(), 4);
  EXPECT_EQ(h.model().exporter().stats().retries, 2U);
  const auto metrics = h.Metrics();
  EXPECT_EQ(SumOf(metrics.at("otelcol_exporter_sent_spans")), 4);
  EXPECT_EQ(SumOf(metrics.at("otelcol_exporter_send_failed_spans")), 0);
}

TEST(CollectorModelTest, ExhaustedRetriesAreCountedAsSendFailed) {
  BackendModel backend;
  backend.outages.push_back({std::chrono::seconds(0), std::chrono::nanoseconds(0)});
  CollectorHarness h(Parse(Pipeline("  batch:\n    timeout: 100ms\n", "batch",
                                    "  otlp:\n    retry_on_failure:\n      initial_interval: 1s\n"
                                    "      max_elapsed_time: 5s\n")),
                     backend);
  Rng rng(9);
  h.ReceiveAt(0, Request(rng, 6));
  h.ShutdownAt(60 * kSecond);

  h.Run();

  EXPECT_EQ(h.delivered(), 0);
  const auto metrics = h.Metrics();
  EXPECT_EQ(SumOf(metrics.at("otelcol_exporter_send_failed_spans")), 6);
  EXPECT_EQ(SumOf(metrics.at("otelcol_receiver_accepted_spans")), 6);
}

const char kSpanMetricsTopology[] = R"(receivers:
  otlp:
processors:
  tail_sampling:
    decision_wait: 1s
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  batch:
connectors:
  spanmetrics:
    metrics_flush_interval: 5s
exporters:
  otlp:
  prometheus:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling, batch]
      exporters: [otlp%s]
%s    metrics:
      receivers: [spanmetrics]
      exporters: [prometheus]
)";

std::string Topology(bool own_pipeline) {
  char buffer[1024];
  std::snprintf(
      buffer, sizeof(buffer), kSpanMetricsTopology, own_pipeline ? "" : ", spanmetrics",
      own_pipeline
          ? "    traces/spanmetrics:\n      receivers: [otlp]\n      exporters: [spanmetrics]\n"
          : "");
  return buffer;
}

int64_t Calls(const core::MetricsData& scrape) {
  int64_t calls = 0;
  for (size_t i = 1; i < scrape.resource_metrics.size(); ++i) {
    for (const auto& scope : scrape.resource_metrics[i].scope_metrics) {
      for (const auto& metric : scope.metrics) {
        if (metric.name == "traces.span.metrics.calls") calls += SumOf(metric);
      }
    }
  }
  return calls;
}

TEST(CollectorModelTest, SpanMetricsInItsOwnPipelineSeesEverySpan) {
  CollectorHarness h(Parse(Topology(/*own_pipeline=*/true)));
  Rng rng(10);
  h.ReceiveAt(500 * kMs, Request(rng, 10, /*errors=*/2));
  h.ShutdownAt(12 * kSecond);

  h.Run();

  EXPECT_EQ(h.delivered(), 2);  // the traces pipeline samples
  const core::MetricsData scrape = h.model().Scrape(kStart, kStart + 12 * kSecond);
  ASSERT_EQ(scrape.resource_metrics.size(), 2U);  // collector + one span resource
  EXPECT_EQ(Calls(scrape), 10);
  const auto& rm = scrape.resource_metrics[1];
  EXPECT_EQ(core::FindAttribute(rm.resource.attributes, "service.name")->ToString(),
            "onboarding-api");
  const auto& calls = std::get<core::Sum>(rm.scope_metrics[0].metrics[0].data);
  EXPECT_EQ(calls.data_points[0].time_unix_nano, kStart + 10 * kSecond);  // the last flush
  EXPECT_EQ(calls.data_points[0].start_time_unix_nano, kStart + 500 * kMs);
  EXPECT_EQ(h.model().accepted_spans(), 10U);
}

TEST(CollectorModelTest, SpanMetricsAfterTailSamplingSeesSampledSpansOnly) {
  std::vector<core::MetricsData> flushes;
  CollectorModelOptions options;
  options.start_unix_nano = kStart;
  options.on_connector_metrics = [&](const core::MetricsData& d) { flushes.push_back(d); };
  CollectorHarness h(Parse(Topology(/*own_pipeline=*/false)), BackendModel(), options);
  Rng rng(11);
  h.ReceiveAt(500 * kMs, Request(rng, 10, /*errors=*/2));
  h.ShutdownAt(12 * kSecond);

  h.Run();

  EXPECT_EQ(h.delivered(), 2);
  EXPECT_EQ(Calls(h.model().Scrape(kStart, kStart + 12 * kSecond)), 2);
  ASSERT_EQ(flushes.size(), 2U);  // at 5 s and 10 s; the first span arrived at 2 s
  const auto& calls =
      std::get<core::Sum>(flushes[0].resource_metrics[0].scope_metrics[0].metrics[0].data);
  EXPECT_EQ(calls.data_points[0].time_unix_nano, kStart + 5 * kSecond);
  EXPECT_EQ(core::FindAttribute(calls.data_points[0].attributes, "status.code")->ToString(),
            "STATUS_CODE_ERROR");
}

TEST(CollectorModelTest, ValidateForModelRefusesUnmodelledFeatures) {
  const core::CollectorConfig ottl = Parse(
      Pipeline("  tail_sampling:\n    policies:\n"
               "      - {name: keep, type: ottl_condition, ottl_condition: {span: ['true']}}\n",
               "tail_sampling"));
  core::CollectorConfig exponential = Parse(Topology(/*own_pipeline=*/true));
  exponential.span_metrics_connectors.at("spanmetrics").histogram_exponential = true;

  const Status policy = ValidateForModel(ottl);
  const Status histogram = ValidateForModel(exponential);

  EXPECT_EQ(policy.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.message(), HasSubstr("collector.yaml: processors.tail_sampling.policies[0]"));
  EXPECT_THAT(policy.message(), HasSubstr("policy type \"ottl_condition\" is not modelled"));
  EXPECT_THAT(histogram.message(), HasSubstr("histogram.exponential is not modelled"));
}

TEST(CollectorModelTest, EveryPipelineFromTheReceiverGetsACopy) {
  CollectorHarness h(Parse(
      "receivers:\n  otlp:\n  jaeger:\nprocessors:\n  batch:\nexporters:\n  otlp:\n"
      "service:\n  pipelines:\n"
      "    traces:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [otlp]\n"
      "    traces/copy:\n      receivers: [otlp]\n      exporters: [otlp]\n"
      "    traces/other:\n      receivers: [jaeger]\n      exporters: [otlp]\n"));
  Rng rng(12);
  h.ReceiveAt(0, Request(rng, 5));
  h.ShutdownAt(1 * kSecond);

  h.Run();

  EXPECT_EQ(h.delivered(), 10);  // traces and traces/copy; traces/other has another receiver
  EXPECT_EQ(h.model().accepted_spans(), 5U);
}

}  // namespace
}  // namespace tflo::workload
