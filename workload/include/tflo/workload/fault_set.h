// FaultSet: a scenario's faults, indexed by target, answering "what is injected
// into this call right now?" for the simulated services and the pipeline model.
//
// Built once from Scenario::faults. Every query names a target (see
// FaultTargets() in scenario.h) and the elapsed virtual time since the run
// started; faults are active in [start, end) (FaultSpec::ActiveAt). A target
// with no fault answers from a shared empty list, so services on the hot path
// may either call the FaultSet with the target's name (one map lookup) or cache
// `For(target)` once (valid while the FaultSet lives and is not reassigned) and
// query that (a scan of the target's own few faults).
// Immutable after construction: concurrent queries are safe.
#ifndef TFLO_WORKLOAD_FAULT_SET_H_
#define TFLO_WORKLOAD_FAULT_SET_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/workload/scenario.h"

namespace tflo::workload {

// The faults of one target. Combination rules when several are active at once:
// probabilities take the maximum, latency factors multiply, extra latencies
// add, forced timeouts take the shortest.
class TargetFaults {
 public:
  // Probability that a call fails: 1 during an outage, else the largest of
  // `base` and the active error_rate probabilities.
  double ErrorProbability(std::chrono::nanoseconds elapsed, double base) const;
  bool Outage(std::chrono::nanoseconds elapsed) const;
  // slow_dependency: a call's latency becomes latency x LatencyMultiplier() +
  // ExtraLatency(). 1 and 0 when no such fault is active.
  double LatencyMultiplier(std::chrono::nanoseconds elapsed) const;
  std::chrono::nanoseconds ExtraLatency(std::chrono::nanoseconds elapsed) const;
  // Probability that a message/request loses its trace context (0 if none).
  double BrokenPropagationProbability(std::chrono::nanoseconds elapsed) const;
  // Probability that an invocation needs a fresh environment (0 if none; the
  // Lambda model adds its own natural cold starts).
  double ColdStartProbability(std::chrono::nanoseconds elapsed) const;
  // The Lambda Timeout forced by an active lambda_timeout fault, if any.
  std::optional<std::chrono::nanoseconds> ForcedTimeout(std::chrono::nanoseconds elapsed) const;
  double ThrottleProbability(std::chrono::nanoseconds elapsed) const;

  bool empty() const { return faults_.empty(); }
  const std::vector<FaultSpec>& faults() const { return faults_; }

 private:
  friend class FaultSet;
  double MaxProbability(FaultSpec::Kind kind, std::chrono::nanoseconds elapsed) const;

  std::vector<FaultSpec> faults_;
};

class FaultSet {
 public:
  FaultSet() = default;
  explicit FaultSet(const std::vector<FaultSpec>& faults);

  // The faults naming `target` (an empty list for an unknown or fault-free target).
  const TargetFaults& For(std::string_view target) const;

  double ErrorProbability(std::string_view target, std::chrono::nanoseconds elapsed,
                          double base) const {
    return For(target).ErrorProbability(elapsed, base);
  }
  bool Outage(std::string_view target, std::chrono::nanoseconds elapsed) const {
    return For(target).Outage(elapsed);
  }
  double LatencyMultiplier(std::string_view target, std::chrono::nanoseconds elapsed) const {
    return For(target).LatencyMultiplier(elapsed);
  }
  std::chrono::nanoseconds ExtraLatency(std::string_view target,
                                        std::chrono::nanoseconds elapsed) const {
    return For(target).ExtraLatency(elapsed);
  }
  double BrokenPropagationProbability(std::string_view target,
                                      std::chrono::nanoseconds elapsed) const {
    return For(target).BrokenPropagationProbability(elapsed);
  }
  double ColdStartProbability(std::string_view target, std::chrono::nanoseconds elapsed) const {
    return For(target).ColdStartProbability(elapsed);
  }
  std::optional<std::chrono::nanoseconds> ForcedTimeout(std::string_view target,
                                                        std::chrono::nanoseconds elapsed) const {
    return For(target).ForcedTimeout(elapsed);
  }
  double ThrottleProbability(std::string_view target, std::chrono::nanoseconds elapsed) const {
    return For(target).ThrottleProbability(elapsed);
  }
  // Whether a backend_outage fault is active: the trace backend refuses every export.
  bool BackendDown(std::chrono::nanoseconds elapsed) const;

  // The faults active at `elapsed`, in scenario order (for logs and ground truth).
  std::vector<const FaultSpec*> ActiveAt(std::chrono::nanoseconds elapsed) const;
  const std::vector<FaultSpec>& faults() const { return all_; }
  bool empty() const { return all_.empty(); }

 private:
  std::vector<FaultSpec> all_;
  std::map<std::string, TargetFaults, std::less<>> by_target_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_FAULT_SET_H_
