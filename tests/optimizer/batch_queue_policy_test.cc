#include "tflo/optimizer/batch_queue_policy.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tflo::optimizer {
namespace {

constexpr const char* kFile = "stack/otel-collector/config.yaml";
constexpr const char* kBatchSizeKey = "processors.batch.send_batch_size";
constexpr const char* kBatchMaxKey = "processors.batch.send_batch_max_size";
constexpr const char* kQueueKey = "exporters.otlp/tempo.sending_queue.queue_size";

core::CollectorConfig Config(int64_t send_batch_size, int64_t queue_size,
                             int64_t send_batch_max_size = 0) {
  core::CollectorConfig cfg;
  cfg.source = kFile;
  cfg.receiver_ids = {"otlp"};
  cfg.processor_ids = {"memory_limiter", "batch"};
  core::BatchProcessorConfig batch;
  batch.id = "batch";
  batch.send_batch_size = send_batch_size;
  batch.timeout = std::chrono::milliseconds(200);
  batch.send_batch_max_size = send_batch_max_size;
  cfg.batch_processors["batch"] = batch;
  core::ExporterConfig exporter;
  exporter.id = "otlp/tempo";
  exporter.type = "otlp";
  exporter.sending_queue.queue_size = queue_size;
  cfg.exporters["otlp/tempo"] = exporter;
  core::ExporterConfig debug;
  debug.id = "debug";
  debug.type = "debug";
  cfg.exporters["debug"] = debug;
  cfg.pipelines.push_back({"metrics", {"otlp"}, {"batch"}, {"debug"}});
  cfg.pipelines.push_back({"traces", {"otlp"}, {"memory_limiter", "batch"}, {"otlp/tempo"}});
  return cfg;
}

// 60 s window, 10000 spans/s arriving, the exporter ships half of them in
// size-triggered batches of 512 and the full queue drops most of the rest.
analyzer::WindowSnapshot DroppingSnapshot() {
  analyzer::WindowSnapshot s;
  s.window_seconds = 60;
  s.quality.pipeline_metrics_present = true;
  auto& p = s.pipeline;
  p.accepted = 600000;
  p.sent = 300000;
  p.dropped = 250000;
  p.queue_fill = 1.0;
  p.queue_capacity = 1000;
  p.mean_batch_size = 512;
  p.batches = 586;
  p.size_triggered_batches = 586;
  p.timeout_triggered_batches = 0;
  p.accepted_per_second = 10000;
  p.export_requests_per_second = 586.0 / 60.0;
  return s;
}

analyzer::WindowSnapshot HealthySnapshot() {
  analyzer::WindowSnapshot s;
  s.window_seconds = 60;
  s.quality.pipeline_metrics_present = true;
  auto& p = s.pipeline;
  p.accepted = 60000;
  p.sent = 60000;
  p.queue_fill = 0.1;
  p.queue_capacity = 1000;
  p.mean_batch_size = 500;
  p.batches = 120;
  p.size_triggered_batches = 100;
  p.timeout_triggered_batches = 20;
  p.accepted_per_second = 1000;
  p.export_requests_per_second = 2;
  return s;
}

const Recommendation* Find(const std::vector<Recommendation>& recs, const std::string& key) {
  for (const auto& r : recs) {
    if (r.target.key == key) return &r;
  }
  return nullptr;
}

int64_t Num(const std::string& text) { return std::stoll(text); }

TEST(BatchQueuePolicyTest, DropsRaiseBatchSizeAndQueueSize) {
  const auto recs =
      RecommendBatchQueue(DroppingSnapshot(), Config(512, 1000), kFile, Objectives{}, History{});

  ASSERT_EQ(recs.size(), 2U);
  const Recommendation* batch = Find(recs, kBatchSizeKey);
  ASSERT_NE(batch, nullptr);
  // 300000 spans / 512 per request / 60 s = 9.77 requests/s; carrying
  // 10000 x 1.25 spans/s at that rate needs batches of 1280 (x2.5).
  EXPECT_EQ(batch->current, "512");
  EXPECT_EQ(batch->proposed, "1280");
  EXPECT_EQ(batch->id, std::string("batch_queue:") + kBatchSizeKey);
  EXPECT_EQ(batch->policy, "batch_queue");
  EXPECT_EQ(batch->target.kind, "collector_yaml");
  EXPECT_EQ(batch->target.file, kFile);
  EXPECT_EQ(batch->status, RecommendationStatus::kPending);
  EXPECT_EQ(batch->impact.metric, "dropped_spans");
  EXPECT_DOUBLE_EQ(batch->impact.before, 250000);
  EXPECT_DOUBLE_EQ(batch->impact.after, 0);  // 12500 spans/s of capacity afterwards
  EXPECT_DOUBLE_EQ(batch->impact.low, 0);
  EXPECT_DOUBLE_EQ(batch->impact.high, (10000 - 12500 * 0.75) * 60);
  EXPECT_NE(batch->rationale.find("250000"), std::string::npos) << batch->rationale;
  EXPECT_NE(batch->rationale.find("1280"), std::string::npos);
  EXPECT_EQ(batch->risk.rfind("medium", 0), 0U) << batch->risk;
  EXPECT_NE(batch->risk.find("200 ms"), std::string::npos) << batch->risk;
  bool has_drop_evidence = false;
  for (const auto& e : batch->evidence) {
    if (e.metric == "otelcol_exporter_enqueue_failed_spans") {
      has_drop_evidence = e.value == 250000 && !e.query.empty();
    }
  }
  EXPECT_TRUE(has_drop_evidence);
  const Recommendation* queue = Find(recs, kQueueKey);
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->current, "1000");
  EXPECT_EQ(queue->proposed, "2000");  // at least x2 when dropping
  EXPECT_EQ(queue->id, std::string("batch_queue:") + kQueueKey);
  EXPECT_DOUBLE_EQ(queue->impact.before, 250000);
  EXPECT_LT(queue->impact.after, queue->impact.before);
  EXPECT_EQ(queue->risk.rfind("low", 0), 0U) << queue->risk;
}

