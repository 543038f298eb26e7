#include "tflo/core/otlp_json.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "copy_bytes.h"
#include "otlp_json_internal.h"
#include <nlohmann/json.hpp>

namespace tflo::core {
namespace {

using internal::CopyBytes;

// ============================================================================
// Encoding. Written by hand rather than through nlohmann::json: building a DOM
// per span costs several allocations per field, and the writer is on the path
// the workload uses to record millions of spans. Keys follow proto declaration
// order, so the output is deterministic.
// ============================================================================

// Writes straight into an OutputBuffer through a cursor: the buffer's spare
// room is reserved ahead of the cursor and the buffer's size is set to what
// was written when the writer goes away, so each primitive is a bounds check
// and a few stores rather than a std::string::append / push_back per token.
class JsonWriter {
 public:
  explicit JsonWriter(internal::OutputBuffer* out) : out_(*out) {
    p_ = out_.Reserve(kChunk);
    end_ = out_.data() + out_.capacity();
  }
  ~JsonWriter() { out_.set_size(static_cast<size_t>(p_ - out_.data())); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject() { Char('{'); }
  void EndObject() { Char('}'); }
  void BeginArray() { Char('['); }
  void EndArray() { Char(']'); }

  // Before an array element: a comma unless it is the first one.
  void Element() {
    Reserve(1);
    if (p_[-1] != '[') *p_++ = ',';
  }

  // `key` is a plain ASCII literal that needs no escaping.
  void Key(std::string_view key) {
    Reserve(key.size() + 4);
    if (p_[-1] != '{') *p_++ = ',';
    *p_++ = '"';
    p_ = CopyBytes(p_, key.data(), key.size());
    p_[0] = '"';
    p_[1] = ':';
    p_ += 2;
  }

  // Bytes written as they are (JSON punctuation and literal keys).
  void Raw(std::string_view s) {
    Reserve(s.size());
    p_ = CopyBytes(p_, s.data(), s.size());
  }

  void String(std::string_view s);
  void Bool(bool b) { Raw(b ? std::string_view("true") : std::string_view("false")); }

  void Uint(uint64_t v) {
    Reserve(kMaxDigits);
    p_ = WriteDecimal(p_, v);
  }

  void Int(int64_t v) {
    Reserve(kMaxDigits + 1);
    if (v < 0) {
      *p_++ = '-';
      // Two's complement negation in unsigned arithmetic covers INT64_MIN.
      p_ = WriteDecimal(p_, ~static_cast<uint64_t>(v) + 1);
    } else {
      p_ = WriteDecimal(p_, static_cast<uint64_t>(v));
    }
  }

  // 64-bit integers are JSON strings in OTLP/JSON.
  void QuotedUint(uint64_t v) {
    Reserve(kMaxDigits + 2);
    *p_++ = '"';
    p_ = WriteDecimal(p_, v);
    *p_++ = '"';
  }
  void QuotedInt(int64_t v) {
    Reserve(kMaxDigits + 3);
    *p_++ = '"';
    Int(v);
    *p_++ = '"';
  }

  void Double(double d) {
    if (std::isnan(d)) {
      Raw("\"NaN\"");
    } else if (std::isinf(d)) {
      Raw(d > 0 ? std::string_view("\"Infinity\"") : std::string_view("\"-Infinity\""));
    } else {
      // Shortest representation that parses back to the same double.
      Reserve(32);
      p_ = std::to_chars(p_, p_ + 32, d).ptr;
    }
  }

  template <size_t N>
  void Hex(const std::array<uint8_t, N>& id) {
    static constexpr char kDigits[] = "0123456789abcdef";
    Reserve(2 * N + 2);
    p_[0] = '"';
    for (size_t i = 0; i < N; ++i) {
      p_[1 + 2 * i] = kDigits[id[i] >> 4];
      p_[2 + 2 * i] = kDigits[id[i] & 0x0f];
    }
    p_[2 * N + 1] = '"';
    p_ += 2 * N + 2;
  }

  void Base64(const std::vector<uint8_t>& data);

 private:
  static constexpr size_t kChunk = size_t{16} << 10;
  static constexpr size_t kMaxDigits = 20;  // UINT64_MAX

  // Makes room for n more bytes after the cursor.
  void Reserve(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Grow(n);
  }
  void Grow(size_t n) {
    out_.set_size(static_cast<size_t>(p_ - out_.data()));
    p_ = out_.Reserve(n);
    end_ = out_.data() + out_.capacity();
  }
  void Char(char c) {
    Reserve(1);
    *p_++ = c;
  }

  // Decimal digits of v at dst; returns the end.
  static char* WriteDecimal(char* dst, uint64_t v) {
    static constexpr char kPairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char buf[kMaxDigits];
    char* q = buf + kMaxDigits;
    while (v >= 100) {
      const auto pair = static_cast<size_t>(v % 100) * 2;
      v /= 100;
      q -= 2;
      q[0] = kPairs[pair];
      q[1] = kPairs[pair + 1];
    }
    if (v >= 10) {
      const auto pair = static_cast<size_t>(v) * 2;
      q -= 2;
      q[0] = kPairs[pair];
      q[1] = kPairs[pair + 1];
    } else {
      *--q = static_cast<char>('0' + v);
    }
    return CopyBytes(dst, q, static_cast<size_t>(buf + kMaxDigits - q));
  }

  internal::OutputBuffer& out_;
  char* p_ = nullptr;    // next byte to write
  char* end_ = nullptr;  // end of the room reserved in out_
};

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid
// (bad lead byte, bad continuation, overlong form, surrogate, > U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  size_t len = 0;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

// Bytes that a JSON string cannot hold as they are (control characters, '"',
// '\\') or that need a UTF-8 check (>= 0x80).
constexpr std::array<bool, 256> kNeedsAttention = [] {
  std::array<bool, 256> table{};
  for (size_t c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}();

// True when one of the 8 bytes packed in w needs attention (see
// kNeedsAttention). The usual SWAR tests: (x - 0x01..) & ~x & 0x80.. flags a
// zero byte (x = w ^ c finds c) and (w - 0x20..) & ~w & 0x80.. a byte below
// 0x20; both are exact as "is there any such byte".
inline bool AnyNeedsAttention(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t flags = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                         ((backslash - kOnes) & ~backslash) | w;
  return (flags & kHigh) != 0;
}

// The length of the prefix of s[from, size) that needs no attention.
size_t PlainRun(std::string_view s, size_t from) {
  size_t i = from;
  while (i + 8 <= s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if (AnyNeedsAttention(w)) break;
    i += 8;
  }
  while (i < s.size() && !kNeedsAttention[static_cast<uint8_t>(s[i])]) ++i;
  return i;
}

void JsonWriter::String(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  // Worst case: every byte a \u00XX escape.
  Reserve(6 * s.size() + 2);
  *p_++ = '"';
  size_t run_start = 0;
  size_t i = 0;
  const auto flush = [&] { p_ = CopyBytes(p_, s.data() + run_start, i - run_start); };
  while (true) {
    i = PlainRun(s, i);
    if (i == s.size()) break;
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(s, i);
      if (len != 0) {
        i += len;
        continue;
      }
      // Invalid UTF-8 would make the whole line unparseable; substitute U+FFFD
      // like every lenient UTF-8 decoder does (3 bytes for 1: within the room).
      flush();
      std::memcpy(p_, "\xEF\xBF\xBD", 3);
      p_ += 3;
      run_start = ++i;
      continue;
    }
    flush();
    const auto put2 = [&](char a, char b) {
      p_[0] = a;
      p_[1] = b;
      p_ += 2;
    };
    switch (c) {
      case '"':
        put2('\\', '"');
        break;
      case '\\':
        put2('\\', '\\');
        break;
      case '\n':
        put2('\\', 'n');
        break;
      case '\r':
        put2('\\', 'r');
        break;
      case '\t':
        put2('\\', 't');
        break;
      case '\b':
        put2('\\', 'b');
        break;
      case '\f':
        put2('\\', 'f');
        break;
      default:
        std::memcpy(p_, "\\u00", 4);
        p_[4] = kDigits[c >> 4];
        p_[5] = kDigits[c & 0x0f];
        p_ += 6;
        break;
    }
    run_start = ++i;
  }
  flush();
  *p_++ = '"';
}

void JsonWriter::Base64(const std::vector<uint8_t>& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Reserve((data.size() + 2) / 3 * 4 + 2);
  *p_++ = '"';
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    p_[0] = kAlphabet[(v >> 18) & 63];
    p_[1] = kAlphabet[(v >> 12) & 63];
    p_[2] = kAlphabet[(v >> 6) & 63];
    p_[3] = kAlphabet[v & 63];
    p_ += 4;
  }
  if (i + 1 == data.size()) {
    const uint32_t v = uint32_t{data[i]} << 16;
    p_[0] = kAlphabet[(v >> 18) & 63];
    p_[1] = kAlphabet[(v >> 12) & 63];
    p_[2] = '=';
    p_[3] = '=';
    p_ += 4;
  } else if (i + 2 == data.size()) {
    const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    p_[0] = kAlphabet[(v >> 18) & 63];
    p_[1] = kAlphabet[(v >> 12) & 63];
    p_[2] = kAlphabet[(v >> 6) & 63];
    p_[3] = '=';
    p_ += 4;
  }
  *p_++ = '"';
}

template <typename KeyValues>
void WriteAttributes(JsonWriter& w, std::string_view key, const KeyValues& attributes);

void WriteAnyValue(JsonWriter& w, const AnyValue& value) {
  // Each alternative writes the whole {"<kind>Value": ...} object; the
  // punctuation of the common ones goes out as one literal.
  struct Visitor {
    JsonWriter& w;
    void operator()(std::monostate /*empty*/) const { w.Raw("{}"); }
    void operator()(const std::string& v) const {
      w.Raw("{\"stringValue\":");
      w.String(v);
      w.EndObject();
    }
    void operator()(bool v) const {
      w.Raw(v ? std::string_view("{\"boolValue\":true}")
              : std::string_view("{\"boolValue\":false}"));
    }
    void operator()(int64_t v) const {
      w.Raw("{\"intValue\":");
      w.QuotedInt(v);
      w.EndObject();
    }
    void operator()(double v) const {
      w.Raw("{\"doubleValue\":");
      w.Double(v);
      w.EndObject();
    }
    void operator()(const ArrayValue& v) const {
      w.Raw("{\"arrayValue\":{");
      if (!v.values.empty()) {
        w.Key("values");
        w.BeginArray();
        for (const auto& item : v.values) {
          w.Element();
          WriteAnyValue(w, item);
        }
        w.EndArray();
      }
      w.Raw("}}");
    }
    void operator()(const KeyValueList& v) const {
      w.Raw("{\"kvlistValue\":{");
      WriteAttributes(w, "values", v.values);
      w.Raw("}}");
    }
    void operator()(const Bytes& v) const {
      w.Raw("{\"bytesValue\":");
      w.Base64(v.data);
      w.EndObject();
    }
  };
  std::visit(Visitor{w}, value.value);
}

// Omitted when empty, like every repeated field.
template <typename KeyValues>
void WriteAttributes(JsonWriter& w, std::string_view key, const KeyValues& attributes) {
  if (attributes.empty()) return;
  w.Key(key);
  w.BeginArray();
  for (const auto& kv : attributes) {
    w.Element();
    w.Raw("{\"key\":");
    w.String(kv.key);
    w.Raw(",\"value\":");
    WriteAnyValue(w, kv.value);
    w.EndObject();
  }
  w.EndArray();
}

void WriteUintField(JsonWriter& w, std::string_view key, uint64_t v) {
  if (v == 0) return;
  w.Key(key);
  w.Uint(v);
}

// Enums are plain JSON integers; 0 (the proto default) is omitted.
void WriteEnumField(JsonWriter& w, std::string_view key, int v) {
  if (v == 0) return;
  w.Key(key);
  w.Int(v);
}

void WriteQuotedUintField(JsonWriter& w, std::string_view key, uint64_t v) {
  if (v == 0) return;
  w.Key(key);
  w.QuotedUint(v);
}

void WriteStringField(JsonWriter& w, std::string_view key, const std::string& v) {
  if (v.empty()) return;
  w.Key(key);
  w.String(v);
}

void WriteResource(JsonWriter& w, const Resource& resource) {
  w.Key("resource");
  w.BeginObject();
  WriteAttributes(w, "attributes", resource.attributes);
  WriteUintField(w, "droppedAttributesCount", resource.dropped_attributes_count);
  w.EndObject();
}

void WriteScope(JsonWriter& w, const InstrumentationScope& scope) {
  w.Key("scope");
  w.BeginObject();
  WriteStringField(w, "name", scope.name);
  WriteStringField(w, "version", scope.version);
  WriteAttributes(w, "attributes", scope.attributes);
  WriteUintField(w, "droppedAttributesCount", scope.dropped_attributes_count);
  w.EndObject();
}

void WriteSpan(JsonWriter& w, const Span& span) {
  w.BeginObject();
  w.Key("traceId");
  w.Hex(span.trace_id);
  w.Key("spanId");
  w.Hex(span.span_id);
  WriteStringField(w, "traceState", span.trace_state);
  if (IsValid(span.parent_span_id)) {
    w.Key("parentSpanId");
    w.Hex(span.parent_span_id);
  }
  WriteUintField(w, "flags", span.flags);
  w.Key("name");
  w.String(span.name);
  w.Key("kind");
  w.Int(static_cast<int>(span.kind));
  w.Key("startTimeUnixNano");
  w.QuotedUint(span.start_time_unix_nano);
  w.Key("endTimeUnixNano");
  w.QuotedUint(span.end_time_unix_nano);
  WriteAttributes(w, "attributes", span.attributes);
  WriteUintField(w, "droppedAttributesCount", span.dropped_attributes_count);
  if (!span.events.empty()) {
    w.Key("events");
    w.BeginArray();
    for (const auto& e : span.events) {
      w.Element();
      w.BeginObject();
      WriteQuotedUintField(w, "timeUnixNano", e.time_unix_nano);
      WriteStringField(w, "name", e.name);
      WriteAttributes(w, "attributes", e.attributes);
      WriteUintField(w, "droppedAttributesCount", e.dropped_attributes_count);
      w.EndObject();
    }
    w.EndArray();
  }
  WriteUintField(w, "droppedEventsCount", span.dropped_events_count);
  if (!span.links.empty()) {
    w.Key("links");
    w.BeginArray();
    for (const auto& l : span.links) {
      w.Element();
      w.BeginObject();
      w.Key("traceId");
      w.Hex(l.trace_id);
      w.Key("spanId");
      w.Hex(l.span_id);
      WriteStringField(w, "traceState", l.trace_state);
      WriteAttributes(w, "attributes", l.attributes);
      WriteUintField(w, "droppedAttributesCount", l.dropped_attributes_count);
      WriteUintField(w, "flags", l.flags);
      w.EndObject();
    }
    w.EndArray();
  }
  WriteUintField(w, "droppedLinksCount", span.dropped_links_count);
  if (span.status.code != StatusCode::kUnset || !span.status.message.empty()) {
    w.Key("status");
    w.BeginObject();
    WriteStringField(w, "message", span.status.message);
    WriteEnumField(w, "code", static_cast<int>(span.status.code));
    w.EndObject();
  }
  w.EndObject();
}

void WriteNumberPoint(JsonWriter& w, const NumberDataPoint& dp) {
  w.BeginObject();
  WriteAttributes(w, "attributes", dp.attributes);
  WriteQuotedUintField(w, "startTimeUnixNano", dp.start_time_unix_nano);
  WriteQuotedUintField(w, "timeUnixNano", dp.time_unix_nano);
  // A set oneof member is written even at its default value.
  if (const auto* d = std::get_if<double>(&dp.value)) {
    w.Key("asDouble");
    w.Double(*d);
  } else {
    w.Key("asInt");
    w.QuotedInt(std::get<int64_t>(dp.value));
  }
  WriteUintField(w, "flags", dp.flags);
  w.EndObject();
}

void WriteHistogramPoint(JsonWriter& w, const HistogramDataPoint& dp) {
  w.BeginObject();
  WriteAttributes(w, "attributes", dp.attributes);
  WriteQuotedUintField(w, "startTimeUnixNano", dp.start_time_unix_nano);
  WriteQuotedUintField(w, "timeUnixNano", dp.time_unix_nano);
  WriteQuotedUintField(w, "count", dp.count);
  if (dp.sum) {
    w.Key("sum");
    w.Double(*dp.sum);
  }
  if (!dp.bucket_counts.empty()) {
    w.Key("bucketCounts");
    w.BeginArray();
    for (uint64_t c : dp.bucket_counts) {
      w.Element();
      w.QuotedUint(c);
    }
    w.EndArray();
  }
  if (!dp.explicit_bounds.empty()) {
    w.Key("explicitBounds");
    w.BeginArray();
    for (double b : dp.explicit_bounds) {
      w.Element();
      w.Double(b);
    }
    w.EndArray();
  }
  WriteUintField(w, "flags", dp.flags);
  if (dp.min) {
    w.Key("min");
    w.Double(*dp.min);
  }
  if (dp.max) {
    w.Key("max");
    w.Double(*dp.max);
  }
  w.EndObject();
}

template <typename Point, typename WriteFn>
void WritePoints(JsonWriter& w, const std::vector<Point>& points, WriteFn write) {
  if (points.empty()) return;
  w.Key("dataPoints");
  w.BeginArray();
  for (const auto& dp : points) {
    w.Element();
    write(w, dp);
  }
  w.EndArray();
}

void WriteMetric(JsonWriter& w, const Metric& metric) {
  w.BeginObject();
  w.Key("name");
  w.String(metric.name);
  WriteStringField(w, "description", metric.description);
  WriteStringField(w, "unit", metric.unit);
  if (const auto* gauge = std::get_if<Gauge>(&metric.data)) {
    w.Key("gauge");
    w.BeginObject();
    WritePoints(w, gauge->data_points, WriteNumberPoint);
    w.EndObject();
  } else if (const auto* sum = std::get_if<Sum>(&metric.data)) {
    w.Key("sum");
    w.BeginObject();
    WritePoints(w, sum->data_points, WriteNumberPoint);
    WriteEnumField(w, "aggregationTemporality", static_cast<int>(sum->aggregation_temporality));
    if (sum->is_monotonic) {
      w.Key("isMonotonic");
      w.Bool(true);
    }
    w.EndObject();
  } else {
    const auto& histogram = std::get<Histogram>(metric.data);
    w.Key("histogram");
    w.BeginObject();
    WritePoints(w, histogram.data_points, WriteHistogramPoint);
    WriteEnumField(w, "aggregationTemporality",
                   static_cast<int>(histogram.aggregation_temporality));
    w.EndObject();
  }
  w.EndObject();
}

void WriteLogRecord(JsonWriter& w, const LogRecord& record) {
  w.BeginObject();
  WriteQuotedUintField(w, "timeUnixNano", record.time_unix_nano);
  WriteQuotedUintField(w, "observedTimeUnixNano", record.observed_time_unix_nano);
  WriteEnumField(w, "severityNumber", record.severity_number);
  WriteStringField(w, "severityText", record.severity_text);
  if (!record.body.empty()) {
    w.Key("body");
    WriteAnyValue(w, record.body);
  }
  WriteAttributes(w, "attributes", record.attributes);
  WriteUintField(w, "droppedAttributesCount", record.dropped_attributes_count);
  WriteUintField(w, "flags", record.flags);
  if (IsValid(record.trace_id)) {
    w.Key("traceId");
    w.Hex(record.trace_id);
  }
  if (IsValid(record.span_id)) {
    w.Key("spanId");
    w.Hex(record.span_id);
  }
  WriteStringField(w, "eventName", record.event_name);
  w.EndObject();
}

// ============================================================================
// Decoding, through nlohmann::json. Errors carry the JSON path, built only on
// the failure path: every level prepends its own segment to the message.
// ============================================================================

using json = nlohmann::json;

// AnyValue nesting beyond this is rejected rather than risking the stack
// (protobuf's own parser stops at 100 as well).
constexpr int kMaxAnyValueDepth = 100;

// An error about the enclosing element itself rather than one of its fields;
// its message starts with ": " so that nesting yields "spans[3]: expected ...".
Status ElementError(std::string_view what) {
  return InvalidArgumentError(": " + std::string(what));
}

std::string JoinPath(std::string prefix, const std::string& rest) {
  if (rest.empty() || rest[0] != ':') prefix += '.';
  return prefix + rest;
}

Status AtIndex(const Status& st, std::string_view field, size_t index) {
  std::string prefix(field);
  prefix += '[';
  prefix += std::to_string(index);
  prefix += ']';
  return Status(st.code(), JoinPath(std::move(prefix), st.message()));
}

Status AtField(const Status& st, std::string_view field) {
  return Status(st.code(), JoinPath(std::string(field), st.message()));
}

Status FieldError(std::string_view key, std::string_view what) {
  std::string msg(key);
  msg += ": ";
  msg += what;
  return InvalidArgumentError(std::move(msg));
}

// JSON null means "default" in the proto3 mapping, so it is treated as absent.
const json* Find(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status CheckObject(const json& j) {
  if (!j.is_object()) return ElementError(std::string("expected an object, got ") + j.type_name());
  return OkStatus();
}

// The array under `key`, or nullptr if absent. Error if present but not an array.
Status FindArray(const json& obj, const char* key, const json** out) {
  *out = Find(obj, key);
  if (*out != nullptr && !(*out)->is_array()) {
    return FieldError(key, std::string("expected an array, got ") + (*out)->type_name());
  }
  return OkStatus();
}

Status ParseUint64(const json& j, uint64_t* out) {
  if (j.is_number_unsigned()) {
    *out = j.get<uint64_t>();
    return OkStatus();
  }
  if (j.is_number_integer()) {
    const auto v = j.get<int64_t>();
    if (v < 0) return InvalidArgumentError("negative value for an unsigned integer");
    *out = static_cast<uint64_t>(v);
    return OkStatus();
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    // 2^64 is exactly representable; anything at or above it overflows.
    if (!(d >= 0 && d < 18446744073709551616.0) || std::floor(d) != d) {
      return InvalidArgumentError("not an unsigned 64-bit integer");
    }
    *out = static_cast<uint64_t>(d);
    return OkStatus();
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
      return InvalidArgumentError("\"" + s + "\" is not an unsigned 64-bit decimal integer");
    }
    return OkStatus();
  }
  return InvalidArgumentError(std::string("expected an integer (number or decimal string), got ") +
                              j.type_name());
}

Status ParseInt64(const json& j, int64_t* out) {
  if (j.is_number_integer() && !j.is_number_unsigned()) {
    *out = j.get<int64_t>();
    return OkStatus();
  }
  if (j.is_number_unsigned()) {
    const auto v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgumentError("out of range for a signed 64-bit integer");
    }
    *out = static_cast<int64_t>(v);
    return OkStatus();
  }
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::floor(d) != d) {
      return InvalidArgumentError("not a signed 64-bit integer");
    }
    *out = static_cast<int64_t>(d);
    return OkStatus();
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
      return InvalidArgumentError("\"" + s + "\" is not a signed 64-bit decimal integer");
    }
    return OkStatus();
  }
  return InvalidArgumentError(std::string("expected an integer (number or decimal string), got ") +
                              j.type_name());
}

