#include "coordination_services.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/model.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/fault_set.h"

namespace tflo::workload {
namespace {

constexpr uint64_t kStart = 1767225600000000000ULL;

struct ExportedSpan {
  std::string service;
  core::Span span;
};

std::string Attr(const core::Span& span, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(span.attributes, key);
  return v == nullptr ? std::string() : v->ToString();
}
bool Has(const core::Attributes& attributes, const std::string& key) {
  return core::FindAttribute(attributes, key) != nullptr;
}

class CoordinationServiceTest : public ::testing::Test {
 protected:
  ServiceEnvironment Env(const FaultSet* faults = nullptr, uint64_t seed = 7) {
    ServiceEnvironment env{engine_, truth_, metrics_};
    env.seed = seed;
    env.start_unix_nano = kStart;
    env.traces = [this](core::TracesData&& data, SimTime) {
      for (auto& rs : data.resource_spans) {
        const std::string service =
            core::FindAttribute(rs.resource.attributes, "service.name")->ToString();
        for (auto& ss : rs.scope_spans) {
          for (auto& span : ss.spans) spans_.push_back({service, std::move(span)});
        }
      }
    };
    env.logs = [this](core::LogsData&& data, SimTime) {
      for (auto& rl : data.resource_logs) {
        for (auto& sl : rl.scope_logs) {
          for (auto& r : sl.log_records) logs_.push_back(std::move(r));
        }
      }
    };
    env.faults = faults;
    return env;
  }

  // `n` background arrivals 2 s apart; the window ends `tail` after the last
  // one (long enough by default for every item's life: at most 3 x 120 s plus
  // the retries), then the requests in flight drain.
  void RunArrivals(CoordinationService& service, int n, SimTime tail = 400 * kSecond) {
    service.Start();
    for (int i = 0; i < n; ++i) {
      engine_.At(static_cast<SimTime>(i) * 2 * kSecond, [&service] { service.OnArrival(); });
    }
    bool idle = false;
    stopped_at_ = static_cast<SimTime>(n - 1) * 2 * kSecond + tail;
    engine_.At(stopped_at_, [&service, &idle] { service.StopArrivals([&idle] { idle = true; }); });
    while (!idle && engine_.Step()) {
    }
    ASSERT_TRUE(idle);
    idle_at_ = engine_.now();
    service.Shutdown();
  }

  std::vector<const core::Span*> Named(const std::string& name) const {
    std::vector<const core::Span*> out;
    for (const auto& s : spans_) {
      if (s.span.name == name) out.push_back(&s.span);
    }
    return out;
  }

  EventEngine engine_;
  GroundTruth truth_;
  MetricsRegistry metrics_;
  std::vector<ExportedSpan> spans_;
  std::vector<core::LogRecord> logs_;
  SimTime stopped_at_ = 0;
  SimTime idle_at_ = 0;
};

TEST_F(CoordinationServiceTest, ClaimIsServerInternalAndRedisClientSpans) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);
  service.Start();

  const CoordinationService::HttpResponse response =
      service.Claim({}, {"payments", "bug", "high", "Memory leak"});
  engine_.RunUntil(response.ends_at);
  service.Shutdown();

  EXPECT_EQ(response.status_code, 201);
  ASSERT_EQ(spans_.size(), 3U);
  const auto server = Named("POST /work/claim");
  const auto claim = Named("work.claim");
  const auto store = Named("HSET");
  ASSERT_EQ(server.size(), 1U);
  ASSERT_EQ(claim.size(), 1U);
  ASSERT_EQ(store.size(), 1U);
  for (const auto& s : spans_) EXPECT_EQ(s.service, "coordination-api");

  EXPECT_EQ(server[0]->kind, core::SpanKind::kServer);
  EXPECT_TRUE(server[0]->is_root());
  for (const char* key : {"http.request.method", "http.route", "http.response.status_code",
                          "url.path", "url.scheme", "server.address", "server.port"}) {
    EXPECT_TRUE(Has(server[0]->attributes, key)) << key;
  }
  EXPECT_EQ(Attr(*server[0], "http.route"), "/work/claim");
  EXPECT_EQ(Attr(*server[0], "http.response.status_code"), "201");

