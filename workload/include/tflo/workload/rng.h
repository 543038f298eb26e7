// Portable, seeded random numbers for the workload simulator.
//
// The std::*_distribution classes are not specified bit-for-bit: two standard
// libraries may turn the same engine output into different doubles. The
// simulator promises byte-identical output for a seed, so it draws raw 64-bit
// words from its own generator, xoshiro256** (Blackman and Vigna 2018: 256
// bits of state, period 2^256 - 1, a few instructions per word, several times
// cheaper than std::mt19937_64), and builds every distribution here.
// Independent streams (arrivals, each service, ids) are derived from one seed
// with SplitMix64, so adding a draw to one stream never shifts another. Not
// thread-safe; one Rng per stream.
#ifndef TFLO_WORKLOAD_RNG_H_
#define TFLO_WORKLOAD_RNG_H_

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "tflo/core/model.h"

namespace tflo::workload {

// One step of SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, used to
// derive stream seeds.
uint64_t SplitMix64(uint64_t& state);

// The exponential function LogNormal uses (within ~1 ulp of std::exp), for tests.
double ExpForTesting(double x);

// The constants behind the inline normal and log-normal draws below (defined
// in rng.cc as constants: reading them takes no guard and no call).
namespace rng_internal {

// The ziggurat for the standard normal density's unnormalised half,
// f(x) = exp(-x^2 / 2), x >= 0: 128 layers of equal area kZigguratV. Layer i
// (i >= 1) is the box [0, x[i]] x [f(x[i]), f(x[i+1])]; layer 0 is the box
// [0, kZigguratR] x [0, f(kZigguratR)] plus the tail beyond it, drawn as a
// box of width x[0] = kZigguratV / f(kZigguratR). R and V are the 128-layer
// constants of Marsaglia and Tsang (2000).
inline constexpr int kZigguratLayers = 128;
inline constexpr double kZigguratR = 3.442619855899;
inline constexpr double kZigguratV = 9.91256303526217e-3;
// Layer i's width x[i], and x[i + 1] / x[i]: the part of it wholly under f.
struct ZigguratStrip {
  double x;
  double inner_ratio;
};
extern const std::array<double, kZigguratLayers + 1> kZigguratX;
extern const std::array<ZigguratStrip, kZigguratLayers> kZigguratStrips;

// exp(x) for the log-normal draws, inline and without libm's call and error
// handling: half of a draw's cost went to std::exp. x = (64 m + j) ln2/64 + r
// with |r| <= ln2/128, so exp(x) = 2^m * 2^(j/64) * exp(r); exp(r) is its
// Taylor polynomial of degree 5 (the first term left out is below 4e-17 of
// the result). Within ~1 ulp of std::exp for |x| < 700; anything else (huge,
// infinite, NaN) goes to std::exp.
inline constexpr int kExpTableBits = 6;
inline constexpr int kExpTableSize = 1 << kExpTableBits;
extern const std::array<double, kExpTableSize> kExp2Table;  // 2^(j/64)
// 64 / ln 2, and ln 2 / 64 in two parts (the high part's last 32 bits are zero,
// so k * high is exact for |k| < 2^20): the split of fdlibm's ln2_hi / ln2_lo.
inline constexpr double kExpInvLn2N = 92.332482616893656768;
inline constexpr double kExpLn2NHigh = 6.93147180369123816490e-01 / kExpTableSize;
inline constexpr double kExpLn2NLow = 1.90821492927058770002e-10 / kExpTableSize;
// Added to a double of magnitude below 2^51, rounds it to the nearest
// integer, ties to even, as std::nearbyint does in the default rounding mode
// (the sum's unit is 1), without nearbyint's library call. (A compiler that
// fuses the product and this sum into one FMA, as on arm64, may round a
// product within an ulp of a half the other way: the result stays as
// accurate, r absorbing the difference, but the draws are then that
// target's own, as they already are wherever FMAs fuse the polynomial.)
inline constexpr double kRoundShift = 0x1.8p52;

inline double ExpOfDraw(double x) {
  if (!(std::fabs(x) < 700.0)) return std::exp(x);
  const double kd = (x * kExpInvLn2N + kRoundShift) - kRoundShift;
  const auto k = static_cast<int64_t>(kd);
  const double r = (x - kd * kExpLn2NHigh) - kd * kExpLn2NLow;
  const double p = r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
  // 2^m * 2^(j/64): m added to the table value's exponent bits (no overflow
  // or underflow for |x| < 700).
  const int64_t m = k >> kExpTableBits;  // floor(k / 64)
  const auto j = static_cast<size_t>(k & (kExpTableSize - 1));
  const double scale = std::bit_cast<double>(std::bit_cast<uint64_t>(kExp2Table[j]) +
                                             (static_cast<uint64_t>(m) << 52));
  return scale + scale * p;
}

}  // namespace rng_internal

// The low `digits` hex digits of `v`, lower case, zero-padded.
std::string HexWord(uint64_t v, int digits);

// `x` rounded to the nearest integer, halves away from zero, like std::llround
// for the finite values of a simulation (|x| < 2^62; a value a hair below a
// half may round up), without the library call.
inline int64_t RoundToInt64(double x) {
  return static_cast<int64_t>(x >= 0 ? x + 0.5 : x - 0.5);
}

class Rng {
 public:
  // The four state words from SplitMix64 of `seed`, as the generator's authors
  // recommend (never all zero).
  explicit Rng(uint64_t seed);
  // Seed of stream `stream` of a simulation seeded with `seed`.
  static Rng ForStream(uint64_t seed, uint64_t stream);

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() {
    // The top 53 bits fill a double's mantissa exactly: every value is k / 2^53.
    return static_cast<double>(Next() >> 11) * 0x1.0p-53;
  }
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. Rejection sampling, no modulo bias.
  uint64_t UniformInt(uint64_t n);
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean: -mean * log(1 - u).
  double Exponential(double mean);
  // Standard normal by the ziggurat method (Marsaglia and Tsang 2000, 128
  // layers): one word and two table reads for ~98.8 % of the draws, no
  // logarithm or trigonometry. That path is inline; the rest is NormalOutside.
  double Normal() {
    const uint64_t bits = Next();
    const rng_internal::ZigguratStrip& strip =
        rng_internal::kZigguratStrips[bits & (rng_internal::kZigguratLayers - 1)];
    // Uniform in [-1, 1) from the top 53 bits (disjoint from the layer's 7).
    const double u = static_cast<double>(static_cast<int64_t>(bits) >> 11) * 0x1.0p-52;
    if (std::fabs(u) < strip.inner_ratio) return u * strip.x;  // ~98.8 % of draws
    return NormalOutside(bits, u);
  }
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }
  // exp(N(log(median), sigma)): a latency with the given median.
  double LogNormal(double median, double sigma) {
    return median * rng_internal::ExpOfDraw(sigma * Normal());
  }

  // Non-zero random ids (W3C: all-zero ids are invalid).
  core::TraceId NewTraceId();
  core::SpanId NewSpanId();
  // A random (version 4) UUID, as AWS uses for message and request ids.
  std::string NewUuid();

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // The draw `bits` (whose uniform is `u`) fell outside its layer's inner
  // part: the wedge test, the tail, or a new draw.
  double NormalOutside(uint64_t bits, double u);
  // A normal draw beyond the ziggurat's base strip: |value| > its edge.
  double NormalTail(bool negative);

  std::array<uint64_t, 4> state_{};
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_RNG_H_
