#include "onboarding_telemetry.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string_view>

namespace tflo::workload {
namespace {

constexpr std::array<std::string_view, OnboardingTelemetry::kReasons> kReasonNames = {
    "validation", "compliance", "processing", "timeout", "dlq"};
constexpr std::array<std::string_view, OnboardingTelemetry::kCheckOutcomes> kOutcomeNames = {
    "pass", "fail", "error"};

// End-to-end onboarding: from a few hundred ms (rejected at the API) to
// minutes (retries with backoff, redeliveries after the visibility timeout).
std::vector<double> OnboardingDurationBounds() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 120};
}
// Lambda invocations: tens of ms warm up to the 900 s maximum Timeout.
std::vector<double> LambdaDurationBounds() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
}

// One-way time from an SDK's log export to the collector (as for spans).
constexpr SimTime kApiLogExportLatency = 500 * kMicrosecond;
constexpr SimTime kLambdaLogExportLatency = 2 * kMillisecond;

double Seconds(SimTime d) { return static_cast<double>(d) / 1e9; }

// An asynchronous counter observed at `target`: the series moves to it
// (observations never go down).
void Observe(Counter& counter, const core::Attributes& labels, double target) {
  const double delta = target - counter.Value(labels);
  if (delta >= 0) counter.Add(delta, labels);  // Add(0) reports the series at 0
}

}  // namespace

OnboardingTelemetry::OnboardingTelemetry(EventEngine& engine, Config config)
    : engine_(engine), config_(std::move(config)), start_unix_nano_(config_.start_unix_nano) {
  Meter& api = metrics_.GetMeter(config_.api_resource, config_.api_scope);
  Counter& requests = api.CreateCounter("onboarding_requests_total", "{request}",
                                        "POST /onboard requests received by the API");
  Counter& success = api.CreateCounter("onboarding_success_total", "{request}",
                                       "Onboardings completed: the Lambda processed the customer");
  Counter& failures = api.CreateCounter(
      "onboarding_failures_total", "{request}",
      "Onboarding failures by reason: validation (HTTP 400), compliance (rejected by a check), "
      "processing (a step failed after its retries), timeout (Lambda Timeout), dlq "
      "(dead-lettered)");
  Histogram& duration = api.CreateHistogram(
      "onboarding_duration_seconds", "s",
      "End-to-end onboarding time, from POST /onboard to the end of its processing",
      OnboardingDurationBounds());
  // Every series is reported from the first collection, at 0 (rate() and
  // absent() then behave from the start).
  for (const std::string& type : config_.customer_types) {
    const core::Attributes by_type = {{"customer_type", type}};
    requests_.push_back(requests.Bind(by_type));
    requests_.back().Add(0);
    success_.push_back(success.Bind(by_type));
    success_.back().Add(0);
    duration_.push_back(duration.Bind(by_type));
    std::vector<Counter::Bound> by_reason;
    for (const std::string_view reason : kReasonNames) {
      by_reason.push_back(
          failures.Bind({{"customer_type", type}, {"reason", std::string(reason)}}));
      by_reason.back().Add(0);
    }
    failures_.push_back(std::move(by_reason));
  }

  Meter& lambda = metrics_.GetMeter(config_.lambda_resource, config_.lambda_scope);
  Counter& checks = lambda.CreateCounter(
      "compliance_checks_total", "{check}",
      "Compliance calls (every attempt) by check and outcome: pass, fail (rejected), error");
  for (const std::string& check : config_.checks) {
    std::vector<Counter::Bound> by_outcome;
    for (const std::string_view outcome : kOutcomeNames) {
      by_outcome.push_back(checks.Bind({{"check", check}, {"outcome", std::string(outcome)}}));
      by_outcome.back().Add(0);
    }
    checks_.push_back(std::move(by_outcome));
  }
  checks_total_.assign(config_.checks.size(), {});
  function_labels_ = {{"function_name", config_.function_name}};
  queue_labels_ = {{"queue_name", config_.queue_name}};
  invocations_ = &lambda.CreateCounter("lambda_invocations_total", "{invocation}",
                                       "Invocations started (throttled batches excluded)");
  cold_starts_ = &lambda.CreateCounter("lambda_cold_starts_total", "{invocation}",
                                       "Invocations that started a new execution environment");
  errors_ = &lambda.CreateCounter("lambda_errors_total", "{invocation}",
                                  "Invocations that ended in a function error, timeouts included "
                                  "(CloudWatch Errors)");
  throttles_ = &lambda.CreateCounter("lambda_throttles_total", "{invocation}",
                                     "Invocation requests throttled");
  timeouts_ = &lambda.CreateCounter("lambda_timeouts_total", "{invocation}",
                                    "Invocations killed at the function Timeout");
  billed_gb_seconds_ = &lambda.CreateCounter(
      "lambda_billed_gb_seconds_total", "{GB-second}",
      "Billed duration x memory (GB = MemorySize / 1024), INIT included", NumberKind::kDouble);
  cost_usd_ = &lambda.CreateCounter("lambda_cost_usd_total", "{USD}",
                                    "Compute (GB-seconds x price) plus request price",
                                    NumberKind::kDouble);
  records_processed_ = &lambda.CreateCounter(
      "lambda_records_processed_total", "{record}",
      "SQS record deliveries settled: success (deleted) or failure (back to the queue or to the "
      "dead-letter queue)");
  spans_dropped_ = &lambda.CreateCounter(
      "lambda_sdk_spans_dropped_total", "{span}",
      "Spans the function's batch span processor lost: queue_full, or freeze (still queued when "
      "the environment was reaped, reset by a timeout or shut down)");
  sqs_sent_ = &lambda.CreateCounter("sqs_messages_sent_total", "{message}",
                                    "Messages sent to the onboarding queue");
  sqs_dead_lettered_ = &lambda.CreateCounter("sqs_messages_dead_lettered_total", "{message}",
                                             "Messages moved to the dead-letter queue");
  lambda_duration_ = &lambda.CreateHistogram(
      "lambda_duration_seconds", "s", "Invocation duration (CloudWatch Duration, INIT excluded)",
      LambdaDurationBounds());
  lambda_init_duration_ = &lambda.CreateHistogram("lambda_init_duration_seconds", "s",
                                                  "INIT duration of cold starts",
                                                  LambdaDurationBounds());
  ObserveStats(LambdaStats{});  // every series reported from the first collection, at 0

  if (config_.logs) {
    const auto make = [this](const core::Resource& resource,
                             const core::InstrumentationScope& scope, SimTime latency) {
      return std::make_unique<LogEmitter>(
          engine_, BatchLogProcessorOptions{}, resource, scope,
          [this, latency](core::LogsData&& request) {
            config_.logs(std::move(request), engine_.now() + latency);
          });
    };
    api_logs_ = make(config_.api_resource, config_.api_scope, kApiLogExportLatency);
    lambda_logs_ = make(config_.lambda_resource, config_.lambda_scope, kLambdaLogExportLatency);
  }
}

