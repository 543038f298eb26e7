// Traffic patterns: requests per second as a function of virtual time.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "traffic_bounds.h"

#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

using internal::kForever;
using internal::RateBound;

constexpr uint64_t kHourNanos = 3600ULL * 1000 * 1000 * 1000;
constexpr uint64_t kDayNanos = 24 * kHourNanos;

// Segments a ramp is cut into for thinning: the bound over a segment is its
// larger end, so 64 segments waste at most ~1/64 of the ramp's span in rejected
// candidates.
constexpr int64_t kRampSegments = 64;

// Business hours as offsets in the UTC day, in nanoseconds. A window whose end
// hour is below its start hour wraps midnight (a night shift, 22 -> 6).
struct DayWindow {
  uint64_t start = 0;   // ns after midnight UTC
  uint64_t length = 0;  // ns; 0 = no window
};

DayWindow WindowOf(const TrafficPattern& p) {
  const auto to_ns = [](double hour) {
    const double clamped = std::clamp(hour, 0.0, 24.0);
    return static_cast<uint64_t>(std::llround(clamped * static_cast<double>(kHourNanos)));
  };
  const uint64_t start = to_ns(p.start_hour) % kDayNanos;
  const uint64_t end = to_ns(p.end_hour);
  DayWindow w;
  w.start = start;
  if (p.end_hour - p.start_hour >= 24) {
    w.length = kDayNanos;
  } else if (end % kDayNanos > start) {
    w.length = end % kDayNanos - start;
  } else if (end % kDayNanos < start) {
    w.length = end % kDayNanos + kDayNanos - start;
  }
  return w;
}

// Nanoseconds since the window last opened (mod one day) at `elapsed` ns into
// the run; inside the window iff the result is < length.
uint64_t OffsetInDay(const DayWindow& w, SimTime elapsed, uint64_t start_unix_nano) {
  const uint64_t now = start_unix_nano + static_cast<uint64_t>(std::max<SimTime>(elapsed, 0));
  const uint64_t of_day = now % kDayNanos;
  return (of_day + kDayNanos - w.start) % kDayNanos;
}

// A Tukey (tapered-cosine) window with half of it tapered: traffic rises along a
// raised cosine over the first quarter of business hours, holds the peak over
// the middle half, and falls symmetrically. Smooth (zero slope) at both edges,
// so there is no step at opening time; the mean over business hours is
// base + 0.75 (peak - base).
double TukeyWindow(double x) {
  constexpr double kTaper = 0.25;  // each edge
  if (x <= 0 || x >= 1) return 0;
  if (x < kTaper) return 0.5 * (1 - std::cos(std::numbers::pi * x / kTaper));
  if (x > 1 - kTaper) return 0.5 * (1 - std::cos(std::numbers::pi * (1 - x) / kTaper));
  return 1;
}

double BusinessHoursRate(const TrafficPattern& p, SimTime t, uint64_t start_unix_nano) {
  const DayWindow w = WindowOf(p);
  if (w.length == 0) return p.rate;
  const uint64_t offset = OffsetInDay(w, t, start_unix_nano);
  if (offset >= w.length) return p.rate;
  if (w.length == kDayNanos) return p.peak_rate;  // open all day: no edges to taper
  const double x = static_cast<double>(offset) / static_cast<double>(w.length);
  return p.rate + (p.peak_rate - p.rate) * TukeyWindow(x);
}

double RampRate(const TrafficPattern& p, SimTime t) {
  const SimTime length = p.ramp_duration.count();
  if (t >= length || length <= 0) return p.peak_rate;
  const double x = static_cast<double>(t) / static_cast<double>(length);
  return p.rate + (p.peak_rate - p.rate) * x;
}

// Burst state at t: whether a burst is on, and when that state next changes.
struct BurstState {
  bool on = false;
  SimTime until = kForever;
};

BurstState BurstAt(const TrafficPattern& p, SimTime t) {
  const SimTime offset = std::max<SimTime>(p.burst_offset.count(), 0);
  const SimTime length = p.burst_duration.count();
  const SimTime period = p.burst_every.count();
  if (length <= 0) return {false, kForever};
  if (t < offset) return {false, offset};
  if (period <= 0) {  // a single burst
    if (t < offset + length) return {true, offset + length};
    return {false, kForever};
  }
  const SimTime into = (t - offset) % period;
  if (into < length) return {true, t + (length - into)};
  return {false, t + (period - into)};
}

}  // namespace

