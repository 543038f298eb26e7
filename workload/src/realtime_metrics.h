// The /metrics view of a real-time run (realtime.h): the latest value of every
// metric the simulation exported (the collector model's own metrics, the
// spanmetrics connector's series, the business metrics), and their names as
// the collector's Prometheus exporter would show them. Internal to
// tflo_workload.
#ifndef TFLO_WORKLOAD_SRC_REALTIME_METRICS_H_
#define TFLO_WORKLOAD_SRC_REALTIME_METRICS_H_

#include <mutex>
#include <string>

#include "tflo/core/model.h"
#include "tflo/core/prometheus_text.h"

namespace tflo::workload {

// Thread-safe: Update from the simulation's thread, Snapshot from the HTTP
// server's threads.
class LatestMetrics {
 public:
  // Merges `data`: each metric replaces the one of the same resource, scope
  // (name and version) and name, so that the view holds the latest cumulative
  // state of every metric whichever export carried it.
  void Update(const core::MetricsData& data);
  // A copy of the view: resources, scopes and metrics in order of first sight.
  core::MetricsData Snapshot() const;

 private:
  mutable std::mutex mu_;
  core::MetricsData view_;
};

// Renames for a Prometheus scrape: the collector's own metrics (`otelcol_*`)
// keep their names, as its :8888 endpoint shows them; every other metric goes
// through PrometheusMetricName (unit word, `_total` for monotonic cumulative
// sums) and its data points' attribute keys through PrometheusLabelName, as
// the collector's prometheus exporter does (traces_span_metrics_calls_total,
// traces_span_metrics_duration_milliseconds, service_name, span_kind, ...).
core::MetricsData ToPrometheusExporterNames(core::MetricsData data);

// ToPrometheusExporterNames, then the text format 0.0.4 with job/instance
// from each resource (core/prometheus_text.h).
std::string RenderRealtimeMetrics(const core::MetricsData& snapshot,
                                  core::PrometheusRenderStats* stats = nullptr);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_REALTIME_METRICS_H_
