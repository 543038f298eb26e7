#include "coordination_services.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace tflo::workload {
namespace {

constexpr const char* kServiceVersion = "1.4.2";
constexpr const char* kServerAddress = "coordination-api";
constexpr int kServerPort = 8080;
constexpr const char* kRedisHost = "redis";
constexpr int kRedisPort = 6379;
constexpr const char* kUserAgent = "coordination-cli/1.0 python-requests/2.31.0";

// Streams of Rng::ForStream for this service ("COOR" + n): far from the
// onboarding services' 1..3 and the simulation's own streams.
constexpr uint64_t kStreamBase = 0x434F4F5200000000ULL;

// A work item's life from claim to completion: median by priority (seconds),
// compressed so that a window of minutes sees items through their whole life.
double LifetimeMedianSeconds(const std::string& priority) {
  if (priority == "critical") return 15;
  if (priority == "high") return 30;
  if (priority == "medium") return 60;
  return 120;
}

constexpr double kLifetimeSigma = 0.5;
constexpr double kLifetimeCap = 3;  // x median
constexpr int kCompleteAttempts = 3;
constexpr SimTime kRetryBackoff = 5 * kSecond;

std::vector<double> WorkDurationBounds() { return {30, 60, 120, 300, 600, 900, 1800, 3600, 7200}; }

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// The block build(name): for one of `names`, built once on first use and never
// freed (no reference count to bounce between threads); for any other name, a
// new counted block. One table per instantiation, and each caller passes its
// own lambda type, so each caller has its own table (for its one `names`).
template <size_t N, typename Build>
core::SharedAttributeBlock ConstantBlock(const std::array<const char*, N>& names,
                                         const Build& build, std::string_view name) {
  static const std::array<core::SharedAttributeBlock, N> kBlocks = [&] {
    std::array<core::SharedAttributeBlock, N> blocks;
    for (size_t i = 0; i < N; ++i) blocks[i] = core::MakeStaticAttributeBlock(build(names[i]));
    return blocks;
  }();
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return kBlocks[i];
  }
  return core::MakeSharedAttributeBlock(build(name));
}

// The constant attributes of a Redis CLIENT span for `command` (HSET or
// HGETALL) and of the API's SERVER span for `route`: built once, shared by
// every span (immutable, so the tables are safe to read from any thread).
core::SharedAttributeBlock RedisConstants(std::string_view command) {
  static constexpr std::array<const char*, 2> kCommands = {"HSET", "HGETALL"};
  const auto build = [](std::string_view c) {
    return std::vector<core::KeyValue>{{"db.system", "redis"},
                                       {"db.operation", std::string(c)},
                                       {"db.redis.database_index", 0},
                                       {"server.address", kRedisHost},
                                       {"server.port", kRedisPort},
                                       {"network.peer.port", kRedisPort}};
  };
  return ConstantBlock(kCommands, build, command);
}

core::SharedAttributeBlock ServerConstants(std::string_view route) {
  static constexpr std::array<const char*, 3> kRoutes = {"/work/claim", "/work/{id}/progress",
                                                         "/work/{id}/complete"};
  const auto build = [](std::string_view r) {
    return std::vector<core::KeyValue>{{"http.request.method", "POST"},
                                       {"url.scheme", "http"},
                                       {"http.route", std::string(r)},
                                       {"server.address", kServerAddress},
                                       {"server.port", kServerPort},
                                       {"network.protocol.version", "1.1"},
                                       {"user_agent.original", kUserAgent}};
  };
  return ConstantBlock(kRoutes, build, route);
}

}  // namespace

