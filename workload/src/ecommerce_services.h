// The e-commerce platform of the demos (shared seed 003), namespace
// `ecommerce`: a load generator (`loadgen`) running user journeys against
// `product-catalog` and `checkout`, both backed by PostgreSQL through a
// client-side connection pool, with the "black friday" effects of a phased
// traffic pattern.
//
// A journey (one trace; the load generator propagates `traceparent` on every
// HTTP call with core::InjectHttp, the services extract it):
//   loadgen       user_journey.{browse|purchase}  INTERNAL root: user.journey,
//                                                 user.session_id, user.id
//   loadgen         GET / POST                    CLIENT  http.request.method, url.full,
//                                                 server.address/port, http.response.status_code
//   product-catalog   GET /products               SERVER  http.*, url.*, server.*
//                       SELECT ecommerce.products CLIENT  db.system=postgresql, db.name,
//                                                 db.operation, db.sql.table, db.statement
//                                                 (parameterised), db.user, server.address,
//                                                 server.port=5432, net.peer.name/port,
//                                                 db.rows_returned
//   product-catalog   GET /products/{id}          SERVER -> SELECT ecommerce.products
//   checkout          POST /checkout              SERVER  order.id, order.total, user.id,
//                                                 checkout.payment_method, checkout.items_count
//                       SELECT ecommerce.cart_items, UPDATE ecommerce.inventory,
//                       process_payment (INTERNAL), INSERT ecommerce.orders: one transaction
//                       on one pooled connection
// A browse journey lists a category and views 1-3 products; a purchase
// journey (share `checkout_share`) views 1-2 and checks out.
//
// Black-friday effects (TrafficPhase::effects, keys in scenario.h):
//   slow_query_ms_from / _to   extra latency of the catalog's category query,
//                              linear across the phase; a query of >= 1000 ms
//                              gets db.slow_query=true and a WARN log
//   missing_index              1: the category query is a full table scan:
//                              db.missing_index="idx_products_category",
//                              db.full_table_scan=true, db.rows_scanned
//   pool_exhaustion_probability  a checkout finds the pool exhausted by other
//                              clients: it waits the acquire timeout, then fails
//   checkout_failure_rate      checkouts failing for a business reason:
//                              PaymentDeclined 50 %, InventoryUnavailable 30 %,
//                              Timeout 20 % (default 0.02 outside such a phase)
//   pool_size                  pool size of both services during the phase
// Independently of the effects, each service's pool (db_pool_size connections,
// held for a request's queries — the checkout holds it across the payment)
// makes requests wait when all are busy; a wait longer than the 5 s acquire
// timeout fails the request: db.connection.pool.exhausted=true,
// db.connection.pool.size, db.connection.pool.wait_time_ms on the SERVER span,
// HTTP 503, an ERROR log; at checkout checkout.failed=true,
// checkout.failure_reason=ConnectionPoolExhausted, checkout.cart_abandoned.
// Failure reasons are the seed's CamelCase values: PaymentDeclined,
// InventoryUnavailable, Timeout, ConnectionPoolExhausted, InternalError.
//
// Faults (FaultSet targets): ecommerce.loadgen (broken_propagation: the call
// carries no traceparent, the server starts a new trace), ecommerce.catalog and
// ecommerce.checkout (error_rate with base params.error_rate: HTTP 500;
// slow_dependency), ecommerce.postgresql (error_rate / outage: the query fails;
// slow_dependency: every query, hence connection hold times).
//
// Metrics: checkout: checkout_revenue_total (USD, sum of order.total of
// successful checkouts), checkout_orders_total{payment_method},
// checkout_failures_total{reason}; catalog and checkout each:
// db_query_duration_seconds{operation,table}, db_connection_pool_in_use and
// db_connection_pool_size (gauges), db_connection_pool_timeouts_total,
// http.server.request.duration. Logs: slow-query WARN, pool-exhausted ERROR,
// checkout failures ERROR and orders INFO (order.id, user.id, order.total),
// failed journeys WARN, each in its span.
//
// Arrivals are driven from outside: OnJourney() at each arrival instant.
// Not thread-safe.
#ifndef TFLO_WORKLOAD_SRC_ECOMMERCE_SERVICES_H_
#define TFLO_WORKLOAD_SRC_ECOMMERCE_SERVICES_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "business_service_util.h"
#include "ground_truth.h"

#include "tflo/core/model.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/metrics_registry.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {

// A client-side database connection pool (SQLAlchemy QueuePool without
// overflow): at most size() connections are checked out; a request that finds
// none waits in FIFO order and gives up after the acquire timeout.
// Not thread-safe.
class ConnectionPoolModel {
 public:
  // Runs when the request got a connection (granted, after `waited` ns) or
  // gave up (not granted, waited = the timeout). A grant with a free
  // connection runs inside Acquire; later ones run inside Release/SetSize or
  // from the timeout event.
  using Grant = std::function<void(bool granted, SimTime waited)>;

  ConnectionPoolModel(EventEngine& engine, int size, SimTime acquire_timeout);
  ConnectionPoolModel(const ConnectionPoolModel&) = delete;
  ConnectionPoolModel& operator=(const ConnectionPoolModel&) = delete;

  void Acquire(Grant grant);
  // Returns one connection at engine.now() and serves the waiters.
  void Release();
  // New size (at least 1); a larger pool serves waiters at once, a smaller one
  // stops granting until enough connections came back.
  void SetSize(int size);
  // Called with in_use() whenever it changes.
  void set_on_change(std::function<void(int in_use)> on_change) {
    on_change_ = std::move(on_change);
  }

  int size() const { return size_; }
  int in_use() const { return in_use_; }
  int64_t waiting() const { return waiting_; }
  int max_in_use() const { return max_in_use_; }
  uint64_t timeouts() const { return timeouts_; }
  SimTime acquire_timeout() const { return acquire_timeout_; }

 private:
  struct Waiter {
    Grant grant;
    SimTime since = 0;
    bool done = false;
  };
  void Dispatch();
  void Changed();

  EventEngine& engine_;
  int size_;
  SimTime acquire_timeout_;
  int in_use_ = 0;
  int max_in_use_ = 0;
  int64_t waiting_ = 0;
  uint64_t timeouts_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
  std::function<void(int)> on_change_;
};

class EcommerceServices {
 public:
  static constexpr const char* kLoadgenService = "loadgen";
  static constexpr const char* kCatalogService = "product-catalog";
  static constexpr const char* kCheckoutService = "checkout";
  static constexpr const char* kServiceNamespace = "ecommerce";
  static constexpr SimTime kPoolAcquireTimeout = 5 * kSecond;
  static constexpr double kSlowQueryThresholdMs = 1000;

  // `params` must outlive the services.
  EcommerceServices(ServiceEnvironment env, const EcommerceParams& params);
  EcommerceServices(const EcommerceServices&) = delete;
  EcommerceServices& operator=(const EcommerceServices&) = delete;

  // Starts the three SDKs' timers at engine.now().
  void Start();
  // One user journey starting at engine.now(); the phase effects in force are
  // those of params.traffic at each step's time.
  void OnJourney();
  // No more journeys: `on_idle` runs once every journey has ended
  // (immediately, from an event, if none is in flight).
  void StopArrivals(std::function<void()> on_idle);
  // Flushes and stops the three SDKs.
  void Shutdown();

  // The effect keys the service reads (for the scenario parser's check).
  static std::vector<std::string_view> EffectKeys();

  uint64_t journeys() const { return journeys_; }
  uint64_t journeys_failed() const { return journeys_failed_; }
  uint64_t checkouts() const { return checkouts_; }
  uint64_t checkouts_succeeded() const { return checkouts_succeeded_; }
  uint64_t checkouts_failed() const { return checkouts_ - checkouts_succeeded_; }
  double revenue() const { return revenue_; }
  uint64_t slow_queries() const { return slow_queries_; }
  uint64_t pool_exhausted_requests() const { return pool_exhausted_; }
  // HTTP calls of the load generator, and those whose traceparent was lost.
  uint64_t http_calls() const { return http_calls_; }
  uint64_t broken_propagation_calls() const { return broken_calls_; }
  const ConnectionPoolModel& catalog_pool() const { return *catalog_pool_; }
  const ConnectionPoolModel& checkout_pool() const { return *checkout_pool_; }
  svc::ServiceSdk& loadgen_sdk() { return *loadgen_; }
  svc::ServiceSdk& catalog_sdk() { return *catalog_; }
  svc::ServiceSdk& checkout_sdk() { return *checkout_; }

 private:
  struct Journey;
  struct ServerRequest;
  struct DbMetrics {
    Histogram* query_duration = nullptr;
    std::optional<Gauge::Bound> pool_size;
    std::optional<Counter::Bound> pool_timeouts;
    Histogram* http_duration = nullptr;
    // Bound series of the two histograms, by the addresses of the literals
    // the services pass: (method, route, status) and (operation, table).
    std::map<std::tuple<const char*, const char*, int>, Histogram::Bound> http_series;
    std::map<std::pair<const char*, const char*>, Histogram::Bound> query_series;
  };
  // The server answers with an HTTP status at engine.now() (its span's end).
  using Respond = std::function<void(int status)>;
  using Serve = std::function<void(const core::HttpHeaders& headers, Respond respond)>;

