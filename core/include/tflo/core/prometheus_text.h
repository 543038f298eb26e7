// Renders the telemetry model's metrics in the Prometheus text exposition
// format, version 0.0.4 (prometheus/docs content/docs/instrumenting/
// exposition_formats.md), so a real Prometheus can scrape what the workload
// simulates (business metrics, the collector model's own metrics, span-metrics
// series). Used by the workload's /metrics endpoint.
//
// Mapping (close to the OpenTelemetry "Prometheus and OpenMetrics
// Compatibility" specification, with the choices below):
//  - Metric names: characters outside [a-zA-Z0-9_:] become '_', a leading digit
//    gets a '_' prefix; a valid name is never changed. No unit or `_total`
//    suffix is added: the caller chooses the final names (the collector's own
//    metrics, e.g. `otelcol_exporter_sent_spans`, have no `_total` on its
//    default /metrics endpoint; pass `foo_total` to get one).
//  - Label names: characters outside [a-zA-Z0-9_] become '_', a leading digit
//    gets a '_' prefix (so `service.name` -> `service_name`); attributes that
//    collide after that are merged, values joined with ';' in key order.
//    Label values are rendered as text (AnyValue::ToString) and escaped
//    (\\, \", \n).
//  - Monotonic Sum -> counter; non-monotonic Sum and Gauge -> gauge;
//    Histogram -> histogram: `<name>_bucket{le="..."}` cumulative buckets
//    including `le="+Inf"`, `<name>_sum` (when the point has one) and
//    `<name>_count`; +Inf and _count are the sum of the bucket counts (the
//    point's count when it has no buckets).
//  - Prometheus counts from process start: points with DELTA temporality
//    cannot be shown faithfully and are skipped (counted in
//    PrometheusRenderStats); the caller accumulates them first.
//  - Resource: `service.namespace`/`service.name` -> label `job`
//    ("namespace/name", or just the name), `service.instance.id` -> label
//    `instance`, on every series of that resource; all resource attributes go
//    to one `target_info` gauge series (value 1) per resource, carrying job and
//    instance too. A Prometheus that scrapes the endpoint keeps them as
//    `exported_job`/`exported_instance` unless honor_labels is set. The
//    instrumentation scope is not rendered.
//  - One `# HELP` (the description; the metric name when empty, so linters see
//    help text) and one `# TYPE` line per family. Families in name order;
//    inside a family, series in input order, each label set once (later
//    duplicates are skipped and counted); labels sorted by name. A name used by
//    two different types keeps the first type; the others are skipped and
//    counted. No timestamps (Prometheus stamps the scrape).
// Pure functions, thread-safe.
#ifndef TFLO_CORE_PROMETHEUS_TEXT_H_
#define TFLO_CORE_PROMETHEUS_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "tflo/core/model.h"

namespace tflo::core {

// The Content-Type of a /metrics response carrying this format.
inline constexpr std::string_view kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct PrometheusTextOptions {
  // Add job/instance labels from the resource to every series.
  bool resource_job_instance = true;
  // Emit the target_info family.
  bool target_info = true;
};

// What the renderer had to leave out, for the caller's logs and tests.
struct PrometheusRenderStats {
  size_t families = 0;  // families written (target_info included)
  size_t samples = 0;   // sample lines written
  size_t skipped_delta_points = 0;
  size_t skipped_duplicate_series = 0;
  size_t skipped_type_conflicts = 0;  // metrics whose name another type already took
};

std::string RenderPrometheusText(const MetricsData& data, const PrometheusTextOptions& options = {},
                                 PrometheusRenderStats* stats = nullptr);

std::string SanitizePrometheusMetricName(std::string_view name);
std::string SanitizePrometheusLabelName(std::string_view name);
// Escapes \, " and newline for use inside a label value's quotes.
std::string EscapePrometheusLabelValue(std::string_view value);
// A sample value: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string FormatPrometheusValue(double value);

}  // namespace tflo::core

#endif  // TFLO_CORE_PROMETHEUS_TEXT_H_
