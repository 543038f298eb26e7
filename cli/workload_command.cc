#include "workload_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "assets.h"
#include "output_dir.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tflo/core/collector_config.h"
#include "tflo/core/duration.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/lambda_config.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerFile[] = ".tflo-workload";
constexpr char kUntunedAsset[] = "collector-untuned.yaml";

// Files an earlier run leaves; only these are removed on a re-run.
std::vector<std::string> WorkloadArtefacts() {
  std::vector<std::string> names = {"ground_truth.json"};
  for (const core::OtlpFileFormat format :
       {core::OtlpFileFormat::kJsonLines, core::OtlpFileFormat::kBinary}) {
    const std::string ext(core::OtlpFileExtension(format));
    for (const char* signal : {"traces", "metrics", "logs"}) names.push_back(signal + ext);
  }
  return names;
}

Status RefuseUnimplemented(const WorkloadRunOptions& o) {
  if (o.otlp_endpoint) {
    return UnimplementedError("--otlp-endpoint: OTLP/gRPC export is not implemented yet");
  }
  if (o.realtime) return UnimplementedError("--realtime: real-time mode is not implemented yet");
  if (o.listen) {
    return UnimplementedError("--listen: real-time mode (and its listener) is not implemented yet");
  }
  return OkStatus();
}

Result<core::CollectorConfig> DefaultCollector() {
  const std::string_view asset = FindAsset(kUntunedAsset);
  if (asset.empty())
    return InternalError("the shipped collector config is missing from this build");
  return core::ParseCollectorConfig(asset, kUntunedAsset);
}

}  // namespace

Status RunWorkload(const WorkloadRunOptions& options, std::ostream& out) {
  TFLO_RETURN_IF_ERROR(RefuseUnimplemented(options));
  if (options.scenario.empty())
    return InvalidArgumentError("--scenario: a name or file is required");
  if (options.out_dir.empty())
    return InvalidArgumentError("--out: an output directory is required");
  if (options.duration && options.duration->count() <= 0) {
    return InvalidArgumentError("--duration: must be positive");
  }

  TFLO_ASSIGN_OR_RETURN(workload::Scenario scenario, workload::LoadScenario(options.scenario));
  if (options.duration) scenario.duration = *options.duration;
  if (options.seed) scenario.seed = *options.seed;
  if (options.collector_config) scenario.collector_config = *options.collector_config;
  if (options.lambda_config) scenario.onboarding.lambda_function_config = *options.lambda_config;

  TFLO_ASSIGN_OR_RETURN(core::CollectorConfig default_collector, DefaultCollector());
  const workload::FaultSet faults(scenario.faults);
  auto sim = workload::SimulationOptionsFromScenario(scenario, &faults, default_collector);
  if (!sim.ok()) return sim.status();
  sim->out_dir = options.out_dir;
  sim->format = options.format;

  TFLO_RETURN_IF_ERROR(
      PrepareOwnedOutputDir(options.out_dir, {kMarkerFile, "tflo workload run", WorkloadArtefacts()}));
  const auto wall_start = std::chrono::steady_clock::now();
  TFLO_ASSIGN_OR_RETURN(workload::SimulationSummary summary, workload::RunSimulation(*sim));
  const double wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  const uint64_t lost = summary.spans_generated > summary.spans_sent
                            ? summary.spans_generated - summary.spans_sent
                            : 0;
  out << fmt::format(
      "{}: {} spans generated, {} delivered, {} logs, {} metric points, {} dropped ({} by a full "
      "sending queue), {:.1f} s simulated in {:.2f} s wall -> {}\n",
      scenario.name, summary.spans_generated, summary.spans_sent, summary.log_records,
      summary.metric_points, lost, summary.spans_dropped, summary.simulated_seconds, wall_seconds,
      options.out_dir.string());
  return OkStatus();
}

void RegisterWorkloadCommand(CLI::App& app, int& exit_code) {
  CLI::App* workload = app.add_subcommand(
      "workload", "The workload simulator: services, traffic, faults and the pipeline model.");
  workload->require_subcommand(1);

  auto options = std::make_shared<WorkloadRunOptions>();
  auto duration = std::make_shared<std::string>();
  auto seed = std::make_shared<uint64_t>(0);
  auto format = std::make_shared<std::string>("json");
  auto endpoint = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>();
  CLI::App* run = workload->add_subcommand(
      "run",
      "Run a scenario in virtual time and write DIR/traces, DIR/metrics (OTLP files) and "
      "DIR/ground_truth.json.");
  run->add_option("--scenario", options->scenario,
                  "Shipped scenario name (onboarding, coordination, ecommerce-blackfriday, mixed) "
                  "or a scenario YAML file")
      ->required();
  CLI::Option* duration_opt = run->add_option(
      "--duration", *duration, "Virtual time to run, e.g. 30s, 1h (default: the scenario's)");
  CLI::Option* seed_opt = run->add_option(
      "--seed", *seed, "Random seed (default: the scenario's); same seed, same bytes");
  run->add_option("--out", options->out_dir,
                  "Output directory (a previous workload output is replaced)")
      ->capture_default_str();
  run->add_option(
      "--collector-config", options->collector_config,
      "Collector YAML for the pipeline model (default: the scenario's, else the shipped "
      "untuned config)");
  run->add_option("--lambda-config", options->lambda_config,
                  "Lambda function configuration JSON (aws lambda get-function-configuration)");
  run->add_option("--otlp-format", *format, "Format of the OTLP files: json (JSON lines) or binary")
      ->capture_default_str();
  CLI::Option* endpoint_opt = run->add_option("--otlp-endpoint", *endpoint,
                                              "OTLP/gRPC endpoint HOST:PORT (not implemented yet)");
  run->add_flag("--realtime", options->realtime,
                "Serve the HTTP endpoints in real time (not implemented yet)");
  CLI::Option* listen_opt = run->add_option(
      "--listen", *listen, "Real-time listen address, e.g. 127.0.0.1:8000 (not implemented yet)");

  run->callback([=, &exit_code]() {
    auto fail = [&exit_code](const Status& status) {
      std::cerr << "tflo workload run: " << status.message() << "\n";
      const StatusCode code = status.code();
      exit_code = (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
                   code == StatusCode::kUnimplemented)
                      ? 2
                      : 1;
    };
    auto parsed = core::ParseOtlpFileFormat(*format);
    if (!parsed.ok()) return fail(parsed.status().WithPrefix("--otlp-format"));
    options->format = *parsed;
    if (duration_opt->count() > 0) {
      auto d = core::ParseGoDuration(*duration);
      if (!d.ok()) return fail(d.status().WithPrefix("--duration"));
      options->duration = *d;
    }
    if (seed_opt->count() > 0) options->seed = *seed;
    if (endpoint_opt->count() > 0) options->otlp_endpoint = *endpoint;
    if (listen_opt->count() > 0) options->listen = *listen;
    const Status status = RunWorkload(*options, std::cout);
    if (!status.ok()) return fail(status);
    exit_code = 0;
  });
}

}  // namespace tflo::cli
