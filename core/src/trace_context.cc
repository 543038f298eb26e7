#include "tflo/core/trace_context.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "lower_hex.h"

namespace tflo::core {
namespace {

constexpr std::string_view kTraceParentHeader = "traceparent";
constexpr std::string_view kTraceStateHeader = "tracestate";
constexpr std::string_view kBaggageHeader = "baggage";

// version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2)
constexpr size_t kTraceParentLength = 55;

constexpr size_t kMaxTraceStateKeyLength = 256;
constexpr size_t kMaxTraceStateValueLength = 256;

bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOws(char c) { return c == ' ' || c == '\t'; }

// The value of a lower-case hex digit; 0xFF for any other byte.
constexpr std::array<uint8_t, 256> kLowerHexValue = [] {
  std::array<uint8_t, 256> table{};
  table.fill(0xFF);
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) {
    table[static_cast<size_t>(c)] = static_cast<uint8_t>(c - 'a' + 10);
  }
  return table;
}();

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Decodes exactly 2*N lower-case hex characters (upper case is not allowed in
// traceparent, unlike TraceIdFromHex which accepts both).
template <size_t N>
std::optional<std::array<uint8_t, N>> LowerHexBytes(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<uint8_t, N> out{};
  // One table look-up per character and one test at the end: a non-digit's
  // 0xFF sets the high bits of `invalid` (a digit's value never does).
  uint8_t invalid = 0;
  for (size_t i = 0; i < N; ++i) {
    const uint8_t hi = kLowerHexValue[static_cast<unsigned char>(hex[2 * i])];
    const uint8_t lo = kLowerHexValue[static_cast<unsigned char>(hex[2 * i + 1])];
    invalid |= static_cast<uint8_t>(hi | lo);
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  if ((invalid & 0xF0) != 0) return std::nullopt;
  return out;
}

// --- tracestate ------------------------------------------------------------

// The key grammar of the current W3C Trace Context text (the one that replaced
// the separate simple-key / multi-tenant-key rules):
//   key = ( lcalpha / DIGIT ) 0*255( keychar )
//   keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
// Every key of the older grammar ("vendor", "tenant@system") is still valid.
bool IsValidTraceStateKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxTraceStateKeyLength) return false;
  if (!IsLowerAlpha(key.front()) && !IsDigit(key.front())) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return IsLowerAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '*' || c == '/' ||
           c == '@';
  });
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr;
// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (printable ASCII but ',' and '=').
bool IsValidTraceStateValue(std::string_view value) {
  if (value.empty() || value.size() > kMaxTraceStateValueLength) return false;
  if (value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
}

// --- baggage -----------------------------------------------------------------

// RFC 7230 tchar.
bool IsTokenChar(char c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return IsLowerAlpha(c) || IsDigit(c) || (c >= 'A' && c <= 'Z') ||
         kSymbols.find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
bool IsBaggageOctet(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool AllBaggageOctets(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsBaggageOctet(static_cast<unsigned char>(c)); });
}

int AnyHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// Replaces every ill-formed UTF-8 sequence with U+FFFD, one per maximal
// ill-formed subpart (the WHATWG / Unicode "best practice" decoder), so the
// value handed to callers is always valid UTF-8.
std::string SanitizeUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    size_t needed = 0;
    uint32_t code_point = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      needed = 1;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      needed = 2;
      code_point = lead & 0x0F;
      if (lead == 0xE0) lower = 0xA0;  // no overlong forms
      if (lead == 0xED) upper = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      needed = 3;
      code_point = lead & 0x07;
      if (lead == 0xF0) lower = 0x90;  // no overlong forms
      if (lead == 0xF4) upper = 0x8F;  // nothing above U+10FFFF
    } else {
      AppendUtf8(out, kReplacementCharacter);
      ++i;
      continue;
    }
    size_t j = i + 1;
    bool ok = true;
    for (size_t k = 0; k < needed; ++k, ++j) {
      if (j >= bytes.size()) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(bytes[j]);
      if (c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
      code_point = (code_point << 6) | (c & 0x3F);
    }
    if (ok) {
      AppendUtf8(out, code_point);
    } else {
      AppendUtf8(out, kReplacementCharacter);
    }
    i = j;  // the offending byte (if any) starts the next sequence
  }
  return out;
}

