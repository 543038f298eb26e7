// GroundTruth's per-operation summary: exact quantiles identical to
// core::ExactQuantile over the durations in ms (as an analyzer computes them
// from the written spans), whether a duration fits the compact 4-byte storage
// (< 2^32 ns) or not.
#include "ground_truth.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <utility>
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

// The quantiles share one selection pass; with few spans their order
// statistics coincide or interleave (n = 2: p50 needs the 0th and 1st, p95
// the same two). Every size from 1 to 60 against the reference.
TEST(GroundTruthTest, QuantilesOfSmallOperationsEqualExactQuantile) {
  std::mt19937_64 gen(11);
  constexpr int64_t kEdge = int64_t{1} << 32;
  for (int n = 1; n <= 60; ++n) {
    GroundTruth truth;
    const GroundTruth::OpId op = truth.Register("svc", "op");
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      const int64_t ns = gen() % 3 == 0 ? kEdge + static_cast<int64_t>(gen() % 1000)
                                        : static_cast<int64_t>(gen() % 1000);
      truth.RecordSpan(op, ns, false);
      ms.push_back(Ms(ns));
    }
    const auto summary = truth.Summarize();
    ASSERT_EQ(summary.size(), 1u);
    EXPECT_EQ(summary[0].p50_ms, core::ExactQuantile(ms, 0.50)) << "n=" << n;
    EXPECT_EQ(summary[0].p95_ms, core::ExactQuantile(ms, 0.95)) << "n=" << n;
    EXPECT_EQ(summary[0].p99_ms, core::ExactQuantile(ms, 0.99)) << "n=" << n;
  }
}

// Quantiles computed ahead (the onboarding thread's, before the merge) are
// used only while nothing has been added to their operation since.
TEST(GroundTruthTest, QuantilesComputedAheadSurviveOnlyWhileTheDataIsUnchanged) {
  GroundTruth collector_side;
  GroundTruth onboarding_side;
  const GroundTruth::OpId shared_here = collector_side.Register("svc", "shared");
  const GroundTruth::OpId shared_there = onboarding_side.Register("svc", "shared");
  const GroundTruth::OpId own = onboarding_side.Register("svc", "own");
  std::vector<double> shared_ms;
  std::vector<double> own_ms;
  for (int i = 1; i <= 50; ++i) {
    collector_side.RecordSpan(shared_here, i * 1'000'000, false);
    shared_ms.push_back(i);
    onboarding_side.RecordSpan(shared_there, i * 3'000'000, false);
    shared_ms.push_back(i * 3);
    onboarding_side.RecordSpan(own, i * 7'000'000, false);
    own_ms.push_back(i * 7);
  }
  onboarding_side.ComputeQuantilesAhead();
  // Recorded after the computation: "own" must be computed again.
  onboarding_side.RecordSpan(own, 1'000'000'000, false);
  own_ms.push_back(1000);
  collector_side.ComputeQuantilesAhead();  // stale once the other side's "shared" joins
  collector_side.Merge(std::move(onboarding_side));
  const auto summary = collector_side.Summarize();
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[0].operation, "own");
  EXPECT_EQ(summary[0].count, own_ms.size());
  EXPECT_EQ(summary[0].p99_ms, core::ExactQuantile(own_ms, 0.99));
  EXPECT_EQ(summary[0].p50_ms, core::ExactQuantile(own_ms, 0.50));
  // Both sides recorded "shared": the merged durations, not either side's.
  EXPECT_EQ(summary[1].operation, "shared");
  EXPECT_EQ(summary[1].count, shared_ms.size());
  EXPECT_EQ(summary[1].p50_ms, core::ExactQuantile(shared_ms, 0.50));
  EXPECT_EQ(summary[1].p95_ms, core::ExactQuantile(shared_ms, 0.95));
}

