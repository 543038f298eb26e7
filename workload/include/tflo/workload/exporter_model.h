// Model of a collector exporter built on exporterhelper (sending_queue ->
// retry_on_failure -> timeout -> the export call) and of the trace backend
// behind it, in virtual time.
//
// Follows the shared pipeline facts (section 2) and exporterhelper's
// memory_queue.go, retry_sender.go and base_exporter.go:
//  - sending_queue.enabled: Consume offers the request to an in-memory queue of
//    `queue_size` units of `sizer` (requests: 1 per request; items: spans;
//    bytes: the serialized ExportTraceServiceRequest). A request of size 0 is
//    accepted and discarded. A request that does not fit (or is larger than the
//    whole capacity) is rejected at once with "sending queue is full":
//    otelcol_exporter_enqueue_failed_spans += its spans. With block_on_overflow
//    the caller instead waits, in order, until it fits.
//  - `num_consumers` workers take requests in FIFO order. A worker keeps its
//    request through every attempt and every back-off wait, and the request's
//    size is released only when it is done (sent or given up), so the queue
//    size (and the otelcol_exporter_queue_size gauge) includes requests being
//    exported or waiting to be retried.
//  - An attempt takes request_latency + per_span_latency x spans. It fails when
//    it starts inside a backend outage window or draws a failure (see
//    BackendModel), and with DEADLINE_EXCEEDED (retryable) when it would take
//    longer than the exporter's `timeout` (0 = no timeout): it then ends at the
//    timeout.
//  - retry_on_failure (retry_sender.go with cenkalti/backoff v5): a permanent
//    error is not retried; after a retryable error the wait is the next
//    ExponentialBackoff value, and the request is given up when
//    now + wait > first attempt + max_elapsed_time (0 = retry forever) or the
//    retry sender is shut down. retry_on_failure.enabled false: no retry.
//  - otelcol_exporter_sent_spans / send_failed_spans are counted once per
//    request, after its retries end.
//  - sending_queue disabled: the export and its retries run in the caller,
//    which returns (done(ok)) when they end; concurrent callers export
//    concurrently (no worker limit). The error goes back to the caller.
//  - Shutdown follows base_exporter.go: the retry sender stops first (back-off
//    waits end at once and their requests fail; no later failure is retried),
//    then the queue drains, each remaining request getting a single attempt.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_EXPORTER_MODEL_H_
#define TFLO_WORKLOAD_EXPORTER_MODEL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

struct ExporterStats {
  uint64_t sent_spans = 0;            // reached the backend
  uint64_t send_failed_spans = 0;     // given up: permanent error, retries exhausted, shutdown
  uint64_t enqueue_failed_spans = 0;  // rejected by a full sending queue
  uint64_t export_requests = 0;       // requests the backend accepted
  uint64_t failed_requests = 0;       // requests given up (their spans are send_failed)
  uint64_t export_attempts = 0;       // every attempt, retries included
  uint64_t retries = 0;               // attempts after a request's first
  int64_t max_queue_size = 0;         // peak of the queue size, in sizer units
};

// cenkalti/backoff v5 ExponentialBackOff as retry_sender.go configures it from
// retry_on_failure: the first wait is around initial_interval, each wait is
// interval x (1 +/- randomization_factor) (drawn as min + u x (max - min + 1)
// ns, truncated), and the interval then grows by `multiplier` up to
// max_interval (set to max_interval once interval >= max_interval /
// multiplier). max_elapsed_time is applied by the caller. Value type.
class ExponentialBackoff {
 public:
  explicit ExponentialBackoff(const core::RetryConfig& config) : config_(config) {}
  // The next wait in ns; `random` is uniform in [0, 1) (unused when the
  // randomization factor is 0).
  SimTime Next(double random);
  SimTime current_interval() const { return current_; }

 private:
  core::RetryConfig config_;
  SimTime current_ = 0;  // 0 = not started: the first Next uses initial_interval
};