const TrafficPhase* PhaseAt(const TrafficPattern& pattern, std::chrono::nanoseconds elapsed) {
  if (pattern.kind != TrafficPattern::Kind::kPhased || pattern.phases.empty()) return nullptr;
  std::chrono::nanoseconds end{0};
  for (const TrafficPhase& phase : pattern.phases) {
    end += phase.duration;
    if (elapsed < end) return &phase;
  }
  return &pattern.phases.back();
}

double RateAt(const TrafficPattern& pattern, std::chrono::nanoseconds elapsed,
              uint64_t start_unix_nano) {
  const SimTime t = std::max<SimTime>(elapsed.count(), 0);
  double rate = 0;
  switch (pattern.kind) {
    case TrafficPattern::Kind::kConstant:
      rate = pattern.rate;
      break;
    case TrafficPattern::Kind::kBusinessHours:
      rate = BusinessHoursRate(pattern, t, start_unix_nano);
      break;
    case TrafficPattern::Kind::kBurst:
      rate = BurstAt(pattern, t).on ? pattern.peak_rate : pattern.rate;
      break;
    case TrafficPattern::Kind::kRamp:
      rate = RampRate(pattern, t);
      break;
    case TrafficPattern::Kind::kPhased: {
      const TrafficPhase* phase = PhaseAt(pattern, std::chrono::nanoseconds(t));
      rate = phase == nullptr ? 0 : phase->rate;
      break;
    }
  }
  return std::max(rate, 0.0);
}

double MaxRate(const TrafficPattern& pattern) {
  double rate = 0;
  switch (pattern.kind) {
    case TrafficPattern::Kind::kConstant:
      rate = pattern.rate;
      break;
    case TrafficPattern::Kind::kBusinessHours:
    case TrafficPattern::Kind::kBurst:
    case TrafficPattern::Kind::kRamp:
      rate = std::max(pattern.rate, pattern.peak_rate);
      break;
    case TrafficPattern::Kind::kPhased:
      for (const TrafficPhase& phase : pattern.phases) rate = std::max(rate, phase.rate);
      break;
  }
  return std::max(rate, 0.0);
}

namespace internal {

RateBound UpperBoundFrom(const TrafficPattern& p, SimTime t, uint64_t start_unix_nano) {
  t = std::max<SimTime>(t, 0);
  switch (p.kind) {
    case TrafficPattern::Kind::kConstant:
      return {std::max(p.rate, 0.0), kForever};
    case TrafficPattern::Kind::kBusinessHours: {
      const DayWindow w = WindowOf(p);
      if (w.length == 0) return {std::max(p.rate, 0.0), kForever};
      if (w.length == kDayNanos) return {std::max(p.peak_rate, 0.0), kForever};
      const uint64_t offset = OffsetInDay(w, t, start_unix_nano);
      if (offset < w.length) {
        return {std::max({p.rate, p.peak_rate, 0.0}), t + static_cast<SimTime>(w.length - offset)};
      }
      return {std::max(p.rate, 0.0), t + static_cast<SimTime>(kDayNanos - offset)};
    }
    case TrafficPattern::Kind::kBurst: {
      const BurstState state = BurstAt(p, t);
      return {std::max(state.on ? p.peak_rate : p.rate, 0.0), state.until};
    }
    case TrafficPattern::Kind::kRamp: {
      const SimTime length = p.ramp_duration.count();
      if (length <= 0 || t >= length) return {std::max(p.peak_rate, 0.0), kForever};
      const SimTime segment = std::max<SimTime>(length / kRampSegments, 1);
      const SimTime from = t / segment * segment;
      const SimTime to = std::min(from + segment, length);
      return {std::max({RampRate(p, from), RampRate(p, to), 0.0}), to};
    }
    case TrafficPattern::Kind::kPhased: {
      SimTime end = 0;
      for (size_t i = 0; i < p.phases.size(); ++i) {
        end += p.phases[i].duration.count();
        if (t < end && i + 1 < p.phases.size()) return {std::max(p.phases[i].rate, 0.0), end};
      }
      if (p.phases.empty()) return {0, kForever};
      return {std::max(p.phases.back().rate, 0.0), kForever};
    }
  }
  return {std::max(MaxRate(p), 0.0), kForever};
}

}  // namespace internal
}  // namespace tflo::workload
