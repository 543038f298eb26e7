// ArrivalProcess: request arrival times drawn from a traffic pattern.
//
// A non-homogeneous Poisson process with intensity RateAt(pattern, t), sampled
// by thinning (Lewis & Shedler 1979): candidates come from a homogeneous
// process at a rate that bounds the intensity, and each is kept with
// probability RateAt(t) / bound. The bound is piecewise constant and tight
// (exact between burst edges and phase boundaries, so those patterns reject
// nothing), which keeps the cost near one draw per arrival. Every random number
// comes from the caller's Rng (rng.h), so a seed gives the same arrivals on
// every platform with the same libm.
//
// Usage: `for (auto t = p.Next(0, end); t; t = p.Next(*t, end)) ...`.
// Holds a copy of the pattern and a reference to the Rng, which must outlive
// it. Not thread-safe.
#ifndef TFLO_WORKLOAD_ARRIVALS_H_
#define TFLO_WORKLOAD_ARRIVALS_H_

#include <cstdint>
#include <optional>

#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {

class ArrivalProcess {
 public:
  // `start_unix_nano`: the wall-clock time of virtual time 0 (business hours
  // follow the UTC hour).
  ArrivalProcess(const TrafficPattern& pattern, uint64_t start_unix_nano, Rng& rng)
      : pattern_(pattern), start_unix_nano_(start_unix_nano), rng_(rng) {}

  // The first arrival strictly after `after` and strictly before `horizon`
  // (virtual ns), or nullopt when there is none. A Poisson process is
  // memoryless, so `after` need not be the previous arrival: a caller may skip
  // ahead. Draws from the Rng on every call.
  std::optional<SimTime> Next(SimTime after, SimTime horizon);

  const TrafficPattern& pattern() const { return pattern_; }

 private:
  TrafficPattern pattern_;
  uint64_t start_unix_nano_;
  Rng& rng_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_ARRIVALS_H_
