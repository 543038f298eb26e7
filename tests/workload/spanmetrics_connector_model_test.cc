#include "tflo/workload/spanmetrics_connector_model.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

constexpr SimTime kMs = kMillisecond;
constexpr uint64_t kBase = 1767225600000000000ULL;

core::Span MakeSpan(std::string name, SimTime duration,
                    core::SpanKind kind = core::SpanKind::kServer,
                    core::StatusCode status = core::StatusCode::kUnset,
                    core::Attributes attributes = {}) {
  core::Span span;
  span.trace_id = {1};
  span.span_id = {1};
  span.name = std::move(name);
  span.kind = kind;
  span.status.code = status;
  span.start_time_unix_nano = kBase;
  span.end_time_unix_nano = kBase + static_cast<uint64_t>(duration);
  span.attributes = std::move(attributes);
  return span;
}

core::TracesData Request(std::vector<core::Span> spans, core::Attributes resource) {
  core::ResourceSpans rs;
  rs.resource.attributes = std::move(resource);
  core::ScopeSpans scope;
  scope.spans = std::move(spans);
  rs.scope_spans.push_back(std::move(scope));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

core::SpanMetricsConnectorConfig Config() {
  core::SpanMetricsConnectorConfig config;
  config.id = "spanmetrics";
  config.metrics_flush_interval = std::chrono::seconds(15);
  return config;
}

const core::Metric* Find(const core::ResourceMetrics& rm, const std::string& name) {
  for (const auto& scope : rm.scope_metrics) {
    for (const auto& metric : scope.metrics) {
      if (metric.name == name) return &metric;
    }
  }
  return nullptr;
}

std::string Attr(const core::Attributes& attributes, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(attributes, key);
  return v == nullptr ? "<absent>" : v->ToString();
}

TEST(SpanMetricsConnectorTest, CountsCallsAndDurationsPerSeries) {
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, Config(), kBase);
  connector.Start();
  const core::Attributes api = {{"service.name", "onboarding-api"}};
  engine.At(1 * kSecond, [&] {
    connector.Consume(Request(
        {MakeSpan("POST /onboard", 3 * kMs), MakeSpan("POST /onboard", 2 * kMs),
         MakeSpan("POST /onboard", 20 * kMs), MakeSpan("POST /onboard", 20 * kSecond),
         MakeSpan("POST /onboard", 7 * kMs, core::SpanKind::kServer, core::StatusCode::kError),
         MakeSpan("sqs.send", 14 * kMs, core::SpanKind::kProducer)},
        api));
  });
  engine.At(16 * kSecond, [&] { connector.Shutdown(); });

  engine.Run();

  const core::MetricsData& flush = connector.last_flush();
  ASSERT_EQ(flush.resource_metrics.size(), 1U);
  const core::ResourceMetrics& rm = flush.resource_metrics[0];
  EXPECT_EQ(Attr(rm.resource.attributes, "service.name"), "onboarding-api");
  EXPECT_EQ(rm.scope_metrics.at(0).scope.name, "spanmetricsconnector");
  const core::Metric* calls = Find(rm, "traces.span.metrics.calls");
  const core::Metric* duration = Find(rm, "traces.span.metrics.duration");
  ASSERT_NE(calls, nullptr);
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->unit, "ms");

  const auto& sum = std::get<core::Sum>(calls->data);
  EXPECT_TRUE(sum.is_monotonic);
  EXPECT_EQ(sum.aggregation_temporality, core::AggregationTemporality::kCumulative);
  ASSERT_EQ(sum.data_points.size(), 3U);  // ok server, error server, producer
  const core::NumberDataPoint& ok = sum.data_points[0];
  EXPECT_EQ(std::get<int64_t>(ok.value), 4);
  EXPECT_EQ(Attr(ok.attributes, "service.name"), "onboarding-api");
  EXPECT_EQ(Attr(ok.attributes, "span.name"), "POST /onboard");
  EXPECT_EQ(Attr(ok.attributes, "span.kind"), "SPAN_KIND_SERVER");
  EXPECT_EQ(Attr(ok.attributes, "status.code"), "STATUS_CODE_UNSET");
  EXPECT_EQ(Attr(sum.data_points[1].attributes, "status.code"), "STATUS_CODE_ERROR");
  EXPECT_EQ(Attr(sum.data_points[2].attributes, "span.kind"), "SPAN_KIND_PRODUCER");
  EXPECT_EQ(ok.start_time_unix_nano, kBase + 1 * kSecond);  // the resource was first seen
  EXPECT_EQ(ok.time_unix_nano, kBase + 15 * kSecond);

  const auto& hist = std::get<core::Histogram>(duration->data);
  const core::HistogramDataPoint& h = hist.data_points[0];
  EXPECT_EQ(h.explicit_bounds, DefaultSpanMetricsBucketsMs());
  ASSERT_EQ(h.bucket_counts.size(), 17U);
  // 2 ms -> [0, 2]; 3 ms -> (2, 4]; 20 ms -> (10, 50]; 20 s -> above 15000 ms.
  EXPECT_EQ(h.bucket_counts[0], 1U);
  EXPECT_EQ(h.bucket_counts[1], 1U);
  EXPECT_EQ(h.bucket_counts[5], 1U);
  EXPECT_EQ(h.bucket_counts[16], 1U);
  EXPECT_EQ(h.count, 4U);
  EXPECT_DOUBLE_EQ(*h.sum, 3 + 2 + 20 + 20000);
}