TEST(BatchQueuePolicyTest, NeverMovesMoreThanTheStepFactor) {
  analyzer::WindowSnapshot s = DroppingSnapshot();
  s.pipeline.accepted = 6000000;
  s.pipeline.accepted_per_second = 100000;
  s.pipeline.sent = 60000;
  s.pipeline.dropped = 5000000;
  Objectives three;
  three.max_step_factor = 3;

  const auto at_four = RecommendBatchQueue(s, Config(512, 1000), kFile, Objectives{}, History{});
  const auto at_three = RecommendBatchQueue(s, Config(512, 1000), kFile, three, History{});

  ASSERT_NE(Find(at_four, kBatchSizeKey), nullptr);
  EXPECT_EQ(Find(at_four, kBatchSizeKey)->proposed, "2048");
  EXPECT_EQ(Find(at_four, kQueueKey)->proposed, "4000");
  EXPECT_NE(std::find(Find(at_four, kBatchSizeKey)->guardrails.begin(),
                      Find(at_four, kBatchSizeKey)->guardrails.end(), "step factor 4.00 <= 4.00"),
            Find(at_four, kBatchSizeKey)->guardrails.end());
  ASSERT_NE(Find(at_three, kBatchSizeKey), nullptr);
  EXPECT_EQ(Find(at_three, kBatchSizeKey)->proposed, "1536");
  EXPECT_EQ(Find(at_three, kQueueKey)->proposed, "3000");
  for (const auto& r : at_four) {
    EXPECT_LE(Num(r.proposed), 4 * Num(r.current)) << r.id;
    EXPECT_GT(Num(r.proposed), Num(r.current)) << r.id;
  }
}

