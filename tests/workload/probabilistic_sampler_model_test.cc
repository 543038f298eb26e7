#include "tflo/workload/probabilistic_sampler_model.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/rng.h"
#include "tflo/workload/traces_batch.h"

namespace tflo::workload {
namespace {

core::TraceId Counting() {  // 01 02 ... 10
  core::TraceId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i + 1);
  return id;
}

// A trace id whose last 7 bytes (the OTEP 235 randomness) are `r`.
core::TraceId WithRandomness(uint64_t r) {
  core::TraceId id{};
  id[0] = 0xAB;
  for (int i = 15; i >= 9; --i) {
    id[static_cast<size_t>(i)] = static_cast<uint8_t>(r & 0xFF);
    r >>= 8;
  }
  return id;
}

core::ProbabilisticSamplerConfig Sampler(double pct, std::string mode = "") {
  core::ProbabilisticSamplerConfig config;
  config.id = "probabilistic_sampler";
  config.sampling_percentage = pct;
  config.mode = std::move(mode);
  return config;
}

core::Span SpanOf(const core::TraceId& id, std::string trace_state = "") {
  core::Span span;
  span.trace_id = id;
  span.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  span.trace_state = std::move(trace_state);
  return span;
}

TEST(FnvTest, KnownVectors) {
  const std::string a = "a";
  const std::string foobar = "foobar";
  const auto* pa = reinterpret_cast<const uint8_t*>(a.data());
  const auto* pf = reinterpret_cast<const uint8_t*>(foobar.data());

  EXPECT_EQ(Fnv1a32(nullptr, 0), 0x811c9dc5U);
  EXPECT_EQ(Fnv1a32(pa, 1), 0xe40c292cU);
  EXPECT_EQ(Fnv1a32(pf, 6), 0xbf9cf968U);
  EXPECT_EQ(Fnv1a64(nullptr, 0), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64(pa, 1), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64(pf, 6), 0x85944171f73967e8ULL);
}

TEST(HashSeedTest, HashesTheSeedLittleEndianThenTheTraceId) {
  // FNV-1a-32 of (seed as 4 LE bytes) || 01 02 .. 10, computed by hand.
  EXPECT_EQ(HashSeedHash(0, Counting()), 0xdf241a25U);
  EXPECT_EQ(HashSeedHash(1, Counting()), 0x067347d4U);
  EXPECT_EQ(HashSeedHash(0x12345678, Counting()), 0xb6e86af5U);
  // Buckets (h & 0x3FFF): 6693, 2004, 10997.
  EXPECT_EQ(HashSeedHash(1, Counting()) & 0x3FFF, 2004U);
}

TEST(HashSeedTest, ScaledRateIsFloat32Truncated) {
  EXPECT_EQ(HashSeedScaledRate(10), 1638U);  // 1638.3999
  EXPECT_EQ(HashSeedScaledRate(25), 4096U);
  EXPECT_EQ(HashSeedScaledRate(33.3), 5455U);  // 5455.8716
  EXPECT_EQ(HashSeedScaledRate(1), 163U);
  EXPECT_EQ(HashSeedScaledRate(100), 16384U);
  EXPECT_EQ(HashSeedScaledRate(250), 16384U);  // > 100 is 100
}

TEST(HashSeedTest, KeepsTheBucketsBelowTheScaledRate) {
  // Seed 1: bucket 2004. 12.24 % -> 2005 buckets keeps it, 12.23 % -> 2003 does not.
  ProbabilisticSamplerModel keep(Sampler(12.24));
  ProbabilisticSamplerModel drop(Sampler(12.23));
  core::ProbabilisticSamplerConfig seeded = Sampler(12.24);
  seeded.hash_seed = 1;
  ProbabilisticSamplerModel keep_seeded(seeded);
  seeded.sampling_percentage = 12.23;
  ProbabilisticSamplerModel drop_seeded(seeded);
  core::Span a = SpanOf(Counting());
  core::Span b = SpanOf(Counting());

  ASSERT_EQ(HashSeedScaledRate(12.24), 2005U);
  ASSERT_EQ(HashSeedScaledRate(12.23), 2003U);
  EXPECT_TRUE(keep_seeded.SampleSpan(a));
  EXPECT_FALSE(drop_seeded.SampleSpan(b));
  // Seed 0 puts the same trace in bucket 6693: dropped by both.
  core::Span c = SpanOf(Counting());
  core::Span d = SpanOf(Counting());
  EXPECT_FALSE(keep.SampleSpan(c));
  EXPECT_FALSE(drop.SampleSpan(d));
}

TEST(HashSeedTest, KeptSpanCarriesRandomnessAndThreshold) {
  core::ProbabilisticSamplerConfig config = Sampler(25);
  config.hash_seed = 1;
  ProbabilisticSamplerModel sampler(config);
  core::Span span = SpanOf(Counting(), "vendor=x");

  ASSERT_TRUE(sampler.SampleSpan(span));  // bucket 2004 < 4096

  // rv: R' = 16383 - 2004 in the top 14 bits, the unused 18 hash bits mixed,
  // then the bucket; th: (16384 - 4096) << 42 = 0xc0000000000000 -> "c".
  const uint32_t h = 0x067347d4U;
  const uint64_t unused = h >> 14;
  const uint64_t rv = (uint64_t{16383 - 2004} << 42) | ((unused ^ (unused << 10)) << 14) | 2004;
  char hex[15];
  std::snprintf(hex, sizeof(hex), "%014llx", static_cast<unsigned long long>(rv));
  EXPECT_EQ(span.trace_state, std::string("ot=rv:") + hex + ";th:c,vendor=x");
}

TEST(HashSeedTest, ExistingOtelSamplingStateIsAnErrorThatFailsClosed) {
  ProbabilisticSamplerModel closed(Sampler(100));
  core::ProbabilisticSamplerConfig open_config = Sampler(100);
  open_config.fail_closed = false;
  ProbabilisticSamplerModel open(open_config);
  core::Span a = SpanOf(Counting(), "ot=th:8");
  core::Span b = SpanOf(Counting(), "ot=th:8");

  EXPECT_FALSE(closed.SampleSpan(a));
  EXPECT_TRUE(open.SampleSpan(b));
}

TEST(ProbabilityThresholdTest, MatchesOtep235Encodings) {
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(0.25, 4)), "c");
  EXPECT_EQ(*ProbabilityToThreshold(0.25, 4), 0xc0000000000000ULL);
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(0.5, 4)), "8");
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(0.01, 6)), "fd70a4");  // spec: 1 %
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(0.01, 4)), "fd71");
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(0.01, 0)), "fd70a3d70a3d71");
  EXPECT_EQ(ThresholdToTValue(*ProbabilityToThreshold(1.0 / 3, 4)), "aaab");
  EXPECT_EQ(*ProbabilityToThreshold(1, 4), 0U);
  EXPECT_EQ(ThresholdToTValue(0), "0");
  EXPECT_FALSE(ProbabilityToThreshold(0, 4).has_value());
  EXPECT_FALSE(ProbabilityToThreshold(1.5, 4).has_value());
  EXPECT_EQ(*TValueToThreshold("c"), 0xc0000000000000ULL);
  EXPECT_FALSE(TValueToThreshold("C").has_value());
  EXPECT_FALSE(TValueToThreshold("123456789abcdef").has_value());  // 15 digits
  EXPECT_DOUBLE_EQ(ThresholdProbability(0xc0000000000000ULL), 0.25);
}

