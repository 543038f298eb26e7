#include "tflo/workload/lambda_model.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/trace_context.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/lambda_config.h"

namespace tflo::workload {
namespace {

constexpr uint64_t kStartUnixNano = 1767225600000000000ULL;

// ---- arithmetic --------------------------------------------------------------

TEST(LambdaArithmeticTest, CpuShareFollowsMemory) {
  EXPECT_DOUBLE_EQ(LambdaCpuShare(1769), 1.0);
  EXPECT_DOUBLE_EQ(LambdaCpuShare(512), 512.0 / 1769.0);
  EXPECT_NEAR(LambdaCpuShare(10240), 5.789, 0.001);
  EXPECT_EQ(LambdaVcpus(128), 1);
  EXPECT_EQ(LambdaVcpus(1769), 1);
  EXPECT_EQ(LambdaVcpus(1770), 2);
  EXPECT_EQ(LambdaVcpus(3008), 2);
  EXPECT_EQ(LambdaVcpus(10240), 6);
}

TEST(LambdaArithmeticTest, SingleThreadedWorkScalesWithTheShareBelowOneVcpu) {
  EXPECT_DOUBLE_EQ(CpuSlowdown(512), 1769.0 / 512.0);
  EXPECT_DOUBLE_EQ(CpuSlowdown(1769), 1.0);
  EXPECT_DOUBLE_EQ(CpuSlowdown(4096), 1.0);  // more cores do not help one thread

  // 10 ms of CPU at one vCPU: 10 x 1769 / 512 = 34.55078125 ms at 512 MB.
  EXPECT_EQ(ScaleCpuBound(10 * kMillisecond, 512), 34550781);
  EXPECT_EQ(ScaleCpuBound(10 * kMillisecond, 1769), 10 * kMillisecond);
  EXPECT_EQ(ScaleCpuBound(10 * kMillisecond, 10240), 10 * kMillisecond);
  EXPECT_EQ(ScaleCpuBound(10 * kMillisecond, 885), 19988701);  // 10 ms x 1769 / 885
}

TEST(LambdaArithmeticTest, DurationIsRoundedUpToTheMillisecond) {
  EXPECT_EQ(BilledMilliseconds(0), 0);
  EXPECT_EQ(BilledMilliseconds(1), 1);
  EXPECT_EQ(BilledMilliseconds(kMillisecond), 1);
  EXPECT_EQ(BilledMilliseconds(kMillisecond + 1), 2);
  EXPECT_EQ(BilledMilliseconds(123'400'000), 124);  // 123.4 ms
}

TEST(LambdaArithmeticTest, CostIsGbSecondsTimesPricePlusRequest) {
  // 512 MB arm64, 123.4 ms -> 124 ms billed: 0.5 GB x 0.124 s x $0.0000133334 + $0.0000002.
  const double expected = 0.5 * 0.124 * 0.0000133334 + 0.0000002;

  EXPECT_DOUBLE_EQ(InvocationCostUsd(123'400'000, 512, LambdaArchitecture::kArm64), expected);
  EXPECT_NEAR(InvocationCostUsd(123'400'000, 512, LambdaArchitecture::kArm64), 1.0266708e-6, 1e-13);
  // 1024 MB x86 for exactly one second: $0.0000166667 + $0.0000002.
  EXPECT_DOUBLE_EQ(InvocationCostUsd(kSecond, 1024, LambdaArchitecture::kX86_64),
                   0.0000166667 + 0.0000002);
  EXPECT_DOUBLE_EQ(ComputeCostUsd(1000, 2048, LambdaArchitecture::kArm64), 2 * 0.0000133334);
  EXPECT_DOUBLE_EQ(kLambdaPricePerRequest, 0.0000002);
  EXPECT_LT(PricePerGbSecond(LambdaArchitecture::kArm64),
            PricePerGbSecond(LambdaArchitecture::kX86_64));
}

// ---- the model -------------------------------------------------------------------

// Deterministic options: no jitter, no poll latency, INIT 100 ms at 1769 MB.
LambdaModelOptions ExactOptions() {
  LambdaModelOptions o;
  o.init_median_at_one_vcpu = 100 * kMillisecond;
  o.init_sigma = 0;
  o.invoke_overhead_median = 0;
  o.poll_latency_median = 0;
  o.export_round_trip = 10 * kMillisecond;
  o.export_per_span_at_one_vcpu = 0;
  o.idle_reap_after = 600 * kSecond;
  return o;
}

LambdaFunctionConfig Function(int64_t memory_mb = 1769, int timeout_s = 15) {
  LambdaFunctionConfig f;
  f.function_name = "onboarding-lambda";
  f.memory_mb = memory_mb;
  f.timeout = std::chrono::seconds(timeout_s);
  f.architecture = LambdaArchitecture::kX86_64;
  return f;
}

EventSourceMappingConfig Mapping(int64_t batch_size = 1, int window_s = 0) {
  EventSourceMappingConfig m;
  m.batch_size = batch_size;
  m.maximum_batching_window = std::chrono::seconds(window_s);
  return m;
}

struct Invocation {
  SimTime dispatched = 0;
  SimTime start = 0;
  bool cold = false;
  std::vector<std::string> message_ids;
  std::vector<int> receive_counts;
};

// Drives one SqsLambdaModel with a scripted handler and records what comes out.
class Harness {
 public:
  using Script = std::function<HandlerResult(const LambdaInvocation&, Harness&)>;

