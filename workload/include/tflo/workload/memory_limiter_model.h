// Model of the collector's `memory_limiter` processor (core
// processor/memorylimiterprocessor over internal/memorylimiter/memorylimiter.go;
// shared pipeline facts section 3), in virtual time, together with the heap
// model it reads.
//
// The real processor reads the Go heap (`runtime.MemStats.Alloc`) every
// `check_interval` (first check one interval after start) and stores one bit:
// refuse while the reading is at or above the soft limit (hard - spike), accept
// below it; above the hard limit it also forces a GC. Each ConsumeTraces then
// either refuses the whole request ("data refused due to high memory usage",
// non-permanent: the receiver counts the spans in
// otelcol_receiver_refused_spans and answers UNAVAILABLE) or passes it on.
// Counters: otelcol_processor_memory_limiter_accepted_spans / _refused_spans.
//
// The heap here is an estimate supplied by the caller (see CollectorMemoryModel):
// a base plus a fixed number of bytes per span the collector holds (batch
// processor, sending queue including requests in flight or waiting for a retry,
// tail-sampling buffers). It is live data only, as if garbage were collected at
// once, so a forced GC frees nothing and the GC intervals are not modelled.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_MEMORY_LIMITER_MODEL_H_
#define TFLO_WORKLOAD_MEMORY_LIMITER_MODEL_H_

#include <cstdint>
#include <functional>

#include "tflo/core/collector_config.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {

// The collector process's memory as the model sees it. Assumptions, not
// measurements: a pdata span with a dozen attributes occupies about 1-2 KiB of
// Go heap, and an idle contrib collector holds a few tens of MiB.
struct CollectorMemoryModel {
  int64_t total_memory_bytes = int64_t{4} << 30;  // host / cgroup memory, for limit_percentage
  int64_t base_heap_bytes = int64_t{64} << 20;    // heap of an idle collector
  int64_t bytes_per_span = 2048;                  // heap per span held in the pipeline

  int64_t HeapBytes(int64_t spans_held) const {
    return base_heap_bytes + bytes_per_span * spans_held;
  }
};

struct MemoryLimiterStats {
  uint64_t accepted_spans = 0;
  uint64_t refused_spans = 0;
  uint64_t checks = 0;
  uint64_t checks_above_soft = 0;  // refusing after the check
  uint64_t checks_above_hard = 0;  // (the collector also forces a GC)
  int64_t last_heap_bytes = 0;
  int64_t max_heap_bytes = 0;  // highest reading at a check
};

class MemoryLimiterModel {
 public:
  // Heap bytes at the current virtual time.
  using HeapFn = std::function<int64_t()>;

  // `total_memory_bytes` resolves limit_percentage (see
  // MemoryLimiterConfig::HardLimitBytes).
  MemoryLimiterModel(EventEngine& engine, core::MemoryLimiterConfig config,
                     int64_t total_memory_bytes, HeapFn heap);
  MemoryLimiterModel(const MemoryLimiterModel&) = delete;
  MemoryLimiterModel& operator=(const MemoryLimiterModel&) = delete;

  // Starts the ticker at engine.now(): checks at now + k x check_interval.
  void Start();
  // Stops the ticker (the refusing state stays as it was). Idempotent.
  void Shutdown();
  // One check now: reads the heap and sets the refusing state.
  void Check();
  // ConsumeTraces of a request of `items` spans: false (and counted refused)
  // while refusing, true (counted accepted) otherwise.
  bool Admit(int64_t items);

  bool refusing() const { return refusing_; }
  int64_t hard_limit_bytes() const { return hard_limit_bytes_; }
  int64_t soft_limit_bytes() const { return hard_limit_bytes_ - spike_limit_bytes_; }
  const core::MemoryLimiterConfig& config() const { return config_; }
  const MemoryLimiterStats& stats() const { return stats_; }

 private:
  void OnTick(uint64_t generation);

  EventEngine& engine_;
  core::MemoryLimiterConfig config_;
  HeapFn heap_;
  int64_t hard_limit_bytes_;
  int64_t spike_limit_bytes_;
  bool refusing_ = false;
  bool running_ = false;
  uint64_t generation_ = 0;
  MemoryLimiterStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_MEMORY_LIMITER_MODEL_H_
