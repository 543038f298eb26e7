#include "tflo/workload/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>
#include <utility>
#include <variant>

namespace tflo::workload {
namespace metrics_internal {
namespace {

size_t Mix(size_t seed, size_t value) {
  // boost::hash_combine's constant: spreads consecutive values across buckets.
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

size_t HashValue(const core::AnyValue& value) {
  const size_t index = value.value.index();
  size_t h = index;
  if (const auto* s = value.AsString()) return Mix(h, std::hash<std::string>{}(*s));
  if (const auto* b = value.AsBool()) return Mix(h, *b ? 1 : 0);
  if (const auto* i = value.AsInt()) return Mix(h, std::hash<int64_t>{}(*i));
  if (const auto* d = value.AsDouble()) {
    // -0.0 == 0.0 but their bit patterns differ: hash them alike.
    return Mix(h, *d == 0 ? 0 : std::hash<double>{}(*d));
  }
  if (value.empty()) return h;
  return Mix(h, std::hash<std::string>{}(value.ToString()));
}

// -1, 0, 1 for a < b, a == b, a > b.
int CompareValues(const core::AnyValue& a, const core::AnyValue& b) {
  const size_t ia = a.value.index();
  const size_t ib = b.value.index();
  if (ia != ib) return ia < ib ? -1 : 1;
  if (const auto* s = a.AsString()) {
    const int c = s->compare(*b.AsString());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (const auto* x = a.AsBool()) return *x == *b.AsBool() ? 0 : (*x ? 1 : -1);
  if (const auto* x = a.AsInt()) return *x == *b.AsInt() ? 0 : (*x < *b.AsInt() ? -1 : 1);
  if (const auto* x = a.AsDouble()) return *x == *b.AsDouble() ? 0 : (*x < *b.AsDouble() ? -1 : 1);
  if (a.empty()) return 0;
  const std::string sa = a.ToString();
  const std::string sb = b.ToString();
  return sa == sb ? 0 : (sa < sb ? -1 : 1);
}

}  // namespace

size_t AttributesHash::operator()(const core::Attributes& attributes) const {
  size_t h = attributes.size();
  for (const core::KeyValue& kv : attributes) {
    h = Mix(h, std::hash<std::string_view>{}(kv.key.view()));
    h = Mix(h, HashValue(kv.value));
  }
  return h;
}

bool AttributesLess(const core::Attributes& a, const core::Attributes& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i].key != b[i].key) return a[i].key < b[i].key;
    const int c = CompareValues(a[i].value, b[i].value);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

}  // namespace metrics_internal

namespace {

using metrics_internal::SeriesState;

bool KeyLess(const core::KeyValue& a, const core::KeyValue& b) { return a.key < b.key; }

}  // namespace

// ---- Instrument -------------------------------------------------------------

Instrument::Instrument(Type type, std::string name, std::string unit, std::string description,
                       NumberKind kind, std::vector<double> bounds)
    : type_(type),
      name_(std::move(name)),
      unit_(std::move(unit)),
      description_(std::move(description)),
      kind_(kind),
      bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
}

SeriesState& Instrument::SeriesFor(const core::Attributes& attributes) {
  // The common case (attributes already sorted, series exists) neither copies
  // nor allocates.
  if (std::is_sorted(attributes.begin(), attributes.end(), KeyLess)) {
    if (auto it = series_.find(attributes); it != series_.end()) return it->second;
    SeriesState& s = series_[attributes];
    if (type_ == Type::kHistogram) s.bucket_counts.assign(bounds_.size() + 1, 0);
    return s;
  }
  core::Attributes sorted = attributes;
  std::stable_sort(sorted.mutable_elements().begin(), sorted.mutable_elements().end(), KeyLess);
  auto [it, inserted] = series_.try_emplace(std::move(sorted));
  if (inserted && type_ == Type::kHistogram) it->second.bucket_counts.assign(bounds_.size() + 1, 0);
  return it->second;
}

const SeriesState* Instrument::FindSeries(const core::Attributes& attributes) const {
  if (std::is_sorted(attributes.begin(), attributes.end(), KeyLess)) {
    auto it = series_.find(attributes);
    return it == series_.end() ? nullptr : &it->second;
  }
  core::Attributes sorted = attributes;
  std::stable_sort(sorted.mutable_elements().begin(), sorted.mutable_elements().end(), KeyLess);
  auto it = series_.find(sorted);
  return it == series_.end() ? nullptr : &it->second;
}

void Instrument::AddTo(SeriesState& s, double value) const {
  if (kind_ == NumberKind::kInt) {
    s.int_value += std::llround(value);
  } else {
    s.double_value += value;
  }
}

void Instrument::SetOn(SeriesState& s, double value) const {
  if (kind_ == NumberKind::kInt) {
    s.int_value = std::llround(value);
  } else {
    s.double_value = value;
  }
}

void Instrument::RecordOn(SeriesState& s, double value) const {
  if (!std::isfinite(value)) return;  // the SDK drops NaN / inf measurements
  // Bucket i holds (bounds[i-1], bounds[i]]: the first bound >= value.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++s.bucket_counts[static_cast<size_t>(it - bounds_.begin())];
  if (s.count == 0) {
    s.min = value;
    s.max = value;
  } else {
    s.min = std::min(s.min, value);
    s.max = std::max(s.max, value);
  }
  ++s.count;
  s.sum += value;
}

double Instrument::ValueOf(const SeriesState& s) const {
  return kind_ == NumberKind::kInt ? static_cast<double>(s.int_value) : s.double_value;
}

std::optional<core::Metric> Instrument::ToMetric(uint64_t start_unix_nano,
                                                 uint64_t now_unix_nano) const {
  if (series_.empty()) return std::nullopt;
  // The hash map's order depends on hashing: sort for deterministic output.
  std::vector<const std::pair<const core::Attributes, SeriesState>*> ordered;
  ordered.reserve(series_.size());
  for (const auto& entry : series_) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return metrics_internal::AttributesLess(a->first, b->first);
  });

  core::Metric metric;
  metric.name = name_;
  metric.unit = unit_;
  metric.description = description_;
  if (type_ == Type::kHistogram) {
    core::Histogram histogram;
    histogram.aggregation_temporality = core::AggregationTemporality::kCumulative;
    histogram.data_points.reserve(ordered.size());
    for (const auto* entry : ordered) {
      const SeriesState& s = entry->second;
      core::HistogramDataPoint point;
      point.attributes = entry->first;
      point.start_time_unix_nano = start_unix_nano;
      point.time_unix_nano = now_unix_nano;
      point.count = s.count;
      point.sum = s.sum;
      point.bucket_counts = s.bucket_counts;
      point.explicit_bounds = bounds_;
      if (s.count > 0) {
        point.min = s.min;
        point.max = s.max;
      }
      histogram.data_points.push_back(std::move(point));
    }
    metric.data = std::move(histogram);
    return metric;
  }

  std::vector<core::NumberDataPoint> points;
  points.reserve(ordered.size());
  for (const auto* entry : ordered) {
    core::NumberDataPoint point;
    point.attributes = entry->first;
    point.start_time_unix_nano = start_unix_nano;
    point.time_unix_nano = now_unix_nano;
    if (kind_ == NumberKind::kInt) {
      point.value = entry->second.int_value;
    } else {
      point.value = entry->second.double_value;
    }
    points.push_back(std::move(point));
  }
  if (type_ == Type::kGauge) {
    core::Gauge gauge;
    gauge.data_points = std::move(points);
    metric.data = std::move(gauge);
  } else {
    core::Sum sum;
    sum.aggregation_temporality = core::AggregationTemporality::kCumulative;
    sum.is_monotonic = type_ == Type::kCounter;
    sum.data_points = std::move(points);
    metric.data = std::move(sum);
  }
  return metric;
}

