#include "tflo/workload/tail_sampling_model.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/traces_batch.h"

namespace tflo::workload {
namespace {

constexpr SimTime kMs = kMillisecond;
constexpr uint64_t kEpoch = 1767225600000000000ULL;

core::TraceId Id(uint8_t n) {
  core::TraceId id{};
  id[0] = 0x11;
  id[15] = n;
  return id;
}

core::Span MakeSpan(const core::TraceId& id, SimTime start, SimTime end,
                    core::StatusCode status = core::StatusCode::kUnset,
                    core::Attributes attributes = {}) {
  core::Span span;
  span.trace_id = id;
  span.span_id = {0, 0, 0, 0, 0, 0, 0, 1};
  span.start_time_unix_nano = kEpoch + static_cast<uint64_t>(start);
  span.end_time_unix_nano = kEpoch + static_cast<uint64_t>(end);
  span.status.code = status;
  span.attributes = std::move(attributes);
  return span;
}

core::TracesData Request(std::vector<core::Span> spans, core::Attributes resource = {}) {
  core::ResourceSpans rs;
  rs.resource.attributes = std::move(resource);
  core::ScopeSpans scope;
  scope.scope.name = "test";
  scope.spans = std::move(spans);
  rs.scope_spans.push_back(std::move(scope));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

core::TailSamplingPolicyConfig Policy(std::string name, std::string type) {
  core::TailSamplingPolicyConfig policy;
  policy.name = std::move(name);
  policy.type = std::move(type);
  return policy;
}

core::TailSamplingPolicyConfig StatusCodeError() {
  core::TailSamplingPolicyConfig p = Policy("errors", "status_code");
  p.status_codes = {"ERROR"};
  return p;
}

core::TailSamplingPolicyConfig StringAttribute(std::string name, std::string key,
                                               std::vector<std::string> values) {
  core::TailSamplingPolicyConfig p = Policy(std::move(name), "string_attribute");
  p.key = std::move(key);
  p.values = std::move(values);
  return p;
}

core::TailSamplingConfig Config(std::vector<core::TailSamplingPolicyConfig> policies,
                                SimTime decision_wait = 2000 * kMs, int64_t num_traces = 50000) {
  core::TailSamplingConfig config;
  config.id = "tail_sampling";
  config.decision_wait = std::chrono::nanoseconds(decision_wait);
  config.num_traces = num_traces;
  config.policies = std::move(policies);
  return config;
}

struct Released {
  SimTime at;
  std::vector<core::TraceId> ids;
  int64_t items;
};

class TailHarness {
 public:
  explicit TailHarness(core::TailSamplingConfig config) {
    auto model = TailSamplingModel::Create(
        engine_, std::move(config),
        [this](core::TracesData&& data, int64_t items, std::function<void(bool)> done) {
          EXPECT_EQ(CountSpans(data), items);
          Released r{engine_.now(), {}, items};
          for (const auto& rs : data.resource_spans) {
            for (const auto& scope : rs.scope_spans) {
              for (const auto& span : scope.spans) r.ids.push_back(span.trace_id);
            }
          }
          released_.push_back(std::move(r));
          done(true);
        });
    EXPECT_TRUE(model.ok()) << model.status().message();
    model_ = std::move(model).value();
    model_->Start();
  }

  void At(SimTime t, core::TracesData data) {
    auto shared = std::make_shared<core::TracesData>(std::move(data));
    engine_.At(t, [this, shared] { model_->Consume(std::move(*shared)); });
  }
  void ShutdownAt(SimTime t) {
    engine_.At(t, [this] { model_->Shutdown([this] { shut_down_ = true; }); });
  }
  void Run() { engine_.Run(); }

  // Spans released per trace id.
  std::map<core::TraceId, int> ReleasedSpans() const {
    std::map<core::TraceId, int> out;
    for (const auto& r : released_) {
      for (const auto& id : r.ids) ++out[id];
    }
    return out;
  }

  EventEngine& engine() { return engine_; }
  TailSamplingModel& model() { return *model_; }
  const std::vector<Released>& released() const { return released_; }
  bool shut_down() const { return shut_down_; }

 private:
  EventEngine engine_;
  std::unique_ptr<TailSamplingModel> model_;
  std::vector<Released> released_;
  bool shut_down_ = false;
};

TEST(TailSamplingModelTest, KeepsEveryTraceWithAnErrorSpan) {
  // 400 traces of 5 spans, their spans arriving in two requests 300 ms apart;
  // about 10 % have one ERROR span (in either half).
  TailHarness h(Config({StatusCodeError()}));
  Rng rng(3);
  std::set<core::TraceId> error_traces;
  std::vector<core::TraceId> ids;
  for (int t = 0; t < 400; ++t) {
    const core::TraceId id = rng.NewTraceId();
    ids.push_back(id);
    const SimTime at = t * 10 * kMs;
    const int error_at = rng.Bernoulli(0.1) ? static_cast<int>(rng.UniformInt(5)) : -1;
    if (error_at >= 0) error_traces.insert(id);
    std::vector<core::Span> first;
    std::vector<core::Span> second;
    for (int k = 0; k < 5; ++k) {
      const auto status = k == error_at ? core::StatusCode::kError : core::StatusCode::kUnset;
      (k < 3 ? first : second).push_back(MakeSpan(id, at, at + 5 * kMs, status));
    }
    h.At(at, Request(std::move(first)));
    h.At(at + 300 * kMs, Request(std::move(second)));
  }
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const std::map<core::TraceId, int> released = h.ReleasedSpans();
  ASSERT_GT(error_traces.size(), 20U);
  for (const core::TraceId& id : ids) {
    if (error_traces.contains(id)) {
      EXPECT_EQ(released.count(id) ? released.at(id) : 0, 5) << core::ToHex(id);
    } else {
      EXPECT_EQ(released.count(id), 0U) << core::ToHex(id);
    }
  }
  const TailSamplingStats& s = h.model().stats();
  EXPECT_EQ(s.traces_sampled, error_traces.size());
  EXPECT_EQ(s.traces_not_sampled, 400 - error_traces.size());
  EXPECT_EQ(s.new_trace_id_received, 400U);
  EXPECT_EQ(s.global_decisions.at({"true", "sampled"}), error_traces.size());
  EXPECT_EQ(s.policy_decisions.at({"errors", "false", "not_sampled"}), 400 - error_traces.size());
}

TEST(TailSamplingModelTest, DecidesOneBatchPerSecondAfterDecisionWait) {
  // decision_wait 3 s: three batches in the ring, ticks every second. A trace
  // first seen at 0.5 s joins the batch closed at 1 s, evaluated at 4 s.
  TailHarness h(Config({Policy("all", "always_sample")}, 3000 * kMs));
  h.At(500 * kMs, Request({MakeSpan(Id(1), 0, 1)}));
  h.At(1200 * kMs, Request({MakeSpan(Id(2), 0, 1)}));
  h.At(3900 * kMs, Request({MakeSpan(Id(1), 0, 1)}));  // before the decision: buffered
  h.ShutdownAt(20 * kSecond);

  h.Run();

  ASSERT_EQ(h.released().size(), 2U);
  EXPECT_EQ(h.released()[0].at, 4 * kSecond);
  EXPECT_EQ(h.released()[0].items, 2);
  EXPECT_EQ(h.released()[1].at, 5 * kSecond);
  EXPECT_EQ(h.released()[1].ids, std::vector<core::TraceId>{Id(2)});
}

TEST(TailSamplingModelTest, LatencyPolicyUsesTheWholeTraceDuration) {
  core::TailSamplingPolicyConfig slow = Policy("slow", "latency");
  slow.threshold_ms = 500;
  TailHarness h(Config({slow}));
  // Trace 1: spans 0-200 and 300-600 ms: 600 ms. Trace 2: 499.9 ms -> 499.
  // Trace 3: exactly 500 ms (>= threshold).
  h.At(0, Request({MakeSpan(Id(1), 0, 200 * kMs), MakeSpan(Id(1), 300 * kMs, 600 * kMs),
                   MakeSpan(Id(2), 0, 499900 * kMicrosecond), MakeSpan(Id(3), 0, 500 * kMs)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.at(Id(1)), 2);
  EXPECT_EQ(released.count(Id(2)), 0U);
  EXPECT_EQ(released.at(Id(3)), 1);
}

TEST(TailSamplingModelTest, LatencyPolicyWithUpperBound) {
  core::TailSamplingPolicyConfig band = Policy("band", "latency");
  band.threshold_ms = 100;
  band.upper_threshold_ms = 200;
  TailHarness h(Config({band}));
  h.At(0, Request({MakeSpan(Id(1), 0, 150 * kMs), MakeSpan(Id(2), 0, 250 * kMs),
                   MakeSpan(Id(3), 0, 100 * kMs), MakeSpan(Id(4), 0, 200 * kMs)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 1U);
  EXPECT_EQ(released.count(Id(2)), 0U);
  EXPECT_EQ(released.count(Id(3)), 0U);  // 100 is not > 100
  EXPECT_EQ(released.count(Id(4)), 1U);
}

TEST(TailSamplingModelTest, RateLimitingTakesWholeTracesFromATokenBucket) {
  // 10 spans/s, bucket of 20, full at start. Five traces of 6 spans decided
  // at the same tick: 6 + 6 + 6 = 18 fit, then 2 tokens are left.
  core::TailSamplingPolicyConfig limit = Policy("limit", "rate_limiting");
  limit.spans_per_second = 10;
  TailHarness h(Config({limit}, 1000 * kMs));
  for (uint8_t t = 1; t <= 5; ++t) {
    std::vector<core::Span> spans;
    for (int k = 0; k < 6; ++k) spans.push_back(MakeSpan(Id(t), 0, 1));
    h.At(100 * kMs, Request(std::move(spans)));
  }
  // One more trace of 6 decided one second later: 2 + 10 tokens -> sampled.
  std::vector<core::Span> later;
  for (int k = 0; k < 6; ++k) later.push_back(MakeSpan(Id(9), 0, 1));
  h.At(1100 * kMs, Request(std::move(later)));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.size(), 4U);
  for (uint8_t t = 1; t <= 3; ++t) EXPECT_EQ(released.count(Id(t)), 1U);
  EXPECT_EQ(released.count(Id(4)), 0U);
  EXPECT_EQ(released.count(Id(5)), 0U);
  EXPECT_EQ(released.at(Id(9)), 6);
}

TEST(TailSamplingModelTest, EvictsTheOldestTracesAndCountsThoseDroppedTooEarly) {
  // num_traces 3: traces 1 and 2 are evicted, undecided, by traces 4 and 5.
  TailHarness h(Config({Policy("all", "always_sample")}, 2000 * kMs, /*num_traces=*/3));
  for (uint8_t t = 1; t <= 5; ++t) {
    h.At(100 * kMs + t * kMs, Request({MakeSpan(Id(t), 0, 1), MakeSpan(Id(t), 0, 1)}));
  }
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const TailSamplingStats& s = h.model().stats();
  EXPECT_EQ(s.sampling_trace_dropped_too_early, 2U);
  EXPECT_EQ(s.evicted_traces, 2U);
  EXPECT_EQ(s.evicted_undecided_spans, 4U);
  EXPECT_EQ(s.traces_sampled, 3U);
  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 0U);
  EXPECT_EQ(released.at(Id(5)), 2);
  // Decided traces stay in memory until the limiter evicts them.
  EXPECT_EQ(h.model().traces_on_memory(), 3);
  EXPECT_EQ(h.model().held_spans(), 0);
}

TEST(TailSamplingModelTest, DropPolicyWinsOverSamplePolicies) {
  core::TailSamplingPolicyConfig drop = Policy("no-health", "drop");
  drop.sub_policies = {StringAttribute("", "http.route", {"/health"})};
  TailHarness h(Config({Policy("all", "always_sample"), drop}));
  h.At(0, Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kUnset, {{"http.route", "/health"}}),
                   MakeSpan(Id(2), 0, 1, core::StatusCode::kUnset, {{"http.route", "/onboard"}})}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 0U);
  EXPECT_EQ(released.count(Id(2)), 1U);
  const TailSamplingStats& s = h.model().stats();
  EXPECT_EQ(s.traces_dropped, 1U);
  EXPECT_EQ(s.global_decisions.at({"false", "dropped"}), 1U);
  // The drop policy ran first and ended the evaluation of trace 1.
  EXPECT_EQ(s.policy_decisions.at({"no-health", "false", "dropped"}), 1U);
  EXPECT_EQ(s.policy_decisions.at({"all", "true", "sampled"}), 1U);
}

TEST(TailSamplingModelTest, AndPolicyNeedsEverySubPolicy) {
  core::TailSamplingPolicyConfig both = Policy("enterprise-errors", "and");
  both.sub_policies = {StatusCodeError(), StringAttribute("", "customer.type", {"enterprise"})};
  TailHarness h(Config({both}));
  const core::Attributes enterprise = {{"customer.type", "enterprise"}};
  h.At(0, Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kError, enterprise),
                   MakeSpan(Id(2), 0, 1, core::StatusCode::kError, {{"customer.type", "standard"}}),
                   MakeSpan(Id(3), 0, 1, core::StatusCode::kOk, enterprise),
                   // the attribute on one span, the error on another: both hold
                   MakeSpan(Id(4), 0, 1, core::StatusCode::kError),
                   MakeSpan(Id(4), 0, 1, core::StatusCode::kUnset, enterprise)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 1U);
  EXPECT_EQ(released.count(Id(2)), 0U);
  EXPECT_EQ(released.count(Id(3)), 0U);
  EXPECT_EQ(released.at(Id(4)), 2);
}

TEST(TailSamplingModelTest, AttributesMatchOnTheResourceToo) {
  TailHarness h(Config({StringAttribute("svc", "service.name", {"checkout"})}));
  h.At(0, Request({MakeSpan(Id(1), 0, 1)}, {{"service.name", "checkout"}}));
  h.At(0, Request({MakeSpan(Id(2), 0, 1)}, {{"service.name", "catalog"}}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 1U);
  EXPECT_EQ(released.count(Id(2)), 0U);
}

TEST(TailSamplingModelTest, InvertedMatchSamplesTracesWithoutTheValue) {
  core::TailSamplingPolicyConfig not_health =
      StringAttribute("not-health", "http.route", {"/health"});
  not_health.invert_match = true;
  core::TailSamplingPolicyConfig regex = StringAttribute("re", "url.path", {"^/customers/[0-9]+$"});
  regex.enabled_regex_matching = true;
  TailHarness h(Config({not_health}));
  TailHarness r(Config({regex}));
  h.At(0, Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kUnset, {{"http.route", "/health"}}),
                   MakeSpan(Id(2), 0, 1)}));  // no attribute at all: sampled
  r.At(0,
       Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kUnset, {{"url.path", "/customers/42"}}),
                MakeSpan(Id(2), 0, 1, core::StatusCode::kUnset, {{"url.path", "/customers/x"}})}));
  h.ShutdownAt(10 * kSecond);
  r.ShutdownAt(10 * kSecond);

  h.Run();
  r.Run();

  EXPECT_EQ(h.ReleasedSpans().count(Id(1)), 0U);
  EXPECT_EQ(h.ReleasedSpans().count(Id(2)), 1U);
  EXPECT_EQ(h.model().stats().policy_decisions.at({"not-health", "true", "sampled"}), 1U);
  EXPECT_EQ(r.ReleasedSpans().count(Id(1)), 1U);
  EXPECT_EQ(r.ReleasedSpans().count(Id(2)), 0U);
}