void OnboardingTelemetry::Start() {
  if (api_logs_) api_logs_->Start();
  if (lambda_logs_) lambda_logs_->Start();
}

void OnboardingTelemetry::Shutdown() {
  if (api_logs_) api_logs_->Shutdown();
  if (lambda_logs_) lambda_logs_->Shutdown();
}

core::LogRecord OnboardingTelemetry::MakeLog(SimTime at, Severity severity, std::string body,
                                             const LogContext& context,
                                             core::Attributes attributes,
                                             std::string event_name) const {
  core::LogRecord record;
  record.time_unix_nano = Unix(at);
  record.observed_time_unix_nano = record.time_unix_nano;
  record.severity_number = static_cast<int>(severity);
  record.severity_text = std::string(SeverityText(severity));
  record.body = core::AnyValue(std::move(body));
  record.attributes = std::move(attributes);
  record.flags = context.trace_flags;  // logs.proto LogRecordFlags: the W3C flags
  record.trace_id = context.trace_id;
  record.span_id = context.span_id;
  record.event_name = std::move(event_name);
  return record;
}

void OnboardingTelemetry::Fail(int customer_type, Reason reason) {
  const auto r = static_cast<size_t>(reason);
  failures_.at(static_cast<size_t>(customer_type))[r].Add(1);
  ++failures_total_[r];
}

void OnboardingTelemetry::Finish(int customer_type, SimTime requested_at, SimTime now) {
  duration_.at(static_cast<size_t>(customer_type)).Record(Seconds(now - requested_at));
  ++finished_;
}

void OnboardingTelemetry::CountCheck(size_t check, CheckOutcome outcome) {
  const auto o = static_cast<size_t>(outcome);
  checks_.at(check)[o].Add(1);
  ++checks_total_.at(check)[o];
}

void OnboardingTelemetry::RequestReceived(int customer_type) {
  requests_.at(static_cast<size_t>(customer_type)).Add(1);
  ++requests_total_;
}

