// Model values that exercise every field the OTLP codecs carry, shared by the
// codec, JSON and file tests.
#ifndef TFLO_TESTS_CORE_OTLP_SAMPLES_H_
#define TFLO_TESTS_CORE_OTLP_SAMPLES_H_

#include <cstdint>
#include <string>

#include "tflo/core/model.h"

namespace tflo::core::testing {

inline TraceId MakeTraceId(uint8_t seed) {
  TraceId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(seed + i * 17);
  return id;
}

inline SpanId MakeSpanId(uint8_t seed) {
  SpanId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(seed + i * 31);
  return id;
}

// Every AnyValue kind, including nested arrays/kvlists, bytes, an empty value and
// strings that need JSON escaping.
inline Attributes AllValueKinds() {
  KeyValueList inner;
  inner.values.push_back({"deep", AnyValue(ArrayValue{{AnyValue(int64_t{-7}), AnyValue(false)}})});
  inner.values.push_back({"empty_list", AnyValue(KeyValueList{})});
  ArrayValue nested;
  nested.values.emplace_back("x");
  nested.values.emplace_back(ArrayValue{{AnyValue(1.5), AnyValue(Bytes{{0x00, 0xff}})}});
  nested.values.emplace_back(inner);
  nested.values.emplace_back(AnyValue());
  return Attributes{
      {"str", AnyValue("hello \"quoted\"\n\t\\ \x01 \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80")},
      {"empty_str", AnyValue("")},
      {"bool", AnyValue(true)},
      {"int", AnyValue(int64_t{-9007199254740993})},
      {"int_max", AnyValue(int64_t{INT64_MAX})},
      {"double", AnyValue(0.1)},
      {"double_big", AnyValue(-1.25e300)},
      {"bytes", AnyValue(Bytes{{0xde, 0xad, 0xbe, 0xef, 0x00}})},
      {"empty_bytes", AnyValue(Bytes{})},
      {"array", AnyValue(nested)},
      {"kvlist", AnyValue(inner)},
      {"empty", AnyValue()},
  };
}

inline TracesData MakeSampleTraces() {
  Span root;
  root.trace_id = MakeTraceId(1);
  root.span_id = MakeSpanId(2);
  root.name = "GET /checkout";
  root.kind = SpanKind::kServer;
  root.flags = 0x301;
  root.trace_state = "vendor=value,other=1";
  root.start_time_unix_nano = 1700000000123456789ULL;
  root.end_time_unix_nano = 1700000000223456789ULL;
  root.attributes = AllValueKinds();
  root.dropped_attributes_count = 3;
  root.events.push_back(
      SpanEvent{1700000000150000000ULL, "exception", {{"exception.type", AnyValue("Timeout")}}, 1});
  root.events.push_back(SpanEvent{0, "", {}, 0});
  root.dropped_events_count = 4;
  root.links.push_back(
      SpanLink{MakeTraceId(9), MakeSpanId(8), "k=v", {{"link.reason", AnyValue("retry")}}, 2, 1});
  root.dropped_links_count = 5;
  root.status = SpanStatus{StatusCode::kError, "deadline exceeded"};

  Span child;
  child.trace_id = root.trace_id;
  child.span_id = MakeSpanId(40);
  child.parent_span_id = root.span_id;
  child.name = "SELECT orders";
  child.kind = SpanKind::kClient;
  child.start_time_unix_nano = 1700000000130000000ULL;
  child.end_time_unix_nano = 1700000000140000000ULL;
  child.status = SpanStatus{StatusCode::kOk, ""};

  Span unspecified;
  unspecified.trace_id = MakeTraceId(77);
  unspecified.span_id = MakeSpanId(78);
  unspecified.kind = SpanKind::kUnspecified;
  unspecified.status.message = "message without code";

  TracesData data;
  ResourceSpans rs;
  rs.resource.attributes = {{"service.name", AnyValue("checkout")},
                            {"service.instance.id", AnyValue("i-1")}};
  rs.resource.dropped_attributes_count = 1;
  rs.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  ScopeSpans ss;
  ss.scope = InstrumentationScope{"tflo.workload", "0.1.0", {{"scope.attr", AnyValue(2)}}, 6};
  ss.schema_url = "https://example.com/scope-schema";
  ss.spans = {root, child};
  rs.scope_spans.push_back(ss);
  ScopeSpans empty_scope;  // empty scope, no spans
  rs.scope_spans.push_back(empty_scope);
  data.resource_spans.push_back(rs);

  ResourceSpans bare;  // empty resource
  ScopeSpans bare_scope;
  bare_scope.spans = {unspecified};
  bare.scope_spans.push_back(bare_scope);
  data.resource_spans.push_back(bare);
  return data;
}

inline MetricsData MakeSampleMetrics() {
  Metric gauge{"system.memory.usage", "Memory in use", "By", Gauge{}};
  std::get<Gauge>(gauge.data).data_points = {
      NumberDataPoint{{{"state", AnyValue("used")}}, 1, 1700000000000000000ULL, 1.5e9, 0},
      NumberDataPoint{{}, 0, 1700000001000000000ULL, 0.0, 1},
  };

  Metric sum_int{"http.server.requests", "", "{request}", Sum{}};
  auto& si = std::get<Sum>(sum_int.data);
  si.data_points = {NumberDataPoint{{{"code", AnyValue(200)}},
                                    1699999990000000000ULL,
                                    1700000000000000000ULL,
                                    int64_t{123456789012345},
                                    0},
                    NumberDataPoint{{}, 5, 6, int64_t{0}, 0}};
  si.aggregation_temporality = AggregationTemporality::kCumulative;
  si.is_monotonic = true;

  Metric sum_double{"queue.delta", "delta, non-monotonic", "1", Sum{}};
  auto& sd = std::get<Sum>(sum_double.data);
  sd.data_points = {NumberDataPoint{{}, 10, 20, -2.75, 0}};
  sd.aggregation_temporality = AggregationTemporality::kDelta;
  sd.is_monotonic = false;

  Metric histogram{"http.server.duration", "Request latency", "ms", Histogram{}};
  auto& h = std::get<Histogram>(histogram.data);
  HistogramDataPoint full;
  full.attributes = {{"route", AnyValue("/cart")}};
  full.start_time_unix_nano = 1699999990000000000ULL;
  full.time_unix_nano = 1700000000000000000ULL;
  full.count = 10;
  full.sum = 123.25;
  full.bucket_counts = {1, 2, 3, 4};
  full.explicit_bounds = {5.0, 10.0, 25.5};
  full.min = 0.5;
  full.max = 99.0;
  HistogramDataPoint bare;  // no sum/min/max, no buckets
  bare.count = 0;
  bare.time_unix_nano = 42;
  bare.flags = 1;
  h.data_points = {full, bare};
  h.aggregation_temporality = AggregationTemporality::kDelta;

  MetricsData data;
  ResourceMetrics rm;
  rm.resource.attributes = {{"service.name", AnyValue("checkout")}};
  rm.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  ScopeMetrics sm;
  sm.scope = InstrumentationScope{"tflo.meter", "1.0", {}, 0};
  sm.metrics = {gauge, sum_int, sum_double, histogram};
  rm.scope_metrics.push_back(sm);
  data.resource_metrics.push_back(rm);
  return data;
}

inline LogsData MakeSampleLogs() {
  LogRecord full;
  full.time_unix_nano = 1700000000000000001ULL;
  full.observed_time_unix_nano = 1700000000000000002ULL;
  full.severity_number = 17;
  full.severity_text = "ERROR";
  full.body =
      AnyValue(KeyValueList{{{"msg", AnyValue("payment failed")}, {"attempt", AnyValue(3)}}});
  full.attributes = AllValueKinds();
  full.dropped_attributes_count = 2;
  full.flags = 1;
  full.trace_id = MakeTraceId(5);
  full.span_id = MakeSpanId(6);
  full.event_name = "payment.failure";

  LogRecord minimal;  // no trace context, empty body
  minimal.observed_time_unix_nano = 7;

  LogRecord string_body;
  string_body.severity_number = 9;
  string_body.body = AnyValue("plain line");

  LogsData data;
  ResourceLogs rl;
  rl.resource.attributes = {{"service.name", AnyValue("checkout")}};
  ScopeLogs sl;
  sl.scope.name = "tflo.logger";
  sl.log_records = {full, minimal, string_body};
  rl.scope_logs.push_back(sl);
  data.resource_logs.push_back(rl);
  return data;
}

}  // namespace tflo::core::testing

#endif  // TFLO_TESTS_CORE_OTLP_SAMPLES_H_