Status ParseDouble(const json& j, double* out) {
  if (j.is_number()) {
    *out = j.get<double>();
    return OkStatus();
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "NaN") {
      *out = std::numeric_limits<double>::quiet_NaN();
    } else if (s == "Infinity") {
      *out = std::numeric_limits<double>::infinity();
    } else if (s == "-Infinity") {
      *out = -std::numeric_limits<double>::infinity();
    } else {
      const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        return InvalidArgumentError("\"" + s + "\" is not a number");
      }
    }
    return OkStatus();
  }
  return InvalidArgumentError(std::string("expected a number, got ") + j.type_name());
}

Status GetUint64(const json& obj, const char* key, uint64_t* out) {
  *out = 0;
  const json* j = Find(obj, key);
  if (j == nullptr) return OkStatus();
  Status st = ParseUint64(*j, out);
  return st.ok() ? st : FieldError(key, st.message());
}

Status GetUint32(const json& obj, const char* key, uint32_t* out) {
  uint64_t v = 0;
  TFLO_RETURN_IF_ERROR(GetUint64(obj, key, &v));
  if (v > std::numeric_limits<uint32_t>::max()) return FieldError(key, "out of range for uint32");
  *out = static_cast<uint32_t>(v);
  return OkStatus();
}

// The string at `key` (nullptr when absent), or an error when it is not one.
Status FindString(const json& obj, const char* key, const std::string** out) {
  const json* j = Find(obj, key);
  *out = nullptr;
  if (j == nullptr) return OkStatus();
  if (!j->is_string())
    return FieldError(key, std::string("expected a string, got ") + j->type_name());
  *out = &j->get_ref<const std::string&>();
  return OkStatus();
}