  Status Create(LambdaFunctionConfig f, EventSourceMappingConfig m, LambdaModelOptions o,
                Script script) {
    script_ = std::move(script);
    core::Resource resource;
    resource.attributes = {{"service.name", "onboarding-lambda"}};
    SqsLambdaModel::Callbacks callbacks;
    callbacks.handler = [this](const LambdaInvocation& inv) {
      Invocation record;
      record.dispatched = engine.now();
      record.start = inv.start;
      record.cold = inv.cold_start;
      for (const SqsRecord& r : *inv.records) {
        record.message_ids.push_back(r.message_id);
        record.receive_counts.push_back(r.receive_count);
      }
      invocations.push_back(std::move(record));
      return script_(inv, *this);
    };
    callbacks.observer = [this](const core::Span& span, uint32_t) { observed.push_back(span); };
    callbacks.sink = [this](core::TracesData&& request, SimTime arrive_at) {
      exported_spans += request.SpanCount();
      export_arrivals.push_back(arrive_at);
      exports.push_back(std::move(request));
    };
    callbacks.message_done = [this](const SqsRecord& r, bool dead) {
      (dead ? dead_lettered : deleted).push_back(r.message_id);
    };
    auto model_or =
        SqsLambdaModel::Create(engine, std::move(f), std::move(m), o, kStartUnixNano, Rng(42),
                               std::move(resource), {"test", "1", {}, 0}, std::move(callbacks));
    if (!model_or.ok()) return model_or.status();
    model = std::move(*model_or);
    return OkStatus();
  }

  void SendAt(SimTime t, std::string id) {
    engine.At(t, [this, id = std::move(id)] {
      SqsRecord record;
      record.message_id = id;
      core::PropagationContext context;
      core::TraceId trace{};
      trace[15] = 1;
      core::SpanId span{};
      span[7] = 1;
      context.traceparent = core::TraceParent{trace, span, core::kTraceFlagSampled};
      core::InjectSqs(context, record.attributes);
      record.sent_at = engine.now();
      model->Send(std::move(record));
    });
  }

  uint64_t Unix(SimTime t) const { return kStartUnixNano + static_cast<uint64_t>(t); }

  EventEngine engine;
  std::unique_ptr<SqsLambdaModel> model;
  std::vector<Invocation> invocations;
  std::vector<core::Span> observed;
  std::vector<core::TracesData> exports;
  std::vector<SimTime> export_arrivals;
  uint64_t exported_spans = 0;
  std::vector<std::string> deleted;
  std::vector<std::string> dead_lettered;

 private:
  Script script_;
};

// `n` spans of `each` one after the other from the handler's start, named
// step-0..; with `parent`, one more span covering them all.
HandlerResult Sequential(const LambdaInvocation& inv, const Harness& h, int n, SimTime each,
                         bool parent = false) {
  HandlerResult result;
  SimTime t = inv.start;
  for (int i = 0; i < n; ++i) {
    core::Span& span = result.AddSpan(0);
    span.name = "step-" + std::to_string(i);
    span.start_time_unix_nano = h.Unix(t);
    span.end_time_unix_nano = h.Unix(t + each);
    t += each;
  }
  if (parent) {
    core::Span& span = result.AddSpan(0);
    span.name = "parent";
    span.start_time_unix_nano = h.Unix(inv.start);
    span.end_time_unix_nano = h.Unix(t);
  }
  result.end = t;
  return result;
}

Harness::Script Steps(int n, SimTime each, bool parent = false) {
  return
      [=](const LambdaInvocation& inv, Harness& h) { return Sequential(inv, h, n, each, parent); };
}

void ExpectSpansConserved(const LambdaStats& s) {
  EXPECT_EQ(s.spans_ended, s.spans_exported + s.spans_dropped_queue_full +
                               s.spans_lost_export_timeout + s.spans_lost_timeout +
                               s.spans_lost_reaped + s.spans_frozen_at_shutdown);
}

TEST(SqsLambdaModelTest, ColdStartThenWarm) {
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), ExactOptions(), Steps(3, 10 * kMillisecond)).ok());
  h.SendAt(0, "a");
  h.SendAt(kSecond, "b");

  h.engine.Run();
  h.model->Shutdown();

  ASSERT_EQ(h.invocations.size(), 2U);
  EXPECT_TRUE(h.invocations[0].cold);
  EXPECT_FALSE(h.invocations[1].cold);
  // INIT (100 ms at one vCPU) delays the first handler only.
  EXPECT_EQ(h.invocations[0].start, 100 * kMillisecond);
  EXPECT_EQ(h.invocations[1].start, kSecond);
  const LambdaStats& s = h.model->stats();
  EXPECT_EQ(s.invocations, 2U);
  EXPECT_EQ(s.cold_starts, 1U);
  EXPECT_EQ(s.environments_created, 1U);
  EXPECT_EQ(h.deleted, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.model->messages_in_system(), 0);
}