CoordinationService::CoordinationService(ServiceEnvironment env, const CoordinationParams& params)
    : env_(std::move(env)),
      params_(params),
      rng_(Rng::ForStream(env_.seed, kStreamBase + 1)),
      client_rng_(Rng::ForStream(env_.seed, kStreamBase + 2)) {
  Rng resource_rng = Rng::ForStream(env_.seed, kStreamBase + 3);
  sdk_ = std::make_unique<svc::ServiceSdk>(
      env_,
      svc::KubernetesServiceResource(kServiceName, kServiceNamespace, kServiceVersion,
                                     "coordination", resource_rng),
      kServiceName, kServiceVersion);
  Meter& meter = sdk_->meter();
  created_ = &meter.CreateCounter("work_items_created_total", "{work_item}",
                                  "Work items claimed, by team");
  completed_total_ = &meter.CreateCounter("work_items_completed_total", "{work_item}",
                                          "Work items completed, by team and priority");
  duration_ =
      &meter.CreateHistogram("work_item_duration_seconds", "s",
                             "Time from claim to completion of a work item", WorkDurationBounds());
  in_progress_ = &meter.CreateUpDownCounter("work_items_in_progress", "{work_item}",
                                            "Work items claimed and not yet completed");
  http_duration_ =
      &meter.CreateHistogram("http.server.request.duration", "s",
                             "Duration of HTTP server requests", HttpDurationSecondsBounds());

  GroundTruth& truth = env_.truth;
  op_claim_server_ = truth.Register(kServiceName, "POST /work/claim");
  op_claim_ = truth.Register(kServiceName, "work.claim");
  op_progress_server_ = truth.Register(kServiceName, "POST /work/{id}/progress");
  op_progress_ = truth.Register(kServiceName, "work.progress");
  op_complete_server_ = truth.Register(kServiceName, "POST /work/{id}/complete");
  op_complete_ = truth.Register(kServiceName, "work.complete");
  op_hset_ = truth.Register(kServiceName, "HSET");
  op_hgetall_ = truth.Register(kServiceName, "HGETALL");
}

void CoordinationService::Start() { sdk_->Start(); }

void CoordinationService::Shutdown() { sdk_->Shutdown(); }

void CoordinationService::StopArrivals(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  arrivals_stopped_ = true;
  Pending(+1);
  env_.engine.At(env_.engine.now(), [this] { Pending(-1); });
}

void CoordinationService::Pending(int delta) {
  pending_ += delta;
  if (arrivals_stopped_ && pending_ == 0 && !idle_reported_) {
    idle_reported_ = true;
    if (on_idle_) on_idle_();
  }
}

CoordinationService::HttpResponse CoordinationService::Claim(const core::HttpHeaders& headers,
                                                             const ClaimRequest& request) {
  return Handle(Op::kClaim, {}, headers, &request, 0);
}

CoordinationService::HttpResponse CoordinationService::Progress(std::string_view work_id,
                                                                const core::HttpHeaders& headers,
                                                                int percent) {
  return Handle(Op::kProgress, work_id, headers, nullptr, percent);
}

CoordinationService::HttpResponse CoordinationService::Complete(std::string_view work_id,
                                                                const core::HttpHeaders& headers) {
  return Handle(Op::kComplete, work_id, headers, nullptr, 0);
}

