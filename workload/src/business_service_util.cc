#include "business_service_util.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace tflo::workload::svc {

constexpr const char* kEnvironment = "demo";
constexpr const char* kSdkVersion = "1.27.0";

SimTime Draw(Rng& rng, double median_ms, double sigma) {
  const double ns = rng.LogNormal(median_ms, sigma) * 1e6;
  return std::max<SimTime>(1, RoundToInt64(ns));
}

SimTime Ms(double ms) { return std::max<SimTime>(0, RoundToInt64(ms * 1e6)); }

core::Span MakeSpan(const core::TraceId& trace_id, const core::SpanId& span_id,
                    const core::SpanId& parent_id, core::Name name, core::SpanKind kind,
                    uint64_t start_unix_nano, uint64_t end_unix_nano, uint32_t flags) {
  core::Span span;
  span.trace_id = trace_id;
  span.span_id = span_id;
  span.parent_span_id = parent_id;
  span.flags = flags;
  span.name = std::move(name);
  span.kind = kind;
  span.start_time_unix_nano = start_unix_nano;
  span.end_time_unix_nano = std::max(start_unix_nano, end_unix_nano);
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

core::Resource KubernetesServiceResource(std::string_view service, std::string_view name_space,
                                         std::string_view version, std::string_view k8s_namespace,
                                         Rng& rng) {
  // A Deployment's pod name: <deployment>-<replicaset hash>-<5 chars>.
  const std::string pod = std::string(service) + "-" + HexWord(rng.Next(), 10).substr(0, 9) + "-" +
                          HexWord(rng.Next(), 5);
  core::Resource resource;
  resource.attributes = {{"service.name", std::string(service)},
                         {"service.namespace", std::string(name_space)},
                         {"service.version", std::string(version)},
                         {"service.instance.id", pod},
                         {"deployment.environment", kEnvironment},
                         {"telemetry.sdk.name", "opentelemetry"},
                         {"telemetry.sdk.language", "python"},
                         {"telemetry.sdk.version", kSdkVersion},
                         {"k8s.namespace.name", std::string(k8s_namespace)},
                         {"k8s.deployment.name", std::string(service)},
                         {"k8s.pod.name", pod}};
  // Copied into every export request and collector batch: shared.
  resource.attributes = core::Attributes::Shared(resource.attributes);
  return resource;
}

std::string Choose(Rng& rng, const std::map<std::string, double>& weights) {
  if (weights.empty()) return {};
  double total = 0;
  for (const auto& [key, w] : weights) total += std::max(0.0, w);
  if (!(total > 0)) return weights.begin()->first;
  double u = rng.Uniform() * total;
  for (const auto& [key, w] : weights) {
    const double weight = std::max(0.0, w);
    if (u < weight) return key;
    u -= weight;
  }
  // Rounding left u just above the last weight: the last positive key.
  for (auto it = weights.rbegin(); it != weights.rend(); ++it) {
    if (it->second > 0) return it->first;
  }
  return weights.begin()->first;
}

const std::string& ChooseOne(Rng& rng, const std::vector<std::string>& values) {
  static const std::string kEmpty;
  if (values.empty()) return kEmpty;
  return values[rng.UniformInt(values.size())];
}

PhaseProgress PhaseProgressAt(const TrafficPattern& pattern, SimTime elapsed) {
  if (pattern.kind != TrafficPattern::Kind::kPhased || pattern.phases.empty()) return {};
  SimTime begin = 0;
  for (const TrafficPhase& phase : pattern.phases) {
    const SimTime length = phase.duration.count();
    if (elapsed < begin + length) {
      const double fraction = length > 0
                                  ? static_cast<double>(std::max<SimTime>(0, elapsed - begin)) /
                                        static_cast<double>(length)
                                  : 1.0;
      return {&phase, std::clamp(fraction, 0.0, 1.0)};
    }
    begin += length;
  }
  return {&pattern.phases.back(), 1.0};
}

double Effect(const TrafficPhase* phase, std::string_view key, double fallback) {
  if (phase == nullptr) return fallback;
  const auto it = phase->effects.find(std::string(key));
  return it == phase->effects.end() ? fallback : it->second;
}

SimTime StepFaults::Apply(SimTime latency) const {
  const double scaled = static_cast<double>(latency) * latency_factor;
  return std::max<SimTime>(1, RoundToInt64(scaled) + extra_latency);
}

StepFaults FaultsFor(const FaultSet* faults, std::string_view target, SimTime now,
                     double base_error_probability) {
  StepFaults out;
  out.error_probability = base_error_probability;
  if (faults == nullptr) return out;
  const TargetFaults& f = faults->For(target);
  if (f.empty()) return out;
  const std::chrono::nanoseconds elapsed(now);
  out.error_probability = f.ErrorProbability(elapsed, base_error_probability);
  out.outage = f.Outage(elapsed);
  out.latency_factor = f.LatencyMultiplier(elapsed);
  out.extra_latency = f.ExtraLatency(elapsed).count();
  out.broken_propagation = f.BrokenPropagationProbability(elapsed);
  return out;
}

ServiceSdk::ServiceSdk(ServiceEnvironment& env, core::Resource resource, std::string scope_name,
                       std::string scope_version)
    : resource_(std::move(resource)),
      meter_(env.metrics.GetMeter(resource_,
                                  core::InstrumentationScope{scope_name, scope_version, {}, 0})) {
  core::InstrumentationScope scope{std::move(scope_name), std::move(scope_version), {}, 0};
  EventEngine& engine = env.engine;
  TracesSink traces = env.traces;
  spans_ = std::make_unique<BatchSpanProcessorModel>(
      engine, env.span_processor, resource_, scope, [&engine, traces](core::TracesData&& request) {
        if (traces) traces(std::move(request), engine.now() + kExportLatency);
      });
  LogsSink logs = env.logs;
  logs_ = std::make_unique<LogEmitter>(engine, env.log_processor, resource_, scope,
                                       [&engine, logs](core::LogsData&& request) {
                                         if (logs)
                                           logs(std::move(request), engine.now() + kExportLatency);
                                       });
}

void ServiceSdk::Start() {
  spans_->Start();
  logs_->Start();
}

void ServiceSdk::Shutdown() {
  spans_->Shutdown();
  logs_->Shutdown();
}

}  // namespace tflo::workload::svc