// %XX sequences become bytes; a '%' that does not start one is kept literally.
std::string PercentDecode(std::string_view s) {
  std::string bytes;
  bytes.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && AnyHexValue(s[i + 1]) >= 0 &&
        AnyHexValue(s[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>((AnyHexValue(s[i + 1]) << 4) | AnyHexValue(s[i + 2])));
      i += 2;
    } else {
      bytes.push_back(s[i]);
    }
  }
  return SanitizeUtf8(bytes);
}

std::string PercentEncode(std::string_view s) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsBaggageOctet(c) && c != '%') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0F]);
    }
  }
  return out;
}

// Normalises a property list ("p1 ; k = v") to "p1;k=v". nullopt if any
// property is malformed; empty properties (";;") are dropped.
std::optional<std::string> NormalizeProperties(std::string_view text) {
  std::string out;
  while (true) {
    const size_t semicolon = text.find(';');
    const std::string_view property = TrimOws(text.substr(0, semicolon));
    if (!property.empty()) {
      const size_t eq = property.find('=');
      std::string normalized;
      if (eq == std::string_view::npos) {
        if (!IsToken(property)) return std::nullopt;
        normalized = std::string(property);
      } else {
        const std::string_view key = TrimOws(property.substr(0, eq));
        const std::string_view value = TrimOws(property.substr(eq + 1));
        if (!IsToken(key) || !AllBaggageOctets(value)) return std::nullopt;
        normalized = std::string(key) + "=" + std::string(value);
      }
      if (!out.empty()) out.push_back(';');
      out += normalized;
    }
    if (semicolon == std::string_view::npos) break;
    text.remove_prefix(semicolon + 1);
  }
  return out;
}

std::optional<BaggageMember> ParseBaggageMember(std::string_view text) {
  const size_t semicolon = text.find(';');
  const std::string_view pair = text.substr(0, semicolon);
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const std::string_view key = TrimOws(pair.substr(0, eq));
  const std::string_view raw_value = TrimOws(pair.substr(eq + 1));
  if (!IsToken(key) || !AllBaggageOctets(raw_value)) return std::nullopt;

  BaggageMember member;
  member.key = std::string(key);
  member.value = PercentDecode(raw_value);
  if (semicolon != std::string_view::npos) {
    std::optional<std::string> properties = NormalizeProperties(text.substr(semicolon + 1));
    if (!properties) return std::nullopt;
    member.properties = std::move(*properties);
  }
  return member;
}

// All values of headers named `name` (any case), joined with "," as RFC 7230
// section 3.2.2 combines repeated fields. nullopt when there is none.
std::optional<std::string> CombinedHeader(const HttpHeaders& headers, std::string_view name) {
  std::optional<std::string> combined;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (combined) {
      combined->push_back(',');
      combined->append(value);
    } else {
      combined = value;
    }
  }
  return combined;
}

void EraseHeader(HttpHeaders& headers, std::string_view name) {
  for (auto it = headers.begin(); it != headers.end();) {
    if (EqualsIgnoreCase(it->first, name)) {
      it = headers.erase(it);
    } else {
      ++it;
    }
  }
}

// SQS lets a sender declare custom string types ("String.json"); all of them
// carry the text in StringValue.
const SqsMessageAttribute* FindSqsString(const SqsMessageAttributes& attributes,
                                         std::string_view name) {
  for (const auto& [key, attribute] : attributes) {
    if (!EqualsIgnoreCase(key, name)) continue;
    const std::string_view type = attribute.data_type;
    if (type == "String" || type.substr(0, 7) == "String.") return &attribute;
  }
  return nullptr;
}

// Shared by both carriers: tracestate is only looked at when traceparent is
// valid, as the spec requires.
PropagationContext ExtractFrom(std::optional<std::string_view> traceparent,
                               std::optional<std::string_view> tracestate,
                               std::optional<std::string_view> baggage) {
  PropagationContext ctx;
  if (traceparent) {
    ctx.traceparent = ParseTraceParent(TrimOws(*traceparent));
    if (ctx.traceparent && tracestate) {
      if (std::optional<TraceState> state = TraceState::Parse(*tracestate)) {
        ctx.tracestate = std::move(*state);
      }
    }
  }
  if (baggage) ctx.baggage = Baggage::Parse(*baggage);
  return ctx;
}

}  // namespace