CoordinationService::HttpResponse CoordinationService::Handle(Op op, std::string_view work_id_in,
                                                              const core::HttpHeaders& headers,
                                                              const ClaimRequest* claim,
                                                              int percent) {
  Rng& rng = rng_;
  const SimTime t0 = env_.engine.now();

  // Context: an incoming traceparent continues its trace, otherwise the
  // request starts one; baggage entries become span attributes.
  const core::PropagationContext incoming = core::ExtractHttp(headers);
  core::TraceId trace_id{};
  core::SpanId parent_id{};
  uint32_t server_flags = svc::kFlagsLocalParent;
  if (incoming.traceparent) {
    trace_id = incoming.traceparent->trace_id;
    parent_id = incoming.traceparent->parent_id;
    server_flags = svc::kFlagsRemoteParent;
  } else {
    trace_id = rng.NewTraceId();
  }
  const core::SpanId server_id = rng.NewSpanId();
  const core::SpanId internal_id = rng.NewSpanId();
  core::Attributes baggage_attributes;
  for (const core::BaggageMember& member : incoming.baggage.members()) {
    baggage_attributes.push_back({member.key, member.value});
  }
  if (op != Op::kClaim) {
    if (incoming.baggage.Get("work.id")) {
      ++requests_with_baggage_;
    } else {
      ++requests_without_baggage_;
    }
  }

  const svc::StepFaults api =
      svc::FaultsFor(env_.faults, "coordination.api", t0, params_.error_rate);
  const svc::StepFaults store = svc::FaultsFor(env_.faults, "coordination.store", t0, 0);

  std::string work_id(work_id_in);
  WorkItem* item = nullptr;
  WorkItem claimed_item;
  if (op == Op::kClaim) {
    work_id = "WI-" + svc::HexWord(rng.Next(), 10);
    claimed_item.team = claim->team;
    claimed_item.work_type = claim->work_type;
    claimed_item.priority = claim->priority;
    claimed_item.claimed_at = t0;
    claimed_item.claim_trace = trace_id;
    claimed_item.claim_span = internal_id;
  }

  const char* route = op == Op::kClaim      ? "/work/claim"
                      : op == Op::kProgress ? "/work/{id}/progress"
                                            : "/work/{id}/complete";
  const char* internal_name = op == Op::kClaim      ? "work.claim"
                              : op == Op::kProgress ? "work.progress"
                                                    : "work.complete";
  const std::string path =
      op == Op::kClaim ? std::string(route)
                       : "/work/" + work_id + (op == Op::kProgress ? "/progress" : "/complete");

  std::vector<core::Span> spans;
  spans.reserve(5);
  SimTime t = t0 + api.Apply(svc::Draw(rng, 0.3, 0.3));  // routing, auth, body parsing
  const SimTime internal_start = t;
  int status_code = op == Op::kClaim ? 201 : 200;
  bool failed = false;
  std::string error_type;
  std::string error_message;

  // A Redis call inside work.*: latency with the store's faults applied; an
  // outage or an injected error fails it.
  auto redis = [&](const char* command, std::string statement, double median_ms,
                   GroundTruth::OpId truth_op) {
    SimTime duration = store.Apply(svc::Draw(rng, median_ms, 0.3));
    const bool error = store.outage || rng.Bernoulli(store.error_probability);
    if (store.outage) duration = std::max<SimTime>(1, store.Apply(svc::Ms(0.2)));
    core::Span span =
        svc::MakeSpan(trace_id, rng.NewSpanId(), internal_id, command, core::SpanKind::kClient,
                      Unix(t), Unix(t + duration), svc::kFlagsLocalParent);
    // The constants first, shared; then the baggage and the statement.
    span.attributes = core::Attributes(RedisConstants(command));
    span.attributes.reserve(span.attributes.size() + baggage_attributes.size() + 2);
    span.attributes.insert(span.attributes.end(), baggage_attributes.begin(),
                           baggage_attributes.end());
    span.attributes.emplace_back("db.statement", std::move(statement));
    if (error) {
      svc::SetError(span, "redis.exceptions.ConnectionError",
                    "Error 111 connecting to redis:6379. Connection refused.", Unix(t + duration));
      span.attributes.push_back({"error.type", "redis.exceptions.ConnectionError"});
    }
    env_.truth.RecordSpan(truth_op, duration, error);
    spans.push_back(std::move(span));
    t += duration;
    return !error;
  };

  // Handler logic before the store: validation (claim) or bookkeeping.
  t += api.Apply(svc::Draw(rng, op == Op::kClaim ? 2.5 : 1.2, 0.35));
  if (rng.Bernoulli(api.error_probability)) {
    failed = true;
    status_code = 500;
    error_type = "WorkflowError";
    error_message = std::string(internal_name) + ": workflow engine rejected the transition";
  }
  if (!failed) {
    if (op == Op::kClaim) {
      if (!redis("HSET",
                 "HSET work:" + work_id + " team ? type ? priority ? status claimed claimed_at ?",
                 0.8, op_hset_)) {
        failed = true;
      }
    } else {
      if (!redis("HGETALL", "HGETALL work:" + work_id, 0.6, op_hgetall_)) {
        failed = true;
      } else {
        auto it = items_.find(work_id);
        if (it == items_.end()) {
          status_code = 404;
        } else {
          item = &it->second;
          const std::string statement =
              op == Op::kProgress ? "HSET work:" + work_id + " progress ? updated_at ?"
                                  : "HSET work:" + work_id + " status completed completed_at ?";
          if (!redis("HSET", statement, 0.8, op_hset_)) failed = true;
        }
      }
    }
    if (failed) {
      status_code = 503;
      error_type = "redis.exceptions.ConnectionError";
      error_message = "Error 111 connecting to redis:6379. Connection refused.";
    }
  }
  const SimTime internal_end = t + svc::Draw(rng, 0.2, 0.3);
  const SimTime server_end = internal_end + svc::Draw(rng, 0.3, 0.3);

  // The item as this request sees it (claim: the new one).
  const WorkItem* view = op == Op::kClaim ? &claimed_item : item;
  core::Span internal =
      svc::MakeSpan(trace_id, internal_id, server_id, internal_name, core::SpanKind::kInternal,
                    Unix(internal_start), Unix(internal_end), svc::kFlagsLocalParent);
  internal.attributes = baggage_attributes;
  core::SetAttribute(internal.attributes, "work.id", work_id);
  if (view != nullptr) {
    core::SetAttribute(internal.attributes, "work.team", view->team);
    if (op != Op::kProgress) {
      core::SetAttribute(internal.attributes, "work.type", view->work_type);
      core::SetAttribute(internal.attributes, "work.priority", view->priority);
    }
  }
  if (op == Op::kProgress) internal.attributes.push_back({"work.progress.percent", percent});
  double lifetime_seconds = 0;
  if (op == Op::kComplete && item != nullptr && !failed) {
    lifetime_seconds = static_cast<double>(server_end - item->claimed_at) / 1e9;
    internal.attributes.push_back({"work.duration_seconds", lifetime_seconds});
  }
  if (failed) {
    svc::SetError(internal, error_type, error_message, Unix(internal_end));
    internal.attributes.push_back({"error.type", error_type});
  }
  env_.truth.RecordSpan(op == Op::kClaim      ? op_claim_
                        : op == Op::kProgress ? op_progress_
                                              : op_complete_,
                        internal_end - internal_start, failed);

  core::Span server =
      svc::MakeSpan(trace_id, server_id, parent_id, std::string("POST ") + route,
                    core::SpanKind::kServer, Unix(t0), Unix(server_end), server_flags);
  server.attributes = core::Attributes(ServerConstants(route));
  server.attributes.reserve(server.attributes.size() + baggage_attributes.size() + 3);
  server.attributes.insert(server.attributes.end(), baggage_attributes.begin(),
                           baggage_attributes.end());
  server.attributes.emplace_back("url.path", path);
  server.attributes.emplace_back("http.response.status_code", status_code);
  if (item != nullptr) {
    // The claim's span, kept in the work item: the operations of one item are
    // separate traces, linked.
    core::SpanLink link;
    link.trace_id = item->claim_trace;
    link.span_id = item->claim_span;
    link.flags = svc::kFlagsRemoteParent;
    link.attributes = {{"work.link", "claim"}};
    server.links.push_back(std::move(link));
  }
  // 5xx is an error on a SERVER span, 4xx is not (HTTP semantic conventions).
  if (status_code >= 500) {
    server.status.code = core::StatusCode::kError;
    server.status.message = error_message;
    server.attributes.push_back({"error.type", std::to_string(status_code)});
  }
  env_.truth.RecordSpan(op == Op::kClaim      ? op_claim_server_
                        : op == Op::kProgress ? op_progress_server_
                                              : op_complete_server_,
                        server_end - t0, status_code >= 500);
  const LogContext log_context = LogContext::Of(internal);

  // Business state, metrics and logs.
  HttpResponse response;
  response.status_code = status_code;
  response.work_id = work_id;
  response.trace_id = trace_id;
  response.span_id = server_id;
  response.ends_at = server_end;
  core::Attributes log_attributes = {{"work.id", work_id}};
  if (view != nullptr) {
    log_attributes.push_back({"work.team", view->team});
    log_attributes.push_back({"work.type", view->work_type});
    log_attributes.push_back({"work.priority", view->priority});
  }
  LogEmitter& logs = sdk_->logs();
  if (failed) {
    ++failed_operations_;
    log_attributes.push_back({"error.type", error_type});
    log_attributes.push_back({"http.route", route});
    logs.Emit(Unix(internal_end), Severity::kError,
              std::string(internal_name) + " failed: " + error_message, log_context,
              std::move(log_attributes), "work.failed");
    response.body = "{\"error\":" + JsonString(error_message) + "}";
  } else if (status_code == 404) {
    logs.Emit(Unix(internal_end), Severity::kWarn, "work item " + work_id + " not found",
              log_context, std::move(log_attributes), "work.not_found");
    response.body = "{\"error\":\"work item not found\"}";
  } else if (op == Op::kClaim) {
    ++claimed_;
    created_->Add(1, {{"team", claimed_item.team}});
    in_progress_->Add(1, {{"team", claimed_item.team}});
    logs.Emit(Unix(internal_end), Severity::kInfo,
              "work item " + work_id + " claimed by team " + claimed_item.team, log_context,
              std::move(log_attributes), "work.claimed");
    core::PropagationContext out;
    out.baggage.Set("work.id", work_id);
    out.baggage.Set("work.team", claimed_item.team);
    core::InjectHttp(out, response.headers);
    response.body =
        "{\"work_id\":" + JsonString(work_id) + ",\"team\":" + JsonString(claimed_item.team) +
        ",\"priority\":" + JsonString(claimed_item.priority) + ",\"status\":\"claimed\"}";
    items_.emplace(work_id, std::move(claimed_item));
  } else if (op == Op::kProgress) {
    item->percent = percent;
    logs.Emit(Unix(internal_end), Severity::kDebug,
              "work item " + work_id + " at " + std::to_string(percent) + "%", log_context,
              std::move(log_attributes), "work.progressed");
    response.body =
        "{\"work_id\":" + JsonString(work_id) + ",\"progress\":" + std::to_string(percent) + "}";
  } else {
    ++completed_;
    const core::Attributes labels = {{"priority", item->priority}, {"team", item->team}};
    completed_total_->Add(1, labels);
    duration_->Record(lifetime_seconds, labels);
    in_progress_->Add(-1, {{"team", item->team}});
    log_attributes.push_back({"work.duration_seconds", lifetime_seconds});
    logs.Emit(Unix(internal_end), Severity::kInfo,
              "work item " + work_id + " completed by team " + item->team, log_context,
              std::move(log_attributes), "work.completed");
    response.body = "{\"work_id\":" + JsonString(work_id) + ",\"status\":\"completed\"}";
    items_.erase(work_id);
    item = nullptr;
  }
  http_duration_->Record(static_cast<double>(server_end - t0) / 1e9,
                         {{"http.request.method", "POST"},
                          {"http.response.status_code", status_code},
                          {"http.route", route}});

  // The SDK sees the spans when the request ends (children end a little
  // earlier; only the BatchSpanProcessor boundary can differ).
  spans.push_back(std::move(internal));
  spans.push_back(std::move(server));
  Pending(+1);
  env_.engine.At(server_end, [this, spans = std::move(spans)]() mutable {
    for (auto& span : spans) sdk_->End(std::move(span));
    Pending(-1);
  });
  return response;
}

