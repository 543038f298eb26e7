// Realistic span batches for the benchmarks: the shapes of the onboarding
// path (ECS API server span, SQS producer, Lambda consumer, DynamoDB client)
// with 8-12 attributes each, one resource with the usual service / cloud
// attributes, unique ids. Deterministic for a given seed.
#ifndef TFLO_TESTS_BENCH_BENCH_SPANS_H_
#define TFLO_TESTS_BENCH_BENCH_SPANS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "tflo/core/model.h"

namespace tflo::bench {

// `spans` spans under one resource and one scope.
core::TracesData MakeOnboardingBatch(size_t spans, uint64_t seed);

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
inline double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Marks the benchmark failed (SkipWithError) and makes main() exit non-zero,
// so the bench-smoke test notices. Implemented in bench_main.cc.
void Fail(benchmark::State& state, const std::string& message);

// Registration hooks, one per bench_*.cc; `smoke` asks for tiny sizes.
void RegisterFileBenchmarks(bool smoke);
void RegisterGrpcBenchmarks(bool smoke);
// `mixed_seconds` > 0 replaces the simulated durations of BM_MixedScenario
// (bench_main's --mixed_seconds=N).
void RegisterSimulationBenchmarks(bool smoke, int64_t mixed_seconds);

}  // namespace tflo::bench

#endif  // TFLO_TESTS_BENCH_BENCH_SPANS_H_
