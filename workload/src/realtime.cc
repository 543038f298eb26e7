#include "tflo/workload/realtime.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "business_services_host.h"
#include "coordination_services.h"
#include "onboarding_services.h"
#include "realtime_metrics.h"
#include "simulation_hooks.h"
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "tflo/core/trace_context.h"
#include "tflo/workload/paced_event_loop.h"

namespace tflo::workload {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kJson[] = "application/json";
constexpr size_t kMaxIdLength = 64;

// One HTTP request handed to the simulation's thread; the handler thread
// waits until `done`. Guarded by RealtimeRun::mu_.
struct Exchange {
  bool done = false;
  int status = 0;
  std::string body;
  core::HttpHeaders headers;
};

// The outcome of reading a request before it reaches the simulation.
struct BadRequest {
  int status = 400;
  std::string error;
};

Json ErrorJson(const std::string& message) { return Json{{"error", message}}; }

void SetJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", kJson);
}

// A JSON object from the request body (an empty body is an empty object).
std::optional<Json> ParseBody(const std::string& body, BadRequest* bad) {
  if (std::all_of(body.begin(), body.end(), [](unsigned char c) { return std::isspace(c); })) {
    return Json::object();
  }
  try {
    Json doc = Json::parse(body);
    if (!doc.is_object()) {
      bad->error = "the request body must be a JSON object";
      return std::nullopt;
    }
    return doc;
  } catch (const Json::exception& e) {
    bad->error = std::string("malformed JSON body: ") + e.what();
    return std::nullopt;
  }
}

// An optional string field; false (with `bad` set) when present but not a string.
bool OptionalString(const Json& doc, const char* key, std::string* out, BadRequest* bad) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return true;
  if (!it->is_string()) {
    bad->error = std::string("\"") + key + "\" must be a string";
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

// Ids in paths and bodies: 1..64 characters of [A-Za-z0-9._-].
bool ValidId(const std::string& id) {
  return !id.empty() && id.size() <= kMaxIdLength &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) {
           return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
         });
}

// What a form validator would accept: one '@' with text before it and a dot
// in the domain.
bool PlausibleEmail(const std::string& email) {
  const size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return false;
  }
  const size_t dot = email.find('.', at + 2);
  return dot != std::string::npos && dot + 1 < email.size();
}

// A service's JSON answer as a value (kept as a string should it not parse).
Json BodyJson(const std::string& body) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Json{{"body", body}};
  return doc;
}

core::HttpHeaders RequestHeaders(const httplib::Request& req) {
  core::HttpHeaders headers;
  for (const auto& [name, value] : req.headers) headers.emplace(name, value);
  return headers;
}

// The response headers naming the request's trace: `traceresponse` (W3C Trace
// Context Level 2) and `X-Trace-Id`.
void AddTraceHeaders(const core::TraceId& trace_id, const core::SpanId& span_id,
                     core::HttpHeaders& headers) {
  headers.emplace("traceresponse",
                  core::FormatTraceParent({trace_id, span_id, core::kTraceFlagSampled}));
  headers.emplace("X-Trace-Id", core::ToHex(trace_id));
}

class RealtimeRun {
 public:
  RealtimeRun(SimulationOptions& options, const RealtimeOptions& realtime)
      : options_(options), realtime_(realtime) {}
  RealtimeRun(const RealtimeRun&) = delete;
  RealtimeRun& operator=(const RealtimeRun&) = delete;
  ~RealtimeRun() { StopServer(); }

  Result<SimulationSummary> Run();

 private:
  using Work = std::function<void(const std::shared_ptr<Exchange>&)>;

  Status Bind();
  void StartServing();
  void StopServer();
  void RegisterRoutes();
  void RunEngine(EventEngine& engine);

  // Handler thread: runs `work` on the simulation's thread, which answers
  // through Answer/AnswerAt; waits for the answer and writes it to `res`.
  void Dispatch(httplib::Response& res, Work work);
  // Simulation thread: the exchange is answered now / when the engine reaches
  // `at` (the simulated response leaves the server).
  void Answer(const std::shared_ptr<Exchange>& exchange, int status, const Json& body,
              core::HttpHeaders headers = {});
  void AnswerAt(SimTime at, const std::shared_ptr<Exchange>& exchange, int status, Json body,
                core::HttpHeaders headers);

