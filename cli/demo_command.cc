#include "demo_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "assets.h"
#include "output_dir.h"
#include "report.h"
#include "tflo/actuators/collector_yaml_actuator.h"
#include "tflo/actuators/file_ops.h"
#include "tflo/analyzer/history_store.h"
#include "tflo/analyzer/telemetry_source.h"
#include "tflo/core/collector_config.h"
#include "tflo/optimizer/batch_queue_policy.h"
#include "tflo/workload/simulation.h"

namespace tflo::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kMarkerFile[] = ".tflo-demo";
constexpr char kUntunedAsset[] = "collector-untuned.yaml";
// Every round starts at a fixed virtual instant so that a seed reproduces a run.
constexpr uint64_t kDemoEpochUnixNano = 1767225600000000000ULL;  // 2026-01-01T00:00:00Z

// Artefacts a previous demo run leaves; only these are removed on a re-run.
const std::vector<std::string>& DemoArtefacts() {
  static const std::vector<std::string> kNames = {
      "rounds", "state", "report.md", "report.json", "collector.yaml",
      "tflo.db", "tflo.db-wal", "tflo.db-shm"};
  return kNames;
}

Status ValidateOptions(const DemoOptions& o) {
  if (o.out_dir.empty()) return InvalidArgumentError("--out: an output directory is required");
  if (o.rounds < 1 || o.rounds > kMaxDemoRounds) {
    return InvalidArgumentError(fmt::format("--rounds: must be 1..{}, got {}", kMaxDemoRounds, o.rounds));
  }
  if (!(o.requests_per_second > 0) || o.requests_per_second > 100000) {
    return InvalidArgumentError(fmt::format("--rate: must be in (0, 100000], got {}", o.requests_per_second));
  }
  if (o.window.count() < 1 || o.window.count() > 3600) {
    return InvalidArgumentError(fmt::format("--window: must be 1..3600 seconds, got {}", o.window.count()));
  }
  return OkStatus();
}

struct StartConfig {
  std::string text;
  std::string source;  // for messages and the report
};

Result<StartConfig> LoadStartConfig(const DemoOptions& o) {
  StartConfig start;
  if (o.collector_config) {
    auto bytes = actuators::ReadFileBytes(*o.collector_config);
    if (!bytes.ok()) return bytes.status().WithPrefix("--collector-config");
    start.text = std::move(*bytes);
    start.source = o.collector_config->string();
  } else {
    const std::string_view asset = FindAsset(kUntunedAsset);
    if (asset.empty()) return InternalError("the shipped collector config is missing from this build");
    start.text = std::string(asset);
    start.source = "the shipped untuned config (collector-untuned.yaml)";
  }
  const std::string name = o.collector_config ? o.collector_config->string() : kUntunedAsset;
  auto parsed = core::ParseCollectorConfig(start.text, name);
  if (!parsed.ok()) return parsed.status();
  const core::PipelineConfig* traces = parsed->TracesPipeline();
  if (traces == nullptr) {
    return InvalidArgumentError(name + ": service.pipelines has no traces pipeline to tune");
  }
  if (parsed->ExporterFor(*traces) == nullptr) {
    return InvalidArgumentError(name + ": the traces pipeline has no exporter");
  }
  if (parsed->BatchFor(*traces) == nullptr) {
    return InvalidArgumentError(name + ": the traces pipeline has no batch processor to tune");
  }
  return start;
}

analyzer::RecommendationRow ToRow(const optimizer::Recommendation& rec) {
  return analyzer::RecommendationRow{rec.id,       rec.target.kind, rec.target.file,
                                     rec.target.key, rec.current,   rec.proposed,
                                     std::string(optimizer::RecommendationStatusName(rec.status)),
                                     optimizer::ToJson(rec)};
}

// The previous round's change helped if it removed drops, or - when there were
// none to remove - did not make the queue fuller.
Verification Verify(const RoundReport& previous, const analyzer::WindowSnapshot& now) {
  Verification v;
  v.present = true;
  v.change_id = previous.change_id;
  const auto& before = previous.snapshot.pipeline;
  const auto& after = now.pipeline;
  v.dropped_before = static_cast<double>(before.dropped);
  v.dropped_after = static_cast<double>(after.dropped);
  const double ratio_before =
      before.accepted ? static_cast<double>(before.dropped) / static_cast<double>(before.accepted) : 0;
  const double ratio_after =
      after.accepted ? static_cast<double>(after.dropped) / static_cast<double>(after.accepted) : 0;
  if (before.dropped > 0) {
    if (ratio_after < ratio_before) {
      v.outcome = "verified";
      v.reason = fmt::format("drop ratio fell from {:.2f}% to {:.2f}%", 100 * ratio_before,
                             100 * ratio_after);
    } else {
      v.outcome = "rolled_back";
      v.reason = fmt::format("drop ratio did not fall ({:.2f}% -> {:.2f}%)", 100 * ratio_before,
                             100 * ratio_after);
    }
  } else if (after.dropped == 0 && after.queue_fill <= before.queue_fill + 1e-9) {
    v.outcome = "verified";
    v.reason = fmt::format("no drops; queue fill {:.1f}% -> {:.1f}%", 100 * before.queue_fill,
                           100 * after.queue_fill);
  } else {
    v.outcome = "rolled_back";
    v.reason = fmt::format("after the change: {} dropped, queue fill {:.1f}% -> {:.1f}%",
                           after.dropped, 100 * before.queue_fill, 100 * after.queue_fill);
  }
  return v;
}

}  // namespace

