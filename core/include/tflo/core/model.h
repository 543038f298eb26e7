// The telemetry model shared by every tflo component.
//
// Plain value types that mirror the OTLP data model (opentelemetry-proto
// common/resource/trace/metrics/logs v1) closely enough that the codecs in
// otlp_codec.h convert both ways without loss for everything tflo uses: the
// workload builds these, the OTLP files and the gRPC exporter carry them, and
// the analyzer reads them back. Times are nanoseconds since the Unix epoch
// (uint64), as on the wire. Value types: no ownership subtleties, not
// synchronised.
#ifndef TFLO_CORE_MODEL_H_
#define TFLO_CORE_MODEL_H_

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace tflo::core {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// Not all zero. Inline: asked of every span's parent id.
inline bool IsValid(const TraceId& id) {
  uint64_t words[2];
  std::memcpy(words, id.data(), sizeof(words));
  return (words[0] | words[1]) != 0;
}
inline bool IsValid(const SpanId& id) {
  uint64_t word = 0;
  std::memcpy(&word, id.data(), sizeof(word));
  return word != 0;
}
// Lower-case hex, 32 / 16 characters.
std::string ToHex(const TraceId& id);
std::string ToHex(const SpanId& id);
// Accepts upper- or lower-case hex of exactly the right length; an empty string
// yields the all-zero id. nullopt on anything else.
std::optional<TraceId> TraceIdFromHex(std::string_view hex);
std::optional<SpanId> SpanIdFromHex(std::string_view hex);

struct KeyValue;
struct AnyValue;

struct ArrayValue {
  std::vector<AnyValue> values;
  friend bool operator==(const ArrayValue&, const ArrayValue&);
};
struct KeyValueList {
  std::vector<KeyValue> values;
  friend bool operator==(const KeyValueList&, const KeyValueList&);
};
struct Bytes {
  std::vector<uint8_t> data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// A typed attribute value. monostate is OTLP's empty AnyValue.
struct AnyValue {
  using Variant = std::variant<std::monostate, std::string, bool, int64_t, double, ArrayValue,
                               KeyValueList, Bytes>;
  Variant value;

  AnyValue() = default;
  // Copied or moved straight into place (a by-value parameter would cost a move more).
  AnyValue(const std::string& v)  // NOLINT(google-explicit-constructor)
      : value(std::in_place_type<std::string>, v) {}
  AnyValue(std::string&& v)  // NOLINT(google-explicit-constructor)
      : value(std::in_place_type<std::string>, std::move(v)) {}
  // A literal's length is known at compile time (no strlen).
  template <size_t N>
  AnyValue(const char (&v)[N])  // NOLINT(google-explicit-constructor)
      : value(std::in_place_type<std::string>, v, __builtin_strnlen(v, N)) {}
  // A template so that literals prefer the overload above; never bool.
  template <typename T,
            typename = std::enable_if_t<std::is_same_v<T, const char*> || std::is_same_v<T, char*>>>
  AnyValue(T v) : value(std::string(v)) {}  // NOLINT(google-explicit-constructor)
  AnyValue(bool v) : value(v) {}                               // NOLINT(google-explicit-constructor)
  AnyValue(int64_t v) : value(v) {}                            // NOLINT(google-explicit-constructor)
  AnyValue(int v) : value(static_cast<int64_t>(v)) {}          // NOLINT(google-explicit-constructor)
  AnyValue(double v) : value(v) {}                             // NOLINT(google-explicit-constructor)
  AnyValue(ArrayValue v) : value(std::move(v)) {}              // NOLINT(google-explicit-constructor)
  AnyValue(KeyValueList v) : value(std::move(v)) {}            // NOLINT(google-explicit-constructor)
  AnyValue(Bytes v) : value(std::move(v)) {}                   // NOLINT(google-explicit-constructor)

  bool empty() const { return std::holds_alternative<std::monostate>(value); }
  const std::string* AsString() const { return std::get_if<std::string>(&value); }
  const int64_t* AsInt() const { return std::get_if<int64_t>(&value); }
  const double* AsDouble() const { return std::get_if<double>(&value); }
  const bool* AsBool() const { return std::get_if<bool>(&value); }
  // Human-readable rendering (strings unquoted), for reports and logs.
  std::string ToString() const;

  friend bool operator==(const AnyValue&, const AnyValue&);
};

// A name (an attribute's key, a span's name): a small immutable string that
// borrows string literals instead of copying them. Most names are literals in
// instrumentation code ("http.response.status_code", "DynamoDB.PutItem");
// building one from a literal stores a pointer, and copying, moving and
// destroying it touch no heap. Names from anywhere else (parsed files,
// std::string, std::string_view, const char* variables) are copied: up to 16
// characters inline, longer ones on the heap.
//
// A `const char[N]` argument is taken to be a string literal or another array
// of static storage duration: pass std::string or std::string_view for a
// buffer that dies. Mutable char arrays are rejected at compile time.
class Name {
 public:
  Name() noexcept { SetInline(0); }
  // A literal (or a static constant array): borrowed, never copied.
  template <size_t N>
  Name(const char (&literal)[N]) noexcept  // NOLINT(google-explicit-constructor)
      : data_(literal), size_(Length(literal, N)), mode_(Mode::kStatic) {}
  template <size_t N>
  Name(char (&)[N]) = delete;  // a buffer, not a literal: pass std::string_view
  // Anything else is copied. (A template so that literals prefer the
  // array overload above.)
  template <typename T,
            typename = std::enable_if_t<std::is_same_v<T, const char*> || std::is_same_v<T, char*>>>
  Name(T text)  // NOLINT(google-explicit-constructor)
      : Name(std::string_view(text)) {}
  Name(std::string_view text) { Assign(text); }  // NOLINT(google-explicit-constructor)
  Name(const std::string& text)                  // NOLINT(google-explicit-constructor)
      : Name(std::string_view(text)) {}
  // Borrows `text`, which must outlive every copy of the result (a constant
  // table's string reached through a pointer, say).
  static Name Static(std::string_view text) noexcept {
    return Name(text.data(), static_cast<uint32_t>(text.size()));
  }
  Name(const Name& other) { CopyFrom(other); }
  Name(Name&& other) noexcept { StealFrom(other); }
  Name& operator=(const Name& other) {
    if (this != &other) {
      Name copy(other);  // may throw: *this stays as it was
      Release();
      StealFrom(copy);
    }
    return *this;
  }
  Name& operator=(Name&& other) noexcept {
    if (this != &other) {
      Release();
      StealFrom(other);
    }
    return *this;
  }
  ~Name() { Release(); }

  // Not NUL-terminated.
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  // Whether the characters are a borrowed literal (for tests).
  bool borrowed() const { return mode_ == Mode::kStatic; }

  friend bool operator==(const Name& a, const Name& b) { return a.view() == b.view(); }
  friend bool operator==(const Name& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const Name& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const Name& a, const char* b) { return a.view() == b; }
  friend auto operator<=>(const Name& a, const Name& b) { return a.view() <=> b.view(); }
  friend auto operator<=>(const Name& a, std::string_view b) { return a.view() <=> b; }
  friend auto operator<=>(const Name& a, const std::string& b) { return a.view() <=> b; }
  friend std::string operator+(const Name& a, std::string_view b) {
    std::string out(a.view());
    out.append(b);
    return out;
  }
  friend std::string operator+(std::string a, const Name& b) {
    a.append(b.view());
    return a;
  }

 private:
  enum class Mode : uint8_t { kInline, kHeap, kStatic };
  static constexpr size_t kInlineCapacity = 16;

  // Borrowed characters.
  Name(const char* data, uint32_t size) noexcept : data_(data), size_(size), mode_(Mode::kStatic) {}

  static uint32_t Length(const char* text, size_t n) {
    // Up to the first NUL (an array may be larger than its text); folded to a
    // constant for a literal.
    return static_cast<uint32_t>(__builtin_strnlen(text, n));
  }
  void SetInline(size_t n) {
    data_ = inline_;
    size_ = static_cast<uint32_t>(n);
    mode_ = Mode::kInline;
  }
  void Assign(std::string_view text);  // copies (model.cc)
  void CopyFrom(const Name& other) {
    if (other.mode_ == Mode::kStatic) {
      data_ = other.data_;
      size_ = other.size_;
      mode_ = Mode::kStatic;
    } else {
      Assign(other.view());
    }
  }
  void StealFrom(Name& other) noexcept {
    mode_ = other.mode_;
    size_ = other.size_;
    if (mode_ == Mode::kInline) {
      std::memcpy(inline_, other.inline_, kInlineCapacity);
      data_ = inline_;
    } else {
      data_ = other.data_;
      other.SetInline(0);
    }
  }
  void Release() noexcept {
    if (mode_ == Mode::kHeap) delete[] data_;
  }

  const char* data_;
  uint32_t size_;
  Mode mode_;
  // Zeroed on construction (one store), so that a move never copies
  // indeterminate bytes.
  char inline_[kInlineCapacity] = {};
};
std::ostream& operator<<(std::ostream& os, const Name& key);

struct KeyValue {
  Name key;
  AnyValue value;
  friend bool operator==(const KeyValue&, const KeyValue&);
};

// An immutable block of attributes built once and shared by every Attributes
// that starts with it (the constant attributes of a span kind, a resource).
using SharedAttributeBlock = std::shared_ptr<const std::vector<KeyValue>>;
SharedAttributeBlock MakeSharedAttributeBlock(std::vector<KeyValue> attributes);
// A block that lives until the process exits (never freed), for the constants
// of a span kind held in a function-local static: it has no reference count,
// so copying and dropping it touch no shared memory. The simulator makes spans
// on one thread and frees them on another; a count bumped from both sides on
// every span made that cache line bounce between the cores.
SharedAttributeBlock MakeStaticAttributeBlock(std::vector<KeyValue> attributes);

// Ordered, as on the wire. Keys should be unique; FindAttribute returns the first.
//
// A sequence of KeyValues like a std::vector, stored as an optional shared,
// immutable prefix (SharedAttributeBlock) followed by owned elements: copying
// one whose bulk is a shared block copies a pointer and the owned tail. The
// simulator builds tens of millions of spans and resources whose attributes
// are mostly constant; copying each KeyValue (a string and a variant) was a
// tenth of its time. Reading is const-only: iteration and operator[] give
// const KeyValues. Appending (push_back, emplace_back, insert at end()) leaves
// the prefix shared; any other change copies the prefix into the owned part
// first (Unshare()), so a change never reaches the shared block.
class Attributes {
 public:
  using value_type = KeyValue;
  using size_type = size_t;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = KeyValue;
    using difference_type = std::ptrdiff_t;
    using pointer = const KeyValue*;
    using reference = const KeyValue&;

    const_iterator() = default;
    const_iterator(const Attributes* owner, size_t index) : owner_(owner), index_(index) {}
    reference operator*() const { return (*owner_)[index_]; }
    pointer operator->() const { return &(*owner_)[index_]; }
    reference operator[](difference_type n) const {
      return (*owner_)[static_cast<size_t>(static_cast<difference_type>(index_) + n)];
    }
    const_iterator& operator++() { ++index_; return *this; }
    const_iterator operator++(int) { const_iterator old = *this; ++index_; return old; }
    const_iterator& operator--() { --index_; return *this; }
    const_iterator operator--(int) { const_iterator old = *this; --index_; return old; }
    const_iterator& operator+=(difference_type n) {
      index_ = static_cast<size_t>(static_cast<difference_type>(index_) + n);
      return *this;
    }
    const_iterator& operator-=(difference_type n) { return *this += -n; }
    friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
    friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
    friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.index_ == b.index_;
    }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
      return a.index_ <=> b.index_;
    }
    size_t index() const { return index_; }

   private:
    const Attributes* owner_ = nullptr;
    size_t index_ = 0;
  };
  using iterator = const_iterator;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  Attributes() = default;
  Attributes(std::initializer_list<KeyValue> list) : own_(list) {}
  explicit Attributes(std::vector<KeyValue> list) : own_(std::move(list)) {}
  template <typename InputIt>
  Attributes(InputIt first, InputIt last) : own_(first, last) {}
  // All of `attributes` in one new shared block: copies of the result share it.
  static Attributes Shared(const Attributes& attributes) {
    return Attributes(
        MakeSharedAttributeBlock(std::vector<KeyValue>(attributes.begin(), attributes.end())));
  }
  // Starts with `prefix` (shared, not copied); null is empty.
  explicit Attributes(SharedAttributeBlock prefix)
      : prefix_(std::move(prefix)), prefix_size_(prefix_ ? prefix_->size() : 0) {}

  size_t size() const { return prefix_size_ + own_.size(); }
  bool empty() const { return size() == 0; }
  const KeyValue& operator[](size_t i) const {
    return i < prefix_size_ ? (*prefix_)[i] : own_[i - prefix_size_];
  }
  const KeyValue& at(size_t i) const;  // std::out_of_range past the end
  const KeyValue& front() const { return (*this)[0]; }
  const KeyValue& back() const { return (*this)[size() - 1]; }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void reserve(size_t n) { own_.reserve(n > prefix_size_ ? n - prefix_size_ : 0); }
  void push_back(const KeyValue& kv) { own_.push_back(kv); }
  void push_back(KeyValue&& kv) { own_.push_back(std::move(kv)); }
  template <typename... Args>
  KeyValue& emplace_back(Args&&... args) {
    return own_.emplace_back(std::forward<Args>(args)...);
  }
  // Inserts [first, last) before `pos`; at end() the prefix stays shared.
  template <typename InputIt>
  const_iterator insert(const_iterator pos, InputIt first, InputIt last) {
    const size_t index = pos.index();
    if (index < prefix_size_) Unshare();
    own_.insert(own_.begin() + static_cast<std::ptrdiff_t>(index - prefix_size_), first, last);
    return const_iterator(this, index);
  }
  const_iterator insert(const_iterator pos, KeyValue kv) {
    const size_t index = pos.index();
    if (index < prefix_size_) Unshare();
    own_.insert(own_.begin() + static_cast<std::ptrdiff_t>(index - prefix_size_), std::move(kv));
    return const_iterator(this, index);
  }
  const_iterator insert(const_iterator pos, std::initializer_list<KeyValue> list) {
    return insert(pos, list.begin(), list.end());
  }
  const_iterator erase(const_iterator first, const_iterator last);
  const_iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  void clear() {
    prefix_.reset();
    prefix_size_ = 0;
    own_.clear();
  }
  // The element at `i`, to change in place (unshares first when it is in the prefix).
  KeyValue& mutable_at(size_t i);
  KeyValue& mutable_back() { return mutable_at(size() - 1); }
  // Removes the elements `pred` holds for; returns how many.
  template <typename Pred>
  size_t EraseIf(Pred pred) {
    if (std::none_of(begin(), end(), pred)) return 0;
    Unshare();
    return std::erase_if(own_, pred);
  }
  // Every element, owned and changeable (unshares first).
  std::vector<KeyValue>& mutable_elements() {
    Unshare();
    return own_;
  }
  // Copies the shared prefix into the owned elements; no-op without one.
  void Unshare();
  bool has_shared_prefix() const { return prefix_ != nullptr; }
  // The prefix when it is a block that lives until exit
  // (MakeStaticAttributeBlock: no reference count), else nullptr. Its address
  // identifies its contents for good, so encoders may cache its encoding.
  const std::vector<KeyValue>* static_prefix() const {
    return prefix_ != nullptr && prefix_.use_count() == 0 ? prefix_.get() : nullptr;
  }
  // The elements after the prefix (all of them without one).
  const std::vector<KeyValue>& owned_elements() const { return own_; }

  friend bool operator==(const Attributes& a, const Attributes& b);

 private:
  SharedAttributeBlock prefix_;
  size_t prefix_size_ = 0;
  std::vector<KeyValue> own_;
};
const AnyValue* FindAttribute(const Attributes& attributes, std::string_view key);
// Replaces the value of `key` or appends it.
void SetAttribute(Attributes& attributes, std::string_view key, AnyValue value);

