// Piecewise-constant upper bounds of a traffic pattern's rate, for thinning.
//
// Lewis-Shedler thinning draws candidates at a rate that bounds the true rate,
// then keeps each with probability rate / bound. A single global bound wastes
// draws when the rate swings (a burst pattern at 10/s with 200/s bursts would
// reject 95 % of candidates between bursts), so the bound here holds only over
// a segment [t, until) and is tight there: exact for constant, burst and phased
// patterns, the segment's end-point maximum for a ramp, and the peak inside
// business hours. Internal to tflo_workload; pure functions, thread-safe.
#ifndef TFLO_WORKLOAD_SRC_TRAFFIC_BOUNDS_H_
#define TFLO_WORKLOAD_SRC_TRAFFIC_BOUNDS_H_

#include <cstdint>
#include <limits>

#include "tflo/workload/event_engine.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload::internal {

inline constexpr SimTime kForever = std::numeric_limits<SimTime>::max();

struct RateBound {
  double rate = 0;           // RateAt(s) <= rate for every s in [t, until)
  SimTime until = kForever;  // > t
};

// The bound over the segment that contains `t` (t >= 0).
RateBound UpperBoundFrom(const TrafficPattern& pattern, SimTime t, uint64_t start_unix_nano);

}  // namespace tflo::workload::internal

#endif  // TFLO_WORKLOAD_SRC_TRAFFIC_BOUNDS_H_
