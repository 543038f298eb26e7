#include "tflo/workload/otlp_export_sink.h"

#include <utility>

#include <spdlog/spdlog.h>

namespace tflo::workload {
namespace {

size_t SignalIndex(core::Signal signal) { return static_cast<size_t>(signal); }

constexpr std::array<core::Signal, 3> kAllSignals = {core::Signal::kTraces, core::Signal::kMetrics,
                                                     core::Signal::kLogs};

// The SDK's resource merge (kKeepExisting): the environment is the secondary
// resource, so a key the simulated resource has keeps its value.
void MergeInto(const core::Attributes& from_env, core::Resource* resource) {
  for (const core::KeyValue& kv : from_env) {
    if (core::FindAttribute(resource->attributes, kv.key) == nullptr) {
      resource->attributes.push_back(kv);
    }
  }
}

template <typename Fn>
void ForEachResource(core::TracesData* data, Fn fn) {
  for (auto& rs : data->resource_spans) fn(&rs.resource);
}
template <typename Fn>
void ForEachResource(core::MetricsData* data, Fn fn) {
  for (auto& rm : data->resource_metrics) fn(&rm.resource);
}
template <typename Fn>
void ForEachResource(core::LogsData* data, Fn fn) {
  for (auto& rl : data->resource_logs) fn(&rl.resource);
}

}  // namespace

Result<std::unique_ptr<OtlpExportSink>> OtlpExportSink::Create(OtlpExportSinkOptions options) {
  if (options.exporter.max_in_flight < 1) {
    return InvalidArgumentError("otlp export sink: max_in_flight must be at least 1");
  }
  if (options.flush_timeout.count() < 0 || options.failure_cooldown.count() < 0) {
    return InvalidArgumentError(
        "otlp export sink: flush_timeout and failure_cooldown must be >= 0");
  }
  TFLO_ASSIGN_OR_RETURN(std::unique_ptr<core::OtlpGrpcExporter> exporter,
                        core::OtlpGrpcExporter::Create(options.exporter));
  // Read the environment once: a malformed OTEL_RESOURCE_ATTRIBUTES then warns
  // once, not once per request.
  core::Resource from_env;
  if (options.env) {
    core::MergeResourceFromEnv(options.env, core::ResourceMergeMode::kKeepExisting, &from_env);
    const auto service = options.env("OTEL_SERVICE_NAME");
    if (service && !service->empty()) {
      spdlog::warn(
          "OTEL_SERVICE_NAME is ignored: each simulated service keeps its own service.name "
          "(it would only name a resource that has none)");
    }
  }
  return std::unique_ptr<OtlpExportSink>(
      new OtlpExportSink(std::move(options), std::move(exporter), std::move(from_env.attributes)));
}

OtlpExportSink::OtlpExportSink(OtlpExportSinkOptions options,
                               std::unique_ptr<core::OtlpGrpcExporter> exporter,
                               core::Attributes env_attributes)
    : options_(std::move(options)),
      exporter_(std::move(exporter)),
      env_attributes_(std::move(env_attributes)) {}

OtlpExportSink::~OtlpExportSink() { Finish().IgnoreError(); }

bool OtlpExportSink::Admit() {
  std::lock_guard lock(mu_);
  if (finished_) return false;
  if (options_.failure_cooldown.count() == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const core::OtlpExportStats total = exporter_->total_stats();
  const uint64_t answered = total.exported_items + total.rejected_items;
  if (cooling_until_) {
    if (now < *cooling_until_) return false;
    // Cooldown over: try again, judging only what happens from now on.
    cooling_until_.reset();
    seen_failed_requests_ = total.failed_requests;
    seen_answered_items_ = answered;
    spdlog::debug("otlp export sink: failure cooldown over, sending to {} again",
                  exporter_->target(core::Signal::kTraces));
    return true;
  }
  const bool failed = total.failed_requests > seen_failed_requests_;
  const bool answered_since = answered > seen_answered_items_;
  seen_failed_requests_ = total.failed_requests;
  seen_answered_items_ = answered;
  if (failed && !answered_since) {
    // The endpoint dropped a request and accepted nothing since the last
    // look: each further request would cost up to max_attempts deadlines.
    cooling_until_ = now + options_.failure_cooldown;
    spdlog::debug("otlp export sink: {} is failing; requests are dropped for {} ms",
                  exporter_->target(core::Signal::kTraces), options_.failure_cooldown.count());
    return false;
  }
  return true;
}

void OtlpExportSink::Skip(core::Signal signal, uint64_t items) {
  counters_[SignalIndex(signal)].skipped_items.fetch_add(items);
}

template <typename Data>
void OtlpExportSink::Export(core::Signal signal, const Data& request, uint64_t items) {
  if (items == 0) return;
  Counters& c = counters_[SignalIndex(signal)];
  c.requests.fetch_add(1);
  c.items.fetch_add(items);
  if (!Admit()) return Skip(signal, items);
  Status status;
  if (env_attributes_.empty()) {
    status = exporter_->ExportAsync(request);
  } else {
    Data copy = request;
    ForEachResource(&copy, [this](core::Resource* r) { MergeInto(env_attributes_, r); });
    status = exporter_->ExportAsync(copy);
  }
  // Only after a concurrent Finish() (the exporter is shut down): not sent.
  if (!status.ok()) Skip(signal, items);
}

void OtlpExportSink::ExportTraces(const core::TracesData& request) {
  Export(core::Signal::kTraces, request, request.SpanCount());
}

void OtlpExportSink::ExportMetrics(const core::MetricsData& request) {
  Export(core::Signal::kMetrics, request, request.DataPointCount());
}

void OtlpExportSink::ExportLogs(const core::LogsData& request) {
  Export(core::Signal::kLogs, request, request.LogRecordCount());
}

Status OtlpExportSink::Finish() {
  {
    std::lock_guard lock(mu_);
    if (finished_) return OkStatus();
    finished_ = true;
  }
  Status status = exporter_->Flush(options_.flush_timeout);
  exporter_->Shutdown();
  const OtlpExportSinkStats total = total_stats();
  spdlog::debug("otlp export sink: {} items exported to {}, {} dropped ({} skipped), {} retries",
                total.exported, exporter_->target(core::Signal::kTraces), total.dropped,
                total.skipped, total.retries);
  return status;
}

OtlpExportSinkStats OtlpExportSink::stats(core::Signal signal) const {
  const Counters& c = counters_[SignalIndex(signal)];
  const core::OtlpExportStats e = exporter_->stats(signal);
  OtlpExportSinkStats s;
  s.requests = c.requests.load();
  s.items = c.items.load();
  s.skipped = c.skipped_items.load();
  s.exported = e.exported_items;
  s.dropped = e.failed_items + e.rejected_items + s.skipped;
  s.retries = e.retries;
  return s;
}

OtlpExportSinkStats OtlpExportSink::total_stats() const {
  OtlpExportSinkStats total;
  for (core::Signal signal : kAllSignals) {
    const OtlpExportSinkStats s = stats(signal);
    total.requests += s.requests;
    total.items += s.items;
    total.exported += s.exported;
    total.dropped += s.dropped;
    total.skipped += s.skipped;
    total.retries += s.retries;
  }
  return total;
}

const std::string& OtlpExportSink::target(core::Signal signal) const {
  return exporter_->target(signal);
}

}  // namespace tflo::workload