TEST(SqsLambdaModelTest, InitScalesWithTheCpuShare) {
  Harness h;
  ASSERT_TRUE(h.Create(Function(512), Mapping(), ExactOptions(), Steps(1, kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();

  ASSERT_EQ(h.invocations.size(), 1U);
  EXPECT_EQ(h.invocations[0].start, ScaleCpuBound(100 * kMillisecond, 512));
}

// One 10 ms step per message; idle environments are reaped after `idle`.
Status CreateReaping(Harness& h, SimTime idle) {
  LambdaModelOptions o = ExactOptions();
  o.idle_reap_after = idle;
  return h.Create(Function(), Mapping(), o, Steps(1, 10 * kMillisecond));
}

TEST(SqsLambdaModelTest, IdleEnvironmentsAreReaped) {
  Harness h;
  ASSERT_TRUE(CreateReaping(h, 2 * kSecond).ok());
  h.SendAt(0, "a");
  h.SendAt(5 * kSecond, "b");                       // after the reap: cold again
  h.SendAt(5 * kSecond + 500 * kMillisecond, "c");  // warm

  h.engine.RunUntil(6 * kSecond);

  ASSERT_EQ(h.invocations.size(), 3U);
  EXPECT_TRUE(h.invocations[0].cold);
  EXPECT_TRUE(h.invocations[1].cold);
  EXPECT_FALSE(h.invocations[2].cold);
  EXPECT_EQ(h.model->stats().environments_reaped, 1U);
  EXPECT_EQ(h.model->stats().cold_starts, 2U);
}

// The reap check scheduled when an environment first goes idle finds it used
// since: it waits for the full idle period from the last use instead.
TEST(SqsLambdaModelTest, ReapWaitsForTheFullIdlePeriodAfterTheLastUse) {
  Harness h;
  ASSERT_TRUE(CreateReaping(h, 2 * kSecond).ok());
  h.SendAt(0, "a");
  h.SendAt(1500 * kMillisecond, "b");  // warm; the first check (~2.1 s) is stale
  h.SendAt(3400 * kMillisecond, "c");  // warm: idle only since ~1.5 s
  h.SendAt(6 * kSecond, "d");          // idle since ~3.4 s: reaped at ~5.4 s, cold

  h.engine.RunUntil(5 * kSecond);
  EXPECT_EQ(h.model->stats().environments_reaped, 0U);
  h.engine.RunUntil(7 * kSecond);

  ASSERT_EQ(h.invocations.size(), 4U);
  EXPECT_TRUE(h.invocations[0].cold);
  EXPECT_FALSE(h.invocations[1].cold);
  EXPECT_FALSE(h.invocations[2].cold);
  EXPECT_TRUE(h.invocations[3].cold);
  EXPECT_EQ(h.model->stats().environments_reaped, 1U);
  EXPECT_EQ(h.model->stats().cold_starts, 2U);
}

TEST(SqsLambdaModelTest, ForcedColdStartsReplaceWarmEnvironments) {
  LambdaModelOptions o = ExactOptions();
  o.forced_cold_start_probability = 1;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), o, Steps(1, 10 * kMillisecond)).ok());
  for (int i = 0; i < 4; ++i) h.SendAt(i * kSecond, "m" + std::to_string(i));

  h.engine.RunUntil(10 * kSecond);

  EXPECT_EQ(h.model->stats().cold_starts, 4U);
  EXPECT_EQ(h.model->stats().environments_reaped, 3U);
}

