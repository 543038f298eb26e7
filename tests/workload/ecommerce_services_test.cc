#include "ecommerce_services.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/core/model.h"
#include "tflo/core/stats.h"
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
bool Has(const core::Span& span, const std::string& key) {
  return core::FindAttribute(span.attributes, key) != nullptr;
}
bool IsTrue(const core::Span& span, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(span.attributes, key);
  return v != nullptr && v->AsBool() != nullptr && *v->AsBool();
}

EcommerceParams Params(double checkout_share, int pool_size) {
  EcommerceParams params;
  params.enabled = true;
  params.checkout_share = checkout_share;
  params.db_pool_size = pool_size;
  params.error_rate = 0;
  return params;
}

// A phased pattern with one phase of `seconds` carrying `effects`.
TrafficPattern OnePhase(double seconds, std::map<std::string, double> effects) {
  TrafficPattern pattern;
  pattern.kind = TrafficPattern::Kind::kPhased;
  TrafficPhase phase;
  phase.name = "peak";
  phase.duration = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
  phase.rate = 1;
  phase.effects = std::move(effects);
  pattern.phases.push_back(phase);
  return pattern;
}

class EcommerceServicesTest : public ::testing::Test {
 protected:
  ServiceEnvironment Env(const FaultSet* faults = nullptr, uint64_t seed = 11) {
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

  // Journeys every `gap` for `seconds`, then drain until every journey ended.
  void Run(EcommerceServices& services, double seconds, SimTime gap) {
    services.Start();
    const SimTime end = static_cast<SimTime>(seconds * 1e9);
    for (SimTime t = 0; t < end; t += gap) engine_.At(t, [&services] { services.OnJourney(); });
    bool idle = false;
    engine_.At(end, [&services, &idle] { services.StopArrivals([&idle] { idle = true; }); });
    while (!idle && engine_.Step()) {
    }
    ASSERT_TRUE(idle);
    services.Shutdown();
  }

  std::vector<const ExportedSpan*> Named(const std::string& name) const {
    std::vector<const ExportedSpan*> out;
    for (const auto& s : spans_) {
      if (s.span.name == name) out.push_back(&s);
    }
    return out;
  }

  const core::Metric* Metric(const std::string& service, const std::string& name) {
    collected_ = metrics_.Collect(kStart, kStart + 1);
    for (const auto& rm : collected_.resource_metrics) {
      if (core::FindAttribute(rm.resource.attributes, "service.name")->ToString() != service)
        continue;
      for (const auto& m : rm.scope_metrics.at(0).metrics) {
        if (m.name == name) return &m;
      }
    }
    return nullptr;
  }

  EventEngine engine_;
  GroundTruth truth_;
  MetricsRegistry metrics_;
  core::MetricsData collected_;
  std::vector<ExportedSpan> spans_;
  std::vector<core::LogRecord> logs_;
};

TEST_F(EcommerceServicesTest, JourneyTraceHasTheSeedsShapeAndSemconvAttributes) {
  const EcommerceParams params = Params(1.0, 50);
  EcommerceServices services(Env(), params);

  Run(services, 10, 500 * kMillisecond);

  ASSERT_EQ(services.journeys(), 20U);
  std::map<core::SpanId, const ExportedSpan*> by_id;
  for (const auto& s : spans_) by_id[s.span.span_id] = &s;
  size_t servers = 0;
  size_t db_spans = 0;
  for (const auto& s : spans_) {
    const core::Span& span = s.span;
    if (span.is_root()) {
      EXPECT_EQ(s.service, "loadgen");
      EXPECT_EQ(span.kind, core::SpanKind::kInternal);
      EXPECT_EQ(span.name, "user_journey.purchase");
      EXPECT_EQ(Attr(span, "user.journey"), "purchase");
      EXPECT_TRUE(Has(span, "user.session_id"));
      continue;
    }
    const auto parent = by_id.find(span.parent_span_id);
    ASSERT_NE(parent, by_id.end()) << span.name;
    EXPECT_EQ(parent->second->span.trace_id, span.trace_id);
    switch (span.kind) {
      case core::SpanKind::kServer:
        ++servers;
        // Propagated over HTTP: the parent is the load generator's CLIENT span.
        EXPECT_EQ(parent->second->service, "loadgen");
        EXPECT_EQ(parent->second->span.kind, core::SpanKind::kClient);
        EXPECT_EQ(span.flags, 0x301U);
        for (const char* key : {"http.request.method", "http.route", "http.response.status_code",
                                "url.path", "url.scheme", "server.address", "server.port"}) {
          EXPECT_TRUE(Has(span, key)) << span.name << " " << key;
        }
        break;
      case core::SpanKind::kClient:
        if (s.service == "loadgen") {
          EXPECT_TRUE(parent->second->span.is_root());
          for (const char* key : {"http.request.method", "url.full", "server.address",
                                  "server.port", "http.response.status_code"}) {
            EXPECT_TRUE(Has(span, key)) << key;
          }
        } else {
          ++db_spans;
          EXPECT_EQ(parent->second->span.kind, core::SpanKind::kServer);
          EXPECT_EQ(Attr(span, "db.system"), "postgresql");
          EXPECT_EQ(Attr(span, "db.name"), "ecommerce");
          EXPECT_EQ(Attr(span, "server.port"), "5432");
          EXPECT_EQ(span.name,
                    Attr(span, "db.operation") + " ecommerce." + Attr(span, "db.sql.table"));
          for (const char* key : {"db.statement", "server.address", "db.user"}) {
            EXPECT_TRUE(Has(span, key)) << key;
          }
          // Parameterised SQL: placeholders, no literal values.
          EXPECT_NE(Attr(span, "db.statement").find("%s"), std::string::npos);
        }
        break;
      case core::SpanKind::kInternal:
        EXPECT_EQ(span.name, "process_payment");
        EXPECT_EQ(s.service, "checkout");
        break;
      default:
        ADD_FAILURE() << "unexpected kind for " << span.name;
    }
  }
  EXPECT_GE(servers, 20U * 3);  // list, >= 1 detail, checkout
  EXPECT_GT(db_spans, servers);
  // A successful checkout is one transaction of four steps.
  for (const ExportedSpan* checkout : Named("POST /checkout")) {
    if (Has(checkout->span, "checkout.failed")) continue;
    std::multiset<std::string> children;
    for (const auto& s : spans_) {
      if (s.span.parent_span_id == checkout->span.span_id) children.insert(s.span.name.str());
    }
    EXPECT_EQ(children, (std::multiset<std::string>{"SELECT ecommerce.cart_items",
                                                    "UPDATE ecommerce.inventory", "process_payment",
                                                    "INSERT ecommerce.orders"}));
    EXPECT_TRUE(Has(checkout->span, "order.id"));
    EXPECT_TRUE(Has(checkout->span, "checkout.payment_method"));
    EXPECT_EQ(Attr(checkout->span, "http.response.status_code"), "201");
  }
}

TEST_F(EcommerceServicesTest, SmallPoolUnderHighRateExhaustsAndFailsCheckouts) {
  const EcommerceParams params = Params(1.0, 2);
  EcommerceServices services(Env(), params);

  Run(services, 5, 10 * kMillisecond);  // 100 journeys/s

  size_t exhausted_spans = 0;
  for (const auto& s : spans_) {
    if (!IsTrue(s.span, "db.connection.pool.exhausted")) continue;
    ++exhausted_spans;
    EXPECT_EQ(s.span.kind, core::SpanKind::kServer);
    EXPECT_EQ(Attr(s.span, "db.connection.pool.size"), "2");
    EXPECT_GE(
        *core::FindAttribute(s.span.attributes, "db.connection.pool.wait_time_ms")->AsDouble(),
        5000.0);
    EXPECT_EQ(Attr(s.span, "http.response.status_code"), "503");
    EXPECT_EQ(s.span.status.code, core::StatusCode::kError);
  }
  EXPECT_GT(exhausted_spans, 0U);
  EXPECT_EQ(exhausted_spans, services.pool_exhausted_requests());
  size_t pool_failures = 0;
  for (const ExportedSpan* s : Named("POST /checkout")) {
    if (Attr(s->span, "checkout.failure_reason") == "ConnectionPoolExhausted") {
      ++pool_failures;
      EXPECT_TRUE(IsTrue(s->span, "checkout.failed"));
      EXPECT_TRUE(IsTrue(s->span, "checkout.cart_abandoned"));
    }
  }
  EXPECT_GT(pool_failures, 0U);
  EXPECT_EQ(services.checkout_pool().max_in_use(), 2);
  // The pool-exhausted errors are logged in their spans.
  size_t exhausted_logs = 0;
  for (const auto& r : logs_) exhausted_logs += r.event_name == "db.pool_exhausted" ? 1 : 0;
  EXPECT_EQ(exhausted_logs, exhausted_spans);
  const core::Metric* failures = Metric("checkout", "checkout_failures_total");
  ASSERT_NE(failures, nullptr);
  double metric_pool_failures = 0;
  for (const auto& p : std::get<core::Sum>(failures->data).data_points) {
    if (p.attributes.at(0).value.ToString() == "ConnectionPoolExhausted")
      metric_pool_failures = p.AsDouble();
  }
  EXPECT_EQ(metric_pool_failures, static_cast<double>(pool_failures));
}

TEST_F(EcommerceServicesTest, BigPoolAtLowRateNeverExhausts) {
  const EcommerceParams params = Params(1.0, 100);
  EcommerceServices services(Env(), params);

  Run(services, 30, kSecond);

  EXPECT_EQ(services.pool_exhausted_requests(), 0U);
  for (const auto& s : spans_) {
    EXPECT_FALSE(Has(s.span, "db.connection.pool.exhausted")) << s.span.name;
    EXPECT_NE(Attr(s.span, "checkout.failure_reason"), "ConnectionPoolExhausted");
  }
  EXPECT_EQ(services.checkouts(), 30U);
}

TEST_F(EcommerceServicesTest, PoolExhaustionEffectFailsCheckoutsAfterTheTimeout) {
  EcommerceParams params = Params(1.0, 100);
  params.traffic = OnePhase(60, {{"pool_exhaustion_probability", 1.0}});
  EcommerceServices services(Env(), params);

  Run(services, 10, kSecond);

  const auto checkouts = Named("POST /checkout");
  ASSERT_EQ(checkouts.size(), 10U);
  for (const ExportedSpan* s : checkouts) {
    EXPECT_EQ(Attr(s->span, "checkout.failure_reason"), "ConnectionPoolExhausted");
    EXPECT_GE(s->span.duration_ms(), 5000.0);
  }
  EXPECT_EQ(services.checkouts_succeeded(), 0U);
  EXPECT_EQ(services.revenue(), 0.0);
}

TEST_F(EcommerceServicesTest, SlowQueriesProgressAcrossThePhase) {
  EcommerceParams params = Params(0.0, 200);
  params.traffic = OnePhase(
      100, {{"slow_query_ms_from", 500}, {"slow_query_ms_to", 2500}, {"missing_index", 1}});
  EcommerceServices services(Env(), params);

  Run(services, 100, 250 * kMillisecond);

  std::vector<double> early;
  std::vector<double> late;
  size_t slow_flagged = 0;
  std::set<core::SpanId> slow_ids;
  for (const ExportedSpan* s : Named("SELECT ecommerce.products")) {
    if (Attr(s->span, "db.statement").find("category") == std::string::npos) continue;
    const double at_s = static_cast<double>(s->span.start_time_unix_nano - kStart) / 1e9;
    EXPECT_TRUE(IsTrue(s->span, "db.full_table_scan"));
    EXPECT_EQ(Attr(s->span, "db.missing_index"), "idx_products_category");
    EXPECT_EQ(Attr(s->span, "db.rows_scanned"), "10000");
    if (at_s < 5) early.push_back(s->span.duration_ms());
    if (at_s >= 95 && at_s < 100) late.push_back(s->span.duration_ms());
    if (IsTrue(s->span, "db.slow_query")) {
      ++slow_flagged;
      slow_ids.insert(s->span.span_id);
      EXPECT_GE(s->span.duration_ms(), 1000.0);
    } else {
      EXPECT_LT(s->span.duration_ms(), 1000.0);
    }
  }
  ASSERT_GE(early.size(), 10U);
  ASSERT_GE(late.size(), 10U);
  const double early_median = core::ExactQuantile(early, 0.5);
  const double late_median = core::ExactQuantile(late, 0.5);
  // Extra 500..550 ms at the start plus a ~32 ms full scan; 2400..2500 at the end.
  EXPECT_GT(early_median, 480);
  EXPECT_LT(early_median, 700);
  EXPECT_GT(late_median, 2350);
  EXPECT_LT(late_median, 2700);
  EXPECT_GT(slow_flagged, 0U);
  EXPECT_EQ(slow_flagged, services.slow_queries());
  // One WARN per slow query, in the query's span.
  size_t warnings = 0;
  for (const auto& r : logs_) {
    if (r.event_name != "db.slow_query") continue;
    ++warnings;
    EXPECT_EQ(r.severity_number, 13);
    EXPECT_EQ(r.severity_text, "WARN");
    EXPECT_EQ(slow_ids.count(r.span_id), 1U);
  }
  EXPECT_EQ(warnings, slow_flagged);
}

TEST_F(EcommerceServicesTest, RevenueEqualsTheSumOfSuccessfulOrderTotals) {
  EcommerceParams params = Params(1.0, 50);
  params.error_rate = 0.02;
  params.traffic = OnePhase(60, {{"checkout_failure_rate", 0.2}});
  EcommerceServices services(Env(), params);

  Run(services, 60, 200 * kMillisecond);

  double sum = 0;
  size_t succeeded = 0;
  std::map<std::string, double> failures;
  for (const ExportedSpan* s : Named("POST /checkout")) {
    if (IsTrue(s->span, "checkout.failed")) {
      ++failures[Attr(s->span, "checkout.failure_reason")];
      continue;
    }
    ++succeeded;
    sum += *core::FindAttribute(s->span.attributes, "order.total")->AsDouble();
  }
  ASSERT_GT(succeeded, 0U);
  EXPECT_EQ(succeeded, services.checkouts_succeeded());
  EXPECT_NEAR(services.revenue(), sum, 1e-6 * sum);
  const core::Metric* revenue = Metric("checkout", "checkout_revenue_total");
  ASSERT_NE(revenue, nullptr);
  EXPECT_EQ(revenue->unit, "{USD}");
  const auto& point = std::get<core::Sum>(revenue->data).data_points.at(0);
  EXPECT_NEAR(point.AsDouble(), sum, 1e-6 * sum);
  // Business failures of every kind showed up, and the counter agrees with the spans.
  for (const char* reason : {"PaymentDeclined", "InventoryUnavailable", "Timeout"}) {
    EXPECT_GT(failures[reason], 0) << reason;
  }
  const core::Metric* failures_metric = Metric("checkout", "checkout_failures_total");
  ASSERT_NE(failures_metric, nullptr);
  std::map<std::string, double> metric_failures;
  for (const auto& p : std::get<core::Sum>(failures_metric->data).data_points)
    metric_failures[p.attributes.at(0).value.ToString()] = p.AsDouble();
  EXPECT_EQ(metric_failures, failures);
}

TEST_F(EcommerceServicesTest, LogsCarryTheIdsOfTheSpanTheyWereEmittedIn) {
  EcommerceParams params = Params(0.6, 3);
  params.error_rate = 0.02;
  params.traffic = OnePhase(
      20,
      {{"slow_query_ms_from", 900}, {"slow_query_ms_to", 1500}, {"checkout_failure_rate", 0.2}});
  EcommerceServices services(Env(), params);

  Run(services, 20, 50 * kMillisecond);

  std::map<core::SpanId, const core::Span*> by_id;
  for (const auto& s : spans_) by_id[s.span.span_id] = &s.span;
  std::set<std::string> events;
  ASSERT_FALSE(logs_.empty());
  for (const auto& r : logs_) {
    events.insert(r.event_name);
    const auto it = by_id.find(r.span_id);
    ASSERT_NE(it, by_id.end()) << r.event_name;
    EXPECT_EQ(it->second->trace_id, r.trace_id);
    if (r.event_name == "checkout.failed" || r.event_name == "checkout.order_created") {
      EXPECT_EQ(it->second->name, "POST /checkout");
      EXPECT_EQ(core::FindAttribute(r.attributes, "order.id")->ToString(),
                Attr(*it->second, "order.id"));
    }
  }
  for (const char* e :
       {"db.slow_query", "db.pool_exhausted", "checkout.failed", "checkout.order_created"}) {
    EXPECT_EQ(events.count(e), 1U) << e;
  }
}

TEST_F(EcommerceServicesTest, BrokenPropagationStartsNewTracesAtTheServers) {
  FaultSpec fault;
  fault.kind = FaultSpec::Kind::kBrokenPropagation;
  fault.target = "ecommerce.loadgen";
  fault.probability = 1;
  const FaultSet faults({fault});
  const EcommerceParams params = Params(0.5, 50);
  EcommerceServices services(Env(&faults), params);

  Run(services, 10, kSecond);

  EXPECT_EQ(services.broken_propagation_calls(), services.http_calls());
  std::set<core::TraceId> loadgen_traces;
  for (const auto& s : spans_) {
    if (s.service == "loadgen") loadgen_traces.insert(s.span.trace_id);
  }
  for (const auto& s : spans_) {
    if (s.span.kind != core::SpanKind::kServer) continue;
    EXPECT_TRUE(s.span.is_root());
    EXPECT_EQ(loadgen_traces.count(s.span.trace_id), 0U);
  }
}

TEST_F(EcommerceServicesTest, GroundTruthCountsEverySpan) {
  const EcommerceParams params = Params(0.5, 20);
  EcommerceServices services(Env(), params);

  Run(services, 20, 100 * kMillisecond);

  EXPECT_EQ(truth_.spans_generated(), spans_.size());
  std::map<std::pair<std::string, std::string>, uint64_t> counted;
  for (const auto& s : spans_) ++counted[{s.service, s.span.name.str()}];
  for (const auto& op : truth_.Summarize()) {
    EXPECT_EQ(op.count, (counted[{op.service, op.operation}])) << op.service << " " << op.operation;
  }
}

TEST_F(EcommerceServicesTest, SameSeedSameSpans) {
  const EcommerceParams params = Params(0.5, 4);
  EcommerceServices services(Env(), params);
  Run(services, 5, 20 * kMillisecond);
  const std::vector<ExportedSpan> first = std::move(spans_);

  spans_.clear();
  EventEngine engine;
  GroundTruth truth;
  MetricsRegistry metrics;
  ServiceEnvironment env{engine, truth, metrics};
  env.seed = 11;
  env.start_unix_nano = kStart;
  env.traces = Env().traces;
  EcommerceServices again(env, params);
  again.Start();
  for (SimTime t = 0; t < 5 * kSecond; t += 20 * kMillisecond)
    engine.At(t, [&again] { again.OnJourney(); });
  bool idle = false;
  engine.At(5 * kSecond, [&] { again.StopArrivals([&idle] { idle = true; }); });
  while (!idle && engine.Step()) {
  }
  again.Shutdown();

  ASSERT_EQ(first.size(), spans_.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].span, spans_[i].span);
}