Status GetString(const json& obj, const char* key, std::string* out) {
  const std::string* text = nullptr;
  TFLO_RETURN_IF_ERROR(FindString(obj, key, &text));
  if (text == nullptr) {
    out->clear();
  } else {
    *out = *text;
  }
  return OkStatus();
}

Status GetString(const json& obj, const char* key, Name* out) {
  const std::string* text = nullptr;
  TFLO_RETURN_IF_ERROR(FindString(obj, key, &text));
  // Copied from the parsed text (which does not outlive the call), once.
  *out = text == nullptr ? Name() : Name(*text);
  return OkStatus();
}

Status GetBool(const json& obj, const char* key, bool* out) {
  const json* j = Find(obj, key);
  *out = false;
  if (j == nullptr) return OkStatus();
  if (!j->is_boolean())
    return FieldError(key, std::string("expected a boolean, got ") + j->type_name());
  *out = j->get<bool>();
  return OkStatus();
}

Status GetOptionalDouble(const json& obj, const char* key, std::optional<double>* out) {
  const json* j = Find(obj, key);
  out->reset();
  if (j == nullptr) return OkStatus();
  double d = 0;
  Status st = ParseDouble(*j, &d);
  if (!st.ok()) return FieldError(key, st.message());
  *out = d;
  return OkStatus();
}