TEST(SqsLambdaModelTest, ForceFlushExportsEverythingAndIsBilled) {
  LambdaModelOptions o = ExactOptions();
  o.export_per_span_at_one_vcpu = kMillisecond;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), o, Steps(3, 10 * kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  // One export of the three spans at the handler's return (100 + 30 ms):
  // 10 ms round trip + 3 x 1 ms, arriving half a round trip after it starts.
  ASSERT_EQ(h.exports.size(), 1U);
  EXPECT_EQ(h.exported_spans, 3U);
  EXPECT_EQ(h.export_arrivals[0], 130 * kMillisecond + 5 * kMillisecond);
  EXPECT_DOUBLE_EQ(s.flush_ms, 13.0);
  // Billed: INIT 100 + handler 30 + flush 13 = 143 ms at 1769 MB x86.
  EXPECT_EQ(s.billed_ms, 143);
  EXPECT_DOUBLE_EQ(s.compute_cost_usd, 1769.0 / 1024.0 * 0.143 * kLambdaX86PricePerGbSecond);
  EXPECT_DOUBLE_EQ(s.request_cost_usd, kLambdaPricePerRequest);
  EXPECT_DOUBLE_EQ(s.gb_seconds, 1769.0 / 1024.0 * 0.143);
  EXPECT_DOUBLE_EQ(s.init_ms, 100.0);
  EXPECT_EQ(s.spans_frozen_at_shutdown, 0U);
  ExpectSpansConserved(s);
  // Every exported request carries the environment's resource with faas.instance.
  const core::Resource& resource = h.exports[0].resource_spans.at(0).resource;
  EXPECT_NE(core::FindAttribute(resource.attributes, "faas.instance"), nullptr);
  EXPECT_NE(core::FindAttribute(resource.attributes, "service.name"), nullptr);
}

TEST(SqsLambdaModelTest, FrozenSpansAreLostWhenTheEnvironmentIsReaped) {
  LambdaModelOptions o = ExactOptions();
  o.force_flush = false;
  o.idle_reap_after = 2 * kSecond;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), o, Steps(3, 10 * kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  EXPECT_TRUE(h.exports.empty());  // the 5 s schedule delay never came while thawed
  EXPECT_EQ(s.spans_ended, 3U);
  EXPECT_EQ(s.spans_lost_reaped, 3U);
  EXPECT_EQ(s.environments_reaped, 1U);
  EXPECT_EQ(h.observed.size(), 3U);  // they did happen: the ground truth sees them
  ExpectSpansConserved(s);
}

TEST(SqsLambdaModelTest, FrozenSpansLeaveAtTheNextThaw) {
  LambdaModelOptions o = ExactOptions();
  o.force_flush = false;
  LambdaFunctionConfig f = Function();
  f.bsp.schedule_delay = std::chrono::milliseconds(500);
  Harness h;
  ASSERT_TRUE(h.Create(f, Mapping(), o, Steps(3, 10 * kMillisecond)).ok());
  h.SendAt(0, "a");
  h.SendAt(2 * kSecond, "b");

  h.engine.RunUntil(60 * kSecond);  // before the 10 min reap
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  // The timer deadline (500 ms) passed while frozen: it fires at the thaw.
  ASSERT_EQ(h.exports.size(), 1U);
  EXPECT_EQ(h.export_arrivals[0], 2 * kSecond + 5 * kMillisecond);
  EXPECT_EQ(h.exported_spans, 3U);
  EXPECT_EQ(s.spans_delayed_by_freeze, 3U);
  EXPECT_EQ(s.spans_frozen_at_shutdown, 3U);  // b's spans, still frozen at the end
  ExpectSpansConserved(s);
}