// The end of a split run: both threads compute the onboarding truth's
// quantiles, sharing one counter, each operation taken by one of them.
TEST(GroundTruthTest, ThreadsSharingACounterComputeEveryOperationOnce) {
  GroundTruth truth;
  constexpr int kOps = 40;
  std::vector<std::vector<double>> ms(kOps);
  std::mt19937_64 gen(11);
  for (int op = 0; op < kOps; ++op) {
    const GroundTruth::OpId id = truth.Register("svc", "op" + std::to_string(100 + op));
    const int spans = 1 + op * 97;
    for (int i = 0; i < spans; ++i) {
      const int64_t ns = static_cast<int64_t>(gen() % 5'000'000'000ULL) + 1;
      truth.RecordSpan(id, ns, false);
      ms[static_cast<size_t>(op)].push_back(Ms(ns));
    }
  }
  std::atomic<size_t> next{0};
  std::thread other([&] { truth.ComputeQuantilesAhead(&next); });
  truth.ComputeQuantilesAhead(&next);
  other.join();
  // Each thread's last fetch found nothing left: every index was handed out once.
  EXPECT_EQ(next.load(), static_cast<size_t>(kOps) + 2);
  const auto summary = truth.Summarize();
  ASSERT_EQ(summary.size(), static_cast<size_t>(kOps));
  for (int op = 0; op < kOps; ++op) {
    const auto& s = summary[static_cast<size_t>(op)];
    std::vector<double> expected = ms[static_cast<size_t>(op)];
    EXPECT_EQ(s.operation, "op" + std::to_string(100 + op));
    EXPECT_EQ(s.count, expected.size());
    EXPECT_EQ(s.p50_ms, core::ExactQuantile(expected, 0.50)) << s.operation;
    EXPECT_EQ(s.p95_ms, core::ExactQuantile(expected, 0.95)) << s.operation;
    EXPECT_EQ(s.p99_ms, core::ExactQuantile(expected, 0.99)) << s.operation;
  }
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

core::TracesData Delivered(const std::string& service, const std::vector<std::string>& names) {
  core::TracesData data;
  core::ResourceSpans& rs = data.resource_spans.emplace_back();
  if (!service.empty()) rs.resource.attributes = {{"service.name", service}};
  core::ScopeSpans& ss = rs.scope_spans.emplace_back();
  for (const std::string& name : names) ss.spans.emplace_back().name = name;
  return data;
}

// The two threads of a run keep a GroundTruth each: the collector's side
// counts deliveries of operations the other side registered; merging gives
// the same summary as one GroundTruth that saw everything.
TEST(GroundTruthTest, MergeCombinesOperationsTalliesAndDeliveries) {
  GroundTruth services;  // the onboarding thread's
  GroundTruth collector;  // the collector thread's
  GroundTruth single;     // one that saw everything
  const GroundTruth::OpId s_api = services.Register("api", "POST /onboard");
  const GroundTruth::OpId c_shop = collector.Register("shop", "checkout");
  const GroundTruth::OpId c_api = collector.Register("api", "POST /onboard");  // both sides
  const GroundTruth::OpId one_api = single.Register("api", "POST /onboard");
  const GroundTruth::OpId one_shop = single.Register("shop", "checkout");
  std::vector<double> api_ms;
  for (int i = 1; i <= 300; ++i) {
    const int64_t ns = int64_t{i} * 1'000'003;
    if (i % 3 == 0) {
      collector.RecordSpan(c_api, ns, i % 30 == 0);
    } else {
      services.RecordSpan(s_api, ns, i % 30 == 0);
    }
    single.RecordSpan(one_api, ns, i % 30 == 0);
    api_ms.push_back(Ms(ns));
    collector.RecordSpan(c_shop, ns * 2, false);
    single.RecordSpan(one_shop, ns * 2, false);
  }
  const int64_t long_ns = (int64_t{1} << 32) + 5;
  services.RecordSpan(s_api, long_ns, true);
  single.RecordSpan(one_api, long_ns, true);
  api_ms.push_back(Ms(long_ns));
  for (GroundTruth* t : {&services, &single}) {
    t->CountMessageSent();
    t->CountConsumerWithParent();
  }
  for (GroundTruth* t : {&collector, &single}) {
    t->RecordDelivered(Delivered("api", {"POST /onboard", "POST /onboard", "unregistered"}));
    t->RecordDelivered(Delivered("shop", {"checkout"}));
    t->RecordDelivered(Delivered("", {"no service"}));
  }

  collector.Merge(std::move(services));

  const auto merged = collector.Summarize();
  const auto expected = single.Summarize();
  ASSERT_EQ(merged.size(), 2u);
  ASSERT_EQ(expected.size(), 2u);
  for (size_t i = 0; i < merged.size(); ++i) {
    EXPECT_EQ(merged[i].service, expected[i].service);
    EXPECT_EQ(merged[i].operation, expected[i].operation);
    EXPECT_EQ(merged[i].count, expected[i].count);
    EXPECT_EQ(merged[i].errors, expected[i].errors);
    EXPECT_EQ(merged[i].p50_ms, expected[i].p50_ms);
    EXPECT_EQ(merged[i].p99_ms, expected[i].p99_ms);
    EXPECT_EQ(merged[i].delivered_count, expected[i].delivered_count);
  }
  EXPECT_EQ(merged[0].count, 301u);
  EXPECT_EQ(merged[0].errors, 11u);
  EXPECT_EQ(merged[0].p95_ms, core::ExactQuantile(api_ms, 0.95));
  EXPECT_EQ(merged[0].delivered_count, 2u);
  EXPECT_EQ(merged[1].delivered_count, 1u);
  EXPECT_EQ(collector.spans_generated(), single.spans_generated());
  EXPECT_EQ(collector.messages_sent(), 1u);
  EXPECT_EQ(collector.consumer_spans_with_parent(), 1u);
  // "unregistered" and the span without a service.
  EXPECT_EQ(collector.delivered_unknown(), 2u);
  EXPECT_EQ(single.delivered_unknown(), 2u);
}

}  // namespace
}  // namespace tflo::workload
