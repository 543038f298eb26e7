// Scenario: what a workload run simulates, read from a YAML file in
// workload/scenarios/ (or the user's own).
//
// A scenario names the services to run with their parameters, each service's
// traffic pattern, the faults to inject (each switchable and time-windowed),
// the trace backend's behaviour, and optionally the collector and Lambda
// configuration files the pipeline model reads (paths relative to the
// scenario file). Parsing is strict: an unknown key, a wrong type or an
// impossible value is an error naming file, line and key, e.g.
// `mixed.yaml:12: services.onboarding.traffic.rate: expected a positive number, got "fast"`.
// Plain value types; parsing is thread-safe.
#ifndef TFLO_WORKLOAD_SCENARIO_H_
#define TFLO_WORKLOAD_SCENARIO_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::workload {

// One phase of a phased pattern. `effects` are service-specific knobs that hold
// during the phase (e-commerce: "slow_query_ms_from", "slow_query_ms_to",
// "pool_exhaustion_probability", "checkout_failure_rate", ...); the service
// documents the keys it reads and the parser checks them against that list.
struct TrafficPhase {
  std::string name;
  std::chrono::nanoseconds duration{0};
  double rate = 0;  // requests per second during the phase
  std::map<std::string, double> effects;
};

// Requests per second as a function of time since the start of the run.
struct TrafficPattern {
  enum class Kind { kConstant, kBusinessHours, kBurst, kRamp, kPhased };
  Kind kind = Kind::kConstant;
  double rate = 1;  // constant; base rate (business_hours off-hours, burst between bursts)
  // business_hours: a smooth diurnal curve from `rate` at night to `peak_rate`
  // between `start_hour` and `end_hour` (UTC hour of the virtual clock).
  double peak_rate = 0;
  double start_hour = 9;
  double end_hour = 17;
  // burst: `peak_rate` for `burst_duration` every `burst_every`, first burst at `burst_offset`.
  std::chrono::nanoseconds burst_every{0};
  std::chrono::nanoseconds burst_duration{0};
  std::chrono::nanoseconds burst_offset{0};
  // ramp: linear from `rate` to `peak_rate` over `ramp_duration`, then flat.
  std::chrono::nanoseconds ramp_duration{0};
  // phased: phases in order; after the last one the last phase's rate holds.
  std::vector<TrafficPhase> phases;
};

// Rate at `elapsed` since the run started at `start_unix_nano` (wall-clock hour
// matters for business_hours). Never negative.
double RateAt(const TrafficPattern& pattern, std::chrono::nanoseconds elapsed,
              uint64_t start_unix_nano);
// An upper bound of RateAt over the whole run (for thinning).
double MaxRate(const TrafficPattern& pattern);
// The phase in force at `elapsed` (phased patterns), nullptr otherwise.
const TrafficPhase* PhaseAt(const TrafficPattern& pattern, std::chrono::nanoseconds elapsed);

// A fault, active in [start, end) (end 0 = until the run ends).
struct FaultSpec {
  enum class Kind {
    kErrorRate,          // target step fails with `probability`
    kOutage,             // target dependency fails every call
    kSlowDependency,     // target's latency x `latency_factor` + `extra_latency`
    kColdStarts,         // Lambda environments are reaped: `probability` of a cold start per invocation
    kLambdaTimeout,      // Lambda Timeout forced to `timeout` (invocations time out)
    kThrottling,         // Lambda invocations throttled with `probability` (message retried)
    kBrokenPropagation,  // `probability` of messages/requests lose their trace context
    kBackendOutage,      // the trace backend refuses every export
  };
  Kind kind = Kind::kErrorRate;
  std::string name;    // free text for reports; defaults to the kind's name
  std::string target;  // "onboarding.kyc", "ecommerce.postgresql", "onboarding.lambda", "backend", ...
  double probability = 0;
  double latency_factor = 1;
  std::chrono::nanoseconds extra_latency{0};
  std::chrono::nanoseconds timeout{0};
  std::chrono::nanoseconds start{0};
  std::chrono::nanoseconds end{0};
  int line = 0;  // 1-based line in the scenario file, for messages
  bool ActiveAt(std::chrono::nanoseconds elapsed) const {
    return elapsed >= start && (end.count() == 0 || elapsed < end);
  }
};
std::string_view FaultKindName(FaultSpec::Kind kind);  // "error_rate", "outage", ...
// Every target a fault may name, in documentation order: the onboarding steps
// and dependencies ("onboarding.api", "onboarding.kyc", ..., "onboarding.sqs",
// "onboarding.lambda"), "coordination.api", "coordination.store",
// "ecommerce.catalog", "ecommerce.checkout", "ecommerce.postgresql",
// "ecommerce.loadgen" and "backend".
std::vector<std::string_view> FaultTargets();
// Whether a fault of `kind` may name `target` (the parser enforces it): e.g.
// cold_starts, lambda_timeout and throttling apply to onboarding.lambda only,
// backend_outage to backend only.
bool FaultAppliesTo(FaultSpec::Kind kind, std::string_view target);