TEST(SqsLambdaModelTest, ShortScheduleDelayExportsWhileTheHandlerRuns) {
  LambdaModelOptions o = ExactOptions();
  o.force_flush = false;
  LambdaFunctionConfig f = Function();
  f.bsp.schedule_delay = std::chrono::milliseconds(150);
  Harness h;
  // Five 100 ms steps from 100 ms (after INIT); the timer was armed at 0.
  ASSERT_TRUE(h.Create(f, Mapping(), o, Steps(5, 100 * kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.RunUntil(60 * kSecond);  // before the 10 min reap
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  // Spans end at 200, 300, 400, 500, 600 ms. The periodic timer (armed at 0)
  // fires at 300 (the span of 200), at 450 (those of 300 and 400) and at 600
  // (that of 500, before the span ending then is queued); the span of 600 is
  // still queued when the handler returns and the environment freezes.
  EXPECT_EQ(s.spans_exported, 4U);
  EXPECT_EQ(s.export_requests, 3U);
  EXPECT_EQ(s.spans_frozen_at_shutdown, 1U);
  EXPECT_EQ(h.export_arrivals,
            (std::vector<SimTime>{305 * kMillisecond, 455 * kMillisecond, 605 * kMillisecond}));
  ExpectSpansConserved(s);
}

// The SDK takes over a handler's span vector when the spans come in the order
// they end (LambdaSpanBuffer::Adopt); otherwise they are sorted and moved one by
// one. Both ways must end, export, drop and lose exactly the same spans.
TEST(SqsLambdaModelTest, SpansInEndOrderAreTakenOverWithTheSameOutcome) {
  struct Case {
    const char* name;
    LambdaFunctionConfig function;
    LambdaModelOptions options;
    int steps;
    SimTime each;
  };
  LambdaModelOptions no_flush = ExactOptions();
  no_flush.force_flush = false;
  LambdaFunctionConfig short_delay = Function();
  short_delay.bsp.schedule_delay = std::chrono::milliseconds(150);
  LambdaFunctionConfig small_batches = Function();
  small_batches.bsp.max_export_batch_size = 2;
  LambdaFunctionConfig small_queue = Function();
  small_queue.bsp.max_queue_size = 4;
  small_queue.bsp.max_export_batch_size = 4;
  LambdaModelOptions slow_collector = ExactOptions();
  slow_collector.export_round_trip = kSecond;
  const std::vector<Case> cases = {
      {"flushed", Function(), ExactOptions(), 6, 10 * kMillisecond},
      {"exports while running", short_delay, no_flush, 5, 100 * kMillisecond},
      {"batches of two", small_batches, ExactOptions(), 7, 10 * kMillisecond},
      {"killed at the timeout", Function(1769, 1), ExactOptions(), 5, 300 * kMillisecond},
      {"full queue", small_queue, slow_collector, 10, kMillisecond},
  };
  struct Outcome {
    LambdaStats stats;
    std::vector<std::vector<std::string>> exported;  // span names, per export
    std::vector<SimTime> arrivals;
    std::vector<std::string> observed;  // name@end:status
  };
  const auto run = [](const Case& c, bool reversed) {
    Harness h;
    // The steps, then a parent that ends 1 ms after the last (no ties).
    const auto script = [&c, reversed](const LambdaInvocation& inv, Harness& harness) {
      HandlerResult result = Sequential(inv, harness, c.steps, c.each);
      core::Span& parent = result.AddSpan(7);
      parent.name = "parent";
      parent.start_time_unix_nano = harness.Unix(inv.start);
      parent.end_time_unix_nano = harness.Unix(result.end + kMillisecond);
      result.end += 2 * kMillisecond;
      if (reversed) {
        std::reverse(result.spans.begin(), result.spans.end());
        std::reverse(result.tags.begin(), result.tags.end());
      }
      return result;
    };
    EXPECT_TRUE(h.Create(c.function, Mapping(), c.options, script).ok());
    h.SendAt(0, "a");
    h.engine.RunUntil(60 * kSecond);
    h.model->Shutdown();
    Outcome out;
    out.stats = h.model->stats();
    for (const core::TracesData& request : h.exports) {
      std::vector<std::string> names;
      for (const auto& rs : request.resource_spans) {
        for (const auto& ss : rs.scope_spans) {
          for (const core::Span& span : ss.spans) names.push_back(span.name.str());
        }
      }
      out.exported.push_back(std::move(names));
    }
    out.arrivals = h.export_arrivals;
    for (const core::Span& span : h.observed) {
      out.observed.push_back(span.name + "@" + std::to_string(span.end_time_unix_nano) + ":" +
                             std::to_string(static_cast<int>(span.status.code)));
    }
    return out;
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Outcome taken_over = run(c, false);
    const Outcome sorted = run(c, true);
    const LambdaStats& a = taken_over.stats;
    const LambdaStats& b = sorted.stats;
    EXPECT_EQ(a.spans_ended, b.spans_ended);
    EXPECT_EQ(a.spans_exported, b.spans_exported);
    EXPECT_EQ(a.export_requests, b.export_requests);
    EXPECT_EQ(a.spans_dropped_queue_full, b.spans_dropped_queue_full);
    EXPECT_EQ(a.spans_lost_export_timeout, b.spans_lost_export_timeout);
    EXPECT_EQ(a.spans_lost_timeout, b.spans_lost_timeout);
    EXPECT_EQ(a.spans_open_at_timeout, b.spans_open_at_timeout);
    EXPECT_EQ(a.spans_frozen_at_shutdown, b.spans_frozen_at_shutdown);
    EXPECT_EQ(a.spans_delayed_by_freeze, b.spans_delayed_by_freeze);
    EXPECT_EQ(a.billed_ms, b.billed_ms);
    EXPECT_EQ(taken_over.exported, sorted.exported);
    EXPECT_EQ(taken_over.arrivals, sorted.arrivals);
    EXPECT_EQ(taken_over.observed, sorted.observed);
    EXPECT_GT(a.spans_ended, 0U);
    ExpectSpansConserved(a);
  }
}

TEST(SqsLambdaModelTest, FullQueueDropsSpans) {
  LambdaModelOptions o = ExactOptions();
  o.export_round_trip = kSecond;  // a slow collector
  LambdaFunctionConfig f = Function();
  f.bsp.max_queue_size = 4;
  f.bsp.max_export_batch_size = 4;
  Harness h;
  ASSERT_TRUE(h.Create(f, Mapping(), o, Steps(10, kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  // 4 leave at once, 4 wait for that export, 2 find the queue full.
  EXPECT_EQ(s.spans_dropped_queue_full, 2U);
  EXPECT_EQ(s.spans_exported, 8U);
  EXPECT_EQ(h.exports.size(), 2U);
  ExpectSpansConserved(s);
}

TEST(SqsLambdaModelTest, ExportsSlowerThanTheExportTimeoutAreLost) {
  LambdaFunctionConfig f = Function();
  f.bsp.export_timeout = std::chrono::milliseconds(5);  // below the 10 ms round trip
  Harness h;
  ASSERT_TRUE(h.Create(f, Mapping(), ExactOptions(), Steps(3, kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();

  EXPECT_TRUE(h.exports.empty());
  EXPECT_EQ(h.model->stats().spans_lost_export_timeout, 3U);
}

TEST(SqsLambdaModelTest, TimeoutKillsTheInvocationAndLosesItsSpans) {
  LambdaModelOptions o = ExactOptions();
  o.max_receive_count = 2;
  Harness h;
  // Five 300 ms steps under a parent: 1.5 s of work against a 1 s Timeout.
  ASSERT_TRUE(h.Create(Function(1769, 1), Mapping(), o, Steps(5, 300 * kMillisecond, true)).ok());
  h.SendAt(0, "a");

  h.engine.Run();
  h.model->Shutdown();

  const LambdaStats& s = h.model->stats();
  EXPECT_EQ(s.invocations, 2U);  // delivered twice, then dead-lettered
  EXPECT_EQ(s.timeouts, 2U);
  EXPECT_EQ(s.environments_reset, 2U);
  EXPECT_EQ(s.cold_starts, 2U);  // a reset environment starts cold
  EXPECT_TRUE(h.exports.empty());
  // Per invocation: three steps ended (queued, lost), step 3 and the parent were
  // open at the kill, step 4 never started.
  EXPECT_EQ(s.spans_lost_timeout, 6U);
  EXPECT_EQ(s.spans_open_at_timeout, 4U);
  ASSERT_EQ(h.observed.size(), 10U);
  const uint64_t kill = h.Unix(100 * kMillisecond + kSecond);
  int cut = 0;
  for (const core::Span& span : h.observed) {
    EXPECT_NE(span.name, "step-4");
    if (span.end_time_unix_nano == kill && span.status.code == core::StatusCode::kError) {
      EXPECT_EQ(span.status.message, "Task timed out after 1.00 seconds");
      ++cut;
    }
  }
  EXPECT_EQ(cut, 2);  // in the first invocation
  EXPECT_EQ(h.dead_lettered, std::vector<std::string>{"a"});
  EXPECT_EQ(h.invocations[1].receive_counts, std::vector<int>{2});
  // The message came back after the visibility timeout (6 x Timeout).
  EXPECT_EQ(h.model->visibility_timeout(), 6 * kSecond);
  EXPECT_GE(h.invocations[1].dispatched, 6 * kSecond);
  // Billed up to the kill: INIT 100 ms + 1 s, twice.
  EXPECT_EQ(s.billed_ms, 2 * 1100);
  ExpectSpansConserved(s);
}

TEST(SqsLambdaModelTest, BatchingWindowGathersMessages) {
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(10, 2), ExactOptions(), Steps(1, kMillisecond)).ok());
  h.SendAt(0, "a");
  h.SendAt(100 * kMillisecond, "b");
  h.SendAt(200 * kMillisecond, "c");

  h.engine.Run();

  ASSERT_EQ(h.invocations.size(), 1U);
  EXPECT_EQ(h.invocations[0].message_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(h.invocations[0].dispatched, 2 * kSecond);  // the window, from the first message
}

TEST(SqsLambdaModelTest, FullBatchDoesNotWaitForTheWindow) {
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(10, 5), ExactOptions(), Steps(1, kMillisecond)).ok());
  for (int i = 0; i < 25; ++i) h.SendAt(0, "m" + std::to_string(i));

  h.engine.Run();

  ASSERT_EQ(h.invocations.size(), 3U);
  EXPECT_EQ(h.invocations[0].message_ids.size(), 10U);
  EXPECT_EQ(h.invocations[1].message_ids.size(), 10U);
  EXPECT_EQ(h.invocations[2].message_ids.size(), 5U);
  EXPECT_EQ(h.invocations[0].dispatched, 0);
  EXPECT_EQ(h.invocations[1].dispatched, 0);
  EXPECT_EQ(h.invocations[2].dispatched, 5 * kSecond);
  EXPECT_EQ(h.model->stats().batches, 3U);
}

TEST(SqsLambdaModelTest, MaximumConcurrencyCapsBatchesAndBacklogFormsBatches) {
  EventSourceMappingConfig m = Mapping(10, 0);
  m.maximum_concurrency = 2;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), m, ExactOptions(), Steps(1, kSecond)).ok());
  for (int i = 0; i < 12; ++i) h.SendAt(0, "m" + std::to_string(i));

  h.engine.Run();

  // Two pollers take one message each at once; the other ten wait and leave
  // as one batch when a poller is free.
  ASSERT_EQ(h.invocations.size(), 3U);
  EXPECT_EQ(h.invocations[0].message_ids.size(), 1U);
  EXPECT_EQ(h.invocations[1].message_ids.size(), 1U);
  EXPECT_EQ(h.invocations[2].message_ids.size(), 10U);
  EXPECT_EQ(h.model->stats().max_concurrency, 2);
  EXPECT_EQ(h.model->stats().max_queue_depth, 10);
}

TEST(SqsLambdaModelTest, ConcurrencyScalesUpWhileABacklogRemains) {
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(1, 0), ExactOptions(), Steps(1, 10 * kSecond)).ok());
  for (int i = 0; i < 100; ++i) h.SendAt(0, "m" + std::to_string(i));
  // Arrivals keep the backlog in view: one every 100 ms for 2 s.
  for (int i = 1; i <= 20; ++i) h.SendAt(i * 100 * kMillisecond, "late" + std::to_string(i));

  h.engine.Run();

  // Every invocation runs 10 s, so those dispatched in the first 10 s overlap:
  // five at first, then one more per 200 ms of backlog (300 per minute).
  size_t by_two_seconds = 0;
  for (size_t i = 0; i < h.invocations.size(); ++i) {
    const SimTime t = h.invocations[i].dispatched;
    if (t >= 10 * kSecond) continue;
    EXPECT_LE(static_cast<int64_t>(i) + 1, kEsmInitialConcurrency + t / (200 * kMillisecond))
        << "invocation " << i << " at " << t;
    if (t <= 2 * kSecond) ++by_two_seconds;
  }
  EXPECT_EQ(by_two_seconds, 15U);
  EXPECT_EQ(h.model->stats().messages_deleted, 120U);
}

TEST(SqsLambdaModelTest, ReportBatchItemFailuresReturnsOnlyTheFailedRecords) {
  // The handler fails the record at index 1 on its first delivery.
  auto script = [](const LambdaInvocation& inv, Harness& h) {
    HandlerResult r = Sequential(inv, h, 1, kMillisecond);
    for (size_t i = 0; i < inv.records->size(); ++i) {
      if (inv.records->at(i).message_id == "b" && inv.records->at(i).receive_count == 1) {
        r.failed_records.push_back(i);
      }
    }
    return r;
  };
  for (const bool report : {true, false}) {
    EventSourceMappingConfig m = Mapping(10, 1);
    m.report_batch_item_failures = report;
    Harness h;
    ASSERT_TRUE(h.Create(Function(), m, ExactOptions(), script).ok());
    h.SendAt(0, "a");
    h.SendAt(0, "b");
    h.SendAt(0, "c");

    h.engine.Run();

    if (report) {
      ASSERT_EQ(h.invocations.size(), 2U);
      EXPECT_EQ(h.invocations[1].message_ids, std::vector<std::string>{"b"});
      EXPECT_EQ(h.invocations[1].receive_counts, std::vector<int>{2});
      EXPECT_EQ(h.model->stats().redeliveries, 1U);
      EXPECT_EQ(h.model->stats().records_failed, 1U);
    } else {
      // Without the response type a normal return deletes the whole batch.
      EXPECT_EQ(h.invocations.size(), 1U);
      EXPECT_EQ(h.model->stats().redeliveries, 0U);
    }
    EXPECT_EQ(h.deleted.size(), 3U);
  }
}

TEST(SqsLambdaModelTest, FunctionErrorReturnsTheWholeBatch) {
  auto script = [](const LambdaInvocation& inv, Harness& h) {
    HandlerResult r = Sequential(inv, h, 1, kMillisecond);
    r.error = inv.records->at(0).receive_count == 1;
    return r;
  };
  EventSourceMappingConfig m = Mapping(10, 1);
  m.report_batch_item_failures = true;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), m, ExactOptions(), script).ok());
  h.SendAt(0, "a");
  h.SendAt(0, "b");

  h.engine.Run();

  ASSERT_EQ(h.invocations.size(), 2U);
  EXPECT_EQ(h.invocations[1].message_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.model->stats().function_errors, 1U);
  EXPECT_EQ(h.model->stats().redeliveries, 2U);
}

