#include "tflo/workload/memory_limiter_model.h"

#include <algorithm>
#include <utility>

namespace tflo::workload {

MemoryLimiterModel::MemoryLimiterModel(EventEngine& engine, core::MemoryLimiterConfig config,
                                       int64_t total_memory_bytes, HeapFn heap)
    : engine_(engine),
      config_(std::move(config)),
      heap_(std::move(heap)),
      hard_limit_bytes_(config_.HardLimitBytes(total_memory_bytes)),
      spike_limit_bytes_(config_.SpikeLimitBytes(total_memory_bytes)) {}

void MemoryLimiterModel::Start() {
  if (running_ || config_.check_interval.count() <= 0) return;
  running_ = true;
  const uint64_t generation = ++generation_;
  engine_.After(config_.check_interval.count(), [this, generation] { OnTick(generation); });
}

void MemoryLimiterModel::Shutdown() {
  running_ = false;
  ++generation_;  // the pending tick becomes stale
}

void MemoryLimiterModel::OnTick(uint64_t generation) {
  if (!running_ || generation != generation_) return;
  Check();
  engine_.After(config_.check_interval.count(), [this, generation] { OnTick(generation); });
}

void MemoryLimiterModel::Check() {
  // memorylimiter.go CheckMemLimits: usage >= soft -> refuse (after a GC that
  // frees nothing here); below soft -> accept.
  const int64_t heap = heap_();
  ++stats_.checks;
  stats_.last_heap_bytes = heap;
  stats_.max_heap_bytes = std::max(stats_.max_heap_bytes, heap);
  refusing_ = heap >= soft_limit_bytes();
  if (refusing_) ++stats_.checks_above_soft;
  if (heap >= hard_limit_bytes_) ++stats_.checks_above_hard;
}

bool MemoryLimiterModel::Admit(int64_t items) {
  if (refusing_) {
    stats_.refused_spans += static_cast<uint64_t>(items);
    return false;
  }
  stats_.accepted_spans += static_cast<uint64_t>(items);
  return true;
}

}  // namespace tflo::workload
