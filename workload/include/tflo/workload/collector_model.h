// Model of one OpenTelemetry Collector's traces pipelines, driven by a parsed
// collector YAML: OTLP receiver -> the pipeline's processors in the order the
// YAML lists them -> fan-out to the pipeline's exporter (sending_queue,
// retry_on_failure, timeout) and its spanmetrics connectors -> the backend.
//
// Modelled processors (each a class of its own, following the collector
// document it names): memory_limiter (memory_limiter_model.h),
// probabilistic_sampler (probabilistic_sampler_model.h), tail_sampling
// (tail_sampling_model.h), batch (batch_processor_model.h). Any other
// processor (resource, attributes, filter, transform, k8sattributes, ...)
// passes data through unchanged and instantly. The spanmetrics connector
// (spanmetrics_connector_model.h) sees the spans a pipeline's processors let
// through, as a connector listed among that pipeline's exporters does.
//
// Topology (service::pipelines): the first `traces` / `traces/...` pipeline is
// the primary one; its first receiver is the modelled OTLP receiver and its
// first declared exporter the modelled exporter. Every other traces pipeline
// that lists the same receiver is modelled too when it sends to the modelled
// exporter or to a spanmetrics connector (the receiver fans out to pipelines
// one after the other, each getting its own copy; a receiver call succeeds
// when every pipeline accepted). Exporters other than the modelled one are not
// modelled (data sent to them vanishes); pipelines with nothing modelled
// downstream are ignored. memory_limiter instances of one id share one limiter
// (as the collector's factory shares them); other processors are per pipeline.
//
// The memory_limiter reads a heap estimate: CollectorMemoryModel's base plus
// bytes_per_span x the spans the collector holds (batch processors' pending
// items, the exporter's queued / in-flight / retrying requests, tail-sampling
// buffers).
//
// The model's own telemetry is produced as the collector's internal metrics
// under their real names and types (shared pipeline facts sections 0-6): see
// Scrape(). Not thread-safe; lives on one EventEngine and must outlive its
// pending events.
#ifndef TFLO_WORKLOAD_COLLECTOR_MODEL_H_
#define TFLO_WORKLOAD_COLLECTOR_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/status.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/exporter_model.h"
#include "tflo/workload/memory_limiter_model.h"
#include "tflo/workload/probabilistic_sampler_model.h"
#include "tflo/workload/simulation.h"
#include "tflo/workload/spanmetrics_connector_model.h"
#include "tflo/workload/tail_sampling_model.h"

namespace tflo::workload {

// What the model needs from a config: kInvalidArgument (naming config.source)
// when there is no traces pipeline, the pipeline has no exporter or names an
// undeclared one, a modelled value is out of range (send_batch_size < 0,
// timeout < 0, send_batch_max_size neither 0 nor >= send_batch_size,
// queue_size < 1 or num_consumers < 1 with an enabled queue, unknown sizer), or
// a modelled pipeline uses a feature the model does not have (a tail_sampling
// policy type such as ottl_condition: "policy type X is not modelled";
// spanmetrics exponential histograms or events).
Status ValidateForModel(const core::CollectorConfig& config);

struct CollectorModelOptions {
  uint64_t seed = 0;  // the exporter's random stream (retry jitter, drawn backend failures)
  CollectorMemoryModel memory;
  // Unix time of virtual time 0, for the metrics given to on_connector_metrics.
  uint64_t start_unix_nano = 0;
  // Called with every spanmetrics flush (what the metrics pipeline behind the
  // connector receives). Optional.
  std::function<void(const core::MetricsData&)> on_connector_metrics;
};

class CollectorModel {
 public:
  using DeliveredFn = ExporterModel::DeliveredFn;

  // `delivered` is called for every export request the backend accepted.
  // `resource` is the resource of the collector's own metrics.
  static Result<std::unique_ptr<CollectorModel>> Create(EventEngine& engine,
                                                        const core::CollectorConfig& config,
                                                        const BackendModel& backend,
                                                        DeliveredFn delivered,
                                                        core::Resource resource);
  static Result<std::unique_ptr<CollectorModel>> Create(
      EventEngine& engine, const core::CollectorConfig& config, const BackendModel& backend,
      DeliveredFn delivered, core::Resource resource, CollectorModelOptions options);
  CollectorModel(const CollectorModel&) = delete;
  CollectorModel& operator=(const CollectorModel&) = delete;