// Enums are integers in OTLP/JSON; the proto3 mapping's name strings are
// accepted too. `names[i]` is the name of value i.
template <size_t N>
Status GetEnum(const json& obj, const char* key, const std::array<std::string_view, N>& names,
               int* out) {
  *out = 0;
  const json* j = Find(obj, key);
  if (j == nullptr) return OkStatus();
  if (j->is_string()) {
    const auto& s = j->get_ref<const std::string&>();
    for (size_t i = 0; i < N; ++i) {
      if (s == names[i]) {
        *out = static_cast<int>(i);
        return OkStatus();
      }
    }
  }
  int64_t v = 0;
  Status st = ParseInt64(*j, &v);
  if (!st.ok()) {
    return FieldError(key, j->is_string() ? "unknown enum value " + j->dump() : st.message());
  }
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return FieldError(key, "enum value out of range");
  }
  *out = static_cast<int>(v);
  return OkStatus();
}

constexpr std::array<std::string_view, 6> kSpanKindNames = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
constexpr std::array<std::string_view, 3> kStatusCodeNames = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                                              "STATUS_CODE_ERROR"};
constexpr std::array<std::string_view, 3> kTemporalityNames = {
    "AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA",
    "AGGREGATION_TEMPORALITY_CUMULATIVE"};
