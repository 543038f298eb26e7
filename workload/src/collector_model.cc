#include "tflo/workload/collector_model.h"

#include <algorithm>
#include <utility>

#include "tflo/workload/traces_batch.h"

namespace tflo::workload {
namespace {

Status ConfigError(const core::CollectorConfig& config, const std::string& message) {
  const std::string source = config.source.empty() ? "collector config" : config.source;
  return InvalidArgumentError(source + ": " + message);
}

core::NumberDataPoint IntPoint(core::Attributes attributes, uint64_t start, uint64_t now,
                               int64_t value) {
  core::NumberDataPoint point;
  point.attributes = std::move(attributes);
  point.start_time_unix_nano = start;
  point.time_unix_nano = now;
  point.value = value;
  return point;
}

core::Metric CumulativeSum(std::string name, std::string description, std::string unit,
                           core::NumberDataPoint point, bool monotonic = true) {
  core::Metric metric;
  metric.name = std::move(name);
  metric.description = std::move(description);
  metric.unit = std::move(unit);
  core::Sum sum;
  sum.aggregation_temporality = core::AggregationTemporality::kCumulative;
  sum.is_monotonic = monotonic;
  sum.data_points.push_back(std::move(point));
  metric.data = std::move(sum);
  return metric;
}

// A cumulative monotonic sum with several points (one per attribute set).
core::Metric CumulativeSumPoints(std::string name, std::string description, std::string unit,
                                 std::vector<core::NumberDataPoint> points) {
  core::Metric metric;
  metric.name = std::move(name);
  metric.description = std::move(description);
  metric.unit = std::move(unit);
  core::Sum sum;
  sum.aggregation_temporality = core::AggregationTemporality::kCumulative;
  sum.is_monotonic = true;
  sum.data_points = std::move(points);
  metric.data = std::move(sum);
  return metric;
}

core::Metric IntGauge(std::string name, std::string description, std::string unit,
                      core::NumberDataPoint point) {
  core::Metric metric;
  metric.name = std::move(name);
  metric.description = std::move(description);
  metric.unit = std::move(unit);
  core::Gauge gauge;
  gauge.data_points.push_back(std::move(point));
  metric.data = std::move(gauge);
  return metric;
}

int64_t AsInt(uint64_t v) { return static_cast<int64_t>(v); }

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool IsTraces(const core::PipelineConfig& pipeline) {
  return pipeline.id == "traces" || pipeline.id.rfind("traces/", 0) == 0;
}

// The traces pipelines the model runs (see the header): the primary one, then
// every other traces pipeline that shares its receiver and sends to the
// modelled exporter or to a spanmetrics connector.
std::vector<const core::PipelineConfig*> ModelledPipelines(const core::CollectorConfig& config) {
  std::vector<const core::PipelineConfig*> out;
  const core::PipelineConfig* primary = config.TracesPipeline();
  if (primary == nullptr) return out;
  out.push_back(primary);
  const core::ExporterConfig* exporter = config.ExporterFor(*primary);
  const std::string receiver = primary->receivers.empty() ? "otlp" : primary->receivers.front();
  for (const core::PipelineConfig& pipeline : config.pipelines) {
    if (&pipeline == primary || !IsTraces(pipeline) || !Contains(pipeline.receivers, receiver)) {
      continue;
    }
    const bool to_exporter = exporter != nullptr && Contains(pipeline.exporters, exporter->id);
    if (to_exporter || config.SpanMetricsFor(pipeline) != nullptr) out.push_back(&pipeline);
  }
  return out;
}

Status ValidatePolicies(const core::CollectorConfig& config, const std::string& key,
                        const std::vector<core::TailSamplingPolicyConfig>& policies) {
  for (size_t i = 0; i < policies.size(); ++i) {
    const core::TailSamplingPolicyConfig& policy = policies[i];
    const std::string path = key + "[" + std::to_string(i) + "]";
    if (!policy.modelled) {
      return ConfigError(config, path + " (" + policy.name + "): policy type \"" + policy.type +
                                     "\" is not modelled");
    }
    TFLO_RETURN_IF_ERROR(ValidatePolicies(
        config, path + "." + policy.type + "." + policy.type + "_sub_policy", policy.sub_policies));
  }
  return OkStatus();
}

}  // namespace

Status ValidateForModel(const core::CollectorConfig& config) {
  const core::PipelineConfig* pipeline = config.TracesPipeline();
  if (pipeline == nullptr) return ConfigError(config, "no traces pipeline in service.pipelines");
  if (pipeline->exporters.empty()) {
    return ConfigError(config, "pipeline " + pipeline->id + " has no exporter");
  }
  const core::ExporterConfig* exporter = config.ExporterFor(*pipeline);
  if (exporter == nullptr) {
    std::string names;
    for (const std::string& id : pipeline->exporters) names += (names.empty() ? "" : ", ") + id;
    return ConfigError(config, "pipeline " + pipeline->id + ": none of its exporters (" + names +
                                   ") is declared under exporters");
  }
  for (const core::PipelineConfig* modelled : ModelledPipelines(config)) {
    for (const std::string& id : modelled->processors) {
      if (const auto it = config.batch_processors.find(id); it != config.batch_processors.end()) {
        const core::BatchProcessorConfig* batch = &it->second;
        const std::string key = "processors." + batch->id + ".";
        if (batch->send_batch_size < 0) {
          return ConfigError(config, key + "send_batch_size must be >= 0");
        }
        if (batch->timeout.count() < 0) return ConfigError(config, key + "timeout must be >= 0");
        if (batch->send_batch_max_size != 0 &&
            batch->send_batch_max_size < batch->send_batch_size) {
          return ConfigError(config, key + "send_batch_max_size must be 0 or >= send_batch_size");
        }
      }
      if (const auto it = config.tail_samplers.find(id); it != config.tail_samplers.end()) {
        TFLO_RETURN_IF_ERROR(
            ValidatePolicies(config, "processors." + id + ".policies", it->second.policies));
      }
      if (const auto it = config.memory_limiters.find(id); it != config.memory_limiters.end()) {
        if (it->second.check_interval.count() <= 0) {
          return ConfigError(config, "processors." + id + ".check_interval must be > 0");
        }
      }
    }
    for (const std::string& id : modelled->exporters) {
      const auto it = config.span_metrics_connectors.find(id);
      if (it == config.span_metrics_connectors.end()) continue;
      if (it->second.histogram_exponential) {
        return ConfigError(config, "connectors." + id +
                                       ".histogram.exponential is not modelled (use explicit "
                                       "buckets)");
      }
      if (it->second.events_enabled) {
        return ConfigError(config, "connectors." + id + ".events is not modelled");
      }
    }
  }
  const core::SendingQueueConfig& queue = exporter->sending_queue;
  if (queue.enabled) {
    const std::string key = "exporters." + exporter->id + ".sending_queue.";
    if (queue.queue_size < 1) return ConfigError(config, key + "queue_size must be >= 1");
    if (queue.num_consumers < 1) return ConfigError(config, key + "num_consumers must be >= 1");
    if (queue.sizer != "requests" && queue.sizer != "items" && queue.sizer != "bytes") {
      return ConfigError(config,
                         key + "sizer must be requests, items or bytes, got " + queue.sizer);
    }
  }
  return OkStatus();
}

CollectorModel::CollectorModel(core::Resource resource, CollectorModelOptions options)
    : resource_(std::move(resource)), options_(std::move(options)) {}

Result<std::unique_ptr<CollectorModel>> CollectorModel::Create(EventEngine& engine,
                                                               const core::CollectorConfig& config,
                                                               const BackendModel& backend,
                                                               DeliveredFn delivered,
                                                               core::Resource resource) {
  return Create(engine, config, backend, std::move(delivered), std::move(resource),
                CollectorModelOptions());
}

Result<std::unique_ptr<CollectorModel>> CollectorModel::Create(
    EventEngine& engine, const core::CollectorConfig& config, const BackendModel& backend,
    DeliveredFn delivered, core::Resource resource, CollectorModelOptions options) {
  TFLO_RETURN_IF_ERROR(ValidateForModel(config));
  const core::PipelineConfig& primary = *config.TracesPipeline();
  std::unique_ptr<CollectorModel> model(
      new CollectorModel(std::move(resource), std::move(options)));
  model->receiver_id_ = primary.receivers.empty() ? "otlp" : primary.receivers.front();
  model->exporter_ = std::make_unique<ExporterModel>(engine, *config.ExporterFor(primary), backend,
                                                     std::move(delivered), model->options_.seed);
  for (const core::PipelineConfig* pipeline : ModelledPipelines(config)) {
    // One connector model per connector id, shared by the pipelines that use it.
    std::vector<SpanMetricsConnectorModel*> connectors;
    for (const std::string& id : pipeline->exporters) {
      const auto it = config.span_metrics_connectors.find(id);
      if (it == config.span_metrics_connectors.end()) continue;
      auto& slot = model->connectors_[id];
      if (!slot) {
        CollectorModel* self = model.get();
        slot = std::make_unique<SpanMetricsConnectorModel>(
            engine, it->second, self->options_.start_unix_nano,
            [self](const core::MetricsData& data) {
              if (self->options_.on_connector_metrics) self->options_.on_connector_metrics(data);
            });
        model->connector_order_.push_back(id);
      }
      connectors.push_back(slot.get());
    }
    const bool to_exporter = Contains(pipeline->exporters, model->exporter_->config().id);
    TFLO_RETURN_IF_ERROR(model->BuildChain(engine, config, *pipeline, to_exporter, connectors));
  }
  return model;
}

Status CollectorModel::BuildChain(EventEngine& engine, const core::CollectorConfig& config,
                                  const core::PipelineConfig& pipeline, bool to_exporter,
                                  const std::vector<SpanMetricsConnectorModel*>& connectors) {
  Chain chain;
  chain.pipeline_id = pipeline.id;
  // The fan-out to the pipeline's exporters: connectors read the data (they
  // never fail), then the exporter takes it.
  ExporterModel* exporter = to_exporter ? exporter_.get() : nullptr;
  TracesConsumer next = [exporter, connectors](core::TracesData&& data, int64_t items,
                                               std::function<void(bool)> done) {
    for (SpanMetricsConnectorModel* connector : connectors) connector->Consume(data);
    if (exporter != nullptr) {
      exporter->Consume(std::move(data), items, std::move(done));
    } else {
      done(true);
    }
  };

  // Processors from the last to the first, each wrapping the rest.
  std::vector<std::function<void()>> starts;
  std::vector<std::function<void(std::function<void()>)>> shutdowns;
  std::vector<std::unique_ptr<BatchProcessorModel>> batches;
  std::vector<std::unique_ptr<ProbabilisticSamplerModel>> samplers;
  std::vector<std::unique_ptr<TailSamplingModel>> tails;
  for (auto it = pipeline.processors.rbegin(); it != pipeline.processors.rend(); ++it) {
    const std::string& id = *it;
    if (const auto b = config.batch_processors.find(id); b != config.batch_processors.end()) {
      auto batch = std::make_unique<BatchProcessorModel>(engine, b->second, std::move(next));
      BatchProcessorModel* raw = batch.get();
      batches.push_back(std::move(batch));
      // The batch processor returns nil before exporting anything.
      next = [raw](core::TracesData&& data, int64_t, std::function<void(bool)> done) {
        raw->Consume(std::move(data));
        done(true);
      };
      starts.push_back([raw] { raw->Start(); });
      shutdowns.push_back(
          [raw](std::function<void()> on_done) { raw->Shutdown(std::move(on_done)); });
    } else if (const auto m = config.memory_limiters.find(id); m != config.memory_limiters.end()) {
      auto& slot = memory_limiters_[id];
      if (!slot) {
        slot = std::make_unique<MemoryLimiterModel>(
            engine, m->second, options_.memory.total_memory_bytes, [this] { return heap_bytes(); });
        memory_limiter_order_.push_back(id);
      }
      MemoryLimiterModel* raw = slot.get();
      next = [raw, next = std::move(next)](core::TracesData&& data, int64_t items,
                                           std::function<void(bool)> done) {
        // "data refused due to high memory usage": the whole request fails.
        if (!raw->Admit(items)) {
          done(false);
          return;
        }
        next(std::move(data), items, std::move(done));
      };
      starts.push_back([raw] { raw->Start(); });
      shutdowns.push_back([raw](std::function<void()> on_done) {
        raw->Shutdown();
        on_done();
      });
    } else if (const auto p = config.probabilistic_samplers.find(id);
               p != config.probabilistic_samplers.end()) {
      samplers.push_back(std::make_unique<ProbabilisticSamplerModel>(p->second));
      ProbabilisticSamplerModel* raw = samplers.back().get();
      next = [raw, next = std::move(next)](core::TracesData&& data, int64_t,
                                           std::function<void(bool)> done) {
        const int64_t kept = raw->Sample(data);
        // processorhelper: an emptied request is not passed on (no error).
        if (kept == 0) {
          done(true);
          return;
        }
        next(std::move(data), kept, std::move(done));
      };
    } else if (const auto t = config.tail_samplers.find(id); t != config.tail_samplers.end()) {
      TFLO_ASSIGN_OR_RETURN(std::unique_ptr<TailSamplingModel> tail,
                            TailSamplingModel::Create(engine, t->second, std::move(next)));
      TailSamplingModel* raw = tail.get();
      tails.push_back(std::move(tail));
      next = [raw](core::TracesData&& data, int64_t, std::function<void(bool)> done) {
        raw->Consume(std::move(data));
        done(true);
      };
      starts.push_back([raw] { raw->Start(); });
      shutdowns.push_back(
          [raw](std::function<void()> on_done) { raw->Shutdown(std::move(on_done)); });
    }
    // Any other processor type is a pass-through: no stage.
  }
  // Built backwards; components start, stop and report in pipeline order.
  chain.start.assign(starts.rbegin(), starts.rend());
  chain.shutdown.assign(shutdowns.rbegin(), shutdowns.rend());
  chain.head = std::move(next);
  if (chains_.empty() && !batches.empty()) primary_batch_ = batches.back().get();
  for (auto b = batches.rbegin(); b != batches.rend(); ++b) batches_.push_back(std::move(*b));
  for (auto p = samplers.rbegin(); p != samplers.rend(); ++p) samplers_.push_back(std::move(*p));
  for (auto t = tails.rbegin(); t != tails.rend(); ++t) tail_samplers_.push_back(std::move(*t));
  chains_.push_back(std::move(chain));
  return OkStatus();
}

const BatchProcessorModel* CollectorModel::batch() const { return primary_batch_; }

const MemoryLimiterModel* CollectorModel::memory_limiter() const {
  if (memory_limiter_order_.empty()) return nullptr;
  return memory_limiters_.at(memory_limiter_order_.front()).get();
}

const ProbabilisticSamplerModel* CollectorModel::probabilistic_sampler() const {
  return samplers_.empty() ? nullptr : samplers_.front().get();
}

const TailSamplingModel* CollectorModel::tail_sampling() const {
  return tail_samplers_.empty() ? nullptr : tail_samplers_.front().get();
}

const SpanMetricsConnectorModel* CollectorModel::spanmetrics() const {
  if (connector_order_.empty()) return nullptr;
  return connectors_.at(connector_order_.front()).get();
}

int64_t CollectorModel::held_spans() const {
  int64_t held = exporter_->held_items();
  for (const auto& batch : batches_) held += batch->pending_items();
  for (const auto& tail : tail_samplers_) held += tail->held_spans();
  return held;
}

void CollectorModel::Start() {
  for (const std::string& id : memory_limiter_order_) memory_limiters_.at(id)->Start();
  for (Chain& chain : chains_) {
    for (const auto& start : chain.start) start();
  }
  for (const std::string& id : connector_order_) connectors_.at(id)->Start();
}

void CollectorModel::ReceiveTraces(core::TracesData&& request) {
  const int64_t items = CountSpans(request);
  if (chains_.size() == 1) {
    chains_.front().head(std::move(request), items, [this, items](bool ok) {
      (ok ? accepted_spans_ : refused_spans_) += static_cast<uint64_t>(items);
    });
    return;
  }
  FanOut(0, std::make_shared<core::TracesData>(std::move(request)), items,
         std::make_shared<bool>(true));
}

void CollectorModel::FanOut(size_t index, std::shared_ptr<core::TracesData> request, int64_t items,
                            std::shared_ptr<bool> ok) {
  if (index == chains_.size()) {
    (*ok ? accepted_spans_ : refused_spans_) += static_cast<uint64_t>(items);
    return;
  }
  // fanoutconsumer: pipelines are called one after the other; all but the
  // last get a copy.
  core::TracesData data = index + 1 == chains_.size() ? std::move(*request) : *request;
  chains_[index].head(std::move(data), items, [this, index, request, items, ok](bool result) {
    if (!result) *ok = false;
    FanOut(index + 1, request, items, ok);
  });
}

void CollectorModel::ShutdownChains(size_t chain, size_t step, std::function<void()> on_done) {
  while (chain < chains_.size() && step >= chains_[chain].shutdown.size()) {
    ++chain;
    step = 0;
  }
  if (chain == chains_.size()) {
    on_done();
    return;
  }
  chains_[chain].shutdown[step]([this, chain, step, on_done = std::move(on_done)]() mutable {
    ShutdownChains(chain, step + 1, std::move(on_done));
  });
}

void CollectorModel::Shutdown(std::function<void()> on_done) {
  // base_exporter.go stops the retry sender before the queue drains. It is
  // stopped here before the processors so that a synchronous export cannot
  // keep the batch processor's shutdown waiting on retries.
  exporter_->StopRetries();
  ShutdownChains(0, 0, [this, on_done = std::move(on_done)]() mutable {
    exporter_->Shutdown([this, on_done = std::move(on_done)] {
      for (const std::string& id : connector_order_) connectors_.at(id)->Shutdown();
      on_done();
    });
  });
}

core::MetricsData CollectorModel::Scrape(uint64_t start, uint64_t now) const {
  core::ResourceMetrics rm;
  rm.resource = resource_;

  // Receiver (receiverhelper obsreport).
  {
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/receiver/receiverhelper";
    const core::Attributes attrs = {{"receiver", receiver_id_}, {"transport", "grpc"}};
    scope.metrics.push_back(CumulativeSum(
        "otelcol_receiver_accepted_spans", "Number of spans successfully pushed into the pipeline.",
        "{span}", IntPoint(attrs, start, now, AsInt(accepted_spans_))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_receiver_refused_spans",
                      "Number of spans that could not be pushed into the pipeline.", "{span}",
                      IntPoint(attrs, start, now, AsInt(refused_spans_))));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // memory_limiter (memorylimiterprocessor documentation.md, since v0.155.0).
  if (!memory_limiter_order_.empty()) {
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/processor/memorylimiterprocessor";
    std::vector<core::NumberDataPoint> accepted;
    std::vector<core::NumberDataPoint> refused;
    for (const std::string& id : memory_limiter_order_) {
      const MemoryLimiterStats& stats = memory_limiters_.at(id)->stats();
      const core::Attributes attrs = {{"processor", id}};
      accepted.push_back(IntPoint(attrs, start, now, AsInt(stats.accepted_spans)));
      refused.push_back(IntPoint(attrs, start, now, AsInt(stats.refused_spans)));
    }
    scope.metrics.push_back(CumulativeSumPoints(
        "otelcol_processor_memory_limiter_accepted_spans",
        "Number of spans successfully pushed into the next component in the pipeline.", "{span}",
        std::move(accepted)));
    scope.metrics.push_back(CumulativeSumPoints(
        "otelcol_processor_memory_limiter_refused_spans",
        "Number of spans that were rejected by the next component in the pipeline.", "{span}",
        std::move(refused)));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // processorhelper: incoming / outgoing items of the processorhelper-based
  // processors modelled (memory_limiter, probabilistic_sampler).
  if (!memory_limiter_order_.empty() || !samplers_.empty()) {
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/processor/processorhelper";
    std::vector<core::NumberDataPoint> incoming;
    std::vector<core::NumberDataPoint> outgoing;
    for (const std::string& id : memory_limiter_order_) {
      const MemoryLimiterStats& stats = memory_limiters_.at(id)->stats();
      const core::Attributes attrs = {{"processor", id}, {"otel.signal", "traces"}};
      incoming.push_back(
          IntPoint(attrs, start, now, AsInt(stats.accepted_spans + stats.refused_spans)));
      outgoing.push_back(IntPoint(attrs, start, now, AsInt(stats.accepted_spans)));
    }
    // Samplers of one id in several pipelines add up into one series.
    std::map<std::string, std::pair<uint64_t, uint64_t>> by_id;
    std::vector<std::string> sampler_ids;
    for (const auto& sampler : samplers_) {
      const std::string& id = sampler->config().id;
      if (!by_id.contains(id)) sampler_ids.push_back(id);
      by_id[id].first += sampler->stats().incoming_spans;
      by_id[id].second += sampler->stats().outgoing_spans;
    }
    for (const std::string& id : sampler_ids) {
      const core::Attributes attrs = {{"processor", id}, {"otel.signal", "traces"}};
      incoming.push_back(IntPoint(attrs, start, now, AsInt(by_id[id].first)));
      outgoing.push_back(IntPoint(attrs, start, now, AsInt(by_id[id].second)));
    }
    scope.metrics.push_back(CumulativeSumPoints("otelcol_processor_incoming_items",
                                                "Number of items passed to the processor.",
                                                "{item}", std::move(incoming)));
    scope.metrics.push_back(CumulativeSumPoints("otelcol_processor_outgoing_items",
                                                "Number of items emitted from the processor.",
                                                "{item}", std::move(outgoing)));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // probabilistic_sampler (probabilisticsamplerprocessor metadata.yaml).
  if (!samplers_.empty()) {
    core::ScopeMetrics scope;
    scope.scope.name =
        "github.com/open-telemetry/opentelemetry-collector-contrib/processor/"
        "probabilisticsamplerprocessor";
    std::map<std::pair<std::string, bool>, uint64_t> counts;
    for (const auto& sampler : samplers_) {
      for (const auto& [key, n] : sampler->stats().spans_by_policy) counts[key] += n;
    }
    std::vector<core::NumberDataPoint> points;
    for (const auto& [key, n] : counts) {
      points.push_back(IntPoint({{"policy", key.first}, {"sampled", key.second ? "true" : "false"}},
                                start, now, AsInt(n)));
    }
    scope.metrics.push_back(
        CumulativeSumPoints("otelcol_processor_probabilistic_sampler_count_traces_sampled",
                            "Count of traces that were sampled or not", "1", std::move(points)));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // tail_sampling (tailsamplingprocessor documentation.md).
  if (!tail_samplers_.empty()) {
    core::ScopeMetrics scope;
    scope.scope.name =
        "github.com/open-telemetry/opentelemetry-collector-contrib/processor/"
        "tailsamplingprocessor";
    std::map<std::tuple<std::string, std::string, std::string>, uint64_t> by_policy;
    std::map<std::pair<std::string, std::string>, uint64_t> global;
    uint64_t dropped_too_early = 0;
    uint64_t new_traces = 0;
    int64_t on_memory = 0;
    uint64_t early_sampled = 0;
    uint64_t early_not_sampled = 0;
    for (const auto& tail : tail_samplers_) {
      const TailSamplingStats& stats = tail->stats();
      for (const auto& [key, n] : stats.policy_decisions) by_policy[key] += n;
      for (const auto& [key, n] : stats.global_decisions) global[key] += n;
      dropped_too_early += stats.sampling_trace_dropped_too_early;
      new_traces += stats.new_trace_id_received;
      on_memory += tail->traces_on_memory();
      early_sampled += stats.early_releases_sampled;
      early_not_sampled += stats.early_releases_not_sampled;
    }
    std::vector<core::NumberDataPoint> policy_points;
    for (const auto& [key, n] : by_policy) {
      const auto& [policy, sampled, decision] = key;
      policy_points.push_back(
          IntPoint({{"policy", policy}, {"sampled", sampled}, {"decision", decision}}, start, now,
                   AsInt(n)));
    }
    scope.metrics.push_back(
        CumulativeSumPoints("otelcol_processor_tail_sampling_count_traces_sampled",
                            "Count of traces that were sampled or not per sampling policy",
                            "{traces}", std::move(policy_points)));
    std::vector<core::NumberDataPoint> global_points;
    for (const auto& [key, n] : global) {
      global_points.push_back(
          IntPoint({{"sampled", key.first}, {"decision", key.second}}, start, now, AsInt(n)));
    }
    scope.metrics.push_back(CumulativeSumPoints(
        "otelcol_processor_tail_sampling_global_count_traces_sampled",
        "Global count of traces that were sampled or not by at least one policy", "{traces}",
        std::move(global_points)));
    scope.metrics.push_back(
        CumulativeSum("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early",
                      "Count of traces that needed to be dropped before the configured wait time",
                      "{traces}", IntPoint({}, start, now, AsInt(dropped_too_early))));
    scope.metrics.push_back(CumulativeSum("otelcol_processor_tail_sampling_new_trace_id_received",
                                          "Counts the arrival of new traces", "{traces}",
                                          IntPoint({}, start, now, AsInt(new_traces))));
    scope.metrics.push_back(IntGauge("otelcol_processor_tail_sampling_sampling_traces_on_memory",
                                     "Tracks the number of traces current on memory", "{traces}",
                                     IntPoint({}, 0, now, on_memory)));
    if (early_sampled + early_not_sampled > 0) {
      std::vector<core::NumberDataPoint> early;
      if (early_sampled > 0) {
        early.push_back(IntPoint({{"sampled", "true"}}, start, now, AsInt(early_sampled)));
      }
      if (early_not_sampled > 0) {
        early.push_back(IntPoint({{"sampled", "false"}}, start, now, AsInt(early_not_sampled)));
      }
      scope.metrics.push_back(CumulativeSumPoints(
          "otelcol_processor_tail_sampling_early_releases_from_cache_decision",
          "Number of spans that were able to be immediately released due to a decision cache hit.",
          "{spans}", std::move(early)));
    }
    rm.scope_metrics.push_back(std::move(scope));
  }

  // Batch processors.
  if (!batches_.empty()) {
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/processor/batchprocessor";
    core::Histogram h;
    h.aggregation_temporality = core::AggregationTemporality::kCumulative;
    std::vector<core::NumberDataPoint> size_triggers;
    std::vector<core::NumberDataPoint> timeout_triggers;
    std::vector<core::NumberDataPoint> cardinality;
    for (const auto& batch : batches_) {
      const BatchProcessorStats& stats = batch->stats();
      const core::Attributes attrs = {{"processor", batch->config().id}};
      core::HistogramDataPoint hp;
      hp.attributes = attrs;
      hp.start_time_unix_nano = start;
      hp.time_unix_nano = now;
      hp.count = stats.send_size_count;
      hp.sum = static_cast<double>(stats.send_size_sum);
      hp.bucket_counts = stats.send_size_bucket_counts;
      hp.explicit_bounds.assign(kBatchSendSizeBounds.begin(), kBatchSendSizeBounds.end());
      if (stats.send_size_count > 0) {
        hp.min = static_cast<double>(stats.send_size_min);
        hp.max = static_cast<double>(stats.send_size_max);
      }
      h.data_points.push_back(std::move(hp));
      size_triggers.push_back(IntPoint(attrs, start, now, AsInt(stats.size_trigger_sends)));
      timeout_triggers.push_back(IntPoint(attrs, start, now, AsInt(stats.timeout_trigger_sends)));
      cardinality.push_back(IntPoint(attrs, start, now, 1));
    }
    core::Metric histogram;
    histogram.name = "otelcol_processor_batch_batch_send_size";
    histogram.description = "Number of units in the batch";
    histogram.unit = "{unit}";
    histogram.data = std::move(h);
    scope.metrics.push_back(std::move(histogram));
    scope.metrics.push_back(
        CumulativeSumPoints("otelcol_processor_batch_batch_size_trigger_send",
                            "Number of times the batch was sent due to a size trigger", "{time}",
                            std::move(size_triggers)));
    scope.metrics.push_back(
        CumulativeSumPoints("otelcol_processor_batch_timeout_trigger_send",
                            "Number of times the batch was sent due to a timeout trigger", "{time}",
                            std::move(timeout_triggers)));
    core::Metric metadata =
        CumulativeSumPoints("otelcol_processor_batch_metadata_cardinality",
                            "Number of distinct metadata value combinations being processed",
                            "{combination}", std::move(cardinality));
    std::get<core::Sum>(metadata.data).is_monotonic = false;
    scope.metrics.push_back(std::move(metadata));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // Exporter (exporterhelper obsreport and queue).
  {
    const ExporterStats& stats = exporter_->stats();
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/exporter/exporterhelper";
    const core::Attributes attrs = {{"exporter", exporter_->config().id}};
    scope.metrics.push_back(CumulativeSum(
        "otelcol_exporter_sent_spans", "Number of spans successfully sent to destination.",
        "{span}", IntPoint(attrs, start, now, AsInt(stats.sent_spans))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_exporter_send_failed_spans",
                      "Number of spans in failed attempts to send to destination.", "{span}",
                      IntPoint(attrs, start, now, AsInt(stats.send_failed_spans))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_exporter_enqueue_failed_spans",
                      "Number of spans failed to be added to the sending queue.", "{span}",
                      IntPoint(attrs, start, now, AsInt(stats.enqueue_failed_spans))));
    if (exporter_->queue_enabled()) {
      const core::Attributes queue_attrs = {{"exporter", exporter_->config().id},
                                            {"data_type", "traces"}};
      scope.metrics.push_back(IntGauge("otelcol_exporter_queue_size",
                                       "Current size of the retry queue (in batches)", "{batch}",
                                       IntPoint(queue_attrs, 0, now, exporter_->queue_size())));
      scope.metrics.push_back(IntGauge("otelcol_exporter_queue_capacity",
                                       "Fixed capacity of the retry queue (in batches)", "{batch}",
                                       IntPoint(queue_attrs, 0, now, exporter_->queue_capacity())));
    }
    rm.scope_metrics.push_back(std::move(scope));
  }

  core::MetricsData data;
  data.resource_metrics.push_back(std::move(rm));

  // The spanmetrics connectors' last flushes (built on virtual time 0 = the
  // connector's base; shifted onto this scrape's time origin).
  for (const std::string& id : connector_order_) {
    const uint64_t base = options_.start_unix_nano;
    for (core::ResourceMetrics flushed : connectors_.at(id)->last_flush().resource_metrics) {
      for (core::ScopeMetrics& scope : flushed.scope_metrics) {
        for (core::Metric& metric : scope.metrics) {
          auto shift = [&](auto& point) {
            point.start_time_unix_nano = point.start_time_unix_nano - base + start;
            point.time_unix_nano = point.time_unix_nano - base + start;
          };
          if (auto* sum = std::get_if<core::Sum>(&metric.data)) {
            for (auto& point : sum->data_points) shift(point);
          } else if (auto* histogram = std::get_if<core::Histogram>(&metric.data)) {
            for (auto& point : histogram->data_points) shift(point);
          }
        }
      }
      data.resource_metrics.push_back(std::move(flushed));
    }
  }
  return data;
}

}  // namespace tflo::workload
