#include "tflo/workload/fault_set.h"

#include <algorithm>

namespace tflo::workload {
namespace {

using Kind = FaultSpec::Kind;

const TargetFaults& EmptyTargetFaults() {
  static const TargetFaults kEmpty;
  return kEmpty;
}

}  // namespace

double TargetFaults::MaxProbability(Kind kind, std::chrono::nanoseconds elapsed) const {
  double p = 0;
  for (const FaultSpec& f : faults_) {
    if (f.kind == kind && f.ActiveAt(elapsed)) p = std::max(p, f.probability);
  }
  return p;
}

double TargetFaults::ErrorProbability(std::chrono::nanoseconds elapsed, double base) const {
  if (Outage(elapsed)) return 1.0;
  return std::max(base, MaxProbability(Kind::kErrorRate, elapsed));
}

bool TargetFaults::Outage(std::chrono::nanoseconds elapsed) const {
  return std::any_of(faults_.begin(), faults_.end(), [&](const FaultSpec& f) {
    return f.kind == Kind::kOutage && f.ActiveAt(elapsed);
  });
}

double TargetFaults::LatencyMultiplier(std::chrono::nanoseconds elapsed) const {
  double factor = 1;
  for (const FaultSpec& f : faults_) {
    if (f.kind == Kind::kSlowDependency && f.ActiveAt(elapsed)) factor *= f.latency_factor;
  }
  return factor;
}

std::chrono::nanoseconds TargetFaults::ExtraLatency(std::chrono::nanoseconds elapsed) const {
  std::chrono::nanoseconds extra{0};
  for (const FaultSpec& f : faults_) {
    if (f.kind == Kind::kSlowDependency && f.ActiveAt(elapsed)) extra += f.extra_latency;
  }
  return extra;
}

double TargetFaults::BrokenPropagationProbability(std::chrono::nanoseconds elapsed) const {
  return MaxProbability(Kind::kBrokenPropagation, elapsed);
}

double TargetFaults::ColdStartProbability(std::chrono::nanoseconds elapsed) const {
  return MaxProbability(Kind::kColdStarts, elapsed);
}

std::optional<std::chrono::nanoseconds> TargetFaults::ForcedTimeout(
    std::chrono::nanoseconds elapsed) const {
  std::optional<std::chrono::nanoseconds> timeout;
  for (const FaultSpec& f : faults_) {
    if (f.kind == Kind::kLambdaTimeout && f.ActiveAt(elapsed)) {
      timeout = timeout ? std::min(*timeout, f.timeout) : f.timeout;
    }
  }
  return timeout;
}

double TargetFaults::ThrottleProbability(std::chrono::nanoseconds elapsed) const {
  return MaxProbability(Kind::kThrottling, elapsed);
}

FaultSet::FaultSet(const std::vector<FaultSpec>& faults) : all_(faults) {
  for (const FaultSpec& f : faults) by_target_[f.target].faults_.push_back(f);
}

const TargetFaults& FaultSet::For(std::string_view target) const {
  if (by_target_.empty()) return EmptyTargetFaults();
  const auto it = by_target_.find(target);
  return it == by_target_.end() ? EmptyTargetFaults() : it->second;
}

bool FaultSet::BackendDown(std::chrono::nanoseconds elapsed) const {
  return std::any_of(all_.begin(), all_.end(), [&](const FaultSpec& f) {
    return f.kind == Kind::kBackendOutage && f.ActiveAt(elapsed);
  });
}

std::vector<const FaultSpec*> FaultSet::ActiveAt(std::chrono::nanoseconds elapsed) const {
  std::vector<const FaultSpec*> active;
  for (const FaultSpec& f : all_) {
    if (f.ActiveAt(elapsed)) active.push_back(&f);
  }
  return active;
}

}  // namespace tflo::workload