  void Call(const std::shared_ptr<Journey>& journey, const char* method, const char* host, int port,
            std::string target, Serve serve, std::function<void(int)> next);
  void NextStep(const std::shared_ptr<Journey>& journey);
  void EndJourney(const std::shared_ptr<Journey>& journey);

  void ServeCatalog(bool list, std::string product_id, std::string category,
                    const core::HttpHeaders& headers, Respond respond);
  void ServeCheckout(std::shared_ptr<Journey> journey, const core::HttpHeaders& headers,
                     Respond respond);
  std::shared_ptr<ServerRequest> BeginServer(Rng& rng, const core::HttpHeaders& headers,
                                             const char* route, std::string path,
                                             const char* method, const char* host, int port);
  // A PostgreSQL CLIENT span under `parent` from `start` for `duration`.
  core::Span DbSpan(Rng& rng, const ServerRequest& request, const char* operation,
                    const char* table, const char* statement, SimTime start, SimTime duration);
  // The SERVER span of `request`, ended at `end` (5xx: status ERROR with an
  // exception event); records http.server.request.duration.
  core::Span FinishServer(const ServerRequest& request, int status, SimTime end,
                          const std::string& error_type, const std::string& error_message,
                          DbMetrics& metrics);
  // The SERVER span of a request that gave up waiting for a connection, with
  // the pool attributes, and its ERROR log.
  core::Span PoolExhaustedSpan(const ServerRequest& request, svc::ServiceSdk& sdk,
                               const ConnectionPoolModel& pool, DbMetrics& metrics, SimTime waited,
                               SimTime end);
  void RecordQuery(DbMetrics& metrics, const char* operation, const char* table, SimTime duration);
  void Ship(svc::ServiceSdk& sdk, std::vector<core::Span> spans, SimTime at,
            std::function<void()> then);
  DbMetrics MakeDbMetrics(svc::ServiceSdk& sdk, ConnectionPoolModel& pool);
  int PoolSizeAt(SimTime now) const;
  void Pending(int delta);
  uint64_t Unix(SimTime t) const { return env_.start_unix_nano + static_cast<uint64_t>(t); }

  ServiceEnvironment env_;
  const EcommerceParams& params_;
  Rng loadgen_rng_;
  Rng catalog_rng_;
  Rng checkout_rng_;
  std::unique_ptr<svc::ServiceSdk> loadgen_;
  std::unique_ptr<svc::ServiceSdk> catalog_;
  std::unique_ptr<svc::ServiceSdk> checkout_;
  std::unique_ptr<ConnectionPoolModel> catalog_pool_;
  std::unique_ptr<ConnectionPoolModel> checkout_pool_;

  // DbSpan's names and attribute blocks by the addresses of (operation,
  // table, statement): string literals.
  struct DbConstants {
    std::string name;
    core::SharedAttributeBlock attributes;
  };
  std::map<std::tuple<std::uintptr_t, std::uintptr_t, std::uintptr_t>, DbConstants>
      db_attributes_;
  // The constant attributes of the SERVER spans, by (method, route, host,
  // port), and of the CLIENT spans, by (method, host, port): literals too.
  std::map<std::tuple<const char*, const char*, const char*, int>, core::SharedAttributeBlock>
      server_attributes_;
  std::map<std::tuple<const char*, const char*, int>, core::SharedAttributeBlock>
      client_attributes_;
  DbMetrics catalog_metrics_;
  DbMetrics checkout_metrics_;
  Counter* revenue_total_ = nullptr;
  Counter* orders_total_ = nullptr;
  Counter* failures_total_ = nullptr;

  GroundTruth::OpId op_journey_browse_, op_journey_purchase_, op_client_get_, op_client_post_;
  GroundTruth::OpId op_list_, op_detail_, op_products_query_;
  GroundTruth::OpId op_checkout_, op_cart_query_, op_inventory_update_, op_payment_,
      op_order_insert_;

  std::function<void()> on_idle_;
  bool arrivals_stopped_ = false;
  bool idle_reported_ = false;
  int64_t pending_ = 0;  // journeys in flight
  uint64_t journeys_ = 0;
  uint64_t journeys_failed_ = 0;
  uint64_t checkouts_ = 0;
  uint64_t checkouts_succeeded_ = 0;
  double revenue_ = 0;
  uint64_t slow_queries_ = 0;
  uint64_t pool_exhausted_ = 0;
  uint64_t http_calls_ = 0;
  uint64_t broken_calls_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_ECOMMERCE_SERVICES_H_
