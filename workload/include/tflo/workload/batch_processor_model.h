// Model of the collector's `batch` processor (processor/batchprocessor), one
// shard (no metadata_keys), in virtual time.
//
// It follows the send algorithm of batch_processor.go as summarised in the
// shared pipeline facts (section 1):
//  - The timer exists only when timeout != 0 and send_batch_size != 0. It is
//    armed when the processor starts and re-armed after every send; it is not
//    anchored to the first item of a batch. On a tick, pending items are sent
//    as one chunk of at most send_batch_max_size (timeout trigger); the timer
//    is re-armed either way.
//  - On each incoming request: append, then while items > 0 and (no timer or
//    items >= send_batch_size) send one chunk of min(items, send_batch_max_size
//    or all) (size trigger). After a size-triggered send the timer is reset.
//  - Sending is synchronous on the shard: if the next consumer does not return
//    at once (an exporter without sending queue), the shard is blocked and
//    incoming requests wait in its input, in order, until it is free. A tick
//    that fires while the shard is blocked in a size-triggered send is drained
//    by the reset that follows that send. (The real input channel holds NumCPU
//    requests and then blocks the receiver; that back-pressure is not modelled:
//    the input here is unbounded.)
//  - Export errors are only "logged": the data is dropped, and the trigger
//    counters and the size histogram count successful sends only.
//  - Shutdown drains the input and sends the remainder as a timeout-triggered
//    send.
// ConsumeTraces always succeeds (the processor returns before export).
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_BATCH_PROCESSOR_MODEL_H_
#define TFLO_WORKLOAD_BATCH_PROCESSOR_MODEL_H_

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/traces_batch.h"

namespace tflo::workload {

enum class BatchTrigger { kSize, kTimeout };

// Upper bounds of otelcol_processor_batch_batch_send_size's buckets.
inline constexpr std::array<double, 22> kBatchSendSizeBounds = {
    10,   25,   50,   75,   100,  250,  500,   750,   1000,  2000,  3000,
    4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000};

// Cumulative counters behind the processor's own metrics.
struct BatchProcessorStats {
  uint64_t size_trigger_sends = 0;
  uint64_t timeout_trigger_sends = 0;
  // Histogram of items per successful send.
  std::vector<uint64_t> send_size_bucket_counts =
      std::vector<uint64_t>(kBatchSendSizeBounds.size() + 1, 0);
  uint64_t send_size_count = 0;
  uint64_t send_size_sum = 0;
  uint64_t send_size_min = 0;  // meaningful when send_size_count > 0
  uint64_t send_size_max = 0;
};

// The next consumer in the pipeline (an exporter). It must call `done` exactly
// once, at the virtual time its ConsumeTraces returns: immediately (inside the
// call) for a queued exporter, later for a synchronous one. `ok` is false when
// it returned an error (e.g. "sending queue is full").
using TracesConsumer =
    std::function<void(core::TracesData&& data, int64_t items, std::function<void(bool ok)> done)>;

class BatchProcessorModel {
 public:
  BatchProcessorModel(EventEngine& engine, core::BatchProcessorConfig config, TracesConsumer next);
  BatchProcessorModel(const BatchProcessorModel&) = delete;
  BatchProcessorModel& operator=(const BatchProcessorModel&) = delete;

  // Starts the shard at engine.now(): arms the timer if there is one.
  void Start();
  // ConsumeTraces at engine.now().
  void Consume(core::TracesData&& request);
  // Stops the timer, drains the input, sends what is left (timeout trigger),
  // then calls `on_done` once the last send has returned.
  void Shutdown(std::function<void()> on_done);

  const core::BatchProcessorConfig& config() const { return config_; }
  bool has_timer() const { return has_timer_; }
  int64_t pending_items() const { return batch_.items(); }
  const BatchProcessorStats& stats() const { return stats_; }

 private:
  void Pump();
  void Send(BatchTrigger trigger);
  void OnSendReturned(bool ok);
  void ResetTimer();
  void OnTick(uint64_t generation);

  EventEngine& engine_;
  core::BatchProcessorConfig config_;
  TracesConsumer next_;
  bool has_timer_;

  SpanBatch batch_;
  std::deque<core::TracesData> input_;  // requests waiting while the shard is blocked
  bool busy_ = false;                   // a send has not returned yet
  bool in_send_call_ = false;
  BatchTrigger sending_trigger_ = BatchTrigger::kSize;
  int64_t sending_items_ = 0;
  bool in_size_loop_ = false;
  bool sent_in_size_loop_ = false;
  uint64_t timer_generation_ = 0;

  bool shutting_down_ = false;
  bool shut_down_ = false;
  std::function<void()> on_shutdown_;

  BatchProcessorStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_BATCH_PROCESSOR_MODEL_H_
