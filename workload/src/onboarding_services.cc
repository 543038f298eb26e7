#include "onboarding_services.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

namespace tflo::workload {
namespace {

constexpr const char* kApiService = "onboarding-api";
constexpr const char* kLambdaService = "onboarding-lambda";
constexpr const char* kServiceNamespace = "onboarding";
constexpr const char* kServiceVersion = "2.0.0";
constexpr const char* kEnvironment = "demo";
constexpr const char* kQueueName = "onboarding-queue";
constexpr const char* kRegion = "us-east-1";
constexpr const char* kSdkVersion = "1.27.0";
constexpr int64_t kLambdaMemoryBytes = 512LL * 1024 * 1024;

// OTLP Span.flags: the W3C trace flags (sampled) in bits 0-7, plus
// SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE (0x100) and, for a parent extracted from a
// carrier, SPAN_FLAGS_CONTEXT_IS_REMOTE (0x200).
constexpr uint32_t kFlagsLocalParent = 0x101;
constexpr uint32_t kFlagsRemoteParent = 0x301;

// One-way network time from an SDK to the collector: the API runs next to it
// (ECS task), the Lambda reaches it over the VPC.
constexpr SimTime kApiExportLatency = 500 * kMicrosecond;
constexpr SimTime kLambdaExportLatency = 2 * kMillisecond;

// A latency drawn from a log-normal with the given median, quantised to
// integer nanoseconds (at least 1) before anything records it.
SimTime Draw(Rng& rng, double median_ms, double sigma) {
  const double ns = rng.LogNormal(median_ms, sigma) * 1e6;
  return std::max<SimTime>(1, RoundToInt64(ns));
}


// Sets the identity and timing of a new (default-constructed) span in place.
void InitSpan(core::Span& span, const core::TraceId& trace_id, const core::SpanId& span_id,
              const core::SpanId& parent_id, core::Name name, core::SpanKind kind,
              uint64_t start_unix_nano, SimTime duration, uint32_t flags) {
  span.trace_id = trace_id;
  span.span_id = span_id;
  span.parent_span_id = parent_id;
  span.flags = flags;
  span.name = std::move(name);
  span.kind = kind;
  span.start_time_unix_nano = start_unix_nano;
  span.end_time_unix_nano = start_unix_nano + static_cast<uint64_t>(duration);
}

core::Span MakeSpan(const core::TraceId& trace_id, const core::SpanId& span_id,
                    const core::SpanId& parent_id, core::Name name, core::SpanKind kind,
                    uint64_t start_unix_nano, SimTime duration, uint32_t flags) {
  core::Span span;
  InitSpan(span, trace_id, span_id, parent_id, std::move(name), kind, start_unix_nano, duration,
           flags);
  return span;
}

void SetError(core::Span& span, const std::string& type, const std::string& message,
              uint64_t at_unix_nano) {
  span.status.code = core::StatusCode::kError;
  span.status.message = message;
  core::SpanEvent event;
  event.time_unix_nano = at_unix_nano;
  event.name = "exception";
  event.attributes = {{"exception.type", type}, {"exception.message", message}};
  span.events.push_back(std::move(event));
}

// The attributes of the API's POST /onboard SERVER span, shared by the first
// slice and the full system.
// (Built by copying attribute blocks made once: a braced list would build each
// attribute from literals and then copy it into the vector.)
core::Attributes OnboardServerAttributes(int64_t status_code, std::string_view customer_type,
                                         const std::string& customer_id) {
  static const core::SharedAttributeBlock kConstants = core::MakeStaticAttributeBlock(
      {{"http.request.method", "POST"},
       {"url.path", "/onboard"},
       {"url.scheme", "http"},
       {"http.route", "/onboard"},
       {"server.address", kApiService},
       {"server.port", 8080},
       {"network.protocol.version", "1.1"}});
  core::Attributes a(kConstants);
  a.reserve(a.size() + 6);  // room for error.type and baggage
  a.emplace_back("http.response.status_code", status_code);
  a.emplace_back("customer.type", std::string(customer_type));
  a.emplace_back("customer.id", customer_id);
  return a;
}

// The attributes of an sqs.send PRODUCER span (full system).
core::Attributes SqsSendAttributes(const std::string& message_id, const std::string& customer_id,
                                   const char* customer_type) {
  static const core::SharedAttributeBlock kConstants =
      core::MakeStaticAttributeBlock({{"messaging.system", "aws_sqs"},
                                      {"messaging.destination.name", kQueueName},
                                      {"messaging.operation.type", "send"},
                                      {"messaging.operation.name", "SendMessage"},
                                      {"rpc.system", "aws-api"},
                                      {"rpc.service", "SQS"},
                                      {"rpc.method", "SendMessage"}});
  core::Attributes a(kConstants);
  a.reserve(a.size() + 4);
  a.emplace_back("messaging.message.id", message_id);
  a.emplace_back("customer.id", customer_id);
  a.emplace_back("customer.type", customer_type);
  return a;
}

// The attributes of the Lambda's sqs.process CONSUMER span for one record.
core::Attributes SqsProcessAttributes(const std::string& message_id, bool cold_start,
                                      const std::string& customer_id, const char* customer_type) {
  static const core::SharedAttributeBlock kConstants =
      core::MakeStaticAttributeBlock({{"messaging.system", "aws_sqs"},
                                      {"messaging.destination.name", kQueueName},
                                      {"messaging.operation.type", "process"},
                                      {"messaging.operation.name", "process"}});
  core::Attributes a(kConstants);
  a.reserve(a.size() + 6);
  a.emplace_back("messaging.message.id", message_id);
  a.emplace_back("faas.coldstart", cold_start);
  a.emplace_back("customer.id", customer_id);
  a.emplace_back("customer.type", customer_type);
  return a;
}

// The attributes of the sqs.process_batch span (one per invocation).
core::Attributes SqsBatchAttributes(const std::string& invocation_id, bool cold_start,
                                    int64_t message_count, int64_t failed_records) {
  static const core::SharedAttributeBlock kConstants =
      core::MakeStaticAttributeBlock({{"faas.trigger", "pubsub"},
                                      {"messaging.system", "aws_sqs"},
                                      {"messaging.destination.name", kQueueName},
                                      {"messaging.operation.type", "process"},
                                      {"messaging.operation.name", "process"}});
  core::Attributes a(kConstants);
  a.reserve(a.size() + 6);  // room for error.type
  a.emplace_back("faas.invocation_id", invocation_id);
  a.emplace_back("faas.coldstart", cold_start);
  a.emplace_back("messaging.batch.message_count", message_count);
  a.emplace_back("onboarding.batch.failed_records", failed_records);
  return a;
}

core::Attributes CommonResource(const char* service) {
  return {{"service.name", service},
          {"service.namespace", kServiceNamespace},
          {"service.version", kServiceVersion},
          {"deployment.environment", kEnvironment},
          {"telemetry.sdk.name", "opentelemetry"},
          {"telemetry.sdk.language", "python"},
          {"telemetry.sdk.version", kSdkVersion},
          {"cloud.provider", "aws"},
          {"cloud.region", kRegion}};
}

constexpr std::array<const char*, 3> kValidationFailures = {
    "email address is not valid",
    "missing required field: tax_id",
    "date_of_birth is out of range",
};

}  // namespace

OnboardingServices::OnboardingServices(EventEngine& engine, const SimulationOptions& options,
                                       GroundTruth& truth, ExportSink sink, LogsSink logs)
    : engine_(engine),
      options_(options),
      truth_(truth),
      sink_(std::move(sink)),
      start_unix_nano_(options.start_unix_nano),
      arrivals_rng_(Rng::ForStream(options.seed, 1)),
      api_rng_(Rng::ForStream(options.seed, 2)),
      lambda_rng_(Rng::ForStream(options.seed, 3)),
      health_rng_(Rng::ForStream(options.seed, 4)),
      lookup_rng_(Rng::ForStream(options.seed, 5)),
      logs_sink_(std::move(logs)) {
  if (options.onboarding.traffic) {
    arrivals_ = std::make_unique<ArrivalProcess>(*options.onboarding.traffic,
                                                 options.start_unix_nano, arrivals_rng_);
  }
  core::Resource api_resource;
  api_resource.attributes = CommonResource(kApiService);
  api_resource.attributes.push_back({"cloud.platform", "aws_ecs"});
  api_resource.attributes = core::Attributes::Shared(api_resource.attributes);
  core::InstrumentationScope api_scope{kApiService, kServiceVersion, {}, 0};
  api_bsp_ = std::make_unique<BatchSpanProcessorModel>(
      engine_, BatchSpanProcessorOptions{}, std::move(api_resource), std::move(api_scope),
      [this](core::TracesData&& request) {
        sink_(std::move(request), engine_.now() + kApiExportLatency);
      });

  lambda_base_resource_.attributes = CommonResource(kLambdaService);
  lambda_base_resource_.attributes.push_back({"cloud.platform", "aws_lambda"});
  lambda_base_resource_.attributes.push_back({"faas.name", kLambdaService});
  lambda_base_resource_.attributes.push_back({"faas.version", "$LATEST"});
  lambda_base_resource_.attributes.push_back({"faas.max_memory", kLambdaMemoryBytes});
  lambda_base_resource_.attributes = core::Attributes::Shared(lambda_base_resource_.attributes);
  lambda_scope_ = core::InstrumentationScope{kLambdaService, kServiceVersion, {}, 0};
  lambda_instance_prefix_ = LambdaLogStreamPrefix(start_unix_nano_);

  op_server_ = truth_.Register(kApiService, "POST /onboard");
  op_validate_ = truth_.Register(kApiService, "validate_customer_data");
  op_enrich_ = truth_.Register(kApiService, "enrich_customer_data");
  op_send_ = truth_.Register(kApiService, "sqs.send");
  op_process_ = truth_.Register(kLambdaService, "sqs.process");
  if (options_.onboarding.full_system) {
    // The full system registers its other operations when they first occur.
    op_step_validation_ = op_step_compliance_ = op_step_store_ = kNoOp;
    StartFullSystem();
    return;
  }
  op_step_validation_ = truth_.Register(kLambdaService, "validation");
  op_step_compliance_ = truth_.Register(kLambdaService, "compliance_check");
  op_step_store_ = truth_.Register(kLambdaService, "store_customer");
}

OnboardingServices::~OnboardingServices() = default;

void OnboardingServices::Start(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  api_bsp_->Start();
  if (telemetry_) telemetry_->Start();
  ScheduleNextArrival(engine_.now());
  if (lambda_) {
    open_extra_streams_ = 2;
    ScheduleNextHealth(engine_.now());
    ScheduleNextLookup(engine_.now());
  }
}

void OnboardingServices::ShutdownSdks() {
  api_bsp_->Shutdown();
  if (lambda_) lambda_->Shutdown();
  if (telemetry_) telemetry_->Shutdown();
}

core::MetricsData OnboardingServices::CollectMetrics(uint64_t start_unix_nano,
                                                     uint64_t now_unix_nano) {
  if (!telemetry_) return {};
  return telemetry_->Collect(start_unix_nano, now_unix_nano, lambda_->stats());
}

uint64_t OnboardingServices::invocations() const {
  return lambda_ ? lambda_->stats().invocations : invocations_;
}

uint64_t OnboardingServices::cold_starts() const {
  return lambda_ ? lambda_->stats().cold_starts : cold_starts_;
}

uint64_t OnboardingServices::sdk_dropped_spans() const {
  return api_bsp_->dropped_spans() + (lambda_ ? lambda_->stats().spans_dropped_queue_full : 0);
}

void OnboardingServices::ScheduleNextArrival(SimTime after) {
  SimTime next = options_.window.count();
  if (arrivals_) {
    if (const std::optional<SimTime> t = arrivals_->Next(after, options_.window.count())) next = *t;
  } else {
    const double mean_gap_ns = 1e9 / options_.onboarding.requests_per_second;
    next = after + std::max<SimTime>(1, RoundToInt64(arrivals_rng_.Exponential(mean_gap_ns)));
  }
  if (next < options_.window.count()) {
    if (lambda_) {
      engine_.At(next, [this] { OnOnboardRequest(); });
    } else {
      engine_.At(next, [this] { OnArrival(); });
    }
    return;
  }
  arrivals_done_ = true;
  ++in_flight_;  // checked through Done() from an event, never re-entrantly
  engine_.At(engine_.now(), [this] { Done(); });
}

void OnboardingServices::Done() {
  --in_flight_;
  if (arrivals_done_ && open_extra_streams_ == 0 && in_flight_ == 0 && !idle_reported_) {
    idle_reported_ = true;
    if (on_idle_) on_idle_();
  }
}

// POST /onboard on onboarding-api: validate, enrich, send to SQS.
void OnboardingServices::OnArrival() {
  Rng& rng = api_rng_;
  const SimTime t0 = engine_.now();
  ++requests_;
  ++in_flight_;

  const core::TraceId trace_id = rng.NewTraceId();
  const core::SpanId server_id = rng.NewSpanId();
  const double u = rng.Uniform();
  const char* customer_type = u < 0.70 ? "standard" : (u < 0.90 ? "premium" : "enterprise");
  // Enterprise customers carry more data to check and enrich.
  const double type_factor = u < 0.70 ? 1.0 : (u < 0.90 ? 1.15 : 1.5);
  const std::string customer_id = "CUST-" + HexWord(rng.Next(), 10);

  std::vector<core::Span> spans;
  spans.reserve(4);
  SimTime t = t0 + Draw(rng, 0.4, 0.3);  // routing and request parsing

  // validate_customer_data
  const SimTime validate_duration = Draw(rng, 3.0 * type_factor, 0.35);
  const bool invalid = rng.Bernoulli(options_.onboarding.validation_error_rate);
  {
    core::Span span =
        MakeSpan(trace_id, rng.NewSpanId(), server_id, "validate_customer_data",
                 core::SpanKind::kInternal, Unix(t), validate_duration, kFlagsLocalParent);
    span.attributes = {{"customer.type", customer_type}, {"customer.id", customer_id}};
    if (invalid) {
      const char* failure = kValidationFailures.at(rng.UniformInt(kValidationFailures.size()));
      span.attributes.push_back({"error.type", "ValidationError"});
      SetError(span, "ValidationError", failure, Unix(t + validate_duration));
    }
    truth_.RecordSpan(op_validate_, validate_duration, invalid);
    spans.push_back(std::move(span));
  }
  t += validate_duration;

  int64_t status_code = 400;
  std::shared_ptr<SqsMessage> message;
  SimTime message_received_at = 0;
  if (!invalid) {
    t += Draw(rng, 0.1, 0.3);
    const SimTime enrich_duration = Draw(rng, 12.0 * type_factor, 0.4);
    core::Span enrich =
        MakeSpan(trace_id, rng.NewSpanId(), server_id, "enrich_customer_data",
                 core::SpanKind::kInternal, Unix(t), enrich_duration, kFlagsLocalParent);
    enrich.attributes = {{"customer.type", customer_type},
                         {"customer.id", customer_id},
                         {"enrichment.risk_score", std::round(rng.Uniform(0, 100) * 10) / 10}};
    truth_.RecordSpan(op_enrich_, enrich_duration, false);
    spans.push_back(std::move(enrich));
    t += enrich_duration + Draw(rng, 0.1, 0.3);

    // sqs.send: the W3C context is injected inside the producer span.
    const SimTime send_duration = Draw(rng, 14.0, 0.35);
    const core::SpanId send_id = rng.NewSpanId();
    message = std::make_shared<SqsMessage>();
    message->message_id = rng.NewUuid();
    message->customer_id = customer_id;
    message->customer_type = customer_type;
    core::PropagationContext context;
    context.traceparent = core::TraceParent{trace_id, send_id, core::kTraceFlagSampled};
    core::InjectSqs(context, message->attributes);
    truth_.CountMessageSent();

    core::Span send = MakeSpan(trace_id, send_id, server_id, "sqs.send", core::SpanKind::kProducer,
                               Unix(t), send_duration, kFlagsLocalParent);
    send.attributes = {{"messaging.system", "aws_sqs"},
                       {"messaging.destination.name", kQueueName},
                       {"messaging.operation.type", "send"},
                       {"messaging.operation.name", "SendMessage"},
                       {"messaging.message.id", message->message_id},
                       {"rpc.system", "aws-api"},
                       {"rpc.service", "SQS"},
                       {"rpc.method", "SendMessage"},
                       {"customer.id", customer_id}};
    truth_.RecordSpan(op_send_, send_duration, false);
    spans.push_back(std::move(send));
    t += send_duration;
    // The event source mapping's long poll picks the message up.
    message_received_at = t + Draw(rng, 25.0, 0.5);
    status_code = 202;
  }

  const SimTime server_end = t + Draw(rng, 0.5, 0.3);
  core::Span server =
      MakeSpan(trace_id, server_id, core::SpanId{}, "POST /onboard", core::SpanKind::kServer,
               Unix(t0), server_end - t0, kFlagsLocalParent);
  // HTTP 4xx leaves a SERVER span's status unset (semantic conventions).
  server.attributes = OnboardServerAttributes(status_code, customer_type, customer_id);
  truth_.RecordSpan(op_server_, server_end - t0, false);
  spans.push_back(std::move(server));

  // The SDK sees the spans when they end; they are handed over together when
  // the request completes (children end a few ms earlier, which only matters
  // for which BatchSpanProcessor export they fall into at a boundary).
  engine_.At(server_end, [this, spans = std::move(spans)]() mutable {
    for (auto& span : spans) api_bsp_->OnEnd(std::move(span));
    Done();
  });
  if (message) {
    ++in_flight_;
    engine_.At(message_received_at, [this, message] { OnMessage(*message); });
  }
  ScheduleNextArrival(t0);
}

size_t OnboardingServices::AcquireEnvironment(bool* cold) {
  if (!idle_environments_.empty()) {
    const size_t env = *idle_environments_.begin();
    idle_environments_.erase(idle_environments_.begin());
    *cold = false;
    return env;
  }
  *cold = true;
  LambdaEnvironment env;
  env.resource = lambda_base_resource_;
  env.resource.attributes.push_back(
      {"faas.instance", lambda_instance_prefix_ + core::ToHex(lambda_rng_.NewTraceId())});
  environments_.push_back(std::move(env));
  return environments_.size() - 1;
}

// One invocation of onboarding-lambda for one SQS message (batch size 1).
void OnboardingServices::OnMessage(const SqsMessage& message) {
  Rng& rng = lambda_rng_;
  bool cold = false;
  const size_t env = AcquireEnvironment(&cold);
  ++invocations_;
  if (cold) ++cold_starts_;

  // A cold start runs the init phase (runtime, imports, SDK setup) first.
  const SimTime start = engine_.now() + (cold ? Draw(rng, 900.0, 0.2) : Draw(rng, 1.0, 0.4));

  const core::PropagationContext context = core::ExtractSqs(message.attributes);
  core::TraceId trace_id{};
  core::SpanId parent_id{};
  uint32_t process_flags = kFlagsLocalParent;
  if (context.traceparent) {
    trace_id = context.traceparent->trace_id;
    parent_id = context.traceparent->parent_id;
    process_flags = kFlagsRemoteParent;
    truth_.CountConsumerWithParent();
  } else {
    trace_id = rng.NewTraceId();
  }
  const core::SpanId process_id = rng.NewSpanId();
  const double type_factor = message.customer_type == "enterprise"
                                 ? 1.5
                                 : (message.customer_type == "premium" ? 1.15 : 1.0);

  struct Step {
    const char* name;
    core::SpanKind kind;
    double median_ms;
    double sigma;
    GroundTruth::OpId op;
    const char* error_type;
    const char* error_message;
  };
  const std::array<Step, 3> steps = {{
      {"validation", core::SpanKind::kInternal, 5.0, 0.3, op_step_validation_, "ValidationError",
       "customer record failed schema validation"},
      {"compliance_check", core::SpanKind::kInternal, 150.0 * type_factor, 0.35,
       op_step_compliance_, "ComplianceCheckError", "AML screening service returned an error"},
      {"store_customer", core::SpanKind::kClient, 25.0, 0.45, op_step_store_,
       "botocore.exceptions.ClientError",
       "An error occurred (ProvisionedThroughputExceededException) when calling the PutItem "
       "operation"},
  }};

  std::vector<core::Span> spans;
  spans.reserve(steps.size() + 1);
  SimTime t = start + Draw(rng, 0.3, 0.3);
  const Step* failed = nullptr;
  SimTime failed_at = 0;
  for (const Step& step : steps) {
    SimTime duration = Draw(rng, step.median_ms, step.sigma);
    const bool error = rng.Bernoulli(options_.onboarding.error_rate);
    // A failing step stops part-way through.
    if (error)
      duration =
          std::max<SimTime>(1, RoundToInt64(static_cast<double>(duration) * rng.Uniform(0.3, 1.0)));
    core::Span span = MakeSpan(trace_id, rng.NewSpanId(), process_id, core::Name::Static(step.name),
                               step.kind, Unix(t), duration, kFlagsLocalParent);
    span.attributes = {{"onboarding.step", step.name}, {"customer.id", message.customer_id}};
    if (step.kind == core::SpanKind::kClient) {
      span.attributes.push_back({"db.system", "dynamodb"});
      span.attributes.push_back({"rpc.system", "aws-api"});
      span.attributes.push_back({"rpc.service", "DynamoDB"});
      span.attributes.push_back({"rpc.method", "PutItem"});
      span.attributes.push_back(
          {"aws.dynamodb.table_names", core::ArrayValue{{core::AnyValue("customers")}}});
      span.attributes.push_back({"server.address", "dynamodb.us-east-1.amazonaws.com"});
      span.attributes.push_back({"cloud.region", kRegion});
    } else if (step.op == op_step_compliance_) {
      span.attributes.push_back({"compliance.checks", "kyc,aml,sanctions,pep"});
    }
    if (error) SetError(span, step.error_type, step.error_message, Unix(t + duration));
    truth_.RecordSpan(step.op, duration, error);
    spans.push_back(std::move(span));
    t += duration;
    if (error) {
      failed = &step;
      failed_at = t;
      break;  // the exception aborts the handler
    }
    t += Draw(rng, 0.2, 0.3);
  }
  const SimTime end = t + Draw(rng, 0.3, 0.3);

  core::Span process = MakeSpan(trace_id, process_id, parent_id, "sqs.process",
                                core::SpanKind::kConsumer, Unix(start), end - start, process_flags);
  process.attributes = {{"messaging.system", "aws_sqs"},
                        {"messaging.destination.name", kQueueName},
                        {"messaging.operation.type", "process"},
                        {"messaging.operation.name", "process"},
                        {"messaging.message.id", message.message_id},
                        {"faas.trigger", "pubsub"},
                        {"faas.coldstart", cold},
                        {"faas.invocation_id", rng.NewUuid()},
                        {"customer.id", message.customer_id},
                        {"customer.type", message.customer_type}};
  if (failed != nullptr)
    SetError(process, failed->error_type, failed->error_message, Unix(failed_at));
  truth_.RecordSpan(op_process_, end - start, failed != nullptr);
  spans.push_back(std::move(process));

  // force_flush before the handler returns: the invocation's spans leave as
  // one export request; the environment is busy until the export returned.
  core::ScopeSpans scope_spans;
  scope_spans.scope = lambda_scope_;
  scope_spans.spans = std::move(spans);
  core::ResourceSpans resource_spans;
  resource_spans.resource = environments_[env].resource;
  resource_spans.scope_spans.push_back(std::move(scope_spans));
  core::TracesData request;
  request.resource_spans.push_back(std::move(resource_spans));
  sink_(std::move(request), end + kLambdaExportLatency);

  const SimTime flush_done = end + 2 * kLambdaExportLatency + Draw(rng, 1.0, 0.3);
  engine_.At(flush_done, [this, env] {
    idle_environments_.insert(env);
    Done();
  });
}

// ---- the full system -----------------------------------------------------------------

namespace {

// Customer types (seed 000: "different customer types (standard, premium,
// enterprise)"): larger customers carry more data to check, more documents to
// store, and an account team to notify.
struct CustomerProfile {
  const char* name;
  double api_factor;         // validation, enrichment, risk scoring
  double compliance_factor;  // KYC, AML, sanctions, PEP
  double document_factor;    // S3 documents
  bool notify_team;          // SNS notification of the account team
};
constexpr std::array<CustomerProfile, 3> kProfiles = {{
    {"standard", 1.0, 1.0, 1.0, false},
    {"premium", 1.15, 1.25, 1.6, true},
    {"enterprise", 1.5, 1.7, 3.0, true},
}};

enum class Call { kInternal, kHttp, kDynamoDb, kS3, kSes, kSns, kSfn };
enum class Scale { kNone, kApi, kCompliance, kDocument };

// One processing step of the Lambda (seed 000, "Processing Steps" 1-7).
struct StepSpec {
  const char* step;       // the error-rate key, and onboarding.step
  const char* span_name;  // AWS SDK spans are named "{rpc.service}.{rpc.method}"
  Call call;
  const char* method;    // rpc.method, or the URL path of an HTTP call
  const char* resource;  // table, bucket, topic, state machine, or HTTP host
  double median_ms;      // at one vCPU for CPU-bound steps
  double sigma;
  bool cpu_bound;  // scaled by the function's CPU share
  Scale scale;
  const char* error_code;     // error.type of a failed attempt
  const char* error_message;  // exception.message of a failed attempt
};

constexpr const char* kComplianceHost = "compliance.example.com";
constexpr std::array<StepSpec, 12> kSteps = {{
    {"validation", "validation", Call::kInternal, "", "", 1.5, 0.3, true, Scale::kApi,
     "ValidationError", "customer record failed schema validation"},
    {"enrichment", "enrichment", Call::kInternal, "", "", 3.5, 0.35, true, Scale::kApi,
     "EnrichmentError", "company registry returned no match for the customer"},
    {"kyc", "kyc_check", Call::kHttp, "/v1/kyc", kComplianceHost, 45, 0.4, false,
     Scale::kCompliance, "503",
     "503 Server Error: Service Unavailable for url: https://compliance.example.com/v1/kyc"},
    {"aml", "aml_screening", Call::kHttp, "/v1/aml", kComplianceHost, 60, 0.4, false,
     Scale::kCompliance, "503",
     "503 Server Error: Service Unavailable for url: https://compliance.example.com/v1/aml"},
    {"sanctions", "sanctions_screening", Call::kHttp, "/v1/sanctions", kComplianceHost, 25, 0.4,
     false, Scale::kCompliance, "503",
     "503 Server Error: Service Unavailable for url: https://compliance.example.com/v1/sanctions"},
    {"pep", "pep_screening", Call::kHttp, "/v1/pep", kComplianceHost, 20, 0.4, false,
     Scale::kCompliance, "503",
     "503 Server Error: Service Unavailable for url: https://compliance.example.com/v1/pep"},
    {"audit", "DynamoDB.PutItem", Call::kDynamoDb, "PutItem", "onboarding-audit-trail", 9, 0.4,
     false, Scale::kNone, "ProvisionedThroughputExceededException",
     "An error occurred (ProvisionedThroughputExceededException) when calling the PutItem "
     "operation"},
    {"s3", "S3.PutObject", Call::kS3, "PutObject", "onboarding-customer-documents", 30, 0.45, false,
     Scale::kDocument, "SlowDown",
     "An error occurred (SlowDown) when calling the PutObject operation: Please reduce your "
     "request rate."},
    {"dynamodb", "DynamoDB.UpdateItem", Call::kDynamoDb, "UpdateItem", "customers", 8, 0.4, false,
     Scale::kNone, "ProvisionedThroughputExceededException",
     "An error occurred (ProvisionedThroughputExceededException) when calling the UpdateItem "
     "operation"},
    {"notification", "SES.SendEmail", Call::kSes, "SendEmail", "", 40, 0.4, false, Scale::kNone,
     "Throttling",
     "An error occurred (Throttling) when calling the SendEmail operation: Maximum sending rate "
     "exceeded."},
    {"notification", "SNS.Publish", Call::kSns, "Publish", "onboarding-team-notifications", 18, 0.4,
     false, Scale::kNone, "ThrottledException",
     "An error occurred (ThrottledException) when calling the Publish operation"},
    {"workflow", "SFN.StartExecution", Call::kSfn, "StartExecution", "onboarding-follow-up", 28,
     0.4, false, Scale::kNone, "ThrottlingException",
     "An error occurred (ThrottlingException) when calling the StartExecution operation"},
}};
constexpr size_t kSnsStep = 10;
// The compliance checks (compliance_checks_total{check}): steps kyc .. pep.
constexpr size_t kFirstCheckStep = 2;
constexpr size_t kChecks = 4;
// After a rejection the record skips to the audit trail and the status update.
constexpr size_t kAuditStep = 6;
constexpr size_t kS3Step = 7;
constexpr size_t kDynamoDbStep = 8;
// The step names a scenario may give error rates for (OnboardingScenario::step_error_rates).
constexpr std::array<std::string_view, 11> kStepNames = {
    "validation", "enrichment", "kyc",      "aml",          "sanctions", "pep",
    "audit",      "s3",         "dynamodb", "notification", "workflow"};

// botocore "standard" retry mode: full-jitter exponential backoff,
// rand() x 2^(attempt - 1) seconds, at most 20 s.
constexpr double kRetryBaseSeconds = 1.0;
constexpr double kRetryMaxSeconds = 20.0;
constexpr int kMaxAwsAttempts = 10;
constexpr size_t kRecentCustomers = 4096;
constexpr double kLookupHitRate = 0.9;  // GET /customers/{id} of a known customer
constexpr double kMaxSideRate = 1e6;    // requests/s, a sanity bound

const char* RpcService(Call call) {
  switch (call) {
    case Call::kDynamoDb:
      return "DynamoDB";
    case Call::kS3:
      return "S3";
    case Call::kSes:
      return "SES";
    case Call::kSns:
      return "SNS";
    case Call::kSfn:
      return "SFN";
    default:
      return "";
  }
}

const char* ServerAddress(Call call) {
  switch (call) {
    case Call::kDynamoDb:
      return "dynamodb.us-east-1.amazonaws.com";
    case Call::kS3:
      return "s3.us-east-1.amazonaws.com";
    case Call::kSes:
      return "email.us-east-1.amazonaws.com";
    case Call::kSns:
      return "sns.us-east-1.amazonaws.com";
    case Call::kSfn:
      return "states.us-east-1.amazonaws.com";
    default:
      return "";
  }
}

// The attributes of `step` that are the same on every attempt, onboarding.step
// first. Built once per step and shared by every span of it (see
// AddStepAttributes).
std::vector<core::KeyValue> BuildStepConstants(const StepSpec& step) {
  std::vector<core::KeyValue> a;
  a.emplace_back("onboarding.step", step.step);
  if (step.call == Call::kInternal) return a;
  if (step.call == Call::kHttp) {
    a.emplace_back("http.request.method", "POST");
    a.emplace_back("url.full", std::string("https://") + step.resource + step.method);
    a.emplace_back("server.address", step.resource);
    a.emplace_back("server.port", 443);
    return a;
  }
  a.emplace_back("rpc.system", "aws-api");
  a.emplace_back("rpc.service", RpcService(step.call));
  a.emplace_back("rpc.method", step.method);
  a.emplace_back("server.address", ServerAddress(step.call));
  a.emplace_back("cloud.region", kRegion);
  switch (step.call) {
    case Call::kDynamoDb:
      a.emplace_back("db.system", "dynamodb");
      a.emplace_back("db.operation", step.method);
      a.emplace_back("aws.dynamodb.table_names", core::ArrayValue{{core::AnyValue(step.resource)}});
      break;
    case Call::kS3:
      a.emplace_back("aws.s3.bucket", step.resource);
      break;
    case Call::kSns:
      a.emplace_back("messaging.system", "aws_sns");
      a.emplace_back("messaging.destination.name", step.resource);
      a.emplace_back("messaging.operation.type", "send");
      a.emplace_back("messaging.operation.name", "Publish");
      break;
    case Call::kSfn:
      a.emplace_back(
          "aws.step_functions.state_machine.arn",
          std::string("arn:aws:states:us-east-1:123456789012:stateMachine:") + step.resource);
      break;
    default:
      break;
  }
  return a;
}

// The attributes instrumentation puts on one attempt of `step`.
void AddStepAttributes(core::Span& span, const StepSpec& step, const std::string& customer_id,
                       bool error) {
  // Immutable once built (thread-safe static initialisation).
  static const std::array<core::SharedAttributeBlock, kSteps.size()> kConstants = [] {
    std::array<core::SharedAttributeBlock, kSteps.size()> table;
    for (size_t i = 0; i < kSteps.size(); ++i) {
      table[i] = core::MakeStaticAttributeBlock(BuildStepConstants(kSteps[i]));
    }
    return table;
  }();
  core::Attributes& a = span.attributes;
  a = core::Attributes(kConstants.at(static_cast<size_t>(&step - kSteps.data())));
  a.reserve(a.size() + 4);  // customer.id, a status or key, a resend count, a result
  a.emplace_back("customer.id", customer_id);
  if (step.call == Call::kHttp) {
    a.emplace_back("http.response.status_code", error ? 503 : 200);
  } else if (step.call == Call::kS3) {
    a.emplace_back("aws.s3.key", "customers/" + customer_id + "/onboarding-documents.json");
  }
}

// A latency under the target's slow_dependency faults active at `at`.
SimTime Slowed(const TargetFaults* faults, SimTime duration, SimTime at) {
  if (faults == nullptr || faults->empty()) return duration;
  const std::chrono::nanoseconds elapsed(at);
  const double slowed = static_cast<double>(duration) * faults->LatencyMultiplier(elapsed);
  return std::max<SimTime>(1, RoundToInt64(slowed) + faults->ExtraLatency(elapsed).count());
}

// A processing step's latency under its own faults and the function's
// (onboarding.lambda), combined as FaultSet combines overlapping faults:
// factors multiply, extra latencies add.
SimTime Slowed(const TargetFaults* step, const TargetFaults* function, SimTime duration,
               SimTime at) {
  const bool step_empty = step == nullptr || step->empty();
  const bool function_empty = function == nullptr || function->empty();
  if (function_empty) return Slowed(step, duration, at);
  if (step_empty) return Slowed(function, duration, at);
  const std::chrono::nanoseconds elapsed(at);
  const double slowed = static_cast<double>(duration) * step->LatencyMultiplier(elapsed) *
                        function->LatencyMultiplier(elapsed);
  return std::max<SimTime>(1, RoundToInt64(slowed) + step->ExtraLatency(elapsed).count() +
                                  function->ExtraLatency(elapsed).count());
}

double FailureProbability(const TargetFaults* faults, double base, SimTime at) {
  if (faults == nullptr || faults->empty()) return base;
  return faults->ErrorProbability(std::chrono::nanoseconds(at), base);
}

double BrokenProbability(const TargetFaults* faults, SimTime at) {
  if (faults == nullptr || faults->empty()) return 0;
  return faults->BrokenPropagationProbability(std::chrono::nanoseconds(at));
}

const char* ExceptionType(Call call) {
  if (call == Call::kHttp) return "requests.exceptions.HTTPError";
  return "botocore.exceptions.ClientError";
}

// The SERVER span of a request from outside (real-time mode): it continues the
// caller's trace (a remote parent) and carries the baggage entries as
// attributes, as a BaggageSpanProcessor does. The sampled flag is not
// honoured: every request is recorded.
void ContinueExternal(core::Span& span, const OnboardingServices::ExternalRequest& external) {
  if (external.context.traceparent) {
    span.trace_id = external.context.traceparent->trace_id;
    span.parent_span_id = external.context.traceparent->parent_id;
    span.flags = kFlagsRemoteParent;
  }
  for (const core::BaggageMember& member : external.context.baggage.members()) {
    span.attributes.push_back({member.key, member.value});
  }
}

int ProfileIndex(std::string_view name) {
  for (size_t i = 0; i < kProfiles.size(); ++i) {
    if (name == kProfiles[i].name) return static_cast<int>(i);
  }
  return 0;
}

}  // namespace

Status OnboardingServices::Validate(const OnboardingScenario& s) {
  if (!s.full_system) return OkStatus();
  for (const double rate : {s.health_checks_per_second, s.lookups_per_second}) {
    if (!(rate >= 0) || !(rate <= kMaxSideRate)) {
      return InvalidArgumentError(
          "onboarding.health_checks_per_second and lookups_per_second must be in [0, 1e6]");
    }
  }
  double total = 0;
  for (const auto& [type, share] : s.customer_mix) {
    const bool known = std::any_of(kProfiles.begin(), kProfiles.end(),
                                   [&](const CustomerProfile& p) { return type == p.name; });
    if (!known) {
      return InvalidArgumentError("onboarding.customer_mix: unknown customer type \"" + type +
                                  "\" (standard, premium, enterprise)");
    }
    if (!(share >= 0) || !std::isfinite(share)) {
      return InvalidArgumentError("onboarding.customer_mix." + type + " must be >= 0");
    }
    total += share;
  }
  if (!(total > 0)) return InvalidArgumentError("onboarding.customer_mix must not be all zero");
  for (const auto& [step, p] : s.step_error_rates) {
    if (std::find(kStepNames.begin(), kStepNames.end(), step) == kStepNames.end()) {
      return InvalidArgumentError("onboarding.step_error_rates: unknown step \"" + step +
                                  "\" (validation, enrichment, kyc, aml, sanctions, pep, audit, "
                                  "s3, dynamodb, notification, workflow)");
    }
    if (!(p >= 0 && p <= 1)) {
      return InvalidArgumentError("onboarding.step_error_rates." + step + " must be in [0, 1]");
    }
  }
  if (s.aws_max_attempts < 1 || s.aws_max_attempts > kMaxAwsAttempts) {
    return InvalidArgumentError("onboarding.aws_max_attempts must be in 1..10");
  }
  if (!(s.broken_propagation_rate >= 0 && s.broken_propagation_rate <= 1)) {
    return InvalidArgumentError("onboarding.broken_propagation_rate must be in [0, 1]");
  }
  if (!(s.compliance_rejection_rate >= 0 && s.compliance_rejection_rate <= 1)) {
    return InvalidArgumentError("onboarding.compliance_rejection_rate must be in [0, 1]");
  }
  return SqsLambdaModel::Validate(s.lambda_function, s.event_source_mapping, s.lambda);
}

void OnboardingServices::StartFullSystem() {
  const OnboardingScenario& s = options_.onboarding;
  status_ = Validate(s);
  if (!status_.ok()) return;

  double total = 0;
  for (const auto& [type, share] : s.customer_mix) total += share;
  double cumulative = 0;
  for (const CustomerProfile& profile : kProfiles) {
    const auto it = s.customer_mix.find(profile.name);
    cumulative += it != s.customer_mix.end() ? it->second / total : 0;
    customer_mix_cumulative_.push_back(cumulative);
  }
  for (const StepSpec& step : kSteps) {
    const auto it = s.step_error_rates.find(step.step);
    step_error_rates_.push_back(it != s.step_error_rates.end() ? it->second : s.error_rate);
  }
  lambda_ops_.assign(kSteps.size(), kNoOp);
  recent_customers_.reserve(kRecentCustomers);

  const LambdaFunctionConfig& function = s.lambda_function;
  core::Resource resource;
  resource.attributes = CommonResource(kLambdaService);
  resource.attributes.push_back({"cloud.platform", "aws_lambda"});
  if (!function.function_arn.empty()) {
    resource.attributes.push_back({"cloud.resource_id", function.function_arn});
  }
  resource.attributes.push_back({"faas.name", function.function_name});
  resource.attributes.push_back({"faas.version", "$LATEST"});
  resource.attributes.push_back({"faas.max_memory", function.memory_mb * 1024 * 1024});
  resource.attributes.push_back(
      {"host.arch", function.architecture == LambdaArchitecture::kArm64 ? "arm64" : "amd64"});
  // Copied into every export request and every collector batch: shared.
  resource.attributes = core::Attributes::Shared(resource.attributes);

  OnboardingTelemetry::Config telemetry;
  telemetry.start_unix_nano = start_unix_nano_;
  telemetry.api_resource.attributes = CommonResource(kApiService);
  telemetry.api_resource.attributes.push_back({"cloud.platform", "aws_ecs"});
  telemetry.api_resource.attributes = core::Attributes::Shared(telemetry.api_resource.attributes);
  telemetry.api_scope = core::InstrumentationScope{kApiService, kServiceVersion, {}, 0};
  telemetry.lambda_resource = resource;
  telemetry.lambda_scope = lambda_scope_;
  telemetry.function_name = function.function_name;
  telemetry.queue_name = kQueueName;
  for (const CustomerProfile& profile : kProfiles) telemetry.customer_types.push_back(profile.name);
  for (size_t i = 0; i < kChecks; ++i) telemetry.checks.push_back(kSteps[kFirstCheckStep + i].step);
  telemetry.logs = logs_sink_;
  telemetry_ = std::make_unique<OnboardingTelemetry>(engine_, std::move(telemetry));

  SqsLambdaModel::Callbacks callbacks;
  callbacks.handler = [this](const LambdaInvocation& invocation) {
    return HandleBatch(invocation);
  };
  callbacks.observer = [this](const core::Span& span, uint32_t tag) {
    truth_.RecordSpan(tag,
                      static_cast<int64_t>(span.end_time_unix_nano - span.start_time_unix_nano),
                      span.status.code == core::StatusCode::kError);
    if (span.kind == core::SpanKind::kConsumer && !span.is_root()) truth_.CountConsumerWithParent();
  };
  callbacks.sink = [this](core::TracesData&& request, SimTime arrive_at) {
    sink_(std::move(request), arrive_at);
  };
  callbacks.message_done = [this](const SqsRecord& record, bool dead_lettered) {
    OnMessageDone(record, dead_lettered);
    Done();
  };
  callbacks.invocation_done = [this](const InvocationReport& report) {
    telemetry_->InvocationDone(report);
  };
  auto model = SqsLambdaModel::Create(engine_, function, s.event_source_mapping, s.lambda,
                                      start_unix_nano_, Rng::ForStream(options_.seed, 6),
                                      std::move(resource), lambda_scope_, std::move(callbacks));
  if (!model.ok()) {
    status_ = model.status();
    return;
  }
  lambda_ = std::move(*model);

  if (s.faults != nullptr) {
    api_faults_ = &s.faults->For("onboarding.api");
    sqs_faults_ = &s.faults->For("onboarding.sqs");
    for (const StepSpec& step : kSteps) {
      step_faults_.push_back(&s.faults->For("onboarding." + std::string(step.step)));
    }
    const TargetFaults* lambda_faults = &s.faults->For("onboarding.lambda");
    lambda_faults_ = lambda_faults;
    if (!lambda_faults->empty()) {
      lambda_->set_fault_probe([lambda_faults](SimTime now) {
        const std::chrono::nanoseconds elapsed(now);
        SqsLambdaModel::FaultState state;
        state.cold_start_probability = lambda_faults->ColdStartProbability(elapsed);
        state.throttle_probability = lambda_faults->ThrottleProbability(elapsed);
        if (const auto timeout = lambda_faults->ForcedTimeout(elapsed)) {
          state.timeout = std::max<SimTime>(1, timeout->count());
        }
        return state;
      });
    }
  }
}

// A message left the queue: the onboarding it carries is over.
void OnboardingServices::OnMessageDone(const SqsRecord& record, bool dead_lettered) {
  const CustomerMessage* customer = std::any_cast<CustomerMessage>(&record.body);
  OnboardingTelemetry::MessageOutcome outcome;
  if (customer != nullptr) {
    outcome.customer_type = customer->customer_type;
    outcome.customer_id = customer->customer_id;
    outcome.requested_at = customer->requested_at;
  }
  outcome.message_id = record.message_id;
  outcome.receive_count = record.receive_count;
  outcome.dead_lettered = dead_lettered;
  if (const auto it = rejected_by_.find(record.message_id); it != rejected_by_.end()) {
    if (!dead_lettered) outcome.rejected_by = it->second;
    rejected_by_.erase(it);
  }
  // A dead-letter log names the producer's span, as a DLQ consumer would
  // (only that log uses it: the context is not parsed for every message).
  if (dead_lettered) {
    const core::PropagationContext context = core::ExtractSqs(record.attributes);
    if (context.traceparent) {
      outcome.producer = LogContext{context.traceparent->trace_id,
                                    context.traceparent->parent_id, context.traceparent->flags};
    }
  }
  telemetry_->MessageDone(outcome);
}

GroundTruth::OpId OnboardingServices::LazyOp(GroundTruth::OpId& slot, const char* service,
                                             const char* name) {
  if (slot == kNoOp) slot = truth_.Register(service, name);
  return slot;
}

GroundTruth::OpId OnboardingServices::LambdaOp(size_t step_index, const char* name) {
  return LazyOp(lambda_ops_[step_index], kLambdaService, name);
}

int OnboardingServices::DrawCustomerType(Rng& rng) const {
  const double u = rng.Uniform();
  for (size_t i = 0; i < customer_mix_cumulative_.size(); ++i) {
    if (u < customer_mix_cumulative_[i]) return static_cast<int>(i);
  }
  // Rounding left u above the last sum: the last type with a share.
  for (size_t i = customer_mix_cumulative_.size(); i-- > 0;) {
    if (i == 0 || customer_mix_cumulative_[i] > customer_mix_cumulative_[i - 1]) {
      return static_cast<int>(i);
    }
  }
  return 0;
}

void OnboardingServices::StreamEnded() {
  --open_extra_streams_;
  ++in_flight_;  // checked through Done() from an event, never re-entrantly
  engine_.At(engine_.now(), [this] { Done(); });
}

// POST /onboard on onboarding-api (full system): validate, enrich, score, send.
void OnboardingServices::OnOnboardRequest(const ExternalRequest* external,
                                          ExternalResponse* response) {
  Rng& rng = api_rng_;
  const SimTime t0 = engine_.now();
  ++requests_;
  ++in_flight_;

  core::TraceId trace_id = rng.NewTraceId();
  const core::SpanId server_id = rng.NewSpanId();
  const int type =
      external != nullptr ? ProfileIndex(external->customer_type) : DrawCustomerType(rng);
  const CustomerProfile& profile = kProfiles.at(static_cast<size_t>(type));
  std::string customer_id = "CUST-" + HexWord(rng.Next(), 10);
  if (external != nullptr) {
    if (external->context.traceparent) trace_id = external->context.traceparent->trace_id;
    if (!external->customer_id.empty()) customer_id = external->customer_id;
  }
  std::string validation_message;
  if (telemetry_) telemetry_->RequestReceived(type);

  // Built in place (a span move costs ~190 instructions): validate, enrich,
  // risk, send and the server span, at most five, so references stay valid.
  std::vector<core::Span> spans;
  spans.reserve(5);
  SimTime t = t0 + Draw(rng, 0.4, 0.3);  // routing and request parsing

  const SimTime validate_duration =
      Slowed(api_faults_, Draw(rng, 3.0 * profile.api_factor, 0.35), t);
  const bool invalid = rng.Bernoulli(options_.onboarding.validation_error_rate) ||
                       (external != nullptr && !external->validation_error.empty());
  {
    core::Span& span = spans.emplace_back();
    InitSpan(span, trace_id, rng.NewSpanId(), server_id, "validate_customer_data",
             core::SpanKind::kInternal, Unix(t), validate_duration, kFlagsLocalParent);
    span.attributes.reserve(3);
    span.attributes.emplace_back("customer.type", profile.name);
    span.attributes.emplace_back("customer.id", customer_id);
    if (invalid) {
      std::string failure = kValidationFailures.at(rng.UniformInt(kValidationFailures.size()));
      if (external != nullptr && !external->validation_error.empty()) {
        failure = external->validation_error;
      }
      validation_message = failure;
      span.attributes.push_back({"error.type", "ValidationError"});
      SetError(span, "ValidationError", failure, Unix(t + validate_duration));
    }
    truth_.RecordSpan(op_validate_, validate_duration, invalid);
  }
  t += validate_duration;

  int64_t status_code = 400;
  // An error_rate or outage fault on onboarding.api: the request fails with a
  // 500 once validated (the API's own dependencies are not modelled further).
  const double api_failure = FailureProbability(api_faults_, 0, t);
  const bool api_failed = !invalid && api_failure > 0 && rng.Bernoulli(api_failure);
  const char* failure_type = nullptr;
  std::string failure_message;
  std::string message_id;  // of the message sent (202)
  if (api_failed) {
    status_code = 500;
    failure_type = "InternalServerError";
    failure_message = "onboarding-api could not process the request";
  }
  if (!invalid && !api_failed) {
    t += Draw(rng, 0.1, 0.3);
    const SimTime enrich_duration =
        Slowed(api_faults_, Draw(rng, 12.0 * profile.api_factor, 0.4), t);
    core::Span& enrich = spans.emplace_back();
    InitSpan(enrich, trace_id, rng.NewSpanId(), server_id, "enrich_customer_data",
             core::SpanKind::kInternal, Unix(t), enrich_duration, kFlagsLocalParent);
    enrich.attributes.reserve(3);
    enrich.attributes.emplace_back("customer.type", profile.name);
    enrich.attributes.emplace_back("customer.id", customer_id);
    enrich.attributes.emplace_back("enrichment.source", "company_registry");
    truth_.RecordSpan(op_enrich_, enrich_duration, false);
    t += enrich_duration + Draw(rng, 0.1, 0.3);

    const SimTime risk_duration = Slowed(api_faults_, Draw(rng, 6.0 * profile.api_factor, 0.35), t);
    const double score = std::round(rng.Uniform(0, 100) * 10) / 10;
    core::Span& risk = spans.emplace_back();
    InitSpan(risk, trace_id, rng.NewSpanId(), server_id, "calculate_risk_score",
             core::SpanKind::kInternal, Unix(t), risk_duration, kFlagsLocalParent);
    risk.attributes.reserve(4);
    risk.attributes.emplace_back("customer.type", profile.name);
    risk.attributes.emplace_back("customer.id", customer_id);
    risk.attributes.emplace_back("risk.score", score);
    risk.attributes.emplace_back("risk.level",
                                 score < 40 ? "low" : (score < 75 ? "medium" : "high"));
    truth_.RecordSpan(LazyOp(op_risk_, kApiService, "calculate_risk_score"), risk_duration, false);
    t += risk_duration + Draw(rng, 0.1, 0.3);

    // sqs.send: the W3C context is injected inside the producer span, unless
    // propagation is broken for this message.
    SimTime send_duration = Slowed(sqs_faults_, Draw(rng, 14.0, 0.35), t);
    const core::SpanId send_id = rng.NewSpanId();
    SqsRecord record;
    record.message_id = rng.NewUuid();
    record.body = CustomerMessage{customer_id, type, t0};
    const double send_failure = FailureProbability(sqs_faults_, 0, t);
    const bool send_failed = send_failure > 0 && rng.Bernoulli(send_failure);
    const double broken_rate =
        std::max({options_.onboarding.broken_propagation_rate, BrokenProbability(api_faults_, t),
                  BrokenProbability(sqs_faults_, t)});
    if (!send_failed) {
      if (broken_rate > 0 && rng.Bernoulli(broken_rate)) {
        ++messages_without_context_;
      } else {
        core::PropagationContext context;
        context.traceparent = core::TraceParent{trace_id, send_id, core::kTraceFlagSampled};
        if (external != nullptr) context.baggage = external->context.baggage;
        core::InjectSqs(context, record.attributes);
      }
      truth_.CountMessageSent();
    } else {
      send_duration = std::max<SimTime>(
          1, RoundToInt64(static_cast<double>(send_duration) * rng.Uniform(0.3, 1.0)));
    }

    core::Span& send = spans.emplace_back();
    InitSpan(send, trace_id, send_id, server_id, "sqs.send", core::SpanKind::kProducer, Unix(t),
             send_duration, kFlagsLocalParent);
    send.attributes = SqsSendAttributes(record.message_id, customer_id, profile.name);
    if (send_failed) {
      // The SDK's retries are inside this span; the API gives up with a 503.
      failure_type = "botocore.exceptions.ClientError";
      failure_message =
          "An error occurred (ServiceUnavailable) when calling the SendMessage operation";
      send.attributes.push_back({"error.type", "ServiceUnavailable"});
      SetError(send, failure_type, failure_message, Unix(t + send_duration));
    }
    truth_.RecordSpan(op_send_, send_duration, send_failed);
    t += send_duration;
    if (send_failed) {
      status_code = 503;
    } else {
      record.sent_at = t;
      message_id = record.message_id;
      ++in_flight_;  // until the message is deleted or dead-lettered
      engine_.At(t, [this, record = std::move(record)]() mutable {
        telemetry_->MessageSent();
        lambda_->Send(std::move(record));
      });
      if (recent_customers_.size() < kRecentCustomers) {
        recent_customers_.push_back(customer_id);
      } else {
        recent_customers_[recent_next_] = customer_id;
        recent_next_ = (recent_next_ + 1) % kRecentCustomers;
      }
      status_code = 202;
    }
  }

  const SimTime server_end = t + Draw(rng, 0.5, 0.3);
  core::Span& server = spans.emplace_back();
  InitSpan(server, trace_id, server_id, core::SpanId{}, "POST /onboard", core::SpanKind::kServer,
           Unix(t0), server_end - t0, kFlagsLocalParent);
  server.attributes = OnboardServerAttributes(status_code, profile.name, customer_id);
  if (external != nullptr) ContinueExternal(server, *external);
  // 5xx on a SERVER span is an error; 4xx is not (semantic conventions).
  const bool server_error = status_code >= 500;
  if (server_error) {
    server.attributes.push_back({"error.type", std::to_string(status_code)});
    SetError(server, failure_type, failure_message, Unix(server_end));
  }
  truth_.RecordSpan(op_server_, server_end - t0, server_error);
  if (response != nullptr) {
    response->status_code = static_cast<int>(status_code);
    response->customer_id = customer_id;
    response->error = invalid ? validation_message : failure_message;
    response->trace_id = server.trace_id;
    response->span_id = server.span_id;
    response->ends_at = server_end;
  }
  if (telemetry_) {
    OnboardingTelemetry::ApiAnswer answer;
    answer.customer_type = type;
    answer.customer_id = customer_id;
    answer.start = t0;
    answer.end = server_end;
    answer.status_code = status_code;
    answer.context = LogContext::Of(server);
    answer.message_id = std::move(message_id);
    if (invalid) {
      answer.error_type = "ValidationError";
      answer.error_message = validation_message;
    } else if (server_error) {
      answer.error_type = failure_type != nullptr ? failure_type : "";
      answer.error_message = failure_message;
    }
    telemetry_->ApiAnswered(std::move(answer));
  }

  engine_.At(server_end, [this, spans = std::move(spans)]() mutable {
    for (auto& span : spans) api_bsp_->OnEnd(std::move(span));
    Done();
  });
  if (external == nullptr) ScheduleNextArrival(t0);
}

void OnboardingServices::ScheduleNextHealth(SimTime after) {
  ScheduleNextPoisson(after, options_.onboarding.health_checks_per_second, health_rng_,
                      [this] { OnHealthCheck(); });
}

void OnboardingServices::ScheduleNextLookup(SimTime after) {
  ScheduleNextPoisson(after, options_.onboarding.lookups_per_second, lookup_rng_,
                      [this] { OnCustomerLookup(); });
}

void OnboardingServices::ScheduleNextPoisson(SimTime after, double rate, Rng& rng,
                                             EventEngine::Callback on_arrival) {
  if (rate > 0) {
    const SimTime next = after + std::max<SimTime>(1, RoundToInt64(rng.Exponential(1e9 / rate)));
    if (next < options_.window.count()) {
      engine_.At(next, std::move(on_arrival));
      return;
    }
  }
  StreamEnded();
}

// GET /health (the load balancer's health check): a SERVER span, nothing else.
void OnboardingServices::OnHealthCheck(const ExternalRequest* external,
                                       ExternalResponse* response) {
  Rng& rng = health_rng_;
  const SimTime t0 = engine_.now();
  ++in_flight_;
  const SimTime duration = Draw(rng, 0.8, 0.3);
  core::Span span = MakeSpan(rng.NewTraceId(), rng.NewSpanId(), core::SpanId{}, "GET /health",
                             core::SpanKind::kServer, Unix(t0), duration, kFlagsLocalParent);
  span.attributes = {{"http.request.method", "GET"},
                     {"url.path", "/health"},
                     {"url.scheme", "http"},
                     {"http.route", "/health"},
                     {"http.response.status_code", 200},
                     {"server.address", kApiService},
                     {"server.port", 8080},
                     {"network.protocol.version", "1.1"},
                     {"user_agent.original", "ELB-HealthChecker/2.0"}};
  if (external != nullptr) {
    // The caller's User-Agent replaces the load balancer's (none sent: none recorded).
    span.attributes.EraseIf(
        [](const core::KeyValue& kv) { return kv.key == "user_agent.original"; });
    if (!external->user_agent.empty()) {
      span.attributes.push_back({"user_agent.original", external->user_agent});
    }
    ContinueExternal(span, *external);
  }
  if (response != nullptr) {
    response->status_code = 200;
    response->trace_id = span.trace_id;
    response->span_id = span.span_id;
    response->ends_at = t0 + duration;
  }
  truth_.RecordSpan(LazyOp(op_health_, kApiService, "GET /health"), duration, false);
  engine_.At(t0 + duration, [this, span = std::move(span)]() mutable {
    api_bsp_->OnEnd(std::move(span));
    Done();
  });
  if (external == nullptr) ScheduleNextHealth(t0);
}

// GET /customers/{id}: a DynamoDB GetItem; 404 for a customer never onboarded.
void OnboardingServices::OnCustomerLookup(const ExternalRequest* external,
                                          ExternalResponse* response) {
  Rng& rng = lookup_rng_;
  const SimTime t0 = engine_.now();
  ++in_flight_;
  core::TraceId trace_id = rng.NewTraceId();
  const core::SpanId server_id = rng.NewSpanId();
  bool known = !recent_customers_.empty() && rng.Bernoulli(kLookupHitRate);
  std::string customer_id = known ? recent_customers_[rng.UniformInt(recent_customers_.size())]
                                  : "CUST-" + HexWord(rng.Next(), 10);
  if (external != nullptr) {
    // A caller asks for one id: known when it was onboarded recently.
    if (external->context.traceparent) trace_id = external->context.traceparent->trace_id;
    customer_id = external->customer_id;
    known = std::find(recent_customers_.begin(), recent_customers_.end(), customer_id) !=
            recent_customers_.end();
  }
  SimTime t = t0 + Draw(rng, 0.3, 0.3);
  const SimTime get_duration = Draw(rng, 6.0, 0.4);
  core::Span get = MakeSpan(trace_id, rng.NewSpanId(), server_id, "DynamoDB.GetItem",
                            core::SpanKind::kClient, Unix(t), get_duration, kFlagsLocalParent);
  get.attributes = {{"rpc.system", "aws-api"},
                    {"rpc.service", "DynamoDB"},
                    {"rpc.method", "GetItem"},
                    {"db.system", "dynamodb"},
                    {"db.operation", "GetItem"},
                    {"aws.dynamodb.table_names", core::ArrayValue{{core::AnyValue("customers")}}},
                    {"server.address", "dynamodb.us-east-1.amazonaws.com"},
                    {"cloud.region", kRegion},
                    {"customer.id", customer_id}};
  truth_.RecordSpan(LazyOp(op_get_item_, kApiService, "DynamoDB.GetItem"), get_duration, false);
  t += get_duration;
  const SimTime server_end = t + Draw(rng, 0.3, 0.3);
  core::Span server =
      MakeSpan(trace_id, server_id, core::SpanId{}, "GET /customers/{id}", core::SpanKind::kServer,
               Unix(t0), server_end - t0, kFlagsLocalParent);
  // 404 on a SERVER span leaves its status unset (semantic conventions).
  server.attributes = {{"http.request.method", "GET"},
                       {"url.path", "/customers/" + customer_id},
                       {"url.scheme", "http"},
                       {"http.route", "/customers/{id}"},
                       {"http.response.status_code", known ? 200 : 404},
                       {"server.address", kApiService},
                       {"server.port", 8080},
                       {"network.protocol.version", "1.1"},
                       {"customer.id", customer_id}};
  if (external != nullptr) ContinueExternal(server, *external);
  if (response != nullptr) {
    response->status_code = known ? 200 : 404;
    response->customer_id = customer_id;
    if (!known) response->error = "customer " + customer_id + " not found";
    response->trace_id = server.trace_id;
    response->span_id = server.span_id;
    response->ends_at = server_end;
  }
  truth_.RecordSpan(LazyOp(op_lookup_, kApiService, "GET /customers/{id}"), server_end - t0, false);
  std::vector<core::Span> spans;
  spans.reserve(2);
  spans.push_back(std::move(get));
  spans.push_back(std::move(server));
  engine_.At(server_end, [this, spans = std::move(spans)]() mutable {
    for (auto& span : spans) api_bsp_->OnEnd(std::move(span));
    Done();
  });
  if (external == nullptr) ScheduleNextLookup(t0);
}

OnboardingServices::ExternalResponse OnboardingServices::HandleOnboard(
    const ExternalRequest& request) {
  ExternalResponse response;
  OnOnboardRequest(&request, &response);
  return response;
}

OnboardingServices::ExternalResponse OnboardingServices::HandleHealth(
    const ExternalRequest& request) {
  ExternalResponse response;
  OnHealthCheck(&request, &response);
  return response;
}

OnboardingServices::ExternalResponse OnboardingServices::HandleCustomerLookup(
    const ExternalRequest& request) {
  ExternalResponse response;
  OnCustomerLookup(&request, &response);
  return response;
}

OnboardingServices::StepOutcome OnboardingServices::RunStep(size_t step_index,
                                                            const LambdaInvocation& invocation,
                                                            const core::TraceId& trace_id,
                                                            const core::SpanId& parent_id,
                                                            const CustomerMessage& customer,
                                                            SimTime t, HandlerResult& result) {
  Rng& rng = lambda_rng_;
  const StepSpec& step = kSteps.at(step_index);
  const CustomerProfile& profile = kProfiles.at(static_cast<size_t>(customer.customer_type));
  double factor = 1;
  if (step.scale == Scale::kApi) factor = profile.api_factor;
  if (step.scale == Scale::kCompliance) factor = profile.compliance_factor;
  if (step.scale == Scale::kDocument) factor = profile.document_factor;
  const double base_p = step_error_rates_[step_index];
  const TargetFaults* faults = step_faults_.empty() ? nullptr : step_faults_[step_index];
  // Only remote calls are retried (by the AWS SDK or the HTTP client).
  const int attempts = step.call == Call::kInternal ? 1 : options_.onboarding.aws_max_attempts;
  const uint32_t tag = static_cast<uint32_t>(LambdaOp(step_index, step.span_name));
  const core::SpanKind kind =
      step.call == Call::kInternal ? core::SpanKind::kInternal : core::SpanKind::kClient;
  const char* exception_type =
      step.call == Call::kInternal ? step.error_code : ExceptionType(step.call);
  const bool check = step.scale == Scale::kCompliance;
  const size_t check_index = step_index - kFirstCheckStep;
  const double rejection_rate = options_.onboarding.compliance_rejection_rate;
  // The business fields of this step's log records.
  const auto log_fields = [&](int attempt_number) {
    core::Attributes a = {{"customer_id", customer.customer_id},
                          {"customer_type", profile.name},
                          {"step", step.step},
                          {"attempt", static_cast<int64_t>(attempt_number)}};
    if (check) a.push_back({"check", step.step});
    return a;
  };
  StepOutcome outcome;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    SimTime duration = Draw(rng, step.median_ms * factor, step.sigma);
    if (step.cpu_bound) {
      duration = std::max<SimTime>(
          1, RoundToInt64(static_cast<double>(duration) * invocation.cpu_slowdown));
    }
    duration = Slowed(faults, lambda_faults_, duration, t);
    const double p = std::max(FailureProbability(faults, base_p, t),
                              FailureProbability(lambda_faults_, 0, t));
    const bool error = p > 0 && rng.Bernoulli(p);
    // A failing call fails part-way through.
    if (error) {
      duration =
          std::max<SimTime>(1, RoundToInt64(static_cast<double>(duration) * rng.Uniform(0.3, 1.0)));
    }
    // A check that answered may reject the customer (a business outcome, not an error).
    const bool rejected = check && !error && rejection_rate > 0 && rng.Bernoulli(rejection_rate);
    // Built in place: a span move costs ~190 instructions.
    core::Span& span = result.AddSpan(tag);
    InitSpan(span, trace_id, rng.NewSpanId(), parent_id, core::Name::Static(step.span_name), kind,
             Unix(t), duration, kFlagsLocalParent);
    AddStepAttributes(span, step, customer.customer_id, error);
    if (attempt > 0) span.attributes.push_back({"http.request.resend_count", attempt});
    if (check && !error) {
      span.attributes.push_back({"compliance.result", rejected ? "fail" : "pass"});
    }
    const SimTime attempt_start = t;
    t += duration;
    if (check) {
      telemetry_->PlanCheck(check_index,
                            error ? OnboardingTelemetry::CheckOutcome::kError
                                  : (rejected ? OnboardingTelemetry::CheckOutcome::kFail
                                              : OnboardingTelemetry::CheckOutcome::kPass),
                            attempt_start, t);
    }
    if (!error) {
      if (rejected) {
        core::Attributes fields = log_fields(attempt + 1);
        fields.push_back({"outcome", "fail"});
        telemetry_->PlanLog(
            t, Severity::kError, std::string("customer rejected by the ") + step.step + " check",
            LogContext::Of(span), std::move(fields), "onboarding.compliance.rejected");
        outcome.rejected_by = static_cast<int>(step_index);
      }
      outcome.end = t;
      return outcome;
    }
    span.attributes.push_back({"error.type", step.error_code});
    SetError(span, exception_type, step.error_message, Unix(t));
    const LogContext log_context = LogContext::Of(span);
    core::Attributes fields = log_fields(attempt + 1);
    fields.push_back({"error.type", step.error_code});
    if (attempt + 1 < attempts) {
      const double backoff_s =
          std::min(kRetryMaxSeconds, rng.Uniform() * kRetryBaseSeconds * std::ldexp(1.0, attempt));
      const SimTime backoff = std::max<SimTime>(1, RoundToInt64(backoff_s * 1e9));
      fields.push_back({"outcome", "retry"});
      fields.push_back({"retry_in_ms", static_cast<double>(backoff) / 1e6});
      telemetry_->PlanLog(t, Severity::kWarn,
                          std::string(step.step) + " failed, retrying: " + step.error_message,
                          log_context, std::move(fields), "onboarding.step.retry");
      t += backoff;
    } else {
      fields.push_back({"outcome", "failure"});
      telemetry_->PlanLog(t, Severity::kError,
                          std::string(step.step) + " failed after " + std::to_string(attempts) +
                              (attempts == 1 ? " attempt: " : " attempts: ") + step.error_message,
                          log_context, std::move(fields), "onboarding.step.failed");
    }
  }
  outcome.end = t;
  outcome.failed = true;
  outcome.error_type = exception_type;
  outcome.error_message = step.error_message;
  return outcome;
}

