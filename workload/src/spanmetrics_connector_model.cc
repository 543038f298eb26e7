#include "tflo/workload/spanmetrics_connector_model.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace tflo::workload {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Sanitize(std::string_view name) {
  std::string out;
  bool pending_underscore = false;
  for (const char c : name) {
    if (IsNameChar(c) && c != '_') {
      if (pending_underscore && !out.empty()) out += '_';
      pending_underscore = false;
      out += c;
    } else {
      pending_underscore = true;
    }
  }
  return out;
}

std::string PrometheusUnit(std::string_view unit) {
  if (unit.empty() || unit == "1" || unit.front() == '{') return "";
  if (unit == "ms") return "milliseconds";
  if (unit == "s") return "seconds";
  if (unit == "us") return "microseconds";
  if (unit == "ns") return "nanoseconds";
  if (unit == "min") return "minutes";
  if (unit == "h") return "hours";
  if (unit == "By") return "bytes";
  if (unit == "KiBy") return "kibibytes";
  if (unit == "MiBy") return "mebibytes";
  if (unit == "%") return "percent";
  return Sanitize(unit);
}

constexpr std::string_view kOverflowKey = "\x01otel.metric.overflow";

// Values of a series key are joined by NUL, like the connector's metric key.
void AppendKey(std::string& key, const core::AnyValue& value) {
  key += '\0';
  key += value.ToString();
}

std::string ResourceKey(const core::Attributes& attributes) {
  std::string key;
  for (const core::KeyValue& kv : attributes) {
    key += kv.key;
    key += '=';
    AppendKey(key, kv.value);
    key += '\0';
  }
  return key;
}

}  // namespace

std::string PrometheusMetricName(std::string_view otel_name, std::string_view unit,
                                 bool monotonic_counter) {
  std::string name = Sanitize(otel_name);
  // A counter's "_total" is moved to the end, after the unit word:
  // requests_total with unit "s" -> requests_seconds_total.
  const bool had_total = monotonic_counter && EndsWith(name, "_total");
  if (had_total) name.resize(name.size() - std::string_view("_total").size());
  const std::string unit_word = PrometheusUnit(unit);
  if (!unit_word.empty() && !EndsWith(name, "_" + unit_word)) name += "_" + unit_word;
  if (monotonic_counter) name += "_total";
  return name;
}

std::string PrometheusLabelName(std::string_view attribute_key) {
  std::string out;
  out.reserve(attribute_key.size());
  for (const char c : attribute_key) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ? c : '_';
  }
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out.front())) != 0) {
    out = "key_" + out;
  }
  return out;
}

std::vector<double> DefaultSpanMetricsBucketsMs() {
  return {2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000};
}

SpanMetricsConnectorModel::Series& SpanMetricsConnectorModel::MetricSeries::GetOrCreate(
    const std::string& key, const core::Attributes& attributes, int64_t cardinality_limit,
    size_t buckets) {
  auto it = index.find(key);
  if (it != index.end()) return series[it->second];
  std::string actual_key = key;
  core::Attributes actual_attributes = attributes;
  // aggregation_cardinality_limit: new series beyond the limit share one
  // overflow series.
  if (cardinality_limit > 0 && static_cast<int64_t>(series.size()) >= cardinality_limit) {
    actual_key = std::string(kOverflowKey);
    actual_attributes = {{"otel.metric.overflow", true}};
    it = index.find(actual_key);
    if (it != index.end()) return series[it->second];
  }
  Series s;
  s.attributes = std::move(actual_attributes);
  s.key = actual_key;
  s.bucket_counts.assign(buckets, 0);
  index.emplace(actual_key, series.size());
  series.push_back(std::move(s));
  return series.back();
}

SpanMetricsConnectorModel::SpanMetricsConnectorModel(EventEngine& engine,
                                                     core::SpanMetricsConnectorConfig config,
                                                     uint64_t base_unix_nano, EmitFn emit)
    : engine_(engine),
      config_(std::move(config)),
      base_unix_nano_(base_unix_nano),
      emit_(std::move(emit)),
      unit_divider_(config_.histogram_unit == "s" ? 1e9 : 1e6) {
  // durationsToUnits: bucket durations in the histogram unit.
  if (config_.explicit_buckets.empty()) {
    for (const double ms : DefaultSpanMetricsBucketsMs())
      bounds_.push_back(ms * 1e6 / unit_divider_);
  } else {
    for (const std::chrono::nanoseconds d : config_.explicit_buckets) {
      bounds_.push_back(static_cast<double>(d.count()) / unit_divider_);
    }
  }
}

