// The demo's report: report.json (a stable, machine-readable contract) and
// report.md (the same story for a person), rendered from the rounds of a run.
#ifndef TFLO_CLI_REPORT_H_
#define TFLO_CLI_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tflo/analyzer/snapshot.h"
#include "tflo/optimizer/recommendation.h"

namespace tflo::cli {

// What the next round found about the previous round's applied change.
struct Verification {
  bool present = false;
  std::string change_id;
  std::string outcome;  // "verified" | "rolled_back"
  std::string reason;
  double dropped_before = 0;
  double dropped_after = 0;
};

struct RoundReport {
  int round = 0;
  std::string round_dir;  // relative to the run directory
  uint64_t requests = 0;
  uint64_t spans_generated = 0;
  analyzer::WindowSnapshot snapshot;
  std::vector<optimizer::Recommendation> recommendations;
  std::string diff;       // redacted; empty when nothing was applied
  std::string change_id;  // empty when nothing was applied
  Verification verification;
};

struct RunReport {
  std::string run_id;
  uint64_t seed = 0;
  int rounds = 0;
  double requests_per_second = 0;
  double window_seconds = 0;
  std::string start_config;  // where the starting collector config came from
  std::string tuned_config;  // path of the tuned file
  std::vector<RoundReport> round_reports;
};

// {"run_id", "seed", ..., "rounds": [{"round", "operations", "pipeline",
// "recommendations", "diff", ...}]}. Keys are never renamed (later versions
// only add).
std::string RenderReportJson(const RunReport& report);
std::string RenderReportMarkdown(const RunReport& report);

}  // namespace tflo::cli

#endif  // TFLO_CLI_REPORT_H_
