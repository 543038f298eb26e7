#include "tflo/core/model.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>
#include <ostream>
#include <stdexcept>

#include "lower_hex.h"

namespace tflo::core {
namespace {

template <size_t N>
std::string HexOf(const std::array<uint8_t, N>& id) {
  std::string out(2 * N, '0');
  internal::WriteLowerHex(id.data(), N, out.data());
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <size_t N>
std::optional<std::array<uint8_t, N>> FromHex(std::string_view hex) {
  std::array<uint8_t, N> id{};
  if (hex.empty()) return id;
  if (hex.size() != 2 * N) return std::nullopt;
  for (size_t i = 0; i < N; ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return id;
}

}  // namespace

std::string ToHex(const TraceId& id) { return HexOf(id); }
std::string ToHex(const SpanId& id) { return HexOf(id); }
std::optional<TraceId> TraceIdFromHex(std::string_view hex) { return FromHex<16>(hex); }
std::optional<SpanId> SpanIdFromHex(std::string_view hex) { return FromHex<8>(hex); }

void Name::Assign(std::string_view text) {
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("Name: longer than 4 GiB");
  }
  if (text.size() <= kInlineCapacity) {
    SetInline(text.size());
    if (!text.empty()) std::memcpy(inline_, text.data(), text.size());
    return;
  }
  char* heap = new char[text.size()];
  std::memcpy(heap, text.data(), text.size());
  data_ = heap;
  size_ = static_cast<uint32_t>(text.size());
  mode_ = Mode::kHeap;
}

std::ostream& operator<<(std::ostream& os, const Name& key) { return os << key.view(); }

bool operator==(const ArrayValue& a, const ArrayValue& b) { return a.values == b.values; }
bool operator==(const KeyValueList& a, const KeyValueList& b) { return a.values == b.values; }
bool operator==(const AnyValue& a, const AnyValue& b) { return a.value == b.value; }
bool operator==(const KeyValue& a, const KeyValue& b) {
  return a.key == b.key && a.value == b.value;
}

std::string AnyValue::ToString() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      return buf;
    }
    std::string operator()(const ArrayValue& a) const {
      std::string out(1, '[');
      for (size_t i = 0; i < a.values.size(); ++i) {
        if (i) out.push_back(',');
        out.append(a.values[i].ToString());
      }
      out.push_back(']');
      return out;
    }
    std::string operator()(const KeyValueList& l) const {
      std::string out(1, '{');
      for (size_t i = 0; i < l.values.size(); ++i) {
        if (i) out.push_back(',');
        out.append(l.values[i].key);
        out.push_back('=');
        out.append(l.values[i].value.ToString());
      }
      out.push_back('}');
      return out;
    }
    std::string operator()(const Bytes& b) const {
      std::string out(1, '<');
      out.append(std::to_string(b.data.size()));
      out.append(" bytes>");
      return out;
    }
  };
  return std::visit(Visitor{}, value);
}

const AnyValue* FindAttribute(const Attributes& attributes, std::string_view key) {
  for (const auto& kv : attributes) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

void SetAttribute(Attributes& attributes, std::string_view key, AnyValue value) {
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (attributes[i].key == key) {
      attributes.mutable_at(i).value = std::move(value);
      return;
    }
  }
  attributes.push_back(KeyValue{Name(key), std::move(value)});
}

SharedAttributeBlock MakeSharedAttributeBlock(std::vector<KeyValue> attributes) {
  return std::make_shared<const std::vector<KeyValue>>(std::move(attributes));
}

SharedAttributeBlock MakeStaticAttributeBlock(std::vector<KeyValue> attributes) {
  // Deliberately never freed (see model.h). The aliasing constructor with an
  // empty owner gives a non-null pointer without a control block.
  const auto* block = new std::vector<KeyValue>(std::move(attributes));  // NOLINT
  return SharedAttributeBlock(SharedAttributeBlock(), block);
}

const KeyValue& Attributes::at(size_t i) const {
  if (i >= size()) throw std::out_of_range("Attributes::at");
  return (*this)[i];
}

void Attributes::Unshare() {
  if (!prefix_) return;
  std::vector<KeyValue> all;
  all.reserve(prefix_size_ + own_.size());
  all.insert(all.end(), prefix_->begin(), prefix_->end());
  all.insert(all.end(), std::make_move_iterator(own_.begin()), std::make_move_iterator(own_.end()));
  own_ = std::move(all);
  prefix_.reset();
  prefix_size_ = 0;
}

KeyValue& Attributes::mutable_at(size_t i) {
  if (i < prefix_size_) Unshare();
  return own_.at(i - prefix_size_);
}

Attributes::const_iterator Attributes::erase(const_iterator first, const_iterator last) {
  const size_t from = first.index();
  const size_t to = last.index();
  if (from == to) return const_iterator(this, from);
  if (from < prefix_size_) Unshare();
  own_.erase(own_.begin() + static_cast<std::ptrdiff_t>(from - prefix_size_),
             own_.begin() + static_cast<std::ptrdiff_t>(to - prefix_size_));
  return const_iterator(this, from);
}

bool operator==(const Attributes& a, const Attributes& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i])) return false;
  }
  return true;
}

std::string_view SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified:
      return "SPAN_KIND_UNSPECIFIED";
    case SpanKind::kInternal:
      return "SPAN_KIND_INTERNAL";
    case SpanKind::kServer:
      return "SPAN_KIND_SERVER";
    case SpanKind::kClient:
      return "SPAN_KIND_CLIENT";
    case SpanKind::kProducer:
      return "SPAN_KIND_PRODUCER";
    case SpanKind::kConsumer:
      return "SPAN_KIND_CONSUMER";
  }
  return "SPAN_KIND_UNSPECIFIED";
}

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kUnset:
      return "STATUS_CODE_UNSET";
    case StatusCode::kOk:
      return "STATUS_CODE_OK";
    case StatusCode::kError:
      return "STATUS_CODE_ERROR";
  }
  return "STATUS_CODE_UNSET";
}

size_t TracesData::SpanCount() const {
  size_t n = 0;
  for (const auto& rs : resource_spans)
    for (const auto& ss : rs.scope_spans) n += ss.spans.size();
  return n;
}

size_t MetricsData::DataPointCount() const {
  size_t n = 0;
  for (const auto& rm : resource_metrics)
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        n += std::visit([](const auto& d) { return d.data_points.size(); }, m.data);
  return n;
}

size_t LogsData::LogRecordCount() const {
  size_t n = 0;
  for (const auto& rl : resource_logs)
    for (const auto& sl : rl.scope_logs) n += sl.log_records.size();
  return n;
}

}  // namespace tflo::core
