// GroundTruth's per-operation summary: exact quantiles identical to
// core::ExactQuantile over the durations in ms (as an analyzer computes them
// from the written spans), whether a duration fits the compact 4-byte storage
// (< 2^32 ns) or not.
#include "ground_truth.h"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/stats.h"

namespace tflo::workload {
namespace {

double Ms(int64_t ns) { return static_cast<double>(static_cast<uint64_t>(ns)) / 1e6; }

TEST(GroundTruthTest, QuantilesEqualExactQuantileAcrossShortAndLongDurations) {
  GroundTruth truth;
  const GroundTruth::OpId mixed = truth.Register("svc", "mixed");
  const GroundTruth::OpId longs = truth.Register("svc", "long-only");
  const GroundTruth::OpId one = truth.Register("svc", "one");
  std::mt19937_64 gen(7);
  std::vector<double> mixed_ms;
  std::vector<double> long_ms;
  constexpr int64_t kEdge = int64_t{1} << 32;
  // The storage boundary itself, both sides, and zero.
  for (int64_t ns : {int64_t{0}, kEdge - 1, kEdge, kEdge + 1}) {
    truth.RecordSpan(mixed, ns, false);
    mixed_ms.push_back(Ms(ns));
  }
  for (int i = 0; i < 5000; ++i) {
    // About one in four above 4.29 s, the rest spread over a few ms.
    const bool is_long = gen() % 4 == 0;
    const int64_t ns = is_long ? kEdge + static_cast<int64_t>(gen() % 20'000'000'000ULL)
                               : static_cast<int64_t>(gen() % 50'000'000);
    truth.RecordSpan(mixed, ns, i % 10 == 0);
    mixed_ms.push_back(Ms(ns));
  }
  for (int i = 0; i < 101; ++i) {
    const int64_t ns = kEdge * 3 + static_cast<int64_t>(gen() % 1'000'000'000);
    truth.RecordSpan(longs, ns, false);
    long_ms.push_back(Ms(ns));
  }
  truth.RecordSpan(one, 1'234'567, true);

  const std::vector<GroundTruth::OperationSummary> summary = truth.Summarize();
  ASSERT_EQ(summary.size(), 3u);
  // Sorted by (service, operation): long-only, mixed, one.
  const auto& l = summary[0];
  const auto& m = summary[1];
  const auto& o = summary[2];
  EXPECT_EQ(l.operation, "long-only");
  EXPECT_EQ(m.operation, "mixed");
  EXPECT_EQ(o.operation, "one");
  EXPECT_EQ(m.count, mixed_ms.size());
  EXPECT_EQ(m.errors, 500u);
  // Bit-identical, not merely close: both sides must agree exactly.
  EXPECT_EQ(m.p50_ms, core::ExactQuantile(mixed_ms, 0.50));
  EXPECT_EQ(m.p95_ms, core::ExactQuantile(mixed_ms, 0.95));
  EXPECT_EQ(m.p99_ms, core::ExactQuantile(mixed_ms, 0.99));
  EXPECT_EQ(l.count, long_ms.size());
  EXPECT_EQ(l.p50_ms, core::ExactQuantile(long_ms, 0.50));
  EXPECT_EQ(l.p99_ms, core::ExactQuantile(long_ms, 0.99));
  EXPECT_EQ(o.count, 1u);
  EXPECT_EQ(o.errors, 1u);
  EXPECT_EQ(o.p50_ms, 1.234567);
  EXPECT_EQ(o.p99_ms, 1.234567);
  EXPECT_EQ(truth.spans_generated(), mixed_ms.size() + long_ms.size() + 1);
}

TEST(GroundTruthTest, OperationWithoutSpansSummarizesToZero) {
  GroundTruth truth;
  truth.Register("svc", "never");
  const auto summary = truth.Summarize();
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].count, 0u);
  EXPECT_EQ(summary[0].p50_ms, 0);
  EXPECT_EQ(summary[0].error_rate, 0);
}

TEST(GroundTruthTest, OperationsRegisteredMidRunKeepEarlierDurations) {
  GroundTruth truth;
  const GroundTruth::OpId first = truth.Register("svc", "first");
  std::vector<double> first_ms;
  for (int i = 0; i < 1000; ++i) {
    truth.RecordSpan(first, (i * 7919) % 1000 + 1, false);
    first_ms.push_back(Ms((i * 7919) % 1000 + 1));
    // New operations keep appearing while the first one records.
    if (i % 50 == 0) truth.Register("svc", "late-" + std::to_string(i));
  }
  EXPECT_EQ(truth.Register("svc", "first"), first);
  const auto summary = truth.Summarize();
  ASSERT_EQ(summary.size(), 21u);
  EXPECT_EQ(summary[0].operation, "first");
  EXPECT_EQ(summary[0].count, 1000u);
  EXPECT_EQ(summary[0].p95_ms, core::ExactQuantile(first_ms, 0.95));
}

}  // namespace
}  // namespace tflo::workload
