#include "tflo/core/otlp_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "otlp_wire.h"

namespace tflo::core {
namespace {

namespace pb_common = ::opentelemetry::proto::common::v1;
namespace pb_resource = ::opentelemetry::proto::resource::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_metrics = ::opentelemetry::proto::metrics::v1;
namespace pb_logs = ::opentelemetry::proto::logs::v1;

// Errors carry a dotted path ("resource_spans[0].scope_spans[1].spans[3].trace_id")
// built only on the failure path: each level prepends its own segment.
Status Nest(const Status& status, std::string_view field, size_t index) {
  std::string prefix(field);
  prefix += '[';
  prefix += std::to_string(index);
  prefix += "].";
  return Status(status.code(), prefix + status.message());
}

// ---- encode ------------------------------------------------------------------

template <size_t N>
void SetId(const std::array<uint8_t, N>& id, std::string* out) {
  out->assign(reinterpret_cast<const char*>(id.data()), N);
}

// OTLP leaves absent ids empty (a root span's parent, a log outside a trace).
template <size_t N>
void SetOptionalId(const std::array<uint8_t, N>& id, std::string* out) {
  if (IsValid(id)) {
    SetId(id, out);
  } else {
    out->clear();
  }
}

template <typename KeyValues>
void AttributesToProto(const KeyValues& in,
                       google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out);

void AnyValueToProto(const AnyValue& in, pb_common::AnyValue* out) {
  struct Visitor {
    pb_common::AnyValue* out;
    void operator()(std::monostate /*empty*/) const { out->clear_value(); }
    void operator()(const std::string& v) const { out->set_string_value(v); }
    void operator()(bool v) const { out->set_bool_value(v); }
    void operator()(int64_t v) const { out->set_int_value(v); }
    void operator()(double v) const { out->set_double_value(v); }
    void operator()(const ArrayValue& v) const {
      auto* array = out->mutable_array_value();
      array->mutable_values()->Reserve(static_cast<int>(v.values.size()));
      for (const auto& item : v.values) AnyValueToProto(item, array->add_values());
    }
    void operator()(const KeyValueList& v) const {
      AttributesToProto(v.values, out->mutable_kvlist_value()->mutable_values());
    }
    void operator()(const Bytes& v) const {
      out->set_bytes_value(reinterpret_cast<const char*>(v.data.data()), v.data.size());
    }
  };
  std::visit(Visitor{out}, in.value);
}

template <typename KeyValues>
void AttributesToProto(const KeyValues& in,
                       google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out) {
  out->Reserve(static_cast<int>(in.size()));
  for (const auto& kv : in) {
    auto* p = out->Add();
    p->set_key(kv.key.data(), kv.key.size());
    AnyValueToProto(kv.value, p->mutable_value());
  }
}

void ResourceToProto(const Resource& in, pb_resource::Resource* out) {
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
}

void ScopeToProto(const InstrumentationScope& in, pb_common::InstrumentationScope* out) {
  out->set_name(in.name);
  out->set_version(in.version);
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
}

bool IsEmpty(const Resource& r) { return r.attributes.empty() && r.dropped_attributes_count == 0; }
bool IsEmpty(const InstrumentationScope& s) {
  return s.name.empty() && s.version.empty() && s.attributes.empty() &&
         s.dropped_attributes_count == 0;
}

void SpanToProto(const Span& in, pb_trace::Span* out) {
  SetId(in.trace_id, out->mutable_trace_id());
  SetId(in.span_id, out->mutable_span_id());
  out->set_trace_state(in.trace_state);
  SetOptionalId(in.parent_span_id, out->mutable_parent_span_id());
  out->set_flags(in.flags);
  out->set_name(in.name.data(), in.name.size());
  out->set_kind(static_cast<pb_trace::Span::SpanKind>(in.kind));
  out->set_start_time_unix_nano(in.start_time_unix_nano);
  out->set_end_time_unix_nano(in.end_time_unix_nano);
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
  out->mutable_events()->Reserve(static_cast<int>(in.events.size()));
  for (const auto& e : in.events) {
    auto* p = out->add_events();
    p->set_time_unix_nano(e.time_unix_nano);
    p->set_name(e.name);
    AttributesToProto(e.attributes, p->mutable_attributes());
    p->set_dropped_attributes_count(e.dropped_attributes_count);
  }
  out->set_dropped_events_count(in.dropped_events_count);
  out->mutable_links()->Reserve(static_cast<int>(in.links.size()));
  for (const auto& l : in.links) {
    auto* p = out->add_links();
    SetId(l.trace_id, p->mutable_trace_id());
    SetId(l.span_id, p->mutable_span_id());
    p->set_trace_state(l.trace_state);
    AttributesToProto(l.attributes, p->mutable_attributes());
    p->set_dropped_attributes_count(l.dropped_attributes_count);
    p->set_flags(l.flags);
  }
  out->set_dropped_links_count(in.dropped_links_count);
  if (in.status.code != StatusCode::kUnset || !in.status.message.empty()) {
    auto* s = out->mutable_status();
    s->set_code(static_cast<pb_trace::Status::StatusCode>(in.status.code));
    s->set_message(in.status.message);
  }
}

void NumberPointToProto(const NumberDataPoint& in, pb_metrics::NumberDataPoint* out) {
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_start_time_unix_nano(in.start_time_unix_nano);
  out->set_time_unix_nano(in.time_unix_nano);
  if (const auto* d = std::get_if<double>(&in.value)) {
    out->set_as_double(*d);
  } else {
    out->set_as_int(std::get<int64_t>(in.value));
  }
  out->set_flags(in.flags);
}

void HistogramPointToProto(const HistogramDataPoint& in, pb_metrics::HistogramDataPoint* out) {
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_start_time_unix_nano(in.start_time_unix_nano);
  out->set_time_unix_nano(in.time_unix_nano);
  out->set_count(in.count);
  if (in.sum) out->set_sum(*in.sum);
  out->mutable_bucket_counts()->Add(in.bucket_counts.begin(), in.bucket_counts.end());
  out->mutable_explicit_bounds()->Add(in.explicit_bounds.begin(), in.explicit_bounds.end());
  out->set_flags(in.flags);
  if (in.min) out->set_min(*in.min);
  if (in.max) out->set_max(*in.max);
}

void MetricToProto(const Metric& in, pb_metrics::Metric* out) {
  out->set_name(in.name);
  out->set_description(in.description);
  out->set_unit(in.unit);
  if (const auto* gauge = std::get_if<Gauge>(&in.data)) {
    auto* p = out->mutable_gauge();
    p->mutable_data_points()->Reserve(static_cast<int>(gauge->data_points.size()));
    for (const auto& dp : gauge->data_points) NumberPointToProto(dp, p->add_data_points());
  } else if (const auto* sum = std::get_if<Sum>(&in.data)) {
    auto* p = out->mutable_sum();
    p->mutable_data_points()->Reserve(static_cast<int>(sum->data_points.size()));
    for (const auto& dp : sum->data_points) NumberPointToProto(dp, p->add_data_points());
    p->set_aggregation_temporality(
        static_cast<pb_metrics::AggregationTemporality>(sum->aggregation_temporality));
    p->set_is_monotonic(sum->is_monotonic);
  } else {
    const auto& histogram = std::get<Histogram>(in.data);
    auto* p = out->mutable_histogram();
    p->mutable_data_points()->Reserve(static_cast<int>(histogram.data_points.size()));
    for (const auto& dp : histogram.data_points) HistogramPointToProto(dp, p->add_data_points());
    p->set_aggregation_temporality(
        static_cast<pb_metrics::AggregationTemporality>(histogram.aggregation_temporality));
  }
}

void LogRecordToProto(const LogRecord& in, pb_logs::LogRecord* out) {
  out->set_time_unix_nano(in.time_unix_nano);
  out->set_observed_time_unix_nano(in.observed_time_unix_nano);
  out->set_severity_number(static_cast<pb_logs::SeverityNumber>(in.severity_number));
  out->set_severity_text(in.severity_text);
  if (!in.body.empty()) AnyValueToProto(in.body, out->mutable_body());
  AttributesToProto(in.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(in.dropped_attributes_count);
  out->set_flags(in.flags);
  SetOptionalId(in.trace_id, out->mutable_trace_id());
  SetOptionalId(in.span_id, out->mutable_span_id());
  out->set_event_name(in.event_name);
}

// ---- decode ------------------------------------------------------------------

template <size_t N>
Status IdFromProto(const std::string& in, std::string_view field, std::array<uint8_t, N>* out) {
  if (in.empty()) {
    out->fill(0);
    return OkStatus();
  }
  if (in.size() != N) {
    return InvalidArgumentError(std::string(field) + ": expected " + std::to_string(N) +
                                " bytes, got " + std::to_string(in.size()));
  }
  std::memcpy(out->data(), in.data(), N);
  return OkStatus();
}

template <typename KeyValues>
void AttributesFromProto(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& in,
                         KeyValues* out);

AnyValue AnyValueFromProto(const pb_common::AnyValue& in) {
  switch (in.value_case()) {
    case pb_common::AnyValue::kStringValue:
      return AnyValue(in.string_value());
    case pb_common::AnyValue::kBoolValue:
      return AnyValue(in.bool_value());
    case pb_common::AnyValue::kIntValue:
      return AnyValue(static_cast<int64_t>(in.int_value()));
    case pb_common::AnyValue::kDoubleValue:
      return AnyValue(in.double_value());
    case pb_common::AnyValue::kArrayValue: {
      ArrayValue array;
      array.values.reserve(static_cast<size_t>(in.array_value().values_size()));
      for (const auto& v : in.array_value().values()) array.values.push_back(AnyValueFromProto(v));
      return AnyValue(std::move(array));
    }
    case pb_common::AnyValue::kKvlistValue: {
      KeyValueList list;
      AttributesFromProto(in.kvlist_value().values(), &list.values);
      return AnyValue(std::move(list));
    }
    case pb_common::AnyValue::kBytesValue: {
      const std::string& b = in.bytes_value();
      return AnyValue(Bytes{std::vector<uint8_t>(b.begin(), b.end())});
    }
    case pb_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return AnyValue();
}

template <typename KeyValues>
void AttributesFromProto(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& in,
                         KeyValues* out) {
  out->clear();
  out->reserve(static_cast<size_t>(in.size()));
  for (const auto& kv : in) out->push_back(KeyValue{kv.key(), AnyValueFromProto(kv.value())});
}

void ResourceFromProto(const pb_resource::Resource& in, Resource* out) {
  AttributesFromProto(in.attributes(), &out->attributes);
  out->dropped_attributes_count = in.dropped_attributes_count();
}

void ScopeFromProto(const pb_common::InstrumentationScope& in, InstrumentationScope* out) {
  out->name = in.name();
  out->version = in.version();
  AttributesFromProto(in.attributes(), &out->attributes);
  out->dropped_attributes_count = in.dropped_attributes_count();
}

Status SpanFromProto(const pb_trace::Span& in, Span* out) {
  TFLO_RETURN_IF_ERROR(IdFromProto(in.trace_id(), "trace_id", &out->trace_id));
  TFLO_RETURN_IF_ERROR(IdFromProto(in.span_id(), "span_id", &out->span_id));
  out->trace_state = in.trace_state();
  TFLO_RETURN_IF_ERROR(IdFromProto(in.parent_span_id(), "parent_span_id", &out->parent_span_id));
  out->flags = in.flags();
  out->name = in.name();
  out->kind = static_cast<SpanKind>(in.kind());
  out->start_time_unix_nano = in.start_time_unix_nano();
  out->end_time_unix_nano = in.end_time_unix_nano();
  AttributesFromProto(in.attributes(), &out->attributes);
  out->dropped_attributes_count = in.dropped_attributes_count();
  out->events.resize(static_cast<size_t>(in.events_size()));
  for (int i = 0; i < in.events_size(); ++i) {
    const auto& p = in.events(i);
    auto& e = out->events[static_cast<size_t>(i)];
    e.time_unix_nano = p.time_unix_nano();
    e.name = p.name();
    AttributesFromProto(p.attributes(), &e.attributes);
    e.dropped_attributes_count = p.dropped_attributes_count();
  }
  out->dropped_events_count = in.dropped_events_count();
  out->links.resize(static_cast<size_t>(in.links_size()));
  for (int i = 0; i < in.links_size(); ++i) {
    const auto& p = in.links(i);
    auto& l = out->links[static_cast<size_t>(i)];
    Status st = IdFromProto(p.trace_id(), "trace_id", &l.trace_id);
    if (st.ok()) st = IdFromProto(p.span_id(), "span_id", &l.span_id);
    if (!st.ok()) return Nest(st, "links", static_cast<size_t>(i));
    l.trace_state = p.trace_state();
    AttributesFromProto(p.attributes(), &l.attributes);
    l.dropped_attributes_count = p.dropped_attributes_count();
    l.flags = p.flags();
  }
  out->dropped_links_count = in.dropped_links_count();
  out->status.code = static_cast<StatusCode>(in.status().code());
  out->status.message = in.status().message();
  return OkStatus();
}

void NumberPointFromProto(const pb_metrics::NumberDataPoint& in, NumberDataPoint* out) {
  AttributesFromProto(in.attributes(), &out->attributes);
  out->start_time_unix_nano = in.start_time_unix_nano();
  out->time_unix_nano = in.time_unix_nano();
  if (in.value_case() == pb_metrics::NumberDataPoint::kAsInt) {
    out->value = static_cast<int64_t>(in.as_int());
  } else {
    out->value = in.as_double();
  }
  out->flags = in.flags();
}

void HistogramPointFromProto(const pb_metrics::HistogramDataPoint& in, HistogramDataPoint* out) {
  AttributesFromProto(in.attributes(), &out->attributes);
  out->start_time_unix_nano = in.start_time_unix_nano();
  out->time_unix_nano = in.time_unix_nano();
  out->count = in.count();
  out->sum = in.has_sum() ? std::optional<double>(in.sum()) : std::nullopt;
  out->bucket_counts.assign(in.bucket_counts().begin(), in.bucket_counts().end());
  out->explicit_bounds.assign(in.explicit_bounds().begin(), in.explicit_bounds().end());
  out->flags = in.flags();
  out->min = in.has_min() ? std::optional<double>(in.min()) : std::nullopt;
  out->max = in.has_max() ? std::optional<double>(in.max()) : std::nullopt;
}

// False for the metric kinds the model does not carry (summary, exponential
// histogram, or no data at all): the caller drops those.
bool MetricFromProto(const pb_metrics::Metric& in, Metric* out) {
  out->name = in.name();
  out->description = in.description();
  out->unit = in.unit();
  switch (in.data_case()) {
    case pb_metrics::Metric::kGauge: {
      Gauge gauge;
      gauge.data_points.resize(static_cast<size_t>(in.gauge().data_points_size()));
      for (int i = 0; i < in.gauge().data_points_size(); ++i) {
        NumberPointFromProto(in.gauge().data_points(i), &gauge.data_points[static_cast<size_t>(i)]);
      }
      out->data = std::move(gauge);
      return true;
    }
    case pb_metrics::Metric::kSum: {
      Sum sum;
      sum.data_points.resize(static_cast<size_t>(in.sum().data_points_size()));
      for (int i = 0; i < in.sum().data_points_size(); ++i) {
        NumberPointFromProto(in.sum().data_points(i), &sum.data_points[static_cast<size_t>(i)]);
      }
      sum.aggregation_temporality =
          static_cast<AggregationTemporality>(in.sum().aggregation_temporality());
      sum.is_monotonic = in.sum().is_monotonic();
      out->data = std::move(sum);
      return true;
    }
    case pb_metrics::Metric::kHistogram: {
      Histogram histogram;
      const auto& p = in.histogram();
      histogram.data_points.resize(static_cast<size_t>(p.data_points_size()));
      for (int i = 0; i < p.data_points_size(); ++i) {
        HistogramPointFromProto(p.data_points(i), &histogram.data_points[static_cast<size_t>(i)]);
      }
      histogram.aggregation_temporality =
          static_cast<AggregationTemporality>(p.aggregation_temporality());
      out->data = std::move(histogram);
      return true;
    }
    case pb_metrics::Metric::kExponentialHistogram:
    case pb_metrics::Metric::kSummary:
    case pb_metrics::Metric::DATA_NOT_SET:
      break;
  }
  return false;
}

Status LogRecordFromProto(const pb_logs::LogRecord& in, LogRecord* out) {
  out->time_unix_nano = in.time_unix_nano();
  out->observed_time_unix_nano = in.observed_time_unix_nano();
  out->severity_number = static_cast<int>(in.severity_number());
  out->severity_text = in.severity_text();
  out->body = in.has_body() ? AnyValueFromProto(in.body()) : AnyValue();
  AttributesFromProto(in.attributes(), &out->attributes);
  out->dropped_attributes_count = in.dropped_attributes_count();
  out->flags = in.flags();
  TFLO_RETURN_IF_ERROR(IdFromProto(in.trace_id(), "trace_id", &out->trace_id));
  TFLO_RETURN_IF_ERROR(IdFromProto(in.span_id(), "span_id", &out->span_id));
  out->event_name = in.event_name();
  return OkStatus();
}

}  // namespace

void ToProto(const TracesData& in, otlp_trace::ExportTraceServiceRequest* out) {
  out->Clear();
  out->mutable_resource_spans()->Reserve(static_cast<int>(in.resource_spans.size()));
  for (const auto& rs : in.resource_spans) {
    auto* prs = out->add_resource_spans();
    if (!IsEmpty(rs.resource)) ResourceToProto(rs.resource, prs->mutable_resource());
    prs->set_schema_url(rs.schema_url);
    prs->mutable_scope_spans()->Reserve(static_cast<int>(rs.scope_spans.size()));
    for (const auto& ss : rs.scope_spans) {
      auto* pss = prs->add_scope_spans();
      if (!IsEmpty(ss.scope)) ScopeToProto(ss.scope, pss->mutable_scope());
      pss->set_schema_url(ss.schema_url);
      pss->mutable_spans()->Reserve(static_cast<int>(ss.spans.size()));
      for (const auto& span : ss.spans) SpanToProto(span, pss->add_spans());
    }
  }
}

void ToProto(const MetricsData& in, otlp_metrics::ExportMetricsServiceRequest* out) {
  out->Clear();
  out->mutable_resource_metrics()->Reserve(static_cast<int>(in.resource_metrics.size()));
  for (const auto& rm : in.resource_metrics) {
    auto* prm = out->add_resource_metrics();
    if (!IsEmpty(rm.resource)) ResourceToProto(rm.resource, prm->mutable_resource());
    prm->set_schema_url(rm.schema_url);
    prm->mutable_scope_metrics()->Reserve(static_cast<int>(rm.scope_metrics.size()));
    for (const auto& sm : rm.scope_metrics) {
      auto* psm = prm->add_scope_metrics();
      if (!IsEmpty(sm.scope)) ScopeToProto(sm.scope, psm->mutable_scope());
      psm->set_schema_url(sm.schema_url);
      psm->mutable_metrics()->Reserve(static_cast<int>(sm.metrics.size()));
      for (const auto& metric : sm.metrics) MetricToProto(metric, psm->add_metrics());
    }
  }
}

void ToProto(const LogsData& in, otlp_logs::ExportLogsServiceRequest* out) {
  out->Clear();
  out->mutable_resource_logs()->Reserve(static_cast<int>(in.resource_logs.size()));
  for (const auto& rl : in.resource_logs) {
    auto* prl = out->add_resource_logs();
    if (!IsEmpty(rl.resource)) ResourceToProto(rl.resource, prl->mutable_resource());
    prl->set_schema_url(rl.schema_url);
    prl->mutable_scope_logs()->Reserve(static_cast<int>(rl.scope_logs.size()));
    for (const auto& sl : rl.scope_logs) {
      auto* psl = prl->add_scope_logs();
      if (!IsEmpty(sl.scope)) ScopeToProto(sl.scope, psl->mutable_scope());
      psl->set_schema_url(sl.schema_url);
      psl->mutable_log_records()->Reserve(static_cast<int>(sl.log_records.size()));
      for (const auto& record : sl.log_records) LogRecordToProto(record, psl->add_log_records());
    }
  }
}

Result<TracesData> FromProto(const otlp_trace::ExportTraceServiceRequest& in) {
  TracesData out;
  out.resource_spans.resize(static_cast<size_t>(in.resource_spans_size()));
  for (int r = 0; r < in.resource_spans_size(); ++r) {
    const auto& prs = in.resource_spans(r);
    auto& rs = out.resource_spans[static_cast<size_t>(r)];
    ResourceFromProto(prs.resource(), &rs.resource);
    rs.schema_url = prs.schema_url();
    rs.scope_spans.resize(static_cast<size_t>(prs.scope_spans_size()));
    for (int s = 0; s < prs.scope_spans_size(); ++s) {
      const auto& pss = prs.scope_spans(s);
      auto& ss = rs.scope_spans[static_cast<size_t>(s)];
      ScopeFromProto(pss.scope(), &ss.scope);
      ss.schema_url = pss.schema_url();
      ss.spans.resize(static_cast<size_t>(pss.spans_size()));
      for (int i = 0; i < pss.spans_size(); ++i) {
        Status st = SpanFromProto(pss.spans(i), &ss.spans[static_cast<size_t>(i)]);
        if (!st.ok()) {
          return Nest(Nest(Nest(st, "spans", static_cast<size_t>(i)), "scope_spans",
                           static_cast<size_t>(s)),
                      "resource_spans", static_cast<size_t>(r));
        }
      }
    }
  }
  return out;
}

Result<MetricsData> FromProto(const otlp_metrics::ExportMetricsServiceRequest& in) {
  MetricsData out;
  out.resource_metrics.resize(static_cast<size_t>(in.resource_metrics_size()));
  for (int r = 0; r < in.resource_metrics_size(); ++r) {
    const auto& prm = in.resource_metrics(r);
    auto& rm = out.resource_metrics[static_cast<size_t>(r)];
    ResourceFromProto(prm.resource(), &rm.resource);
    rm.schema_url = prm.schema_url();
    rm.scope_metrics.resize(static_cast<size_t>(prm.scope_metrics_size()));
    for (int s = 0; s < prm.scope_metrics_size(); ++s) {
      const auto& psm = prm.scope_metrics(s);
      auto& sm = rm.scope_metrics[static_cast<size_t>(s)];
      ScopeFromProto(psm.scope(), &sm.scope);
      sm.schema_url = psm.schema_url();
      sm.metrics.reserve(static_cast<size_t>(psm.metrics_size()));
      for (const auto& pm : psm.metrics()) {
        Metric metric;
        if (MetricFromProto(pm, &metric)) sm.metrics.push_back(std::move(metric));
      }
    }
  }
  return out;
}

Result<LogsData> FromProto(const otlp_logs::ExportLogsServiceRequest& in) {
  LogsData out;
  out.resource_logs.resize(static_cast<size_t>(in.resource_logs_size()));
  for (int r = 0; r < in.resource_logs_size(); ++r) {
    const auto& prl = in.resource_logs(r);
    auto& rl = out.resource_logs[static_cast<size_t>(r)];
    ResourceFromProto(prl.resource(), &rl.resource);
    rl.schema_url = prl.schema_url();
    rl.scope_logs.resize(static_cast<size_t>(prl.scope_logs_size()));
    for (int s = 0; s < prl.scope_logs_size(); ++s) {
      const auto& psl = prl.scope_logs(s);
      auto& sl = rl.scope_logs[static_cast<size_t>(s)];
      ScopeFromProto(psl.scope(), &sl.scope);
      sl.schema_url = psl.schema_url();
      sl.log_records.resize(static_cast<size_t>(psl.log_records_size()));
      for (int i = 0; i < psl.log_records_size(); ++i) {
        Status st = LogRecordFromProto(psl.log_records(i), &sl.log_records[static_cast<size_t>(i)]);
        if (!st.ok()) {
          return Nest(Nest(Nest(st, "log_records", static_cast<size_t>(i)), "scope_logs",
                           static_cast<size_t>(s)),
                      "resource_logs", static_cast<size_t>(r));
        }
      }
    }
  }
  return out;
}

// ---- direct wire encoding (otlp_wire.h) ---------------------------------------
//
// Mirrors ToProto above field for field; fields are written in descending field
// number order (and repeated elements last to first) because the encoder fills
// its buffer back to front. Proto3 presence rules as protobuf applies them:
// scalars at their default are skipped, set oneof members and optional fields
// are always written.

namespace internal {

void ReverseWireEncoder::Grow(size_t need) {
  const size_t used = size();
  const size_t capacity = std::max({capacity_ * 2, used + need, size_t{4096}});
  auto bigger = std::make_unique<uint8_t[]>(capacity);
  if (used != 0) std::memcpy(bigger.get() + capacity - used, buffer_.get() + pos_, used);
  buffer_ = std::move(bigger);
  capacity_ = capacity;
  pos_ = capacity - used;
}

namespace {

enum WireType : uint32_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

inline void Tag(ReverseWireEncoder* e, uint32_t field, WireType type) {
  e->Varint((field << 3) | type);
}

// Closes a length-delimited field whose content was written since `mark`.
inline void EndLen(ReverseWireEncoder* e, uint32_t field, size_t mark) {
  e->Varint(e->size() - mark);
  Tag(e, field, kLen);
}

inline void BytesAlways(ReverseWireEncoder* e, uint32_t field, const void* data, size_t n) {
  e->Raw(data, n);
  e->Varint(n);
  Tag(e, field, kLen);
}

inline void StringField(ReverseWireEncoder* e, uint32_t field, std::string_view s) {
  if (!s.empty()) BytesAlways(e, field, s.data(), s.size());
}

inline void VarintField(ReverseWireEncoder* e, uint32_t field, uint64_t v) {
  if (v == 0) return;
  e->Varint(v);
  Tag(e, field, kVarint);
}

// Enums are int32 on the wire: negative values are sign-extended to 64 bits.
inline void EnumField(ReverseWireEncoder* e, uint32_t field, int v) {
  if (v == 0) return;
  e->Varint(static_cast<uint64_t>(static_cast<int64_t>(v)));
  Tag(e, field, kVarint);
}

inline void Fixed64Field(ReverseWireEncoder* e, uint32_t field, uint64_t v) {
  if (v == 0) return;
  e->Fixed64(v);
  Tag(e, field, kI64);
}

inline void Fixed32Field(ReverseWireEncoder* e, uint32_t field, uint32_t v) {
  if (v == 0) return;
  e->Fixed32(v);
  Tag(e, field, kI32);
}

inline void DoubleAlways(ReverseWireEncoder* e, uint32_t field, double d) {
  e->Fixed64(std::bit_cast<uint64_t>(d));
  Tag(e, field, kI64);
}

template <size_t N>
inline void IdAlways(ReverseWireEncoder* e, uint32_t field, const std::array<uint8_t, N>& id) {
  BytesAlways(e, field, id.data(), N);
}

template <typename KeyValues>
void WireKeyValues(ReverseWireEncoder* e, uint32_t field, const KeyValues& attributes);
void WireKeyValues(ReverseWireEncoder* e, uint32_t field, const Attributes& attributes);

void WireAnyValue(ReverseWireEncoder* e, const AnyValue& value) {
  struct Visitor {
    ReverseWireEncoder* e;
    void operator()(std::monostate /*empty*/) const {}
    void operator()(const std::string& v) const { BytesAlways(e, 1, v.data(), v.size()); }
    void operator()(bool v) const {
      e->Varint(v ? 1 : 0);
      Tag(e, 2, kVarint);
    }
    void operator()(int64_t v) const {
      e->Varint(static_cast<uint64_t>(v));
      Tag(e, 3, kVarint);
    }
    void operator()(double v) const { DoubleAlways(e, 4, v); }
    void operator()(const ArrayValue& v) const {
      const size_t mark = e->size();
      for (auto it = v.values.rbegin(); it != v.values.rend(); ++it) {
        const size_t item = e->size();
        WireAnyValue(e, *it);
        EndLen(e, 1, item);
      }
      EndLen(e, 5, mark);
    }
    void operator()(const KeyValueList& v) const {
      const size_t mark = e->size();
      WireKeyValues(e, 1, v.values);
      EndLen(e, 6, mark);
    }
    void operator()(const Bytes& v) const { BytesAlways(e, 7, v.data.data(), v.data.size()); }
  };
  std::visit(Visitor{e}, value.value);
}

template <typename KeyValues>
void WireKeyValues(ReverseWireEncoder* e, uint32_t field, const KeyValues& attributes) {
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    const size_t mark = e->size();
    const size_t value = e->size();
    WireAnyValue(e, it->value);
    EndLen(e, 2, value);  // ToProto always sets the value message
    StringField(e, 1, it->key);
    EndLen(e, field, mark);
  }
}

// The encoding of a static attribute block as repeated field `field`, made
// once per thread: such a block never changes and lives until exit, so its
// address identifies it (Attributes::static_prefix). Most spans start with one
// (the constant attributes of their operation).
std::string_view StaticBlockBytes(const std::vector<KeyValue>& block, uint32_t field) {
  struct KeyHash {
    size_t operator()(const std::pair<const void*, uint32_t>& k) const {
      return std::hash<const void*>{}(k.first) ^ (static_cast<size_t>(k.second) << 1);
    }
  };
  thread_local std::unordered_map<std::pair<const void*, uint32_t>, std::string, KeyHash> cache;
  auto [it, inserted] = cache.try_emplace({&block, field});
  if (inserted) {
    ReverseWireEncoder encoder;
    WireKeyValues(&encoder, field, block);
    it->second.assign(encoder.view());
  }
  return it->second;
}

void WireKeyValues(ReverseWireEncoder* e, uint32_t field, const Attributes& attributes) {
  const std::vector<KeyValue>* block = attributes.static_prefix();
  if (block == nullptr) {
    WireKeyValues<Attributes>(e, field, attributes);
    return;
  }
  // Written back to front: the owned elements, then the block's bytes.
  WireKeyValues(e, field, attributes.owned_elements());
  const std::string_view bytes = StaticBlockBytes(*block, field);
  e->Raw(bytes.data(), bytes.size());
}

void WireResource(ReverseWireEncoder* e, uint32_t field, const Resource& r) {
  if (IsEmpty(r)) return;
  const size_t mark = e->size();
  VarintField(e, 2, r.dropped_attributes_count);
  WireKeyValues(e, 1, r.attributes);
  EndLen(e, field, mark);
}

void WireScope(ReverseWireEncoder* e, uint32_t field, const InstrumentationScope& s) {
  if (IsEmpty(s)) return;
  const size_t mark = e->size();
  VarintField(e, 4, s.dropped_attributes_count);
  WireKeyValues(e, 3, s.attributes);
  StringField(e, 2, s.version);
  StringField(e, 1, s.name);
  EndLen(e, field, mark);
}

void WireSpan(ReverseWireEncoder* e, const Span& span) {
  Fixed32Field(e, 16, span.flags);
  if (span.status.code != StatusCode::kUnset || !span.status.message.empty()) {
    const size_t mark = e->size();
    EnumField(e, 3, static_cast<int>(span.status.code));
    StringField(e, 2, span.status.message);
    EndLen(e, 15, mark);
  }
  VarintField(e, 14, span.dropped_links_count);
  for (auto it = span.links.rbegin(); it != span.links.rend(); ++it) {
    const size_t mark = e->size();
    Fixed32Field(e, 6, it->flags);
    VarintField(e, 5, it->dropped_attributes_count);
    WireKeyValues(e, 4, it->attributes);
    StringField(e, 3, it->trace_state);
    IdAlways(e, 2, it->span_id);
    IdAlways(e, 1, it->trace_id);
    EndLen(e, 13, mark);
  }
  VarintField(e, 12, span.dropped_events_count);
  for (auto it = span.events.rbegin(); it != span.events.rend(); ++it) {
    const size_t mark = e->size();
    VarintField(e, 4, it->dropped_attributes_count);
    WireKeyValues(e, 3, it->attributes);
    StringField(e, 2, it->name);
    Fixed64Field(e, 1, it->time_unix_nano);
    EndLen(e, 11, mark);
  }
  VarintField(e, 10, span.dropped_attributes_count);
  WireKeyValues(e, 9, span.attributes);
  Fixed64Field(e, 8, span.end_time_unix_nano);
  Fixed64Field(e, 7, span.start_time_unix_nano);
  EnumField(e, 6, static_cast<int>(span.kind));
  StringField(e, 5, span.name);
  if (IsValid(span.parent_span_id)) IdAlways(e, 4, span.parent_span_id);
  StringField(e, 3, span.trace_state);
  IdAlways(e, 2, span.span_id);
  IdAlways(e, 1, span.trace_id);
}

void WireNumberPoint(ReverseWireEncoder* e, uint32_t field, const NumberDataPoint& dp) {
  const size_t mark = e->size();
  VarintField(e, 8, dp.flags);
  WireKeyValues(e, 7, dp.attributes);
  if (const auto* i = std::get_if<int64_t>(&dp.value)) {
    e->Fixed64(static_cast<uint64_t>(*i));
    Tag(e, 6, kI64);
  } else {
    DoubleAlways(e, 4, std::get<double>(dp.value));
  }
  Fixed64Field(e, 3, dp.time_unix_nano);
  Fixed64Field(e, 2, dp.start_time_unix_nano);
  EndLen(e, field, mark);
}

void WireHistogramPoint(ReverseWireEncoder* e, uint32_t field, const HistogramDataPoint& dp) {
  const size_t mark = e->size();
  if (dp.max) DoubleAlways(e, 12, *dp.max);
  if (dp.min) DoubleAlways(e, 11, *dp.min);
  VarintField(e, 10, dp.flags);
  WireKeyValues(e, 9, dp.attributes);
  if (!dp.explicit_bounds.empty()) {  // packed
    const size_t packed = e->size();
    for (auto it = dp.explicit_bounds.rbegin(); it != dp.explicit_bounds.rend(); ++it) {
      e->Fixed64(std::bit_cast<uint64_t>(*it));
    }
    EndLen(e, 7, packed);
  }
  if (!dp.bucket_counts.empty()) {  // packed
    const size_t packed = e->size();
    for (auto it = dp.bucket_counts.rbegin(); it != dp.bucket_counts.rend(); ++it) e->Fixed64(*it);
    EndLen(e, 6, packed);
  }
  if (dp.sum) DoubleAlways(e, 5, *dp.sum);
  Fixed64Field(e, 4, dp.count);
  Fixed64Field(e, 3, dp.time_unix_nano);
  Fixed64Field(e, 2, dp.start_time_unix_nano);
  EndLen(e, field, mark);
}

void WireMetric(ReverseWireEncoder* e, const Metric& metric) {
  const size_t data = e->size();
  if (const auto* gauge = std::get_if<Gauge>(&metric.data)) {
    for (auto it = gauge->data_points.rbegin(); it != gauge->data_points.rend(); ++it) {
      WireNumberPoint(e, 1, *it);
    }
    EndLen(e, 5, data);
  } else if (const auto* sum = std::get_if<Sum>(&metric.data)) {
    VarintField(e, 3, sum->is_monotonic ? 1 : 0);
    EnumField(e, 2, static_cast<int>(sum->aggregation_temporality));
    for (auto it = sum->data_points.rbegin(); it != sum->data_points.rend(); ++it) {
      WireNumberPoint(e, 1, *it);
    }
    EndLen(e, 7, data);
  } else {
    const auto& histogram = std::get<Histogram>(metric.data);
    EnumField(e, 2, static_cast<int>(histogram.aggregation_temporality));
    for (auto it = histogram.data_points.rbegin(); it != histogram.data_points.rend(); ++it) {
      WireHistogramPoint(e, 1, *it);
    }
    EndLen(e, 9, data);
  }
  StringField(e, 3, metric.unit);
  StringField(e, 2, metric.description);
  StringField(e, 1, metric.name);
}

void WireLogRecord(ReverseWireEncoder* e, const LogRecord& r) {
  StringField(e, 12, r.event_name);
  Fixed64Field(e, 11, r.observed_time_unix_nano);
  if (IsValid(r.span_id)) IdAlways(e, 10, r.span_id);
  if (IsValid(r.trace_id)) IdAlways(e, 9, r.trace_id);
  Fixed32Field(e, 8, r.flags);
  VarintField(e, 7, r.dropped_attributes_count);
  WireKeyValues(e, 6, r.attributes);
  if (!r.body.empty()) {
    const size_t mark = e->size();
    WireAnyValue(e, r.body);
    EndLen(e, 5, mark);
  }
  StringField(e, 3, r.severity_text);
  EnumField(e, 2, r.severity_number);
  Fixed64Field(e, 1, r.time_unix_nano);
}

// Resource/scope envelope shared by the three signals: fields 1 resource,
// 2 scope items, 3 schema_url at both levels.
template <typename ScopesFn>
void WireResourceLevel(ReverseWireEncoder* e, const std::string& schema_url,
                       const Resource& resource, ScopesFn scopes) {
  const size_t mark = e->size();
  StringField(e, 3, schema_url);
  scopes();
  WireResource(e, 1, resource);
  EndLen(e, 1, mark);
}

}  // namespace

void EncodeWire(const TracesData& data, ReverseWireEncoder* e) {
  e->Clear();
  for (auto rs = data.resource_spans.rbegin(); rs != data.resource_spans.rend(); ++rs) {
    WireResourceLevel(e, rs->schema_url, rs->resource, [&] {
      for (auto ss = rs->scope_spans.rbegin(); ss != rs->scope_spans.rend(); ++ss) {
        const size_t mark = e->size();
        StringField(e, 3, ss->schema_url);
        for (auto span = ss->spans.rbegin(); span != ss->spans.rend(); ++span) {
          const size_t span_mark = e->size();
          WireSpan(e, *span);
          EndLen(e, 2, span_mark);
        }
        WireScope(e, 1, ss->scope);
        EndLen(e, 2, mark);
      }
    });
  }
}

void EncodeWire(const MetricsData& data, ReverseWireEncoder* e) {
  e->Clear();
  for (auto rm = data.resource_metrics.rbegin(); rm != data.resource_metrics.rend(); ++rm) {
    WireResourceLevel(e, rm->schema_url, rm->resource, [&] {
      for (auto sm = rm->scope_metrics.rbegin(); sm != rm->scope_metrics.rend(); ++sm) {
        const size_t mark = e->size();
        StringField(e, 3, sm->schema_url);
        for (auto m = sm->metrics.rbegin(); m != sm->metrics.rend(); ++m) {
          const size_t metric_mark = e->size();
          WireMetric(e, *m);
          EndLen(e, 2, metric_mark);
        }
        WireScope(e, 1, sm->scope);
        EndLen(e, 2, mark);
      }
    });
  }
}

void EncodeWire(const LogsData& data, ReverseWireEncoder* e) {
  e->Clear();
  for (auto rl = data.resource_logs.rbegin(); rl != data.resource_logs.rend(); ++rl) {
    WireResourceLevel(e, rl->schema_url, rl->resource, [&] {
      for (auto sl = rl->scope_logs.rbegin(); sl != rl->scope_logs.rend(); ++sl) {
        const size_t mark = e->size();
        StringField(e, 3, sl->schema_url);
        for (auto r = sl->log_records.rbegin(); r != sl->log_records.rend(); ++r) {
          const size_t record_mark = e->size();
          WireLogRecord(e, *r);
          EndLen(e, 2, record_mark);
        }
        WireScope(e, 1, sl->scope);
        EndLen(e, 2, mark);
      }
    });
  }
}

}  // namespace internal

}  // namespace tflo::core