// The onboarding Lambda's handler for one SQS batch (seeds 001/002): a CONSUMER
// span per record continuing the producer's trace, the record's steps under
// it, and one batch span (its own trace) linking every record's context.
HandlerResult OnboardingServices::HandleBatch(const LambdaInvocation& invocation) {
  Rng& rng = lambda_rng_;
  const std::vector<SqsRecord>& records = *invocation.records;
  const bool report_failures = lambda_->mapping().report_batch_item_failures;
  HandlerResult result;
  result.spans.reserve(records.size() * 14 + 1);
  result.tags.reserve(records.size() * 14 + 1);
  {
    std::vector<int> types;
    types.reserve(records.size());
    for (const SqsRecord& record : records) {
      const CustomerMessage* customer = std::any_cast<CustomerMessage>(&record.body);
      types.push_back(customer != nullptr ? customer->customer_type : 0);
    }
    telemetry_->BeginInvocation(invocation, std::move(types));
  }

  const core::TraceId batch_trace = rng.NewTraceId();
  const core::SpanId batch_id = rng.NewSpanId();
  const SimTime batch_start = invocation.start + Draw(rng, 0.3, 0.3);
  core::Span batch = MakeSpan(batch_trace, batch_id, core::SpanId{}, "sqs.process_batch",
                              core::SpanKind::kInternal, Unix(batch_start), 0, kFlagsLocalParent);
  batch.links.reserve(records.size());
  SimTime t = batch_start + Draw(rng, 0.1, 0.3);
  int64_t failed_records = 0;
  StepOutcome abort;
  const CustomerMessage unknown{"CUST-unknown", 0};

  for (size_t i = 0; i < records.size(); ++i) {
    const SqsRecord& record = records[i];
    const CustomerMessage* customer = std::any_cast<CustomerMessage>(&record.body);
    if (customer == nullptr) customer = &unknown;
    const core::PropagationContext context = core::ExtractSqs(record.attributes);
    core::TraceId trace_id{};
    core::SpanId parent_id{};
    uint32_t flags = kFlagsLocalParent;
    if (context.traceparent) {
      trace_id = context.traceparent->trace_id;
      parent_id = context.traceparent->parent_id;
      flags = kFlagsRemoteParent;
      core::SpanLink link;
      link.trace_id = trace_id;
      link.span_id = parent_id;
      link.trace_state = context.tracestate.ToHeader();
      link.flags = kFlagsRemoteParent;
      link.attributes.emplace_back("messaging.message.id", record.message_id);
      batch.links.push_back(std::move(link));
    } else {
      trace_id = rng.NewTraceId();  // no context: the record starts a trace of its own
    }
    const core::SpanId process_id = rng.NewSpanId();
    const SimTime record_start = t;
    t += Draw(rng, 0.1, 0.3);
    StepOutcome outcome;
    int rejected_by = -1;
    for (size_t step = 0; step < kSteps.size(); ++step) {
      if (step == kSnsStep &&
          !kProfiles.at(static_cast<size_t>(customer->customer_type)).notify_team)
        continue;
      // A rejected customer gets its audit trail and its status (REJECTED), nothing more.
      if (rejected_by >= 0 && step != kAuditStep && step != kDynamoDbStep) {
        if (step < kAuditStep || step == kS3Step) continue;
        break;
      }
      outcome = RunStep(step, invocation, trace_id, process_id, *customer, t, result);
      t = outcome.end;
      if (outcome.failed) break;  // the exception leaves the record's processing
      if (outcome.rejected_by >= 0) rejected_by = outcome.rejected_by;
      t += Draw(rng, 0.2, 0.3);
    }
    const SimTime record_end = t + Draw(rng, 0.2, 0.3);
    core::Span& process = result.AddSpan(static_cast<uint32_t>(op_process_));  // built in place
    InitSpan(process, trace_id, process_id, parent_id, "sqs.process", core::SpanKind::kConsumer,
             Unix(record_start), record_end - record_start, flags);
    process.attributes =
        SqsProcessAttributes(record.message_id, invocation.cold_start, customer->customer_id,
                             kProfiles.at(static_cast<size_t>(customer->customer_type)).name);
    if (rejected_by >= 0) {
      process.attributes.push_back(
          {"onboarding.rejected_by", kSteps.at(static_cast<size_t>(rejected_by)).step});
      rejected_by_[record.message_id] = rejected_by;
    } else {
      rejected_by_.erase(record.message_id);
    }
    if (outcome.failed) {
      process.attributes.push_back({"error.type", outcome.error_type});
      SetError(process, outcome.error_type, outcome.error_message, Unix(outcome.end));
      telemetry_->PlanProcessingFailure(customer->customer_type, record_end);
    } else if (rejected_by < 0) {
      // Built element by element: an initializer list would copy each value twice.
      core::Attributes fields;
      fields.reserve(7);  // PlanLog adds faas.invocation_id
      fields.emplace_back("customer_id", customer->customer_id);
      fields.emplace_back("customer_type",
                          kProfiles.at(static_cast<size_t>(customer->customer_type)).name);
      fields.emplace_back("outcome", "success");
      fields.emplace_back("attempt", static_cast<int64_t>(record.receive_count));
      fields.emplace_back("cold_start", invocation.cold_start);
      fields.emplace_back("messaging.message.id", record.message_id);
      telemetry_->PlanLog(record_end, Severity::kInfo,
                          "customer " + customer->customer_id + " onboarded",
                          LogContext::Of(process), std::move(fields), "onboarding.completed");
    }
    t = record_end;
    if (outcome.failed) {
      ++failed_records;
      if (!report_failures) {
        // Without ReportBatchItemFailures the handler lets the exception out:
        // the rest of the batch is not processed and the whole batch returns.
        result.error = true;
        abort = outcome;
        break;
      }
      result.failed_records.push_back(i);
    }
    t += Draw(rng, 0.1, 0.3);
  }

  const SimTime batch_end = t + Draw(rng, 0.2, 0.3);
  batch.end_time_unix_nano = Unix(batch_end);
  batch.attributes = SqsBatchAttributes(invocation.request_id, invocation.cold_start,
                                        static_cast<int64_t>(records.size()), failed_records);
  if (result.error) {
    batch.attributes.push_back({"error.type", abort.error_type});
    SetError(batch, abort.error_type, abort.error_message, Unix(batch_end));
  }
  result.AddSpan(static_cast<uint32_t>(LazyOp(op_batch_, kLambdaService, "sqs.process_batch"))) =
      std::move(batch);
  result.end = batch_end + Draw(rng, 0.2, 0.3);
  return result;
}

