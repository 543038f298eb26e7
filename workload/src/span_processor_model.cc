#include "tflo/workload/span_processor_model.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace tflo::workload {

BatchSpanProcessorModel::BatchSpanProcessorModel(EventEngine& engine,
                                                 BatchSpanProcessorOptions options,
                                                 core::Resource resource,
                                                 core::InstrumentationScope scope,
                                                 ExportFn export_fn)
    : engine_(engine),
      options_(options),
      resource_(std::move(resource)),
      scope_(std::move(scope)),
      export_fn_(std::move(export_fn)) {
  queue_.reserve(static_cast<size_t>(std::max<int64_t>(options_.max_export_batch_size, 1)));
}

void BatchSpanProcessorModel::Start() { ResetTimer(); }

void BatchSpanProcessorModel::OnEnd(core::Span&& span) {
  if (shut_down_ || static_cast<int64_t>(queue_.size()) >= options_.max_queue_size) {
    ++dropped_spans_;
    return;
  }
  queue_.push_back(std::move(span));
  if (static_cast<int64_t>(queue_.size()) >= options_.max_export_batch_size) {
    while (static_cast<int64_t>(queue_.size()) >= options_.max_export_batch_size) ExportBatch();
    ResetTimer();
  }
}

void BatchSpanProcessorModel::ForceFlush() {
  if (queue_.empty()) return;
  while (!queue_.empty()) ExportBatch();
  ResetTimer();
}

void BatchSpanProcessorModel::Shutdown() {
  ForceFlush();
  shut_down_ = true;
  ++timer_generation_;
}

void BatchSpanProcessorModel::ExportBatch() {
  const size_t n = std::min(
      queue_.size(), static_cast<size_t>(std::max<int64_t>(options_.max_export_batch_size, 1)));
  core::ScopeSpans scope_spans;
  scope_spans.scope = scope_;
  if (n == queue_.size()) {
    // The whole queue: hand the vector over instead of moving each span.
    scope_spans.spans = std::move(queue_);
    queue_ = std::vector<core::Span>();
    queue_.reserve(static_cast<size_t>(std::max<int64_t>(options_.max_export_batch_size, 1)));
  } else {
    scope_spans.spans.assign(
        std::make_move_iterator(queue_.begin()),
        std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  core::ResourceSpans resource_spans;
  resource_spans.resource = resource_;
  resource_spans.scope_spans.push_back(std::move(scope_spans));
  core::TracesData request;
  request.resource_spans.push_back(std::move(resource_spans));
  exported_spans_ += n;
  export_fn_(std::move(request));
}

void BatchSpanProcessorModel::ResetTimer() {
  if (shut_down_) return;
  const uint64_t generation = ++timer_generation_;
  engine_.After(options_.schedule_delay, [this, generation] { OnTick(generation); });
}

void BatchSpanProcessorModel::OnTick(uint64_t generation) {
  if (generation != timer_generation_ || shut_down_) return;
  while (!queue_.empty()) ExportBatch();
  ResetTimer();
}

}  // namespace tflo::workload
