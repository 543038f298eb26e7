// Building blocks shared by the coordination and e-commerce services: what a
// simulated service gets from the simulation (ServiceEnvironment), its three
// SDK pipelines bundled (ServiceSdk: BatchSpanProcessor, logs, meter), span
// and id helpers, phase progress for phased traffic and the faults in force
// for one step. Internal to tflo_workload. Not thread-safe.
#ifndef TFLO_WORKLOAD_SRC_BUSINESS_SERVICE_UTIL_H_
#define TFLO_WORKLOAD_SRC_BUSINESS_SERVICE_UTIL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ground_truth.h"

#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/log_emitter.h"
#include "tflo/workload/metrics_registry.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/span_processor_model.h"

namespace tflo::workload {

// Where a service SDK's export requests go: they reach the collector at `arrive_at`.
using TracesSink = std::function<void(core::TracesData&& request, SimTime arrive_at)>;
using LogsSink = std::function<void(core::LogsData&& request, SimTime arrive_at)>;

// What the simulation hands a service. References must outlive the service.
struct ServiceEnvironment {
  ServiceEnvironment(EventEngine& engine_ref, GroundTruth& truth_ref, MetricsRegistry& metrics_ref)
      : engine(engine_ref), truth(truth_ref), metrics(metrics_ref) {}

  EventEngine& engine;
  GroundTruth& truth;
  MetricsRegistry& metrics;
  uint64_t seed = 1;
  uint64_t start_unix_nano = 1767225600000000000ULL;  // virtual time 0
  TracesSink traces;                                  // required
  LogsSink logs;                                      // empty = logs are discarded
  const FaultSet* faults = nullptr;                   // nullptr = no faults
  BatchSpanProcessorOptions span_processor;           // OTEL_BSP_* of every service SDK
  BatchLogProcessorOptions log_processor;             // OTEL_BLRP_*
};

namespace svc {

// OTLP Span.flags: the W3C trace flags (sampled) in bits 0-7, plus
// SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE (0x100) and, for a parent extracted from a
// carrier, SPAN_FLAGS_CONTEXT_IS_REMOTE (0x200).
inline constexpr uint32_t kFlagsLocalParent = 0x101;
inline constexpr uint32_t kFlagsRemoteParent = 0x301;

// One-way network time from a pod's SDK to the collector (same cluster).
inline constexpr SimTime kExportLatency = 500 * kMicrosecond;

// A latency drawn from a log-normal with the given median (ms), quantised to
// integer nanoseconds (at least 1).
SimTime Draw(Rng& rng, double median_ms, double sigma);
SimTime Ms(double ms);
using ::tflo::workload::HexWord;

core::Span MakeSpan(const core::TraceId& trace_id, const core::SpanId& span_id,
                    const core::SpanId& parent_id, core::Name name, core::SpanKind kind,
                    uint64_t start_unix_nano, uint64_t end_unix_nano, uint32_t flags);
// Status ERROR with `message` and an `exception` event (exception.type, .message).
void SetError(core::Span& span, const std::string& type, const std::string& message,
              uint64_t at_unix_nano);

// The resource every service of a namespace shares: service.*, deployment.environment,
// telemetry.sdk.*, k8s.* (namespace, deployment, pod).
core::Resource KubernetesServiceResource(std::string_view service, std::string_view name_space,
                                         std::string_view version, std::string_view k8s_namespace,
                                         Rng& rng);

// A weighted choice over a map's keys (key order); the first key when all
// weights are <= 0; empty when the map is empty.
std::string Choose(Rng& rng, const std::map<std::string, double>& weights);
const std::string& ChooseOne(Rng& rng, const std::vector<std::string>& values);

// The phase of a phased pattern at `elapsed` and how far into it (0..1); after
// the last phase, the last one at 1. phase == nullptr for other patterns.
struct PhaseProgress {
  const TrafficPhase* phase = nullptr;
  double fraction = 0;
};
PhaseProgress PhaseProgressAt(const TrafficPattern& pattern, SimTime elapsed);
// The phase's value of effect `key`, or `fallback` when absent (or no phase).
double Effect(const TrafficPhase* phase, std::string_view key, double fallback);

// The faults in force for one call of `target` at `now`.
struct StepFaults {
  double error_probability = 0;  // base included
  bool outage = false;
  double latency_factor = 1;
  SimTime extra_latency = 0;
  double broken_propagation = 0;
  SimTime Apply(SimTime latency) const;
};
StepFaults FaultsFor(const FaultSet* faults, std::string_view target, SimTime now,
                     double base_error_probability);

// One service's SDK: a BatchSpanProcessor for spans, a LogEmitter for logs and
// a meter in the shared registry, all with the same resource. Exports reach
// the environment's sinks kExportLatency later.
class ServiceSdk {
 public:
  ServiceSdk(ServiceEnvironment& env, core::Resource resource, std::string scope_name,
             std::string scope_version);
  ServiceSdk(const ServiceSdk&) = delete;
  ServiceSdk& operator=(const ServiceSdk&) = delete;

  void Start();
  void Shutdown();  // both processors flush

  void End(core::Span&& span) { spans_->OnEnd(std::move(span)); }
  LogEmitter& logs() { return *logs_; }
  Meter& meter() { return meter_; }
  BatchSpanProcessorModel& span_processor() { return *spans_; }
  const core::Resource& resource() const { return resource_; }

 private:
  core::Resource resource_;
  std::unique_ptr<BatchSpanProcessorModel> spans_;
  std::unique_ptr<LogEmitter> logs_;
  Meter& meter_;
};

}  // namespace svc
}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_BUSINESS_SERVICE_UTIL_H_