Status RunDemo(const DemoOptions& options, std::ostream& progress) {
  TFLO_RETURN_IF_ERROR(ValidateOptions(options));
  TFLO_ASSIGN_OR_RETURN(StartConfig start, LoadStartConfig(options));
  TFLO_RETURN_IF_ERROR(
      PrepareOwnedOutputDir(options.out_dir, {kMarkerFile, "tflo demo", DemoArtefacts()}));

  const fs::path dir = options.out_dir;
  const fs::path config_path = dir / "collector.yaml";
  TFLO_RETURN_IF_ERROR(actuators::AtomicWriteFile(config_path, start.text));
  TFLO_ASSIGN_OR_RETURN(auto history, analyzer::OpenHistoryStore((dir / "tflo.db").string()));
  actuators::CollectorYamlActuator actuator(config_path, dir / "state");

  RunReport report;
  report.run_id = fmt::format("demo-seed{}", options.seed);
  report.seed = options.seed;
  report.rounds = options.rounds;
  report.requests_per_second = options.requests_per_second;
  report.window_seconds = static_cast<double>(options.window.count());
  report.start_config = start.source;
  report.tuned_config = config_path.string();

  optimizer::History opt_history;
  const optimizer::Objectives objectives;
  const auto window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(options.window);

  for (int round = 1; round <= options.rounds; ++round) {
    RoundReport rr;
    rr.round = round;
    rr.round_dir = fmt::format("rounds/round-{}", round);
    const fs::path round_dir = dir / rr.round_dir;
    std::error_code ec;
    fs::create_directories(round_dir, ec);
    if (ec) return InternalError(round_dir.string() + ": cannot create: " + ec.message());

    // The model reads the very file the actuator rewrites.
    TFLO_ASSIGN_OR_RETURN(core::CollectorConfig config, core::LoadCollectorConfig(config_path));
    TFLO_ASSIGN_OR_RETURN(std::string config_text, actuators::ReadFileBytes(config_path));
    TFLO_RETURN_IF_ERROR(actuators::AtomicWriteFile(round_dir / "collector.yaml", config_text));

    workload::SimulationOptions sim;
    sim.seed = options.seed * 1000003ULL + static_cast<uint64_t>(round);
    sim.start_unix_nano = kDemoEpochUnixNano + static_cast<uint64_t>(round - 1) *
                                                   static_cast<uint64_t>(window_ns.count()) * 2;
    sim.window = window_ns;
    sim.onboarding.requests_per_second = options.requests_per_second;
    sim.collector = config;
    sim.out_dir = round_dir;
    sim.format = options.format;
    TFLO_ASSIGN_OR_RETURN(workload::SimulationSummary summary, workload::RunSimulation(sim));
    rr.requests = summary.requests;
    rr.spans_generated = summary.spans_generated;

    auto source = analyzer::MakeOtlpFileSource(round_dir);
    analyzer::AnalysisWindow window;
    window.start_unix_nano = sim.start_unix_nano;
    window.end_unix_nano =
        sim.start_unix_nano + static_cast<uint64_t>((summary.simulated_seconds + 1.0) * 1e9);
    TFLO_ASSIGN_OR_RETURN(rr.snapshot, source->Collect(window));

    std::map<std::string, std::string> status_updates;  // rec id -> status, previous round
    if (round > 1 && !report.round_reports.back().change_id.empty()) {
      RoundReport& previous = report.round_reports.back();
      rr.verification = Verify(previous, rr.snapshot);
      if (rr.verification.outcome == "rolled_back") {
        TFLO_RETURN_IF_ERROR(actuator.Rollback(previous.change_id));
        TFLO_ASSIGN_OR_RETURN(config, core::LoadCollectorConfig(config_path));
      }
      const auto status = rr.verification.outcome == "verified"
                              ? optimizer::RecommendationStatus::kVerified
                              : optimizer::RecommendationStatus::kRolledBack;
      for (auto& rec : previous.recommendations) {
        if (rec.status != optimizer::RecommendationStatus::kApplied) continue;
        rec.status = status;
        TFLO_RETURN_IF_ERROR(history->UpdateRecommendationStatus(
            report.run_id, rec.id, std::string(optimizer::RecommendationStatusName(status))));
      }
    }

    rr.recommendations = optimizer::RecommendBatchQueue(rr.snapshot, config, config_path.string(),
                                                        objectives, opt_history);
    analyzer::RoundRecord record;
    record.round = round;
    record.run_id = report.run_id;
    record.snapshot = rr.snapshot;
    // The last round's recommendations stay pending: no later round would verify them.
    if (!rr.recommendations.empty() && round < options.rounds) {
      for (auto& rec : rr.recommendations) rec.status = optimizer::RecommendationStatus::kApproved;
      TFLO_ASSIGN_OR_RETURN(actuators::Change change, actuator.Apply(rr.recommendations));
      for (auto& rec : rr.recommendations) rec.status = optimizer::RecommendationStatus::kApplied;
      rr.diff = change.diff;
      rr.change_id = change.change_id;
      record.changes.push_back(analyzer::ChangeRow{change.change_id, change.file, change.backup_path,
                                                   change.before_sha256, change.after_sha256,
                                                   change.diff});
    }
    for (const auto& rec : rr.recommendations) record.recommendations.push_back(ToRow(rec));
    TFLO_RETURN_IF_ERROR(history->AppendRound(record));
    opt_history.snapshots.push_back(rr.snapshot);

    const auto& p = rr.snapshot.pipeline;
    progress << fmt::format(
        "round {}: {} requests, {} spans accepted, {} sent, {} dropped ({:.1f}%), queue fill "
        "{:.0f}%, mean batch {:.1f}; {} recommendation(s){}{}\n",
        round, rr.requests, p.accepted, p.sent, p.dropped,
        p.accepted ? 100.0 * static_cast<double>(p.dropped) / static_cast<double>(p.accepted) : 0.0,
        100 * p.queue_fill, p.mean_batch_size, rr.recommendations.size(),
        rr.change_id.empty() ? "" : ", applied as " + rr.change_id,
        rr.verification.present ? "; previous change " + rr.verification.outcome : "");
    report.round_reports.push_back(std::move(rr));
  }

  TFLO_RETURN_IF_ERROR(actuators::AtomicWriteFile(dir / "report.json", RenderReportJson(report)));
  TFLO_RETURN_IF_ERROR(actuators::AtomicWriteFile(dir / "report.md", RenderReportMarkdown(report)));
  progress << "wrote " << (dir / "report.md").string() << ", " << (dir / "report.json").string()
           << ", " << config_path.string() << ", " << (dir / "tflo.db").string() << "\n";
  return OkStatus();
}

void RegisterDemoCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DemoOptions>();
  auto format = std::make_shared<std::string>("json");
  auto window_s = std::make_shared<int64_t>(60);
  auto seed = std::make_shared<uint64_t>(42);
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the whole feedback loop offline: simulate onboarding traffic through a collector "
      "model driven by a real collector YAML, analyze the OTLP files, recommend batch/queue "
      "settings, apply them to DIR/collector.yaml, verify them in the next round.");
  cmd->add_option("--out", options->out_dir, "Output directory (created; a previous demo output is replaced)")
      ->required();
  cmd->add_option("--rounds", options->rounds, "Number of rounds (1-50)")->capture_default_str();
  cmd->add_option("--seed", *seed, "Random seed; the same seed reproduces the same telemetry")
      ->capture_default_str();
  cmd->add_option("--collector-config", options->collector_config,
                  "Collector YAML to start from (read only; default: the shipped untuned config)");
  cmd->add_option("--rate", options->requests_per_second, "Onboarding requests per second")
      ->capture_default_str();
  cmd->add_option("--window", *window_s, "Seconds of virtual time per round")->capture_default_str();
  cmd->add_option("--otlp-format", *format, "Format of the OTLP files written: json (JSON lines) or binary")
      ->capture_default_str();
  cmd->callback([options, format, window_s, seed, &exit_code]() {
    auto parsed = core::ParseOtlpFileFormat(*format);
    if (!parsed.ok()) {
      std::cerr << "tflo demo: --otlp-format: " << parsed.status().message() << "\n";
      exit_code = 2;
      return;
    }
    options->format = *parsed;
    options->window = std::chrono::seconds(*window_s);
    options->seed = *seed;
    const Status status = RunDemo(*options, std::cout);
    if (!status.ok()) {
      std::cerr << "tflo demo: " << status.message() << "\n";
      exit_code = status.code() == StatusCode::kInvalidArgument ? 2 : 1;
      return;
    }
    exit_code = 0;
  });
}

}  // namespace tflo::cli
