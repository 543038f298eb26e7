#include "tflo/core/otlp_json.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/otlp_samples.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tflo::core {
namespace {

using json = nlohmann::json;
using testing::MakeSampleLogs;
using testing::MakeSampleMetrics;
using testing::MakeSampleTraces;

// A one-span request with the given span object (as JSON text).
std::string OneSpan(const std::string& span) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span + "]}]}]}";
}

TEST(OtlpJsonTest, TracesRoundTrip) {
  const TracesData original = MakeSampleTraces();

  const std::string text = TracesToOtlpJson(original);
  auto decoded = TracesFromOtlpJson(text);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

TEST(OtlpJsonTest, MetricsRoundTrip) {
  const MetricsData original = MakeSampleMetrics();

  const std::string text = MetricsToOtlpJson(original);
  auto decoded = MetricsFromOtlpJson(text);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

TEST(OtlpJsonTest, LogsRoundTrip) {
  const LogsData original = MakeSampleLogs();

  const std::string text = LogsToOtlpJson(original);
  auto decoded = LogsFromOtlpJson(text);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

TEST(OtlpJsonTest, EncodingIsDeterministicCompactAndStable) {
  const TracesData traces = MakeSampleTraces();
  const MetricsData metrics = MakeSampleMetrics();
  const LogsData logs = MakeSampleLogs();

  const std::string first = TracesToOtlpJson(traces);
  const std::string second = TracesToOtlpJson(traces);
  const std::string reencoded = TracesToOtlpJson(*TracesFromOtlpJson(first));

  EXPECT_EQ(first, second);
  EXPECT_EQ(first, reencoded);
  EXPECT_EQ(first.find('\n'), std::string::npos);
  EXPECT_EQ(first.find(": "), std::string::npos) << "compact: no space after colons";
  EXPECT_EQ(MetricsToOtlpJson(metrics),
            MetricsToOtlpJson(*MetricsFromOtlpJson(MetricsToOtlpJson(metrics))));
  EXPECT_EQ(LogsToOtlpJson(logs), LogsToOtlpJson(*LogsFromOtlpJson(LogsToOtlpJson(logs))));
}

TEST(OtlpJsonTest, TracesUseOtlpJsonConventions) {
  const TracesData data = MakeSampleTraces();

  const json doc = json::parse(TracesToOtlpJson(data));

  const json& rs = doc.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("droppedAttributesCount"), 1);
  EXPECT_EQ(rs.at("schemaUrl"), "https://opentelemetry.io/schemas/1.24.0");
  const json& scope = rs.at("scopeSpans").at(0).at("scope");
  EXPECT_EQ(scope.at("name"), "tflo.workload");
  EXPECT_EQ(scope.at("version"), "0.1.0");
  const json& root = rs.at("scopeSpans").at(0).at("spans").at(0);
  const Span& model_root = data.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(root.at("traceId"), ToHex(model_root.trace_id));
  EXPECT_EQ(root.at("spanId"), ToHex(model_root.span_id));
  EXPECT_FALSE(root.contains("parentSpanId")) << "root span: no parent id";
  EXPECT_EQ(root.at("kind"), 2) << "enums are integers";
  EXPECT_EQ(root.at("flags"), 0x301);
  EXPECT_EQ(root.at("startTimeUnixNano"), "1700000000123456789") << "64-bit ints are strings";
  EXPECT_EQ(root.at("endTimeUnixNano"), "1700000000223456789");
  EXPECT_EQ(root.at("traceState"), "vendor=value,other=1");
  EXPECT_EQ(root.at("droppedAttributesCount"), 3);
  EXPECT_EQ(root.at("droppedEventsCount"), 4);
  EXPECT_EQ(root.at("droppedLinksCount"), 5);
  EXPECT_EQ(root.at("status"), json::parse(R"({"message":"deadline exceeded","code":2})"));
  EXPECT_EQ(root.at("events").at(0).at("timeUnixNano"), "1700000000150000000");
  EXPECT_EQ(root.at("events").at(1), json::object()) << "default fields are omitted";
  EXPECT_EQ(root.at("links").at(0).at("traceState"), "k=v");
  const json& attrs = root.at("attributes");
  EXPECT_EQ(attrs.at(2), json::parse(R"({"key":"bool","value":{"boolValue":true}})"));
  EXPECT_EQ(attrs.at(3), json::parse(R"({"key":"int","value":{"intValue":"-9007199254740993"}})"));
  EXPECT_EQ(attrs.at(5), json::parse(R"({"key":"double","value":{"doubleValue":0.1}})"));
  EXPECT_EQ(attrs.at(7), json::parse(R"({"key":"bytes","value":{"bytesValue":"3q2+7wA="}})"));
  EXPECT_EQ(attrs.at(8).at("value"), json::parse(R"({"bytesValue":""})"));
  EXPECT_EQ(attrs.at(1).at("value"), json::parse(R"({"stringValue":""})"));
  EXPECT_EQ(attrs.at(11).at("value"), json::object()) << "empty AnyValue";
  EXPECT_EQ(
      attrs.at(9).at("value").at("arrayValue").at("values").at(1),
      json::parse(R"({"arrayValue":{"values":[{"doubleValue":1.5},{"bytesValue":"AP8="}]}})"));
  EXPECT_EQ(attrs.at(10).at("value").at("kvlistValue").at("values").at(1),
            json::parse(R"({"key":"empty_list","value":{"kvlistValue":{}}})"));
  const json& child = rs.at("scopeSpans").at(0).at("spans").at(1);
  EXPECT_EQ(child.at("parentSpanId"), ToHex(model_root.span_id));
  EXPECT_EQ(child.at("status"), json::parse(R"({"code":1})"));
}

TEST(OtlpJsonTest, IdsAreLowerCaseHex) {
  TracesData data;
  data.resource_spans.emplace_back().scope_spans.emplace_back().spans.emplace_back();
  Span& span = data.resource_spans[0].scope_spans[0].spans[0];
  span.trace_id = *TraceIdFromHex("ABCDEF0123456789ABCDEF0123456789");
  span.span_id = *SpanIdFromHex("FEDCBA9876543210");

  const std::string text = TracesToOtlpJson(data);

  EXPECT_NE(text.find(R"("traceId":"abcdef0123456789abcdef0123456789")"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("spanId":"fedcba9876543210")"), std::string::npos) << text;
}

TEST(OtlpJsonTest, MetricsUseOtlpJsonConventions) {
  const json doc = json::parse(MetricsToOtlpJson(MakeSampleMetrics()));

  const json& metrics = doc.at("resourceMetrics").at(0).at("scopeMetrics").at(0).at("metrics");
  EXPECT_EQ(metrics.at(0).at("name"), "system.memory.usage");
  EXPECT_EQ(metrics.at(0).at("unit"), "By");
  EXPECT_EQ(metrics.at(0).at("gauge").at("dataPoints").at(0).at("asDouble"), 1.5e9);
  EXPECT_EQ(metrics.at(0).at("gauge").at("dataPoints").at(1).at("asDouble"), 0.0)
      << "a set oneof member is written even at its default";
  const json& sum = metrics.at(1).at("sum");
  EXPECT_EQ(sum.at("dataPoints").at(0).at("asInt"), "123456789012345");
  EXPECT_EQ(sum.at("dataPoints").at(0).at("timeUnixNano"), "1700000000000000000");
  EXPECT_EQ(sum.at("aggregationTemporality"), 2);
  EXPECT_EQ(sum.at("isMonotonic"), true);
  EXPECT_FALSE(metrics.at(2).at("sum").contains("isMonotonic"));
  EXPECT_EQ(metrics.at(2).at("sum").at("aggregationTemporality"), 1);
  const json& point = metrics.at(3).at("histogram").at("dataPoints").at(0);
  EXPECT_EQ(point.at("count"), "10");
  EXPECT_EQ(point.at("sum"), 123.25);
  EXPECT_EQ(point.at("bucketCounts"), json::parse(R"(["1","2","3","4"])"));
  EXPECT_EQ(point.at("explicitBounds"), json::parse("[5.0,10.0,25.5]"));
  EXPECT_EQ(point.at("min"), 0.5);
  EXPECT_EQ(point.at("max"), 99.0);
  const json& bare = metrics.at(3).at("histogram").at("dataPoints").at(1);
  EXPECT_FALSE(bare.contains("sum"));
  EXPECT_FALSE(bare.contains("min"));
  EXPECT_EQ(bare.at("flags"), 1);
}

TEST(OtlpJsonTest, LogsUseOtlpJsonConventions) {
  const json doc = json::parse(LogsToOtlpJson(MakeSampleLogs()));

  const json& records = doc.at("resourceLogs").at(0).at("scopeLogs").at(0).at("logRecords");
  EXPECT_EQ(records.at(0).at("timeUnixNano"), "1700000000000000001");
  EXPECT_EQ(records.at(0).at("observedTimeUnixNano"), "1700000000000000002");
  EXPECT_EQ(records.at(0).at("severityNumber"), 17);
  EXPECT_EQ(records.at(0).at("severityText"), "ERROR");
  EXPECT_EQ(records.at(0).at("eventName"), "payment.failure");
  EXPECT_EQ(records.at(0).at("body").at("kvlistValue").at("values").at(1),
            json::parse(R"({"key":"attempt","value":{"intValue":"3"}})"));
  EXPECT_EQ(records.at(0).at("traceId").get<std::string>().size(), 32U);
  EXPECT_EQ(records.at(1), json::parse(R"({"observedTimeUnixNano":"7"})"));
}

TEST(OtlpJsonTest, NonFiniteDoublesAreStrings) {
  MetricsData data;
  auto& sm = data.resource_metrics.emplace_back().scope_metrics.emplace_back();
  Metric m{"m", "", "", Gauge{}};
  auto& points = std::get<Gauge>(m.data).data_points;
  points.push_back(NumberDataPoint{{}, 0, 1, std::numeric_limits<double>::quiet_NaN(), 0});
  points.push_back(NumberDataPoint{{}, 0, 2, std::numeric_limits<double>::infinity(), 0});
  points.push_back(NumberDataPoint{{}, 0, 3, -std::numeric_limits<double>::infinity(), 0});
  sm.metrics.push_back(m);

  const std::string text = MetricsToOtlpJson(data);
  auto decoded = MetricsFromOtlpJson(text);

  EXPECT_NE(text.find(R"("asDouble":"NaN")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("asDouble":"Infinity")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("asDouble":"-Infinity")"), std::string::npos) << text;
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& got = std::get<Gauge>(decoded->resource_metrics[0].scope_metrics[0].metrics[0].data);
  EXPECT_TRUE(std::isnan(std::get<double>(got.data_points[0].value)));
  EXPECT_EQ(std::get<double>(got.data_points[1].value), std::numeric_limits<double>::infinity());
  EXPECT_EQ(std::get<double>(got.data_points[2].value), -std::numeric_limits<double>::infinity());
}

TEST(OtlpJsonTest, StringsAreEscapedAndInvalidUtf8Replaced) {
  LogsData data;
  auto& record =
      data.resource_logs.emplace_back().scope_logs.emplace_back().log_records.emplace_back();
  record.body = AnyValue(std::string("a\"b\\c\nd\x1f e\xff"));

  const std::string text = LogsToOtlpJson(data);
  auto decoded = LogsFromOtlpJson(text);

  EXPECT_NE(text.find(R"("stringValue":"a\"b\\c\nd\u001f e)"
                      "\xEF\xBF\xBD\""),
            std::string::npos)
      << text;
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded->resource_logs[0].scope_logs[0].log_records[0].body.AsString(),
            "a\"b\\c\nd\x1f e\xEF\xBF\xBD");
}

// The JSON string the encoder must produce for `s` when every byte >= 0x80 in
// it is a lone (invalid) UTF-8 byte: the escapes of RFC 8259 / OTLP, U+FFFD
// for the invalid bytes.
std::string ReferenceJsonString(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0x0f];
        } else if (c >= 0x80) {
          out += "\xEF\xBF\xBD";
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string EncodedBody(const std::string& body) {
  LogsData data;
  data.resource_logs.emplace_back().scope_logs.emplace_back().log_records.emplace_back().body =
      AnyValue(body);
  const std::string text = LogsToOtlpJson(data);
  const std::string prefix = R"({"body":{"stringValue":)";
  const size_t start = text.find(prefix);
  const size_t end = text.rfind("}}]}]}]}");
  if (start == std::string::npos || end == std::string::npos) return "<no body in " + text + ">";
  return text.substr(start + prefix.size(), end - start - prefix.size());
}

// Every byte value at every offset of a string longer than two 8-byte words:
// the word-at-a-time scan must find it wherever it falls.
TEST(OtlpJsonTest, EveryByteAtEveryOffsetIsEscapedLikeTheReference) {
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t pos = 0; pos < 19; ++pos) {
      std::string s(19, 'x');
      s[pos] = static_cast<char>(byte);
      ASSERT_EQ(EncodedBody(s), ReferenceJsonString(s)) << "byte " << byte << " at " << pos;
    }
  }
}

TEST(OtlpJsonTest, ValidMultiByteUtf8PassesThroughAtAnyOffset) {
  // 2-, 3- and 4-byte sequences straddling the 8-byte word boundaries.
  for (const std::string seq : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    for (size_t pos = 0; pos < 18; ++pos) {
      const std::string s = std::string(pos, 'a') + seq + std::string(5, 'b') + "\"";
      EXPECT_EQ(EncodedBody(s), "\"" + std::string(pos, 'a') + seq + "bbbbb\\\"\"") << "at " << pos;
    }
  }
}

TEST(OtlpJsonTest, LargeRequestsRoundTripThroughBufferGrowth) {
  // Far larger than the encoder's initial room: many spans, and one value of
  // several hundred kilobytes with escapes scattered through it.
  TracesData data;
  auto& scope = data.resource_spans.emplace_back().scope_spans.emplace_back();
  std::string big;
  for (int i = 0; i < 40000; ++i) big += (i % 997 == 0) ? std::string("\"\n\x01") : "0123456789";
  for (int i = 0; i < 3000; ++i) {
    Span& span = scope.spans.emplace_back();
    span.trace_id[0] = static_cast<uint8_t>(i % 251 + 1);
    span.span_id[0] = static_cast<uint8_t>(i % 253 + 1);
    span.name = "span-" + std::to_string(i);
    span.start_time_unix_nano = 1767225600000000000ULL + static_cast<uint64_t>(i);
    span.end_time_unix_nano = span.start_time_unix_nano + 18446744073ULL * static_cast<uint64_t>(i);
    span.attributes = {{"i", static_cast<int64_t>(-i)}, {"d", i * 0.25}, {"b", i % 2 == 0}};
    if (i == 1500) span.attributes.push_back({"big", big});
  }
  const std::string text = TracesToOtlpJson(data);
  EXPECT_GT(text.size(), big.size());
  auto decoded = TracesFromOtlpJson(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, data);
}

TEST(OtlpJsonTest, DecodeAcceptsSpecVariants) {
  // Upper-case hex, numbers for 64-bit ints, strings for 32-bit ints, enum names,
  // nulls, unknown fields, unpadded URL-safe base64, numeric strings for doubles.
  const std::string text = OneSpan(R"({
      "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174",
      "parentSpanId": "", "name": "n", "kind": "SPAN_KIND_PRODUCER",
      "startTimeUnixNano": 1544712660000000000, "endTimeUnixNano": 1.5447126610e18,
      "droppedAttributesCount": "4", "traceState": null, "someFutureField": {"x": [1]},
      "attributes": [
        {"key": "i", "value": {"intValue": 42}},
        {"key": "b", "value": {"bytesValue": "_-8"}},
        {"key": "d", "value": {"doubleValue": "2.5"}},
        {"key": "n", "value": null}
      ],
      "status": {"code": "STATUS_CODE_OK"}})");

  auto decoded = TracesFromOtlpJson(text);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const Span& span = decoded->resource_spans.at(0).scope_spans.at(0).spans.at(0);
  EXPECT_EQ(ToHex(span.trace_id), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(ToHex(span.span_id), "eee19b7ec3c1b174");
  EXPECT_TRUE(span.is_root());
  EXPECT_EQ(span.kind, SpanKind::kProducer);
  EXPECT_EQ(span.start_time_unix_nano, 1544712660000000000ULL);
  EXPECT_EQ(span.end_time_unix_nano, 1544712661000000000ULL);
  EXPECT_EQ(span.dropped_attributes_count, 4U);
  EXPECT_EQ(span.trace_state, "");
  ASSERT_EQ(span.attributes.size(), 4U);
  EXPECT_EQ(*span.attributes[0].value.AsInt(), 42);
  EXPECT_EQ(span.attributes[1].value, AnyValue(Bytes{{0xff, 0xef}}));
  EXPECT_EQ(*span.attributes[2].value.AsDouble(), 2.5);
  EXPECT_TRUE(span.attributes[3].value.empty());
  EXPECT_EQ(span.status.code, StatusCode::kOk);
}

TEST(OtlpJsonTest, MissingFieldsTakeProtoDefaultsNotModelDefaults) {
  const std::string text = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"s","sum":{"dataPoints":[{"asInt":"1"}]}}]}]}]})";

  auto decoded = MetricsFromOtlpJson(text);
  auto span = TracesFromOtlpJson(OneSpan("{}"));

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const Sum& sum = std::get<Sum>(decoded->resource_metrics[0].scope_metrics[0].metrics[0].data);
  EXPECT_FALSE(sum.is_monotonic);
  EXPECT_EQ(sum.aggregation_temporality, AggregationTemporality::kUnspecified);
  ASSERT_TRUE(span.ok()) << span.status().ToString();
  EXPECT_EQ(span->resource_spans[0].scope_spans[0].spans[0].kind, SpanKind::kUnspecified);
}

