#include "ecommerce_services.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace tflo::workload {
namespace {

constexpr const char* kServiceVersion = "1.0.0";
constexpr const char* kCatalogHost = "product-catalog";
constexpr int kCatalogPort = 8014;
constexpr const char* kCheckoutHost = "checkout";
constexpr int kCheckoutPort = 8016;
constexpr const char* kDbHost = "postgres";
constexpr int kDbPort = 5432;
constexpr const char* kDbName = "ecommerce";
constexpr const char* kDbUser = "dbadmin";
constexpr const char* kUserAgent = "python-requests/2.31.0";
constexpr const char* kK8sNamespace = "ecommerce-demo";

// Streams of Rng::ForStream for these services ("ECOM" + n).
constexpr uint64_t kStreamBase = 0x45434F4D00000000ULL;

constexpr const char* kMissingIndex = "idx_products_category";
constexpr int64_t kProductRows = 10000;  // what a full scan of products reads (seed)
constexpr int64_t kPageSize = 24;
constexpr SimTime kStatementTimeout = 2 * kSecond;  // PostgreSQL statement_timeout of checkout
constexpr double kDefaultCheckoutFailureRate = 0.02;

constexpr std::array<const char*, 6> kCategories = {"electronics", "books", "clothing",
                                                    "home",        "toys",  "sports"};

constexpr const char* kListStatement =
    "SELECT id, name, price, stock FROM products WHERE category = %s "
    "ORDER BY popularity DESC LIMIT 24";
constexpr const char* kDetailStatement =
    "SELECT id, name, description, price, stock FROM products WHERE id = %s";
constexpr const char* kCartStatement =
    "SELECT product_id, quantity, unit_price FROM cart_items WHERE cart_id = %s";
constexpr const char* kInventoryStatement =
    "UPDATE inventory SET stock = stock - %s WHERE product_id = %s AND stock >= %s";
constexpr const char* kOrderStatement =
    "INSERT INTO orders (id, user_id, total, payment_method, status) VALUES (%s, %s, %s, %s, %s)";

// Checkout failure reasons: the seed's values (checkout.failure_reason).
constexpr const char* kPaymentDeclined = "PaymentDeclined";
constexpr const char* kInventoryUnavailable = "InventoryUnavailable";
constexpr const char* kTimeout = "Timeout";
constexpr const char* kPoolExhausted = "ConnectionPoolExhausted";
constexpr const char* kInternalError = "InternalError";

std::vector<double> DbDurationBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

double MsOf(SimTime t) { return static_cast<double>(t) / 1e6; }

}  // namespace

// ---- ConnectionPoolModel ------------------------------------------------------

ConnectionPoolModel::ConnectionPoolModel(EventEngine& engine, int size, SimTime acquire_timeout)
    : engine_(engine), size_(std::max(1, size)), acquire_timeout_(acquire_timeout) {}

void ConnectionPoolModel::Acquire(Grant grant) {
  if (in_use_ < size_ && waiters_.empty()) {
    ++in_use_;
    Changed();
    grant(true, 0);
    return;
  }
  auto waiter = std::make_shared<Waiter>();
  waiter->grant = std::move(grant);
  waiter->since = engine_.now();
  waiters_.push_back(waiter);
  ++waiting_;
  engine_.At(engine_.now() + acquire_timeout_, [this, waiter] {
    if (waiter->done) return;
    waiter->done = true;
    --waiting_;
    ++timeouts_;
    waiter->grant(false, engine_.now() - waiter->since);
  });
}

void ConnectionPoolModel::Release() {
  if (in_use_ > 0) --in_use_;
  Dispatch();
  Changed();
}

void ConnectionPoolModel::SetSize(int size) {
  size = std::max(1, size);
  if (size == size_) return;
  size_ = size;
  Dispatch();
  Changed();
}

void ConnectionPoolModel::Dispatch() {
  while (in_use_ < size_ && !waiters_.empty()) {
    std::shared_ptr<Waiter> waiter = std::move(waiters_.front());
    waiters_.pop_front();
    if (waiter->done) continue;  // timed out earlier
    waiter->done = true;
    --waiting_;
    ++in_use_;
    waiter->grant(true, engine_.now() - waiter->since);
  }
}

void ConnectionPoolModel::Changed() {
  max_in_use_ = std::max(max_in_use_, in_use_);
  if (on_change_) on_change_(in_use_);
}

// ---- EcommerceServices ------------------------------------------------------

struct EcommerceServices::Journey {
  core::TraceId trace_id{};
  core::SpanId root_id{};
  SimTime start = 0;
  bool purchase = false;
  std::string session_id;
  std::string user_id;
  std::string category;
  int views_left = 0;
  bool checked_out = false;
  int steps = 0;
  int failed_status = 0;  // the status >= 400 that ended the journey, 0 if none
};

struct EcommerceServices::ServerRequest {
  SimTime start = 0;
  core::TraceId trace_id{};
  core::SpanId parent_id{};
  core::SpanId server_id{};
  uint32_t flags = svc::kFlagsLocalParent;
  const char* route = "";
  std::string path;
  std::string query;
  const char* method = "GET";
  const char* host = "";
  int port = 0;
  core::Attributes business;  // extra attributes of the SERVER span
};