class ExporterModel {
 public:
  // Called when the backend has accepted an export request, at that time.
  using DeliveredFn = std::function<void(core::TracesData&& data, int64_t items)>;
  // Takes a request's spans once the exporter is done with them (refused by
  // the full queue, delivered, or failed for good).
  using DiscardFn = std::function<void(core::TracesData&& data)>;

  // `seed` feeds the exporter's own random stream (back-off jitter, drawn
  // backend failures); draws happen only when retries or failures occur.
  ExporterModel(EventEngine& engine, core::ExporterConfig config, BackendModel backend,
                DeliveredFn delivered, uint64_t seed = 0);
  ExporterModel(const ExporterModel&) = delete;
  ExporterModel& operator=(const ExporterModel&) = delete;

  // ConsumeTraces at engine.now(); `done(ok)` is called when the call returns
  // (see TracesConsumer).
  void Consume(core::TracesData&& data, int64_t items, std::function<void(bool ok)> done);
  // Stops the retry sender now (back-off waits end, their requests fail; later
  // failures are not retried). Called by Shutdown; a collector model calls it
  // first when its own shutdown begins. Idempotent.
  void StopRetries();
  // Stops retries, lets the workers drain the queue (the pipeline's callers
  // have stopped first) and calls `on_drained` once the queue is empty and no
  // export is in flight.
  void Shutdown(std::function<void()> on_drained);

  // Unset, spent requests are freed where they die. The simulator hands them
  // back to the thread that made them (simulation.cc, HandoverChannel).
  void set_discard(DiscardFn discard) { discard_ = std::move(discard); }

  const core::ExporterConfig& config() const { return config_; }
  bool queue_enabled() const { return config_.sending_queue.enabled; }
  int64_t queue_size() const { return queue_size_; }
  int64_t queue_capacity() const { return config_.sending_queue.queue_size; }
  // Spans the exporter holds now: queued, being exported or retried, blocked.
  int64_t held_items() const { return held_items_; }
  // Requests waiting for their next attempt.
  int64_t requests_in_backoff() const { return static_cast<int64_t>(backoff_.size()); }
  const ExporterStats& stats() const { return stats_; }

 private:
  struct Queued {
    core::TracesData data;
    int64_t items = 0;
    int64_t size = 0;                // in sizer units
    std::function<void(bool)> done;  // blocked offers (admission) or synchronous sends (result)
  };
  // One request going through the retry sender.
  struct Sending {
    uint64_t id = 0;
    Queued request;
    bool queued = false;  // holds a worker and queue space
    SimTime first_attempt = 0;
    ExponentialBackoff backoff;
    bool first = true;
  };
  enum class Outcome { kSuccess, kRetryable, kPermanent };

  int64_t SizeOf(const core::TracesData& data, int64_t items) const;
  void Admit(Queued&& request);
  void Dispatch();
  void AdmitBlocked();
  void CheckDrained();
  void StartSending(Queued&& request, bool queued);
  void Attempt(const std::shared_ptr<Sending>& sending);
  void OnAttemptDone(const std::shared_ptr<Sending>& sending, Outcome outcome);
  void Finish(const std::shared_ptr<Sending>& sending, bool ok);

  EventEngine& engine_;
  core::ExporterConfig config_;
  BackendModel backend_;
  DeliveredFn delivered_;
  DiscardFn discard_;
  Rng rng_;

  std::deque<Queued> queue_;    // admitted, waiting for a worker
  std::deque<Queued> blocked_;  // block_on_overflow offers waiting for space
  int64_t queue_size_ = 0;      // admitted and not yet done, in sizer units
  int64_t busy_workers_ = 0;
  int64_t in_flight_ = 0;  // requests in the retry sender (both modes)
  int64_t held_items_ = 0;
  uint64_t next_sending_id_ = 0;
  std::map<uint64_t, std::shared_ptr<Sending>> backoff_;  // waiting for a retry, by id

  bool retries_stopped_ = false;
  bool shutting_down_ = false;
  std::function<void()> on_drained_;
  ExporterStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_EXPORTER_MODEL_H_
