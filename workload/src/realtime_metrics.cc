#include "realtime_metrics.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "tflo/workload/spanmetrics_connector_model.h"

namespace tflo::workload {
namespace {

constexpr std::string_view kCollectorPrefix = "otelcol_";

template <typename T, typename Pred>
T& FindOrAdd(std::vector<T>& items, Pred matches, T fresh) {
  const auto it = std::find_if(items.begin(), items.end(), matches);
  if (it != items.end()) return *it;
  items.push_back(std::move(fresh));
  return items.back();
}

void RenameLabels(core::Attributes& attributes) {
  for (core::KeyValue& kv : attributes.mutable_elements()) kv.key = PrometheusLabelName(kv.key);
}

}  // namespace

void LatestMetrics::Update(const core::MetricsData& data) {
  std::lock_guard lock(mu_);
  for (const core::ResourceMetrics& rm : data.resource_metrics) {
    core::ResourceMetrics fresh_resource;
    fresh_resource.resource = rm.resource;
    fresh_resource.schema_url = rm.schema_url;
    core::ResourceMetrics& resource = FindOrAdd(
        view_.resource_metrics,
        [&](const core::ResourceMetrics& r) { return r.resource == rm.resource; },
        std::move(fresh_resource));
    for (const core::ScopeMetrics& sm : rm.scope_metrics) {
      core::ScopeMetrics fresh_scope;
      fresh_scope.scope = sm.scope;
      fresh_scope.schema_url = sm.schema_url;
      core::ScopeMetrics& scope = FindOrAdd(
          resource.scope_metrics,
          [&](const core::ScopeMetrics& s) {
            return s.scope.name == sm.scope.name && s.scope.version == sm.scope.version;
          },
          std::move(fresh_scope));
      for (const core::Metric& metric : sm.metrics) {
        FindOrAdd(
            scope.metrics, [&](const core::Metric& m) { return m.name == metric.name; },
            core::Metric{}) = metric;
      }
    }
  }
}

core::MetricsData LatestMetrics::Snapshot() const {
  std::lock_guard lock(mu_);
  return view_;
}

core::MetricsData ToPrometheusExporterNames(core::MetricsData data) {
  for (core::ResourceMetrics& rm : data.resource_metrics) {
    for (core::ScopeMetrics& sm : rm.scope_metrics) {
      for (core::Metric& metric : sm.metrics) {
        if (std::string_view(metric.name).substr(0, kCollectorPrefix.size()) == kCollectorPrefix) {
          continue;
        }
        bool counter = false;
        std::visit(
            [&](auto& d) {
              using T = std::decay_t<decltype(d)>;
              if constexpr (std::is_same_v<T, core::Sum>) {
                counter = d.is_monotonic &&
                          d.aggregation_temporality == core::AggregationTemporality::kCumulative;
              }
              for (auto& point : d.data_points) RenameLabels(point.attributes);
            },
            metric.data);
        metric.name = PrometheusMetricName(metric.name, metric.unit, counter);
      }
    }
  }
  return data;
}

std::string RenderRealtimeMetrics(const core::MetricsData& snapshot,
                                  core::PrometheusRenderStats* stats) {
  return core::RenderPrometheusText(ToPrometheusExporterNames(snapshot), {}, stats);
}

}  // namespace tflo::workload