  // Starts the pipeline at engine.now() (batch timers, memory checks, the
  // tail-sampling decision ticker, connector flushes).
  void Start();
  // An OTLP/gRPC export request arrives at the receiver at engine.now().
  // Spans are counted as accepted when the pipeline call returns without error
  // (always, with a batch or tail_sampling processor in front and no
  // memory_limiter refusing), refused otherwise.
  void ReceiveTraces(core::TracesData&& request);
  // Shuts down in pipeline order: the exporter's retries stop first, then each
  // pipeline's processors in order (batch remainder sent, pending tail-sampling
  // decisions made), then the exporter's queue drains, then the connectors stop;
  // `on_done` is called when nothing is left.
  void Shutdown(std::function<void()> on_done);

  // The collector's internal metrics at engine.now(): cumulative sums and
  // histograms start at `start_unix_nano`; `now_unix_nano` is the scrape time.
  // The last spanmetrics flush of each connector follows as further
  // ResourceMetrics (one per span resource), with its own timestamps taken as
  // offsets from `start_unix_nano` (a Prometheus-style exporter behind the
  // connector serves the latest flush at every scrape, so consecutive scrapes
  // repeat a flush until the next one).
  core::MetricsData Scrape(uint64_t start_unix_nano, uint64_t now_unix_nano) const;

  uint64_t accepted_spans() const { return accepted_spans_; }
  uint64_t refused_spans() const { return refused_spans_; }
  const ExporterModel& exporter() const { return *exporter_; }
  // See ExporterModel::set_discard.
  void set_discard(ExporterModel::DiscardFn discard) { exporter_->set_discard(std::move(discard)); }
  // The first batch processor of the primary pipeline; null if none.
  const BatchProcessorModel* batch() const;
  // First of each kind in the primary pipeline (or the connector of the first
  // modelled pipeline that has one); null if none.
  const MemoryLimiterModel* memory_limiter() const;
  const ProbabilisticSamplerModel* probabilistic_sampler() const;
  const TailSamplingModel* tail_sampling() const;
  const SpanMetricsConnectorModel* spanmetrics() const;
  const std::string& receiver_id() const { return receiver_id_; }
  // Spans held by the collector now, and the heap the memory model derives.
  int64_t held_spans() const;
  int64_t heap_bytes() const { return options_.memory.HeapBytes(held_spans()); }

 private:
  struct Chain {
    std::string pipeline_id;
    TracesConsumer head;
    std::vector<std::function<void()>> start;
    std::vector<std::function<void(std::function<void()>)>> shutdown;  // in order
  };

  CollectorModel(core::Resource resource, CollectorModelOptions options);
  Status BuildChain(EventEngine& engine, const core::CollectorConfig& config,
                    const core::PipelineConfig& pipeline, bool to_exporter,
                    const std::vector<SpanMetricsConnectorModel*>& connectors);
  void FanOut(size_t index, std::shared_ptr<core::TracesData> request, int64_t items,
              std::shared_ptr<bool> ok);
  void ShutdownChains(size_t chain, size_t step, std::function<void()> on_done);

  core::Resource resource_;
  CollectorModelOptions options_;
  std::string receiver_id_;
  std::unique_ptr<ExporterModel> exporter_;
  std::vector<Chain> chains_;  // the primary pipeline first
  // Components, in the order they were built (the primary pipeline's first).
  std::vector<std::unique_ptr<BatchProcessorModel>> batches_;
  std::map<std::string, std::unique_ptr<MemoryLimiterModel>> memory_limiters_;
  std::vector<std::string> memory_limiter_order_;
  std::vector<std::unique_ptr<ProbabilisticSamplerModel>> samplers_;
  std::vector<std::unique_ptr<TailSamplingModel>> tail_samplers_;
  std::map<std::string, std::unique_ptr<SpanMetricsConnectorModel>> connectors_;
  std::vector<std::string> connector_order_;
  const BatchProcessorModel* primary_batch_ = nullptr;
  uint64_t accepted_spans_ = 0;
  uint64_t refused_spans_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_COLLECTOR_MODEL_H_
