#include "tflo/workload/metrics_registry.h"

#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/model.h"

namespace tflo::workload {
namespace {

constexpr uint64_t kStart = 1767225600000000000ULL;

core::Resource ServiceResource(const std::string& name) {
  core::Resource resource;
  resource.attributes = {{"service.name", name}, {"service.namespace", "test"}};
  return resource;
}

core::InstrumentationScope Scope(const std::string& name) { return {name, "1.0", {}, 0}; }

const core::Metric* FindMetric(const core::MetricsData& data, const std::string& service,
                               const std::string& name) {
  for (const auto& rm : data.resource_metrics) {
    const core::AnyValue* s = core::FindAttribute(rm.resource.attributes, "service.name");
    if (s == nullptr || s->ToString() != service) continue;
    for (const auto& sm : rm.scope_metrics) {
      for (const auto& m : sm.metrics) {
        if (m.name == name) return &m;
      }
    }
  }
  return nullptr;
}

TEST(MetricsRegistryTest, CounterIsCumulativeAcrossCollects) {
  MetricsRegistry registry;
  Meter& meter = registry.GetMeter(ServiceResource("svc"), Scope("svc"));
  Counter& counter = meter.CreateCounter("requests_total", "{request}", "Requests");

  counter.Add(1, {{"team", "a"}});
  counter.Add(2, {{"team", "a"}});
  const core::MetricsData first = registry.Collect(kStart, kStart + 10);
  counter.Add(4, {{"team", "a"}});
  const core::MetricsData second = registry.Collect(kStart, kStart + 20);

  const core::Metric* m1 = FindMetric(first, "svc", "requests_total");
  const core::Metric* m2 = FindMetric(second, "svc", "requests_total");
  ASSERT_NE(m1, nullptr);
  ASSERT_NE(m2, nullptr);
  const auto& sum1 = std::get<core::Sum>(m1->data);
  const auto& sum2 = std::get<core::Sum>(m2->data);
  EXPECT_TRUE(sum1.is_monotonic);
  EXPECT_EQ(sum1.aggregation_temporality, core::AggregationTemporality::kCumulative);
  ASSERT_EQ(sum1.data_points.size(), 1U);
  EXPECT_EQ(std::get<int64_t>(sum1.data_points[0].value), 3);
  EXPECT_EQ(std::get<int64_t>(sum2.data_points[0].value), 7);
  EXPECT_EQ(sum2.data_points[0].start_time_unix_nano, kStart);
  EXPECT_EQ(sum2.data_points[0].time_unix_nano, kStart + 20);
  EXPECT_EQ(m1->unit, "{request}");
  EXPECT_EQ(m1->description, "Requests");
}

TEST(MetricsRegistryTest, CounterIgnoresNegativeIncrements) {
  MetricsRegistry registry;
  Counter& counter =
      registry.GetMeter(ServiceResource("svc"), Scope("svc")).CreateCounter("c", "1", "");

  counter.Add(5);
  counter.Add(-3);

  EXPECT_EQ(counter.Value(), 5);
}

TEST(MetricsRegistryTest, AttributeOrderDoesNotSplitSeries) {
  MetricsRegistry registry;
  Counter& counter =
      registry.GetMeter(ServiceResource("svc"), Scope("svc")).CreateCounter("c", "1", "");

  counter.Add(1, {{"b", "x"}, {"a", "y"}});
  counter.Add(2, {{"a", "y"}, {"b", "x"}});

  EXPECT_EQ(counter.series_count(), 1U);
  EXPECT_EQ(counter.Value({{"b", "x"}, {"a", "y"}}), 3);
  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  const auto& point = std::get<core::Sum>(FindMetric(data, "svc", "c")->data).data_points.at(0);
  ASSERT_EQ(point.attributes.size(), 2U);
  EXPECT_EQ(point.attributes[0].key, "a");
  EXPECT_EQ(point.attributes[1].key, "b");
}

TEST(MetricsRegistryTest, DoubleCounterKeepsFractions) {
  MetricsRegistry registry;
  Counter& revenue = registry.GetMeter(ServiceResource("svc"), Scope("svc"))
                         .CreateCounter("revenue_total", "USD", "", NumberKind::kDouble);

  revenue.Add(19.99);
  revenue.Add(0.01);

  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  const auto& point =
      std::get<core::Sum>(FindMetric(data, "svc", "revenue_total")->data).data_points.at(0);
  ASSERT_TRUE(std::holds_alternative<double>(point.value));
  EXPECT_NEAR(std::get<double>(point.value), 20.0, 1e-9);
}

TEST(MetricsRegistryTest, UpDownCounterGoesBothWaysAndIsNotMonotonic) {
  MetricsRegistry registry;
  UpDownCounter& in_flight = registry.GetMeter(ServiceResource("svc"), Scope("svc"))
                                 .CreateUpDownCounter("in_flight", "{request}", "");

  in_flight.Add(3);
  in_flight.Add(-5);

  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  const auto& sum = std::get<core::Sum>(FindMetric(data, "svc", "in_flight")->data);
  EXPECT_FALSE(sum.is_monotonic);
  EXPECT_EQ(std::get<int64_t>(sum.data_points.at(0).value), -2);
}

TEST(MetricsRegistryTest, HistogramBucketsAreUpperInclusive) {
  MetricsRegistry registry;
  Histogram& histogram = registry.GetMeter(ServiceResource("svc"), Scope("svc"))
                             .CreateHistogram("latency_seconds", "s", "", {0.1, 1, 10});

  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0}) histogram.Record(v);

  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  const auto& h = std::get<core::Histogram>(FindMetric(data, "svc", "latency_seconds")->data);
  EXPECT_EQ(h.aggregation_temporality, core::AggregationTemporality::kCumulative);
  const core::HistogramDataPoint& p = h.data_points.at(0);
  EXPECT_EQ(p.explicit_bounds, (std::vector<double>{0.1, 1, 10}));
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{2, 2, 1, 1}));
  EXPECT_EQ(p.count, 6U);
  EXPECT_NEAR(*p.sum, 56.65, 1e-9);
  EXPECT_EQ(*p.min, 0.05);
  EXPECT_EQ(*p.max, 50.0);
  EXPECT_EQ(histogram.Count(), 6U);
}