TEST(SpanMetricsConnectorTest, NothingBeforeTheFirstFlushNothingAfterTheLast) {
  EventEngine engine;
  std::vector<uint64_t> flush_times;
  SpanMetricsConnectorModel connector(engine, Config(), kBase, [&](const core::MetricsData& d) {
    const core::Metric& calls = d.resource_metrics.at(0).scope_metrics.at(0).metrics.at(0);
    flush_times.push_back(std::get<core::Sum>(calls.data).data_points.at(0).time_unix_nano);
  });
  connector.Start();
  const core::Attributes api = {{"service.name", "api"}};
  engine.At(1 * kSecond, [&] { connector.Consume(Request({MakeSpan("a", kMs)}, api)); });
  bool empty_before = false;
  engine.At(14 * kSecond, [&] { empty_before = connector.last_flush().resource_metrics.empty(); });
  engine.At(40 * kSecond, [&] { connector.Consume(Request({MakeSpan("a", kMs)}, api)); });
  engine.At(41 * kSecond, [&] { connector.Shutdown(); });  // no final flush

  engine.Run();

  EXPECT_TRUE(empty_before);
  EXPECT_EQ(flush_times, (std::vector<uint64_t>{kBase + 15 * kSecond, kBase + 30 * kSecond}));
  const auto& sum = std::get<core::Sum>(
      connector.last_flush().resource_metrics[0].scope_metrics[0].metrics[0].data);
  EXPECT_EQ(std::get<int64_t>(sum.data_points[0].value), 1);
  EXPECT_EQ(sum.data_points[0].start_time_unix_nano, kBase + 1 * kSecond);
}

