// tflo_bench: throughput benchmarks of the telemetry outputs (OTLP files,
// OTLP/gRPC) and of the workload simulator in virtual time (the `mixed`
// scenario). `--smoke` registers tiny sizes and two iterations each, for the
// ctest `bench-smoke` run; without it, the sizes the performance targets are
// stated for. `--mixed_seconds=N` sets the simulated seconds of the `mixed`
// runs (e.g. 3600 with --benchmark_repetitions=1 for the literal hour).
// Exits non-zero when a benchmark failed (e.g. lost spans).
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bench_spans.h"
#include "tflo/core/allocator_name.h"
#include <benchmark/benchmark.h>

namespace tflo::bench {
namespace {
std::atomic<int> g_failures{0};
}  // namespace

void Fail(benchmark::State& state, const std::string& message) {
  g_failures.fetch_add(1);
  state.SkipWithError(message.c_str());
}

}  // namespace tflo::bench

int main(int argc, char** argv) {
  bool smoke = false;
  int64_t mixed_seconds = 0;
  constexpr std::string_view kMixedSeconds = "--mixed_seconds=";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--smoke") {
      smoke = true;
    } else if (arg.substr(0, kMixedSeconds.size()) == kMixedSeconds) {
      const std::string_view value = arg.substr(kMixedSeconds.size());
      const auto r = std::from_chars(value.data(), value.data() + value.size(), mixed_seconds);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() || mixed_seconds <= 0) {
        std::fprintf(stderr, "--mixed_seconds: expected a positive integer, got \"%s\"\n", argv[i]);
        return 1;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  tflo::bench::RegisterFileBenchmarks(smoke);
  tflo::bench::RegisterGrpcBenchmarks(smoke);
  tflo::bench::RegisterSimulationBenchmarks(smoke, mixed_seconds);
  int n = static_cast<int>(args.size());
  benchmark::AddCustomContext("allocator", tflo::core::AllocatorName());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return tflo::bench::g_failures.load() == 0 ? 0 : 1;
}
