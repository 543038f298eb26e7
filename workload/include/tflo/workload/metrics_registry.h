// MetricsRegistry: the OpenTelemetry metrics SDK of the simulated services, in
// miniature. Each service asks for a Meter (its resource and instrumentation
// scope) and creates instruments on it the way application code does with the
// OpenTelemetry API (metrics/api.md): Counter (monotonic Sum), UpDownCounter
// (non-monotonic Sum), Histogram (explicit buckets) and Gauge (last value),
// each recorded with an attribute set. The simulation calls Collect() at every
// scrape/export instant and hands the resulting MetricsData to the pipeline,
// the OTLP files and the Prometheus endpoint.
//
// Semantics follow the metrics SDK spec (metrics/sdk.md) with cumulative
// temporality: a series (instrument, attribute set) starts when it is first
// recorded and is reported at every later Collect with its running total;
// Counter ignores negative increments (the API forbids them); a Histogram
// bucket i counts values in (bounds[i-1], bounds[i]] (upper bound inclusive,
// the last bucket unbounded), with sum, count, min and max since the start.
// Attribute sets are order-insensitive: {a, b} and {b, a} are the same series,
// reported with keys sorted.
//
// Cost: recording looks the attribute set up in a hash map (no allocation when
// the set is already sorted by key and the series exists). Hot paths can Bind()
// an attribute set once and record through the handle: one add, no lookup.
// Handles, instruments and meters stay valid as long as the registry lives.
//
// Not thread-safe: the simulation is single-threaded; a real-time front end
// must serialise calls.
#ifndef TFLO_WORKLOAD_METRICS_REGISTRY_H_
#define TFLO_WORKLOAD_METRICS_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tflo/core/model.h"

namespace tflo::workload {

// Whether an instrument's points are OTLP as_int or as_double. Int instruments
// round each recorded value to the nearest integer.
enum class NumberKind { kInt, kDouble };

namespace metrics_internal {

// The running state of one series. Fields unused by an instrument type stay 0.
struct SeriesState {
  int64_t int_value = 0;                // Counter / UpDownCounter / Gauge with NumberKind::kInt
  double double_value = 0;              // ... with NumberKind::kDouble
  std::vector<uint64_t> bucket_counts;  // Histogram: bounds.size() + 1
  uint64_t count = 0;                   // Histogram
  double sum = 0;                       // Histogram
  double min = 0;                       // Histogram, valid when count > 0
  double max = 0;                       // Histogram, valid when count > 0
};

struct AttributesHash {
  size_t operator()(const core::Attributes& attributes) const;
};

// Strict weak order on key-sorted attribute sets (keys, then typed values).
bool AttributesLess(const core::Attributes& a, const core::Attributes& b);

}  // namespace metrics_internal

// What every instrument has in common: its identity and its series.
class Instrument {
 public:
  enum class Type { kCounter, kUpDownCounter, kHistogram, kGauge };

  Instrument(const Instrument&) = delete;
  Instrument& operator=(const Instrument&) = delete;
  virtual ~Instrument() = default;

  const std::string& name() const { return name_; }
  const std::string& unit() const { return unit_; }
  const std::string& description() const { return description_; }
  Type type() const { return type_; }
  NumberKind number_kind() const { return kind_; }
  size_t series_count() const { return series_.size(); }

  // The OTLP metric: one point per series, sorted by attributes; nullopt when
  // nothing was recorded yet.
  std::optional<core::Metric> ToMetric(uint64_t start_unix_nano, uint64_t now_unix_nano) const;

 protected:
  Instrument(Type type, std::string name, std::string unit, std::string description,
             NumberKind kind, std::vector<double> bounds = {});
  // The series of `attributes`, created on first use.
  metrics_internal::SeriesState& SeriesFor(const core::Attributes& attributes);
  const metrics_internal::SeriesState* FindSeries(const core::Attributes& attributes) const;
  void AddTo(metrics_internal::SeriesState& s, double value) const;
  void SetOn(metrics_internal::SeriesState& s, double value) const;
  void RecordOn(metrics_internal::SeriesState& s, double value) const;
  double ValueOf(const metrics_internal::SeriesState& s) const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  Type type_;
  std::string name_;
  std::string unit_;
  std::string description_;
  NumberKind kind_;
  std::vector<double> bounds_;
  // Node-based: SeriesState addresses are stable, which Bind() relies on.
  std::unordered_map<core::Attributes, metrics_internal::SeriesState,
                     metrics_internal::AttributesHash>
      series_;
};

// Monotonic sum: Add(v) with v >= 0 (negative values are ignored).
class Counter : public Instrument {
 public:
  class Bound {
   public:
    void Add(double value) {
      if (value >= 0) owner_->AddTo(*state_, value);
    }

   private:
    friend class Counter;
    Bound(const Counter* owner, metrics_internal::SeriesState* state)
        : owner_(owner), state_(state) {}
    const Counter* owner_;
    metrics_internal::SeriesState* state_;
  };

  void Add(double value, const core::Attributes& attributes = {});
  Bound Bind(const core::Attributes& attributes) { return Bound(this, &SeriesFor(attributes)); }
  // The running total of a series (0 if it was never recorded).
  double Value(const core::Attributes& attributes = {}) const;