constexpr std::array<std::string_view, 25> kSeverityNames = {
    "SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
    "SEVERITY_NUMBER_TRACE3",      "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG",
    "SEVERITY_NUMBER_DEBUG2",      "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",        "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",
    "SEVERITY_NUMBER_WARN3",       "SEVERITY_NUMBER_WARN4",  "SEVERITY_NUMBER_ERROR",
    "SEVERITY_NUMBER_ERROR2",      "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL",       "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4"};

template <size_t N>
Status GetId(const json& obj, const char* key, std::array<uint8_t, N>* out) {
  out->fill(0);
  const json* j = Find(obj, key);
  if (j == nullptr) return OkStatus();
  if (!j->is_string()) {
    return FieldError(key, std::string("expected a hex string, got ") + j->type_name());
  }
  const auto& s = j->get_ref<const std::string&>();
  std::optional<std::array<uint8_t, N>> id;
  if constexpr (N == 16) {
    id = TraceIdFromHex(s);
  } else {
    id = SpanIdFromHex(s);
  }
  if (!id) return FieldError(key, "not " + std::to_string(2 * N) + " hex digits");
  *out = *id;
  return OkStatus();
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Standard or URL-safe alphabet, padding optional (as the proto3 mapping allows).
std::optional<std::vector<uint8_t>> DecodeBase64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(s.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

Status DecodeAttributes(const json& obj, const char* key, std::vector<KeyValue>* out, int depth);
Status DecodeAttributes(const json& obj, const char* key, Attributes* out, int depth) {
  out->clear();
  return DecodeAttributes(obj, key, &out->mutable_elements(), depth);
}

Status DecodeAnyValue(const json& j, AnyValue* out, int depth) {
  TFLO_RETURN_IF_ERROR(CheckObject(j));
  if (depth > kMaxAnyValueDepth) return ElementError("values nested too deeply");
  static constexpr std::array<const char*, 7> kKeys = {"stringValue", "boolValue",  "intValue",
                                                       "doubleValue", "arrayValue", "kvlistValue",
                                                       "bytesValue"};
  const json* found = nullptr;
  size_t which = 0;
  for (size_t i = 0; i < kKeys.size(); ++i) {
    const json* v = Find(j, kKeys[i]);
    if (v == nullptr) continue;
    if (found != nullptr) {
      return ElementError(std::string("more than one value set (") + kKeys[which] + ", " +
                          kKeys[i] + ")");
    }
    found = v;
    which = i;
  }
  if (found == nullptr) {
    *out = AnyValue();
    return OkStatus();
  }
  const char* key = kKeys[which];
  switch (which) {
    case 0:
      if (!found->is_string()) return FieldError(key, "expected a string");
      *out = AnyValue(found->get<std::string>());
      return OkStatus();
    case 1:
      if (!found->is_boolean()) return FieldError(key, "expected a boolean");
      *out = AnyValue(found->get<bool>());
      return OkStatus();
    case 2: {
      int64_t v = 0;
      Status st = ParseInt64(*found, &v);
      if (!st.ok()) return FieldError(key, st.message());
      *out = AnyValue(v);
      return OkStatus();
    }
    case 3: {
      double v = 0;
      Status st = ParseDouble(*found, &v);
      if (!st.ok()) return FieldError(key, st.message());
      *out = AnyValue(v);
      return OkStatus();
    }
    case 4: {
      Status st = CheckObject(*found);
      if (!st.ok()) return AtField(st, key);
      const json* values = nullptr;
      st = FindArray(*found, "values", &values);
      if (!st.ok()) return AtField(st, key);
      ArrayValue array;
      if (values != nullptr) {
        array.values.resize(values->size());
        for (size_t i = 0; i < values->size(); ++i) {
          st = DecodeAnyValue((*values)[i], &array.values[i], depth + 1);
          if (!st.ok()) return AtField(AtIndex(st, "values", i), key);
        }
      }
      *out = AnyValue(std::move(array));
      return OkStatus();
    }
    case 5: {
      Status st = CheckObject(*found);
      KeyValueList list;
      if (st.ok()) st = DecodeAttributes(*found, "values", &list.values, depth + 1);
      if (!st.ok()) return AtField(st, key);
      *out = AnyValue(std::move(list));
      return OkStatus();
    }
    default: {
      if (!found->is_string()) return FieldError(key, "expected a base64 string");
      auto bytes = DecodeBase64(found->get_ref<const std::string&>());
      if (!bytes) return FieldError(key, "invalid base64");
      *out = AnyValue(Bytes{std::move(*bytes)});
      return OkStatus();
    }
  }
}

Status DecodeAttributes(const json& obj, const char* key, std::vector<KeyValue>* out, int depth) {
  out->clear();
  const json* arr = nullptr;
  TFLO_RETURN_IF_ERROR(FindArray(obj, key, &arr));
  if (arr == nullptr) return OkStatus();
  out->resize(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    const json& kv = (*arr)[i];
    auto& dst = (*out)[i];
    Status st = CheckObject(kv);
    if (st.ok()) st = GetString(kv, "key", &dst.key);
    if (st.ok()) {
      const json* value = Find(kv, "value");
      if (value != nullptr) {
        st = DecodeAnyValue(*value, &dst.value, depth);
        if (!st.ok()) st = AtField(st, "value");
      }
    }
    if (!st.ok()) return AtIndex(st, key, i);
  }
  return OkStatus();
}

Status DecodeResource(const json& obj, Resource* out) {
  const json* j = Find(obj, "resource");
  *out = Resource();
  if (j == nullptr) return OkStatus();
  Status st = CheckObject(*j);
  if (st.ok()) st = DecodeAttributes(*j, "attributes", &out->attributes, 0);
  if (st.ok()) st = GetUint32(*j, "droppedAttributesCount", &out->dropped_attributes_count);
  return st.ok() ? st : AtField(st, "resource");
}

Status DecodeScope(const json& obj, InstrumentationScope* out) {
  const json* j = Find(obj, "scope");
  *out = InstrumentationScope();
  if (j == nullptr) return OkStatus();
  Status st = CheckObject(*j);
  if (st.ok()) st = GetString(*j, "name", &out->name);
  if (st.ok()) st = GetString(*j, "version", &out->version);
  if (st.ok()) st = DecodeAttributes(*j, "attributes", &out->attributes, 0);
  if (st.ok()) st = GetUint32(*j, "droppedAttributesCount", &out->dropped_attributes_count);
  return st.ok() ? st : AtField(st, "scope");
}

// Decodes every element of the array under `key` with `fn(element, &out[i])`.
template <typename T, typename Fn>
Status DecodeArray(const json& obj, const char* key, std::vector<T>* out, Fn fn) {
  out->clear();
  const json* arr = nullptr;
  TFLO_RETURN_IF_ERROR(FindArray(obj, key, &arr));
  if (arr == nullptr) return OkStatus();
  out->resize(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    Status st = CheckObject((*arr)[i]);
    if (st.ok()) st = fn((*arr)[i], &(*out)[i]);
    if (!st.ok()) return AtIndex(st, key, i);
  }
  return OkStatus();
}

Status DecodeEvent(const json& j, SpanEvent* out) {
  TFLO_RETURN_IF_ERROR(GetUint64(j, "timeUnixNano", &out->time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetString(j, "name", &out->name));
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  return GetUint32(j, "droppedAttributesCount", &out->dropped_attributes_count);
}

Status DecodeLink(const json& j, SpanLink* out) {
  TFLO_RETURN_IF_ERROR(GetId(j, "traceId", &out->trace_id));
  TFLO_RETURN_IF_ERROR(GetId(j, "spanId", &out->span_id));
  TFLO_RETURN_IF_ERROR(GetString(j, "traceState", &out->trace_state));
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "droppedAttributesCount", &out->dropped_attributes_count));
  return GetUint32(j, "flags", &out->flags);
}

Status DecodeSpan(const json& j, Span* out) {
  TFLO_RETURN_IF_ERROR(GetId(j, "traceId", &out->trace_id));
  TFLO_RETURN_IF_ERROR(GetId(j, "spanId", &out->span_id));
  TFLO_RETURN_IF_ERROR(GetString(j, "traceState", &out->trace_state));
  TFLO_RETURN_IF_ERROR(GetId(j, "parentSpanId", &out->parent_span_id));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "flags", &out->flags));
  TFLO_RETURN_IF_ERROR(GetString(j, "name", &out->name));
  int kind = 0;
  TFLO_RETURN_IF_ERROR(GetEnum(j, "kind", kSpanKindNames, &kind));
  out->kind = static_cast<SpanKind>(kind);
  TFLO_RETURN_IF_ERROR(GetUint64(j, "startTimeUnixNano", &out->start_time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "endTimeUnixNano", &out->end_time_unix_nano));
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "droppedAttributesCount", &out->dropped_attributes_count));
  TFLO_RETURN_IF_ERROR(DecodeArray(j, "events", &out->events, DecodeEvent));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "droppedEventsCount", &out->dropped_events_count));
  TFLO_RETURN_IF_ERROR(DecodeArray(j, "links", &out->links, DecodeLink));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "droppedLinksCount", &out->dropped_links_count));
  out->status = SpanStatus();
  if (const json* status = Find(j, "status")) {
    Status st = CheckObject(*status);
    if (st.ok()) st = GetString(*status, "message", &out->status.message);
    int code = 0;
    if (st.ok()) st = GetEnum(*status, "code", kStatusCodeNames, &code);
    if (!st.ok()) return AtField(st, "status");
    out->status.code = static_cast<StatusCode>(code);
  }
  return OkStatus();
}

