#include "tflo/workload/arrivals.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/rng.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// 2026-01-05T00:00:00Z.
constexpr uint64_t kMidnight = 1767571200ULL * 1000000000ULL;
constexpr SimTime kHour = 3600 * kSecond;

std::vector<SimTime> Arrivals(const TrafficPattern& pattern, SimTime horizon, uint64_t seed,
                              uint64_t start_unix_nano = kMidnight) {
  Rng rng(seed);
  ArrivalProcess process(pattern, start_unix_nano, rng);
  std::vector<SimTime> times;
  for (std::optional<SimTime> t = process.Next(0, horizon); t; t = process.Next(*t, horizon)) {
    times.push_back(*t);
  }
  return times;
}

int64_t CountIn(const std::vector<SimTime>& times, SimTime from, SimTime to) {
  int64_t n = 0;
  for (const SimTime t : times) n += (t >= from && t < to) ? 1 : 0;
  return n;
}

// A Poisson count with the given mean lies within 4 standard deviations
// (fails by chance with probability < 1e-4; the seeds are fixed anyway).
void ExpectPoisson(int64_t count, double mean, const char* what) {
  EXPECT_NEAR(static_cast<double>(count), mean, 4 * std::sqrt(mean) + 1)
      << what << ": " << count << " arrivals, expected " << mean;
}

TEST(ArrivalProcessTest, ConstantRateCountsArePoisson) {
  TrafficPattern p;
  p.rate = 10;

  const std::vector<SimTime> times = Arrivals(p, 1000 * kSecond, 1);

  ExpectPoisson(static_cast<int64_t>(times.size()), 10000, "1000 s at 10/s");
  // Counts per second: a Poisson process has variance == mean (index of
  // dispersion 1; its standard error over 1000 bins is ~0.045).
  std::vector<double> bins(1000, 0);
  for (const SimTime t : times) bins[static_cast<size_t>(t / kSecond)] += 1;
  double mean = 0;
  for (const double b : bins) mean += b;
  mean /= static_cast<double>(bins.size());
  double variance = 0;
  for (const double b : bins) variance += (b - mean) * (b - mean);
  variance /= static_cast<double>(bins.size() - 1);
  EXPECT_NEAR(variance / mean, 1.0, 0.2);
}

TEST(ArrivalProcessTest, ArrivalsAreStrictlyIncreasingInsideTheInterval) {
  TrafficPattern p;
  p.rate = 1000;
  Rng rng(5);
  ArrivalProcess process(p, kMidnight, rng);

  SimTime previous = 3 * kSecond;
  int n = 0;
  for (std::optional<SimTime> t = process.Next(previous, 4 * kSecond); t;
       t = process.Next(*t, 4 * kSecond)) {
    EXPECT_GT(*t, previous);
    EXPECT_LT(*t, 4 * kSecond);
    previous = *t;
    ++n;
  }
  ExpectPoisson(n, 1000, "1 s at 1000/s, starting at 3 s");
}

TEST(ArrivalProcessTest, RampCountsFollowTheIntegral) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kRamp;
  p.rate = 0;
  p.peak_rate = 100;
  p.ramp_duration = seconds(200);

  const std::vector<SimTime> times = Arrivals(p, 300 * kSecond, 2);

  // Integral of the ramp: 0 -> 50 over the first 100 s = 2500, 50 -> 100 over
  // the next 100 s = 7500, then flat at 100 for 100 s = 10000.
  ExpectPoisson(CountIn(times, 0, 100 * kSecond), 2500, "first half of the ramp");
  ExpectPoisson(CountIn(times, 100 * kSecond, 200 * kSecond), 7500, "second half of the ramp");
  ExpectPoisson(CountIn(times, 200 * kSecond, 300 * kSecond), 10000, "after the ramp");
  // The first 10 s carry 0.5 % of the ramp's volume: 50 arrivals.
  ExpectPoisson(CountIn(times, 0, 10 * kSecond), 50, "ramp start");
}