TEST(OtlpJsonTest, SummaryAndExponentialHistogramAreSkipped) {
  const std::string text = R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"q","summary":{"dataPoints":[{"count":"1","sum":2}]}},
      {"name":"g","gauge":{"dataPoints":[{"asDouble":1}]}},
      {"name":"e","exponentialHistogram":{"dataPoints":[{"scale":1}]}}]}]}]})";

  auto decoded = MetricsFromOtlpJson(text);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& metrics = decoded->resource_metrics[0].scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 1U);
  EXPECT_EQ(metrics[0].name, "g");
}

TEST(OtlpJsonTest, BadHexIdNamesThePath) {
  const std::string text =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[]},{"spans":[{"traceId":"0102"}]}]}]})";

  auto decoded = TracesFromOtlpJson(text);

  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "resourceSpans[0].scopeSpans[1].spans[0].traceId: not 32 hex digits");
}

TEST(OtlpJsonTest, MalformedInputsGiveClearErrors) {
  struct Case {
    std::string text;
    std::string expected_substring;
  };
  const Case cases[] = {
      {R"({"resourceSpans":[)", "invalid JSON"},
      {"[]", "expected a JSON object"},
      {R"({"resourceSpans":{}})", "resourceSpans: expected an array"},
      {OneSpan(R"({"spanId":"xyz"})"), "spans[0].spanId: not 16 hex digits"},
      {OneSpan(R"({"spanId":12})"), "spans[0].spanId: expected a hex string"},
      {OneSpan(R"({"startTimeUnixNano":"12a"})"), "spans[0].startTimeUnixNano: \"12a\" is not"},
      {OneSpan(R"({"startTimeUnixNano":-1})"), "spans[0].startTimeUnixNano: negative"},
      {OneSpan(R"({"kind":"SPAN_KIND_BOGUS"})"), "spans[0].kind: unknown enum value"},
      {OneSpan(R"({"droppedAttributesCount":4294967296})"), "droppedAttributesCount: out of range"},
      {OneSpan(R"({"attributes":[{"key":"k","value":{"stringValue":"a","intValue":"1"}}]})"),
       "spans[0].attributes[0].value: more than one value set"},
      {OneSpan(
           R"({"attributes":[{"key":"k","value":{"arrayValue":{"values":[{"intValue":"x"}]}}}]})"),
       "attributes[0].value.arrayValue.values[0].intValue"},
      {OneSpan(R"({"attributes":[{"key":"k","value":{"bytesValue":"!!"}}]})"),
       "bytesValue: invalid base64"},
      {OneSpan(R"({"status":{"code":true}})"), "spans[0].status.code"},
      {R"({"resourceMetrics":[]})", "found resourceMetrics where resourceSpans was expected"},
  };

  for (const auto& c : cases) {
    auto decoded = TracesFromOtlpJson(c.text);

    ASSERT_FALSE(decoded.ok()) << c.text;
    EXPECT_EQ(decoded.status().code(), tflo::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(decoded.status().message().find(c.expected_substring), std::string::npos)
        << "input: " << c.text << "\nmessage: " << decoded.status().message();
  }
}

TEST(OtlpJsonTest, DeeplyNestedValuesAreRejectedNotCrashing) {
  std::string value = R"({"intValue":"1"})";
  for (int i = 0; i < 200; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";

  auto decoded =
      TracesFromOtlpJson(OneSpan(R"({"attributes":[{"key":"k","value":)" + value + "}]}"));

  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("nested too deeply"), std::string::npos)
      << decoded.status().message();
}

TEST(OtlpJsonTest, EmptyDataEncodesToEmptyRequest) {
  EXPECT_EQ(TracesToOtlpJson(TracesData{}), R"({"resourceSpans":[]})");
  EXPECT_EQ(MetricsToOtlpJson(MetricsData{}), R"({"resourceMetrics":[]})");
  EXPECT_EQ(LogsToOtlpJson(LogsData{}), R"({"resourceLogs":[]})");
  auto decoded = LogsFromOtlpJson("{}");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->resource_logs.empty());
}

}  // namespace
}  // namespace tflo::core