 private:
  friend class Meter;
  using Instrument::Instrument;
};

// Non-monotonic sum: Add(v) with any sign (in-flight requests, queue lengths).
class UpDownCounter : public Instrument {
 public:
  class Bound {
   public:
    void Add(double value) { owner_->AddTo(*state_, value); }

   private:
    friend class UpDownCounter;
    Bound(const UpDownCounter* owner, metrics_internal::SeriesState* state)
        : owner_(owner), state_(state) {}
    const UpDownCounter* owner_;
    metrics_internal::SeriesState* state_;
  };

  void Add(double value, const core::Attributes& attributes = {});
  Bound Bind(const core::Attributes& attributes) { return Bound(this, &SeriesFor(attributes)); }
  double Value(const core::Attributes& attributes = {}) const;

 private:
  friend class Meter;
  using Instrument::Instrument;
};

// Distribution over explicit bucket bounds (always double-valued).
class Histogram : public Instrument {
 public:
  class Bound {
   public:
    void Record(double value) { owner_->RecordOn(*state_, value); }

   private:
    friend class Histogram;
    Bound(const Histogram* owner, metrics_internal::SeriesState* state)
        : owner_(owner), state_(state) {}
    const Histogram* owner_;
    metrics_internal::SeriesState* state_;
  };

  void Record(double value, const core::Attributes& attributes = {});
  Bound Bind(const core::Attributes& attributes) { return Bound(this, &SeriesFor(attributes)); }
  uint64_t Count(const core::Attributes& attributes = {}) const;
  double Sum(const core::Attributes& attributes = {}) const;
  const std::vector<double>& explicit_bounds() const { return bounds(); }

 private:
  friend class Meter;
  using Instrument::Instrument;
};

// Last value (synchronous gauge): Record(v) replaces the series' value.
class Gauge : public Instrument {
 public:
  class Bound {
   public:
    void Record(double value) { owner_->SetOn(*state_, value); }

   private:
    friend class Gauge;
    Bound(const Gauge* owner, metrics_internal::SeriesState* state)
        : owner_(owner), state_(state) {}
    const Gauge* owner_;
    metrics_internal::SeriesState* state_;
  };

  void Record(double value, const core::Attributes& attributes = {});
  Bound Bind(const core::Attributes& attributes) { return Bound(this, &SeriesFor(attributes)); }
  double Value(const core::Attributes& attributes = {}) const;

 private:
  friend class Meter;
  using Instrument::Instrument;
};

// Default bucket bounds of the OpenTelemetry SDK's explicit bucket histogram
// aggregation (metrics/sdk.md).
std::vector<double> DefaultHistogramBounds();
// The HTTP semantic conventions' recommended buckets for durations in seconds
// (http.server.request.duration).
std::vector<double> HttpDurationSecondsBounds();

// One service's meter: a resource and an instrumentation scope. Instrument
// names are unique within a meter: asking again for a name returns the
// existing instrument when its type matches. Asking for an existing name with
// another type is a programming error: the caller gets a detached instrument
// that records but is never exported.
class Meter {
 public:
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  Counter& CreateCounter(std::string_view name, std::string_view unit, std::string_view description,
                         NumberKind kind = NumberKind::kInt);
  UpDownCounter& CreateUpDownCounter(std::string_view name, std::string_view unit,
                                     std::string_view description,
                                     NumberKind kind = NumberKind::kInt);
  // `bounds` must be strictly increasing; they are sorted and de-duplicated if not.
  Histogram& CreateHistogram(std::string_view name, std::string_view unit,
                             std::string_view description, std::vector<double> bounds);
  Gauge& CreateGauge(std::string_view name, std::string_view unit, std::string_view description,
                     NumberKind kind = NumberKind::kInt);

  const core::Resource& resource() const { return resource_; }
  const core::InstrumentationScope& scope() const { return scope_; }

  // This meter's ResourceMetrics: metrics sorted by name, instruments without
  // any series left out; nullopt when no instrument has a series.
  std::optional<core::ResourceMetrics> Collect(uint64_t start_unix_nano,
                                               uint64_t now_unix_nano) const;

 private:
  friend class MetricsRegistry;
  Meter(core::Resource resource, core::InstrumentationScope scope)
      : resource_(std::move(resource)), scope_(std::move(scope)) {}
  template <typename T>
  T& Create(Instrument::Type type, std::string_view name, std::string_view unit,
            std::string_view description, NumberKind kind, std::vector<double> bounds);

  core::Resource resource_;
  core::InstrumentationScope scope_;
  std::map<std::string, std::unique_ptr<Instrument>, std::less<>> instruments_;
  std::vector<std::unique_ptr<Instrument>> detached_;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The meter of (resource, scope), created on first use.
  Meter& GetMeter(const core::Resource& resource, const core::InstrumentationScope& scope);

  // One export request: one ResourceMetrics per meter that has data, ordered
  // by service.name then scope name (then creation order); within each,
  // metrics sorted by name and points by attributes. Cumulative points carry
  // start_unix_nano as their start time and now_unix_nano as their time.
  core::MetricsData Collect(uint64_t start_unix_nano, uint64_t now_unix_nano) const;

  size_t meter_count() const { return meters_.size(); }

 private:
  std::vector<std::unique_ptr<Meter>> meters_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_METRICS_REGISTRY_H_
