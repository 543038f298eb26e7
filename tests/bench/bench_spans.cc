#include "bench_spans.h"

#include <array>
#include <string>

namespace tflo::bench {
namespace {

// splitmix64: cheap, well-mixed ids.
uint64_t Mix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

template <size_t N>
std::array<uint8_t, N> RandomId(uint64_t* state) {
  std::array<uint8_t, N> id{};
  for (size_t i = 0; i < N; i += 8) {
    const uint64_t v = Mix(state) | 1;
    for (size_t j = 0; j < 8 && i + j < N; ++j) id[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return id;
}

std::string Hex(uint64_t v, size_t digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (size_t i = 0; i < digits; ++i) out[digits - 1 - i] = kDigits[(v >> (4 * i)) & 0xF];
  return out;
}

core::Resource ApiResource() {
  core::Resource r;
  r.attributes = {{"service.name", "onboarding-api"},
                  {"service.namespace", "onboarding"},
                  {"service.version", "1.4.2"},
                  {"deployment.environment", "production"},
                  {"telemetry.sdk.name", "opentelemetry"},
                  {"telemetry.sdk.language", "python"},
                  {"telemetry.sdk.version", "1.27.0"},
                  {"cloud.provider", "aws"},
                  {"cloud.region", "us-east-1"},
                  {"cloud.platform", "aws_ecs"}};
  return r;
}

const char* const kCustomerTypes[] = {"standard", "standard", "premium", "enterprise"};

}  // namespace

core::TracesData MakeOnboardingBatch(size_t spans, uint64_t seed) {
  uint64_t state = seed * 0x2545F4914F6CDD1DULL + 1;
  core::ScopeSpans scope;
  scope.scope.name = "opentelemetry.instrumentation.flask";
  scope.scope.version = "0.48b0";
  scope.spans.reserve(spans);
  uint64_t now = 1700000000000000000ULL + (seed % 1000) * 1000000000ULL;
  core::TraceId trace_id{};
  core::SpanId parent{};
  for (size_t i = 0; i < spans; ++i) {
    core::Span s;
    if (i % 4 == 0) {
      trace_id = RandomId<16>(&state);
      parent = core::SpanId{};
    }
    s.trace_id = trace_id;
    s.span_id = RandomId<8>(&state);
    s.parent_span_id = parent;
    s.flags = 0x301;
    const uint64_t r = Mix(&state);
    const std::string customer_id = "cust-" + Hex(r & 0xFFFFFF, 6);
    const std::string customer_type = kCustomerTypes[r % 4];
    const uint64_t duration = 2000000 + (r >> 40) % 250000000;  // 2 ms .. 252 ms
    s.start_time_unix_nano = now;
    s.end_time_unix_nano = now + duration;
    now += 1000000;
    switch (i % 4) {
      case 0:
        s.name = "POST /onboard";
        s.kind = core::SpanKind::kServer;
        s.attributes = {{"http.request.method", "POST"},
                        {"url.path", "/onboard"},
                        {"url.scheme", "http"},
                        {"http.route", "/onboard"},
                        {"http.response.status_code", int64_t{202}},
                        {"server.address", "onboarding-api"},
                        {"server.port", int64_t{8080}},
                        {"network.protocol.version", "1.1"},
                        {"user_agent.original", "python-requests/2.31.0"},
                        {"customer.type", customer_type},
                        {"customer.id", customer_id}};
        break;
      case 1:
        s.name = "sqs.send";
        s.kind = core::SpanKind::kProducer;
        s.attributes = {{"messaging.system", "aws_sqs"},
                        {"messaging.destination.name", "onboarding-queue"},
                        {"messaging.operation.type", "send"},
                        {"messaging.operation.name", "SendMessage"},
                        {"messaging.message.id", Hex(Mix(&state), 16) + Hex(Mix(&state), 16)},
                        {"rpc.system", "aws-api"},
                        {"rpc.service", "SQS"},
                        {"rpc.method", "SendMessage"},
                        {"customer.id", customer_id}};
        break;
      case 2:
        s.name = "sqs.process";
        s.kind = core::SpanKind::kConsumer;
        s.attributes = {{"messaging.system", "aws_sqs"},
                        {"messaging.destination.name", "onboarding-queue"},
                        {"messaging.operation.type", "process"},
                        {"messaging.operation.name", "process"},
                        {"messaging.message.id", Hex(Mix(&state), 16) + Hex(Mix(&state), 16)},
                        {"faas.trigger", "pubsub"},
                        {"faas.coldstart", (r % 20) == 0},
                        {"faas.invocation_id", Hex(Mix(&state), 16)},
                        {"customer.type", customer_type},
                        {"customer.id", customer_id}};
        break;
      default:
        s.name = "DynamoDB.PutItem";
        s.kind = core::SpanKind::kClient;
        s.attributes = {
            {"onboarding.step", "status_update"},
            {"customer.id", customer_id},
            {"db.system", "dynamodb"},
            {"rpc.system", "aws-api"},
            {"rpc.service", "DynamoDB"},
            {"rpc.method", "PutItem"},
            {"aws.dynamodb.table_names", core::ArrayValue{{core::AnyValue("customers")}}},
            {"server.address", "dynamodb.us-east-1.amazonaws.com"},
            {"cloud.region", "us-east-1"}};
        break;
    }
    if (r % 50 == 0) {
      s.status = {core::StatusCode::kError, "ValidationError: missing document"};
      core::SpanEvent e;
      e.time_unix_nano = s.end_time_unix_nano;
      e.name = "exception";
      e.attributes = {{"exception.type", "ValidationError"},
                      {"exception.message", "missing document"}};
      s.events.push_back(std::move(e));
    }
    parent = s.span_id;
    scope.spans.push_back(std::move(s));
  }
  core::ResourceSpans rs;
  rs.resource = ApiResource();
  rs.scope_spans.push_back(std::move(scope));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

}  // namespace tflo::bench
