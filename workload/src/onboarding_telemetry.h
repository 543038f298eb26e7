// The full onboarding system's business metrics, Lambda metrics and
// structured logs (OnboardingScenario::full_system; the first slice that
// `tflo demo` runs has none of them). OnboardingServices reports what happens
// (a request arrived, the API answered, a Lambda handler planned its work, an
// invocation ended, a message left the queue); this class turns it into
// instruments of a MetricsRegistry, one meter per service resource, and into
// OTLP log records correlated with the spans, through one LogEmitter per
// service (the OpenTelemetry logs SDK's batch processor).
//
// Metric names are the final Prometheus names (workload/README.md, "Full
// onboarding system: metrics and logs"):
//   onboarding-api     onboarding_requests_total, onboarding_success_total,
//                      onboarding_failures_total, onboarding_duration_seconds
//   onboarding-lambda  compliance_checks_total, lambda_* (platform metrics),
//                      sqs_messages_sent_total, sqs_messages_dead_lettered_total
// The Lambda platform counters are asynchronous: at each collection they
// report the SqsLambdaModel's LambdaStats (as CloudWatch reports the service's
// own numbers), so they equal the ground truth's "lambda" section.
//
// A Lambda handler computes a whole invocation when it starts, before the
// model knows whether the Timeout kills it. What the handler would report
// (compliance checks, logs, failed records) is therefore planned per
// invocation and applied when the invocation ends: only what happened before
// the kill counts, like the spans the model keeps.
// Internal to tflo_workload. Not thread-safe.
#ifndef TFLO_WORKLOAD_SRC_ONBOARDING_TELEMETRY_H_
#define TFLO_WORKLOAD_SRC_ONBOARDING_TELEMETRY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "business_service_util.h"
#include <nlohmann/json.hpp>

#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/lambda_model.h"
#include "tflo/workload/log_emitter.h"
#include "tflo/workload/metrics_registry.h"

namespace tflo::workload {

class OnboardingTelemetry {
 public:
  // onboarding_failures_total{reason}.
  enum class Reason { kValidation = 0, kCompliance, kProcessing, kTimeout, kDlq };
  static constexpr size_t kReasons = 5;
  // compliance_checks_total{outcome}.
  enum class CheckOutcome { kPass = 0, kFail, kError };
  static constexpr size_t kCheckOutcomes = 3;

  struct Config {
    uint64_t start_unix_nano = 0;  // virtual time 0
    core::Resource api_resource;
    core::InstrumentationScope api_scope;
    core::Resource lambda_resource;  // the function's, without faas.instance
    core::InstrumentationScope lambda_scope;
    std::string function_name;
    std::string queue_name;
    std::vector<std::string> customer_types;  // label values, by customer-type index
    std::vector<std::string> checks;          // label values, by check index
    LogsSink logs;                            // empty: no log records are made
  };

  OnboardingTelemetry(EventEngine& engine, Config config);
  OnboardingTelemetry(const OnboardingTelemetry&) = delete;
  OnboardingTelemetry& operator=(const OnboardingTelemetry&) = delete;

  // Arms the log processors' timers at engine.now().
  void Start();
  // Flushes and stops the log processors.
  void Shutdown();

  // ---- onboarding-api --------------------------------------------------------------
  void RequestReceived(int customer_type);
  void MessageSent() { ++messages_sent_; }
  // What the API answered to one POST /onboard (known when the request
  // starts; applied at `end`, when the response leaves).
  struct ApiAnswer {
    int customer_type = 0;
    std::string customer_id;
    SimTime start = 0;
    SimTime end = 0;
    int64_t status_code = 202;  // 202, 400 or 5xx
    LogContext context;         // the POST /onboard SERVER span
    std::string message_id;     // 202: the SQS message
    std::string error_type;     // 400 / 5xx
    std::string error_message;  // 400 / 5xx
  };
  // 400 finishes the request as a validation failure, 5xx as a processing
  // failure (the API could not queue it); 202 only logs.
  void ApiAnswered(ApiAnswer answer);