TEST(ConnectionPoolModelTest, WaitersAreServedInOrderAndTimeOut) {
  EventEngine engine;
  ConnectionPoolModel pool(engine, 1, 100);
  std::vector<std::pair<int, std::pair<bool, SimTime>>> grants;
  auto grant_for = [&](int id) {
    return [&grants, id](bool granted, SimTime waited) {
      grants.push_back({id, {granted, waited}});
    };
  };

  pool.Acquire(grant_for(1));  // free: granted at once
  pool.Acquire(grant_for(2));
  pool.Acquire(grant_for(3));
  engine.At(30, [&] { pool.Release(); });  // 2 gets it after 30 ns
  engine.RunUntil(1000);

  ASSERT_EQ(grants.size(), 3U);
  EXPECT_EQ(grants[0], (std::pair<int, std::pair<bool, SimTime>>{1, {true, 0}}));
  EXPECT_EQ(grants[1], (std::pair<int, std::pair<bool, SimTime>>{2, {true, 30}}));
  EXPECT_EQ(grants[2], (std::pair<int, std::pair<bool, SimTime>>{3, {false, 100}}));
  EXPECT_EQ(pool.timeouts(), 1U);
  EXPECT_EQ(pool.in_use(), 1);
  EXPECT_EQ(pool.waiting(), 0);
}

TEST(ConnectionPoolModelTest, GrowingThePoolServesWaiters) {
  EventEngine engine;
  ConnectionPoolModel pool(engine, 1, 100);
  int granted = 0;
  for (int i = 0; i < 3; ++i) pool.Acquire([&granted](bool ok, SimTime) { granted += ok ? 1 : 0; });

  pool.SetSize(3);

  EXPECT_EQ(granted, 3);
  EXPECT_EQ(pool.in_use(), 3);
}

}  // namespace
}  // namespace tflo::workload