  void PostOnboard(const httplib::Request& req, httplib::Response& res);
  void GetHealth(const httplib::Request& req, httplib::Response& res);
  void GetCustomer(const httplib::Request& req, httplib::Response& res);
  void PostClaim(const httplib::Request& req, httplib::Response& res);
  void PostWork(const httplib::Request& req, httplib::Response& res, bool complete);
  void GetMetrics(httplib::Response& res);
  // 503 when the scenario does not run the service; true if it was written.
  bool RefuseDisabled(bool enabled, const char* route, const char* service,
                      httplib::Response& res) const;

  SimulationOptions& options_;
  const RealtimeOptions& realtime_;
  PacedEventLoop::Clock::time_point epoch_;

  httplib::Server server_;
  std::thread server_thread_;
  int port_ = -1;

  // Created on the simulation's thread before the server serves; used by the
  // handler threads only through Post.
  std::unique_ptr<PacedEventLoop> loop_;
  // Simulation thread only.
  EventEngine* engine_ = nullptr;
  OnboardingServices* onboarding_ = nullptr;
  BusinessServicesHost* host_ = nullptr;

  LatestMetrics metrics_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;  // guarded by mu_: the simulation answers no more
};

Status RealtimeRun::Bind() {
  const std::string where = realtime_.host + ":" + std::to_string(realtime_.port);
  // SO_REUSEADDR only (httplib's default adds SO_REUSEPORT, which would let a
  // second server share a port that is in use).
  server_.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (realtime_.port == 0) {
    port_ = server_.bind_to_any_port(realtime_.host);
  } else {
    port_ = server_.bind_to_port(realtime_.host, realtime_.port) ? realtime_.port : -1;
  }
  if (port_ <= 0) {
    return UnavailableError("real-time mode: cannot listen on " + where +
                            " (address in use or not available)");
  }
  return OkStatus();
}

