// Model of an OpenTelemetry SDK's BatchSpanProcessor (trace/sdk.md; defaults
// from the OTEL_BSP_* environment variables, shared pipeline facts section 8)
// in virtual time: the SDK side of the pipeline, in front of the collector.
//
// Ended spans are queued (at most max_queue_size; more are dropped and
// counted). An export of up to max_export_batch_size spans starts as soon as
// that many are queued, or when schedule_delay has passed since the previous
// export (the timer is re-armed after every export, as the reference
// implementations do); ForceFlush exports everything queued. Each export is
// one request handed to `export_fn` at the time it starts (the caller adds
// the network latency to the collector). Exports are treated as instantaneous
// for the SDK: the collector's receiver answers before any processing. Not
// thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_SPAN_PROCESSOR_MODEL_H_
#define TFLO_WORKLOAD_SPAN_PROCESSOR_MODEL_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {

struct BatchSpanProcessorOptions {
  int64_t max_queue_size = 2048;                 // OTEL_BSP_MAX_QUEUE_SIZE
  SimTime schedule_delay = 5000 * kMillisecond;  // OTEL_BSP_SCHEDULE_DELAY
  int64_t max_export_batch_size = 512;           // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
};

class BatchSpanProcessorModel {
 public:
  using ExportFn = std::function<void(core::TracesData&& request)>;

  // Every request carries `resource` and `scope` (one SDK, one tracer).
  BatchSpanProcessorModel(EventEngine& engine, BatchSpanProcessorOptions options,
                          core::Resource resource, core::InstrumentationScope scope,
                          ExportFn export_fn);
  BatchSpanProcessorModel(const BatchSpanProcessorModel&) = delete;
  BatchSpanProcessorModel& operator=(const BatchSpanProcessorModel&) = delete;

  // Arms the schedule-delay timer at engine.now().
  void Start();
  // A span ended at engine.now().
  void OnEnd(core::Span&& span);
  // Exports everything queued now, in batches of max_export_batch_size.
  void ForceFlush();
  // ForceFlush, then stops the timer; later spans are dropped.
  void Shutdown();

  uint64_t dropped_spans() const { return dropped_spans_; }
  uint64_t exported_spans() const { return exported_spans_; }
  size_t queued_spans() const { return queue_.size(); }

 private:
  void ExportBatch();
  void ResetTimer();
  void OnTick(uint64_t generation);

  EventEngine& engine_;
  BatchSpanProcessorOptions options_;
  core::Resource resource_;
  core::InstrumentationScope scope_;
  ExportFn export_fn_;
  std::vector<core::Span> queue_;
  uint64_t timer_generation_ = 0;
  bool shut_down_ = false;
  uint64_t dropped_spans_ = 0;
  uint64_t exported_spans_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SPAN_PROCESSOR_MODEL_H_