  EXPECT_EQ(claim[0]->kind, core::SpanKind::kInternal);
  EXPECT_EQ(claim[0]->parent_span_id, server[0]->span_id);
  EXPECT_EQ(Attr(*claim[0], "work.team"), "payments");
  EXPECT_EQ(Attr(*claim[0], "work.type"), "bug");
  EXPECT_EQ(Attr(*claim[0], "work.priority"), "high");
  EXPECT_EQ(Attr(*claim[0], "work.id"), response.work_id);

  EXPECT_EQ(store[0]->kind, core::SpanKind::kClient);
  EXPECT_EQ(store[0]->parent_span_id, claim[0]->span_id);
  EXPECT_EQ(Attr(*store[0], "db.system"), "redis");
  EXPECT_EQ(Attr(*store[0], "db.operation"), "HSET");
  EXPECT_EQ(Attr(*store[0], "server.port"), "6379");
  EXPECT_TRUE(Has(store[0]->attributes, "db.statement"));
  EXPECT_TRUE(Has(store[0]->attributes, "server.address"));
  for (const auto& s : spans_) {
    EXPECT_EQ(s.span.trace_id, server[0]->trace_id);
    EXPECT_GE(s.span.start_time_unix_nano, server[0]->start_time_unix_nano);
    EXPECT_LE(s.span.end_time_unix_nano, server[0]->end_time_unix_nano);
  }

  // The response hands the client its baggage.
  core::PropagationContext answer = core::ExtractHttp(response.headers);
  EXPECT_EQ(answer.baggage.Get("work.id"), response.work_id);
  EXPECT_EQ(answer.baggage.Get("work.team"), "payments");
}

TEST_F(CoordinationServiceTest, BaggageCarriesWorkIdAndTeamAcrossTheThreeOperations) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);

  RunArrivals(service, 30);

  EXPECT_EQ(service.claimed(), 30U);
  EXPECT_EQ(service.completed(), 30U);
  EXPECT_EQ(service.open_items(), 0U);
  EXPECT_EQ(service.requests_with_baggage(), 60U);
  EXPECT_EQ(service.requests_without_baggage(), 0U);

  std::map<std::string, const core::Span*> claims;  // work.id -> work.claim span
  for (const core::Span* s : Named("work.claim")) claims[Attr(*s, "work.id")] = s;
  ASSERT_EQ(claims.size(), 30U);
  for (const char* name : {"POST /work/{id}/progress", "POST /work/{id}/complete"}) {
    const auto servers = Named(name);
    ASSERT_EQ(servers.size(), 30U) << name;
    for (const core::Span* s : servers) {
      // work.id / work.team come from the baggage the client sent back.
      const auto it = claims.find(Attr(*s, "work.id"));
      ASSERT_NE(it, claims.end()) << name;
      const core::Span& claim = *it->second;
      EXPECT_EQ(Attr(*s, "work.team"), Attr(claim, "work.team"));
      EXPECT_NE(s->trace_id, claim.trace_id);  // a separate trace ...
      ASSERT_EQ(s->links.size(), 1U);          // ... linked to the claim
      EXPECT_EQ(s->links[0].trace_id, claim.trace_id);
      EXPECT_EQ(s->links[0].span_id, claim.span_id);
      EXPECT_GT(s->start_time_unix_nano, claim.end_time_unix_nano);
    }
  }
  // Baggage is on every span of those requests, the Redis calls included.
  for (const core::Span* s : Named("HGETALL")) {
    EXPECT_TRUE(claims.count(Attr(*s, "work.id")) == 1);
    EXPECT_FALSE(Attr(*s, "work.team").empty());
  }
  // Completion follows progress for every item.
  std::map<std::string, uint64_t> progress_at;
  for (const core::Span* s : Named("POST /work/{id}/progress"))
    progress_at[Attr(*s, "work.id")] = s->start_time_unix_nano;
  for (const core::Span* s : Named("POST /work/{id}/complete"))
    EXPECT_GT(s->start_time_unix_nano, progress_at.at(Attr(*s, "work.id")));
}

