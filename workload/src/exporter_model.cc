#include "tflo/workload/exporter_model.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "tflo/core/otlp_codec.h"

namespace tflo::workload {
namespace {

// Stream of the exporter's random draws, apart from the workload's streams.
constexpr uint64_t kExporterStream = 0x6578706F72746572ULL;  // "exporter"

}  // namespace

SimTime ExponentialBackoff::Next(double random) {
  // backoff/v5 exponential.go: NextBackOff, getRandomValueFromInterval,
  // incrementCurrentInterval (time.Duration is int64 ns; float -> Duration
  // conversions truncate).
  if (current_ == 0) current_ = config_.initial_interval.count();
  SimTime next = current_;
  const double factor = config_.randomization_factor;
  if (factor != 0) {
    const double interval = static_cast<double>(current_);
    const double delta = factor * interval;
    const double min_interval = interval - delta;
    const double max_interval = interval + delta;
    next = static_cast<SimTime>(min_interval + random * (max_interval - min_interval + 1));
  }
  const double max = static_cast<double>(config_.max_interval.count());
  if (static_cast<double>(current_) >= max / config_.multiplier) {
    current_ = config_.max_interval.count();
  } else {
    current_ = static_cast<SimTime>(static_cast<double>(current_) * config_.multiplier);
  }
  return next;
}

ExporterModel::ExporterModel(EventEngine& engine, core::ExporterConfig config, BackendModel backend,
                             DeliveredFn delivered, uint64_t seed)
    : engine_(engine),
      config_(std::move(config)),
      backend_(std::move(backend)),
      delivered_(std::move(delivered)),
      rng_(Rng::ForStream(seed, kExporterStream)) {}

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

void ExporterModel::Consume(core::TracesData&& data, int64_t items,
                            std::function<void(bool ok)> done) {
  if (!config_.sending_queue.enabled) {
    // Synchronous: the caller's goroutine runs the retry sender and waits.
    StartSending(Queued{std::move(data), items, 0, std::move(done)}, /*queued=*/false);
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
    held_items_ += items;
    blocked_.push_back(Queued{std::move(data), items, size, std::move(done)});
    return;
  }
  if (!fits_ever || queue_size_ + size > capacity) {
    stats_.enqueue_failed_spans += static_cast<uint64_t>(items);
    if (discard_) discard_(std::move(data));
    done(false);
    return;
  }
  held_items_ += items;
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
    Queued request = std::move(queue_.front());
    queue_.pop_front();
    ++busy_workers_;
    StartSending(std::move(request), /*queued=*/true);
  }
}

void ExporterModel::StartSending(Queued&& request, bool queued) {
  if (!queued) held_items_ += request.items;
  ++in_flight_;
  auto sending = std::make_shared<Sending>(
      Sending{next_sending_id_++, std::move(request), queued, engine_.now(),
              ExponentialBackoff(config_.retry_on_failure), true});
  Attempt(sending);
}

void ExporterModel::Attempt(const std::shared_ptr<Sending>& sending) {
  ++stats_.export_attempts;
  if (!sending->first) ++stats_.retries;
  sending->first = false;

  const SimTime now = engine_.now();
  Outcome outcome = Outcome::kSuccess;
  SimTime duration =
      backend_.request_latency.count() + backend_.per_span_latency.count() * sending->request.items;
  bool in_outage = false;
  for (const BackendOutage& outage : backend_.outages) {
    if (outage.ActiveAt(std::chrono::nanoseconds(now))) in_outage = true;
  }
  if (in_outage) {
    outcome = Outcome::kRetryable;
    duration = backend_.failure_latency.count();
  } else if (backend_.permanent_failure_probability > 0 || backend_.failure_probability > 0) {
    // One draw per attempt decides between the two failure kinds.
    const double u = rng_.Uniform();
    if (u < backend_.permanent_failure_probability) {
      outcome = Outcome::kPermanent;
      duration = backend_.request_latency.count();
    } else if (u < backend_.permanent_failure_probability + backend_.failure_probability) {
      outcome = Outcome::kRetryable;
      duration = backend_.failure_latency.count();
    }
  }
  // timeout_sender.go: each attempt runs under a context with this deadline;
  // the gRPC client gives up with DEADLINE_EXCEEDED, which is retryable.
  const SimTime timeout = config_.timeout.count();
  if (timeout > 0 && duration > timeout) {
    outcome = Outcome::kRetryable;
    duration = timeout;
  }
  engine_.After(duration, [this, sending, outcome] { OnAttemptDone(sending, outcome); });
}

void ExporterModel::OnAttemptDone(const std::shared_ptr<Sending>& sending, Outcome outcome) {
  if (outcome == Outcome::kSuccess) {
    Finish(sending, true);
    return;
  }
  const core::RetryConfig& retry = config_.retry_on_failure;
  if (outcome == Outcome::kPermanent || !retry.enabled || retries_stopped_) {
    Finish(sending, false);
    return;
  }
  const double random = retry.randomization_factor != 0 ? rng_.Uniform() : 0.0;
  const SimTime wait = sending->backoff.Next(random);
  const SimTime now = engine_.now();
  if (retry.max_elapsed_time.count() > 0 &&
      sending->first_attempt + retry.max_elapsed_time.count() < now + wait) {
    Finish(sending, false);  // "no more retries left"
    return;
  }
  backoff_.emplace(sending->id, sending);
  engine_.After(wait, [this, sending] {
    // Gone from backoff_ when StopRetries already failed the request.
    if (backoff_.erase(sending->id) == 0) return;
    Attempt(sending);
  });
}

void ExporterModel::Finish(const std::shared_ptr<Sending>& sending, bool ok) {
  Queued& request = sending->request;
  const auto items = static_cast<uint64_t>(request.items);
  --in_flight_;
  held_items_ -= request.items;
  if (ok) {
    ++stats_.export_requests;
    stats_.sent_spans += items;
  } else {
    ++stats_.failed_requests;
    stats_.send_failed_spans += items;
  }
  if (sending->queued) {
    --busy_workers_;
    // onDone: the request's size is released only now.
    queue_size_ -= request.size;
  }
  if (ok) delivered_(std::move(request.data), request.items);
  if (discard_) discard_(std::move(request.data));
  if (!sending->queued && request.done) request.done(ok);
  if (sending->queued) {
    AdmitBlocked();
    Dispatch();
  }
  CheckDrained();
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

void ExporterModel::StopRetries() {
  if (retries_stopped_) return;
  retries_stopped_ = true;
  // The back-off select sees stopCh closed: each waiting request fails now,
  // in the order they started.
  std::vector<std::shared_ptr<Sending>> waiting;
  waiting.reserve(backoff_.size());
  for (auto& [id, sending] : backoff_) waiting.push_back(sending);
  backoff_.clear();
  for (const auto& sending : waiting) Finish(sending, false);
}

void ExporterModel::Shutdown(std::function<void()> on_drained) {
  StopRetries();
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