struct Resource {
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Resource&, const Resource&) = default;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  friend bool operator==(const InstrumentationScope&, const InstrumentationScope&) = default;
};

// ---- traces ----------------------------------------------------------------

// Numbered as OTLP's Span.SpanKind.
enum class SpanKind : int {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
std::string_view SpanKindName(SpanKind kind);  // "SPAN_KIND_SERVER", ...

// Numbered as OTLP's Status.StatusCode.
enum class StatusCode : int { kUnset = 0, kOk = 1, kError = 2 };
std::string_view StatusCodeName(StatusCode code);  // "STATUS_CODE_ERROR", ...

struct SpanStatus {
  StatusCode code = StatusCode::kUnset;
  std::string message;
  friend bool operator==(const SpanStatus&, const SpanStatus&) = default;
};

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  friend bool operator==(const SpanEvent&, const SpanEvent&) = default;
};

struct SpanLink {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  friend bool operator==(const SpanLink&, const SpanLink&) = default;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  SpanId parent_span_id{};  // all zero for a root span
  uint32_t flags = 0;
  Name name;
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatus status;

  bool is_root() const { return !IsValid(parent_span_id); }
  double duration_ms() const {
    return static_cast<double>(end_time_unix_nano - start_time_unix_nano) / 1e6;
  }
  friend bool operator==(const Span&, const Span&) = default;
};