void OnboardingTelemetry::ApiAnswered(ApiAnswer answer) {
  engine_.At(answer.end, [this, answer = std::move(answer)]() mutable {
    const std::string& type = config_.customer_types.at(static_cast<size_t>(answer.customer_type));
    // Built element by element: an initializer list would copy each value twice.
    core::Attributes attributes;
    attributes.reserve(6);
    attributes.emplace_back("customer_id", std::move(answer.customer_id));
    attributes.emplace_back("customer_type", type);
    attributes.emplace_back("http.response.status_code", answer.status_code);
    if (answer.status_code < 400) {
      attributes.emplace_back("outcome", "accepted");
      attributes.emplace_back("messaging.message.id", std::move(answer.message_id));
      if (api_logs_) {
        api_logs_->Emit(MakeLog(answer.end, Severity::kInfo, "onboarding request accepted",
                                answer.context, std::move(attributes),
                                "onboarding.request.accepted"));
      }
      return;
    }
    const bool invalid = answer.status_code < 500;
    Fail(answer.customer_type, invalid ? Reason::kValidation : Reason::kProcessing);
    if (!invalid) ++api_errors_;
    Finish(answer.customer_type, answer.start, answer.end);
    if (!api_logs_) return;
    attributes.push_back({"outcome", invalid ? "rejected" : "failed"});
    attributes.push_back({"error.type", answer.error_type});
    if (invalid) {
      attributes.push_back({"step", "validation"});
      api_logs_->Emit(MakeLog(answer.end, Severity::kWarn,
                              "onboarding request rejected: " + answer.error_message,
                              answer.context, std::move(attributes),
                              "onboarding.request.rejected"));
    } else {
      api_logs_->Emit(MakeLog(answer.end, Severity::kError,
                              "onboarding request failed: " + answer.error_message,
                              answer.context, std::move(attributes),
                              "onboarding.request.failed"));
    }
  });
}

void OnboardingTelemetry::BeginInvocation(const LambdaInvocation& invocation,
                                          std::vector<int> record_types) {
  PendingInvocation& pending = pending_[invocation.request_id];
  pending.request_id = invocation.request_id;
  pending.cold_start = invocation.cold_start;
  pending.record_types = std::move(record_types);
  // Room for the usual plan (a log and four checks per record), so that the
  // records are not moved while the vectors grow.
  pending.logs.reserve(pending.record_types.size() + 1);
  pending.checks.reserve(4 * pending.record_types.size());
  current_ = &pending;
}

void OnboardingTelemetry::PlanCheck(size_t check, CheckOutcome outcome, SimTime start,
                                    SimTime end) {
  if (current_ != nullptr) current_->checks.push_back({check, outcome, start, end});
}

void OnboardingTelemetry::PlanLog(SimTime at, Severity severity, std::string body,
                                  const LogContext& context, core::Attributes attributes,
                                  std::string event_name) {
  if (current_ == nullptr || !lambda_logs_) return;
  attributes.push_back({"faas.invocation_id", current_->request_id});
  current_->logs.push_back({at, MakeLog(at, severity, std::move(body), context,
                                        std::move(attributes), std::move(event_name))});
}

void OnboardingTelemetry::PlanProcessingFailure(int customer_type, SimTime at) {
  if (current_ != nullptr) current_->processing_failures.emplace_back(customer_type, at);
}

void OnboardingTelemetry::InvocationDone(const InvocationReport& report) {
  lambda_duration_->Record(Seconds(report.duration()), function_labels_);
  if (report.cold_start) {
    lambda_init_duration_->Record(Seconds(report.init_duration), function_labels_);
  }
  const auto it = pending_.find(report.request_id);
  if (it == pending_.end()) return;
  PendingInvocation pending = std::move(it->second);
  pending_.erase(it);
  current_ = nullptr;
  // What the handler planned happened if it was before the kill (the model
  // keeps the spans that ended by then and cuts the ones still open).
  const SimTime kill = report.timed_out ? report.end : std::numeric_limits<SimTime>::max();
  for (const PlannedCheck& c : pending.checks) {
    if (c.end <= kill) {
      CountCheck(c.check, c.outcome);
    } else if (c.start < kill) {
      CountCheck(c.check, CheckOutcome::kError);  // cut by the kill
    }
  }
  size_t failed_before_kill = 0;
  for (const auto& [type, at] : pending.processing_failures) {
    if (at > kill) continue;
    Fail(type, Reason::kProcessing);
    ++failed_before_kill;
  }
  if (report.timed_out) {
    // Every record of the batch fails; those whose processing had already
    // failed are counted once, as processing failures.
    std::vector<int> types = pending.record_types;
    for (const auto& [type, at] : pending.processing_failures) {
      if (at > kill) continue;
      const auto t = std::find(types.begin(), types.end(), type);
      if (t != types.end()) types.erase(t);
    }
    for (const int type : types) Fail(type, Reason::kTimeout);
  }
  if (!lambda_logs_) return;
  const auto earlier = [](const PlannedLog& a, const PlannedLog& b) { return a.at < b.at; };
  // Usually planned in time order already (stable_sort would still move them).
  if (!std::is_sorted(pending.logs.begin(), pending.logs.end(), earlier)) {
    std::stable_sort(pending.logs.begin(), pending.logs.end(), earlier);
  }
  for (PlannedLog& log : pending.logs) {
    if (log.at <= kill) lambda_logs_->Emit(std::move(log.record));
  }
  if (report.timed_out) {
    // The runtime's own line: it carries no trace context.
    char body[96];
    std::snprintf(body, sizeof(body), "Task timed out after %.2f seconds",
                  Seconds(report.timeout));
    lambda_logs_->Emit(MakeLog(report.end, Severity::kError, body, LogContext{},
                               {{"faas.invocation_id", pending.request_id},
                                {"cold_start", pending.cold_start},
                                {"records", static_cast<int64_t>(pending.record_types.size())},
                                {"outcome", "timeout"}},
                               "lambda.invocation.timeout"));
  }
}