TEST(BatchQueuePolicyTest, StaysWithinTfloBounds) {
  const auto near_bound =
      RecommendBatchQueue(DroppingSnapshot(), Config(60000, 90000), kFile, Objectives{}, History{});
  const auto at_bound =
      RecommendBatchQueue(DroppingSnapshot(), Config(core::kMaxSendBatchSize, core::kMaxQueueSize),
                          kFile, Objectives{}, History{});

  ASSERT_NE(Find(near_bound, kBatchSizeKey), nullptr);
  EXPECT_EQ(Num(Find(near_bound, kBatchSizeKey)->proposed), core::kMaxSendBatchSize);
  ASSERT_NE(Find(near_bound, kQueueKey), nullptr);
  EXPECT_EQ(Num(Find(near_bound, kQueueKey)->proposed), core::kMaxQueueSize);
  const auto& guards = Find(near_bound, kQueueKey)->guardrails;
  EXPECT_NE(std::find(guards.begin(), guards.end(), "within tflo bound 100000"), guards.end());
  EXPECT_TRUE(at_bound.empty());
}

TEST(BatchQueuePolicyTest, RaisesSendBatchMaxSizeToKeepTheConstraint) {
  const auto recs = RecommendBatchQueue(DroppingSnapshot(), Config(512, 1000, 600), kFile,
                                        Objectives{}, History{});

  const Recommendation* size = Find(recs, kBatchSizeKey);
  const Recommendation* max = Find(recs, kBatchMaxKey);
  ASSERT_NE(size, nullptr);
  ASSERT_NE(max, nullptr);
  EXPECT_EQ(max->current, "600");
  EXPECT_GE(Num(max->proposed), Num(size->proposed));
  EXPECT_LE(Num(max->proposed), 4 * Num(max->current));
  EXPECT_EQ(max->id, std::string("batch_queue:") + kBatchMaxKey);
  ASSERT_EQ(recs.size(), 3U);
  EXPECT_EQ(recs[0].target.key, kBatchSizeKey);
  EXPECT_EQ(recs[1].target.key, kBatchMaxKey);
  EXPECT_EQ(recs[2].target.key, kQueueKey);
}

TEST(BatchQueuePolicyTest, LeavesALargeEnoughMaxSizeAlone) {
  const auto recs = RecommendBatchQueue(DroppingSnapshot(), Config(512, 1000, 5000), kFile,
                                        Objectives{}, History{});

  EXPECT_EQ(Find(recs, kBatchMaxKey), nullptr);
  const auto& guards = Find(recs, kBatchSizeKey)->guardrails;
  EXPECT_NE(std::find(guards.begin(), guards.end(),
                      "send_batch_max_size constraint holds (5000 >= 1280)"),
            guards.end());
}

TEST(BatchQueuePolicyTest, FullQueueWithoutDropsIsPressureToo) {
  analyzer::WindowSnapshot s = DroppingSnapshot();
  s.pipeline.dropped = 0;
  s.pipeline.sent = 600000;
  s.pipeline.queue_fill = 0.9;

  const auto recs = RecommendBatchQueue(s, Config(512, 1000), kFile, Objectives{}, History{});

  ASSERT_NE(Find(recs, kBatchSizeKey), nullptr);
  EXPECT_EQ(Find(recs, kBatchSizeKey)->proposed, "1024");
  ASSERT_NE(Find(recs, kQueueKey), nullptr);
  EXPECT_EQ(Find(recs, kQueueKey)->proposed, "2000");
  EXPECT_NE(Find(recs, kQueueKey)->rationale.find("90%"), std::string::npos);
}

TEST(BatchQueuePolicyTest, TimeoutTriggeredBatchesOnlyGrowTheQueue) {
  analyzer::WindowSnapshot s = DroppingSnapshot();
  s.pipeline.size_triggered_batches = 10;
  s.pipeline.timeout_triggered_batches = 576;

  const auto recs = RecommendBatchQueue(s, Config(8192, 1000), kFile, Objectives{}, History{});

  ASSERT_EQ(recs.size(), 1U);
  EXPECT_EQ(recs[0].target.key, kQueueKey);
  EXPECT_NE(recs[0].rationale.find("timeout"), std::string::npos) << recs[0].rationale;
}