EcommerceServices::EcommerceServices(ServiceEnvironment env, const EcommerceParams& params)
    : env_(std::move(env)),
      params_(params),
      loadgen_rng_(Rng::ForStream(env_.seed, kStreamBase + 1)),
      catalog_rng_(Rng::ForStream(env_.seed, kStreamBase + 2)),
      checkout_rng_(Rng::ForStream(env_.seed, kStreamBase + 3)) {
  Rng resource_rng = Rng::ForStream(env_.seed, kStreamBase + 4);
  auto make_sdk = [&](const char* service) {
    return std::make_unique<svc::ServiceSdk>(
        env_,
        svc::KubernetesServiceResource(service, kServiceNamespace, kServiceVersion, kK8sNamespace,
                                       resource_rng),
        service, kServiceVersion);
  };
  loadgen_ = make_sdk(kLoadgenService);
  catalog_ = make_sdk(kCatalogService);
  checkout_ = make_sdk(kCheckoutService);
  catalog_pool_ =
      std::make_unique<ConnectionPoolModel>(env_.engine, params_.db_pool_size, kPoolAcquireTimeout);
  checkout_pool_ =
      std::make_unique<ConnectionPoolModel>(env_.engine, params_.db_pool_size, kPoolAcquireTimeout);
  catalog_metrics_ = MakeDbMetrics(*catalog_, *catalog_pool_);
  checkout_metrics_ = MakeDbMetrics(*checkout_, *checkout_pool_);

  Meter& meter = checkout_->meter();
  revenue_total_ =
      &meter.CreateCounter("checkout_revenue_total", "{USD}",
                           "Sum of order totals of successful checkouts", NumberKind::kDouble);
  orders_total_ = &meter.CreateCounter("checkout_orders_total", "{order}",
                                       "Successful checkouts, by payment method");
  failures_total_ = &meter.CreateCounter("checkout_failures_total", "{checkout}",
                                         "Failed checkouts, by failure reason");

  GroundTruth& truth = env_.truth;
  op_journey_browse_ = truth.Register(kLoadgenService, "user_journey.browse");
  op_journey_purchase_ = truth.Register(kLoadgenService, "user_journey.purchase");
  op_client_get_ = truth.Register(kLoadgenService, "GET");
  op_client_post_ = truth.Register(kLoadgenService, "POST");
  op_list_ = truth.Register(kCatalogService, "GET /products");
  op_detail_ = truth.Register(kCatalogService, "GET /products/{id}");
  op_products_query_ = truth.Register(kCatalogService, "SELECT ecommerce.products");
  op_checkout_ = truth.Register(kCheckoutService, "POST /checkout");
  op_cart_query_ = truth.Register(kCheckoutService, "SELECT ecommerce.cart_items");
  op_inventory_update_ = truth.Register(kCheckoutService, "UPDATE ecommerce.inventory");
  op_payment_ = truth.Register(kCheckoutService, "process_payment");
  op_order_insert_ = truth.Register(kCheckoutService, "INSERT ecommerce.orders");
}

std::vector<std::string_view> EcommerceServices::EffectKeys() {
  return {kEffectSlowQueryMsFrom,           kEffectSlowQueryMsTo,       kEffectMissingIndex,
          kEffectPoolExhaustionProbability, kEffectCheckoutFailureRate, kEffectPoolSize};
}

EcommerceServices::DbMetrics EcommerceServices::MakeDbMetrics(svc::ServiceSdk& sdk,
                                                              ConnectionPoolModel& pool) {
  Meter& meter = sdk.meter();
  const core::AnyValue* service = core::FindAttribute(sdk.resource().attributes, "service.name");
  const core::Attributes pool_attributes = {
      {"pool.name", service != nullptr ? service->ToString() : std::string()}};
  DbMetrics m;
  m.query_duration = &meter.CreateHistogram("db_query_duration_seconds", "s",
                                            "Duration of PostgreSQL queries", DbDurationBounds());
  Gauge& in_use = meter.CreateGauge("db_connection_pool_in_use", "{connection}",
                                    "Connections checked out of the pool");
  Gauge& size = meter.CreateGauge("db_connection_pool_size", "{connection}",
                                  "Maximum connections of the pool");
  Counter& timeouts = meter.CreateCounter("db_connection_pool_timeouts_total", "{request}",
                                          "Requests that gave up waiting for a connection");
  m.http_duration =
      &meter.CreateHistogram("http.server.request.duration", "s",
                             "Duration of HTTP server requests", HttpDurationSecondsBounds());
  Gauge::Bound in_use_bound = in_use.Bind(pool_attributes);
  in_use_bound.Record(0);
  pool.set_on_change([in_use_bound](int n) mutable { in_use_bound.Record(n); });
  m.pool_size = size.Bind(pool_attributes);
  m.pool_size->Record(pool.size());
  m.pool_timeouts = timeouts.Bind(pool_attributes);
  return m;
}

void EcommerceServices::Start() {
  loadgen_->Start();
  catalog_->Start();
  checkout_->Start();
}

void EcommerceServices::Shutdown() {
  loadgen_->Shutdown();
  catalog_->Shutdown();
  checkout_->Shutdown();
}

void EcommerceServices::StopArrivals(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  arrivals_stopped_ = true;
  Pending(+1);
  env_.engine.At(env_.engine.now(), [this] { Pending(-1); });
}

