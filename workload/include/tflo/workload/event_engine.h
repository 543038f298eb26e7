// The workload simulator's clock: a virtual-time discrete-event engine.
//
// Events are callbacks scheduled at an integer nanosecond of virtual time
// (0 = the start of the simulated window). They run in (time, insertion
// sequence) order, so two events scheduled for the same instant run in the
// order they were scheduled and a run is fully deterministic. There is no
// cancellation: components that re-arm timers keep a generation counter and
// ignore stale ticks.
//
// Events that come from another engine (AtImported: the simulation runs the
// onboarding services on their own engine and thread, simulation.cc) run
// before the engine's own events of the same instant, in the order they were
// imported. The importer hands them over in the sender's order and before the
// engine runs anything at or after their time, so the order never depends on
// when a hand-over happened. Not thread-safe; each engine belongs to one
// thread.
#ifndef TFLO_WORKLOAD_EVENT_ENGINE_H_
#define TFLO_WORKLOAD_EVENT_ENGINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

namespace tflo::workload {

// Virtual time in nanoseconds since the start of the simulation.
using SimTime = int64_t;

inline constexpr SimTime kMicrosecond = 1000;
inline constexpr SimTime kMillisecond = 1000 * kMicrosecond;
inline constexpr SimTime kSecond = 1000 * kMillisecond;

class EventEngine {
 public:
  using Callback = std::function<void()>;

  SimTime now() const { return now_; }
  // Schedules `callback` at `time`; a time in the past runs at now() (after the
  // events already due now).
  void At(SimTime time, Callback callback);
  void After(SimTime delay, Callback callback) { At(now_ + delay, std::move(callback)); }
  // Schedules an event handed over by another engine (see above).
  void AtImported(SimTime time, Callback callback);

  // Runs the next event; false when none is left.
  bool Step();
  // Runs the next event if it is due before `limit`; false otherwise.
  bool StepBefore(SimTime limit) {
    if (queue_.empty() || queue_.top().time >= limit) return false;
    return Step();
  }
  // Runs events until none is left.
  void Run();
  // Runs the events due at or before `time`, then sets now() to `time`.
  void RunUntil(SimTime time);

  bool empty() const { return queue_.empty(); }
  // The time of the next event (>= now()); nullopt when none is left. A
  // real-time driver (paced_event_loop.h) sleeps until then.
  std::optional<SimTime> next_time() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.top().time;
  }
  uint64_t events_run() const { return events_run_; }

 private:
  // The heap holds small trivially copyable entries (its sift moves them
  // around on every push and pop); the callbacks stay put in callbacks_,
  // whose freed slots are reused.
  struct Event {
    SimTime time;
    uint64_t sequence;  // kLocal set for the engine's own events
    size_t slot;        // index into callbacks_
  };
  static constexpr uint64_t kLocal = uint64_t{1} << 63;
  void Push(SimTime time, uint64_t sequence, Callback callback);
  // std::priority_queue is a max-heap: "greater" means "runs later".
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };

  SimTime now_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t next_import_sequence_ = 0;
  uint64_t events_run_ = 0;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::vector<Callback> callbacks_;
  std::vector<size_t> free_slots_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_EVENT_ENGINE_H_