TEST(SqsLambdaModelTest, ThrottledBatchesReturnToTheQueue) {
  LambdaModelOptions o = ExactOptions();
  o.throttle_probability = 1;
  o.max_receive_count = 3;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), o, Steps(1, kMillisecond)).ok());
  h.SendAt(0, "a");

  h.engine.Run();

  EXPECT_TRUE(h.invocations.empty());
  EXPECT_EQ(h.model->stats().throttles, 3U);
  EXPECT_EQ(h.dead_lettered, std::vector<std::string>{"a"});
}

TEST(SqsLambdaModelTest, FaultProbeForcesTimeoutsColdStartsAndThrottles) {
  LambdaModelOptions o = ExactOptions();
  o.max_receive_count = 1;
  Harness h;
  ASSERT_TRUE(h.Create(Function(), Mapping(), o, Steps(1, 100 * kMillisecond)).ok());
  // [0, 10 s): Timeout forced to 50 ms; [10 s, 20 s): every invocation cold;
  // from 20 s: every invocation throttled.
  h.model->set_fault_probe([](SimTime now) {
    SqsLambdaModel::FaultState state;
    if (now < 10 * kSecond) state.timeout = 50 * kMillisecond;
    if (now >= 10 * kSecond && now < 20 * kSecond) state.cold_start_probability = 1;
    if (now >= 20 * kSecond) state.throttle_probability = 1;
    return state;
  });
  h.SendAt(0, "timeout");
  h.SendAt(11 * kSecond, "cold-1");
  h.SendAt(12 * kSecond, "cold-2");
  h.SendAt(21 * kSecond, "throttled");

  h.engine.RunUntil(60 * kSecond);

  const LambdaStats& s = h.model->stats();
  EXPECT_EQ(s.timeouts, 1U);
  EXPECT_EQ(s.cold_starts, 3U);  // the reset environment, then two forced
  EXPECT_EQ(s.throttles, 1U);
  EXPECT_EQ(h.dead_lettered, (std::vector<std::string>{"timeout", "throttled"}));
  EXPECT_EQ(h.deleted, (std::vector<std::string>{"cold-1", "cold-2"}));
  ASSERT_FALSE(h.observed.empty());
  EXPECT_EQ(h.observed[0].status.message, "Task timed out after 0.05 seconds");
}

