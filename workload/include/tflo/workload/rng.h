// Portable, seeded random numbers for the workload simulator.
//
// std::mt19937_64 is specified bit-for-bit by the C++ standard, but the
// std::*_distribution classes are not: two standard libraries may turn the same
// engine output into different doubles. The simulator promises byte-identical
// output for a seed, so it draws raw 64-bit words from the engine and builds
// every distribution here. Independent streams (arrivals, each service, ids)
// are derived from one seed with SplitMix64, so adding a draw to one stream
// never shifts another. Not thread-safe; one Rng per stream.
#ifndef TFLO_WORKLOAD_RNG_H_
#define TFLO_WORKLOAD_RNG_H_

#include <cstdint>
#include <random>
#include <string>

#include "tflo/core/model.h"

namespace tflo::workload {

// One step of SplitMix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, used to
// derive stream seeds.
uint64_t SplitMix64(uint64_t& state);

// The low `digits` hex digits of `v`, lower case, zero-padded.
std::string HexWord(uint64_t v, int digits);

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Seed of stream `stream` of a simulation seeded with `seed`.
  static Rng ForStream(uint64_t seed, uint64_t stream);

  uint64_t Next() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n); n > 0. Rejection sampling, no modulo bias.
  uint64_t UniformInt(uint64_t n);
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean: -mean * log(1 - u).
  double Exponential(double mean);
  // Standard normal by Box-Muller (one value per call; the pair's second half is
  // kept for the next call).
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
  std::mt19937_64 engine_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_RNG_H_