// --- traceparent -------------------------------------------------------------

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  if (header.size() < kTraceParentLength) return std::nullopt;
  const std::optional<std::array<uint8_t, 1>> version = LowerHexBytes<1>(header.substr(0, 2));
  if (!version || (*version)[0] == 0xFF) return std::nullopt;
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if ((*version)[0] == 0x00) {
    if (header.size() != kTraceParentLength) return std::nullopt;
  } else if (header.size() > kTraceParentLength && header[kTraceParentLength] != '-') {
    // A future version may append fields, but only after another '-'.
    return std::nullopt;
  }

  const std::optional<TraceId> trace_id = LowerHexBytes<16>(header.substr(3, 32));
  const std::optional<SpanId> parent_id = LowerHexBytes<8>(header.substr(36, 16));
  const std::optional<std::array<uint8_t, 1>> flags = LowerHexBytes<1>(header.substr(53, 2));
  if (!trace_id || !parent_id || !flags) return std::nullopt;
  if (!IsValid(*trace_id) || !IsValid(*parent_id)) return std::nullopt;

  TraceParent tp;
  tp.trace_id = *trace_id;
  tp.parent_id = *parent_id;
  // Undefined bits are reserved: not kept, so they are written back as 0.
  tp.flags = static_cast<uint8_t>((*flags)[0] & (kTraceFlagSampled | kTraceFlagRandom));
  return tp;
}

std::string FormatTraceParent(const TraceParent& tp) {
  const uint8_t version = 0;
  const auto flags = static_cast<uint8_t>(tp.flags & (kTraceFlagSampled | kTraceFlagRandom));
  // Written in place between the dashes: one allocation, no temporaries.
  std::string out(kTraceParentLength, '-');
  char* p = internal::WriteLowerHex(&version, 1, out.data()) + 1;
  p = internal::WriteLowerHex(tp.trace_id.data(), tp.trace_id.size(), p) + 1;
  p = internal::WriteLowerHex(tp.parent_id.data(), tp.parent_id.size(), p) + 1;
  internal::WriteLowerHex(&flags, 1, p);
  return out;
}

// --- TraceState ----------------------------------------------------------------

