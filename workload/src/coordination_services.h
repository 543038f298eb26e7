// The work-coordination service of the demos (shared seed 004): the
// `coordination-api` HTTP service (namespace `coordination`) through which
// teams claim work items, report progress and complete them.
//
// Each operation is its own trace (the CLI that calls the API starts a new one
// per command), and the three are tied together by W3C Baggage: the claim
// answers with `baggage: work.id=...,work.team=...`, the client sends it back
// on the later calls, and the API copies the baggage entries onto every span
// of those requests (as a BaggageSpanProcessor does); their SERVER spans also
// link to the claim's span (the store keeps its context).
//
// Per operation (span names; kinds):
//   POST /work/claim              SERVER  http.*, url.*, server.*
//     work.claim                  INTERNAL work.type, work.priority, work.team, work.id
//       HSET                      CLIENT  db.system=redis, db.operation, db.statement,
//                                         db.redis.database_index, server.address/port
//   POST /work/{id}/progress      SERVER  (+ baggage work.id, work.team; link to the claim)
//     work.progress               INTERNAL work.id, work.team, work.progress.percent
//       HGETALL, HSET             CLIENT  redis
//   POST /work/{id}/complete      SERVER
//     work.complete               INTERNAL work.id, work.team, work.priority, work.type,
//                                          work.duration_seconds
//       HGETALL, HSET             CLIENT  redis
// The work-item store is Redis (a hash per item, `work:<id>`): the coordination
// state is small, hot and key-addressed, which is what the seed's CLI keeps in
// its store; PostgreSQL is the e-commerce database.
//
// Failures: with probability params.error_rate (or a `coordination.api` fault)
// the handler raises (HTTP 500, status ERROR on the SERVER and INTERNAL spans);
// a `coordination.store` fault fails the Redis call (HTTP 503). Each failure
// logs an ERROR record. A `coordination.api` broken_propagation fault drops the
// client's baggage (the spans then lack work.id / work.team from baggage).
//
// Metrics (meter `coordination-api`): work_items_created_total{team},
// work_items_completed_total{team,priority}, work_item_duration_seconds{team,priority}
// (claim to completion), work_items_in_progress{team} (up-down),
// http.server.request.duration{http.request.method,http.route,http.response.status_code}.
// Logs: INFO on claim and completion, DEBUG on progress, ERROR on failures,
// each in the span of the operation and with work.* attributes.
//
// Arrivals are driven from outside: the simulation's arrival process calls
// OnArrival() at each arrival instant; the simulated client then reports
// progress and completes the item later in virtual time (lifetime by
// priority, log-normal: median 15 s critical, 30 s high, 60 s medium, 120 s
// low — compressed so that a window of minutes sees whole lifecycles). The
// client stops with the arrivals: items still open at StopArrivals stay open
// (work_items_in_progress shows them). Not thread-safe.
#ifndef TFLO_WORKLOAD_SRC_COORDINATION_SERVICES_H_
#define TFLO_WORKLOAD_SRC_COORDINATION_SERVICES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "business_service_util.h"
#include "ground_truth.h"

#include "tflo/core/model.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/metrics_registry.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {

class CoordinationService {
 public:
  static constexpr const char* kServiceName = "coordination-api";
  static constexpr const char* kServiceNamespace = "coordination";

  struct ClaimRequest {
    std::string team;
    std::string work_type;
    std::string priority;
    std::string title;
  };
  struct HttpResponse {
    int status_code = 0;
    core::HttpHeaders headers;  // the claim answers with `baggage`
    std::string body;           // JSON
    std::string work_id;
    core::TraceId trace_id{};  // the trace of the request's spans
    core::SpanId span_id{};    // the SERVER span
    SimTime ends_at = 0;       // when the response leaves the server
  };

  // `params` must outlive the service.
  CoordinationService(ServiceEnvironment env, const CoordinationParams& params);
  CoordinationService(const CoordinationService&) = delete;
  CoordinationService& operator=(const CoordinationService&) = delete;

  // Starts the SDK's timers at engine.now().
  void Start();
  // One arrival of the background traffic at engine.now(): the simulated
  // client claims a new item (team, type, priority from the params) and
  // follows it through progress and completion (a failed completion is
  // retried twice, 5 s and 10 s later).
  void OnArrival();
  // The window is over: the client makes no further calls, and `on_idle` runs
  // once the requests in flight have ended (from an event, also when none is).
  void StopArrivals(std::function<void()> on_idle);
  // Flushes and stops the SDK.
  void Shutdown();

  // The API's handlers, at engine.now(). `headers` are the request's: an
  // incoming traceparent is honoured (else each request starts a trace) and
  // baggage entries are copied onto the spans. The spans reach the SDK at
  // `ends_at`. Unknown work ids answer 404.
  HttpResponse Claim(const core::HttpHeaders& headers, const ClaimRequest& request);
  HttpResponse Progress(std::string_view work_id, const core::HttpHeaders& headers, int percent);
  HttpResponse Complete(std::string_view work_id, const core::HttpHeaders& headers);

  uint64_t claimed() const { return claimed_; }
  uint64_t completed() const { return completed_; }
  uint64_t failed_operations() const { return failed_operations_; }
  uint64_t abandoned() const { return abandoned_; }
  // Progress/complete requests that arrived with / without the claim's baggage.
  uint64_t requests_with_baggage() const { return requests_with_baggage_; }
  uint64_t requests_without_baggage() const { return requests_without_baggage_; }
  size_t open_items() const { return items_.size(); }
  svc::ServiceSdk& sdk() { return *sdk_; }

 private:
  struct WorkItem {
    std::string team;
    std::string work_type;
    std::string priority;
    SimTime claimed_at = 0;
    core::TraceId claim_trace{};
    core::SpanId claim_span{};
    int percent = 0;
  };
  enum class Op { kClaim, kProgress, kComplete };

  HttpResponse Handle(Op op, std::string_view work_id, const core::HttpHeaders& headers,
                      const ClaimRequest* claim, int percent);
  void ClientProgress(const std::string& work_id, const std::string& baggage_header);
  void ClientComplete(const std::string& work_id, const std::string& baggage_header, int attempt);
  core::HttpHeaders ClientHeaders(const std::string& baggage_header);
  void Pending(int delta);
  uint64_t Unix(SimTime t) const { return env_.start_unix_nano + static_cast<uint64_t>(t); }

  ServiceEnvironment env_;
  const CoordinationParams& params_;
  Rng rng_;         // the API's draws
  Rng client_rng_;  // the simulated client's draws
  std::unique_ptr<svc::ServiceSdk> sdk_;
  std::unordered_map<std::string, WorkItem> items_;

  Counter* created_ = nullptr;
  Counter* completed_total_ = nullptr;
  Histogram* duration_ = nullptr;
  UpDownCounter* in_progress_ = nullptr;
  Histogram* http_duration_ = nullptr;

  GroundTruth::OpId op_claim_server_, op_claim_, op_progress_server_, op_progress_;
  GroundTruth::OpId op_complete_server_, op_complete_, op_hset_, op_hgetall_;

  std::function<void()> on_idle_;
  bool arrivals_stopped_ = false;
  bool idle_reported_ = false;
  int64_t pending_ = 0;  // requests whose spans are not yet handed to the SDK
  uint64_t claimed_ = 0;
  uint64_t completed_ = 0;
  uint64_t failed_operations_ = 0;
  uint64_t abandoned_ = 0;
  uint64_t requests_with_baggage_ = 0;
  uint64_t requests_without_baggage_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_COORDINATION_SERVICES_H_