void RealtimeRun::StartServing() {
  server_thread_ = std::thread([this] {
    if (!server_.listen_after_bind()) spdlog::error("real-time server: listen loop failed");
  });
  // stop() does nothing until the accept loop runs: wait for it, so that a
  // quick end of the run cannot leave the thread listening.
  for (int i = 0; i < 10000 && !server_.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void RealtimeRun::StopServer() {
  {
    std::lock_guard lock(mu_);
    finished_ = true;
  }
  cv_.notify_all();
  // A run that failed before serving still holds the bound socket, which
  // only the accept loop's stop() closes.
  if (!server_thread_.joinable() && port_ > 0) StartServing();
  if (server_thread_.joinable()) {
    server_.stop();
    server_thread_.join();
  }
  port_ = -1;
}

bool RealtimeRun::RefuseDisabled(bool enabled, const char* route, const char* service,
                                 httplib::Response& res) const {
  if (enabled) return false;
  SetJson(
      res, 503,
      ErrorJson(std::string(route) + ": this scenario does not run the " + service + " service"));
  return true;
}

void RealtimeRun::Dispatch(httplib::Response& res, Work work) {
  auto exchange = std::make_shared<Exchange>();
  const bool posted =
      loop_ != nullptr && loop_->Post([work = std::move(work), exchange] { work(exchange); });
  if (!posted) {
    SetJson(res, 503, ErrorJson("the run is over: no new requests are taken"));
    return;
  }
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, realtime_.request_timeout, [&] { return exchange->done || finished_; });
  if (!exchange->done) {
    SetJson(res, finished_ ? 503 : 504,
            ErrorJson(finished_ ? "the run ended before the request was answered"
                                : "the simulation did not answer in time"));
    return;
  }
  res.status = exchange->status;
  for (const auto& [name, value] : exchange->headers) res.set_header(name, value);
  res.set_content(exchange->body, kJson);
}

void RealtimeRun::Answer(const std::shared_ptr<Exchange>& exchange, int status, const Json& body,
                         core::HttpHeaders headers) {
  {
    std::lock_guard lock(mu_);
    exchange->status = status;
    exchange->body = body.dump() + "\n";
    exchange->headers = std::move(headers);
    exchange->done = true;
  }
  cv_.notify_all();
}

void RealtimeRun::AnswerAt(SimTime at, const std::shared_ptr<Exchange>& exchange, int status,
                           Json body, core::HttpHeaders headers) {
  engine_->At(
      at, [this, exchange, status, body = std::move(body), headers = std::move(headers)]() mutable {
        Answer(exchange, status, body, std::move(headers));
      });
}

void RealtimeRun::PostOnboard(const httplib::Request& req, httplib::Response& res) {
  if (RefuseDisabled(options_.onboarding.enabled, "POST /onboard", "onboarding", res)) return;
  BadRequest bad;
  const std::optional<Json> doc = ParseBody(req.body, &bad);
  OnboardingServices::ExternalRequest request;
  std::string email;
  std::string legacy_type;
  if (!doc || !OptionalString(*doc, "customer_type", &request.customer_type, &bad) ||
      !OptionalString(*doc, "type", &legacy_type, &bad) ||
      !OptionalString(*doc, "customer_id", &request.customer_id, &bad) ||
      !OptionalString(*doc, "email", &email, &bad)) {
    SetJson(res, bad.status, ErrorJson(bad.error));
    return;
  }
  // "type" is the field name of the seed's first API version.
  if (request.customer_type.empty()) request.customer_type = legacy_type;
  if (request.customer_type.empty()) request.customer_type = "standard";
  if (request.customer_type != "standard" && request.customer_type != "premium" &&
      request.customer_type != "enterprise") {
    SetJson(res, 400,
            ErrorJson("customer_type must be one of standard, premium, enterprise (got \"" +
                      request.customer_type + "\")"));
    return;
  }
  if (!request.customer_id.empty() && !ValidId(request.customer_id)) {
    SetJson(res, 400, ErrorJson("customer_id must be 1-64 characters of [A-Za-z0-9._-]"));
    return;
  }
  // An implausible e-mail is the API's own validation failure: it answers 400
  // inside a trace, as the simulated API does.
  if (doc->contains("email") && !PlausibleEmail(email)) {
    request.validation_error = "email address is not valid";
  }
  request.context = core::ExtractHttp(RequestHeaders(req));
  Dispatch(res, [this, request](const std::shared_ptr<Exchange>& exchange) {
    if (onboarding_ == nullptr || !onboarding_->AcceptsExternal()) {
      Answer(exchange, 503, ErrorJson("the onboarding service is not taking requests"));
      return;
    }
    const OnboardingServices::ExternalResponse r = onboarding_->HandleOnboard(request);
    Json body;
    if (r.status_code == 202) {
      body = Json{{"status", "accepted"},
                  {"customer_id", r.customer_id},
                  {"customer_type", request.customer_type},
                  {"trace_id", core::ToHex(r.trace_id)},
                  {"message", "Customer onboarding initiated"}};
    } else {
      body = Json{{"error", r.error},
                  {"customer_id", r.customer_id},
                  {"trace_id", core::ToHex(r.trace_id)}};
    }
    core::HttpHeaders headers;
    AddTraceHeaders(r.trace_id, r.span_id, headers);
    AnswerAt(r.ends_at, exchange, r.status_code, std::move(body), std::move(headers));
  });
}

void RealtimeRun::GetHealth(const httplib::Request& req, httplib::Response& res) {
  if (!options_.onboarding.enabled) {
    // No simulated service owns /health here: the server itself answers.
    Json services = Json::array();
    if (options_.coordination.enabled) services.push_back("coordination");
    if (options_.ecommerce.enabled) services.push_back("ecommerce");
    SetJson(res, 200, Json{{"status", "healthy"}, {"services", std::move(services)}});
    return;
  }
  OnboardingServices::ExternalRequest request;
  request.context = core::ExtractHttp(RequestHeaders(req));
  request.user_agent = req.get_header_value("User-Agent");
  Dispatch(res, [this, request](const std::shared_ptr<Exchange>& exchange) {
    if (onboarding_ == nullptr || !onboarding_->AcceptsExternal()) {
      Answer(exchange, 503, ErrorJson("the onboarding service is not taking requests"));
      return;
    }
    const OnboardingServices::ExternalResponse r = onboarding_->HandleHealth(request);
    core::HttpHeaders headers;
    AddTraceHeaders(r.trace_id, r.span_id, headers);
    AnswerAt(r.ends_at, exchange, r.status_code,
             Json{{"status", "healthy"}, {"service", "onboarding-api"}}, std::move(headers));
  });
}

void RealtimeRun::GetCustomer(const httplib::Request& req, httplib::Response& res) {
  if (RefuseDisabled(options_.onboarding.enabled, "GET /customers/{id}", "onboarding", res)) {
    return;
  }
  OnboardingServices::ExternalRequest request;
  request.customer_id = req.matches[1].str();
  if (!ValidId(request.customer_id)) {
    SetJson(res, 400, ErrorJson("the customer id must be 1-64 characters of [A-Za-z0-9._-]"));
    return;
  }
  request.context = core::ExtractHttp(RequestHeaders(req));
  Dispatch(res, [this, request](const std::shared_ptr<Exchange>& exchange) {
    if (onboarding_ == nullptr || !onboarding_->AcceptsExternal()) {
      Answer(exchange, 503, ErrorJson("the onboarding service is not taking requests"));
      return;
    }
    const OnboardingServices::ExternalResponse r = onboarding_->HandleCustomerLookup(request);
    Json body = r.status_code == 200 ? Json{{"customer_id", r.customer_id}, {"status", "onboarded"}}
                                     : ErrorJson(r.error);
    core::HttpHeaders headers;
    AddTraceHeaders(r.trace_id, r.span_id, headers);
    AnswerAt(r.ends_at, exchange, r.status_code, std::move(body), std::move(headers));
  });
}

void RealtimeRun::PostClaim(const httplib::Request& req, httplib::Response& res) {
  if (RefuseDisabled(options_.coordination.enabled, "POST /work/claim", "coordination", res)) {
    return;
  }
  BadRequest bad;
  const std::optional<Json> doc = ParseBody(req.body, &bad);
  CoordinationService::ClaimRequest claim;
  if (!doc || !OptionalString(*doc, "team", &claim.team, &bad) ||
      !OptionalString(*doc, "work_type", &claim.work_type, &bad) ||
      !OptionalString(*doc, "priority", &claim.priority, &bad) ||
      !OptionalString(*doc, "title", &claim.title, &bad)) {
    SetJson(res, bad.status, ErrorJson(bad.error));
    return;
  }
  const CoordinationParams& params = options_.coordination;
  if (claim.team.empty()) claim.team = params.teams.empty() ? "platform" : params.teams.front();
  if (claim.work_type.empty()) {
    claim.work_type = params.work_types.empty() ? "feature" : params.work_types.front();
  }
  if (claim.priority.empty()) claim.priority = "medium";
  if (claim.priority != "low" && claim.priority != "medium" && claim.priority != "high" &&
      claim.priority != "critical") {
    SetJson(res, 400,
            ErrorJson("priority must be one of low, medium, high, critical (got \"" +
                      claim.priority + "\")"));
    return;
  }
  const core::HttpHeaders headers = RequestHeaders(req);
  Dispatch(res, [this, claim, headers](const std::shared_ptr<Exchange>& exchange) {
    CoordinationService* coordination = host_ != nullptr ? host_->coordination() : nullptr;
    if (coordination == nullptr) {
      Answer(exchange, 503, ErrorJson("the coordination service is not taking requests"));
      return;
    }
    CoordinationService::HttpResponse r = coordination->Claim(headers, claim);
    AddTraceHeaders(r.trace_id, r.span_id, r.headers);
    AnswerAt(r.ends_at, exchange, r.status_code, BodyJson(r.body), std::move(r.headers));
  });
}

void RealtimeRun::PostWork(const httplib::Request& req, httplib::Response& res, bool complete) {
  const char* route = complete ? "POST /work/{id}/complete" : "POST /work/{id}/progress";
  if (RefuseDisabled(options_.coordination.enabled, route, "coordination", res)) return;
  const std::string work_id = req.matches[1].str();
  if (!ValidId(work_id)) {
    SetJson(res, 400, ErrorJson("the work id must be 1-64 characters of [A-Za-z0-9._-]"));
    return;
  }
  BadRequest bad;
  const std::optional<Json> doc = ParseBody(req.body, &bad);
  if (!doc) {
    SetJson(res, bad.status, ErrorJson(bad.error));
    return;
  }
  int percent = 0;
  if (!complete) {
    const auto it = doc->find("percent");
    if (it == doc->end() || !it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() > 100) {
      SetJson(res, 400, ErrorJson("\"percent\" must be an integer in 0..100"));
      return;
    }
    percent = it->get<int>();
  }
  const core::HttpHeaders headers = RequestHeaders(req);
  Dispatch(res,
           [this, work_id, headers, percent, complete](const std::shared_ptr<Exchange>& exchange) {
             CoordinationService* coordination = host_ != nullptr ? host_->coordination() : nullptr;
             if (coordination == nullptr) {
               Answer(exchange, 503, ErrorJson("the coordination service is not taking requests"));
               return;
             }
             CoordinationService::HttpResponse r =
                 complete ? coordination->Complete(work_id, headers)
                          : coordination->Progress(work_id, headers, percent);
             AddTraceHeaders(r.trace_id, r.span_id, r.headers);
             AnswerAt(r.ends_at, exchange, r.status_code, BodyJson(r.body), std::move(r.headers));
           });
}

void RealtimeRun::GetMetrics(httplib::Response& res) {
  core::PrometheusRenderStats stats;
  const std::string body = RenderRealtimeMetrics(metrics_.Snapshot(), &stats);
  if (stats.skipped_duplicate_series + stats.skipped_type_conflicts > 0) {
    spdlog::debug("real-time /metrics: skipped {} duplicate series, {} type conflicts",
                  stats.skipped_duplicate_series, stats.skipped_type_conflicts);
  }
  res.status = 200;
  res.set_content(body, std::string(core::kPrometheusTextContentType));
}

void RealtimeRun::RegisterRoutes() {
  server_.Post("/onboard", [this](const httplib::Request& req, httplib::Response& res) {
    PostOnboard(req, res);
  });
  server_.Get("/health",
              [this](const httplib::Request& req, httplib::Response& res) { GetHealth(req, res); });
  server_.Get(R"(/customers/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    GetCustomer(req, res);
  });
  server_.Post("/work/claim", [this](const httplib::Request& req, httplib::Response& res) {
    PostClaim(req, res);
  });
  server_.Post(R"(/work/([^/]+)/progress)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 PostWork(req, res, /*complete=*/false);
               });
  server_.Post(R"(/work/([^/]+)/complete)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 PostWork(req, res, /*complete=*/true);
               });
  server_.Get("/metrics",
              [this](const httplib::Request&, httplib::Response& res) { GetMetrics(res); });
  // Unknown paths and methods: a JSON error listing what is served. Error
  // statuses our handlers set keep their own body.
  const httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& req,
                                                           httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    SetJson(res, res.status,
            ErrorJson(req.method + " " + req.path +
                      " is not served (POST /onboard, GET /health, GET /customers/{id}, "
                      "POST /work/claim, POST /work/{id}/progress, POST /work/{id}/complete, "
                      "GET /metrics)"));
    return httplib::Server::HandlerResponse::Handled;
  };
  server_.set_error_handler(on_error);
}