Status DecodeNumberPoint(const json& j, NumberDataPoint* out) {
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "startTimeUnixNano", &out->start_time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "timeUnixNano", &out->time_unix_nano));
  const json* as_double = Find(j, "asDouble");
  const json* as_int = Find(j, "asInt");
  if (as_double != nullptr && as_int != nullptr) {
    return ElementError("both asDouble and asInt set");
  }
  if (as_int != nullptr) {
    int64_t v = 0;
    Status st = ParseInt64(*as_int, &v);
    if (!st.ok()) return FieldError("asInt", st.message());
    out->value = v;
  } else if (as_double != nullptr) {
    double v = 0;
    Status st = ParseDouble(*as_double, &v);
    if (!st.ok()) return FieldError("asDouble", st.message());
    out->value = v;
  } else {
    out->value = 0.0;
  }
  return GetUint32(j, "flags", &out->flags);
}

Status DecodeHistogramPoint(const json& j, HistogramDataPoint* out) {
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "startTimeUnixNano", &out->start_time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "timeUnixNano", &out->time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "count", &out->count));
  TFLO_RETURN_IF_ERROR(GetOptionalDouble(j, "sum", &out->sum));
  const json* arr = nullptr;
  TFLO_RETURN_IF_ERROR(FindArray(j, "bucketCounts", &arr));
  out->bucket_counts.clear();
  if (arr != nullptr) {
    out->bucket_counts.resize(arr->size());
    for (size_t i = 0; i < arr->size(); ++i) {
      Status st = ParseUint64((*arr)[i], &out->bucket_counts[i]);
      if (!st.ok()) return FieldError("bucketCounts[" + std::to_string(i) + "]", st.message());
    }
  }
  TFLO_RETURN_IF_ERROR(FindArray(j, "explicitBounds", &arr));
  out->explicit_bounds.clear();
  if (arr != nullptr) {
    out->explicit_bounds.resize(arr->size());
    for (size_t i = 0; i < arr->size(); ++i) {
      Status st = ParseDouble((*arr)[i], &out->explicit_bounds[i]);
      if (!st.ok()) return FieldError("explicitBounds[" + std::to_string(i) + "]", st.message());
    }
  }
  TFLO_RETURN_IF_ERROR(GetUint32(j, "flags", &out->flags));
  TFLO_RETURN_IF_ERROR(GetOptionalDouble(j, "min", &out->min));
  return GetOptionalDouble(j, "max", &out->max);
}

