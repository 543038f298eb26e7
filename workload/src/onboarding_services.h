// The customer-onboarding services of the demos (shared seeds 000-002): the
// `onboarding-api` HTTP service (ECS) that validates and enriches a customer
// and sends it to SQS, and the `onboarding-lambda` function that consumes the
// queue, runs its processing steps and stores the customer. Both are
// instrumented the way the seeds show (span names, kinds, semantic-convention
// attributes, W3C context through SQS message attributes) and export through
// their SDK.
//
// Two shapes, chosen by OnboardingScenario::full_system:
// - the first slice (`tflo demo`): POST /onboard only; one Lambda invocation
//   per message with three steps and a force_flush (README, "Services");
// - the full system: POST /onboard with risk scoring, GET /health,
//   GET /customers/{id}; the Lambda runs in the SqsLambdaModel (lambda_model.h:
//   event source mapping batches, cold starts, reaping, Timeout, the SDK's
//   batch span processor with the freeze, billing) and processes each record
//   through validation, enrichment, compliance (KYC, AML, sanctions, PEP),
//   audit trail, S3 documents, DynamoDB status, SES/SNS notification and the
//   follow-up workflow, every AWS call a CLIENT span retried with backoff;
//   both services report business metrics, Lambda metrics and logs
//   (onboarding_telemetry.h).
// Not thread-safe.
#ifndef TFLO_WORKLOAD_ONBOARDING_SERVICES_H_
#define TFLO_WORKLOAD_ONBOARDING_SERVICES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ground_truth.h"
#include "onboarding_telemetry.h"
#include <nlohmann/json.hpp>

#include "tflo/core/model.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/arrivals.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/lambda_model.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/simulation.h"
#include "tflo/workload/span_processor_model.h"

namespace tflo::workload {

// Where an SDK's export request goes: it reaches the collector at `arrive_at`.
using ExportSink = std::function<void(core::TracesData&& request, SimTime arrive_at)>;

class OnboardingServices {
 public:
  // `logs` receives the full system's log export requests (empty = no logs).
  OnboardingServices(EventEngine& engine, const SimulationOptions& options, GroundTruth& truth,
                     ExportSink sink, LogsSink logs = {});
  OnboardingServices(const OnboardingServices&) = delete;
  OnboardingServices& operator=(const OnboardingServices&) = delete;
  ~OnboardingServices();

  // kInvalidArgument for impossible full-system options (rates, customer mix,
  // step names, retry attempts, the Lambda configuration). The first slice's
  // options are checked by RunSimulation.
  static Status Validate(const OnboardingScenario& scenario);
  // Not OK when the constructor could not build the Lambda model (options
  // that Validate rejects).
  const Status& status() const { return status_; }

  // Starts the arrivals at engine.now() (= 0). `on_idle` runs once, when the
  // window is over and no request, message or invocation is left in flight.
  void Start(std::function<void()> on_idle);
  // Shuts the API's SDK down (its BatchSpanProcessor flushes).
  void ShutdownSdks();

  uint64_t requests() const { return requests_; }
  uint64_t invocations() const;
  uint64_t cold_starts() const;
  // Spans the SDKs dropped because their queue was full (API and Lambda).
  uint64_t sdk_dropped_spans() const;
  // The Lambda model's counters; nullptr in the first slice.
  const LambdaStats* lambda_stats() const { return lambda_ ? &lambda_->stats() : nullptr; }
  uint64_t messages_without_context() const { return messages_without_context_; }
  // The full system's business and Lambda metrics (cumulative) at
  // `now_unix_nano` (onboarding_telemetry.h); empty in the first slice.
  core::MetricsData CollectMetrics(uint64_t start_unix_nano, uint64_t now_unix_nano);

  // Writes the ground truth's "lambda" section (and, for the full system, the
  // extra "propagation" fields) into `doc`.
  void AddTruth(nlohmann::ordered_json& doc) const;

  // Real-time mode (realtime.h): requests from outside the simulation, handled
  // at engine.now() by the same API code as the background traffic (same
  // spans, SQS message, Lambda processing, metrics), full system only.
  struct ExternalRequest {
    // The incoming traceparent / baggage: the SERVER span continues that trace
    // (remote parent) and carries the baggage entries as attributes; the SQS
    // message carries both on.
    core::PropagationContext context;
    std::string customer_type;     // POST /onboard: standard, premium or enterprise
    std::string customer_id;       // POST /onboard (empty = generated); GET /customers/{id}
    std::string validation_error;  // POST /onboard: non-empty = validation fails with it
    std::string user_agent;        // the caller's User-Agent (GET /health)
  };
  struct ExternalResponse {
    int status_code = 0;
    std::string customer_id;
    std::string error;  // the failure's message when status_code >= 400
    core::TraceId trace_id{};
    core::SpanId span_id{};  // the SERVER span
    SimTime ends_at = 0;     // when the response leaves the server (its spans end)
  };
  // Whether external requests are served now: the full system, and the
  // services have not gone idle (HoldForExternal keeps them from it).
  bool AcceptsExternal() const { return lambda_ != nullptr && !idle_reported_; }
  // Keeps the services from going idle (and their SDKs from shutting down)
  // after the last background arrival, until ReleaseExternalHold.
  void HoldForExternal() { ++in_flight_; }
  void ReleaseExternalHold() {
    engine_.At(engine_.now(), [this] { Done(); });
  }
  // Precondition: AcceptsExternal(). customer_type must be a known type.
  ExternalResponse HandleOnboard(const ExternalRequest& request);
  ExternalResponse HandleHealth(const ExternalRequest& request);
  ExternalResponse HandleCustomerLookup(const ExternalRequest& request);