std::optional<TraceState> TraceState::Parse(std::string_view header) {
  TraceState state;
  while (true) {
    const size_t comma = header.find(',');
    const std::string_view member = TrimOws(header.substr(0, comma));
    if (!member.empty()) {
      const size_t eq = member.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      const std::string_view key = member.substr(0, eq);
      const std::string_view value = member.substr(eq + 1);
      if (!IsValidTraceStateKey(key) || !IsValidTraceStateValue(value)) return std::nullopt;
      if (state.Get(key)) return std::nullopt;  // one entry per key
      if (state.members_.size() == kMaxMembers) return std::nullopt;
      state.members_.emplace_back(std::string(key), std::string(value));
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return state;
}

std::string TraceState::ToHeader() const {
  // No truncation: at most 32 members are ever held, and the spec only asks
  // that at least 512 characters be propagated, so everything is written.
  std::string out;
  for (const auto& [key, value] : members_) {
    if (!out.empty()) out.push_back(',');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

Status TraceState::Set(std::string_view key, std::string_view value) {
  if (!IsValidTraceStateKey(key)) {
    return InvalidArgumentError("tracestate: invalid key \"" + std::string(key) + "\"");
  }
  if (!IsValidTraceStateValue(value)) {
    return InvalidArgumentError("tracestate: invalid value for key \"" + std::string(key) + "\"");
  }
  Erase(key);
  members_.insert(members_.begin(), {std::string(key), std::string(value)});
  if (members_.size() > kMaxMembers) members_.pop_back();
  return OkStatus();
}

std::optional<std::string> TraceState::Get(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

void TraceState::Erase(std::string_view key) {
  members_.erase(std::remove_if(members_.begin(), members_.end(),
                                [&](const auto& member) { return member.first == key; }),
                 members_.end());
}

// --- Baggage -------------------------------------------------------------------

Baggage Baggage::Parse(std::string_view header) {
  Baggage baggage;
  while (true) {
    const size_t comma = header.find(',');
    const std::string_view text = TrimOws(header.substr(0, comma));
    if (!text.empty()) {
      if (std::optional<BaggageMember> member = ParseBaggageMember(text)) {
        baggage.members_.push_back(std::move(*member));
      }
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return baggage;
}

std::string Baggage::ToHeader() const {
  // A member that does not fit is dropped whole; later, smaller members may
  // still fit, which propagates as much as the limits allow.
  std::string out;
  size_t count = 0;
  for (const BaggageMember& member : members_) {
    if (count == kMaxMembers) break;
    if (!IsToken(member.key)) continue;
    std::string text = member.key + "=" + PercentEncode(member.value);
    if (!member.properties.empty()) {
      text.push_back(';');
      text += member.properties;
    }
    const size_t separator = out.empty() ? 0 : 1;
    if (out.size() + separator + text.size() > kMaxBytes) continue;
    if (separator != 0) out.push_back(',');
    out += text;
    ++count;
  }
  return out;
}

void Baggage::Set(std::string_view key, std::string_view value) {
  // Keys that are not RFC 7230 tokens could never be written; ignore them.
  if (!IsToken(key)) return;
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const BaggageMember& m) { return m.key == key; });
  if (it == members_.end()) {
    members_.push_back(BaggageMember{std::string(key), std::string(value), ""});
    return;
  }
  // Properties describe the old value, so they go with it; later duplicates of
  // the key are removed so Get and the wire agree.
  it->value = std::string(value);
  it->properties.clear();
  const auto first = static_cast<std::ptrdiff_t>(it - members_.begin());
  members_.erase(std::remove_if(members_.begin() + first + 1, members_.end(),
                                [&](const BaggageMember& m) { return m.key == key; }),
                 members_.end());
}

std::optional<std::string> Baggage::Get(std::string_view key) const {
  for (const BaggageMember& member : members_) {
    if (member.key == key) return member.value;
  }
  return std::nullopt;
}

// --- carriers ------------------------------------------------------------------

void InjectHttp(const PropagationContext& ctx, HttpHeaders& headers) {
  EraseHeader(headers, kTraceParentHeader);
  EraseHeader(headers, kTraceStateHeader);
  EraseHeader(headers, kBaggageHeader);
  if (ctx.traceparent) {
    headers.emplace(std::string(kTraceParentHeader), FormatTraceParent(*ctx.traceparent));
    if (!ctx.tracestate.empty()) {
      headers.emplace(std::string(kTraceStateHeader), ctx.tracestate.ToHeader());
    }
  }
  std::string baggage = ctx.baggage.ToHeader();
  if (!baggage.empty()) headers.emplace(std::string(kBaggageHeader), std::move(baggage));
}

PropagationContext ExtractHttp(const HttpHeaders& headers) {
  const std::optional<std::string> traceparent = CombinedHeader(headers, kTraceParentHeader);
  const std::optional<std::string> tracestate = CombinedHeader(headers, kTraceStateHeader);
  const std::optional<std::string> baggage = CombinedHeader(headers, kBaggageHeader);
  const auto view = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  return ExtractFrom(view(traceparent), view(tracestate), view(baggage));
}

void InjectSqs(const PropagationContext& ctx, SqsMessageAttributes& attributes) {
  for (const std::string_view name : {kTraceParentHeader, kTraceStateHeader, kBaggageHeader}) {
    if (attributes.empty()) break;  // a new message (the usual case)
    for (auto it = attributes.begin(); it != attributes.end();) {
      if (EqualsIgnoreCase(it->first, name)) {
        it = attributes.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto put = [&](std::string_view name, std::string value) {
    attributes[std::string(name)] = SqsMessageAttribute{"String", std::move(value)};
  };
  if (ctx.traceparent) {
    put(kTraceParentHeader, FormatTraceParent(*ctx.traceparent));
    if (!ctx.tracestate.empty()) put(kTraceStateHeader, ctx.tracestate.ToHeader());
  }
  std::string baggage = ctx.baggage.ToHeader();
  if (!baggage.empty()) put(kBaggageHeader, std::move(baggage));
}

PropagationContext ExtractSqs(const SqsMessageAttributes& attributes) {
  // Views into `attributes`, which outlive the call (no copies).
  auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
    const SqsMessageAttribute* attribute = FindSqsString(attributes, name);
    if (attribute == nullptr) return std::nullopt;
    return std::string_view(attribute->string_value);
  };
  return ExtractFrom(value_of(kTraceParentHeader), value_of(kTraceStateHeader),
                     value_of(kBaggageHeader));
}

}  // namespace tflo::core