// ---- instruments ------------------------------------------------------------

void Counter::Add(double value, const core::Attributes& attributes) {
  if (!(value >= 0)) return;  // negative (or NaN) increments are invalid for a Counter
  AddTo(SeriesFor(attributes), value);
}

double Counter::Value(const core::Attributes& attributes) const {
  const SeriesState* s = FindSeries(attributes);
  return s == nullptr ? 0 : ValueOf(*s);
}

void UpDownCounter::Add(double value, const core::Attributes& attributes) {
  if (!std::isfinite(value)) return;
  AddTo(SeriesFor(attributes), value);
}

double UpDownCounter::Value(const core::Attributes& attributes) const {
  const SeriesState* s = FindSeries(attributes);
  return s == nullptr ? 0 : ValueOf(*s);
}

void Histogram::Record(double value, const core::Attributes& attributes) {
  if (!std::isfinite(value)) return;
  RecordOn(SeriesFor(attributes), value);
}

uint64_t Histogram::Count(const core::Attributes& attributes) const {
  const SeriesState* s = FindSeries(attributes);
  return s == nullptr ? 0 : s->count;
}

double Histogram::Sum(const core::Attributes& attributes) const {
  const SeriesState* s = FindSeries(attributes);
  return s == nullptr ? 0 : s->sum;
}

