#include "tflo/core/prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "test_util.h"
#include <gtest/gtest.h>
#include <sys/wait.h>

namespace tflo::core {
namespace {

Resource ApiResource() {
  Resource r;
  r.attributes = {{"service.name", "onboarding-api"},
                  {"service.namespace", "tflo"},
                  {"service.instance.id", "i-1"},
                  {"deployment.environment", "demo"}};
  return r;
}

NumberDataPoint IntPoint(Attributes attributes, int64_t value) {
  NumberDataPoint p;
  p.attributes = std::move(attributes);
  p.value = value;
  p.time_unix_nano = 1700000000000000000ULL;
  return p;
}

NumberDataPoint DoublePoint(Attributes attributes, double value) {
  NumberDataPoint p;
  p.attributes = std::move(attributes);
  p.value = value;
  return p;
}

// Every kind the renderer handles, plus a delta sum, a type conflict and a
// duplicate series that it must leave out.
MetricsData SampleMetrics() {
  Metric requests{"onboarding_requests_total", "Onboarding requests.", "{request}", Sum{}};
  auto& requests_sum = std::get<Sum>(requests.data);
  requests_sum.is_monotonic = true;
  requests_sum.data_points = {IntPoint({{"customer.type", "standard"}}, 10),
                              IntPoint({{"customer.type", "premium"}}, 3)};

  Metric queue{"queue.size", "Queue size\nin batches \\ requests.", "", Gauge{}};
  std::get<Gauge>(queue.data).data_points = {
      DoublePoint({{"exporter", "otlp"}, {"http_method", "get"}, {"http.method", "GET"}}, 2.5),
      DoublePoint({{"exporter", "otlp"}, {"http_method", "get"}, {"http.method", "GET"}}, 9.0)};

  Metric inflight{"inflight", "", "", Sum{}};
  auto& inflight_sum = std::get<Sum>(inflight.data);
  inflight_sum.is_monotonic = false;
  inflight_sum.data_points = {IntPoint({}, 4)};

  HistogramDataPoint h;
  h.attributes = {{"customer.type", "enterprise"}, {"note", "a \"b\"\\c\nd"}};
  h.explicit_bounds = {0.1, 0.5, 1.0};
  h.bucket_counts = {1, 2, 3, 4};
  h.count = 10;
  h.sum = 7.25;
  Metric duration{"onboarding_duration_seconds", "Duration of onboarding.", "s", Histogram{}};
  std::get<Histogram>(duration.data).data_points = {h};

  Metric delta{"delta_requests_total", "", "", Sum{}};
  auto& delta_sum = std::get<Sum>(delta.data);
  delta_sum.aggregation_temporality = AggregationTemporality::kDelta;
  delta_sum.data_points = {IntPoint({}, 1)};

  Metric conflict{"onboarding_requests_total", "", "", Gauge{}};
  std::get<Gauge>(conflict.data).data_points = {IntPoint({}, 1)};

  ScopeMetrics scope;
  scope.scope.name = "tflo.workload";
  scope.metrics = {requests, queue, inflight, duration, delta, conflict};
  ResourceMetrics rm;
  rm.resource = ApiResource();
  rm.scope_metrics = {scope};
  MetricsData data;
  data.resource_metrics = {rm};
  return data;
}

constexpr const char* kExpected =
    R"(# HELP inflight inflight
# TYPE inflight gauge
inflight{instance="i-1",job="tflo/onboarding-api"} 4
# HELP onboarding_duration_seconds Duration of onboarding.
# TYPE onboarding_duration_seconds histogram
onboarding_duration_seconds_bucket{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd",le="0.1"} 1
onboarding_duration_seconds_bucket{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd",le="0.5"} 3
onboarding_duration_seconds_bucket{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd",le="1"} 6
onboarding_duration_seconds_bucket{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd",le="+Inf"} 10
onboarding_duration_seconds_sum{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd"} 7.25
onboarding_duration_seconds_count{customer_type="enterprise",instance="i-1",job="tflo/onboarding-api",note="a \"b\"\\c\nd"} 10
# HELP onboarding_requests_total Onboarding requests.
# TYPE onboarding_requests_total counter
onboarding_requests_total{customer_type="standard",instance="i-1",job="tflo/onboarding-api"} 10
onboarding_requests_total{customer_type="premium",instance="i-1",job="tflo/onboarding-api"} 3
# HELP queue_size Queue size\nin batches \\ requests.
# TYPE queue_size gauge
queue_size{exporter="otlp",http_method="GET;get",instance="i-1",job="tflo/onboarding-api"} 2.5
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{deployment_environment="demo",instance="i-1",job="tflo/onboarding-api"} 1
)";

TEST(PrometheusTextTest, RendersEveryMetricKindAsHandWrittenText) {
  PrometheusRenderStats stats;

  const std::string text = RenderPrometheusText(SampleMetrics(), {}, &stats);

  EXPECT_EQ(text, kExpected);
  EXPECT_EQ(stats.families, 5U);
  EXPECT_EQ(stats.samples, 11U);
  EXPECT_EQ(stats.skipped_delta_points, 1U);
  EXPECT_EQ(stats.skipped_type_conflicts, 1U);
  EXPECT_EQ(stats.skipped_duplicate_series, 1U);
}

TEST(PrometheusTextTest, ResourceLabelsAndTargetInfoCanBeTurnedOff) {
  MetricsData data;
  ResourceMetrics rm;
  rm.resource = ApiResource();
  Metric m{"otelcol_exporter_sent_spans", "Spans sent.", "", Sum{}};
  std::get<Sum>(m.data).data_points = {IntPoint({{"exporter", "otlp"}}, 42)};
  rm.scope_metrics = {ScopeMetrics{{}, {m}, ""}};
  data.resource_metrics = {rm};
  PrometheusTextOptions options;
  options.resource_job_instance = false;
  options.target_info = false;

  const std::string text = RenderPrometheusText(data, options);

  EXPECT_EQ(text,
            "# HELP otelcol_exporter_sent_spans Spans sent.\n"
            "# TYPE otelcol_exporter_sent_spans counter\n"
            "otelcol_exporter_sent_spans{exporter=\"otlp\"} 42\n");
}

TEST(PrometheusTextTest, JobIsTheServiceNameAloneWithoutNamespace) {
  MetricsData data;
  ResourceMetrics rm;
  rm.resource.attributes = {{"service.name", "collector"}};
  Metric m{"up_gauge", "", "", Gauge{}};
  std::get<Gauge>(m.data).data_points = {IntPoint({}, 1)};
  rm.scope_metrics = {ScopeMetrics{{}, {m}, ""}};
  data.resource_metrics = {rm};
  PrometheusTextOptions options;
  options.target_info = false;

  const std::string text = RenderPrometheusText(data, options);

  EXPECT_EQ(text,
            "# HELP up_gauge up_gauge\n# TYPE up_gauge gauge\nup_gauge{job=\"collector\"} 1\n");
}

TEST(PrometheusTextTest, SamplesOfOneFamilyFromTwoResourcesStayTogether) {
  MetricsData data;
  for (const char* service : {"b-service", "a-service"}) {
    ResourceMetrics rm;
    rm.resource.attributes = {{"service.name", service}};
    Metric m{"calls_total", "Calls.", "", Sum{}};
    std::get<Sum>(m.data).data_points = {IntPoint({}, 5)};
    rm.scope_metrics = {ScopeMetrics{{}, {m}, ""}};
    data.resource_metrics.push_back(rm);
  }
  PrometheusTextOptions options;
  options.target_info = false;

  const std::string text = RenderPrometheusText(data, options);

  EXPECT_EQ(text,
            "# HELP calls_total Calls.\n"
            "# TYPE calls_total counter\n"
            "calls_total{job=\"b-service\"} 5\n"
            "calls_total{job=\"a-service\"} 5\n");
}

TEST(PrometheusTextTest, SanitizesMetricAndLabelNames) {
  EXPECT_EQ(SanitizePrometheusMetricName("http.server.request.duration"),
            "http_server_request_duration");
  EXPECT_EQ(SanitizePrometheusMetricName("ns:metric_total"), "ns:metric_total");
  EXPECT_EQ(SanitizePrometheusMetricName("2xx-count"), "_2xx_count");
  EXPECT_EQ(SanitizePrometheusMetricName(""), "_");
  EXPECT_EQ(SanitizePrometheusLabelName("service.name"), "service_name");
  EXPECT_EQ(SanitizePrometheusLabelName("a:b"), "a_b");
  EXPECT_EQ(SanitizePrometheusLabelName("0day"), "_0day");
  EXPECT_EQ(SanitizePrometheusLabelName("caf\xc3\xa9"), "caf__");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndFormatsSpecialValues) {
  EXPECT_EQ(EscapePrometheusLabelValue("a\\b\"c\nd\te"), "a\\\\b\\\"c\\nd\te");
  EXPECT_EQ(FormatPrometheusValue(0.1), "0.1");
  EXPECT_EQ(FormatPrometheusValue(1e21), "1e+21");
  EXPECT_EQ(FormatPrometheusValue(-3.0), "-3");
  EXPECT_EQ(FormatPrometheusValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPrometheusValue(std::nan("")), "NaN");
}

TEST(PrometheusTextTest, EmptyInputRendersNothing) {
  EXPECT_EQ(RenderPrometheusText(MetricsData{}), "");
}

// Skipped where Prometheus' promtool (Debian package `prometheus`) is absent.
TEST(PrometheusTextTest, PromtoolAcceptsTheOutput) {
  const std::filesystem::path promtool = "/usr/bin/promtool";
  if (!std::filesystem::exists(promtool)) GTEST_SKIP() << "promtool not installed";
  tflo::testing::TempDir dir;
  const auto input = dir.path() / "metrics.prom";
  const auto output = dir.path() / "promtool.out";
  tflo::testing::WriteFile(input, RenderPrometheusText(SampleMetrics()));

  const std::string command =
      promtool.string() + " check metrics < " + input.string() + " > " + output.string() + " 2>&1";
  const int rc = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe)

  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 0) << tflo::testing::ReadFile(output);
}

}  // namespace
}  // namespace tflo::core