TEST(SpanMetricsConnectorTest, DimensionsComeFromSpanThenResourceThenDefault) {
  core::SpanMetricsConnectorConfig config = Config();
  config.dimensions = {{"http.method", std::nullopt},
                       {"deployment.environment", std::nullopt},
                       {"customer.type", std::string("unknown")},
                       {"absent.key", std::nullopt}};
  config.exclude_dimensions = {"status.code"};
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, config, kBase);
  const core::Attributes resource = {{"service.name", "api"}, {"deployment.environment", "prod"}};

  connector.Consume(Request({MakeSpan("GET", kMs, core::SpanKind::kServer, core::StatusCode::kError,
                                      {{"http.method", "GET"}}),
                             MakeSpan("GET", kMs, core::SpanKind::kServer, core::StatusCode::kOk,
                                      {{"http.method", "GET"}})},
                            resource));
  connector.Flush();

  const auto& sum = std::get<core::Sum>(
      connector.last_flush().resource_metrics[0].scope_metrics[0].metrics[0].data);
  ASSERT_EQ(sum.data_points.size(), 1U);  // status.code excluded: one series
  const core::Attributes& a = sum.data_points[0].attributes;
  EXPECT_EQ(std::get<int64_t>(sum.data_points[0].value), 2);
  EXPECT_EQ(Attr(a, "status.code"), "<absent>");
  EXPECT_EQ(Attr(a, "http.method"), "GET");
  EXPECT_EQ(Attr(a, "deployment.environment"), "prod");
  EXPECT_EQ(Attr(a, "customer.type"), "unknown");
  EXPECT_EQ(Attr(a, "absent.key"), "<absent>");
}

TEST(SpanMetricsConnectorTest, SkipsSpansWithoutServiceName) {
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, Config(), kBase);

  connector.Consume(Request({MakeSpan("a", kMs)}, {{"host.name", "h"}}));
  connector.Flush();

  EXPECT_TRUE(connector.last_flush().resource_metrics.empty());
  EXPECT_EQ(connector.stats().spans_without_service_name, 1U);
}

TEST(SpanMetricsConnectorTest, DeltaTemporalityResetsAfterEachFlush) {
  core::SpanMetricsConnectorConfig config = Config();
  config.delta_temporality = true;
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, config, kBase);
  connector.Start();
  const core::Attributes api = {{"service.name", "api"}};
  engine.At(1 * kSecond, [&] {
    connector.Consume(Request({MakeSpan("a", kMs), MakeSpan("a", kMs)}, api));
  });
  engine.At(20 * kSecond, [&] { connector.Consume(Request({MakeSpan("a", kMs)}, api)); });
  engine.At(31 * kSecond, [&] { connector.Shutdown(); });

  engine.Run();

  const auto& sum = std::get<core::Sum>(
      connector.last_flush().resource_metrics[0].scope_metrics[0].metrics[0].data);
  EXPECT_EQ(sum.aggregation_temporality, core::AggregationTemporality::kDelta);
  EXPECT_EQ(std::get<int64_t>(sum.data_points[0].value), 1);
  EXPECT_EQ(sum.data_points[0].start_time_unix_nano, kBase + 15 * kSecond);
  EXPECT_EQ(sum.data_points[0].time_unix_nano, kBase + 30 * kSecond);
}

TEST(SpanMetricsConnectorTest, ExpiredResourcesAreEmittedOnceMoreThenDropped) {
  core::SpanMetricsConnectorConfig config = Config();
  config.metrics_expiration = std::chrono::seconds(20);
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, config, kBase);
  std::vector<size_t> resources_per_flush;
  connector.Start();
  engine.At(1 * kSecond, [&] {
    connector.Consume(Request({MakeSpan("a", kMs)}, {{"service.name", "old"}}));
  });
  engine.At(25 * kSecond, [&] {
    connector.Consume(Request({MakeSpan("a", kMs)}, {{"service.name", "new"}}));
  });
  for (SimTime t : {16, 31, 46}) {
    engine.At(t * kSecond, [&] {
      resources_per_flush.push_back(connector.last_flush().resource_metrics.size());
    });
  }
  engine.At(50 * kSecond, [&] { connector.Shutdown(); });

  engine.Run();

  // 15 s: old. 30 s: old (idle 29 s >= 20 s: last time) + new. 45 s: new (idle 20 s: last time).
  EXPECT_EQ(resources_per_flush, (std::vector<size_t>{1, 2, 1}));
  EXPECT_EQ(connector.stats().expired_resources, 2U);
}

