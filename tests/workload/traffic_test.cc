#include <chrono>
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// 2026-01-05T00:00:00Z, a midnight: elapsed hours are UTC hours.
constexpr uint64_t kMidnight = 1767571200ULL * 1000000000ULL;

TrafficPattern BusinessHours(double night, double peak, double start_hour, double end_hour) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kBusinessHours;
  p.rate = night;
  p.peak_rate = peak;
  p.start_hour = start_hour;
  p.end_hour = end_hour;
  return p;
}

TEST(TrafficTest, ConstantIsFlat) {
  TrafficPattern p;
  p.rate = 50;

  EXPECT_DOUBLE_EQ(RateAt(p, seconds(0), kMidnight), 50);
  EXPECT_DOUBLE_EQ(RateAt(p, hours(30), kMidnight), 50);
  EXPECT_DOUBLE_EQ(MaxRate(p), 50);
  EXPECT_EQ(PhaseAt(p, seconds(1)), nullptr);
}

TEST(TrafficTest, BusinessHoursFollowTheUtcHourOfTheVirtualClock) {
  const TrafficPattern p = BusinessHours(2, 40, 9, 17);

  EXPECT_DOUBLE_EQ(RateAt(p, hours(3), kMidnight), 2);    // night
  EXPECT_DOUBLE_EQ(RateAt(p, hours(9), kMidnight), 2);    // the window opens smoothly
  EXPECT_DOUBLE_EQ(RateAt(p, hours(13), kMidnight), 40);  // plateau
  EXPECT_DOUBLE_EQ(RateAt(p, hours(11), kMidnight), 40);  // the plateau starts a quarter in
  EXPECT_DOUBLE_EQ(RateAt(p, hours(17), kMidnight), 2);   // closed again
  EXPECT_DOUBLE_EQ(RateAt(p, hours(27), kMidnight), 2);   // next night
  EXPECT_DOUBLE_EQ(RateAt(p, hours(37), kMidnight), 40);  // next day
  // Starting the run at 09:00 shifts the curve: elapsed 4 h is 13:00.
  EXPECT_DOUBLE_EQ(RateAt(p, hours(4), kMidnight + 9ULL * 3600 * 1000000000ULL), 40);
  EXPECT_DOUBLE_EQ(MaxRate(p), 40);
}

TEST(TrafficTest, BusinessHoursRampIsARaisedCosine) {
  const TrafficPattern p = BusinessHours(0, 10, 9, 17);

  // Half-way up the morning taper (09:00 -> 11:00) the curve is at half height,
  // a quarter of the way at (1 - cos(pi/4)) / 2.
  EXPECT_NEAR(RateAt(p, hours(10), kMidnight), 5, 1e-9);
  EXPECT_NEAR(RateAt(p, minutes(9 * 60 + 30), kMidnight), 10 * (1 - std::sqrt(0.5)) / 2, 1e-9);
  // Symmetric in the evening.
  EXPECT_NEAR(RateAt(p, hours(16), kMidnight), 5, 1e-9);
  // Monotone over the morning taper.
  double previous = -1;
  for (int minute = 9 * 60; minute <= 11 * 60; minute += 5) {
    const double rate = RateAt(p, minutes(minute), kMidnight);
    EXPECT_GE(rate, previous) << minute;
    previous = rate;
  }
}

TEST(TrafficTest, BusinessHoursMayWrapMidnight) {
  const TrafficPattern p = BusinessHours(1, 9, 22, 6);  // a night shift

  EXPECT_DOUBLE_EQ(RateAt(p, hours(2), kMidnight), 9);  // middle of 22:00-06:00
  EXPECT_DOUBLE_EQ(RateAt(p, hours(12), kMidnight), 1);
}

TEST(TrafficTest, BurstIsPeakInsideEachWindow) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kBurst;
  p.rate = 10;
  p.peak_rate = 200;
  p.burst_every = minutes(5);
  p.burst_duration = seconds(30);
  p.burst_offset = minutes(1);

  EXPECT_DOUBLE_EQ(RateAt(p, seconds(59), kMidnight), 10);  // before the first burst
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(60), kMidnight), 200);
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(89), kMidnight), 200);
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(90), kMidnight), 10);    // end is exclusive
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(360), kMidnight), 200);  // second burst at 6 min
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(391), kMidnight), 10);
  EXPECT_DOUBLE_EQ(MaxRate(p), 200);
}

TEST(TrafficTest, RampIsLinearThenFlat) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kRamp;
  p.rate = 5;
  p.peak_rate = 105;
  p.ramp_duration = minutes(20);

  EXPECT_DOUBLE_EQ(RateAt(p, seconds(0), kMidnight), 5);
  EXPECT_DOUBLE_EQ(RateAt(p, minutes(5), kMidnight), 30);
  EXPECT_DOUBLE_EQ(RateAt(p, minutes(10), kMidnight), 55);
  EXPECT_DOUBLE_EQ(RateAt(p, minutes(20), kMidnight), 105);
  EXPECT_DOUBLE_EQ(RateAt(p, hours(2), kMidnight), 105);
  EXPECT_DOUBLE_EQ(MaxRate(p), 105);
}

TEST(TrafficTest, RampMayGoDown) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kRamp;
  p.rate = 100;
  p.peak_rate = 0;
  p.ramp_duration = seconds(100);

  EXPECT_DOUBLE_EQ(RateAt(p, seconds(25), kMidnight), 75);
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(200), kMidnight), 0);
  EXPECT_DOUBLE_EQ(MaxRate(p), 100);
}

TEST(TrafficTest, PhasedFollowsThePhasesThenHoldsTheLast) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kPhased;
  p.phases = {{"normal", minutes(10), 20, {}},
              {"slow_queries", minutes(10), 40, {{"slow_query_ms_from", 500}}},
              {"recovery", minutes(5), 15, {}}};

  EXPECT_EQ(PhaseAt(p, seconds(0))->name, "normal");
  EXPECT_EQ(PhaseAt(p, minutes(10) - nanoseconds(1))->name, "normal");
  EXPECT_EQ(PhaseAt(p, minutes(10))->name, "slow_queries");
  EXPECT_EQ(PhaseAt(p, minutes(24))->name, "recovery");
  EXPECT_EQ(PhaseAt(p, hours(3))->name, "recovery");  // after the last phase
  EXPECT_DOUBLE_EQ(RateAt(p, minutes(15), kMidnight), 40);
  EXPECT_DOUBLE_EQ(RateAt(p, hours(3), kMidnight), 15);
  EXPECT_DOUBLE_EQ(MaxRate(p), 40);
}

TEST(TrafficTest, PhasedWithoutPhasesHasNoTraffic) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kPhased;

  EXPECT_EQ(PhaseAt(p, seconds(0)), nullptr);
  EXPECT_DOUBLE_EQ(RateAt(p, seconds(0), kMidnight), 0);
  EXPECT_DOUBLE_EQ(MaxRate(p), 0);
}

TEST(TrafficTest, RateIsNeverNegative) {
  TrafficPattern p;
  p.rate = -4;  // not reachable through the parser, still clamped

  EXPECT_DOUBLE_EQ(RateAt(p, seconds(1), kMidnight), 0);
  EXPECT_DOUBLE_EQ(MaxRate(p), 0);
}

}  // namespace
}  // namespace tflo::workload
