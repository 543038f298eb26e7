#include "tflo/optimizer/recommendation.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tflo::optimizer {
namespace {

TEST(RecommendationStatusTest, NamesRoundTrip) {
  const std::vector<std::pair<RecommendationStatus, std::string>> all = {
      {RecommendationStatus::kPending, "pending"},
      {RecommendationStatus::kApproved, "approved"},
      {RecommendationStatus::kApplied, "applied"},
      {RecommendationStatus::kVerified, "verified"},
      {RecommendationStatus::kRolledBack, "rolled_back"},
      {RecommendationStatus::kRejected, "rejected"},
  };

  for (const auto& [status, name] : all) {
    EXPECT_EQ(RecommendationStatusName(status), name);
    auto parsed = ParseRecommendationStatus(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, status);
  }
}

TEST(RecommendationStatusTest, UnknownNameIsInvalidArgument) {
  auto parsed = ParseRecommendationStatus("Pending");

  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("Pending"), std::string::npos);
}

TEST(RecommendationJsonTest, HasTheContractKeysInOrder) {
  Recommendation rec;
  rec.id = "batch_queue:processors.batch.send_batch_size";
  rec.policy = "batch_queue";
  rec.target = {"collector_yaml", "stack/otel-collector/config.yaml",
                "processors.batch.send_batch_size"};
  rec.current = "512";
  rec.proposed = "1280";
  rec.rationale = "the exporter \"cannot\" keep up";
  rec.evidence = {{"otelcol_exporter_enqueue_failed_spans", 250000, "sum of increase"}};
  rec.impact = {"dropped_spans", 250000, 0, 0, 37500};
  rec.risk = "medium: latency";
  rec.guardrails = {"step factor 2.50 <= 4.00", "within tflo bound 100000"};
  rec.status = RecommendationStatus::kRolledBack;

  const auto doc = nlohmann::ordered_json::parse(ToJson(rec));

  std::vector<std::string> keys;
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"id", "policy", "target", "current", "proposed", "rationale",
                                      "evidence", "impact", "risk", "guardrails", "status"}));
  EXPECT_EQ(doc["target"]["kind"], "collector_yaml");
  EXPECT_EQ(doc["target"]["file"], "stack/otel-collector/config.yaml");
  EXPECT_EQ(doc["target"]["key"], "processors.batch.send_batch_size");
  EXPECT_EQ(doc["current"], "512");
  EXPECT_EQ(doc["proposed"], "1280");
  EXPECT_EQ(doc["rationale"], "the exporter \"cannot\" keep up");
  ASSERT_EQ(doc["evidence"].size(), 1U);
  EXPECT_EQ(doc["evidence"][0]["metric"], "otelcol_exporter_enqueue_failed_spans");
  EXPECT_EQ(doc["evidence"][0]["value"], 250000.0);
  EXPECT_EQ(doc["evidence"][0]["query"], "sum of increase");
  EXPECT_EQ(doc["impact"]["metric"], "dropped_spans");
  EXPECT_EQ(doc["impact"]["before"], 250000.0);
  EXPECT_EQ(doc["impact"]["after"], 0.0);
  EXPECT_EQ(doc["impact"]["high"], 37500.0);
  EXPECT_EQ(doc["risk"], "medium: latency");
  EXPECT_EQ(doc["guardrails"].size(), 2U);
  EXPECT_EQ(doc["status"], "rolled_back");
}

}  // namespace
}  // namespace tflo::optimizer
