// The workload simulator's entry point: one window of virtual time.
//
// A seeded discrete-event simulation of instrumented services (first slice: the
// customer-onboarding path POST /onboard -> sqs.send -> Lambda sqs.process with
// its steps) exporting spans through a model of the OpenTelemetry Collector
// that is driven by a real collector YAML (batch processor, exporter sending
// queue, a backend of finite throughput). It writes, into `out_dir`:
//   traces<ext>        - the spans that reached the backend, one export request
//                        per record, as a collector file exporter would write;
//   metrics<ext>       - the collector model's own metrics under their real names
//                        (otelcol_*), cumulative, one scrape every
//                        `metrics_interval`, each followed by the services'
//                        business metrics (full onboarding system,
//                        coordination, e-commerce) when they run;
//   logs<ext>          - the log records of the coordination and e-commerce
//                        services and of the full onboarding system, when one
//                        of them runs;
//   ground_truth.json  - what was injected and what happened (see README).
// Each file is written as <name>.partial and renamed when the run has ended
// well, ground_truth.json last: a run that was killed leaves only .partial
// files, and one that failed removes them. A directory with ground_truth.json
// holds a whole run.
// With options.sdk_export set, the SDK export requests (spans, logs, business
// metrics) also go to that sink as they are produced, e.g. to a real collector.
// The same options (seed included) give byte-identical files. A run uses two
// threads in virtual time (the onboarding services on their own; see
// simulation.cc and workload/README.md "Performance"); the files do not depend
// on how the two were scheduled. RunSimulation itself is not thread-safe;
// independent simulations may run on different threads.
#ifndef TFLO_WORKLOAD_SIMULATION_H_
#define TFLO_WORKLOAD_SIMULATION_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/status.h"
#include "tflo/workload/lambda_config.h"
#include "tflo/workload/lambda_model.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {

// The suffix of an output file still being written (see above).
inline constexpr char kPartialSuffix[] = ".partial";

class FaultSet;  // fault_set.h

struct OnboardingScenario {
  // false = the onboarding services do not run (a scenario of other services);
  // the fields below are then ignored.
  bool enabled = true;
  double requests_per_second = 100;  // Poisson arrivals at the API
  // When set, POST /onboard arrivals follow this pattern (ArrivalProcess,
  // arrivals.h) and requests_per_second is ignored; unset = a homogeneous
  // Poisson process at requests_per_second (what `tflo demo` runs).
  std::optional<TrafficPattern> traffic;
  double error_rate = 0.02;          // probability that one processing step fails
  double validation_error_rate = 0.01;  // API-side validation failures (HTTP 400)

  // The full onboarding system (issue 3): GET /health and GET /customers/{id}
  // besides POST /onboard, risk scoring, customer types with their own
  // latencies, and the Lambda behind an SQS event source mapping (batches,
  // cold starts, reaping, Timeout, the SDK's batch span processor and freeze,
  // billing) with every processing step as its own span and retries with
  // backoff. false = the first slice that `tflo demo` runs (README).
  bool full_system = false;
  double health_checks_per_second = 1;  // GET /health (full system; 0 = none)
  double lookups_per_second = 2;        // GET /customers/{id} (full system; 0 = none)
  // Share of each customer type among POST /onboard (standard, premium, enterprise).
  std::map<std::string, double> customer_mix = {
      {"standard", 0.7}, {"premium", 0.2}, {"enterprise", 0.1}};
  // Probability that one attempt of a Lambda processing step fails, by step:
  // validation, enrichment, kyc, aml, sanctions, pep, audit, s3, dynamodb,
  // notification, workflow. Steps not listed use error_rate.
  std::map<std::string, double> step_error_rates;
  int aws_max_attempts = 3;              // botocore "standard" retry mode
  double broken_propagation_rate = 0;    // messages sent without trace context
  // Probability that one compliance check (KYC, AML, sanctions, PEP) that
  // answered rejects the customer: the onboarding ends as a compliance failure.
  double compliance_rejection_rate = 0.005;
  LambdaFunctionConfig lambda_function = DefaultLambdaFunctionConfig();
  EventSourceMappingConfig event_source_mapping = DefaultEventSourceMapping();
  LambdaModelOptions lambda;
  // The scenario's faults (not owned; must outlive RunSimulation), read by the
  // full system for the targets onboarding.api, onboarding.sqs,
  // onboarding.<step> and onboarding.lambda (whose error_rate and
  // slow_dependency apply to every processing step). nullptr = none.
  const FaultSet* faults = nullptr;
};

