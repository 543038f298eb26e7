// PacedEventLoop: drives an EventEngine against the wall clock, for the
// workload's real-time mode (realtime.h).
//
// Virtual time t is due at wall time `epoch + t` (std::chrono::steady_clock):
// the loop runs each event when the wall clock reaches its time (at its exact
// virtual time, only executed later by the scheduling jitter; a loop that
// falls behind catches up by running everything due), and sleeps until the
// next event is due, a closure is posted or a stop is requested. Closures
// posted from other threads (an inbox guarded by a mutex and a condition
// variable) run on the loop's thread between events, with the engine's now()
// advanced to the wall clock, so what they schedule starts "now". This is how
// an HTTP handler thread hands a request to the simulation.
//
// Threading: Post, RequestStop and stop_requested may be called from any
// thread; RunUntil and CloseInbox only from the thread that owns the engine.
// The engine itself stays single-threaded: only the loop's thread touches it.
#ifndef TFLO_WORKLOAD_PACED_EVENT_LOOP_H_
#define TFLO_WORKLOAD_PACED_EVENT_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {

class PacedEventLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // `engine` must outlive the loop; virtual time t is due at `epoch + t`.
  PacedEventLoop(EventEngine& engine, Clock::time_point epoch);
  PacedEventLoop(const PacedEventLoop&) = delete;
  PacedEventLoop& operator=(const PacedEventLoop&) = delete;

  // Any thread. Queues `closure` to run on the loop's thread (in post order,
  // no event running, now() at the wall clock). Returns false, and drops the
  // closure, once the inbox is closed.
  bool Post(std::function<void()> closure);
  // Any thread. RunUntil returns as soon as it notices (at once when it
  // sleeps). Sticky.
  void RequestStop();
  bool stop_requested() const;
  // Also stop once `*flag` is true: for a signal handler, which may store a
  // lock-free atomic but not notify a condition variable. The loop then wakes
  // at least every `poll` to look at it. nullptr = no flag.
  void set_stop_flag(const std::atomic<bool>* flag,
                     std::chrono::milliseconds poll = std::chrono::milliseconds(100));

  // Loop thread. Runs the events due strictly before `end` as the wall clock
  // reaches them, and the posted closures as they arrive. Returns true when the
  // wall clock reached `end` (now() is then end - 1: events at `end` and later
  // are left in the engine), false when a stop was requested first (now() is
  // the wall clock then, events due later are left).
  bool RunUntil(SimTime end);
  // Loop thread. Closes the inbox (later Post calls return false), then runs
  // the closures already queued. Idempotent.
  void CloseInbox();

  // Virtual time of the wall clock now (may exceed any event time).
  SimTime WallNow() const;

 private:
  // Runs the queued closures; true if there was one.
  bool RunInbox();
  bool StopSeen() const;

  EventEngine& engine_;
  const Clock::time_point epoch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> inbox_;  // guarded by mu_
  bool closed_ = false;                      // guarded by mu_
  std::atomic<bool> stop_{false};
  const std::atomic<bool>* stop_flag_ = nullptr;
  std::chrono::milliseconds poll_{100};
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_PACED_EVENT_LOOP_H_
