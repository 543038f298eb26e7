// Model of a collector exporter built on exporterhelper (sending_queue in front
// of the export call) and of the trace backend behind it, in virtual time.
//
// Follows the shared pipeline facts (section 2) and exporterhelper's
// memory_queue.go:
//  - sending_queue.enabled: Consume offers the request to an in-memory queue of
//    `queue_size` units of `sizer` (requests: 1 per request; items: spans;
//    bytes: the serialized ExportTraceServiceRequest). A request of size 0 is
//    accepted and discarded. A request that does not fit (or is larger than the
//    whole capacity) is rejected at once with "sending queue is full":
//    otelcol_exporter_enqueue_failed_spans += its spans. With block_on_overflow
//    the caller instead waits, in order, until it fits.
//  - `num_consumers` workers take requests in FIFO order; each export occupies
//    one worker for request_latency + per_span_latency x spans. As in
//    memory_queue.go, a request's size is released when its export is done, so
//    the queue size (and the otelcol_exporter_queue_size gauge) includes the
//    requests being exported.
//  - sending_queue disabled: the export runs synchronously in the caller, which
//    returns when the backend has answered; concurrent callers export
//    concurrently (no worker limit).
//  - The backend never fails in this slice: send_failed stays 0 and
//    retry_on_failure / the per-attempt timeout are never exercised.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_EXPORTER_MODEL_H_
#define TFLO_WORKLOAD_EXPORTER_MODEL_H_

#include <cstdint>
#include <deque>
#include <functional>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

struct ExporterStats {
  uint64_t sent_spans = 0;            // reached the backend
  uint64_t send_failed_spans = 0;     // always 0 in this slice
  uint64_t enqueue_failed_spans = 0;  // rejected by a full sending queue
  uint64_t export_requests = 0;       // requests the backend finished
  int64_t max_queue_size = 0;         // peak of the queue size, in sizer units
};

class ExporterModel {
 public:
  // Called when the backend has finished an export request, at that time.
  using DeliveredFn = std::function<void(core::TracesData&& data, int64_t items)>;

  ExporterModel(EventEngine& engine, core::ExporterConfig config, BackendModel backend,
                DeliveredFn delivered);
  ExporterModel(const ExporterModel&) = delete;
  ExporterModel& operator=(const ExporterModel&) = delete;

  // ConsumeTraces at engine.now(); `done(ok)` is called when the call returns
  // (see TracesConsumer).
  void Consume(core::TracesData&& data, int64_t items, std::function<void(bool ok)> done);
  // Lets the workers drain the queue (the pipeline's callers have stopped
  // first) and calls `on_drained` once the queue is empty and no export is in
  // flight.
  void Shutdown(std::function<void()> on_drained);

  const core::ExporterConfig& config() const { return config_; }
  bool queue_enabled() const { return config_.sending_queue.enabled; }
  int64_t queue_size() const { return queue_size_; }
  int64_t queue_capacity() const { return config_.sending_queue.queue_size; }
  const ExporterStats& stats() const { return stats_; }

 private:
  struct Queued {
    core::TracesData data;
    int64_t items = 0;
    int64_t size = 0;                // in sizer units
    std::function<void(bool)> done;  // only for blocked offers
  };

  int64_t SizeOf(const core::TracesData& data, int64_t items) const;
  SimTime ExportDuration(int64_t items) const;
  void Admit(Queued&& request);
  void Dispatch();
  void AdmitBlocked();
  void CheckDrained();

  EventEngine& engine_;
  core::ExporterConfig config_;
  BackendModel backend_;
  DeliveredFn delivered_;

  std::deque<Queued> queue_;    // admitted, waiting for a worker
  std::deque<Queued> blocked_;  // block_on_overflow offers waiting for space
  int64_t queue_size_ = 0;      // admitted and not yet done, in sizer units
  int64_t busy_workers_ = 0;
  int64_t in_flight_ = 0;  // exports running (both modes)

  bool shutting_down_ = false;
  std::function<void()> on_drained_;
  ExporterStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_EXPORTER_MODEL_H_