void SpanMetricsConnectorModel::Start() {
  if (running_) return;
  running_ = true;
  started_at_ = engine_.now();
  const uint64_t generation = ++generation_;
  engine_.After(config_.metrics_flush_interval.count(), [this, generation] { OnTick(generation); });
}

void SpanMetricsConnectorModel::Shutdown() {
  running_ = false;
  ++generation_;
}

void SpanMetricsConnectorModel::OnTick(uint64_t generation) {
  if (!running_ || generation != generation_) return;
  Flush();
  engine_.After(config_.metrics_flush_interval.count(), [this, generation] { OnTick(generation); });
}

SpanMetricsConnectorModel::ResourceState& SpanMetricsConnectorModel::ResourceFor(
    const core::Resource& resource) {
  // resource_metrics_key_attributes narrows the attributes that identify a
  // resource; the emitted resource keeps all of them.
  std::string key;
  if (config_.resource_metrics_key_attributes.empty()) {
    key = ResourceKey(resource.attributes);
  } else {
    core::Attributes subset;
    for (const std::string& k : config_.resource_metrics_key_attributes) {
      if (const core::AnyValue* v = core::FindAttribute(resource.attributes, k)) {
        subset.push_back({k, *v});
      }
    }
    key = ResourceKey(subset);
  }
  for (ResourceState& state : resources_) {
    if (state.key == key) return state;
  }
  ResourceState state;
  state.key = key;
  state.attributes = resource.attributes;
  state.start = engine_.now();
  resources_.push_back(std::move(state));
  return resources_.back();
}

void SpanMetricsConnectorModel::AddDimensions(
    const std::vector<core::SpanMetricsDimension>& dimensions, const core::Span& span,
    const core::Resource& resource, core::Attributes& attributes, std::string& key) const {
  for (const core::SpanMetricsDimension& d : dimensions) {
    // getDimensionValue: the span first, then the resource, then the default.
    const core::AnyValue* v = core::FindAttribute(span.attributes, d.name);
    if (v == nullptr) v = core::FindAttribute(resource.attributes, d.name);
    if (v != nullptr) {
      attributes.push_back({d.name, *v});
      AppendKey(key, *v);
    } else if (d.default_value) {
      attributes.push_back({d.name, *d.default_value});
      AppendKey(key, core::AnyValue(*d.default_value));
    } else {
      key += '\0';  // keeps "absent" apart from a value in the next position
    }
  }
}

