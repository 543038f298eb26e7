// The /metrics view of real-time mode: the latest export of each metric wins,
// and names/labels come out as the collector's prometheus exporter shows them
// while the collector's own otelcol_* metrics keep theirs.
#include "realtime_metrics.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflo/core/model.h"

namespace tflo::workload {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

core::Metric CounterMetric(std::string name, std::string unit, int64_t value,
                           core::Attributes attributes) {
  core::NumberDataPoint point;
  point.attributes = std::move(attributes);
  point.start_time_unix_nano = 1;
  point.time_unix_nano = 2;
  point.value = value;
  core::Sum sum;
  sum.data_points.push_back(std::move(point));
  core::Metric metric;
  metric.name = std::move(name);
  metric.unit = std::move(unit);
  metric.data = std::move(sum);
  return metric;
}

core::MetricsData OneResource(const std::string& service, std::vector<core::Metric> metrics) {
  core::ScopeMetrics scope;
  scope.scope.name = "scope";
  scope.metrics = std::move(metrics);
  core::ResourceMetrics rm;
  rm.resource.attributes = {{"service.name", service}};
  rm.scope_metrics.push_back(std::move(scope));
  core::MetricsData data;
  data.resource_metrics.push_back(std::move(rm));
  return data;
}

TEST(LatestMetricsTest, KeepsTheLatestValueOfEachMetricAcrossExports) {
  LatestMetrics view;
  view.Update(OneResource("otelcol-contrib", {CounterMetric("otelcol_a", "", 1, {}),
                                              CounterMetric("otelcol_b", "", 5, {})}));
  view.Update(OneResource("coordination-api", {CounterMetric("work_total", "", 7, {})}));

  view.Update(OneResource("otelcol-contrib", {CounterMetric("otelcol_a", "", 3, {})}));
  const core::MetricsData snapshot = view.Snapshot();

  ASSERT_EQ(snapshot.resource_metrics.size(), 2U);
  const auto& collector = snapshot.resource_metrics[0].scope_metrics.at(0).metrics;
  ASSERT_EQ(collector.size(), 2U);
  EXPECT_EQ(collector[0].name, "otelcol_a");
  EXPECT_EQ(std::get<core::Sum>(collector[0].data).data_points.at(0).AsDouble(), 3);
  EXPECT_EQ(std::get<core::Sum>(collector[1].data).data_points.at(0).AsDouble(), 5);
  EXPECT_EQ(snapshot.resource_metrics[1].scope_metrics.at(0).metrics.at(0).name, "work_total");
}

TEST(ToPrometheusExporterNamesTest, TranslatesEverythingButTheCollectorsOwnMetrics) {
  core::MetricsData data = OneResource(
      "onboarding-api",
      {CounterMetric("otelcol_exporter_sent_spans", "{spans}", 10, {{"exporter", "otlp"}}),
       CounterMetric("traces.span.metrics.calls", "", 4,
                     {{"service.name", "onboarding-api"}, {"http.request.method", "POST"}})});

  const core::MetricsData renamed = ToPrometheusExporterNames(data);
  const std::string text = RenderRealtimeMetrics(data);

  const auto& metrics = renamed.resource_metrics.at(0).scope_metrics.at(0).metrics;
  EXPECT_EQ(metrics.at(0).name, "otelcol_exporter_sent_spans");
  EXPECT_EQ(metrics.at(1).name, "traces_span_metrics_calls_total");
  const auto& labels = std::get<core::Sum>(metrics.at(1).data).data_points.at(0).attributes;
  EXPECT_EQ(labels.at(0).key, "service_name");
  EXPECT_EQ(labels.at(1).key, "http_request_method");
  EXPECT_THAT(text, HasSubstr("# TYPE traces_span_metrics_calls_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE otelcol_exporter_sent_spans counter"));
  EXPECT_THAT(text, HasSubstr("http_request_method=\"POST\""));
  EXPECT_THAT(text, HasSubstr("job=\"onboarding-api\""));
  EXPECT_THAT(text, Not(HasSubstr("otelcol_exporter_sent_spans_total")));
}

}  // namespace
}  // namespace tflo::workload