TEST(TailSamplingModelTest, NumericBooleanAndSpanCountPolicies) {
  core::TailSamplingPolicyConfig status = Policy("5xx", "numeric_attribute");
  status.key = "http.response.status_code";
  status.min_value = 500;
  status.max_value = 599;
  core::TailSamplingPolicyConfig flagged = Policy("flag", "boolean_attribute");
  flagged.key = "debug";
  flagged.bool_value = true;
  core::TailSamplingPolicyConfig big = Policy("big", "span_count");
  big.min_spans = 3;
  TailHarness h(Config({status, flagged, big}));
  h.At(0,
       Request(
           {MakeSpan(Id(1), 0, 1, core::StatusCode::kUnset, {{"http.response.status_code", 503}}),
            MakeSpan(Id(2), 0, 1, core::StatusCode::kUnset, {{"http.response.status_code", 404}}),
            MakeSpan(Id(3), 0, 1, core::StatusCode::kUnset, {{"debug", true}}),
            MakeSpan(Id(4), 0, 1), MakeSpan(Id(4), 0, 1), MakeSpan(Id(4), 0, 1)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  const auto released = h.ReleasedSpans();
  EXPECT_EQ(released.count(Id(1)), 1U);
  EXPECT_EQ(released.count(Id(2)), 0U);
  EXPECT_EQ(released.count(Id(3)), 1U);
  EXPECT_EQ(released.at(Id(4)), 3);
}

TEST(TailSamplingModelTest, ProbabilisticPolicyHashesSaltAndTraceId) {
  // FNV-1a-64("default-hash-seed" || 01..10) = 0xdbcf64d5420f4cad (by hand):
  // above 50 % of 2^64, below 90 %.
  core::TraceId counting{};
  for (size_t i = 0; i < counting.size(); ++i) counting[i] = static_cast<uint8_t>(i + 1);

  EXPECT_EQ(TailProbabilisticThreshold(0.5), 0x7fffffffffffffffULL);
  EXPECT_EQ(TailProbabilisticThreshold(0.1), 0x19999999999999ffULL);
  EXPECT_EQ(TailProbabilisticThreshold(0.25), 0x3fffffffffffffffULL);
  EXPECT_EQ(TailProbabilisticThreshold(1), 0xffffffffffffffffULL);
  EXPECT_EQ(TailProbabilisticThreshold(0), 0U);
  EXPECT_FALSE(
      TailProbabilisticSamples("default-hash-seed", TailProbabilisticThreshold(0.5), counting));
  EXPECT_TRUE(TailProbabilisticSamples("default-hash-seed", 0xdbcf64d5420f4cadULL, counting));
  EXPECT_FALSE(TailProbabilisticSamples("default-hash-seed", 0xdbcf64d5420f4cacULL, counting));
}

TEST(TailSamplingModelTest, LateSpansFollowTheDecision) {
  TailHarness h(Config({StatusCodeError()}, 1000 * kMs));
  h.At(0, Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kError), MakeSpan(Id(2), 0, 1)}));
  // One batch (wait 1 s): closed at the 1 s tick, decided at 2 s; late spans at 5 s.
  h.At(5 * kSecond, Request({MakeSpan(Id(1), 0, 1), MakeSpan(Id(2), 0, 1)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  ASSERT_EQ(h.released().size(), 2U);
  EXPECT_EQ(h.released()[1].at, 5 * kSecond);
  EXPECT_EQ(h.released()[1].ids, std::vector<core::TraceId>{Id(1)});
  EXPECT_EQ(h.model().stats().late_spans_released, 1U);
  EXPECT_EQ(h.model().stats().late_spans_dropped, 1U);
  EXPECT_EQ(h.model().stats().new_trace_id_received, 2U);
}

TEST(TailSamplingModelTest, DecisionCacheFreesMemoryAndReleasesLateSpans) {
  core::TailSamplingConfig config = Config({StatusCodeError()}, 1000 * kMs);
  config.sampled_cache_size = 10;
  config.non_sampled_cache_size = 10;
  TailHarness h(config);
  h.At(0, Request({MakeSpan(Id(1), 0, 1, core::StatusCode::kError), MakeSpan(Id(2), 0, 1)}));
  int64_t on_memory_after_decision = -1;
  // Decided at the 2 s tick (see LateSpansFollowTheDecision).
  h.engine().At(2500 * kMs, [&] { on_memory_after_decision = h.model().traces_on_memory(); });
  h.At(5 * kSecond, Request({MakeSpan(Id(1), 0, 1), MakeSpan(Id(2), 0, 1)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  EXPECT_EQ(on_memory_after_decision, 0);
  EXPECT_EQ(h.model().stats().early_releases_sampled, 1U);
  EXPECT_EQ(h.model().stats().early_releases_not_sampled, 1U);
  EXPECT_EQ(h.ReleasedSpans().at(Id(1)), 2);
  EXPECT_EQ(h.model().stats().new_trace_id_received, 2U);  // no new trace from the cache hits
}

TEST(TailSamplingModelTest, SampleOnFirstMatchStopsEvaluating) {
  core::TailSamplingConfig config = Config({Policy("first", "always_sample"), StatusCodeError()});
  config.sample_on_first_match = true;
  TailHarness h(config);
  h.At(0, Request({MakeSpan(Id(1), 0, 1)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  EXPECT_EQ(h.model().stats().policy_decisions.size(), 1U);
  EXPECT_EQ(h.model().stats().traces_sampled, 1U);
}

TEST(TailSamplingModelTest, ShutdownDecidesPendingTraces) {
  TailHarness keep(Config({Policy("all", "always_sample")}, 30000 * kMs));
  core::TailSamplingConfig dropping = Config({Policy("all", "always_sample")}, 30000 * kMs);
  dropping.drop_pending_traces_on_shutdown = true;
  TailHarness drop(dropping);
  keep.At(0, Request({MakeSpan(Id(1), 0, 1)}));
  keep.At(2 * kSecond, Request({MakeSpan(Id(2), 0, 1)}));
  drop.At(0, Request({MakeSpan(Id(1), 0, 1)}));
  keep.ShutdownAt(3 * kSecond);
  drop.ShutdownAt(3 * kSecond);

  keep.Run();
  drop.Run();

  EXPECT_TRUE(keep.shut_down());
  ASSERT_EQ(keep.released().size(), 2U);
  EXPECT_EQ(keep.released()[0].at, 3 * kSecond);
  EXPECT_EQ(keep.released()[0].ids, std::vector<core::TraceId>{Id(1)});
  EXPECT_TRUE(drop.released().empty());
  EXPECT_EQ(keep.engine().now(), 3 * kSecond);  // the ticker stopped
}

TEST(TailSamplingModelTest, UnmodelledPolicyTypeIsRefused) {
  core::TailSamplingPolicyConfig ottl = Policy("ottl", "ottl_condition");
  ottl.modelled = false;
  EventEngine engine;

  auto model = TailSamplingModel::Create(
      engine, Config({ottl}),
      [](core::TracesData&&, int64_t, std::function<void(bool)> done) { done(true); });

  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("policy type ottl_condition is not modelled"),
            std::string::npos)
      << model.status().message();
}

TEST(TailSamplingModelTest, PolicyMetricNamesCarryTheComponentName) {
  core::TailSamplingConfig config = Config({StatusCodeError()});
  config.id = "tail_sampling/edge";
  TailHarness h(config);
  h.At(0, Request({MakeSpan(Id(1), 0, 1)}));
  h.ShutdownAt(10 * kSecond);

  h.Run();

  EXPECT_EQ(h.model().stats().policy_decisions.at({"edge.errors", "false", "not_sampled"}), 1U);
}

}  // namespace
}  // namespace tflo::workload
