// `tflo workload run`: one scenario (workload/scenarios/ or a YAML file) through
// the workload simulator, writing OTLP files and the ground truth.
//
// Loads the scenario (a shipped name or a path), applies the command-line
// overrides (--duration, --seed, --collector-config, --lambda-config), builds
// the SimulationOptions with workload::SimulationOptionsFromScenario (collector
// default: the embedded untuned config, cli/assets/collector-untuned.yaml) and
// runs it in virtual time. Writes DIR/traces<ext>, DIR/metrics<ext>,
// DIR/logs<ext> (when coordination or e-commerce runs) and
// DIR/ground_truth.json, then prints one summary line. Everything is validated
// before the first file is written; an out dir holding files but no marker of
// an earlier `tflo workload run` is refused.
// OTLP export (--otlp-endpoint), real-time mode (--realtime, --listen) are
// accepted as flags and refused with "not implemented yet".
#ifndef TFLO_CLI_WORKLOAD_COMMAND_H_
#define TFLO_CLI_WORKLOAD_COMMAND_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "tflo/core/otlp_file.h"
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
  core::OtlpFileFormat format = core::OtlpFileFormat::kJsonLines;
  std::optional<std::string> otlp_endpoint;  // not implemented yet
  bool realtime = false;                     // not implemented yet
  std::optional<std::string> listen;         // not implemented yet
};

// Runs the scenario; the summary line goes to `out`. kInvalidArgument /
// kNotFound / kUnimplemented for bad input (nothing written).
Status RunWorkload(const WorkloadRunOptions& options, std::ostream& out);

// Registers `workload run` on `app`; `exit_code` receives the result (0 ok,
// 2 bad input, 1 other failures).
void RegisterWorkloadCommand(CLI::App& app, int& exit_code);

}  // namespace tflo::cli

#endif  // TFLO_CLI_WORKLOAD_COMMAND_H_