struct ScopeSpans {
  InstrumentationScope scope;
  std::vector<Span> spans;
  std::string schema_url;
  friend bool operator==(const ScopeSpans&, const ScopeSpans&) = default;
};

struct ResourceSpans {
  Resource resource;
  std::vector<ScopeSpans> scope_spans;
  std::string schema_url;
  friend bool operator==(const ResourceSpans&, const ResourceSpans&) = default;
};

// One export request's worth of spans (ExportTraceServiceRequest).
struct TracesData {
  std::vector<ResourceSpans> resource_spans;
  size_t SpanCount() const;
  friend bool operator==(const TracesData&, const TracesData&) = default;
};

// ---- metrics ---------------------------------------------------------------

// Numbered as OTLP's AggregationTemporality.
enum class AggregationTemporality : int { kUnspecified = 0, kDelta = 1, kCumulative = 2 };

struct NumberDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  std::variant<double, int64_t> value = 0.0;
  uint32_t flags = 0;
  double AsDouble() const {
    return std::holds_alternative<double>(value) ? std::get<double>(value)
                                                 : static_cast<double>(std::get<int64_t>(value));
  }
  friend bool operator==(const NumberDataPoint&, const NumberDataPoint&) = default;
};

struct HistogramDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  std::optional<double> sum;
  std::vector<uint64_t> bucket_counts;   // explicit_bounds.size() + 1 entries
  std::vector<double> explicit_bounds;   // strictly increasing upper bounds
  uint32_t flags = 0;
  std::optional<double> min;
  std::optional<double> max;
  friend bool operator==(const HistogramDataPoint&, const HistogramDataPoint&) = default;
};

