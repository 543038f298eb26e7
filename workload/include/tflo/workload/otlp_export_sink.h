// OtlpExportSink: the SdkExportSink (simulation.h) that sends the simulated
// services' SDK exports over OTLP/gRPC to a real collector.
//
// This is how `tflo workload run --otlp-endpoint HOST:PORT` feeds the docker
// compose stack: the endpoint receives the requests as they leave the
// applications (spans, log records, business metrics), before any collector
// processing, and a real collector does its own batching, sampling and
// spanmetrics. The files the simulation writes are unaffected.
//
// Transport: core::OtlpGrpcExporter (otlp_grpc.h) with its bounded retries and
// pipelining. Each request is encoded on the calling thread and queued with
// ExportAsync; when the queue is full the caller waits (back-pressure: virtual
// time runs faster than real time, and a live endpoint must lose nothing).
// Every wait is bounded: each attempt has a deadline and the attempts per
// request are bounded, so a queue slot frees within
// max_attempts x (timeout + max_backoff).
//
// A failing endpoint does not stall the run for each of its thousands of
// requests: when a request was dropped (attempts exhausted or a non-retryable
// error) and nothing succeeded since the previous check, the sink stops sending
// for `failure_cooldown` and counts the requests offered meanwhile as dropped
// ("skipped", never sent); after the cooldown it sends again (so an endpoint
// that comes back, e.g. in real-time mode, is used again). The exporter logs one
// warning naming the endpoint at the first failure of a streak and one info line
// at the recovery; the sink itself only logs at debug level.
//
// Resources: OTEL_RESOURCE_ATTRIBUTES (read once, at Create, through the
// injected EnvLookup) is merged into every resource with the SDK rule
// (core::ResourceMergeMode::kKeepExisting): keys a simulated resource already
// has keep their value. OTEL_SERVICE_NAME therefore cannot rename the simulated
// services (every one of them sets its own service.name); it applies only to a
// resource without service.name, which the simulation does not produce, and
// Create logs one warning saying so when it is set.
//
// Thread-safe: the Export* calls may come from several threads.
#ifndef TFLO_WORKLOAD_OTLP_EXPORT_SINK_H_
#define TFLO_WORKLOAD_OTLP_EXPORT_SINK_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/otlp_grpc.h"
#include "tflo/core/status.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

struct OtlpExportSinkOptions {
  // Endpoint, timeout, attempts, backoff, headers, compression, pipelining
  // (max_in_flight must be > 0).
  core::OtlpGrpcExporterOptions exporter;
  // Source of OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME; null = none (no
  // resource attribute is added).
  core::EnvLookup env;
  // Finish() waits this long for the queued requests before shutting down.
  std::chrono::milliseconds flush_timeout{10000};
  // How long requests are dropped without sending after the endpoint was seen
  // failing (see above). 0 = never skip (every request is tried).
  std::chrono::milliseconds failure_cooldown{5000};
};

// Counters of one signal. Items are spans, metric data points or log records.
// After Finish(): items == exported + dropped.
struct OtlpExportSinkStats {
  uint64_t requests = 0;  // non-empty requests handed to the sink
  uint64_t items = 0;     // their items
  uint64_t exported = 0;  // accepted by the endpoint
  // Not accepted: attempts exhausted, a non-retryable error, rejected in a
  // partial_success answer, left queued at shutdown, or skipped.
  uint64_t dropped = 0;
  uint64_t skipped = 0;  // part of dropped: never sent (failure cooldown)
  uint64_t retries = 0;  // attempts after the first
};

class OtlpExportSink : public SdkExportSink {
 public:
  // kInvalidArgument for a bad endpoint or exporter option (message from
  // core::OtlpGrpcExporter::Create, never a header value), max_in_flight < 1,
  // or negative durations. Does not connect.
  static Result<std::unique_ptr<OtlpExportSink>> Create(OtlpExportSinkOptions options);

  // Finish() if not called yet.
  ~OtlpExportSink() override;
  OtlpExportSink(const OtlpExportSink&) = delete;
  OtlpExportSink& operator=(const OtlpExportSink&) = delete;

  void ExportTraces(const core::TracesData& request) override;
  void ExportMetrics(const core::MetricsData& request) override;
  void ExportLogs(const core::LogsData& request) override;

  // Waits up to flush_timeout for the queued requests, then shuts the exporter
  // down: what is still queued is dropped and counted, calls on the wire end by
  // their deadline. kDeadlineExceeded when the flush timed out (the sink is
  // shut down all the same). Later Export* calls count their items as
  // skipped. Idempotent (later calls return OK).
  Status Finish();

  OtlpExportSinkStats stats(core::Signal signal) const;
  OtlpExportSinkStats total_stats() const;
  // The gRPC target of `signal` ("host:port").
  const std::string& target(core::Signal signal) const;
  // The attributes OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME contribute
  // (merged into each resource that lacks the key).
  const core::Attributes& env_resource_attributes() const { return env_attributes_; }

 private:
  OtlpExportSink(OtlpExportSinkOptions options, std::unique_ptr<core::OtlpGrpcExporter> exporter,
                 core::Attributes env_attributes);

  // False while the failure cooldown runs (the request is skipped).
  bool Admit();
  template <typename Data>
  void Export(core::Signal signal, const Data& request, uint64_t items);
  void Skip(core::Signal signal, uint64_t items);

  struct Counters {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> items{0};
    std::atomic<uint64_t> skipped_items{0};
  };

  const OtlpExportSinkOptions options_;
  const std::unique_ptr<core::OtlpGrpcExporter> exporter_;
  const core::Attributes env_attributes_;
  std::array<Counters, 3> counters_;

  std::mutex mu_;  // guards the fields below
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> cooling_until_;
  uint64_t seen_failed_requests_ = 0;
  uint64_t seen_answered_items_ = 0;  // exported + rejected: the endpoint answered
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_OTLP_EXPORT_SINK_H_
