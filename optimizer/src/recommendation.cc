#include "tflo/optimizer/recommendation.h"

#include <array>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace tflo::optimizer {
namespace {

constexpr std::array<std::pair<RecommendationStatus, std::string_view>, 6> kStatusNames = {{
    {RecommendationStatus::kPending, "pending"},
    {RecommendationStatus::kApproved, "approved"},
    {RecommendationStatus::kApplied, "applied"},
    {RecommendationStatus::kVerified, "verified"},
    {RecommendationStatus::kRolledBack, "rolled_back"},
    {RecommendationStatus::kRejected, "rejected"},
}};

}  // namespace

std::string_view RecommendationStatusName(RecommendationStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "unknown";
}

Result<RecommendationStatus> ParseRecommendationStatus(std::string_view name) {
  for (const auto& [status, n] : kStatusNames) {
    if (n == name) return status;
  }
  return InvalidArgumentError("unknown recommendation status \"" + std::string(name) +
                              "\" (expected pending, approved, applied, verified, rolled_back "
                              "or rejected)");
}

std::string ToJson(const Recommendation& rec) {
  // Insertion-ordered so report.json reads top-down the way a person reviews a
  // change: what, where, from -> to, why, evidence, impact, risk, checks.
  using Json = nlohmann::ordered_json;
  Json j;
  j["id"] = rec.id;
  j["policy"] = rec.policy;
  j["target"] = Json{{"kind", rec.target.kind}, {"file", rec.target.file}, {"key", rec.target.key}};
  j["current"] = rec.current;
  j["proposed"] = rec.proposed;
  j["rationale"] = rec.rationale;
  Json evidence = Json::array();
  for (const Evidence& e : rec.evidence) {
    evidence.push_back(Json{{"metric", e.metric}, {"value", e.value}, {"query", e.query}});
  }
  j["evidence"] = std::move(evidence);
  j["impact"] = Json{{"metric", rec.impact.metric},
                     {"before", rec.impact.before},
                     {"after", rec.impact.after},
                     {"low", rec.impact.low},
                     {"high", rec.impact.high}};
  j["risk"] = rec.risk;
  j["guardrails"] = rec.guardrails;
  j["status"] = std::string(RecommendationStatusName(rec.status));
  return j.dump();
}

}  // namespace tflo::optimizer