// Phase effects read by the e-commerce service (the only service whose phases
// may carry effects). Values are doubles; absent = the service's normal behaviour.
// Extra latency (ms) of the catalog's product query, growing linearly from
// `from` at the start of the phase to `to` at its end (giving only one of them
// sets both); the seed's black-friday progression is 500 -> 2500.
inline constexpr std::string_view kEffectSlowQueryMsFrom = "slow_query_ms_from";
inline constexpr std::string_view kEffectSlowQueryMsTo = "slow_query_ms_to";
// 1: idx_products_category is missing, the product query scans the whole table
// (db.missing_index, db.full_table_scan on its span); 0: the index exists.
inline constexpr std::string_view kEffectMissingIndex = "missing_index";
// Probability that a checkout finds the connection pool exhausted (waits, then
// fails with checkout.failure_reason=ConnectionPoolExhausted).
inline constexpr std::string_view kEffectPoolExhaustionProbability = "pool_exhaustion_probability";
// Probability that a checkout fails for another reason (payment declined, ...).
inline constexpr std::string_view kEffectCheckoutFailureRate = "checkout_failure_rate";
// Connection-pool size during the phase (overrides EcommerceParams::db_pool_size).
inline constexpr std::string_view kEffectPoolSize = "pool_size";

struct OnboardingParams {
  bool enabled = false;
  TrafficPattern traffic;               // POST /onboard
  double health_checks_per_second = 1;  // GET /health
  double lookups_per_second = 2;        // GET /customers/{id}
  std::map<std::string, double> customer_mix = {
      {"standard", 0.7}, {"premium", 0.2}, {"enterprise", 0.1}};
  double validation_error_rate = 0.02;  // API-side 400s
  // Per processing step ("validation", "enrichment", "kyc", "aml", "sanctions",
  // "pep", "audit", "s3", "dynamodb", "notification", "workflow").
  std::map<std::string, double> step_error_rates;
  std::filesystem::path lambda_function_config;  // empty = built-in defaults
  std::filesystem::path event_source_mapping;     // empty = built-in defaults
};

struct CoordinationParams {
  bool enabled = false;
  TrafficPattern traffic;  // work items created per second
  std::vector<std::string> teams = {"platform", "payments", "onboarding", "data"};
  std::vector<std::string> work_types = {"bug", "feature", "incident", "chore"};
  std::map<std::string, double> priority_mix = {
      {"low", 0.4}, {"medium", 0.35}, {"high", 0.2}, {"critical", 0.05}};
  double error_rate = 0.01;
};

struct EcommerceParams {
  bool enabled = false;
  TrafficPattern traffic;  // user journeys per second (phases carry black-friday effects)
  double checkout_share = 0.3;  // journeys that go on to checkout
  int db_pool_size = 20;
  double error_rate = 0.005;
};

struct BackendParams {
  std::chrono::nanoseconds request_latency = std::chrono::milliseconds(100);
  std::chrono::nanoseconds per_span_latency = std::chrono::microseconds(20);
};

struct Scenario {
  std::string name;
  std::string description;
  std::filesystem::path source;  // the file it came from (empty for built-ins)
  std::chrono::nanoseconds duration = std::chrono::hours(1);
  uint64_t seed = 1;
  // `start_time` (RFC 3339, e.g. 2026-01-05T06:00:00Z): the wall-clock instant
  // of virtual time 0, which business_hours patterns follow. Empty = the
  // runner's default (SimulationOptions::start_unix_nano).
  std::optional<uint64_t> start_unix_nano;
  OnboardingParams onboarding;
  CoordinationParams coordination;
  EcommerceParams ecommerce;
  std::vector<FaultSpec> faults;
  BackendParams backend;
  std::filesystem::path collector_config;  // empty = the shipped default
};

Result<Scenario> ParseScenario(std::string_view yaml_text, std::string_view source_name,
                               const std::filesystem::path& base_dir);
Result<Scenario> LoadScenarioFile(const std::filesystem::path& path);
// NAME ("mixed") is looked up among the shipped scenarios (compiled in);
// anything containing '/' or ending in .yaml/.yml is read as a file.
Result<Scenario> LoadScenario(std::string_view name_or_path);
std::vector<std::string> ShippedScenarioNames();

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SCENARIO_H_
