#include "report.h"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tflo::cli {
namespace {

using json = nlohmann::ordered_json;

json RecommendationJson(const optimizer::Recommendation& rec) {
  // The recommendation's own JSON carries everything; the flat keys of the
  // report contract come first so a reader finds them without digging.
  json full = json::parse(optimizer::ToJson(rec));
  json out;
  out["id"] = rec.id;
  out["target"] = rec.target.kind;
  out["file"] = rec.target.file;
  out["key"] = rec.target.key;
  out["current"] = rec.current;
  out["proposed"] = rec.proposed;
  out["status"] = std::string(optimizer::RecommendationStatusName(rec.status));
  out["policy"] = rec.policy;
  out["rationale"] = rec.rationale;
  out["evidence"] = full.value("evidence", json::array());
  out["impact"] = full.value("impact", json::object());
  out["risk"] = rec.risk;
  out["guardrails"] = rec.guardrails;
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Percent(double ratio) { return Fixed(100.0 * ratio, 1) + "%"; }

}  // namespace

std::string RenderReportJson(const RunReport& report) {
  json doc;
  doc["run_id"] = report.run_id;
  doc["seed"] = report.seed;
  doc["requests_per_second"] = report.requests_per_second;
  doc["window_seconds"] = report.window_seconds;
  doc["start_config"] = report.start_config;
  doc["tuned_config"] = report.tuned_config;
  json rounds = json::array();
  for (const auto& r : report.round_reports) {
    json round;
    round["round"] = r.round;
    round["round_dir"] = r.round_dir;
    round["requests"] = r.requests;
    round["spans_generated"] = r.spans_generated;
    json ops = json::array();
    for (const auto& op : r.snapshot.operations) {
      ops.push_back({{"service", op.service},
                     {"operation", op.operation},
                     {"span_kind", op.span_kind},
                     {"count", op.count},
                     {"errors", op.errors},
                     {"error_rate", op.error_rate},
                     {"rate_per_second", op.rate_per_second},
                     {"p50_ms", op.p50_ms},
                     {"p95_ms", op.p95_ms},
                     {"p99_ms", op.p99_ms}});
    }
    round["operations"] = ops;
    const auto& p = r.snapshot.pipeline;
    round["pipeline"] = {{"accepted", p.accepted},
                         {"refused", p.refused},
                         {"sent", p.sent},
                         {"send_failed", p.send_failed},
                         {"dropped", p.dropped},
                         {"queue_fill", p.queue_fill},
                         {"queue_capacity", p.queue_capacity},
                         {"mean_batch_size", p.mean_batch_size},
                         {"batches", p.batches},
                         {"size_triggered_batches", p.size_triggered_batches},
                         {"timeout_triggered_batches", p.timeout_triggered_batches},
                         {"accepted_per_second", p.accepted_per_second},
                         {"export_requests_per_second", p.export_requests_per_second}};
    json recs = json::array();
    for (const auto& rec : r.recommendations) recs.push_back(RecommendationJson(rec));
    round["recommendations"] = recs;
    round["diff"] = r.diff;
    round["change_id"] = r.change_id;
    if (r.verification.present) {
      round["verification"] = {{"change_id", r.verification.change_id},
                               {"outcome", r.verification.outcome},
                               {"reason", r.verification.reason},
                               {"dropped_before", r.verification.dropped_before},
                               {"dropped_after", r.verification.dropped_after}};
    }
    round["data_quality"] = {{"traces_present", r.snapshot.quality.traces_present},
                             {"pipeline_metrics_present", r.snapshot.quality.pipeline_metrics_present},
                             {"notes", r.snapshot.quality.notes}};
    rounds.push_back(std::move(round));
  }
  doc["rounds"] = rounds;
  return doc.dump(2) + "\n";
}

std::string RenderReportMarkdown(const RunReport& report) {
  std::ostringstream md;
  md << "# tflo demo report\n\n";
  md << "Run `" << report.run_id << "`: " << report.round_reports.size() << " rounds of "
     << Fixed(report.window_seconds, 0) << " s of onboarding traffic at "
     << Fixed(report.requests_per_second, 0) << " requests/s (seed " << report.seed << ").\n";
  md << "Started from " << report.start_config << "; the tuned configuration is `"
     << report.tuned_config << "`.\n\n";

  md << "## Summary\n\n";
  md << "| round | spans accepted | sent | dropped | drop ratio | queue fill (max) | mean batch | "
        "changes |\n";
  md << "|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& r : report.round_reports) {
    const auto& p = r.snapshot.pipeline;
    const double ratio = p.accepted ? static_cast<double>(p.dropped) / static_cast<double>(p.accepted) : 0;
    std::string changes;
    for (const auto& rec : r.recommendations) {
      if (!changes.empty()) changes += "; ";
      changes += "`" + rec.target.key + "` " + rec.current + " -> " + rec.proposed + " (" +
                 std::string(optimizer::RecommendationStatusName(rec.status)) + ")";
    }
    if (changes.empty()) changes = "none";
    md << "| " << r.round << " | " << p.accepted << " | " << p.sent << " | " << p.dropped << " | "
       << Percent(ratio) << " | " << Percent(p.queue_fill) << " | " << Fixed(p.mean_batch_size, 1)
       << " | " << changes << " |\n";
  }
  md << "\n";