core::HttpHeaders CoordinationService::ClientHeaders(const std::string& baggage_header) {
  core::HttpHeaders headers;
  const svc::StepFaults hop = svc::FaultsFor(env_.faults, "coordination.api", env_.engine.now(), 0);
  // A broken hop (a proxy that strips headers, an uninstrumented client)
  // loses the baggage.
  if (hop.broken_propagation > 0 && client_rng_.Bernoulli(hop.broken_propagation)) return headers;
  core::PropagationContext context;
  context.baggage = core::Baggage::Parse(baggage_header);
  core::InjectHttp(context, headers);
  return headers;
}

void CoordinationService::OnArrival() {
  Rng& rng = client_rng_;
  ClaimRequest request;
  request.team = svc::ChooseOne(rng, params_.teams);
  request.work_type = svc::ChooseOne(rng, params_.work_types);
  request.priority = svc::Choose(rng, params_.priority_mix);
  request.title = request.work_type + " " + svc::HexWord(rng.Next(), 6);
  const HttpResponse response = Claim({}, request);
  if (response.status_code != 201) return;  // the CLI reports the error; nothing to follow

  std::string baggage_header;
  for (const auto& [name, value] : response.headers) {
    if (name == "baggage") baggage_header = value;
  }
  const double median_ms = LifetimeMedianSeconds(request.priority) * 1e3;
  const SimTime lifetime =
      std::min(svc::Draw(rng, median_ms, kLifetimeSigma), svc::Ms(median_ms * kLifetimeCap));
  const SimTime progress_at =
      response.ends_at + std::llround(static_cast<double>(lifetime) * rng.Uniform(0.3, 0.6));
  const SimTime complete_at = response.ends_at + lifetime;
  const std::string work_id = response.work_id;
  // The client's later calls happen only while the window lasts: after
  // StopArrivals the items still open stay open, as in any observation window.
  env_.engine.At(progress_at, [this, work_id, baggage_header] {
    if (!arrivals_stopped_) ClientProgress(work_id, baggage_header);
  });
  env_.engine.At(complete_at, [this, work_id, baggage_header] {
    if (!arrivals_stopped_) ClientComplete(work_id, baggage_header, 1);
  });
}

void CoordinationService::ClientProgress(const std::string& work_id,
                                         const std::string& baggage_header) {
  const int percent = 30 + static_cast<int>(client_rng_.UniformInt(41));
  (void)Progress(work_id, ClientHeaders(baggage_header), percent);
}

void CoordinationService::ClientComplete(const std::string& work_id,
                                         const std::string& baggage_header, int attempt) {
  const HttpResponse response = Complete(work_id, ClientHeaders(baggage_header));
  if (response.status_code < 500) return;
  if (attempt >= kCompleteAttempts) {
    ++abandoned_;  // the item stays open in the store
    return;
  }
  env_.engine.At(env_.engine.now() + kRetryBackoff * attempt,
                 [this, work_id, baggage_header, attempt] {
                   if (!arrivals_stopped_) ClientComplete(work_id, baggage_header, attempt + 1);
                 });
}

}  // namespace tflo::workload