void EcommerceServices::Pending(int delta) {
  pending_ += delta;
  if (arrivals_stopped_ && pending_ == 0 && !idle_reported_) {
    idle_reported_ = true;
    if (on_idle_) on_idle_();
  }
}

int EcommerceServices::PoolSizeAt(SimTime now) const {
  const svc::PhaseProgress progress = svc::PhaseProgressAt(params_.traffic, now);
  const double size =
      svc::Effect(progress.phase, kEffectPoolSize, static_cast<double>(params_.db_pool_size));
  return std::max(1, static_cast<int>(std::llround(size)));
}

void EcommerceServices::Ship(svc::ServiceSdk& sdk, std::vector<core::Span> spans, SimTime at,
                             std::function<void()> then) {
  env_.engine.At(at, [&sdk, spans = std::move(spans), then = std::move(then)]() mutable {
    for (auto& span : spans) sdk.End(std::move(span));
    if (then) then();
  });
}

void EcommerceServices::RecordQuery(DbMetrics& metrics, const char* operation, const char* table,
                                    SimTime duration) {
  const auto key = std::make_pair(operation, table);
  auto it = metrics.query_series.find(key);
  if (it == metrics.query_series.end()) {
    it = metrics.query_series
             .emplace(key, metrics.query_duration->Bind({{"operation", operation}, {"table", table}}))
             .first;
  }
  it->second.Record(static_cast<double>(duration) / 1e9);
}

// ---- load generator -----------------------------------------------------------

void EcommerceServices::OnJourney() {
  Rng& rng = loadgen_rng_;
  ++journeys_;
  Pending(+1);
  auto journey = std::make_shared<Journey>();
  journey->trace_id = rng.NewTraceId();
  journey->root_id = rng.NewSpanId();
  journey->start = env_.engine.now();
  journey->purchase = rng.Bernoulli(params_.checkout_share);
  journey->session_id = svc::HexWord(rng.Next(), 16);
  journey->user_id = "user-" + std::to_string(100000 + rng.UniformInt(900000));
  journey->category = kCategories.at(rng.UniformInt(kCategories.size()));
  journey->views_left = 1 + static_cast<int>(rng.UniformInt(journey->purchase ? 2 : 3));

  const std::string category = journey->category;
  Call(
      journey, "GET", kCatalogHost, kCatalogPort, "/products?category=" + category,
      [this, category](const core::HttpHeaders& headers, Respond respond) {
        ServeCatalog(true, {}, category, headers, std::move(respond));
      },
      [this, journey](int status) {
        if (status >= 400) {
          journey->failed_status = status;
          EndJourney(journey);
          return;
        }
        NextStep(journey);
      });
}

void EcommerceServices::NextStep(const std::shared_ptr<Journey>& journey) {
  Rng& rng = loadgen_rng_;
  const SimTime think = svc::Draw(rng, 300, 0.5);
  env_.engine.At(env_.engine.now() + think, [this, journey] {
    Rng& r = loadgen_rng_;
    auto next = [this, journey](int status) {
      if (status >= 400) {
        journey->failed_status = status;
        EndJourney(journey);
        return;
      }
      if (journey->checked_out) {
        EndJourney(journey);
        return;
      }
      NextStep(journey);
    };
    if (journey->views_left > 0) {
      --journey->views_left;
      const std::string product_id = "prod-" + std::to_string(1 + r.UniformInt(kProductRows));
      Call(
          journey, "GET", kCatalogHost, kCatalogPort, "/products/" + product_id,
          [this, product_id](const core::HttpHeaders& headers, Respond respond) {
            ServeCatalog(false, product_id, {}, headers, std::move(respond));
          },
          std::move(next));
      return;
    }
    if (journey->purchase && !journey->checked_out) {
      journey->checked_out = true;
      Call(
          journey, "POST", kCheckoutHost, kCheckoutPort, "/checkout",
          [this, journey](const core::HttpHeaders& headers, Respond respond) {
            ServeCheckout(journey, headers, std::move(respond));
          },
          std::move(next));
      return;
    }
    EndJourney(journey);
  });
}

