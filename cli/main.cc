// tflo: the telemetry feedback-loop optimizer's command line. Thin: each
// subcommand lives in its own file and wires the libraries together.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "demo_command.h"
#include "tflo/core/allocator_name.h"
#include "workload_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "tflo - telemetry feedback-loop optimizer.\n"
      "Measures an OpenTelemetry pipeline (collector -> Tempo/Prometheus/Loki, Lambda), recommends\n"
      "changes to its knobs (batching, queues, sampling, memory, Lambda settings) with evidence,\n"
      "applies approved ones to the real config files with diffs and rollback, and verifies them.",
      "tflo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tflo 0.1.0 (allocator: " + tflo::core::AllocatorName() + ")");
  int exit_code = 0;
  tflo::cli::RegisterDemoCommand(app, exit_code);
  tflo::cli::RegisterWorkloadCommand(app, exit_code);
  spdlog::set_level(spdlog::level::warn);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
