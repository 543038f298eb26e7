#include "tflo/workload/batch_processor_model.h"

#include <algorithm>
#include <utility>

namespace tflo::workload {

BatchProcessorModel::BatchProcessorModel(EventEngine& engine, core::BatchProcessorConfig config,
                                         TracesConsumer next)
    : engine_(engine),
      config_(std::move(config)),
      next_(std::move(next)),
      has_timer_(config_.timeout.count() != 0 && config_.send_batch_size != 0) {}

void BatchProcessorModel::Start() { ResetTimer(); }

void BatchProcessorModel::Consume(core::TracesData&& request) {
  input_.push_back(std::move(request));
  Pump();
}

void BatchProcessorModel::Shutdown(std::function<void()> on_done) {
  shutting_down_ = true;
  on_shutdown_ = std::move(on_done);
  ++timer_generation_;  // stops the timer: pending ticks are stale
  Pump();
}

// Runs the shard's loop until it blocks in a send or has nothing left to do.
// The loop is written as a state machine because a synchronous send may
// suspend it in the middle of the size-trigger loop.
void BatchProcessorModel::Pump() {
  while (!busy_) {
    if (in_size_loop_) {
      const int64_t items = batch_.items();
      if (items > 0 && (!has_timer_ || items >= config_.send_batch_size)) {
        Send(BatchTrigger::kSize);
        continue;
      }
      in_size_loop_ = false;
      // stopTimer + resetTimer: also drops a tick that fired during the sends.
      if (sent_in_size_loop_ && !shutting_down_) ResetTimer();
      continue;
    }
    if (!input_.empty()) {
      batch_.Append(std::move(input_.front()));
      input_.pop_front();
      in_size_loop_ = true;
      sent_in_size_loop_ = false;
      continue;
    }
    if (shutting_down_ && !shut_down_) {
      if (batch_.items() > 0) {
        Send(BatchTrigger::kTimeout);
        continue;
      }
      shut_down_ = true;
      if (on_shutdown_) {
        auto on_done = std::move(on_shutdown_);
        on_shutdown_ = nullptr;
        on_done();
      }
    }
    return;
  }
}

void BatchProcessorModel::Send(BatchTrigger trigger) {
  const int64_t max = config_.send_batch_max_size;
  core::TracesData chunk = batch_.TakeFront(max > 0 ? std::min(max, batch_.items()) : 0);
  const int64_t items = CountSpans(chunk);
  if (trigger == BatchTrigger::kSize) sent_in_size_loop_ = true;
  busy_ = true;
  sending_trigger_ = trigger;
  sending_items_ = items;
  in_send_call_ = true;
  next_(std::move(chunk), items, [this](bool ok) { OnSendReturned(ok); });
  in_send_call_ = false;
}

void BatchProcessorModel::OnSendReturned(bool ok) {
  busy_ = false;
  if (ok) {
    if (sending_trigger_ == BatchTrigger::kSize) {
      ++stats_.size_trigger_sends;
    } else {
      ++stats_.timeout_trigger_sends;
    }
    const auto n = static_cast<uint64_t>(sending_items_);
    size_t bucket = 0;
    while (bucket < kBatchSendSizeBounds.size() &&
           static_cast<double>(n) > kBatchSendSizeBounds[bucket]) {
      ++bucket;
    }
    ++stats_.send_size_bucket_counts[bucket];
    stats_.send_size_min = stats_.send_size_count == 0 ? n : std::min(stats_.send_size_min, n);
    stats_.send_size_max = std::max(stats_.send_size_max, n);
    ++stats_.send_size_count;
    stats_.send_size_sum += n;
  }
  // A timer-triggered send re-arms the timer when it returns; a size-triggered
  // one is followed by the reset at the end of the size loop.
  if (sending_trigger_ == BatchTrigger::kTimeout && !shutting_down_) ResetTimer();
  // Returned later than it was called: the shard resumes its loop now.
  if (!in_send_call_) Pump();
}

void BatchProcessorModel::ResetTimer() {
  if (!has_timer_) return;
  const uint64_t generation = ++timer_generation_;
  engine_.After(config_.timeout.count(), [this, generation] { OnTick(generation); });
}

void BatchProcessorModel::OnTick(uint64_t generation) {
  if (generation != timer_generation_ || shutting_down_) return;
  // Blocked in a size-triggered send: the tick waits in the timer channel and
  // is drained by the reset after that send (see Pump).
  if (busy_) return;
  if (batch_.items() > 0) {
    Send(BatchTrigger::kTimeout);
  } else {
    ResetTimer();
  }
  Pump();
}

}  // namespace tflo::workload
