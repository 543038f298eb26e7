// tflo_bench: throughput benchmarks of the telemetry outputs (OTLP files,
// OTLP/gRPC). `--smoke` registers tiny sizes and two iterations each, for the
// ctest `bench-smoke` run; without it, the sizes the performance targets are
// stated for. Exits non-zero when a benchmark failed (e.g. lost spans).
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "bench_spans.h"
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
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      smoke = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  tflo::bench::RegisterFileBenchmarks(smoke);
  tflo::bench::RegisterGrpcBenchmarks(smoke);
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return tflo::bench::g_failures.load() == 0 ? 0 : 1;
}