void EcommerceServices::Call(const std::shared_ptr<Journey>& journey, const char* method,
                             const char* host, int port, std::string target, Serve serve,
                             std::function<void(int)> next) {
  Rng& rng = loadgen_rng_;
  const SimTime start = env_.engine.now();
  const core::SpanId client_id = rng.NewSpanId();
  ++http_calls_;
  ++journey->steps;

  // The requests instrumentation injects traceparent into the outgoing
  // headers; a broken hop (fault) sends none.
  core::HttpHeaders headers;
  const svc::StepFaults hop = svc::FaultsFor(env_.faults, "ecommerce.loadgen", start, 0);
  if (hop.broken_propagation > 0 && rng.Bernoulli(hop.broken_propagation)) {
    ++broken_calls_;
  } else {
    core::PropagationContext context;
    context.traceparent = core::TraceParent{journey->trace_id, client_id, core::kTraceFlagSampled};
    core::InjectHttp(context, headers);
  }
  std::string url = "http://" + std::string(host) + ":" + std::to_string(port) + target;
  const SimTime arrive = start + svc::Draw(rng, 0.4, 0.3);
  env_.engine.At(arrive, [this, journey, method, host, port, url = std::move(url), start, client_id,
                          headers = std::move(headers), serve = std::move(serve),
                          next = std::move(next)]() mutable {
    serve(headers, [this, journey = std::move(journey), method, host, port, url = std::move(url),
                    start, client_id, next = std::move(next)](int status) mutable {
      const SimTime end = env_.engine.now() + svc::Draw(loadgen_rng_, 0.4, 0.3);
      env_.engine.At(end, [this, journey = std::move(journey), method, host, port,
                           url = std::move(url), start, client_id, end, status,
                           next = std::move(next)]() mutable {
        const bool is_get = std::string_view(method) == "GET";
        core::Span span =
            svc::MakeSpan(journey->trace_id, client_id, journey->root_id, method,
                          core::SpanKind::kClient, Unix(start), Unix(end), svc::kFlagsLocalParent);
        const auto key = std::make_tuple(method, host, port);
        auto constants = client_attributes_.find(key);
        if (constants == client_attributes_.end()) {
          constants = client_attributes_
                          .emplace(key, core::MakeSharedAttributeBlock(
                                            {{"http.request.method", method},
                                             {"server.address", host},
                                             {"server.port", port},
                                             {"network.protocol.version", "1.1"}}))
                          .first;
        }
        core::Attributes& a = span.attributes;
        a = core::Attributes(constants->second);
        a.reserve(a.size() + 3);
        a.emplace_back("url.full", std::move(url));
        a.emplace_back("http.response.status_code", status);
        // 4xx and 5xx are errors on a CLIENT span (HTTP semantic conventions).
        if (status >= 400) {
          span.status.code = core::StatusCode::kError;
          a.emplace_back("error.type", std::to_string(status));
        }
        env_.truth.RecordSpan(is_get ? op_client_get_ : op_client_post_, end - start,
                              status >= 400);
        loadgen_->End(std::move(span));
        next(status);
      });
    });
  });
}

void EcommerceServices::EndJourney(const std::shared_ptr<Journey>& journey) {
  const SimTime end = env_.engine.now() + svc::Draw(loadgen_rng_, 0.05, 0.3);
  const std::string kind = journey->purchase ? "purchase" : "browse";
  core::Span root = svc::MakeSpan(journey->trace_id, journey->root_id, core::SpanId{},
                                  "user_journey." + kind, core::SpanKind::kInternal,
                                  Unix(journey->start), Unix(end), svc::kFlagsLocalParent);
  const char* outcome = journey->failed_status == 0 ? "completed" : "failed";
  root.attributes = {{"user.journey", kind},
                     {"user.session_id", journey->session_id},
                     {"user.id", journey->user_id},
                     {"user.journey.steps", journey->steps},
                     {"user.journey.outcome", outcome}};
  const bool error = journey->failed_status >= 500;
  if (error) {
    root.status.code = core::StatusCode::kError;
    root.status.message = "journey step failed with HTTP " + std::to_string(journey->failed_status);
  }
  env_.truth.RecordSpan(journey->purchase ? op_journey_purchase_ : op_journey_browse_,
                        end - journey->start, error);
  if (journey->failed_status != 0) {
    ++journeys_failed_;
    loadgen_->logs().Emit(
        Unix(end), Severity::kWarn,
        "user journey " + kind + " failed with HTTP " + std::to_string(journey->failed_status),
        LogContext::Of(root),
        {{"user.session_id", journey->session_id},
         {"user.id", journey->user_id},
         {"http.response.status_code", journey->failed_status}},
        "user_journey.failed");
  }
  std::vector<core::Span> spans;
  spans.push_back(std::move(root));
  Ship(*loadgen_, std::move(spans), end, [this] { Pending(-1); });
}

// ---- servers -----------------------------------------------------------------

std::shared_ptr<EcommerceServices::ServerRequest> EcommerceServices::BeginServer(
    Rng& rng, const core::HttpHeaders& headers, const char* route, std::string path,
    const char* method, const char* host, int port) {
  auto request = std::make_shared<ServerRequest>();
  request->start = env_.engine.now();
  // The service extracts the caller's context first (seed pattern 1); without
  // one it starts a new trace.
  const core::PropagationContext incoming = core::ExtractHttp(headers);
  if (incoming.traceparent) {
    request->trace_id = incoming.traceparent->trace_id;
    request->parent_id = incoming.traceparent->parent_id;
    request->flags = svc::kFlagsRemoteParent;
  } else {
    request->trace_id = rng.NewTraceId();
    request->flags = svc::kFlagsLocalParent;
  }
  request->server_id = rng.NewSpanId();
  request->route = route;
  request->path = std::move(path);
  request->method = method;
  request->host = host;
  request->port = port;
  return request;
}

core::Span EcommerceServices::DbSpan(Rng& rng, const ServerRequest& request, const char* operation,
                                     const char* table, const char* statement, SimTime start,
                                     SimTime duration) {
  // The same few literal statements over and over: one name and one shared
  // attribute block each.
  const auto key = std::make_tuple(reinterpret_cast<std::uintptr_t>(operation),
                                   reinterpret_cast<std::uintptr_t>(table),
                                   reinterpret_cast<std::uintptr_t>(statement));
  auto it = db_attributes_.find(key);
  if (it == db_attributes_.end()) {
    DbConstants constants;
    constants.name = std::string(operation) + " " + kDbName + "." + table;
    constants.attributes = core::MakeSharedAttributeBlock({{"db.system", "postgresql"},
                                                           {"db.name", kDbName},
                                                           {"db.operation", operation},
                                                           {"db.sql.table", table},
                                                           {"db.statement", statement},
                                                           {"db.user", kDbUser},
                                                           {"server.address", kDbHost},
                                                           {"server.port", kDbPort},
                                                           {"net.peer.name", kDbHost},
                                                           {"net.peer.port", kDbPort}});
    it = db_attributes_.emplace(key, std::move(constants)).first;
  }
  core::Span span = svc::MakeSpan(request.trace_id, rng.NewSpanId(), request.server_id,
                                  it->second.name, core::SpanKind::kClient, Unix(start),
                                  Unix(start + duration), svc::kFlagsLocalParent);
  span.attributes = core::Attributes(it->second.attributes);
  return span;
}