// *skipped is set for the metric kinds the model does not carry.
Status DecodeMetric(const json& j, Metric* out, bool* skipped) {
  *skipped = false;
  TFLO_RETURN_IF_ERROR(GetString(j, "name", &out->name));
  TFLO_RETURN_IF_ERROR(GetString(j, "description", &out->description));
  TFLO_RETURN_IF_ERROR(GetString(j, "unit", &out->unit));
  if (const json* g = Find(j, "gauge")) {
    Gauge gauge;
    Status st = CheckObject(*g);
    if (st.ok()) st = DecodeArray(*g, "dataPoints", &gauge.data_points, DecodeNumberPoint);
    if (!st.ok()) return AtField(st, "gauge");
    out->data = std::move(gauge);
  } else if (const json* s = Find(j, "sum")) {
    Sum sum;
    int temporality = 0;
    Status st = CheckObject(*s);
    if (st.ok()) st = DecodeArray(*s, "dataPoints", &sum.data_points, DecodeNumberPoint);
    if (st.ok()) st = GetEnum(*s, "aggregationTemporality", kTemporalityNames, &temporality);
    if (st.ok()) st = GetBool(*s, "isMonotonic", &sum.is_monotonic);
    if (!st.ok()) return AtField(st, "sum");
    sum.aggregation_temporality = static_cast<AggregationTemporality>(temporality);
    out->data = std::move(sum);
  } else if (const json* h = Find(j, "histogram")) {
    Histogram histogram;
    int temporality = 0;
    Status st = CheckObject(*h);
    if (st.ok()) {
      st = DecodeArray(*h, "dataPoints", &histogram.data_points, DecodeHistogramPoint);
    }
    if (st.ok()) st = GetEnum(*h, "aggregationTemporality", kTemporalityNames, &temporality);
    if (!st.ok()) return AtField(st, "histogram");
    histogram.aggregation_temporality = static_cast<AggregationTemporality>(temporality);
    out->data = std::move(histogram);
  } else {
    *skipped = true;  // exponentialHistogram, summary, or no data
  }
  return OkStatus();
}

Status DecodeLogRecord(const json& j, LogRecord* out) {
  TFLO_RETURN_IF_ERROR(GetUint64(j, "timeUnixNano", &out->time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetUint64(j, "observedTimeUnixNano", &out->observed_time_unix_nano));
  TFLO_RETURN_IF_ERROR(GetEnum(j, "severityNumber", kSeverityNames, &out->severity_number));
  TFLO_RETURN_IF_ERROR(GetString(j, "severityText", &out->severity_text));
  out->body = AnyValue();
  if (const json* body = Find(j, "body")) {
    Status st = DecodeAnyValue(*body, &out->body, 0);
    if (!st.ok()) return AtField(st, "body");
  }
  TFLO_RETURN_IF_ERROR(DecodeAttributes(j, "attributes", &out->attributes, 0));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "droppedAttributesCount", &out->dropped_attributes_count));
  TFLO_RETURN_IF_ERROR(GetUint32(j, "flags", &out->flags));
  TFLO_RETURN_IF_ERROR(GetId(j, "traceId", &out->trace_id));
  TFLO_RETURN_IF_ERROR(GetId(j, "spanId", &out->span_id));
  return GetString(j, "eventName", &out->event_name);
}

// Parses `text` into an object; catches nlohmann's exceptions. A document for
// another signal (e.g. resourceMetrics where resourceSpans was expected) is
// rejected rather than read as an empty request.
Result<json> ParseTopLevel(std::string_view text, const char* expected_key) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (const auto pos = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && pos != std::string::npos) {
      what.erase(0, pos + 2);
    }
    return InvalidArgumentError("invalid JSON: " + what);
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object()) {
    return InvalidArgumentError(std::string("expected a JSON object, got ") + doc.type_name());
  }
  if (Find(doc, expected_key) == nullptr) {
    for (const char* other : {"resourceSpans", "resourceMetrics", "resourceLogs"}) {
      if (std::string_view(other) != expected_key && Find(doc, other) != nullptr) {
        return InvalidArgumentError(std::string("found ") + other + " where " + expected_key +
                                    " was expected (wrong signal)");
      }
    }
  }
  return doc;
}

}  // namespace

