#include "tflo/workload/event_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/rng.h"

namespace tflo::workload {
namespace {

TEST(EventEngineTest, RunsInTimeThenInsertionOrder) {
  EventEngine engine;
  std::string order;
  engine.At(20, [&] { order += "c"; });
  engine.At(10, [&] { order += "a"; });
  engine.At(10, [&] { order += "b"; });
  engine.At(20, [&] { order += "d"; });

  engine.Run();

  EXPECT_EQ(order, "abcd");
  EXPECT_EQ(engine.now(), 20);
  EXPECT_EQ(engine.events_run(), 4U);
}

TEST(EventEngineTest, EventsScheduledWhileRunningKeepOrder) {
  EventEngine engine;
  std::vector<std::pair<SimTime, int>> seen;
  engine.At(5, [&] {
    seen.emplace_back(engine.now(), 1);
    engine.After(0, [&] { seen.emplace_back(engine.now(), 3); });
    engine.At(1, [&] { seen.emplace_back(engine.now(), 4); });  // the past runs now
  });
  engine.At(5, [&] { seen.emplace_back(engine.now(), 2); });

  engine.Run();

  EXPECT_EQ(seen, (std::vector<std::pair<SimTime, int>>{{5, 1}, {5, 2}, {5, 3}, {5, 4}}));
}

TEST(EventEngineTest, RunUntilStopsAtTime) {
  EventEngine engine;
  int ran = 0;
  engine.At(10, [&] { ++ran; });
  engine.At(30, [&] { ++ran; });

  engine.RunUntil(20);

  EXPECT_EQ(ran, 1);
  EXPECT_EQ(engine.now(), 20);
  EXPECT_FALSE(engine.empty());
}

// Imported events run before the engine's own events of the same instant, in
// import order, however late they were handed over.
TEST(EventEngineTest, ImportedEventsRunFirstAtTheirInstantInImportOrder) {
  EventEngine engine;
  std::string order;
  engine.At(10, [&] { order += "L1"; });
  engine.At(10, [&] { order += "L2"; });
  engine.At(5, [&] {
    order += "L0";
    engine.AtImported(10, [&] { order += "I1"; });
  });
  engine.AtImported(20, [&] { order += "I3"; });
  engine.AtImported(10, [&] { order += "I0"; });  // imported before I1: runs before it
  engine.At(20, [&] {
    order += "L3";
    engine.AtImported(20, [&] { order += "I4"; });  // at now: after the running event
  });

  engine.Run();

  EXPECT_EQ(order, "L0I0I1L1L2I3L3I4");
}

TEST(EventEngineTest, StepBeforeRunsOnlyEventsDueBeforeTheLimit) {
  EventEngine engine;
  int ran = 0;
  engine.At(10, [&] { ++ran; });
  engine.At(20, [&] { ++ran; });

  EXPECT_TRUE(engine.StepBefore(20));
  EXPECT_FALSE(engine.StepBefore(20));  // the next one is due at the limit
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(engine.now(), 10);
  EXPECT_TRUE(engine.StepBefore(21));
  EXPECT_FALSE(engine.StepBefore(1000));  // none left
  EXPECT_EQ(ran, 2);
}

TEST(RngTest, SameSeedSameSequenceDifferentStreamsDiffer) {
  Rng a = Rng::ForStream(7, 1);
  Rng b = Rng::ForStream(7, 1);
  Rng c = Rng::ForStream(7, 2);

  const uint64_t a1 = a.Next();
  const uint64_t b1 = b.Next();
  const uint64_t c1 = c.Next();

  EXPECT_EQ(a1, b1);
  EXPECT_NE(a1, c1);
}

TEST(RngTest, DistributionsHaveExpectedMoments) {
  Rng rng(42);
  constexpr int kN = 200000;
  double uniform_sum = 0, exp_sum = 0, normal_sum = 0, normal_sq = 0;
  std::vector<double> lognormal;
  for (int i = 0; i < kN; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform_sum += u;
    exp_sum += rng.Exponential(2.0);
    const double z = rng.Normal();
    normal_sum += z;
    normal_sq += z * z;
    lognormal.push_back(rng.LogNormal(10.0, 0.5));
  }
  std::nth_element(lognormal.begin(), lognormal.begin() + kN / 2, lognormal.end());

  // Tolerances are several standard errors wide.
  EXPECT_NEAR(uniform_sum / kN, 0.5, 0.005);
  EXPECT_NEAR(exp_sum / kN, 2.0, 0.03);
  EXPECT_NEAR(normal_sum / kN, 0.0, 0.01);
  EXPECT_NEAR(normal_sq / kN, 1.0, 0.02);
  EXPECT_NEAR(lognormal[kN / 2], 10.0, 0.1);
}

// The ziggurat's draws follow the normal law: the Kolmogorov-Smirnov distance
// to Phi is within the 1 % critical value, and the tail beyond the base strip
// (|z| > 3.44, drawn separately) has the mass it should.
TEST(RngTest, NormalFollowsTheNormalLawIncludingTheTail) {
  Rng rng(11);
  constexpr int kN = 400000;
  std::vector<double> z(kN);
  for (double& v : z) v = rng.Normal();
  std::sort(z.begin(), z.end());
  double ks = 0;
  for (int i = 0; i < kN; ++i) {
    const double cdf = 0.5 * std::erfc(-z[static_cast<size_t>(i)] / std::sqrt(2.0));
    ks = std::max({ks, std::abs(cdf - static_cast<double>(i) / kN),
                   std::abs(cdf - static_cast<double>(i + 1) / kN)});
  }
  EXPECT_LT(ks, 1.63 / std::sqrt(static_cast<double>(kN)));

  constexpr double kEdge = 3.442619855899;
  const double expected = kN * std::erfc(kEdge / std::sqrt(2.0));  // both tails: ~230
  const auto beyond = std::count_if(z.begin(), z.end(), [&](double v) { return std::abs(v) > kEdge; });
  EXPECT_NEAR(static_cast<double>(beyond), expected, 5 * std::sqrt(expected));
  const auto negative = std::count_if(z.begin(), z.end(), [&](double v) { return v < -kEdge; });
  EXPECT_NEAR(static_cast<double>(negative), expected / 2, 5 * std::sqrt(expected / 2));
}

// The ziggurat's half density and its edges x[0..128], computed at run time
// from the formulas (rng.cc writes the edges out as constants).
double HalfDensity(double x) { return std::exp(-0.5 * x * x); }

std::vector<double> ZigguratEdgesFromFormula() {
  using namespace rng_internal;  // NOLINT(google-build-using-namespace)
  std::vector<double> x(kZigguratLayers + 1);
  x[0] = kZigguratV / HalfDensity(kZigguratR);
  x[1] = kZigguratR;
  for (size_t i = 1; i + 1 < kZigguratLayers; ++i) {
    x[i + 1] = std::sqrt(-2.0 * std::log(kZigguratV / x[i] + HalfDensity(x[i])));
  }
  x[kZigguratLayers] = 0;
  return x;
}

// The tables are written out as constants; these are the formulas they come from.
TEST(RngTest, ZigguratAndExpTablesEqualTheirFormulas) {
  using namespace rng_internal;  // NOLINT(google-build-using-namespace)
  const std::vector<double> x = ZigguratEdgesFromFormula();
  for (size_t i = 0; i <= kZigguratLayers; ++i) EXPECT_EQ(kZigguratX[i], x[i]) << i;
  for (size_t i = 0; i < kZigguratLayers; ++i) {
    EXPECT_EQ(kZigguratStrips[i].x, x[i]) << i;
    EXPECT_EQ(kZigguratStrips[i].inner_ratio, x[i + 1] / x[i]) << i;
  }
  for (size_t j = 0; j < kExpTableSize; ++j) {
    EXPECT_EQ(kExp2Table[j], std::exp2(static_cast<double>(j) / kExpTableSize)) << j;
  }
}

// Normal() against the plain ziggurat loop (tables computed at run time), draw
// for draw: the inline fast path and NormalOutside split it without changing
// a single value, so every seed's output stays as it was.
TEST(RngTest, NormalDrawsExactlyWhatThePlainZigguratLoopDraws) {
  using namespace rng_internal;  // NOLINT(google-build-using-namespace)
  const std::vector<double> x = ZigguratEdgesFromFormula();
  const auto plain = [&](Rng& rng) {
    while (true) {
      const uint64_t bits = rng.Next();
      const auto layer = static_cast<size_t>(bits & (kZigguratLayers - 1));
      const double u = static_cast<double>(static_cast<int64_t>(bits) >> 11) * 0x1.0p-52;
      const double v = u * x[layer];
      if (std::fabs(u) < x[layer + 1] / x[layer]) return v;
      if (layer == 0) {
        double a = 0;
        double b = 0;
        do {
          a = -std::log(1.0 - rng.Uniform()) / kZigguratR;
          b = -std::log(1.0 - rng.Uniform());
        } while (b + b < a * a);
        return u < 0 ? -(kZigguratR + a) : kZigguratR + a;
      }
      const double y = HalfDensity(x[layer]) +
                       rng.Uniform() * (HalfDensity(x[layer + 1]) - HalfDensity(x[layer]));
      if (y < HalfDensity(v)) return v;
    }
  };
  Rng fast(29);
  Rng reference(29);
  int tails = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const double want = plain(reference);
    ASSERT_EQ(fast.Normal(), want) << "draw " << i;
    if (std::fabs(want) > kZigguratR) ++tails;
  }
  EXPECT_GT(tails, 100);  // the tail and, far more often, the wedges were taken
  EXPECT_EQ(fast.Next(), reference.Next());
  // LogNormal is the inline exponential of a scaled draw.
  Rng a(31);
  Rng b(31);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.LogNormal(12.5, 0.4), 12.5 * ExpForTesting(0.4 * b.Normal()));
  }
}

