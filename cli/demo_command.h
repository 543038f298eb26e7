// `tflo demo`: the whole feedback loop in the embedded default mode.
//
// Starting from a collector config under which the onboarding load drops spans
// (the shipped untuned one, or the user's), each round simulates a window of
// traffic through the collector model, analyzes the OTLP files it wrote,
// verifies (or rolls back) the previous round's change, recommends, and applies
// the recommendations to DIR/collector.yaml. Writes DIR/report.md,
// DIR/report.json, DIR/collector.yaml, DIR/tflo.db and DIR/rounds/round-N/.
// The user's own config file is read, never written.
#ifndef TFLO_CLI_DEMO_COMMAND_H_
#define TFLO_CLI_DEMO_COMMAND_H_

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

struct DemoOptions {
  std::filesystem::path out_dir;
  int rounds = 3;
  uint64_t seed = 42;
  std::optional<std::filesystem::path> collector_config;  // default: the shipped untuned file
  double requests_per_second = 150;
  std::chrono::seconds window{60};
  core::OtlpFileFormat format = core::OtlpFileFormat::kJsonLines;
};

inline constexpr int kMaxDemoRounds = 50;

// Validates everything it reads before writing anything: on bad input (missing
// or malformed config, an out dir that cannot be written or holds unrelated
// files) it returns an error and leaves every file as it was. Progress goes to
// `progress` (one line per round).
Status RunDemo(const DemoOptions& options, std::ostream& progress);

// Registers the `demo` subcommand on `app`; `exit_code` receives the result.
void RegisterDemoCommand(CLI::App& app, int& exit_code);

}  // namespace tflo::cli

#endif  // TFLO_CLI_DEMO_COMMAND_H_
