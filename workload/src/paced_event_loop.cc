#include "tflo/workload/paced_event_loop.h"

#include <algorithm>
#include <utility>

namespace tflo::workload {

PacedEventLoop::PacedEventLoop(EventEngine& engine, Clock::time_point epoch)
    : engine_(engine), epoch_(epoch) {}

bool PacedEventLoop::Post(std::function<void()> closure) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    inbox_.push_back(std::move(closure));
  }
  cv_.notify_one();
  return true;
}

void PacedEventLoop::RequestStop() {
  {
    // Under the mutex, so that a loop between its predicate check and its
    // wait cannot miss the notification.
    std::lock_guard lock(mu_);
    stop_.store(true);
  }
  cv_.notify_all();
}

bool PacedEventLoop::stop_requested() const { return StopSeen(); }

bool PacedEventLoop::StopSeen() const {
  return stop_.load() || (stop_flag_ != nullptr && stop_flag_->load());
}

void PacedEventLoop::set_stop_flag(const std::atomic<bool>* flag, std::chrono::milliseconds poll) {
  stop_flag_ = flag;
  poll_ = std::max(poll, std::chrono::milliseconds(1));
}

SimTime PacedEventLoop::WallNow() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch_).count();
}

bool PacedEventLoop::RunInbox() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(inbox_);
  }
  // Run outside the lock: a closure may take long, and handler threads keep
  // posting meanwhile.
  for (auto& closure : batch) closure();
  return !batch.empty();
}

bool PacedEventLoop::RunUntil(SimTime end) {
  while (true) {
    if (StopSeen()) return false;
    const SimTime last = end - 1;
    const SimTime target = std::max(std::min(WallNow(), last), engine_.now());
    engine_.RunUntil(target);
    const bool posted = RunInbox();
    if (target >= last) return true;
    // A closure may have scheduled events due now: run them before sleeping.
    if (posted) continue;

    SimTime wake = last;
    if (const std::optional<SimTime> next = engine_.next_time()) wake = std::min(wake, *next);
    Clock::time_point deadline = epoch_ + std::chrono::nanoseconds(wake);
    if (stop_flag_ != nullptr) deadline = std::min(deadline, Clock::now() + poll_);
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return !inbox_.empty() || stop_.load(); });
  }
}

void PacedEventLoop::CloseInbox() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  RunInbox();
}

}  // namespace tflo::workload