TEST(MetricsRegistryTest, GaugeKeepsTheLastValue) {
  MetricsRegistry registry;
  Gauge& gauge =
      registry.GetMeter(ServiceResource("svc"), Scope("svc")).CreateGauge("pool_in_use", "1", "");

  gauge.Record(7, {{"pool", "p"}});
  gauge.Record(2, {{"pool", "p"}});

  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  const auto& g = std::get<core::Gauge>(FindMetric(data, "svc", "pool_in_use")->data);
  EXPECT_EQ(std::get<int64_t>(g.data_points.at(0).value), 2);
}

TEST(MetricsRegistryTest, BoundHandleRecordsIntoTheSameSeries) {
  MetricsRegistry registry;
  Counter& counter =
      registry.GetMeter(ServiceResource("svc"), Scope("svc")).CreateCounter("c", "1", "");
  Counter::Bound bound = counter.Bind({{"team", "a"}});

  bound.Add(2);
  counter.Add(3, {{"team", "a"}});
  bound.Add(-1);  // ignored, as Add(-1) would be

  EXPECT_EQ(counter.series_count(), 1U);
  EXPECT_EQ(counter.Value({{"team", "a"}}), 5);
}

TEST(MetricsRegistryTest, SameNameSameTypeReturnsTheSameInstrument) {
  MetricsRegistry registry;
  Meter& meter = registry.GetMeter(ServiceResource("svc"), Scope("svc"));

  Counter& a = meter.CreateCounter("c", "1", "");
  Counter& b = meter.CreateCounter("c", "1", "");
  Gauge& clash = meter.CreateGauge("c", "1", "");
  a.Add(1);
  b.Add(1);
  clash.Record(100);

  EXPECT_EQ(&a, &b);
  const core::MetricsData data = registry.Collect(kStart, kStart + 1);
  ASSERT_EQ(data.resource_metrics.size(), 1U);
  ASSERT_EQ(data.resource_metrics[0].scope_metrics[0].metrics.size(), 1U);
  const core::Metric& m = data.resource_metrics[0].scope_metrics[0].metrics[0];
  ASSERT_TRUE(std::holds_alternative<core::Sum>(m.data));
  EXPECT_EQ(std::get<int64_t>(std::get<core::Sum>(m.data).data_points.at(0).value), 2);
}