core::Span EcommerceServices::FinishServer(const ServerRequest& request, int status, SimTime end,
                                           const std::string& error_type,
                                           const std::string& error_message, DbMetrics& metrics) {
  core::Span span =
      svc::MakeSpan(request.trace_id, request.server_id, request.parent_id,
                    std::string(request.method) + " " + request.route, core::SpanKind::kServer,
                    Unix(request.start), Unix(end), request.flags);
  const auto key = std::make_tuple(request.method, request.route, request.host, request.port);
  auto constants = server_attributes_.find(key);
  if (constants == server_attributes_.end()) {
    constants = server_attributes_
                    .emplace(key, core::MakeSharedAttributeBlock(
                                      {{"http.request.method", request.method},
                                       {"url.scheme", "http"},
                                       {"http.route", request.route},
                                       {"server.address", request.host},
                                       {"server.port", request.port},
                                       {"network.protocol.version", "1.1"},
                                       {"user_agent.original", kUserAgent}}))
                    .first;
  }
  core::Attributes& a = span.attributes;
  a = core::Attributes(constants->second);
  a.reserve(a.size() + 4 + request.business.size());
  a.emplace_back("url.path", request.path);
  a.emplace_back("http.response.status_code", status);
  if (!request.query.empty()) a.emplace_back("url.query", request.query);
  a.insert(a.end(), request.business.begin(), request.business.end());
  // 5xx is an error on a SERVER span, 4xx is not (HTTP semantic conventions).
  if (status >= 500) {
    svc::SetError(span, error_type, error_message, Unix(end));
    a.emplace_back("error.type", error_type);
  }
  const auto series_key = std::make_tuple(request.method, request.route, status);
  auto series = metrics.http_series.find(series_key);
  if (series == metrics.http_series.end()) {
    series = metrics.http_series
                 .emplace(series_key, metrics.http_duration->Bind(
                                          {{"http.request.method", request.method},
                                           {"http.response.status_code", status},
                                           {"http.route", request.route}}))
                 .first;
  }
  series->second.Record(static_cast<double>(end - request.start) / 1e9);
  return span;
}

core::Span EcommerceServices::PoolExhaustedSpan(const ServerRequest& request, svc::ServiceSdk& sdk,
                                                const ConnectionPoolModel& pool, DbMetrics& metrics,
                                                SimTime waited, SimTime end) {
  ++pool_exhausted_;
  metrics.pool_timeouts->Add(1);
  // SQLAlchemy's QueuePool message for a checkout that timed out.
  char message[160];
  std::snprintf(message, sizeof(message),
                "QueuePool limit of size %d overflow 0 reached, connection timed out, timeout %.2f",
                pool.size(), static_cast<double>(pool.acquire_timeout()) / 1e9);
  core::Span span =
      FinishServer(request, 503, end, "sqlalchemy.exc.TimeoutError", message, metrics);
  span.attributes.push_back({"db.connection.pool.exhausted", true});
  span.attributes.push_back({"db.connection.pool.size", pool.size()});
  span.attributes.push_back({"db.connection.pool.wait_time_ms", MsOf(waited)});
  sdk.logs().Emit(Unix(end), Severity::kError, "database connection pool exhausted",
                  LogContext::Of(span),
                  {{"db.system", "postgresql"},
                   {"db.connection.pool.size", pool.size()},
                   {"db.connection.pool.in_use", pool.in_use()},
                   {"db.connection.pool.wait_time_ms", MsOf(waited)},
                   {"db.connection.pool.rejected_count", static_cast<int64_t>(pool_exhausted_)},
                   {"http.route", request.route}},
                  "db.pool_exhausted");
  return span;
}