TEST(RngTest, LogNormalsExponentialIsWithinAnUlpOrTwoOfStdExp) {
  // A sweep over the range the latency draws use and well beyond it, with
  // the table's boundaries (multiples of ln2/64) in it.
  double worst = 0;
  for (int i = -400000; i <= 400000; ++i) {
    const double x = i * 1e-4 + 1e-7;  // -40 .. 40, off the grid points
    const double want = std::exp(x);
    worst = std::max(worst, std::fabs(ExpForTesting(x) - want) / want);
  }
  EXPECT_LT(worst, 4.5e-16) << "relative error";  // 2 ulp
  EXPECT_EQ(ExpForTesting(0.0), 1.0);
  for (const double x : {-699.0, -300.5, 0.5, 300.25, 699.0}) {
    EXPECT_NEAR(ExpForTesting(x) / std::exp(x), 1.0, 4.5e-16) << x;
  }
  // Outside it, std::exp answers: overflow, underflow, NaN.
  EXPECT_EQ(ExpForTesting(800.0), std::exp(800.0));
  EXPECT_EQ(ExpForTesting(-800.0), 0.0);
  EXPECT_TRUE(std::isnan(ExpForTesting(std::numeric_limits<double>::quiet_NaN())));
}

TEST(RngTest, UuidsAreVersion4InTheCanonicalForm) {
  Rng rng(5);
  const std::string a = rng.NewUuid();
  const std::string b = rng.NewUuid();
  ASSERT_EQ(a.size(), 36u);
  for (size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(a[i], '-') << a;
  EXPECT_EQ(a[14], '4') << a;  // version
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos) << a;  // variant 10xx
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef-"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST(RngTest, RoundToInt64RoundsHalvesAwayFromZero) {
  EXPECT_EQ(RoundToInt64(2.5), 3);
  EXPECT_EQ(RoundToInt64(-2.5), -3);
  EXPECT_EQ(RoundToInt64(2.4999), 2);
  EXPECT_EQ(RoundToInt64(-0.2), 0);
  EXPECT_EQ(RoundToInt64(1e15 + 0.75), 1'000'000'000'000'001);
}

TEST(RngTest, UniformIntCoversRangeAndIdsAreValid) {
  Rng rng(3);
  std::vector<int> hits(5, 0);
  for (int i = 0; i < 5000; ++i) ++hits[rng.UniformInt(5)];
  for (int h : hits) EXPECT_GT(h, 800);
  EXPECT_TRUE(core::IsValid(rng.NewTraceId()));
  EXPECT_TRUE(core::IsValid(rng.NewSpanId()));
  EXPECT_NE(rng.NewSpanId(), rng.NewSpanId());
}

// Ids are the generator's words, most significant byte first (a trace id
// takes two), whatever the host's byte order; IsValid sees any non-zero byte.
TEST(RngTest, IdsAreTheGeneratorsWordsMostSignificantByteFirst) {
  Rng ids(17);
  Rng words(17);
  const core::SpanId span = ids.NewSpanId();
  const uint64_t v = words.Next();
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(span[i], static_cast<uint8_t>(v >> (56 - 8 * i))) << i;
  const core::TraceId trace = ids.NewTraceId();
  const uint64_t hi = words.Next();
  const uint64_t lo = words.Next();
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(trace[i], static_cast<uint8_t>(hi >> (56 - 8 * i))) << i;
    EXPECT_EQ(trace[8 + i], static_cast<uint8_t>(lo >> (56 - 8 * i))) << i;
  }
  for (size_t i = 0; i < 16; ++i) {
    core::TraceId one_byte{};
    one_byte[i] = 1;
    EXPECT_TRUE(core::IsValid(one_byte)) << i;
  }
  for (size_t i = 0; i < 8; ++i) {
    core::SpanId one_byte{};
    one_byte[i] = 0x80;
    EXPECT_TRUE(core::IsValid(one_byte)) << i;
  }
  EXPECT_FALSE(core::IsValid(core::TraceId{}));
  EXPECT_FALSE(core::IsValid(core::SpanId{}));
}

}  // namespace
}  // namespace tflo::workload
