#include "tflo/workload/arrivals.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "traffic_bounds.h"

namespace tflo::workload {

std::optional<SimTime> ArrivalProcess::Next(SimTime after, SimTime horizon) {
  SimTime t = std::max<SimTime>(after, 0);
  while (t < horizon) {
    const internal::RateBound bound = internal::UpperBoundFrom(pattern_, t, start_unix_nano_);
    const SimTime segment_end = std::min(bound.until, horizon);
    if (bound.rate <= 0) {
      t = segment_end;
      continue;
    }
    // Candidates of a homogeneous process at bound.rate. A gap running past the
    // segment means no candidate in it; the exponential is memoryless, so the
    // search restarts at the segment's end with the next segment's bound.
    const double gap_ns = rng_.Exponential(1e9 / bound.rate);
    if (gap_ns >= static_cast<double>(segment_end - t)) {
      t = segment_end;
      continue;
    }
    // At least 1 ns, so that arrivals are strictly after `after` and the loop
    // always advances.
    const SimTime candidate = t + std::max<SimTime>(RoundToInt64(gap_ns), 1);
    if (candidate >= segment_end) {
      t = segment_end;
      continue;
    }
    const double rate = RateAt(pattern_, std::chrono::nanoseconds(candidate), start_unix_nano_);
    // Where the bound is exact (constant, burst, phased) no uniform is drawn.
    if (rate >= bound.rate || rng_.Uniform() * bound.rate < rate) return candidate;
    t = candidate;
  }
  return std::nullopt;
}

}  // namespace tflo::workload