void EcommerceServices::ServeCatalog(bool list, std::string product_id, std::string category,
                                     const core::HttpHeaders& headers, Respond respond) {
  Rng& rng = catalog_rng_;
  const SimTime now = env_.engine.now();
  auto request = BeginServer(rng, headers, list ? "/products" : "/products/{id}",
                             list ? std::string("/products") : "/products/" + product_id, "GET",
                             kCatalogHost, kCatalogPort);
  if (list) {
    request->query = "category=" + category;
    request->business.push_back({"product.category", category});
  } else {
    request->business.push_back({"product.id", product_id});
  }
  const GroundTruth::OpId server_op = list ? op_list_ : op_detail_;
  const svc::StepFaults api =
      svc::FaultsFor(env_.faults, "ecommerce.catalog", now, params_.error_rate);

  // The handler fails before it touches the database.
  if (api.outage || rng.Bernoulli(api.error_probability)) {
    const SimTime end = now + api.Apply(svc::Draw(rng, 1.0, 0.3));
    core::Span server =
        FinishServer(*request, 500, end, "InternalServerError",
                     "unhandled exception in " + std::string(request->route), catalog_metrics_);
    env_.truth.RecordSpan(server_op, end - now, true);
    catalog_->logs().Emit(
        Unix(end), Severity::kError, "unhandled exception in GET " + std::string(request->route),
        LogContext::Of(server), {{"http.route", request->route}}, "http.server.error");
    std::vector<core::Span> spans;
    spans.push_back(std::move(server));
    Ship(*catalog_, std::move(spans), end, [respond] { respond(500); });
    return;
  }

  catalog_pool_->SetSize(PoolSizeAt(now));
  catalog_metrics_.pool_size->Record(catalog_pool_->size());
  catalog_pool_->Acquire([this, request, list, api, server_op, respond](bool granted,
                                                                        SimTime waited) {
    Rng& r = catalog_rng_;
    const SimTime t_grant = env_.engine.now();
    if (!granted) {
      const SimTime end = t_grant + svc::Draw(r, 0.3, 0.3);
      core::Span server =
          PoolExhaustedSpan(*request, *catalog_, *catalog_pool_, catalog_metrics_, waited, end);
      env_.truth.RecordSpan(server_op, end - request->start, true);
      std::vector<core::Span> spans;
      spans.push_back(std::move(server));
      Ship(*catalog_, std::move(spans), end, [respond] { respond(503); });
      return;
    }

    const svc::StepFaults db = svc::FaultsFor(env_.faults, "ecommerce.postgresql", t_grant, 0);
    const svc::PhaseProgress progress = svc::PhaseProgressAt(params_.traffic, t_grant);
    SimTime t = t_grant + svc::Draw(r, 0.15, 0.3);  // cursor and statement preparation
    bool full_scan = false;
    SimTime duration = 0;
    if (list) {
      full_scan = svc::Effect(progress.phase, kEffectMissingIndex, 0) >= 0.5;
      // Without idx_products_category the planner scans the whole table.
      duration = svc::Draw(r, full_scan ? 32.0 : 8.0, 0.3);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      double from = svc::Effect(progress.phase, kEffectSlowQueryMsFrom, nan);
      double to = svc::Effect(progress.phase, kEffectSlowQueryMsTo, nan);
      if (std::isnan(from)) from = to;
      if (std::isnan(to)) to = from;
      if (!std::isnan(from)) {
        const double extra_ms = from + (to - from) * progress.fraction;
        if (extra_ms > 0) duration += svc::Ms(extra_ms * r.LogNormal(1.0, 0.05));
      }
    } else {
      duration = svc::Draw(r, 1.5, 0.3);
    }
    duration = db.Apply(duration);
    const bool db_error = db.outage || r.Bernoulli(db.error_probability);
    if (db.outage) duration = svc::Draw(r, 1.0, 0.3);  // connection refused at once

    core::Span query = DbSpan(r, *request, "SELECT", "products",
                              list ? kListStatement : kDetailStatement, t, duration);
    if (db_error) {
      svc::SetError(query, "psycopg2.OperationalError", "server closed the connection unexpectedly",
                    Unix(t + duration));
      query.attributes.push_back({"error.type", "psycopg2.OperationalError"});
    } else {
      query.attributes.push_back({"db.rows_returned", list ? kPageSize : int64_t{1}});
    }
    if (full_scan) {
      query.attributes.push_back({"db.full_table_scan", true});
      query.attributes.push_back({"db.missing_index", kMissingIndex});
      query.attributes.push_back({"db.rows_scanned", kProductRows});
    }
    const double duration_ms = MsOf(duration);
    if (!db_error && duration_ms >= kSlowQueryThresholdMs) {
      ++slow_queries_;
      query.attributes.push_back({"db.slow_query", true});
      core::Attributes log_attributes = {{"db.system", "postgresql"},
                                         {"db.sql.table", "products"},
                                         {"db.statement", list ? kListStatement : kDetailStatement},
                                         {"db.duration_ms", duration_ms}};
      if (full_scan) {
        log_attributes.push_back({"db.missing_index", kMissingIndex});
        log_attributes.push_back({"db.rows_scanned", kProductRows});
      }
      catalog_->logs().Emit(
          Unix(t + duration), Severity::kWarn,
          "slow query on products: " + std::to_string(std::llround(duration_ms)) + " ms",
          LogContext::Of(query), std::move(log_attributes), "db.slow_query");
    }
    RecordQuery(catalog_metrics_, "SELECT", "products", duration);
    env_.truth.RecordSpan(op_products_query_, duration, db_error);
    t += duration;
    // The connection goes back to the pool when the query is done.
    env_.engine.At(t, [this] { catalog_pool_->Release(); });

    const int status = db_error ? 500 : 200;
    const SimTime end = t + api.Apply(svc::Draw(r, list ? 1.2 : 0.6, 0.3));  // serialisation
    core::Span server = FinishServer(*request, status, end, "psycopg2.OperationalError",
                                     "server closed the connection unexpectedly", catalog_metrics_);
    if (db_error) {
      catalog_->logs().Emit(Unix(end), Severity::kError,
                            "database error in GET " + std::string(request->route),
                            LogContext::Of(server),
                            {{"db.system", "postgresql"},
                             {"error.type", "psycopg2.OperationalError"},
                             {"http.route", request->route}},
                            "db.error");
    }
    env_.truth.RecordSpan(server_op, end - request->start, status >= 500);
    std::vector<core::Span> spans;
    spans.push_back(std::move(query));
    spans.push_back(std::move(server));
    Ship(*catalog_, std::move(spans), end, [respond, status] { respond(status); });
  });
}

