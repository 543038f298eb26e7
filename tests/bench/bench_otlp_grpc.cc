// Spans per second exported over OTLP/gRPC to the in-process receiver on
// 127.0.0.1, built from core/proto's service definitions, with zero loss:
// after the timed loop the exporter is flushed and the receiver must have
// accepted exactly what was sent, or the benchmark fails. Target: >= 500k
// spans/s on loopback.
//
// Variants: pipelined (ExportAsync, `in_flight` concurrent requests) with a
// receiver that counts spans from the wire; the same with a receiver that
// decodes every request into the model (FromProto), as the analyzer would;
// and blocking Export (in_flight 0) for comparison. Wall time; the cpu column
// is the whole process (exporter, gRPC and receiver threads), so cpu/real
// says how many cores the pipeline kept busy.
#include <chrono>
#include <memory>
#include <string>

#include "bench_spans.h"
#include <benchmark/benchmark.h>

#include "tflo/core/otlp_grpc.h"

namespace tflo::bench {
namespace {

using std::chrono::milliseconds;

void BM_TracesOverOtlpGrpc(benchmark::State& state, bool decode) {
  const auto batch = static_cast<size_t>(state.range(0));
  const auto in_flight = static_cast<int>(state.range(1));
  core::OtlpGrpcReceiverOptions receiver_options;
  if (decode) {
    receiver_options.on_traces = [](core::TracesData&& data) {
      benchmark::DoNotOptimize(data);
      return OkStatus();
    };
  }
  auto receiver = core::OtlpGrpcReceiver::Start(receiver_options);
  if (!receiver.ok()) return Fail(state, receiver.status().ToString());
  core::OtlpGrpcExporterOptions options;
  options.endpoint = (*receiver)->endpoint();
  options.timeout = milliseconds(30000);
  options.max_attempts = 3;
  options.initial_backoff = milliseconds(10);
  options.max_in_flight = in_flight;
  auto exporter = core::OtlpGrpcExporter::Create(options);
  if (!exporter.ok()) return Fail(state, exporter.status().ToString());
  const core::TracesData data = MakeOnboardingBatch(batch, 7);
  // Connects outside the timed loop.
  if (Status st = (*exporter)->Export(data); !st.ok()) return Fail(state, st.ToString());

  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const Status st = in_flight > 0 ? (*exporter)->ExportAsync(data) : (*exporter)->Export(data);
    if (!st.ok()) {
      Fail(state, st.ToString());
      break;
    }
  }
  const Status flushed = (*exporter)->Flush(milliseconds(120000));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const uint64_t sent = (state.iterations() + 1) * batch;  // + the warm-up request
  const core::OtlpExportStats stats = (*exporter)->stats(core::Signal::kTraces);
  const uint64_t received = (*receiver)->stats(core::Signal::kTraces).items;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.counters["lost_spans"] = static_cast<double>(sent - std::min(sent, received));
  state.counters["spans_per_s_incl_flush"] =
      static_cast<double>(state.iterations() * batch) / seconds;
  state.counters["peak_rss_MiB"] = PeakRssMiB();
  if (!flushed.ok()) return Fail(state, flushed.ToString());
  if (received != sent || stats.failed_items != 0) {
    return Fail(state, "lost spans: sent " + std::to_string(sent) + ", received " +
                           std::to_string(received) + ", failed " +
                           std::to_string(stats.failed_items));
  }
}

}  // namespace

void RegisterGrpcBenchmarks(bool smoke) {
  struct Variant {
    const char* name;
    bool decode;
    int64_t batch;
    int64_t in_flight;
  };
  const Variant full[] = {
      {"BM_TracesOverOtlpGrpc/count", false, 512, 4},
      {"BM_TracesOverOtlpGrpc/count", false, 2048, 4},
      {"BM_TracesOverOtlpGrpc/count", false, 8192, 2},
      {"BM_TracesOverOtlpGrpc/count", false, 2048, 0},
      {"BM_TracesOverOtlpGrpc/decode", true, 2048, 4},
  };
  const Variant tiny[] = {
      {"BM_TracesOverOtlpGrpc/count", false, 16, 2},
      {"BM_TracesOverOtlpGrpc/count", false, 16, 0},
      {"BM_TracesOverOtlpGrpc/decode", true, 16, 2},
  };
  auto add = [&](const Variant& v) {
    auto* b = benchmark::RegisterBenchmark(v.name, BM_TracesOverOtlpGrpc, v.decode);
    b->Args({v.batch, v.in_flight})->ArgNames({"batch", "in_flight"});
    b->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
    if (smoke) b->Iterations(2);
  };
  if (smoke) {
    for (const auto& v : tiny) add(v);
  } else {
    for (const auto& v : full) add(v);
  }
}

}  // namespace tflo::bench
