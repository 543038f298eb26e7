// Spans per second encoded to OTLP files (binary length-prefixed protobuf and
// JSON lines), on one thread. Target: >= 1M spans/s per core to binary files.
// Rates are per CPU second of the benchmark thread (user + system, so the
// write(2) calls into the page cache count), i.e. per core, which a shared
// machine does not distort; the Time column is wall time. The close + fsync
// of each 256 MiB file rotation is not timed (it measures the disk).
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "bench_spans.h"
#include <benchmark/benchmark.h>

#include "tflo/core/otlp_file.h"

namespace tflo::bench {
namespace {

constexpr uint64_t kRotateBytes = uint64_t{256} << 20;

std::filesystem::path MakeTempDir() {
  const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe)
  std::string templ = std::string(base != nullptr ? base : "/tmp") + "/tflo-bench-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return {};
  return templ;
}

void BM_TracesToOtlpFile(benchmark::State& state, core::OtlpFileFormat format) {
  const auto batch = static_cast<size_t>(state.range(0));
  const core::TracesData data = MakeOnboardingBatch(batch, 1);
  const std::filesystem::path dir = MakeTempDir();
  if (dir.empty()) return Fail(state, "cannot create a temp dir");
  const std::filesystem::path path =
      dir / ("traces" + std::string(core::OtlpFileExtension(format)));
  auto writer = core::CreateOtlpFileWriter(path, core::Signal::kTraces, format);
  if (!writer.ok()) return Fail(state, writer.status().ToString());

  uint64_t rotated_bytes = 0;
  for (auto _ : state) {
    const Status st = (*writer)->Write(data);
    if (!st.ok()) {
      Fail(state, st.ToString());
      break;
    }
    if ((*writer)->bytes_written() >= kRotateBytes) {
      state.PauseTiming();
      rotated_bytes += (*writer)->bytes_written();
      const Status closed = (*writer)->Close();
      writer = core::CreateOtlpFileWriter(path, core::Signal::kTraces, format);
      state.ResumeTiming();
      if (!closed.ok() || !writer.ok()) {
        Fail(state, "file rotation failed");
        break;
      }
    }
  }
  const uint64_t total_bytes = rotated_bytes + (writer.ok() ? (*writer)->bytes_written() : 0);
  if (writer.ok()) (*writer)->Close().IgnoreError();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  const auto spans = static_cast<int64_t>(state.iterations() * batch);
  state.SetItemsProcessed(spans);
  state.SetBytesProcessed(static_cast<int64_t>(total_bytes));
  state.counters["bytes_per_span"] =
      spans > 0 ? static_cast<double>(total_bytes) / static_cast<double>(spans) : 0.0;
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}

}  // namespace

void RegisterFileBenchmarks(bool smoke) {
  const int64_t batch = smoke ? 16 : 512;
  for (auto format : {core::OtlpFileFormat::kBinary, core::OtlpFileFormat::kJsonLines}) {
    const std::string name = "BM_TracesToOtlpFile/" + std::string(core::OtlpFileFormatName(format));
    auto* b = benchmark::RegisterBenchmark(name.c_str(), BM_TracesToOtlpFile, format);
    b->Arg(batch)->ArgName("batch")->Unit(benchmark::kMillisecond);
    if (smoke) b->Iterations(2);
  }
}

}  // namespace tflo::bench