TEST(SpanMetricsConnectorTest, SecondsUnitAndCustomBuckets) {
  core::SpanMetricsConnectorConfig config = Config();
  config.histogram_unit = "s";
  config.explicit_buckets = {std::chrono::milliseconds(100), std::chrono::seconds(1)};
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, config, kBase);

  connector.Consume(
      Request({MakeSpan("a", 50 * kMs), MakeSpan("a", 1 * kSecond), MakeSpan("a", 3 * kSecond)},
              {{"service.name", "api"}}));
  connector.Flush();

  const core::Metric& duration =
      connector.last_flush().resource_metrics[0].scope_metrics[0].metrics[1];
  EXPECT_EQ(duration.unit, "s");
  const auto& point = std::get<core::Histogram>(duration.data).data_points[0];
  EXPECT_EQ(point.explicit_bounds, (std::vector<double>{0.1, 1.0}));
  EXPECT_EQ(point.bucket_counts, (std::vector<uint64_t>{1, 1, 1}));
  EXPECT_DOUBLE_EQ(*point.sum, 4.05);
}

TEST(SpanMetricsConnectorTest, CardinalityLimitFoldsNewSeriesIntoOverflow) {
  core::SpanMetricsConnectorConfig config = Config();
  config.aggregation_cardinality_limit = 2;
  config.histogram_disable = true;
  EventEngine engine;
  SpanMetricsConnectorModel connector(engine, config, kBase);

  connector.Consume(Request({MakeSpan("a", kMs), MakeSpan("b", kMs), MakeSpan("c", kMs),
                             MakeSpan("d", kMs), MakeSpan("a", kMs)},
                            {{"service.name", "api"}}));
  connector.Flush();

  const auto& metrics = connector.last_flush().resource_metrics[0].scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 1U);  // histogram disabled
  const auto& points = std::get<core::Sum>(metrics[0].data).data_points;
  ASSERT_EQ(points.size(), 3U);
  EXPECT_EQ(std::get<int64_t>(points[0].value), 2);  // a
  EXPECT_EQ(Attr(points[2].attributes, "otel.metric.overflow"), "true");
  EXPECT_EQ(std::get<int64_t>(points[2].value), 2);  // c, d
}

TEST(PrometheusNamingTest, SpanMetricsNamesAsPrometheusSeesThem) {
  EXPECT_EQ(PrometheusMetricName("traces.span.metrics.calls", "", true),
            "traces_span_metrics_calls_total");
  EXPECT_EQ(PrometheusMetricName("traces.span.metrics.duration", "ms", false),
            "traces_span_metrics_duration_milliseconds");
  EXPECT_EQ(PrometheusMetricName("traces.span.metrics.duration", "s", false),
            "traces_span_metrics_duration_seconds");
  EXPECT_EQ(PrometheusMetricName("otelcol_exporter_sent_spans", "{span}", true),
            "otelcol_exporter_sent_spans_total");
  EXPECT_EQ(PrometheusMetricName("http.server.duration_seconds", "s", false),
            "http_server_duration_seconds");
  // A counter already named *_total keeps one suffix, after the unit word.
  EXPECT_EQ(PrometheusMetricName("lambda_cost_usd_total", "{USD}", true), "lambda_cost_usd_total");
  EXPECT_EQ(PrometheusMetricName("revenue_total", "USD", true), "revenue_USD_total");
  EXPECT_EQ(PrometheusMetricName("busy_total", "s", true), "busy_seconds_total");
  EXPECT_EQ(PrometheusLabelName("service.name"), "service_name");
  EXPECT_EQ(PrometheusLabelName("span.kind"), "span_kind");
  EXPECT_EQ(PrometheusLabelName("status.code"), "status_code");
  EXPECT_EQ(PrometheusLabelName("http.method"), "http_method");
  EXPECT_EQ(PrometheusLabelName("2xx"), "key_2xx");
}

}  // namespace
}  // namespace tflo::workload
