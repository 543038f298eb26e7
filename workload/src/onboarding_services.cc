#include "onboarding_services.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
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
  return std::max<SimTime>(1, std::llround(ns));
}

std::string HexWord(uint64_t v, int digits) {
  static constexpr const char* kHex = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHex[v & 0xF];
    v >>= 4;
  }
  return out;
}

// A random (version 4) UUID, as AWS uses for message and request ids.
std::string NewUuid(Rng& rng) {
  const uint64_t hi = (rng.Next() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  const uint64_t lo = (rng.Next() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  const std::string h = HexWord(hi, 16);
  const std::string l = HexWord(lo, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + l.substr(0, 4) +
         "-" + l.substr(4, 12);
}

core::Span MakeSpan(const core::TraceId& trace_id, const core::SpanId& span_id,
                    const core::SpanId& parent_id, std::string name, core::SpanKind kind,
                    uint64_t start_unix_nano, SimTime duration, uint32_t flags) {
  core::Span span;
  span.trace_id = trace_id;
  span.span_id = span_id;
  span.parent_span_id = parent_id;
  span.flags = flags;
  span.name = std::move(name);
  span.kind = kind;
  span.start_time_unix_nano = start_unix_nano;
  span.end_time_unix_nano = start_unix_nano + static_cast<uint64_t>(duration);
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

// "2026/01/01/[$LATEST]": the log-stream prefix Lambda uses as faas.instance.
std::string LambdaInstancePrefix(uint64_t start_unix_nano) {
  using std::chrono::days;
  using std::chrono::nanoseconds;
  const std::chrono::sys_days day = std::chrono::floor<days>(
      std::chrono::sys_time<nanoseconds>(nanoseconds(static_cast<int64_t>(start_unix_nano))));
  const std::chrono::year_month_day ymd(day);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02u/%02u/[$LATEST]", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

constexpr std::array<const char*, 3> kValidationFailures = {
    "email address is not valid",
    "missing required field: tax_id",
    "date_of_birth is out of range",
};

}  // namespace

OnboardingServices::OnboardingServices(EventEngine& engine, const SimulationOptions& options,
                                       GroundTruth& truth, ExportSink sink)
    : engine_(engine),
      options_(options),
      truth_(truth),
      sink_(std::move(sink)),
      start_unix_nano_(options.start_unix_nano),
      arrivals_rng_(Rng::ForStream(options.seed, 1)),
      api_rng_(Rng::ForStream(options.seed, 2)),
      lambda_rng_(Rng::ForStream(options.seed, 3)) {
  core::Resource api_resource;
  api_resource.attributes = CommonResource(kApiService);
  api_resource.attributes.push_back({"cloud.platform", "aws_ecs"});
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
  lambda_scope_ = core::InstrumentationScope{kLambdaService, kServiceVersion, {}, 0};
  lambda_instance_prefix_ = LambdaInstancePrefix(start_unix_nano_);

  op_server_ = truth_.Register(kApiService, "POST /onboard");
  op_validate_ = truth_.Register(kApiService, "validate_customer_data");
  op_enrich_ = truth_.Register(kApiService, "enrich_customer_data");
  op_send_ = truth_.Register(kApiService, "sqs.send");
  op_process_ = truth_.Register(kLambdaService, "sqs.process");
  op_step_validation_ = truth_.Register(kLambdaService, "validation");
  op_step_compliance_ = truth_.Register(kLambdaService, "compliance_check");
  op_step_store_ = truth_.Register(kLambdaService, "store_customer");
}

void OnboardingServices::Start(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  api_bsp_->Start();
  ScheduleNextArrival(engine_.now());
}

void OnboardingServices::ShutdownSdks() { api_bsp_->Shutdown(); }

void OnboardingServices::ScheduleNextArrival(SimTime after) {
  const double mean_gap_ns = 1e9 / options_.onboarding.requests_per_second;
  const SimTime next =
      after + std::max<SimTime>(1, std::llround(arrivals_rng_.Exponential(mean_gap_ns)));
  if (next < options_.window.count()) {
    engine_.At(next, [this] { OnArrival(); });
    return;
  }
  arrivals_done_ = true;
  ++in_flight_;  // checked through Done() from an event, never re-entrantly
  engine_.At(engine_.now(), [this] { Done(); });
}

void OnboardingServices::Done() {
  --in_flight_;
  if (arrivals_done_ && in_flight_ == 0 && !idle_reported_) {
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
    message->message_id = NewUuid(rng);
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
  server.attributes = {{"http.request.method", "POST"},
                       {"url.path", "/onboard"},
                       {"url.scheme", "http"},
                       {"http.route", "/onboard"},
                       {"http.response.status_code", status_code},
                       {"server.address", kApiService},
                       {"server.port", 8080},
                       {"network.protocol.version", "1.1"},
                       {"customer.type", customer_type},
                       {"customer.id", customer_id}};
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
          std::max<SimTime>(1, std::llround(static_cast<double>(duration) * rng.Uniform(0.3, 1.0)));
    core::Span span = MakeSpan(trace_id, rng.NewSpanId(), process_id, step.name, step.kind, Unix(t),
                               duration, kFlagsLocalParent);
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
                        {"faas.invocation_id", NewUuid(rng)},
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

}  // namespace tflo::workload