void EcommerceServices::ServeCheckout(std::shared_ptr<Journey> journey,
                                      const core::HttpHeaders& headers, Respond respond) {
  Rng& rng = checkout_rng_;
  const SimTime now = env_.engine.now();
  ++checkouts_;
  auto request =
      BeginServer(rng, headers, "/checkout", "/checkout", "POST", kCheckoutHost, kCheckoutPort);

  // The cart, priced in cents so that totals are exact.
  const int items = 1 + static_cast<int>(rng.UniformInt(4));
  int64_t total_cents = 0;
  for (int i = 0; i < items; ++i) {
    const double price = std::clamp(rng.LogNormal(35.0, 0.9), 4.99, 1999.99);
    const int64_t quantity = rng.Bernoulli(0.8) ? 1 : 2;
    total_cents += std::llround(price * 100) * quantity;
  }
  const double total = static_cast<double>(total_cents) / 100.0;
  const double u_method = rng.Uniform();
  const char* payment_method =
      u_method < 0.6 ? "credit_card" : (u_method < 0.85 ? "paypal" : "apple_pay");
  const std::string order_id = "ORD-" + svc::HexWord(rng.Next(), 12);
  request->business = {{"order.id", order_id},
                       {"order.total", total},
                       {"user.id", journey->user_id},
                       {"checkout.payment_method", payment_method},
                       {"checkout.items_count", items}};

  const svc::StepFaults api =
      svc::FaultsFor(env_.faults, "ecommerce.checkout", now, params_.error_rate);
  const svc::PhaseProgress progress = svc::PhaseProgressAt(params_.traffic, now);
  const double failure_rate =
      svc::Effect(progress.phase, kEffectCheckoutFailureRate, kDefaultCheckoutFailureRate);
  const double exhaustion = svc::Effect(progress.phase, kEffectPoolExhaustionProbability, 0);
  const bool handler_error = api.outage || rng.Bernoulli(api.error_probability);
  const char* business_failure = nullptr;
  if (rng.Bernoulli(failure_rate)) {
    const double u = rng.Uniform();
    business_failure = u < 0.5 ? kPaymentDeclined : (u < 0.8 ? kInventoryUnavailable : kTimeout);
  }
  const bool forced_exhaustion = rng.Bernoulli(exhaustion);
  const bool abandon_on_decline = rng.Bernoulli(0.5);

  // Outcome bookkeeping shared by every path: business attributes, metrics, logs.
  auto finish = [this, request, journey, order_id, total, payment_method, abandon_on_decline,
                 respond](std::vector<core::Span> spans, core::Span server, int status,
                          const char* reason) {
    const SimTime end = static_cast<SimTime>(server.end_time_unix_nano - env_.start_unix_nano);
    if (reason == nullptr) {
      ++checkouts_succeeded_;
      revenue_ += total;
      revenue_total_->Add(total);
      orders_total_->Add(1, {{"payment_method", payment_method}});
      checkout_->logs().Emit(server.end_time_unix_nano, Severity::kInfo,
                             "order " + order_id + " created", LogContext::Of(server),
                             {{"order.id", order_id},
                              {"order.total", total},
                              {"user.id", journey->user_id},
                              {"checkout.payment_method", payment_method}},
                             "checkout.order_created");
    } else {
      const bool abandoned =
          std::string_view(reason) == kPaymentDeclined ? abandon_on_decline : true;
      server.attributes.push_back({"checkout.failed", true});
      server.attributes.push_back({"checkout.failure_reason", reason});
      server.attributes.push_back({"checkout.cart_abandoned", abandoned});
      server.attributes.push_back({"checkout.total", total});
      failures_total_->Add(1, {{"reason", reason}});
      checkout_->logs().Emit(server.end_time_unix_nano, Severity::kError,
                             "checkout failed: " + std::string(reason), LogContext::Of(server),
                             {{"order.id", order_id},
                              {"order.total", total},
                              {"user.id", journey->user_id},
                              {"checkout.failure_reason", reason},
                              {"checkout.cart_abandoned", abandoned}},
                             "checkout.failed");
    }
    env_.truth.RecordSpan(op_checkout_, end - request->start, status >= 500);
    spans.push_back(std::move(server));
    Ship(*checkout_, std::move(spans), end, [respond, status] { respond(status); });
  };

  if (handler_error) {
    const SimTime end = now + api.Apply(svc::Draw(rng, 1.5, 0.3));
    core::Span server = FinishServer(*request, 500, end, "InternalServerError",
                                     "unhandled exception in POST /checkout", checkout_metrics_);
    // finish() reads the end from the span; it runs now, the span is shipped at `end`.
    finish({}, std::move(server), 500, kInternalError);
    return;
  }

  auto on_connection = [this, request, api, business_failure, finish](bool granted,
                                                                      SimTime waited) {
    Rng& r = checkout_rng_;
    const SimTime t_grant = env_.engine.now();
    if (!granted) {
      const SimTime end = t_grant + svc::Draw(r, 0.3, 0.3);
      core::Span server =
          PoolExhaustedSpan(*request, *checkout_, *checkout_pool_, checkout_metrics_, waited, end);
      finish({}, std::move(server), 503, kPoolExhausted);
      return;
    }

    const svc::StepFaults db = svc::FaultsFor(env_.faults, "ecommerce.postgresql", t_grant, 0);
    std::vector<core::Span> spans;
    SimTime t = t_grant + svc::Draw(r, 0.15, 0.3);
    int status = 201;
    const char* reason = nullptr;
    std::string error_type;
    std::string error_message;

    // One query of the transaction; false when it failed.
    auto query = [&](const char* operation, const char* table, const char* statement,
                     double median_ms, GroundTruth::OpId op, bool times_out) {
      SimTime duration = db.Apply(svc::Draw(r, median_ms, 0.3));
      bool error = db.outage || r.Bernoulli(db.error_probability);
      if (db.outage) duration = svc::Draw(r, 1.0, 0.3);
      if (!error && times_out) duration = kStatementTimeout + svc::Draw(r, 0.5, 0.3);
      core::Span span = DbSpan(r, *request, operation, table, statement, t, duration);
      if (error) {
        svc::SetError(span, "psycopg2.OperationalError",
                      "server closed the connection unexpectedly", Unix(t + duration));
        span.attributes.push_back({"error.type", "psycopg2.OperationalError"});
        status = 500;
        reason = kInternalError;
        error_type = "psycopg2.OperationalError";
        error_message = "server closed the connection unexpectedly";
      } else if (times_out) {
        svc::SetError(span, "psycopg2.errors.QueryCanceled",
                      "canceling statement due to statement timeout", Unix(t + duration));
        span.attributes.push_back({"error.type", "psycopg2.errors.QueryCanceled"});
        status = 503;
        reason = kTimeout;
        error_type = "psycopg2.errors.QueryCanceled";
        error_message = "canceling statement due to statement timeout";
        error = true;
      }
      RecordQuery(checkout_metrics_, operation, table, duration);
      env_.truth.RecordSpan(op, duration, error);
      spans.push_back(std::move(span));
      t += duration + svc::Draw(r, 0.05, 0.3);
      return !error;
    };

    bool ok = query("SELECT", "cart_items", kCartStatement, 2.5, op_cart_query_, false);
    if (ok) {
      // Reserving stock: a lock wait past statement_timeout is the Timeout
      // failure; no row updated is InventoryUnavailable.
      const bool times_out = business_failure == kTimeout;
      ok = query("UPDATE", "inventory", kInventoryStatement, 2.0, op_inventory_update_, times_out);
      if (ok) {
        const bool unavailable = business_failure == kInventoryUnavailable;
        spans.back().attributes.push_back({"db.rows_affected", unavailable ? 0 : 1});
        if (unavailable) {
          status = 409;
          reason = kInventoryUnavailable;
          ok = false;
        }
      }
    }
    if (ok) {
      const SimTime duration = svc::Draw(r, 90.0, 0.4);
      core::Span payment = svc::MakeSpan(request->trace_id, r.NewSpanId(), request->server_id,
                                         "process_payment", core::SpanKind::kInternal, Unix(t),
                                         Unix(t + duration), svc::kFlagsLocalParent);
      const core::AnyValue* method =
          core::FindAttribute(request->business, "checkout.payment_method");
      const core::AnyValue* amount = core::FindAttribute(request->business, "order.total");
      payment.attributes = {{"checkout.payment_method", method->ToString()},
                            {"payment.amount", *amount->AsDouble()},
                            {"payment.currency", "USD"}};
      const bool declined = business_failure == kPaymentDeclined;
      if (declined) {
        svc::SetError(payment, "PaymentDeclinedError", "card_declined", Unix(t + duration));
        payment.attributes.push_back({"error.type", "PaymentDeclinedError"});
        status = 402;
        reason = kPaymentDeclined;
        ok = false;
      }
      env_.truth.RecordSpan(op_payment_, duration, declined);
      spans.push_back(std::move(payment));
      t += duration;
    }
    if (ok) {
      ok = query("INSERT", "orders", kOrderStatement, 3.5, op_order_insert_, false);
      if (ok) spans.back().attributes.push_back({"db.rows_affected", 1});
    }
    // COMMIT or ROLLBACK, then the connection goes back to the pool.
    t += svc::Draw(r, 0.5, 0.3);
    env_.engine.At(t, [this] { checkout_pool_->Release(); });

    const SimTime end = t + api.Apply(svc::Draw(r, 0.8, 0.3));
    core::Span server =
        FinishServer(*request, status, end, error_type, error_message, checkout_metrics_);
    finish(std::move(spans), std::move(server), status, reason);
  };

  checkout_pool_->SetSize(PoolSizeAt(now));
  checkout_metrics_.pool_size->Record(checkout_pool_->size());
  if (forced_exhaustion) {
    // Other clients hold every connection: the request waits the whole
    // acquire timeout and gives up.
    env_.engine.At(now + kPoolAcquireTimeout,
                   [on_connection] { on_connection(false, kPoolAcquireTimeout); });
    return;
  }
  checkout_pool_->Acquire(on_connection);
}

}  // namespace tflo::workload
