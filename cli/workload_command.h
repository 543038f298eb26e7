// `tflo workload run`: one scenario (workload/scenarios/ or a YAML file) through
// the workload simulator, writing OTLP files and the ground truth.
//
// Loads the scenario (a shipped name or a path), applies the command-line
// overrides (--duration, --seed, --collector-config, --lambda-config,
// --event-source-mapping), builds
// the SimulationOptions with workload::SimulationOptionsFromScenario (collector
// default: the embedded untuned config, cli/assets/collector-untuned.yaml) and
// runs it in virtual time. Writes DIR/traces<ext>, DIR/metrics<ext>,
// DIR/logs<ext> (when coordination or e-commerce runs) and
// DIR/ground_truth.json, then prints one summary line. Everything is validated
// before the first file is written; an out dir holding files but no marker of
// an earlier `tflo workload run` is refused.
// OTLP/gRPC export: with --otlp-endpoint HOST:PORT, or without the flag when
// OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal OTEL_EXPORTER_OTLP_*_ENDPOINT)
// is set, the services' SDK exports (spans, logs, business metrics) are also
// sent to that endpoint through workload::OtlpExportSink; the flag wins over
// every endpoint variable. Without a start_time in the scenario the window is
// then placed to end now. See workload/README.md, "Exporting to a collector".
// Real-time mode (--realtime [--listen HOST:PORT], default 127.0.0.1:8000):
// the same run paced to the wall clock (workload::RunRealtime) for --duration,
// serving the simulated HTTP APIs and /metrics; it prints "listening on
// http://HOST:PORT (...)" once serving, and SIGINT/SIGTERM stop it cleanly
// (files, ground truth and summary as usual). --listen without --realtime is
// bad input.
#ifndef TFLO_CLI_WORKLOAD_COMMAND_H_
#define TFLO_CLI_WORKLOAD_COMMAND_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "tflo/core/otlp_file.h"
#include "tflo/core/otlp_grpc.h"
#include "tflo/core/status.h"

namespace CLI {
class App;
}

namespace tflo::cli {

struct WorkloadRunOptions {
  std::string scenario;                              // shipped name or path to a YAML file
  std::optional<std::chrono::nanoseconds> duration;  // overrides the scenario's
  std::optional<uint64_t> seed;                      // overrides the scenario's
  std::filesystem::path out_dir = "tflo-workload-out";
  std::optional<std::filesystem::path> collector_config;  // overrides the scenario's / default
  std::optional<std::filesystem::path> lambda_config;     // overrides the scenario's function JSON
  // Overrides the scenario's SQS event source mapping JSON.
  std::optional<std::filesystem::path> event_source_mapping;
  core::OtlpFileFormat format = core::OtlpFileFormat::kJsonLines;
  std::optional<std::string> otlp_endpoint;  // OTLP/gRPC export (see above)
  // The OTEL_* variables (endpoint, headers, timeout, compression, resource
  // attributes); null = the process environment.
  core::EnvLookup env;
  bool realtime = false;                     // real-time mode (see above)
  std::optional<std::string> listen;         // HOST:PORT; only with realtime
};

// Runs the scenario; the summary line goes to `out`. kInvalidArgument /
// kNotFound / kUnimplemented for bad input (nothing written). kUnavailable
// after the run (files written, summary printed) when OTLP export was on and
// the endpoint accepted nothing of what was offered.
Status RunWorkload(const WorkloadRunOptions& options, std::ostream& out);

// Registers `workload run` on `app`; `exit_code` receives the result (0 ok,
// 2 bad input, 1 other failures).
void RegisterWorkloadCommand(CLI::App& app, int& exit_code);

}  // namespace tflo::cli

#endif  // TFLO_CLI_WORKLOAD_COMMAND_H_