TEST(ProportionalTest, KeepsIffRandomnessAtLeastThreshold) {
  ProbabilisticSamplerModel sampler(Sampler(25, "proportional"));
  core::Span at = SpanOf(WithRandomness(0xc0000000000000ULL));
  core::Span below = SpanOf(WithRandomness(0xbfffffffffffffULL));

  EXPECT_EQ(TraceIdRandomness(WithRandomness(0x123456789abcdeULL)), 0x123456789abcdeULL);
  EXPECT_TRUE(sampler.SampleSpan(at));
  EXPECT_FALSE(sampler.SampleSpan(below));
  EXPECT_EQ(at.trace_state, "ot=th:c");
}

TEST(ProportionalTest, MultipliesAnIncomingProbability) {
  // Incoming 50 % (th:8) x configured 50 % = 25 % -> th:c.
  ProbabilisticSamplerModel proportional(Sampler(50, "proportional"));
  ProbabilisticSamplerModel equalizing(Sampler(50, "equalizing"));
  core::Span kept = SpanOf(WithRandomness(0xd0000000000000ULL), "ot=th:8");
  core::Span dropped = SpanOf(WithRandomness(0xb0000000000000ULL), "ot=th:8");
  core::Span equalized = SpanOf(WithRandomness(0xb0000000000000ULL), "ot=th:8");

  EXPECT_TRUE(proportional.SampleSpan(kept));
  EXPECT_FALSE(proportional.SampleSpan(dropped));
  EXPECT_EQ(kept.trace_state, "ot=th:c");
  // Equalizing keeps the larger threshold (th:8 already at 50 %).
  EXPECT_TRUE(equalizing.SampleSpan(equalized));
  EXPECT_EQ(equalized.trace_state, "ot=th:8");
}

TEST(ProportionalTest, InconsistentIncomingThresholdFailsClosed) {
  ProbabilisticSamplerModel closed(Sampler(100, "proportional"));
  core::ProbabilisticSamplerConfig open_config = Sampler(100, "proportional");
  open_config.fail_closed = false;
  ProbabilisticSamplerModel open(open_config);
  // R = 0x10.. is below th:c: the span should never have been sampled.
  core::Span a = SpanOf(WithRandomness(0x10000000000000ULL), "ot=th:c");
  core::Span b = SpanOf(WithRandomness(0x10000000000000ULL), "ot=th:c");
  core::Span zero = SpanOf(core::TraceId{});

  EXPECT_FALSE(closed.SampleSpan(a));
  EXPECT_FALSE(closed.SampleSpan(zero));  // no randomness at all
  EXPECT_TRUE(open.SampleSpan(b));
  EXPECT_EQ(b.trace_state, "ot=th:0");  // cleared, then "always"
  EXPECT_EQ(closed.stats().spans_by_policy.at({"missing_randomness", false}), 1U);
}