void RealtimeRun::RunEngine(EventEngine& engine) {
  engine_ = &engine;
  loop_ = std::make_unique<PacedEventLoop>(engine, epoch_);
  loop_->set_stop_flag(realtime_.stop);
  // The services stay up for requests until the end of the run, even when
  // the background traffic has no further arrival.
  if (onboarding_ != nullptr) onboarding_->HoldForExternal();
  StartServing();
  if (realtime_.on_ready) realtime_.on_ready(port_);

  const SimTime end = options_.window.count();
  const bool reached_end = loop_->RunUntil(end);
  loop_->CloseInbox();
  if (!reached_end) {
    // Stopped early: the arrivals end now (each stream still makes the one
    // arrival it had scheduled; the services check the window at each).
    options_.window = std::chrono::nanoseconds(engine.now() + 1);
    spdlog::info("real-time mode: stopped at {:.1f} s; draining the pipeline",
                 static_cast<double>(engine.now()) / 1e9);
  }
  if (onboarding_ != nullptr) onboarding_->ReleaseExternalHold();
  // The drain is not paced: nothing outside waits on it.
  engine.Run();
}

Result<SimulationSummary> RealtimeRun::Run() {
  if (realtime_.port < 0 || realtime_.port > 65535) {
    return InvalidArgumentError("real-time mode: port " + std::to_string(realtime_.port) +
                                " is outside 0..65535");
  }
  if (realtime_.metrics_refresh.count() > 0) options_.metrics_interval = realtime_.metrics_refresh;
  RegisterRoutes();
  TFLO_RETURN_IF_ERROR(Bind());

  // Virtual time 0 is now, on both clocks.
  epoch_ = PacedEventLoop::Clock::now();
  options_.start_unix_nano =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());

  SimulationHooks hooks;
  hooks.on_services = [this](OnboardingServices* onboarding, BusinessServicesHost* host) {
    onboarding_ = onboarding;
    host_ = host;
  };
  hooks.run_engine = [this](EventEngine& engine) { RunEngine(engine); };
  hooks.on_metrics = [this](const core::MetricsData& data) { metrics_.Update(data); };
  Result<SimulationSummary> summary = RunSimulationWithHooks(options_, hooks);
  StopServer();
  return summary;
}

}  // namespace

Result<SimulationSummary> RunRealtime(SimulationOptions options, const RealtimeOptions& realtime) {
  RealtimeRun run(options, realtime);
  return run.Run();
}

}  // namespace tflo::workload