  // ---- onboarding-lambda -----------------------------------------------------------
  // The handler starts: what follows until the next BeginInvocation belongs
  // to this invocation. `record_types`: the customer type of each record.
  void BeginInvocation(const LambdaInvocation& invocation, std::vector<int> record_types);
  // One compliance call (one attempt) from `start` to `end`.
  void PlanCheck(size_t check, CheckOutcome outcome, SimTime start, SimTime end);
  // A log record at `at` in `context`; faas.invocation_id is added.
  void PlanLog(SimTime at, Severity severity, std::string body, const LogContext& context,
               core::Attributes attributes, std::string event_name);
  // A record whose processing failed (a step failed after its retries) at `at`.
  void PlanProcessingFailure(int customer_type, SimTime at);
  // The invocation ended (the model's report, at its end).
  void InvocationDone(const InvocationReport& report);

  // A message left the queue: deleted after processing (`rejected_by` >= 0:
  // the customer was rejected by that compliance check), or dead-lettered.
  struct MessageOutcome {
    int customer_type = 0;
    std::string customer_id;
    std::string message_id;
    SimTime requested_at = 0;  // POST /onboard started
    int receive_count = 0;
    bool dead_lettered = false;
    int rejected_by = -1;
    // The sqs.send span carried by the message (zero without context); set for
    // dead-lettered messages only.
    LogContext producer;
  };
  void MessageDone(const MessageOutcome& outcome);

  // The business metrics (cumulative) at `now_unix_nano`; the Lambda platform
  // counters are first brought to `stats`.
  core::MetricsData Collect(uint64_t start_unix_nano, uint64_t now_unix_nano,
                            const LambdaStats& stats);
  // The ground truth's "onboarding" section.
  void AddTruth(nlohmann::ordered_json& doc) const;

 private:
  struct PlannedCheck {
    size_t check;
    CheckOutcome outcome;
    SimTime start;
    SimTime end;
  };
  struct PlannedLog {
    SimTime at;
    core::LogRecord record;
  };
  struct PendingInvocation {
    std::string request_id;
    bool cold_start = false;
    std::vector<int> record_types;
    std::vector<PlannedCheck> checks;
    std::vector<PlannedLog> logs;
    std::vector<std::pair<int, SimTime>> processing_failures;  // customer type, at
  };

  uint64_t Unix(SimTime t) const { return start_unix_nano_ + static_cast<uint64_t>(t); }
  core::LogRecord MakeLog(SimTime at, Severity severity, std::string body,
                          const LogContext& context, core::Attributes attributes,
                          std::string event_name) const;
  void Fail(int customer_type, Reason reason);
  void Finish(int customer_type, SimTime requested_at, SimTime now);
  void CountCheck(size_t check, CheckOutcome outcome);
  // Brings the asynchronous Lambda counters to `stats`.
  void ObserveStats(const LambdaStats& stats);

  EventEngine& engine_;
  Config config_;
  uint64_t start_unix_nano_;
  MetricsRegistry metrics_;
  std::unique_ptr<LogEmitter> api_logs_;     // nullptr without a logs sink
  std::unique_ptr<LogEmitter> lambda_logs_;  // nullptr without a logs sink

  // onboarding-api, by customer type (then reason).
  std::vector<Counter::Bound> requests_;
  std::vector<Counter::Bound> success_;
  std::vector<std::vector<Counter::Bound>> failures_;
  std::vector<Histogram::Bound> duration_;
  // onboarding-lambda: checks by check, then outcome.
  std::vector<std::vector<Counter::Bound>> checks_;
  Histogram* lambda_duration_ = nullptr;
  Histogram* lambda_init_duration_ = nullptr;
  // The asynchronous counters (brought to LambdaStats by Collect).
  Counter* invocations_ = nullptr;
  Counter* cold_starts_ = nullptr;
  Counter* errors_ = nullptr;
  Counter* throttles_ = nullptr;
  Counter* timeouts_ = nullptr;
  Counter* billed_gb_seconds_ = nullptr;
  Counter* cost_usd_ = nullptr;
  Counter* records_processed_ = nullptr;
  Counter* spans_dropped_ = nullptr;
  Counter* sqs_sent_ = nullptr;
  Counter* sqs_dead_lettered_ = nullptr;
  core::Attributes function_labels_;
  core::Attributes queue_labels_;

  std::unordered_map<std::string, PendingInvocation> pending_;
  PendingInvocation* current_ = nullptr;

  // Ground truth.
  uint64_t requests_total_ = 0;
  uint64_t finished_ = 0;
  uint64_t succeeded_ = 0;
  uint64_t api_errors_ = 0;
  uint64_t messages_sent_ = 0;
  std::array<uint64_t, kReasons> failures_total_{};
  std::vector<std::array<uint64_t, kCheckOutcomes>> checks_total_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_ONBOARDING_TELEMETRY_H_