namespace internal {
namespace {

// The three signals share one envelope: resource{Spans,Metrics,Logs} ->
// scope{...} -> items, each level with its schemaUrl.
template <typename ResourceT, typename ScopeT, typename ItemT, typename WriteItem>
void WriteEnvelope(JsonWriter& w, const char* resource_key, const std::vector<ResourceT>& resources,
                   const char* scope_key, std::vector<ScopeT> ResourceT::*scopes,
                   const char* item_key, std::vector<ItemT> ScopeT::*items, WriteItem write_item) {
  w.BeginObject();
  w.Key(resource_key);
  w.BeginArray();
  for (const auto& resource : resources) {
    w.Element();
    w.BeginObject();
    WriteResource(w, resource.resource);
    w.Key(scope_key);
    w.BeginArray();
    for (const auto& scope : resource.*scopes) {
      w.Element();
      w.BeginObject();
      WriteScope(w, scope.scope);
      w.Key(item_key);
      w.BeginArray();
      for (const auto& item : scope.*items) {
        w.Element();
        write_item(w, item);
      }
      w.EndArray();
      WriteStringField(w, "schemaUrl", scope.schema_url);
      w.EndObject();
    }
    w.EndArray();
    WriteStringField(w, "schemaUrl", resource.schema_url);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

void AppendOtlpJson(const TracesData& data, OutputBuffer* out) {
  JsonWriter w(out);
  WriteEnvelope(w, "resourceSpans", data.resource_spans, "scopeSpans", &ResourceSpans::scope_spans,
                "spans", &ScopeSpans::spans,
                [](JsonWriter& jw, const Span& span) { WriteSpan(jw, span); });
}

void AppendOtlpJson(const MetricsData& data, OutputBuffer* out) {
  JsonWriter w(out);
  WriteEnvelope(w, "resourceMetrics", data.resource_metrics, "scopeMetrics",
                &ResourceMetrics::scope_metrics, "metrics", &ScopeMetrics::metrics,
                [](JsonWriter& jw, const Metric& metric) { WriteMetric(jw, metric); });
}

void AppendOtlpJson(const LogsData& data, OutputBuffer* out) {
  JsonWriter w(out);
  WriteEnvelope(w, "resourceLogs", data.resource_logs, "scopeLogs", &ResourceLogs::scope_logs,
                "logRecords", &ScopeLogs::log_records,
                [](JsonWriter& jw, const LogRecord& record) { WriteLogRecord(jw, record); });
}

}  // namespace internal

// The To*Json functions reserve a rough estimate up front (growing a buffer of
// hundreds of kilobytes by doubling costs more than encoding it), then copy
// the encoding into the returned string once.
std::string TracesToOtlpJson(const TracesData& data) {
  internal::OutputBuffer out;
  out.Reserve(64 + data.SpanCount() * 384);
  internal::AppendOtlpJson(data, &out);
  return std::string(out.view());
}

std::string MetricsToOtlpJson(const MetricsData& data) {
  internal::OutputBuffer out;
  out.Reserve(64 + data.DataPointCount() * 256);
  internal::AppendOtlpJson(data, &out);
  return std::string(out.view());
}

std::string LogsToOtlpJson(const LogsData& data) {
  internal::OutputBuffer out;
  out.Reserve(64 + data.LogRecordCount() * 384);
  internal::AppendOtlpJson(data, &out);
  return std::string(out.view());
}

Result<TracesData> TracesFromOtlpJson(std::string_view text) {
  TFLO_ASSIGN_OR_RETURN(const json doc, ParseTopLevel(text, "resourceSpans"));
  TracesData out;
  Status st =
      DecodeArray(doc, "resourceSpans", &out.resource_spans, [](const json& j, ResourceSpans* rs) {
        TFLO_RETURN_IF_ERROR(DecodeResource(j, &rs->resource));
        TFLO_RETURN_IF_ERROR(GetString(j, "schemaUrl", &rs->schema_url));
        return DecodeArray(j, "scopeSpans", &rs->scope_spans, [](const json& js, ScopeSpans* ss) {
          TFLO_RETURN_IF_ERROR(DecodeScope(js, &ss->scope));
          TFLO_RETURN_IF_ERROR(GetString(js, "schemaUrl", &ss->schema_url));
          return DecodeArray(js, "spans", &ss->spans, DecodeSpan);
        });
      });
  if (!st.ok()) return st;
  return out;
}

Result<MetricsData> MetricsFromOtlpJson(std::string_view text) {
  TFLO_ASSIGN_OR_RETURN(const json doc, ParseTopLevel(text, "resourceMetrics"));
  MetricsData out;
  Status st = DecodeArray(
      doc, "resourceMetrics", &out.resource_metrics, [](const json& j, ResourceMetrics* rm) {
        TFLO_RETURN_IF_ERROR(DecodeResource(j, &rm->resource));
        TFLO_RETURN_IF_ERROR(GetString(j, "schemaUrl", &rm->schema_url));
        return DecodeArray(j, "scopeMetrics", &rm->scope_metrics,
                           [](const json& js, ScopeMetrics* sm) {
                             TFLO_RETURN_IF_ERROR(DecodeScope(js, &sm->scope));
                             TFLO_RETURN_IF_ERROR(GetString(js, "schemaUrl", &sm->schema_url));
                             const json* arr = nullptr;
                             TFLO_RETURN_IF_ERROR(FindArray(js, "metrics", &arr));
                             sm->metrics.clear();
                             if (arr == nullptr) return OkStatus();
                             sm->metrics.reserve(arr->size());
                             for (size_t i = 0; i < arr->size(); ++i) {
                               Metric metric;
                               bool skipped = false;
                               Status mst = CheckObject((*arr)[i]);
                               if (mst.ok()) mst = DecodeMetric((*arr)[i], &metric, &skipped);
                               if (!mst.ok()) return AtIndex(mst, "metrics", i);
                               if (!skipped) sm->metrics.push_back(std::move(metric));
                             }
                             return OkStatus();
                           });
      });
  if (!st.ok()) return st;
  return out;
}

Result<LogsData> LogsFromOtlpJson(std::string_view text) {
  TFLO_ASSIGN_OR_RETURN(const json doc, ParseTopLevel(text, "resourceLogs"));
  LogsData out;
  Status st =
      DecodeArray(doc, "resourceLogs", &out.resource_logs, [](const json& j, ResourceLogs* rl) {
        TFLO_RETURN_IF_ERROR(DecodeResource(j, &rl->resource));
        TFLO_RETURN_IF_ERROR(GetString(j, "schemaUrl", &rl->schema_url));
        return DecodeArray(j, "scopeLogs", &rl->scope_logs, [](const json& js, ScopeLogs* sl) {
          TFLO_RETURN_IF_ERROR(DecodeScope(js, &sl->scope));
          TFLO_RETURN_IF_ERROR(GetString(js, "schemaUrl", &sl->schema_url));
          return DecodeArray(js, "logRecords", &sl->log_records, DecodeLogRecord);
        });
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace tflo::core
