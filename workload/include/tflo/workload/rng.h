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
#include <cstdint>
#include <string>

#include "tflo/core/model.h"

namespace tflo::workload {

// One step of SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, used to
// derive stream seeds.
uint64_t SplitMix64(uint64_t& state);

// The exponential function LogNormal uses (within ~1 ulp of std::exp), for tests.
double ExpForTesting(double x);

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
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. Rejection sampling, no modulo bias.
  uint64_t UniformInt(uint64_t n);
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean: -mean * log(1 - u).
  double Exponential(double mean);
  // Standard normal by the ziggurat method (Marsaglia and Tsang 2000, 128
  // layers): one word and two table reads for ~98.8 % of the draws, no
  // logarithm or trigonometry.
  double Normal();
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }
  // exp(N(log(median), sigma)): a latency with the given median.
  double LogNormal(double median, double sigma);

  // Non-zero random ids (W3C: all-zero ids are invalid).
  core::TraceId NewTraceId();
  core::SpanId NewSpanId();
  // A random (version 4) UUID, as AWS uses for message and request ids.
  std::string NewUuid();

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // A normal draw beyond the ziggurat's base strip: |value| > its edge.
  double NormalTail(bool negative);

  std::array<uint64_t, 4> state_{};
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_RNG_H_
