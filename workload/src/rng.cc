#include "tflo/workload/rng.h"

#include <cmath>
#include <numbers>

namespace tflo::workload {

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Rng Rng::ForStream(uint64_t seed, uint64_t stream) {
  uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  SplitMix64(state);
  return Rng(SplitMix64(state));
}

double Rng::Uniform() {
  // The top 53 bits fill a double's mantissa exactly: every value is k / 2^53.
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

uint64_t Rng::UniformInt(uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return x % n;
}

double Rng::Exponential(double mean) {
  // 1 - u lies in (0, 1], so the log is finite.
  return -mean * std::log(1.0 - Uniform());
}

double Rng::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  const double u1 = 1.0 - Uniform();  // (0, 1]
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_normal_ = r * std::sin(theta);
  has_spare_normal_ = true;
  return r * std::cos(theta);
}

double Rng::LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

core::TraceId Rng::NewTraceId() {
  core::TraceId id{};
  do {
    uint64_t hi = Next();
    uint64_t lo = Next();
    for (size_t i = 0; i < 8; ++i) {
      id[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      id[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
  } while (!core::IsValid(id));
  return id;
}

core::SpanId Rng::NewSpanId() {
  core::SpanId id{};
  do {
    uint64_t v = Next();
    for (size_t i = 0; i < 8; ++i) id[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  } while (!core::IsValid(id));
  return id;
}

std::string HexWord(uint64_t v, int digits) {
  static constexpr const char* kHex = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[v & 0xF];
    v >>= 4;
  }
  return out;
}

std::string Rng::NewUuid() {
  const uint64_t hi = (Next() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  const uint64_t lo = (Next() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  const std::string h = HexWord(hi, 16);
  const std::string l = HexWord(lo, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + l.substr(0, 4) +
         "-" + l.substr(4, 12);
}

}  // namespace tflo::workload