// An interval [start, end) of simulated time since the start of the run during
// which the trace backend refuses every export attempt (end 0 = never ends).
struct BackendOutage {
  std::chrono::nanoseconds start{0};
  std::chrono::nanoseconds end{0};
  bool ActiveAt(std::chrono::nanoseconds t) const {
    return t >= start && (end.count() == 0 || t < end);
  }
};

// The trace backend behind the collector's exporter: each export request takes
// request_latency + per_span_latency x spans, one request per consumer at a time.
// Failure modes (none by default; see exporter_model.h for how retry_on_failure
// handles them): an attempt that starts inside an outage window, or that draws a
// retryable failure, returns UNAVAILABLE after `failure_latency`; a permanent
// failure (INVALID_ARGUMENT, after request_latency) is never retried.
struct BackendModel {
  std::chrono::nanoseconds request_latency = std::chrono::milliseconds(100);
  std::chrono::nanoseconds per_span_latency = std::chrono::microseconds(20);
  std::vector<BackendOutage> outages;
  double failure_probability = 0;            // per attempt, retryable
  double permanent_failure_probability = 0;  // per attempt, not retryable
  std::chrono::nanoseconds failure_latency = std::chrono::milliseconds(1);
};

// Where the instrumented services' SDK export requests go besides the
// collector model: the OTLP requests as they leave the applications, before
// any collector processing (batching, sampling, spanmetrics). An OTLP/gRPC
// implementation (otlp_export_sink.h) sends them to a real collector, which
// then plays the part of the collector model. Called while the run proceeds,
// in each SDK's export order, from two threads in virtual time (the
// onboarding services' exports from theirs, the others' from the caller's):
// an implementation must be thread-safe. It may block (back-pressure) but
// must bound every call. The requests are not kept:
// copy what outlives the call. Nothing the sink does changes the files.
class SdkExportSink {
 public:
  virtual ~SdkExportSink() = default;
  // Every SDK trace export request (all services), when the SDK sends it.
  virtual void ExportTraces(const core::TracesData& request) = 0;
  // The business metrics of the services' meters at each scrape (cumulative);
  // never the collector model's own otelcol_* metrics.
  virtual void ExportMetrics(const core::MetricsData& request) = 0;
  // Every SDK log export request, when the SDK sends it.
  virtual void ExportLogs(const core::LogsData& request) = 0;
};

struct SimulationOptions {
  uint64_t seed = 1;
  uint64_t start_unix_nano = 1767225600000000000ULL;  // 2026-01-01T00:00:00Z
  std::chrono::nanoseconds window = std::chrono::seconds(60);  // arrivals happen in [0, window)
  std::chrono::nanoseconds metrics_interval = std::chrono::seconds(10);
  OnboardingScenario onboarding;
  // The coordination and e-commerce services (issue 3), hosted when enabled:
  // arrivals over their traffic patterns, the faults of onboarding.faults
  // (the scenario's FaultSet), spans through the collector model, logs into
  // logs<ext>, business metrics appended to metrics<ext> at each scrape.
  CoordinationParams coordination;
  EcommerceParams ecommerce;
  BackendModel backend;
  core::CollectorConfig collector;  // the traces pipeline's batch + exporter are modelled
  std::filesystem::path out_dir;    // created if absent
  core::OtlpFileFormat format = core::OtlpFileFormat::kJsonLines;
  // Receives the SDK exports besides the collector model (not owned; must
  // outlive RunSimulation). nullptr = files only.
  SdkExportSink* sdk_export = nullptr;
};

struct SimulationSummary {
  uint64_t requests = 0;
  uint64_t spans_generated = 0;
  uint64_t spans_accepted = 0;   // by the collector receiver
  uint64_t spans_sent = 0;       // reached the backend
  uint64_t spans_dropped = 0;    // sending queue full
  uint64_t export_requests = 0;  // batches sent to the backend
  uint64_t metric_points = 0;   // collector metrics and business metrics
  uint64_t log_records = 0;     // written to logs<ext> (hosted services only)
  double simulated_seconds = 0;  // window plus drain
};

// kInvalidArgument for impossible options (rate <= 0, window <= 0, a traces
// pipeline without exporter); I/O errors name the file.
Result<SimulationSummary> RunSimulation(const SimulationOptions& options);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SIMULATION_H_