struct Gauge {
  std::vector<NumberDataPoint> data_points;
  friend bool operator==(const Gauge&, const Gauge&) = default;
};
struct Sum {
  std::vector<NumberDataPoint> data_points;
  AggregationTemporality aggregation_temporality = AggregationTemporality::kCumulative;
  bool is_monotonic = true;
  friend bool operator==(const Sum&, const Sum&) = default;
};
struct Histogram {
  std::vector<HistogramDataPoint> data_points;
  AggregationTemporality aggregation_temporality = AggregationTemporality::kCumulative;
  friend bool operator==(const Histogram&, const Histogram&) = default;
};

struct Metric {
  std::string name;
  std::string description;
  std::string unit;
  // Summary and exponential histograms are not modelled: the codecs skip them.
  std::variant<Gauge, Sum, Histogram> data;
  friend bool operator==(const Metric&, const Metric&) = default;
};

struct ScopeMetrics {
  InstrumentationScope scope;
  std::vector<Metric> metrics;
  std::string schema_url;
  friend bool operator==(const ScopeMetrics&, const ScopeMetrics&) = default;
};

struct ResourceMetrics {
  Resource resource;
  std::vector<ScopeMetrics> scope_metrics;
  std::string schema_url;
  friend bool operator==(const ResourceMetrics&, const ResourceMetrics&) = default;
};