void OnboardingServices::AddTruth(nlohmann::ordered_json& doc) const {
  using Json = nlohmann::ordered_json;
  if (!lambda_) {
    doc["lambda"] = Json{{"invocations", invocations_}, {"cold_starts", cold_starts_}};
    return;
  }
  const LambdaStats& st = lambda_->stats();
  const LambdaFunctionConfig& fn = lambda_->function();
  const EventSourceMappingConfig& esm = lambda_->mapping();
  Json lambda;
  lambda["invocations"] = st.invocations;
  lambda["cold_starts"] = st.cold_starts;
  lambda["timeouts"] = st.timeouts;
  lambda["function_errors"] = st.function_errors;
  lambda["throttles"] = st.throttles;
  lambda["batches"] = st.batches;
  lambda["records_received"] = st.records_received;
  lambda["records_failed"] = st.records_failed;
  lambda["messages_deleted"] = st.messages_deleted;
  lambda["messages_dead_lettered"] = st.messages_dead_lettered;
  lambda["redeliveries"] = st.redeliveries;
  lambda["environments_created"] = st.environments_created;
  lambda["environments_reaped"] = st.environments_reaped;
  lambda["environments_reset"] = st.environments_reset;
  lambda["max_concurrency"] = st.max_concurrency;
  lambda["max_queue_depth"] = st.max_queue_depth;
  lambda["spans"] = Json{{"ended", st.spans_ended},
                         {"exported", st.spans_exported},
                         {"export_requests", st.export_requests},
                         {"dropped_queue_full", st.spans_dropped_queue_full},
                         {"lost_export_timeout", st.spans_lost_export_timeout},
                         {"lost_timeout", st.spans_lost_timeout},
                         {"open_at_timeout", st.spans_open_at_timeout},
                         {"lost_reaped", st.spans_lost_reaped},
                         {"frozen_at_shutdown", st.spans_frozen_at_shutdown},
                         {"delayed_by_freeze", st.spans_delayed_by_freeze}};
  lambda["billing"] = Json{{"billed_ms", st.billed_ms},
                           {"init_ms", st.init_ms},
                           {"flush_ms", st.flush_ms},
                           {"gb_seconds", st.gb_seconds},
                           {"compute_cost_usd", st.compute_cost_usd},
                           {"request_cost_usd", st.request_cost_usd},
                           {"cost_usd", st.cost_usd()},
                           {"price_per_gb_second", PricePerGbSecond(fn.architecture)},
                           {"price_per_request", kLambdaPricePerRequest}};
  Json config;
  config["function_name"] = fn.function_name;
  config["memory_mb"] = fn.memory_mb;
  config["cpu_share"] = LambdaCpuShare(fn.memory_mb);
  config["vcpus"] = LambdaVcpus(fn.memory_mb);
  config["timeout_seconds"] = fn.timeout.count();
  config["architecture"] = std::string(LambdaArchitectureName(fn.architecture));
  config["bsp"] = Json{{"schedule_delay_ms", fn.bsp.schedule_delay.count()},
                       {"max_export_batch_size", fn.bsp.max_export_batch_size},
                       {"max_queue_size", fn.bsp.max_queue_size},
                       {"export_timeout_ms", fn.bsp.export_timeout.count()}};
  config["batch_size"] = esm.batch_size;
  config["maximum_batching_window_seconds"] = esm.maximum_batching_window.count();
  config["report_batch_item_failures"] = esm.report_batch_item_failures;
  config["maximum_concurrency"] =
      esm.maximum_concurrency ? Json(*esm.maximum_concurrency) : Json(nullptr);
  config["visibility_timeout_seconds"] = static_cast<double>(lambda_->visibility_timeout()) / 1e9;
  config["force_flush"] = options_.onboarding.lambda.force_flush;
  lambda["config"] = std::move(config);
  doc["lambda"] = std::move(lambda);
  doc["propagation"]["messages_without_context"] = messages_without_context_;
  if (telemetry_) telemetry_->AddTruth(doc);
}

}  // namespace tflo::workload