 private:
  struct SqsMessage {
    std::string message_id;
    core::SqsMessageAttributes attributes;
    std::string customer_id;
    std::string customer_type;
  };
  // The body of a full-system message (SqsRecord::body).
  struct CustomerMessage {
    std::string customer_id;
    int customer_type = 0;  // index into the customer profiles
    SimTime requested_at = 0;  // POST /onboard started
  };
  struct StepOutcome {
    SimTime end = 0;
    bool failed = false;
    int rejected_by = -1;  // a compliance check (step index) rejected the customer
    // Static strings (a step's constants): an outcome is assigned per step,
    // and copying two pointers is all it costs.
    const char* error_type = "";
    const char* error_message = "";
  };
  struct LambdaEnvironment {
    core::Resource resource;
  };

  void ScheduleNextArrival(SimTime after);
  void OnArrival();
  void OnMessage(const SqsMessage& message);
  void Done();  // one in-flight unit finished
  uint64_t Unix(SimTime t) const { return start_unix_nano_ + static_cast<uint64_t>(t); }
  size_t AcquireEnvironment(bool* cold);

  // Full system.
  void StartFullSystem();
  void ScheduleNextHealth(SimTime after);
  void ScheduleNextLookup(SimTime after);
  // The next arrival of a Poisson stream at `rate` per second after `after`,
  // or the end of the stream (StreamEnded) past the window or at rate 0.
  void ScheduleNextPoisson(SimTime after, double rate, Rng& rng, EventEngine::Callback on_arrival);
  void StreamEnded();
  // `external` / `response`: a request from outside (real-time mode), which
  // schedules no further arrival; nullptr for the background traffic.
  void OnOnboardRequest(const ExternalRequest* external = nullptr,
                        ExternalResponse* response = nullptr);
  void OnHealthCheck(const ExternalRequest* external = nullptr,
                     ExternalResponse* response = nullptr);
  void OnCustomerLookup(const ExternalRequest* external = nullptr,
                        ExternalResponse* response = nullptr);
  HandlerResult HandleBatch(const LambdaInvocation& invocation);
  void OnMessageDone(const SqsRecord& record, bool dead_lettered);
  // Runs step `step_index` of the processing (all its attempts) from `t`,
  // appending its spans.
  StepOutcome RunStep(size_t step_index, const LambdaInvocation& invocation,
                      const core::TraceId& trace_id, const core::SpanId& parent_id,
                      const CustomerMessage& customer, SimTime t, HandlerResult& result);
  GroundTruth::OpId LambdaOp(size_t step_index, const char* name);
  // Registers (service, name) into `slot` the first time.
  GroundTruth::OpId LazyOp(GroundTruth::OpId& slot, const char* service, const char* name);
  int DrawCustomerType(Rng& rng) const;

  EventEngine& engine_;
  const SimulationOptions& options_;
  GroundTruth& truth_;
  ExportSink sink_;
  uint64_t start_unix_nano_;
  Rng arrivals_rng_;
  // POST /onboard arrivals over OnboardingScenario::traffic (nullptr = constant rate).
  std::unique_ptr<ArrivalProcess> arrivals_;
  Rng api_rng_;
  Rng lambda_rng_;

  std::unique_ptr<BatchSpanProcessorModel> api_bsp_;
  core::Resource lambda_base_resource_;
  core::InstrumentationScope lambda_scope_;
  std::string lambda_instance_prefix_;
  std::vector<LambdaEnvironment> environments_;
  std::set<size_t> idle_environments_;

  GroundTruth::OpId op_server_, op_validate_, op_enrich_, op_send_;
  GroundTruth::OpId op_process_, op_step_validation_, op_step_compliance_, op_step_store_;

  // Full system.
  Status status_;
  std::unique_ptr<SqsLambdaModel> lambda_;
  Rng health_rng_;
  Rng lookup_rng_;
  std::vector<double> customer_mix_cumulative_;  // by profile index
  std::vector<double> step_error_rates_;         // by step index
  std::vector<GroundTruth::OpId> lambda_ops_;    // by step index, then extra names
  static constexpr GroundTruth::OpId kNoOp = static_cast<GroundTruth::OpId>(-1);
  GroundTruth::OpId op_risk_ = kNoOp, op_health_ = kNoOp, op_lookup_ = kNoOp, op_get_item_ = kNoOp,
                    op_batch_ = kNoOp;
  // Faults of the scenario (nullptr / empty without a FaultSet).
  const TargetFaults* api_faults_ = nullptr;
  const TargetFaults* sqs_faults_ = nullptr;
  const TargetFaults* lambda_faults_ = nullptr;  // error_rate / slow_dependency on every step
  std::vector<const TargetFaults*> step_faults_;  // by step index
  std::vector<std::string> recent_customers_;     // a ring, for GET /customers/{id}
  size_t recent_next_ = 0;
  int open_extra_streams_ = 0;  // GET /health and GET /customers/{id} streams still arriving
  uint64_t messages_without_context_ = 0;

  std::function<void()> on_idle_;
  bool arrivals_done_ = false;
  bool idle_reported_ = false;
  int64_t in_flight_ = 0;
  uint64_t requests_ = 0;
  uint64_t invocations_ = 0;
  uint64_t cold_starts_ = 0;

  // Full system: business metrics, Lambda metrics and logs.
  LogsSink logs_sink_;
  std::unique_ptr<OnboardingTelemetry> telemetry_;
  // Message id -> the compliance check (step index) that rejected the
  // customer in the message's latest processing (read when it is deleted).
  std::unordered_map<std::string, int> rejected_by_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_ONBOARDING_SERVICES_H_