// One ExportMetricsServiceRequest.
struct MetricsData {
  std::vector<ResourceMetrics> resource_metrics;
  size_t DataPointCount() const;
  friend bool operator==(const MetricsData&, const MetricsData&) = default;
};

// ---- logs ------------------------------------------------------------------

struct LogRecord {
  uint64_t time_unix_nano = 0;
  uint64_t observed_time_unix_nano = 0;
  int severity_number = 0;  // OTLP SeverityNumber: 9 INFO, 13 WARN, 17 ERROR, ...
  std::string severity_text;
  AnyValue body;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  TraceId trace_id{};
  SpanId span_id{};
  std::string event_name;
  friend bool operator==(const LogRecord&, const LogRecord&) = default;
};

struct ScopeLogs {
  InstrumentationScope scope;
  std::vector<LogRecord> log_records;
  std::string schema_url;
  friend bool operator==(const ScopeLogs&, const ScopeLogs&) = default;
};

struct ResourceLogs {
  Resource resource;
  std::vector<ScopeLogs> scope_logs;
  std::string schema_url;
  friend bool operator==(const ResourceLogs&, const ResourceLogs&) = default;
};

// One ExportLogsServiceRequest.
struct LogsData {
  std::vector<ResourceLogs> resource_logs;
  size_t LogRecordCount() const;
  friend bool operator==(const LogsData&, const LogsData&) = default;
};

}  // namespace tflo::core

#endif  // TFLO_CORE_MODEL_H_
