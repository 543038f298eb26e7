#include "tflo/workload/event_engine.h"

#include <utility>

namespace tflo::workload {

void EventEngine::At(SimTime time, Callback callback) {
  if (time < now_) time = now_;
  queue_.push(Event{time, next_sequence_++, std::move(callback)});
}

bool EventEngine::Step() {
  if (queue_.empty()) return false;
  // top() is const; the callback is moved out before pop() so that it may
  // schedule further events while it runs.
  Event event = std::move(const_cast<Event&>(queue_.top()));
  queue_.pop();
  now_ = event.time;
  ++events_run_;
  event.callback();
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