void OnboardingTelemetry::MessageDone(const MessageOutcome& outcome) {
  const SimTime now = engine_.now();
  if (outcome.dead_lettered) {
    Fail(outcome.customer_type, Reason::kDlq);
    if (lambda_logs_) {
      lambda_logs_->Emit(MakeLog(
          now, Severity::kError,
          "message " + outcome.message_id + " moved to the dead-letter queue after " +
              std::to_string(outcome.receive_count) + " receives",
          outcome.producer,
          {{"customer_id", outcome.customer_id},
           {"customer_type", config_.customer_types.at(static_cast<size_t>(outcome.customer_type))},
           {"messaging.message.id", outcome.message_id},
           {"attempt", static_cast<int64_t>(outcome.receive_count)},
           {"outcome", "dlq"}},
          "onboarding.dead_lettered"));
    }
  } else if (outcome.rejected_by >= 0) {
    Fail(outcome.customer_type, Reason::kCompliance);
  } else {
    success_.at(static_cast<size_t>(outcome.customer_type)).Add(1);
    ++succeeded_;
  }
  Finish(outcome.customer_type, outcome.requested_at, now);
}

void OnboardingTelemetry::ObserveStats(const LambdaStats& stats) {
  const auto d = [](uint64_t v) { return static_cast<double>(v); };
  Observe(*invocations_, function_labels_, d(stats.invocations));
  Observe(*cold_starts_, function_labels_, d(stats.cold_starts));
  Observe(*errors_, function_labels_, d(stats.function_errors + stats.timeouts));
  Observe(*throttles_, function_labels_, d(stats.throttles));
  Observe(*timeouts_, function_labels_, d(stats.timeouts));
  Observe(*billed_gb_seconds_, function_labels_, stats.gb_seconds);
  Observe(*cost_usd_, function_labels_, stats.cost_usd());
  core::Attributes labels = function_labels_;
  labels.push_back({"outcome", "success"});
  Observe(*records_processed_, labels, d(stats.messages_deleted));
  labels.mutable_back() = {"outcome", "failure"};
  Observe(*records_processed_, labels, d(stats.records_failed));
  labels.mutable_back() = {"reason", "queue_full"};
  Observe(*spans_dropped_, labels, d(stats.spans_dropped_queue_full));
  labels.mutable_back() = {"reason", "freeze"};
  Observe(*spans_dropped_, labels,
          d(stats.spans_lost_reaped + stats.spans_lost_timeout + stats.spans_frozen_at_shutdown));
  Observe(*sqs_sent_, queue_labels_, d(messages_sent_));
  Observe(*sqs_dead_lettered_, queue_labels_, d(stats.messages_dead_lettered));
}

core::MetricsData OnboardingTelemetry::Collect(uint64_t start_unix_nano, uint64_t now_unix_nano,
                                               const LambdaStats& stats) {
  ObserveStats(stats);
  return metrics_.Collect(start_unix_nano, now_unix_nano);
}

void OnboardingTelemetry::AddTruth(nlohmann::ordered_json& doc) const {
  using Json = nlohmann::ordered_json;
  Json failures = Json::object();
  for (size_t r = 0; r < kReasons; ++r) {
    failures[std::string(kReasonNames[r])] = failures_total_[r];
  }
  Json checks = Json::object();
  for (size_t c = 0; c < config_.checks.size(); ++c) {
    Json outcomes = Json::object();
    for (size_t o = 0; o < kCheckOutcomes; ++o) {
      outcomes[std::string(kOutcomeNames[o])] = checks_total_[c][o];
    }
    checks[config_.checks[c]] = std::move(outcomes);
  }
  doc["onboarding"] = Json{{"requests", requests_total_},
                           {"finished", finished_},
                           {"succeeded", succeeded_},
                           {"failures", std::move(failures)},
                           {"api_errors", api_errors_},
                           {"messages_sent", messages_sent_},
                           {"compliance_checks", std::move(checks)}};
}

}  // namespace tflo::workload