TEST(MetricsRegistryTest, InstrumentsWithoutDataAreLeftOut) {
  MetricsRegistry registry;
  Meter& quiet = registry.GetMeter(ServiceResource("quiet"), Scope("quiet"));
  Meter& busy = registry.GetMeter(ServiceResource("busy"), Scope("busy"));
  quiet.CreateCounter("never_recorded_total", "1", "");
  busy.CreateCounter("never_recorded_total", "1", "");
  busy.CreateCounter("recorded_total", "1", "").Add(1);

  const core::MetricsData data = registry.Collect(kStart, kStart + 1);

  ASSERT_EQ(data.resource_metrics.size(), 1U);
  EXPECT_EQ(data.DataPointCount(), 1U);
  EXPECT_NE(FindMetric(data, "busy", "recorded_total"), nullptr);
}

// Two registries fed the same measurements in different orders export the
// same bytes: resources by service.name, metrics by name, points by attributes.
TEST(MetricsRegistryTest, CollectOrderIsDeterministic) {
  MetricsRegistry first;
  {
    Meter& z = first.GetMeter(ServiceResource("zeta"), Scope("zeta"));
    Meter& a = first.GetMeter(ServiceResource("alpha"), Scope("alpha"));
    Counter& zc = z.CreateCounter("z_total", "1", "");
    Counter& ac = a.CreateCounter("b_total", "1", "");
    Counter& aa = a.CreateCounter("a_total", "1", "");
    for (int i = 0; i < 50; ++i) zc.Add(1, {{"team", "t" + std::to_string(i % 7)}});
    for (int i = 0; i < 50; ++i) ac.Add(i, {{"k", i % 5}});
    aa.Add(3);
  }
  MetricsRegistry second;
  {
    Meter& a = second.GetMeter(ServiceResource("alpha"), Scope("alpha"));
    Meter& z = second.GetMeter(ServiceResource("zeta"), Scope("zeta"));
    Counter& aa = a.CreateCounter("a_total", "1", "");
    Counter& ac = a.CreateCounter("b_total", "1", "");
    Counter& zc = z.CreateCounter("z_total", "1", "");
    aa.Add(3);
    for (int i = 49; i >= 0; --i) ac.Add(i, {{"k", i % 5}});
    for (int i = 49; i >= 0; --i) zc.Add(1, {{"team", "t" + std::to_string(i % 7)}});
  }

  const core::MetricsData a = first.Collect(kStart, kStart + 5);
  const core::MetricsData b = second.Collect(kStart, kStart + 5);

  EXPECT_EQ(a, b);
  ASSERT_EQ(a.resource_metrics.size(), 2U);
  EXPECT_EQ(
      core::FindAttribute(a.resource_metrics[0].resource.attributes, "service.name")->ToString(),
      "alpha");
  const auto& alpha_metrics = a.resource_metrics[0].scope_metrics[0].metrics;
  ASSERT_EQ(alpha_metrics.size(), 2U);
  EXPECT_EQ(alpha_metrics[0].name, "a_total");
  EXPECT_EQ(alpha_metrics[1].name, "b_total");
  const auto& points = std::get<core::Sum>(alpha_metrics[1].data).data_points;
  ASSERT_EQ(points.size(), 5U);
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(*points[i].attributes.at(0).value.AsInt(), static_cast<int64_t>(i));
  }
  const auto& zeta_points =
      std::get<core::Sum>(a.resource_metrics[1].scope_metrics[0].metrics[0].data).data_points;
  ASSERT_EQ(zeta_points.size(), 7U);
  EXPECT_EQ(zeta_points[0].attributes.at(0).value.ToString(), "t0");
}

TEST(MetricsRegistryTest, GetMeterReturnsTheSameMeterForTheSameIdentity) {
  MetricsRegistry registry;

  Meter& a = registry.GetMeter(ServiceResource("svc"), Scope("svc"));
  Meter& b = registry.GetMeter(ServiceResource("svc"), Scope("svc"));
  Meter& c = registry.GetMeter(ServiceResource("other"), Scope("svc"));

  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  EXPECT_EQ(registry.meter_count(), 2U);
}

}  // namespace
}  // namespace tflo::workload
