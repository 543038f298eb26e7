#include "tflo/core/model.h"

#include <gtest/gtest.h>

namespace tflo::core {
namespace {

TEST(IdsTest, HexRoundTripIsLowerCase) {
  const auto id = TraceIdFromHex("4BF92F3577B34DA6A3CE929D0E0E4736");

  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(ToHex(*id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(IsValid(*id));
}

TEST(IdsTest, RejectsWrongLengthAndNonHex) {
  EXPECT_FALSE(TraceIdFromHex("4bf92f").has_value());
  EXPECT_FALSE(SpanIdFromHex("00f067aa0ba902bz").has_value());
  EXPECT_FALSE(SpanIdFromHex("00f067aa0ba902b7a").has_value());
}

TEST(IdsTest, EmptyHexIsTheInvalidAllZeroId) {
  const auto id = SpanIdFromHex("");

  ASSERT_TRUE(id.has_value());
  EXPECT_FALSE(IsValid(*id));
  EXPECT_EQ(ToHex(*id), "0000000000000000");
}

TEST(AttributesTest, SetReplacesExistingAndAppendsNew) {
  Attributes attrs;

  SetAttribute(attrs, "service.name", "onboarding-api");
  SetAttribute(attrs, "retries", 3);
  SetAttribute(attrs, "service.name", "onboarding-lambda");

  ASSERT_EQ(attrs.size(), 2U);
  EXPECT_EQ(*FindAttribute(attrs, "service.name")->AsString(), "onboarding-lambda");
  EXPECT_EQ(*FindAttribute(attrs, "retries")->AsInt(), 3);
  EXPECT_EQ(FindAttribute(attrs, "missing"), nullptr);
}

TEST(AnyValueTest, ToStringRendersNestedValues) {
  AnyValue v(ArrayValue{{AnyValue("a"), AnyValue(int64_t{2}), AnyValue(true),
                         AnyValue(KeyValueList{{KeyValue{"k", AnyValue(1.5)}}})}});

  EXPECT_EQ(v.ToString(), "[a,2,true,{k=1.5}]");
  EXPECT_TRUE(AnyValue().empty());
}

TEST(AnyValueTest, EqualityIsTypeAware) {
  EXPECT_EQ(AnyValue(int64_t{1}), AnyValue(1));
  EXPECT_NE(AnyValue(int64_t{1}), AnyValue(1.0));
  EXPECT_NE(AnyValue("1"), AnyValue(int64_t{1}));
}

TEST(CountsTest, CountNestedItems) {
  TracesData traces;
  traces.resource_spans.resize(2);
  traces.resource_spans[0].scope_spans.resize(2);
  traces.resource_spans[0].scope_spans[0].spans.resize(3);
  traces.resource_spans[0].scope_spans[1].spans.resize(1);
  traces.resource_spans[1].scope_spans.resize(1);
  traces.resource_spans[1].scope_spans[0].spans.resize(2);
  MetricsData metrics;
  metrics.resource_metrics.resize(1);
  metrics.resource_metrics[0].scope_metrics.resize(1);
  Metric sum;
  std::get<Gauge>(sum.data).data_points.resize(2);
  Metric hist;
  hist.data = Histogram{};
  std::get<Histogram>(hist.data).data_points.resize(3);
  metrics.resource_metrics[0].scope_metrics[0].metrics = {sum, hist};

  EXPECT_EQ(traces.SpanCount(), 6U);
  EXPECT_EQ(metrics.DataPointCount(), 5U);
}

TEST(SpanTest, RootAndDuration) {
  Span span;
  span.start_time_unix_nano = 1'000'000'000;
  span.end_time_unix_nano = 1'002'500'000;

  EXPECT_TRUE(span.is_root());
  EXPECT_DOUBLE_EQ(span.duration_ms(), 2.5);
  span.parent_span_id[7] = 1;
  EXPECT_FALSE(span.is_root());
}

}  // namespace
}  // namespace tflo::core