TEST(ArrivalProcessTest, BurstsConcentrateArrivalsInTheirWindows) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kBurst;
  p.rate = 1;
  p.peak_rate = 100;
  p.burst_every = seconds(100);
  p.burst_duration = seconds(10);
  p.burst_offset = seconds(5);

  const std::vector<SimTime> times = Arrivals(p, 1000 * kSecond, 3);

  int64_t in_bursts = 0;
  for (SimTime start = 5 * kSecond; start < 1000 * kSecond; start += 100 * kSecond) {
    in_bursts += CountIn(times, start, start + 10 * kSecond);
  }
  ExpectPoisson(in_bursts, 10 * 10 * 100, "inside the 10 bursts");
  ExpectPoisson(static_cast<int64_t>(times.size()) - in_bursts, 900, "between bursts");
  ExpectPoisson(CountIn(times, 105 * kSecond, 115 * kSecond), 1000, "the second burst");
}

TEST(ArrivalProcessTest, PhasedRatesHoldPerPhase) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kPhased;
  p.phases = {{"quiet", seconds(100), 5, {}}, {"busy", seconds(100), 50, {}}};

  const std::vector<SimTime> times = Arrivals(p, 300 * kSecond, 4);

  ExpectPoisson(CountIn(times, 0, 100 * kSecond), 500, "quiet phase");
  ExpectPoisson(CountIn(times, 100 * kSecond, 200 * kSecond), 5000, "busy phase");
  ExpectPoisson(CountIn(times, 200 * kSecond, 300 * kSecond), 5000, "after the last phase");
}

TEST(ArrivalProcessTest, BusinessHoursDayAndNight) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kBusinessHours;
  p.rate = 0.2;
  p.peak_rate = 2;
  p.start_hour = 9;
  p.end_hour = 17;

  const std::vector<SimTime> times = Arrivals(p, 24 * kHour, 5);

  const int64_t night = CountIn(times, 0, 9 * kHour);
  const int64_t plateau = CountIn(times, 11 * kHour, 15 * kHour);
  ExpectPoisson(night, 0.2 * 9 * 3600, "00:00-09:00");
  ExpectPoisson(plateau, 2.0 * 4 * 3600, "11:00-15:00");
  // The whole day: 16 h at the night rate, 8 h at night + 0.75 (peak - night).
  ExpectPoisson(static_cast<int64_t>(times.size()), 0.2 * 16 * 3600 + (0.2 + 0.75 * 1.8) * 8 * 3600,
                "the whole day");
  // Per hour, the plateau carries 10x the night.
  const double ratio = (static_cast<double>(plateau) / 4) / (static_cast<double>(night) / 9);
  EXPECT_NEAR(ratio, 10, 0.6);
}

TEST(ArrivalProcessTest, BusinessHoursFollowTheStartTime) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kBusinessHours;
  p.rate = 0;
  p.peak_rate = 5;

  // Starting at 13:00 UTC, the first two hours are on the plateau.
  const std::vector<SimTime> times =
      Arrivals(p, 2 * kHour, 6, kMidnight + 13ULL * 3600 * 1000000000ULL);

  ExpectPoisson(static_cast<int64_t>(times.size()), 5.0 * 7200, "13:00-15:00");
}

TEST(ArrivalProcessTest, SameSeedSameArrivals) {
  TrafficPattern p;
  p.kind = TrafficPattern::Kind::kRamp;
  p.rate = 1;
  p.peak_rate = 30;
  p.ramp_duration = minutes(1);

  const std::vector<SimTime> a = Arrivals(p, 120 * kSecond, 77);
  const std::vector<SimTime> b = Arrivals(p, 120 * kSecond, 77);
  const std::vector<SimTime> c = Arrivals(p, 120 * kSecond, 78);

  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ArrivalProcessTest, NoArrivalsWithoutTrafficOrTime) {
  TrafficPattern zero;
  zero.rate = 0;
  TrafficPattern tiny;
  tiny.rate = 1e-12;  // gaps far beyond int64 nanoseconds must not overflow
  TrafficPattern busy;
  busy.rate = 100;
  Rng rng(9);

  ArrivalProcess none(zero, kMidnight, rng);
  ArrivalProcess rare(tiny, kMidnight, rng);
  ArrivalProcess full(busy, kMidnight, rng);

  EXPECT_FALSE(none.Next(0, 1000 * kHour).has_value());
  EXPECT_FALSE(rare.Next(0, kHour).has_value());
  EXPECT_FALSE(full.Next(5 * kSecond, 5 * kSecond).has_value());
  EXPECT_FALSE(full.Next(6 * kSecond, 5 * kSecond).has_value());
}

}  // namespace
}  // namespace tflo::workload