void Gauge::Record(double value, const core::Attributes& attributes) {
  if (!std::isfinite(value)) return;
  SetOn(SeriesFor(attributes), value);
}

double Gauge::Value(const core::Attributes& attributes) const {
  const SeriesState* s = FindSeries(attributes);
  return s == nullptr ? 0 : ValueOf(*s);
}

std::vector<double> DefaultHistogramBounds() {
  return {0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000};
}

std::vector<double> HttpDurationSecondsBounds() {
  return {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};
}

// ---- Meter ------------------------------------------------------------------

template <typename T>
T& Meter::Create(Instrument::Type type, std::string_view name, std::string_view unit,
                 std::string_view description, NumberKind kind, std::vector<double> bounds) {
  if (auto it = instruments_.find(name); it != instruments_.end()) {
    if (it->second->type() == type) return static_cast<T&>(*it->second);
    detached_.push_back(
        std::unique_ptr<Instrument>(new T(type, std::string(name), std::string(unit),
                                          std::string(description), kind, std::move(bounds))));
    return static_cast<T&>(*detached_.back());
  }
  auto instrument =
      std::unique_ptr<Instrument>(new T(type, std::string(name), std::string(unit),
                                        std::string(description), kind, std::move(bounds)));
  T& ref = static_cast<T&>(*instrument);
  instruments_.emplace(std::string(name), std::move(instrument));
  return ref;
}

Counter& Meter::CreateCounter(std::string_view name, std::string_view unit,
                              std::string_view description, NumberKind kind) {
  return Create<Counter>(Instrument::Type::kCounter, name, unit, description, kind, {});
}

UpDownCounter& Meter::CreateUpDownCounter(std::string_view name, std::string_view unit,
                                          std::string_view description, NumberKind kind) {
  return Create<UpDownCounter>(Instrument::Type::kUpDownCounter, name, unit, description, kind, {});
}

Histogram& Meter::CreateHistogram(std::string_view name, std::string_view unit,
                                  std::string_view description, std::vector<double> bounds) {
  return Create<Histogram>(Instrument::Type::kHistogram, name, unit, description,
                           NumberKind::kDouble, std::move(bounds));
}

Gauge& Meter::CreateGauge(std::string_view name, std::string_view unit,
                          std::string_view description, NumberKind kind) {
  return Create<Gauge>(Instrument::Type::kGauge, name, unit, description, kind, {});
}

std::optional<core::ResourceMetrics> Meter::Collect(uint64_t start_unix_nano,
                                                    uint64_t now_unix_nano) const {
  core::ScopeMetrics scope_metrics;
  scope_metrics.scope = scope_;
  // instruments_ is a std::map: already in name order.
  for (const auto& [name, instrument] : instruments_) {
    std::optional<core::Metric> metric = instrument->ToMetric(start_unix_nano, now_unix_nano);
    if (metric) scope_metrics.metrics.push_back(std::move(*metric));
  }
  if (scope_metrics.metrics.empty()) return std::nullopt;
  core::ResourceMetrics out;
  out.resource = resource_;
  out.scope_metrics.push_back(std::move(scope_metrics));
  return out;
}

// ---- MetricsRegistry --------------------------------------------------------

Meter& MetricsRegistry::GetMeter(const core::Resource& resource,
                                 const core::InstrumentationScope& scope) {
  for (const auto& meter : meters_) {
    if (meter->resource() == resource && meter->scope() == scope) return *meter;
  }
  meters_.push_back(std::unique_ptr<Meter>(new Meter(resource, scope)));
  return *meters_.back();
}

core::MetricsData MetricsRegistry::Collect(uint64_t start_unix_nano, uint64_t now_unix_nano) const {
  std::vector<std::tuple<std::string, std::string, size_t>> order;
  order.reserve(meters_.size());
  for (size_t i = 0; i < meters_.size(); ++i) {
    const core::AnyValue* service =
        core::FindAttribute(meters_[i]->resource().attributes, "service.name");
    order.emplace_back(service != nullptr ? service->ToString() : std::string(),
                       meters_[i]->scope().name, i);
  }
  std::sort(order.begin(), order.end());

  core::MetricsData data;
  for (const auto& entry : order) {
    std::optional<core::ResourceMetrics> rm =
        meters_[std::get<2>(entry)]->Collect(start_unix_nano, now_unix_nano);
    if (rm) data.resource_metrics.push_back(std::move(*rm));
  }
  return data;
}

}  // namespace tflo::workload
