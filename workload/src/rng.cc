#include "tflo/workload/rng.h"

#include <bit>
#include <cmath>

namespace tflo::workload {

uint64_t SplitMix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

namespace {

// The ziggurat for the standard normal density's unnormalised half,
// f(x) = exp(-x^2 / 2), x >= 0: 128 layers of equal area kV. Layer i (i >= 1)
// is the box [0, x[i]] x [f(x[i]), f(x[i+1])]; layer 0 is the box
// [0, kR] x [0, f(kR)] plus the tail beyond kR, drawn as a box of width
// x[0] = kV / f(kR). kR and kV are the 128-layer constants of Marsaglia and
// Tsang (2000).
constexpr int kLayers = 128;
constexpr double kR = 3.442619855899;
constexpr double kV = 9.91256303526217e-3;

double HalfDensity(double x) { return std::exp(-0.5 * x * x); }

struct Ziggurat {
  std::array<double, kLayers + 1> x{};
  std::array<double, kLayers + 1> f{};      // HalfDensity(x[i])
  std::array<double, kLayers> inner_ratio{};  // x[i + 1] / x[i]: the part wholly under f

  Ziggurat() {
    x[0] = kV / HalfDensity(kR);
    x[1] = kR;
    // Equal areas: x[i] * (f(x[i + 1]) - f(x[i])) = kV.
    for (int i = 1; i + 1 < kLayers; ++i) {
      x[i + 1] = std::sqrt(-2.0 * std::log(kV / x[i] + HalfDensity(x[i])));
    }
    x[kLayers] = 0;
    for (int i = 0; i <= kLayers; ++i) f[i] = HalfDensity(x[i]);
    for (int i = 0; i < kLayers; ++i) inner_ratio[i] = x[i + 1] / x[i];
  }
};

const Ziggurat& ZigguratTables() {
  static const Ziggurat tables;
  return tables;
}

// exp(x) for the log-normal draws, inline and without libm's call and error
// handling: half of a draw's cost went to std::exp. x = (64 m + j) ln2/64 + r
// with |r| <= ln2/128, so exp(x) = 2^m * 2^(j/64) * exp(r); exp(r) is its
// Taylor polynomial of degree 5 (the first term left out is below 4e-17 of
// the result). Within ~1 ulp of std::exp for |x| < 700; anything else (huge,
// infinite, NaN) goes to std::exp.
constexpr int kExpTableBits = 6;
constexpr int kExpTableSize = 1 << kExpTableBits;
// 64 / ln 2, and ln 2 / 64 in two parts (the high part's last 32 bits are zero,
// so k * high is exact for |k| < 2^20): the split of fdlibm's ln2_hi / ln2_lo.
constexpr double kExpInvLn2N = 92.332482616893656768;
constexpr double kExpLn2NHigh = 6.93147180369123816490e-01 / kExpTableSize;
constexpr double kExpLn2NLow = 1.90821492927058770002e-10 / kExpTableSize;

struct ExpTable {
  std::array<double, kExpTableSize> pow2{};  // 2^(j/64)
  ExpTable() {
    for (int j = 0; j < kExpTableSize; ++j)
      pow2[j] = std::exp2(static_cast<double>(j) / kExpTableSize);
  }
};
const ExpTable& ExpTables() {
  static const ExpTable table;
  return table;
}

double ExpOfDraw(double x) {
  if (!(std::fabs(x) < 700.0)) return std::exp(x);
  const double kd = std::nearbyint(x * kExpInvLn2N);
  const auto k = static_cast<int64_t>(kd);
  const double r = (x - kd * kExpLn2NHigh) - kd * kExpLn2NLow;
  const double p = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
  // 2^m * 2^(j/64): m added to the table value's exponent bits (no overflow
  // or underflow for |x| < 700).
  const int64_t m = k >> kExpTableBits;  // floor(k / 64)
  const auto j = static_cast<size_t>(k & (kExpTableSize - 1));
  const double scale = std::bit_cast<double>(std::bit_cast<uint64_t>(ExpTables().pow2[j]) +
                                             (static_cast<uint64_t>(m) << 52));
  return scale + scale * p;
}

}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& word : state_) word = SplitMix64(seed);
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
  const Ziggurat& z = ZigguratTables();
  while (true) {
    const uint64_t bits = Next();
    const auto layer = static_cast<size_t>(bits & (kLayers - 1));
    // Uniform in [-1, 1) from the top 53 bits (disjoint from the layer's 7).
    const double u = static_cast<double>(static_cast<int64_t>(bits) >> 11) * 0x1.0p-52;
    const double x = u * z.x[layer];
    if (std::fabs(u) < z.inner_ratio[layer]) return x;  // ~98.8 % of draws
    if (layer == 0) return NormalTail(u < 0);
    // In the layer's wedge: keep x with probability (f(x) - f(x[i])) / (f(x[i+1]) - f(x[i])).
    const double y = z.f[layer] + Uniform() * (z.f[layer + 1] - z.f[layer]);
    if (y < HalfDensity(x)) return x;
  }
}

double Rng::NormalTail(bool negative) {
  // Marsaglia (1964): the normal's tail beyond kR from two exponentials.
  double a = 0;
  double b = 0;
  do {
    a = -std::log(1.0 - Uniform()) / kR;
    b = -std::log(1.0 - Uniform());
  } while (b + b < a * a);
  return negative ? -(kR + a) : kR + a;
}

double Rng::LogNormal(double median, double sigma) { return median * ExpOfDraw(sigma * Normal()); }

double ExpForTesting(double x) { return ExpOfDraw(x); }

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
  static constexpr const char* kHex = "0123456789abcdef";
  // 8-4-4-4-12 hex digits: hi in the first three groups, lo in the last two.
  std::string out(36, '-');
  size_t pos = 0;
  const auto put = [&](uint64_t v, size_t digits) {
    for (size_t i = digits; i-- > 0;) {
      out[pos + i] = kHex[v & 0xF];
      v >>= 4;
    }
    pos += digits + 1;  // and the dash
  };
  put(hi >> 32, 8);
  put((hi >> 16) & 0xFFFF, 4);
  put(hi & 0xFFFF, 4);
  put(lo >> 48, 4);
  put(lo & 0xFFFFFFFFFFFFULL, 12);
  return out;
}

}  // namespace tflo::workload
