// Virtual-time speed of the workload simulator: the shipped `mixed` scenario
// (onboarding at 200 requests/s + coordination + e-commerce behind one
// collector, the scenario's faults included) through
// SimulationOptionsFromScenario + RunSimulation, writing its OTLP files into a
// temp dir, once per iteration. Target: one simulated hour in at most 10 s of
// wall time, with memory bounded.
//
// Each iteration simulates `sim_s` seconds of the scenario (default 600 and
// 120: `--mixed_seconds=N` replaces both, e.g. 3600 for the literal hour with
// --benchmark_repetitions=1). Counters, per run:
//   wall_s_per_sim_hour  wall seconds of RunSimulation x 3600 / sim_s
//   cpu_s_per_sim_hour   the same in CPU seconds of the whole process: the
//                        simulation runs on two threads (the onboarding
//                        services, and the collector with everything else),
//                        so this is up to twice the wall time
//   spans_per_s          spans generated per wall second
//   spans_generated      per run
//   peak_rss_MiB         the process's peak RSS during the run (reset before
//                        each run through /proc/self/clear_refs when the
//                        kernel allows it, else the process's peak so far);
//                        compare sim_s 120 and 600 for growth with the window.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "bench_spans.h"
#include <benchmark/benchmark.h>

#include "tflo/core/collector_config.h"
#include "tflo/core/otlp_file.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::bench {
namespace {

// CPU time of every thread of the process (the benchmark runs nothing else).
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Resets the kernel's peak-RSS mark of this process (Linux >= 4.0); false if
// that is not possible.
bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.close();
  return static_cast<bool>(clear);
}

// VmHWM of this process in MiB (the peak since the last reset), or
// PeakRssMiB() when /proc is not readable.
double PeakRssSinceResetMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return PeakRssMiB();
}

std::filesystem::path MakeTempDir() {
  const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/tflo-bench-sim-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return {};
  return templ;
}

void BM_MixedScenario(benchmark::State& state, core::OtlpFileFormat format) {
  const int64_t sim_seconds = state.range(0);
  auto scenario = workload::LoadScenario("mixed");
  if (!scenario.ok()) return Fail(state, scenario.status().ToString());
  auto collector = core::LoadCollectorConfig(TFLO_UNTUNED_COLLECTOR_YAML);
  if (!collector.ok()) return Fail(state, collector.status().ToString());
  const workload::FaultSet faults(scenario->faults);
  auto options = workload::SimulationOptionsFromScenario(*scenario, &faults, *collector);
  if (!options.ok()) return Fail(state, options.status().ToString());
  const std::filesystem::path dir = MakeTempDir();
  if (dir.empty()) return Fail(state, "cannot create a temp dir");
  options->window = std::chrono::seconds(sim_seconds);
  options->out_dir = dir;
  options->format = format;

  double wall = 0;
  double cpu = 0;
  double peak_rss = 0;
  uint64_t spans = 0;
  for (auto _ : state) {
    const bool reset = ResetPeakRss();
    const double cpu_start = ProcessCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    const Result<workload::SimulationSummary> summary = workload::RunSimulation(*options);
    const double run_wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cpu += ProcessCpuSeconds() - cpu_start;
    wall += run_wall;
    state.SetIterationTime(run_wall);
    if (!summary.ok()) {
      Fail(state, summary.status().ToString());
      break;
    }
    spans += summary->spans_generated;
    peak_rss = std::max(peak_rss, reset ? PeakRssSinceResetMiB() : PeakRssMiB());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  const auto runs = static_cast<double>(state.iterations());
  if (runs == 0 || wall <= 0) return;
  const double per_hour = 3600.0 / static_cast<double>(sim_seconds);
  state.counters["wall_s_per_sim_hour"] = wall / runs * per_hour;
  state.counters["cpu_s_per_sim_hour"] = cpu / runs * per_hour;
  state.counters["spans_per_s"] = static_cast<double>(spans) / wall;
  state.counters["spans_generated"] = static_cast<double>(spans) / runs;
  state.counters["peak_rss_MiB"] = peak_rss;
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

}  // namespace

void RegisterSimulationBenchmarks(bool smoke, int64_t mixed_seconds) {
  for (auto format : {core::OtlpFileFormat::kJsonLines, core::OtlpFileFormat::kBinary}) {
    const std::string name = "BM_MixedScenario/" + std::string(core::OtlpFileFormatName(format));
    auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_MixedScenario, format);
    if (smoke) {
      b->Arg(2);
    } else if (mixed_seconds > 0) {
      b->Arg(mixed_seconds);
    } else {
      b->Arg(600)->Arg(120);
    }
    b->ArgName("sim_s")->UseManualTime()->Unit(benchmark::kSecond);
    // One iteration is one whole run: repetitions (make bench: 5) give the median.
    b->Iterations(smoke ? 2 : 1);
  }
}

}  // namespace tflo::bench