void SpanMetricsConnectorModel::Consume(const core::TracesData& data) {
  const SimTime now = engine_.now();
  auto excluded = [this](std::string_view name) {
    return std::find(config_.exclude_dimensions.begin(), config_.exclude_dimensions.end(), name) !=
           config_.exclude_dimensions.end();
  };
  for (const core::ResourceSpans& rs : data.resource_spans) {
    const core::AnyValue* service = core::FindAttribute(rs.resource.attributes, "service.name");
    if (service == nullptr) {
      for (const core::ScopeSpans& scope : rs.scope_spans) {
        stats_.spans_without_service_name += scope.spans.size();
      }
      continue;
    }
    ResourceState& state = ResourceFor(rs.resource);
    state.last_seen = now;
    const std::string service_name = service->ToString();
    for (const core::ScopeSpans& scope : rs.scope_spans) {
      for (const core::Span& span : scope.spans) {
        core::Attributes base;
        std::string key;
        if (!excluded("service.name")) {
          base.push_back({"service.name", service_name});
          AppendKey(key, core::AnyValue(service_name));
        }
        if (!excluded("span.name")) {
          base.push_back({"span.name", span.name.str()});
          AppendKey(key, core::AnyValue(span.name.str()));
        }
        if (!excluded("span.kind")) {
          const std::string kind(core::SpanKindName(span.kind));
          base.push_back({"span.kind", kind});
          AppendKey(key, core::AnyValue(kind));
        }
        if (!excluded("status.code")) {
          const std::string code(core::StatusCodeName(span.status.code));
          base.push_back({"status.code", code});
          AppendKey(key, core::AnyValue(code));
        }
        AddDimensions(config_.dimensions, span, rs.resource, base, key);

        core::Attributes calls_attributes = base;
        std::string calls_key = key;
        AddDimensions(config_.calls_dimensions, span, rs.resource, calls_attributes, calls_key);
        state.calls
            .GetOrCreate(calls_key, calls_attributes, config_.aggregation_cardinality_limit, 0)
            .calls += 1;

        if (!config_.histogram_disable) {
          core::Attributes histogram_attributes = std::move(base);
          std::string histogram_key = std::move(key);
          AddDimensions(config_.histogram_dimensions, span, rs.resource, histogram_attributes,
                        histogram_key);
          Series& h = state.durations.GetOrCreate(histogram_key, histogram_attributes,
                                                  config_.aggregation_cardinality_limit,
                                                  bounds_.size() + 1);
          double value = 0;
          if (span.end_time_unix_nano > span.start_time_unix_nano) {
            value = static_cast<double>(span.end_time_unix_nano - span.start_time_unix_nano) /
                    unit_divider_;
          }
          // sort.SearchFloat64s: the first bound >= value.
          const auto bucket = static_cast<size_t>(
              std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
          ++h.bucket_counts[bucket];
          ++h.count;
          h.sum += value;
        }
        ++stats_.spans_counted;
      }
    }
  }
}

void SpanMetricsConnectorModel::Flush() {
  const SimTime now = engine_.now();
  const bool delta = config_.delta_temporality;
  const core::AggregationTemporality temporality =
      delta ? core::AggregationTemporality::kDelta : core::AggregationTemporality::kCumulative;
  core::MetricsData data;
  for (const ResourceState& state : resources_) {
    core::ResourceMetrics rm;
    rm.resource.attributes = state.attributes;
    core::ScopeMetrics scope;
    scope.scope.name = "spanmetricsconnector";

    // Delta points start at the previous flush of their series (the
    // connector's timestamp cache), else when the resource was first seen.
    auto start_of = [&](const std::string& metric, const std::string& series_key) {
      if (!delta) return Unix(state.start);
      const std::string cache_key = state.key + '\x02' + metric + '\x02' + series_key;
      SimTime start = state.start;
      const auto it = delta_last_flush_.find(cache_key);
      if (it != delta_last_flush_.end()) start = it->second;
      delta_last_flush_[cache_key] = now;
      return Unix(start);
    };

    core::Metric calls;
    calls.name = config_.metric_namespace.empty() ? "calls" : config_.metric_namespace + ".calls";
    core::Sum sum;
    sum.aggregation_temporality = temporality;
    sum.is_monotonic = true;
    for (const Series& s : state.calls.series) {
      core::NumberDataPoint point;
      point.attributes = s.attributes;
      point.start_time_unix_nano = start_of("calls", s.key);
      point.time_unix_nano = Unix(now);
      point.value = static_cast<int64_t>(s.calls);
      sum.data_points.push_back(std::move(point));
    }
    calls.data = std::move(sum);
    scope.metrics.push_back(std::move(calls));

    if (!config_.histogram_disable) {
      core::Metric duration;
      duration.name =
          config_.metric_namespace.empty() ? "duration" : config_.metric_namespace + ".duration";
      duration.unit = config_.histogram_unit;
      core::Histogram histogram;
      histogram.aggregation_temporality = temporality;
      for (const Series& s : state.durations.series) {
        core::HistogramDataPoint point;
        point.attributes = s.attributes;
        point.start_time_unix_nano = start_of("duration", s.key);
        point.time_unix_nano = Unix(now);
        point.count = s.count;
        point.sum = s.sum;
        point.bucket_counts = s.bucket_counts;
        point.explicit_bounds = bounds_;
        histogram.data_points.push_back(std::move(point));
      }
      duration.data = std::move(histogram);
      scope.metrics.push_back(std::move(duration));
    }
    rm.scope_metrics.push_back(std::move(scope));
    data.resource_metrics.push_back(std::move(rm));
  }
  ++stats_.flushes;

  // resetState: delta clears everything; cumulative forgets expired resources
  // (they were emitted one last time above).
  if (delta) {
    resources_.clear();
  } else if (config_.metrics_expiration.count() > 0) {
    const SimTime expiration = config_.metrics_expiration.count();
    const size_t before = resources_.size();
    std::erase_if(resources_,
                  [&](const ResourceState& s) { return now - s.last_seen >= expiration; });
    stats_.expired_resources += before - resources_.size();
  }
  last_flush_ = data;
  if (emit_ && !data.resource_metrics.empty()) emit_(data);
}

}  // namespace tflo::workload