TEST(SqsLambdaModelTest, ImpossibleOptionsAreRejected) {
  LambdaModelOptions low_visibility = ExactOptions();
  low_visibility.visibility_timeout = 10 * kSecond;  // below Timeout 15 s
  LambdaFunctionConfig bad_bsp = Function();
  bad_bsp.bsp.max_export_batch_size = 4096;  // above the 2048 queue
  EventSourceMappingConfig bad_batch = Mapping(50, 0);
  LambdaModelOptions bad_probability = ExactOptions();
  bad_probability.throttle_probability = 2;

  Harness a, b, c, d;
  const Status sa = a.Create(Function(), Mapping(), low_visibility, Steps(1, 1));
  const Status sb = b.Create(bad_bsp, Mapping(), ExactOptions(), Steps(1, 1));
  const Status sc = c.Create(Function(), bad_batch, ExactOptions(), Steps(1, 1));
  const Status sd = d.Create(Function(), Mapping(), bad_probability, Steps(1, 1));

  EXPECT_EQ(sa.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sa.message().find("visibility timeout"), std::string::npos) << sa.message();
  EXPECT_EQ(sb.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sc.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sd.code(), StatusCode::kInvalidArgument);
  Harness e;
  EXPECT_EQ(e.Create(Function(64), Mapping(), ExactOptions(), Steps(1, 1)).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tflo::workload
