// Model of the collector's `spanmetrics` connector (contrib
// connector/spanmetricsconnector: connector.go, config.go, internal/metrics;
// shared pipeline facts section 6): traces in, RED metrics out, in virtual time.
//
//  - Every span whose resource has `service.name` is counted in a `calls`
//    counter and observed in a `duration` histogram, per resource and per
//    series of attributes: service.name, span.name, span.kind
//    (SPAN_KIND_SERVER, ...), status.code (STATUS_CODE_ERROR, ...) unless listed
//    in exclude_dimensions, then each configured dimension looked up in the span
//    attributes, then the resource attributes, then its default (omitted when
//    none). calls_dimensions / histogram.dimensions extend one metric only.
//  - Duration = (end - start) in the histogram unit (ms by default, as a
//    float; 0 when end <= start); bucket i counts values <= bounds[i] and >
//    bounds[i-1] (explicit buckets, default 2..15000 ms).
//  - Every metrics_flush_interval (from Start) the state is emitted as one
//    MetricsData: per resource (its attributes) one scope `spanmetricsconnector`
//    with `<namespace>.calls` (Sum, monotonic, int) and `<namespace>.duration`
//    (Histogram, unit ms or s; absent with histogram.disable). Cumulative points
//    start when their resource was first seen; delta points start at the
//    previous flush of the series and the state is cleared after each flush.
//    With metrics_expiration, a resource not seen for that long is emitted one
//    last time and then forgotten. aggregation_cardinality_limit folds new
//    series beyond the limit into one with `otel.metric.overflow=true`.
//  - Shutdown stops the ticker without a final flush, as the connector does:
//    spans after the last flush are not emitted.
// Not modelled (ValidateForModel refuses them): exponential histograms, the
// events counter. Exemplars are accepted but not emitted (the core model has
// no exemplars); `collector.instance.id` (feature gate) is not added.
//
// Naming decision: the model emits the connector's own OTel names and
// attribute keys (`traces.span.metrics.calls`, `traces.span.metrics.duration`
// with unit "ms", `service.name`, ...), exactly what a collector writes to an
// OTLP file or sends over OTLP. What Prometheus shows depends on the exporter
// in between, so the mapping is a separate pure function (PrometheusMetricName,
// PrometheusLabelName) following the Prometheus exporter's default translation:
// `traces_span_metrics_calls_total`,
// `traces_span_metrics_duration_milliseconds_bucket|_sum|_count`, labels
// `service_name`, `span_name`, `span_kind`, `status_code`, dimensions with
// `.` -> `_`. A /metrics endpoint applies it when it serves these series.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_SPANMETRICS_CONNECTOR_MODEL_H_
#define TFLO_WORKLOAD_SPANMETRICS_CONNECTOR_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {

// Prometheus exporter naming with default suffixes (prometheus
// otlptranslator as used by the collector's prometheus exporter): characters
// outside [a-zA-Z0-9_:] become `_` (runs collapsed), the unit is appended as a
// word (ms -> milliseconds, s -> seconds, By -> bytes; `1` and `{...}`
// annotations add nothing) unless the name already ends with it, and
// monotonic counters get `_total`. Histograms then expose
// <name>_bucket/_sum/_count.
std::string PrometheusMetricName(std::string_view otel_name, std::string_view unit,
                                 bool monotonic_counter);
// Attribute key -> label name: invalid characters become `_`; a leading digit
// gets a `key_` prefix.
std::string PrometheusLabelName(std::string_view attribute_key);

// The connector's default explicit buckets in ms.
std::vector<double> DefaultSpanMetricsBucketsMs();

struct SpanMetricsStats {
  uint64_t spans_counted = 0;
  uint64_t spans_without_service_name = 0;  // skipped, as the connector does
  uint64_t flushes = 0;
  uint64_t expired_resources = 0;
};

class SpanMetricsConnectorModel {
 public:
  // Receives each flush (times based on `base_unix_nano` + virtual time).
  using EmitFn = std::function<void(const core::MetricsData& data)>;

  // `base_unix_nano` is the Unix time of virtual time 0.
  SpanMetricsConnectorModel(EventEngine& engine, core::SpanMetricsConnectorConfig config,
                            uint64_t base_unix_nano, EmitFn emit = nullptr);
  SpanMetricsConnectorModel(const SpanMetricsConnectorModel&) = delete;
  SpanMetricsConnectorModel& operator=(const SpanMetricsConnectorModel&) = delete;

  // Starts the flush ticker at engine.now() (first flush one interval later).
  void Start();
  // ConsumeTraces: aggregates `data` (read only).
  void Consume(const core::TracesData& data);
  // Emits the current state now (the ticker's work).
  void Flush();
  // Stops the ticker; no final flush. Idempotent.
  void Shutdown();

  // What the last flush emitted (empty before the first).
  const core::MetricsData& last_flush() const { return last_flush_; }
  const std::vector<double>& bounds() const { return bounds_; }
  const core::SpanMetricsConnectorConfig& config() const { return config_; }
  const SpanMetricsStats& stats() const { return stats_; }

 private:
  struct Series {
    core::Attributes attributes;
    std::string key;
    uint64_t calls = 0;
    std::vector<uint64_t> bucket_counts;
    uint64_t count = 0;
    double sum = 0;
  };
  struct MetricSeries {
    std::vector<Series> series;
    std::map<std::string, size_t> index;
    Series& GetOrCreate(const std::string& key, const core::Attributes& attributes,
                        int64_t cardinality_limit, size_t buckets);
  };
  struct ResourceState {
    std::string key;
    core::Attributes attributes;
    SimTime start = 0;
    SimTime last_seen = 0;
    MetricSeries calls;
    MetricSeries durations;
  };

  void OnTick(uint64_t generation);
  ResourceState& ResourceFor(const core::Resource& resource);
  void AddDimensions(const std::vector<core::SpanMetricsDimension>& dimensions,
                     const core::Span& span, const core::Resource& resource,
                     core::Attributes& attributes, std::string& key) const;
  uint64_t Unix(SimTime t) const { return base_unix_nano_ + static_cast<uint64_t>(t); }

  EventEngine& engine_;
  core::SpanMetricsConnectorConfig config_;
  uint64_t base_unix_nano_;
  EmitFn emit_;
  std::vector<double> bounds_;
  double unit_divider_;  // ns per histogram unit

  std::vector<ResourceState> resources_;             // in order of first sight
  std::map<std::string, SimTime> delta_last_flush_;  // series key -> its previous flush
  SimTime started_at_ = 0;
  bool running_ = false;
  uint64_t generation_ = 0;
  core::MetricsData last_flush_;
  SpanMetricsStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SPANMETRICS_CONNECTOR_MODEL_H_