TEST_F(CoordinationServiceTest, MetricsCountCreatedAndCompletedItemsByTeam) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);

  RunArrivals(service, 40);

  std::map<std::string, int64_t> created_by_team;
  for (const core::Span* s : Named("work.claim")) ++created_by_team[Attr(*s, "work.team")];
  const core::MetricsData data = metrics_.Collect(kStart, kStart + 1);
  ASSERT_EQ(data.resource_metrics.size(), 1U);
  std::map<std::string, int64_t> metric_by_team;
  int64_t completed = 0;
  uint64_t durations = 0;
  for (const core::Metric& m : data.resource_metrics[0].scope_metrics[0].metrics) {
    if (m.name == "work_items_created_total") {
      for (const auto& p : std::get<core::Sum>(m.data).data_points)
        metric_by_team[p.attributes.at(0).value.ToString()] = std::get<int64_t>(p.value);
    } else if (m.name == "work_items_completed_total") {
      for (const auto& p : std::get<core::Sum>(m.data).data_points) {
        EXPECT_TRUE(Has(p.attributes, "team"));
        EXPECT_TRUE(Has(p.attributes, "priority"));
        completed += std::get<int64_t>(p.value);
      }
    } else if (m.name == "work_item_duration_seconds") {
      for (const auto& p : std::get<core::Histogram>(m.data).data_points) durations += p.count;
    }
  }
  EXPECT_EQ(metric_by_team, created_by_team);
  EXPECT_EQ(completed, 40);
  EXPECT_EQ(durations, 40U);
}

TEST_F(CoordinationServiceTest, ItemsOpenWhenTheWindowEndsStayOpen) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);

  RunArrivals(service, 30, 10 * kSecond);

  EXPECT_EQ(service.claimed(), 30U);
  EXPECT_LT(service.completed(), 30U);
  EXPECT_EQ(service.open_items(), service.claimed() - service.completed());
  EXPECT_LT(idle_at_ - stopped_at_, kSecond);  // only the requests in flight drain
  for (const auto& s : spans_) {
    EXPECT_LE(s.span.start_time_unix_nano, kStart + static_cast<uint64_t>(stopped_at_));
  }
  double in_progress = 0;
  const core::MetricsData data = metrics_.Collect(kStart, kStart + 1);
  for (const core::Metric& m : data.resource_metrics.at(0).scope_metrics.at(0).metrics) {
    if (m.name != "work_items_in_progress") continue;
    for (const auto& p : std::get<core::Sum>(m.data).data_points) in_progress += p.AsDouble();
  }
  EXPECT_EQ(in_progress, static_cast<double>(service.open_items()));
}

TEST_F(CoordinationServiceTest, ErrorRateFailsOperationsWithErrorStatusAndAnErrorLog) {
  CoordinationParams params;
  params.error_rate = 0.3;
  CoordinationService service(Env(), params);

  RunArrivals(service, 60);

  std::set<core::TraceId> error_traces;
  for (const auto& s : spans_) {
    if (s.span.kind != core::SpanKind::kServer || s.span.status.code != core::StatusCode::kError)
      continue;
    EXPECT_EQ(Attr(s.span, "http.response.status_code"), "500");
    error_traces.insert(s.span.trace_id);
  }
  EXPECT_GT(error_traces.size(), 0U);
  EXPECT_EQ(error_traces.size(), service.failed_operations());
  std::set<core::TraceId> error_log_traces;
  for (const auto& r : logs_) {
    if (r.severity_number == 17) error_log_traces.insert(r.trace_id);
  }
  EXPECT_EQ(error_log_traces, error_traces);
  // Failed completions are retried; items whose claim failed never existed.
  EXPECT_LT(service.claimed(), 60U);
  EXPECT_EQ(service.completed() + service.abandoned(), service.claimed());
}

TEST_F(CoordinationServiceTest, LogsCarryTheIdsOfTheSpanTheyWereEmittedIn) {
  CoordinationParams params;
  params.error_rate = 0.1;
  CoordinationService service(Env(), params);

  RunArrivals(service, 20);

  std::map<core::SpanId, const core::Span*> by_id;
  for (const auto& s : spans_) by_id[s.span.span_id] = &s.span;
  ASSERT_FALSE(logs_.empty());
  for (const auto& r : logs_) {
    const auto it = by_id.find(r.span_id);
    ASSERT_NE(it, by_id.end());
    EXPECT_EQ(it->second->trace_id, r.trace_id);
    EXPECT_EQ(r.flags, 1U);
    EXPECT_EQ(core::FindAttribute(r.attributes, "work.id")->ToString(),
              Attr(*it->second, "work.id"));
  }
}