TEST(BatchQueuePolicyTest, TinyBatchesAtAHighRateGetLarger) {
  analyzer::WindowSnapshot s = HealthySnapshot();
  s.pipeline.accepted = 240000;
  s.pipeline.sent = 240000;
  s.pipeline.accepted_per_second = 4000;
  s.pipeline.mean_batch_size = 20;
  s.pipeline.batches = 12000;
  s.pipeline.size_triggered_batches = 12000;
  s.pipeline.timeout_triggered_batches = 0;
  s.pipeline.export_requests_per_second = 200;

  const auto recs = RecommendBatchQueue(s, Config(20, 1000), kFile, Objectives{}, History{});

  ASSERT_EQ(recs.size(), 1U);
  // Target: 4000 spans/s at 25 requests/s = 160 per batch; x4 at most -> 80.
  EXPECT_EQ(recs[0].target.key, kBatchSizeKey);
  EXPECT_EQ(recs[0].current, "20");
  EXPECT_EQ(recs[0].proposed, "80");
  EXPECT_EQ(recs[0].impact.metric, "export_requests_per_second");
  EXPECT_DOUBLE_EQ(recs[0].impact.before, 200);
  EXPECT_DOUBLE_EQ(recs[0].impact.after, 50);
  EXPECT_LT(recs[0].impact.low, recs[0].impact.after);
  EXPECT_GT(recs[0].impact.high, recs[0].impact.after);
}

TEST(BatchQueuePolicyTest, HealthyPipelineGetsNoRecommendation) {
  const auto recs =
      RecommendBatchQueue(HealthySnapshot(), Config(512, 1000), kFile, Objectives{}, History{});

  EXPECT_TRUE(recs.empty());
}

TEST(BatchQueuePolicyTest, DropsWithinTheAllowedRatioAreNotPressure) {
  analyzer::WindowSnapshot s = HealthySnapshot();
  s.pipeline.dropped = 50;  // of 60000
  Objectives lenient;
  lenient.max_drop_ratio = 0.001;

  const auto lenient_recs = RecommendBatchQueue(s, Config(512, 1000), kFile, lenient, History{});
  const auto strict_recs =
      RecommendBatchQueue(s, Config(512, 1000), kFile, Objectives{}, History{});

  EXPECT_TRUE(lenient_recs.empty());
  EXPECT_NE(Find(strict_recs, kQueueKey), nullptr);
}

TEST(BatchQueuePolicyTest, NoPipelineMetricsMeansNoGuessing) {
  analyzer::WindowSnapshot s = DroppingSnapshot();
  s.quality.pipeline_metrics_present = false;

  const auto recs = RecommendBatchQueue(s, Config(512, 1000), kFile, Objectives{}, History{});

  EXPECT_TRUE(recs.empty());
}

TEST(BatchQueuePolicyTest, NoTracesPipelineMeansNothingToTune) {
  core::CollectorConfig cfg = Config(512, 1000);
  cfg.pipelines.pop_back();

  const auto recs = RecommendBatchQueue(DroppingSnapshot(), cfg, kFile, Objectives{}, History{});

  EXPECT_TRUE(recs.empty());
}

TEST(BatchQueuePolicyTest, IsDeterministic) {
  History history;
  history.snapshots.push_back(HealthySnapshot());

  const auto a =
      RecommendBatchQueue(DroppingSnapshot(), Config(512, 1000, 600), kFile, Objectives{}, history);
  const auto b =
      RecommendBatchQueue(DroppingSnapshot(), Config(512, 1000, 600), kFile, Objectives{}, history);

  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(ToJson(a[i]), ToJson(b[i]));
}

}  // namespace
}  // namespace tflo::optimizer
