#include "tflo/core/duration.h"

#include <cstdint>
#include <limits>
#include <string>

namespace tflo::core {
namespace {

constexpr uint64_t kNanosecond = 1;
constexpr uint64_t kMicrosecond = 1000 * kNanosecond;
constexpr uint64_t kMillisecond = 1000 * kMicrosecond;
constexpr uint64_t kSecond = 1000 * kMillisecond;
constexpr uint64_t kMinute = 60 * kSecond;
constexpr uint64_t kHour = 60 * kMinute;

// 2^63: the magnitude of the most negative int64, the largest a Go duration can
// reach (positive durations stop one below it).
constexpr uint64_t kMagnitudeLimit = uint64_t{1} << 63;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Returns the unit length in nanoseconds, or 0 for an unknown unit.
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return kNanosecond;
  // "us", U+00B5 MICRO SIGN + "s", U+03BC GREEK SMALL LETTER MU + "s": Go takes all three.
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return kMicrosecond;
  if (unit == "ms") return kMillisecond;
  if (unit == "s") return kSecond;
  if (unit == "m") return kMinute;
  if (unit == "h") return kHour;
  return 0;
}

Status Invalid(std::string_view text, std::string_view why) {
  std::string message = "invalid duration \"";
  message.append(text);
  message.append("\": ");
  message.append(why);
  return InvalidArgumentError(std::move(message));
}

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  // Mirrors Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, with "0"
  // (optionally signed) as the only unitless value.
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text, "empty");

  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || IsDigit(s.front()))) return Invalid(text, "expected a number");

    // Integer part; overflow past 2^63 is an error as in Go.
    uint64_t whole = 0;
    bool has_whole = false;
    while (!s.empty() && IsDigit(s.front())) {
      has_whole = true;
      const auto digit = static_cast<uint64_t>(s.front() - '0');
      if (whole > (kMagnitudeLimit - digit) / 10) return Invalid(text, "out of range");
      whole = whole * 10 + digit;
      s.remove_prefix(1);
    }

    // Fractional part; digits beyond what fits in 64 bits only lose precision.
    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      bool overflowed = false;
      while (!s.empty() && IsDigit(s.front())) {
        has_fraction = true;
        const auto digit = static_cast<uint64_t>(s.front() - '0');
        if (!overflowed) {
          if (fraction > (std::numeric_limits<uint64_t>::max() / 2 - digit) / 10) {
            overflowed = true;
          } else {
            fraction = fraction * 10 + digit;
            scale *= 10;
          }
        }
        s.remove_prefix(1);
      }
    }
    if (!has_whole && !has_fraction) return Invalid(text, "expected a number");

    size_t unit_length = 0;
    while (unit_length < s.size() && s[unit_length] != '.' && !IsDigit(s[unit_length])) {
      ++unit_length;
    }
    if (unit_length == 0) return Invalid(text, "missing unit");
    const std::string_view unit_text = s.substr(0, unit_length);
    s.remove_prefix(unit_length);
    const uint64_t unit = UnitNanos(unit_text);
    if (unit == 0) {
      return Invalid(
          text, "unknown unit \"" + std::string(unit_text) + "\" (valid: ns, us, µs, ms, s, m, h)");
    }

    if (whole > kMagnitudeLimit / unit) return Invalid(text, "out of range");
    uint64_t value = whole * unit;
    if (fraction > 0) {
      value += static_cast<uint64_t>(static_cast<double>(fraction) *
                                     (static_cast<double>(unit) / scale));
      if (value > kMagnitudeLimit) return Invalid(text, "out of range");
    }
    if (value > kMagnitudeLimit - total) return Invalid(text, "out of range");
    total += value;
  }

  if (negative) {
    // Two's complement negation of the magnitude; 2^63 becomes INT64_MIN.
    return std::chrono::nanoseconds(static_cast<int64_t>(~total + 1));
  }
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Invalid(text, "out of range");
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::string FormatGoDuration(std::chrono::nanoseconds d) {
  // Same output as Go's time.Duration.String(), so a value read from a
  // collector config and written back looks the way a Go user expects. Built
  // right to left in a fixed buffer: no string reallocation, and no
  // std::string::insert (GCC 12 warns falsely on it at -O3, bug 105329).
  char buf[32];
  size_t w = sizeof(buf);
  const auto put = [&](char c) { buf[--w] = c; };
  const auto put_int = [&](uint64_t v) {
    if (v == 0) {
      put('0');
      return;
    }
    for (; v > 0; v /= 10) put(static_cast<char>('0' + v % 10));
  };
  // Writes the low `prec` digits of v as a fraction without trailing zeros and
  // returns what is left of v.
  const auto put_fraction = [&](uint64_t v, int prec) {
    bool print = false;
    for (int i = 0; i < prec; ++i, v /= 10) {
      const auto digit = static_cast<char>(v % 10);
      print = print || digit != 0;
      if (print) put(static_cast<char>('0' + digit));
    }
    if (print) put('.');
    return v;
  };

  const int64_t count = d.count();
  const bool negative = count < 0;
  auto u = static_cast<uint64_t>(count);
  if (negative) u = ~u + 1;

  if (u < kSecond) {
    // Sub-second values use the largest unit that keeps an integer part.
    if (u == 0) return "0s";
    put('s');
    int prec = 0;
    if (u < kMicrosecond) {
      put('n');
    } else if (u < kMillisecond) {
      prec = 3;
      put('\xB5');  // µ in UTF-8, as Go writes it
      put('\xC2');
    } else {
      prec = 6;
      put('m');
    }
    put_int(put_fraction(u, prec));
  } else {
    put('s');
    u = put_fraction(u, 9);
    put_int(u % 60);
    u /= 60;
    if (u > 0) {
      put('m');
      put_int(u % 60);
      u /= 60;
      if (u > 0) {
        put('h');
        put_int(u);
      }
    }
  }
  if (negative) put('-');
  return std::string(buf + w, sizeof(buf) - w);
}

}  // namespace tflo::core