TEST_F(CoordinationServiceTest, IncomingTraceparentIsHonoured) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);
  service.Start();
  core::PropagationContext context;
  context.traceparent =
      core::TraceParent{*core::TraceIdFromHex("0af7651916cd43dd8448eb211c80319c"),
                        *core::SpanIdFromHex("b7ad6b7169203331"), core::kTraceFlagSampled};
  core::HttpHeaders headers;
  core::InjectHttp(context, headers);

  const auto response = service.Claim(headers, {"data", "chore", "low", "t"});
  engine_.RunUntil(response.ends_at);
  service.Shutdown();

  const auto server = Named("POST /work/claim");
  ASSERT_EQ(server.size(), 1U);
  EXPECT_EQ(server[0]->trace_id, context.traceparent->trace_id);
  EXPECT_EQ(server[0]->parent_span_id, context.traceparent->parent_id);
  EXPECT_EQ(server[0]->flags, 0x301U);
  EXPECT_EQ(response.trace_id, context.traceparent->trace_id);
}

TEST_F(CoordinationServiceTest, UnknownWorkIdAnswers404WithoutError) {
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(), params);
  service.Start();

  const auto response = service.Complete("WI-missing", {});
  engine_.RunUntil(response.ends_at);
  service.Shutdown();

  EXPECT_EQ(response.status_code, 404);
  const auto server = Named("POST /work/{id}/complete");
  ASSERT_EQ(server.size(), 1U);
  EXPECT_EQ(server[0]->status.code, core::StatusCode::kUnset);
  EXPECT_EQ(Attr(*server[0], "url.path"), "/work/WI-missing/complete");
}

TEST_F(CoordinationServiceTest, BrokenPropagationDropsTheBaggage) {
  FaultSpec fault;
  fault.kind = FaultSpec::Kind::kBrokenPropagation;
  fault.target = "coordination.api";
  fault.probability = 1;
  const FaultSet faults({fault});
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(&faults), params);

  RunArrivals(service, 10);

  EXPECT_EQ(service.requests_with_baggage(), 0U);
  EXPECT_EQ(service.requests_without_baggage(), 20U);
  for (const core::Span* s : Named("POST /work/{id}/progress")) {
    EXPECT_FALSE(Has(s->attributes, "work.id"));
    EXPECT_FALSE(Has(s->attributes, "work.team"));
  }
  // The handler still knows the item from the URL.
  for (const core::Span* s : Named("work.progress")) EXPECT_FALSE(Attr(*s, "work.id").empty());
}

TEST_F(CoordinationServiceTest, StoreOutageFailsClaimsWith503) {
  FaultSpec fault;
  fault.kind = FaultSpec::Kind::kOutage;
  fault.target = "coordination.store";
  const FaultSet faults({fault});
  CoordinationParams params;
  params.error_rate = 0;
  CoordinationService service(Env(&faults), params);

  RunArrivals(service, 5);

  EXPECT_EQ(service.claimed(), 0U);
  EXPECT_EQ(service.failed_operations(), 5U);
  for (const core::Span* s : Named("POST /work/claim")) {
    EXPECT_EQ(Attr(*s, "http.response.status_code"), "503");
    EXPECT_EQ(s->status.code, core::StatusCode::kError);
  }
  for (const core::Span* s : Named("HSET")) EXPECT_EQ(s->status.code, core::StatusCode::kError);
}

// Everything a run exports, for a seed.
std::vector<core::Span> RunOnce(uint64_t seed) {
  EventEngine engine;
  GroundTruth truth;
  MetricsRegistry metrics;
  std::vector<core::Span> spans;
  ServiceEnvironment env(engine, truth, metrics);
  env.seed = seed;
  env.start_unix_nano = kStart;
  env.traces = [&spans](core::TracesData&& data, SimTime) {
    for (auto& rs : data.resource_spans) {
      for (auto& ss : rs.scope_spans) {
        for (auto& span : ss.spans) spans.push_back(std::move(span));
      }
    }
  };
  CoordinationParams params;
  params.error_rate = 0.05;
  CoordinationService service(env, params);
  service.Start();
  for (int i = 0; i < 10; ++i) engine.At(i * kSecond, [&service] { service.OnArrival(); });
  bool idle = false;
  engine.At(500 * kSecond, [&] { service.StopArrivals([&idle] { idle = true; }); });
  while (!idle && engine.Step()) {
  }
  service.Shutdown();
  return spans;
}

TEST(CoordinationServiceDeterminismTest, SameSeedSameSpans) {
  const std::vector<core::Span> a = RunOnce(99);
  const std::vector<core::Span> b = RunOnce(99);
  const std::vector<core::Span> c = RunOnce(100);

  ASSERT_GT(a.size(), 30U);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace tflo::workload
