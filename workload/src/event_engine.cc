#include "tflo/workload/event_engine.h"

#include <utility>

namespace tflo::workload {

void EventEngine::At(SimTime time, Callback callback) {
  Push(time, kLocal | next_sequence_++, std::move(callback));
}

void EventEngine::AtImported(SimTime time, Callback callback) {
  Push(time, next_import_sequence_++, std::move(callback));
}

void EventEngine::Push(SimTime time, uint64_t sequence, Callback callback) {
  if (time < now_) time = now_;
  size_t slot = 0;
  if (free_slots_.empty()) {
    slot = callbacks_.size();
    callbacks_.push_back(std::move(callback));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    callbacks_[slot] = std::move(callback);
  }
  queue_.push(Event{time, sequence, slot});
}

bool EventEngine::Step() {
  if (queue_.empty()) return false;
  const Event event = queue_.top();
  queue_.pop();
  // Moved out (and its slot freed) before it runs: it may schedule further
  // events, which may reuse the slot or grow callbacks_.
  Callback callback = std::move(callbacks_[event.slot]);
  callbacks_[event.slot] = nullptr;
  free_slots_.push_back(event.slot);
  now_ = event.time;
  ++events_run_;
  callback();
  return true;
}

void EventEngine::Run() {
  while (Step()) {
  }
}

void EventEngine::RunUntil(SimTime time) {
  while (!queue_.empty() && queue_.top().time <= time) Step();
  if (time > now_) now_ = time;
}

}  // namespace tflo::workload