  for (const auto& r : report.round_reports) {
    const auto& p = r.snapshot.pipeline;
    md << "## Round " << r.round << "\n\n";
    md << "Telemetry: `" << r.round_dir << "` (" << r.requests << " requests, " << r.spans_generated
       << " spans generated).\n\n";
    if (r.verification.present) {
      md << "**Verification of change `" << r.verification.change_id
         << "`: " << r.verification.outcome << "** - " << r.verification.reason << "\n\n";
    }
    md << "### Pipeline\n\n";
    md << "- accepted " << p.accepted << " spans (" << Fixed(p.accepted_per_second, 1)
       << "/s), sent " << p.sent << ", dropped at the exporter queue " << p.dropped
       << ", refused " << p.refused << ", send failures " << p.send_failed << "\n";
    md << "- queue fill (max over scrapes) " << Percent(p.queue_fill) << " of "
       << Fixed(p.queue_capacity, 0) << "\n";
    md << "- " << p.batches << " batches, mean " << Fixed(p.mean_batch_size, 1) << " spans ("
       << p.size_triggered_batches << " on size, " << p.timeout_triggered_batches
       << " on timeout), " << Fixed(p.export_requests_per_second, 1) << " export requests/s\n\n";

    md << "### Operations\n\n";
    md << "| service | operation | count | error rate | p50 ms | p95 ms | p99 ms |\n";
    md << "|---|---|---:|---:|---:|---:|---:|\n";
    for (const auto& op : r.snapshot.operations) {
      md << "| " << op.service << " | " << op.operation << " | " << op.count << " | "
         << Percent(op.error_rate) << " | " << Fixed(op.p50_ms, 2) << " | " << Fixed(op.p95_ms, 2)
         << " | " << Fixed(op.p99_ms, 2) << " |\n";
    }
    md << "\n";
    for (const auto& note : r.snapshot.quality.notes) md << "> note: " << note << "\n";
    if (!r.snapshot.quality.notes.empty()) md << "\n";

    md << "### Recommendations\n\n";
    if (r.recommendations.empty()) md << "None: the pipeline met its objectives.\n\n";
    for (const auto& rec : r.recommendations) {
      md << "#### `" << rec.target.key << "`: " << rec.current << " -> " << rec.proposed << " ("
         << optimizer::RecommendationStatusName(rec.status) << ")\n\n";
      md << rec.rationale << "\n\n";
      md << "- expected impact on " << rec.impact.metric << ": " << Fixed(rec.impact.before, 0)
         << " -> " << Fixed(rec.impact.after, 0) << " (interval " << Fixed(rec.impact.low, 0)
         << " .. " << Fixed(rec.impact.high, 0) << ")\n";
      md << "- risk: " << rec.risk << "\n";
      for (const auto& e : rec.evidence) {
        md << "- evidence: `" << e.metric << "` = " << Fixed(e.value, 3) << " (" << e.query << ")\n";
      }
      for (const auto& g : rec.guardrails) md << "- guardrail: " << g << "\n";
      md << "\n";
    }
    if (!r.diff.empty()) {
      md << "### Applied change `" << r.change_id << "`\n\n```diff\n" << r.diff;
      if (r.diff.back() != '\n') md << "\n";
      md << "```\n\n";
    }
  }
  return md.str();
}

}  // namespace tflo::cli