TEST(ProportionalTest, UsesExplicitRandomnessFromTraceState) {
  ProbabilisticSamplerModel sampler(Sampler(25, "proportional"));
  // The trace id's randomness would be dropped; rv says keep.
  core::Span span = SpanOf(WithRandomness(0x01ULL), "ot=rv:f0000000000000");

  EXPECT_TRUE(sampler.SampleSpan(span));
  EXPECT_EQ(span.trace_state, "ot=rv:f0000000000000;th:c");
  EXPECT_EQ(sampler.stats().spans_by_policy.at({"sampling_randomness", true}), 1U);
}

TEST(ProbabilisticSamplerTest, SamplingPriorityOverridesTheDecision) {
  ProbabilisticSamplerModel none(Sampler(0));
  ProbabilisticSamplerModel all(Sampler(100));
  core::Span forced = SpanOf(Counting());
  forced.attributes = {{"sampling.priority", 1}};
  core::Span vetoed = SpanOf(Counting());
  vetoed.attributes = {{"sampling.priority", "0"}};

  EXPECT_TRUE(none.SampleSpan(forced));
  EXPECT_FALSE(all.SampleSpan(vetoed));
  EXPECT_EQ(all.stats().spans_by_policy.at({"sampling_priority", false}), 1U);
}

// 200 traces x 3 spans spread over resources and scopes.
core::TracesData ManyTraces(Rng& rng, int traces) {
  core::TracesData data;
  for (int r = 0; r < 2; ++r) {
    core::ResourceSpans rs;
    rs.resource.attributes = {{"service.name", r == 0 ? "api" : "worker"}};
    for (int s = 0; s < 2; ++s) rs.scope_spans.emplace_back();
    data.resource_spans.push_back(std::move(rs));
  }
  for (int t = 0; t < traces; ++t) {
    const core::TraceId id = rng.NewTraceId();
    for (int k = 0; k < 3; ++k) {
      data.resource_spans[static_cast<size_t>(k % 2)]
          .scope_spans[static_cast<size_t>((t + k) % 2)]
          .spans.push_back(SpanOf(id));
    }
  }
  return data;
}

TEST(ProbabilisticSamplerTest, KeepsOrDropsWholeTraces) {
  for (const char* mode : {"hash_seed", "proportional"}) {
    Rng rng(42);
    core::TracesData data = ManyTraces(rng, 200);
    ProbabilisticSamplerModel sampler(Sampler(30, mode));

    const int64_t kept = sampler.Sample(data);

    std::map<core::TraceId, int> spans_per_trace;
    for (const auto& rs : data.resource_spans) {
      for (const auto& scope : rs.scope_spans) {
        EXPECT_FALSE(scope.spans.empty()) << "emptied scopes are removed";
        for (const auto& span : scope.spans) ++spans_per_trace[span.trace_id];
      }
    }
    for (const auto& [id, n] : spans_per_trace) EXPECT_EQ(n, 3) << mode << " " << core::ToHex(id);
    EXPECT_EQ(kept, CountSpans(data));
    EXPECT_EQ(sampler.stats().incoming_spans, 600U);
    EXPECT_EQ(sampler.stats().outgoing_spans, static_cast<uint64_t>(kept));
  }
}

TEST(ProbabilisticSamplerTest, KeepRatioWithinBinomialBounds) {
  // 100,000 random trace ids; keep ratio within 4 sigma of p (sigma =
  // sqrt(p (1 - p) / n)). hash_seed's p is the float32 bucket count / 16384.
  constexpr int kTraces = 100000;
  struct Case {
    const char* mode;
    double pct;
    double p;
  };
  for (const Case& c : {Case{"hash_seed", 10, 1638.0 / 16384}, Case{"hash_seed", 50, 0.5},
                        Case{"proportional", 10, 0.1}, Case{"equalizing", 1, 0.01}}) {
    Rng rng(7);
    ProbabilisticSamplerModel sampler(Sampler(c.pct, c.mode));
    int kept = 0;
    for (int i = 0; i < kTraces; ++i) {
      core::Span span = SpanOf(rng.NewTraceId());
      if (sampler.SampleSpan(span)) ++kept;
    }
    const double sigma = std::sqrt(c.p * (1 - c.p) / kTraces);
    EXPECT_NEAR(static_cast<double>(kept) / kTraces, c.p, 4 * sigma) << c.mode << " " << c.pct;
  }
}

}  // namespace
}  // namespace tflo::workload
