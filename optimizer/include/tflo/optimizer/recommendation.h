// Recommendation: the optimizer's output and the actuators' input.
//
// A proposed change of one configuration value, with the evidence that led to
// it, the impact the optimizer expects, the guardrails it checked and where it
// is in its life (pending -> approved -> applied -> verified | rolled_back, or
// rejected). Plain value type; the JSON keys are a stable contract (report.json).
#ifndef TFLO_OPTIMIZER_RECOMMENDATION_H_
#define TFLO_OPTIMIZER_RECOMMENDATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::optimizer {

enum class RecommendationStatus { kPending, kApproved, kApplied, kVerified, kRolledBack, kRejected };
std::string_view RecommendationStatusName(RecommendationStatus s);  // "pending", ...
Result<RecommendationStatus> ParseRecommendationStatus(std::string_view name);

struct Target {
  std::string kind;  // "collector_yaml"
  std::string file;  // path of the file the actuator edits
  std::string key;   // dotted key path: "exporters.otlp/tempo.sending_queue.queue_size"
};

struct Evidence {
  std::string metric;  // "otelcol_exporter_enqueue_failed_spans"
  double value = 0;
  std::string query;   // how it was obtained (PromQL, or "otlp-file: ...")
};

struct ExpectedImpact {
  std::string metric;  // "dropped_spans_per_window"
  double before = 0;
  double after = 0;    // point estimate
  double low = 0;      // interval
  double high = 0;
};

struct Recommendation {
  std::string id;  // stable within a round: "<policy>:<key>"
  std::string policy;
  Target target;
  std::string current;   // as written in the file (scalar text)
  std::string proposed;  // scalar text to write
  std::string rationale;
  std::vector<Evidence> evidence;
  ExpectedImpact impact;
  std::string risk;                     // "low" | "medium" | "high", with a reason
  std::vector<std::string> guardrails;  // checks that passed, human-readable
  RecommendationStatus status = RecommendationStatus::kPending;
};

std::string ToJson(const Recommendation& rec);  // one JSON object

}  // namespace tflo::optimizer

#endif  // TFLO_OPTIMIZER_RECOMMENDATION_H_
