#include "tflo/core/otlp_codec.h"

#include <string>
#include <vector>

#include "core/otlp_samples.h"
#include "test_util.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/otlp_json.h"
#include <gtest/gtest.h>

namespace tflo::core {
namespace {

namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_metrics = ::opentelemetry::proto::metrics::v1;
namespace pb_logs = ::opentelemetry::proto::logs::v1;
namespace pb_common = ::opentelemetry::proto::common::v1;
using testing::MakeSampleLogs;
using testing::MakeSampleMetrics;
using testing::MakeSampleTraces;

TEST(OtlpCodecTest, TracesRoundTripThroughProtoAndWire) {
  const TracesData original = MakeSampleTraces();
  otlp_trace::ExportTraceServiceRequest request;

  ToProto(original, &request);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  otlp_trace::ExportTraceServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  auto decoded = FromProto(parsed);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

// The same elements, with the first half of each attribute list in a shared block.
Attributes SharedHalf(const Attributes& attributes) {
  const size_t half = attributes.size() / 2;
  Attributes out(MakeSharedAttributeBlock(
      std::vector<KeyValue>(attributes.begin(), attributes.begin() + static_cast<long>(half))));
  out.insert(out.end(), attributes.begin() + static_cast<long>(half), attributes.end());
  return out;
}

TEST(OtlpCodecTest, SharedAttributeBlocksEncodeLikePlainOnes) {
  const TracesData plain = MakeSampleTraces();
  TracesData shared = plain;
  int converted = 0;
  for (ResourceSpans& rs : shared.resource_spans) {
    rs.resource.attributes = SharedHalf(rs.resource.attributes);
    for (ScopeSpans& ss : rs.scope_spans) {
      for (Span& span : ss.spans) {
        span.attributes = SharedHalf(span.attributes);
        converted += span.attributes.has_shared_prefix() ? 1 : 0;
      }
    }
  }
  ASSERT_GT(converted, 0);
  ASSERT_EQ(shared, plain);

  otlp_trace::ExportTraceServiceRequest from_plain;
  otlp_trace::ExportTraceServiceRequest from_shared;
  ToProto(plain, &from_plain);
  ToProto(shared, &from_shared);
  EXPECT_EQ(from_shared.SerializeAsString(), from_plain.SerializeAsString());
  EXPECT_EQ(TracesToOtlpJson(shared), TracesToOtlpJson(plain));
  // The files' own encoders (the binary one is not protobuf's).
  tflo::testing::TempDir dir;
  for (OtlpFileFormat format : {OtlpFileFormat::kBinary, OtlpFileFormat::kJsonLines}) {
    std::string bytes[2];
    for (int i = 0; i < 2; ++i) {
      const auto path = dir.path() / ("t" + std::to_string(i));
      auto writer = CreateOtlpFileWriter(path, Signal::kTraces, format);
      ASSERT_TRUE(writer.ok());
      ASSERT_TRUE((*writer)->Write(i == 0 ? plain : shared).ok());
      ASSERT_TRUE((*writer)->Close().ok());
      bytes[i] = tflo::testing::ReadFile(path);
    }
    EXPECT_FALSE(bytes[0].empty());
    EXPECT_EQ(bytes[1], bytes[0]);
  }
}

// The binary file encoder caches a static block's encoding per field: the
// same block as resource, span, event and link attributes (four field
// numbers), encoded twice (the second time from the cache), must give the
// bytes of plain attribute lists.
TEST(OtlpCodecTest, StaticAttributeBlocksEncodeLikePlainOnesInEveryField) {
  const SharedAttributeBlock block = MakeStaticAttributeBlock(
      {{"http.request.method", "POST"}, {"server.port", 443}, {"a", true}});
  const auto with_block = [&](std::vector<KeyValue> own) {
    Attributes attributes(block);
    attributes.insert(attributes.end(), own.begin(), own.end());
    return attributes;
  };
  TracesData cached = MakeSampleTraces();
  int spans = 0;
  for (ResourceSpans& rs : cached.resource_spans) {
    rs.resource.attributes = with_block({{"service.name", "checkout"}});
    for (ScopeSpans& ss : rs.scope_spans) {
      for (Span& span : ss.spans) {
        span.attributes = with_block({{"customer.id", "CUST-1"}});
        span.events.push_back(SpanEvent{1, "retry", with_block({})});
        SpanLink link;
        link.trace_id[0] = 1;
        link.span_id[0] = 2;
        link.attributes = with_block({{"messaging.message.id", std::string(40, 'm')}});
        span.links.push_back(std::move(link));
        ++spans;
      }
    }
  }
  ASSERT_GT(spans, 0);
  TracesData plain = cached;
  for (ResourceSpans& rs : plain.resource_spans) {
    rs.resource.attributes.Unshare();
    for (ScopeSpans& ss : rs.scope_spans) {
      for (Span& span : ss.spans) {
        span.attributes.Unshare();
        for (SpanEvent& event : span.events) event.attributes.Unshare();
        for (SpanLink& link : span.links) link.attributes.Unshare();
        ASSERT_FALSE(span.attributes.has_shared_prefix());
      }
    }
  }
  ASSERT_NE(cached.resource_spans[0].resource.attributes.static_prefix(), nullptr);
  ASSERT_EQ(cached, plain);

  tflo::testing::TempDir dir;
  std::string bytes[2];
  for (int i = 0; i < 2; ++i) {
    const auto path = dir.path() / ("t" + std::to_string(i));
    auto writer = CreateOtlpFileWriter(path, Signal::kTraces, OtlpFileFormat::kBinary);
    ASSERT_TRUE(writer.ok());
    // Twice each: the cached block is written from the cache the second time.
    ASSERT_TRUE((*writer)->Write(i == 0 ? plain : cached).ok());
    ASSERT_TRUE((*writer)->Write(i == 0 ? plain : cached).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    bytes[i] = tflo::testing::ReadFile(path);
  }
  EXPECT_FALSE(bytes[0].empty());
  EXPECT_EQ(bytes[1], bytes[0]);
}

TEST(OtlpCodecTest, TracesProtoCarriesOtlpEncoding) {
  const TracesData original = MakeSampleTraces();
  otlp_trace::ExportTraceServiceRequest request;

  ToProto(original, &request);

  ASSERT_EQ(request.resource_spans_size(), 2);
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "checkout");
  const auto& root = rs.scope_spans(0).spans(0);
  EXPECT_EQ(root.trace_id().size(), 16U);
  EXPECT_EQ(static_cast<uint8_t>(root.trace_id()[1]),
            original.resource_spans[0].scope_spans[0].spans[0].trace_id[1]);
  EXPECT_EQ(root.span_id().size(), 8U);
  EXPECT_TRUE(root.parent_span_id().empty()) << "a root span's parent id is left empty";
  EXPECT_EQ(root.kind(), pb_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(root.flags(), 0x301U);
  EXPECT_EQ(root.start_time_unix_nano(), 1700000000123456789ULL);
  EXPECT_EQ(root.status().code(), pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(root.status().message(), "deadline exceeded");
  EXPECT_EQ(root.links(0).flags(), 1U);
  EXPECT_EQ(root.attributes(3).value().value_case(), pb_common::AnyValue::kIntValue);
  EXPECT_EQ(root.attributes(3).value().int_value(), -9007199254740993LL);
  EXPECT_EQ(root.attributes(7).value().bytes_value(), std::string("\xde\xad\xbe\xef\0", 5));
  const auto& child = rs.scope_spans(0).spans(1);
  EXPECT_EQ(child.parent_span_id(), root.span_id());
  EXPECT_FALSE(request.resource_spans(1).has_resource()) << "empty resource is not set";
}

TEST(OtlpCodecTest, ToProtoClearsPreviousContent) {
  otlp_trace::ExportTraceServiceRequest request;
  ToProto(MakeSampleTraces(), &request);

  ToProto(TracesData{}, &request);

  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpCodecTest, EmptyIdsDecodeToZero) {
  otlp_trace::ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_name("no ids");

  auto decoded = FromProto(request);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const Span& s = decoded->resource_spans[0].scope_spans[0].spans[0];
  EXPECT_FALSE(IsValid(s.trace_id));
  EXPECT_FALSE(IsValid(s.span_id));
  EXPECT_TRUE(s.is_root());
  EXPECT_EQ(s.kind, SpanKind::kUnspecified);
}

TEST(OtlpCodecTest, WrongLengthIdIsInvalidArgumentNamingThePath) {
  otlp_trace::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  rs->add_scope_spans();
  auto* scope = rs->add_scope_spans();
  scope->add_spans()->set_trace_id(std::string(16, '\1'));
  auto* bad = scope->add_spans();
  bad->set_trace_id(std::string(16, '\1'));
  bad->set_span_id("12345");

  auto decoded = FromProto(request);

  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "resource_spans[0].scope_spans[1].spans[1].span_id: expected 8 bytes, got 5");
}

TEST(OtlpCodecTest, WrongLengthLinkAndLogIdsAreRejected) {
  otlp_trace::ExportTraceServiceRequest traces;
  traces.add_resource_spans()->add_scope_spans()->add_spans()->add_links()->set_trace_id("abc");
  otlp_logs::ExportLogsServiceRequest logs;
  logs.add_resource_logs()->add_scope_logs()->add_log_records()->set_span_id(std::string(16, 'x'));

  auto decoded_traces = FromProto(traces);
  auto decoded_logs = FromProto(logs);

  ASSERT_FALSE(decoded_traces.ok());
  EXPECT_NE(decoded_traces.status().message().find("links[0].trace_id: expected 16 bytes"),
            std::string::npos)
      << decoded_traces.status().message();
  ASSERT_FALSE(decoded_logs.ok());
  EXPECT_EQ(decoded_logs.status().message(),
            "resource_logs[0].scope_logs[0].log_records[0].span_id: expected 8 bytes, got 16");
}

TEST(OtlpCodecTest, MetricsRoundTripThroughProtoAndWire) {
  const MetricsData original = MakeSampleMetrics();
  otlp_metrics::ExportMetricsServiceRequest request;

  ToProto(original, &request);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  otlp_metrics::ExportMetricsServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  auto decoded = FromProto(parsed);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
}

TEST(OtlpCodecTest, MetricsProtoCarriesValueKindsAndOptionalFields) {
  otlp_metrics::ExportMetricsServiceRequest request;

  ToProto(MakeSampleMetrics(), &request);

  const auto& metrics = request.resource_metrics(0).scope_metrics(0).metrics();
  ASSERT_EQ(metrics.size(), 4);
  EXPECT_EQ(metrics[0].data_case(), pb_metrics::Metric::kGauge);
  EXPECT_EQ(metrics[0].gauge().data_points(0).value_case(), pb_metrics::NumberDataPoint::kAsDouble);
  EXPECT_EQ(metrics[1].sum().data_points(0).value_case(), pb_metrics::NumberDataPoint::kAsInt);
  EXPECT_EQ(metrics[1].sum().data_points(0).as_int(), 123456789012345);
  EXPECT_TRUE(metrics[1].sum().is_monotonic());
  EXPECT_EQ(metrics[1].sum().aggregation_temporality(),
            pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_FALSE(metrics[2].sum().is_monotonic());
  EXPECT_EQ(metrics[2].sum().aggregation_temporality(), pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  const auto& full = metrics[3].histogram().data_points(0);
  EXPECT_TRUE(full.has_sum());
  EXPECT_DOUBLE_EQ(full.min(), 0.5);
  EXPECT_DOUBLE_EQ(full.max(), 99.0);
  EXPECT_EQ(full.bucket_counts_size(), 4);
  EXPECT_EQ(full.explicit_bounds_size(), 3);
  const auto& bare = metrics[3].histogram().data_points(1);
  EXPECT_FALSE(bare.has_sum());
  EXPECT_FALSE(bare.has_min());
  EXPECT_FALSE(bare.has_max());
}

TEST(OtlpCodecTest, SummaryAndExponentialHistogramAreSkippedOnDecode) {
  otlp_metrics::ExportMetricsServiceRequest request;
  auto* scope = request.add_resource_metrics()->add_scope_metrics();
  scope->add_metrics()->set_name("summary");
  scope->mutable_metrics(0)->mutable_summary()->add_data_points()->set_count(3);
  auto* gauge = scope->add_metrics();
  gauge->set_name("kept");
  gauge->mutable_gauge()->add_data_points()->set_as_int(5);
  auto* exp = scope->add_metrics();
  exp->set_name("exp");
  exp->mutable_exponential_histogram()->add_data_points()->set_scale(2);

  auto decoded = FromProto(request);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto& metrics = decoded->resource_metrics[0].scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 1U);
  EXPECT_EQ(metrics[0].name, "kept");
  const auto& point = std::get<Gauge>(metrics[0].data).data_points.at(0);
  EXPECT_EQ(std::get<int64_t>(point.value), 5);
}

TEST(OtlpCodecTest, LogsRoundTripThroughProtoAndWire) {
  const LogsData original = MakeSampleLogs();
  otlp_logs::ExportLogsServiceRequest request;

  ToProto(original, &request);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  otlp_logs::ExportLogsServiceRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  auto decoded = FromProto(parsed);

  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, original);
  const auto& records = request.resource_logs(0).scope_logs(0).log_records();
  EXPECT_EQ(records[0].event_name(), "payment.failure");
  EXPECT_EQ(records[0].severity_number(), pb_logs::SEVERITY_NUMBER_ERROR);
  EXPECT_TRUE(records[1].trace_id().empty()) << "no trace context -> empty id";
  EXPECT_FALSE(records[1].has_body());
  EXPECT_EQ(records[2].body().string_value(), "plain line");
}

// Field numbers are the wire contract with every other OTLP implementation.
TEST(OtlpCodecTest, FieldNumbersMatchOpentelemetryProto) {
  const auto number = [](const google::protobuf::Descriptor* d, const char* field) {
    const auto* f = d->FindFieldByName(field);
    return f == nullptr ? -1 : f->number();
  };

  EXPECT_EQ(number(pb_trace::Span::descriptor(), "flags"), 16);
  EXPECT_EQ(number(pb_trace::Span::descriptor(), "status"), 15);
  EXPECT_EQ(number(pb_trace::Span::descriptor(), "dropped_links_count"), 14);
  EXPECT_EQ(number(pb_trace::Span::Link::descriptor(), "flags"), 6);
  EXPECT_EQ(number(pb_trace::Status::descriptor(), "code"), 3);
  EXPECT_EQ(number(pb_metrics::Metric::descriptor(), "histogram"), 9);
  EXPECT_EQ(number(pb_metrics::Metric::descriptor(), "summary"), 11);
  EXPECT_EQ(number(pb_metrics::Metric::descriptor(), "metadata"), 12);
  EXPECT_EQ(number(pb_metrics::NumberDataPoint::descriptor(), "as_int"), 6);
  EXPECT_EQ(number(pb_metrics::NumberDataPoint::descriptor(), "attributes"), 7);
  EXPECT_EQ(number(pb_metrics::HistogramDataPoint::descriptor(), "max"), 12);
  EXPECT_EQ(number(pb_logs::LogRecord::descriptor(), "observed_time_unix_nano"), 11);
  EXPECT_EQ(number(pb_logs::LogRecord::descriptor(), "event_name"), 12);
  EXPECT_EQ(number(pb_common::AnyValue::descriptor(), "bytes_value"), 7);
}

}  // namespace
}  // namespace tflo::core
