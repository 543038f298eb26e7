#include "tflo/workload/exporter_model.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "tflo/core/otlp_codec.h"

namespace tflo::workload {

ExporterModel::ExporterModel(EventEngine& engine, core::ExporterConfig config, BackendModel backend,
                             DeliveredFn delivered)
    : engine_(engine),
      config_(std::move(config)),
      backend_(backend),
      delivered_(std::move(delivered)) {}

int64_t ExporterModel::SizeOf(const core::TracesData& data, int64_t items) const {
  const std::string& sizer = config_.sending_queue.sizer;
  if (sizer == "items") return items;
  if (sizer == "bytes") {
    // exporterhelper's bytes sizer measures the serialized protobuf request.
    core::otlp_trace::ExportTraceServiceRequest request;
    core::ToProto(data, &request);
    return static_cast<int64_t>(request.ByteSizeLong());
  }
  return 1;  // requests
}

SimTime ExporterModel::ExportDuration(int64_t items) const {
  return backend_.request_latency.count() + backend_.per_span_latency.count() * items;
}

void ExporterModel::Consume(core::TracesData&& data, int64_t items,
                            std::function<void(bool ok)> done) {
  if (!config_.sending_queue.enabled) {
    // Synchronous: the caller's goroutine does the export and waits for it.
    ++in_flight_;
    auto payload = std::make_shared<core::TracesData>(std::move(data));
    engine_.After(ExportDuration(items), [this, payload, items, done = std::move(done)] {
      --in_flight_;
      ++stats_.export_requests;
      stats_.sent_spans += static_cast<uint64_t>(items);
      delivered_(std::move(*payload), items);
      done(true);
      CheckDrained();
    });
    return;
  }

  const int64_t size = SizeOf(data, items);
  const int64_t capacity = config_.sending_queue.queue_size;
  if (size == 0) {  // empty envelope: accepted and discarded
    done(true);
    return;
  }
  const bool fits_ever = size <= capacity;
  if (fits_ever && queue_size_ + size > capacity && config_.sending_queue.block_on_overflow) {
    blocked_.push_back(Queued{std::move(data), items, size, std::move(done)});
    return;
  }
  if (!fits_ever || queue_size_ + size > capacity) {
    stats_.enqueue_failed_spans += static_cast<uint64_t>(items);
    done(false);
    return;
  }
  Admit(Queued{std::move(data), items, size, nullptr});
  done(true);
}

void ExporterModel::Admit(Queued&& request) {
  queue_size_ += request.size;
  stats_.max_queue_size = std::max(stats_.max_queue_size, queue_size_);
  queue_.push_back(std::move(request));
  Dispatch();
}

void ExporterModel::Dispatch() {
  while (busy_workers_ < config_.sending_queue.num_consumers && !queue_.empty()) {
    auto request = std::make_shared<Queued>(std::move(queue_.front()));
    queue_.pop_front();
    ++busy_workers_;
    ++in_flight_;
    engine_.After(ExportDuration(request->items), [this, request] {
      --busy_workers_;
      --in_flight_;
      ++stats_.export_requests;
      stats_.sent_spans += static_cast<uint64_t>(request->items);
      // onDone: the request's size is released only now.
      queue_size_ -= request->size;
      delivered_(std::move(request->data), request->items);
      AdmitBlocked();
      Dispatch();
      CheckDrained();
    });
  }
}

void ExporterModel::AdmitBlocked() {
  const int64_t capacity = config_.sending_queue.queue_size;
  while (!blocked_.empty() && queue_size_ + blocked_.front().size <= capacity) {
    Queued request = std::move(blocked_.front());
    blocked_.pop_front();
    auto done = std::move(request.done);
    request.done = nullptr;
    Admit(std::move(request));
    done(true);
  }
}

void ExporterModel::Shutdown(std::function<void()> on_drained) {
  shutting_down_ = true;
  on_drained_ = std::move(on_drained);
  CheckDrained();
}

void ExporterModel::CheckDrained() {
  if (!shutting_down_ || !on_drained_) return;
  if (!queue_.empty() || !blocked_.empty() || in_flight_ != 0) return;
  auto on_drained = std::move(on_drained_);
  on_drained_ = nullptr;
  on_drained();
}

}  // namespace tflo::workload
