#include "tflo/workload/exporter_model.h"

#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

constexpr SimTime kMs = kMillisecond;

core::TracesData MakeRequest(int spans) {
  core::ScopeSpans scope_spans;
  scope_spans.spans.resize(static_cast<size_t>(spans));
  core::ResourceSpans rs;
  rs.scope_spans.push_back(std::move(scope_spans));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

core::ExporterConfig QueueConfig(int64_t queue_size, int64_t consumers,
                                 std::string sizer = "requests", bool enabled = true,
                                 bool block = false) {
  core::ExporterConfig config;
  config.id = "otlp/tempo";
  config.type = "otlp";
  config.sending_queue.enabled = enabled;
  config.sending_queue.queue_size = queue_size;
  config.sending_queue.num_consumers = consumers;
  config.sending_queue.sizer = std::move(sizer);
  config.sending_queue.block_on_overflow = block;
  return config;
}

BackendModel Backend(SimTime request, SimTime per_span) {
  BackendModel backend;
  backend.request_latency = std::chrono::nanoseconds(request);
  backend.per_span_latency = std::chrono::nanoseconds(per_span);
  return backend;
}

struct Delivered {
  SimTime at;
  int64_t items;
  friend bool operator==(const Delivered&, const Delivered&) = default;
};

class ExporterHarness {
 public:
  ExporterHarness(core::ExporterConfig config, BackendModel backend)
      : exporter_(engine_, std::move(config), backend,
                  [this](core::TracesData&& data, int64_t items) {
                    EXPECT_EQ(CountSpans(data), items);
                    delivered_.push_back({engine_.now(), items});
                  }) {}

  // Offers a request at `at`; the returned slot gets (return time, ok).
  void ConsumeAt(SimTime at, int spans) {
    const size_t slot = results_.size();
    results_.emplace_back();
    engine_.At(at, [this, spans, slot] {
      exporter_.Consume(MakeRequest(spans), spans, [this, slot](bool ok) {
        results_[slot] = std::make_pair(engine_.now(), ok);
      });
    });
  }

  EventEngine& engine() { return engine_; }
  ExporterModel& exporter() { return exporter_; }
  const std::vector<Delivered>& delivered() const { return delivered_; }
  const std::vector<std::optional<std::pair<SimTime, bool>>>& results() const { return results_; }

 private:
  EventEngine engine_;
  std::vector<Delivered> delivered_;
  std::vector<std::optional<std::pair<SimTime, bool>>> results_;
  ExporterModel exporter_;
};

TEST(ExporterModelTest, FullQueueRejectsAndCountsEnqueueFailed) {
  // Two slots (in-flight requests count), one consumer, 100 ms per export.
  ExporterHarness h(QueueConfig(2, 1), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 5);          // admitted, exporting 0..100
  h.ConsumeAt(0, 6);          // admitted, waits
  h.ConsumeAt(0, 7);          // full: rejected
  h.ConsumeAt(50 * kMs, 8);   // still full: rejected
  h.ConsumeAt(150 * kMs, 9);  // one slot free again: admitted

  h.engine().Run();

  EXPECT_EQ(h.delivered(),
            (std::vector<Delivered>{{100 * kMs, 5}, {200 * kMs, 6}, {300 * kMs, 9}}));
  const ExporterStats& s = h.exporter().stats();
  EXPECT_EQ(s.enqueue_failed_spans, 15U);
  EXPECT_EQ(s.sent_spans, 20U);
  EXPECT_EQ(s.export_requests, 3U);
  EXPECT_EQ(s.max_queue_size, 2);
  ASSERT_TRUE(h.results()[2].has_value());
  EXPECT_FALSE(h.results()[2]->second);
  EXPECT_TRUE(h.results()[0]->second);
  EXPECT_EQ(h.results()[0]->first, 0);  // a queued exporter returns at once
}

TEST(ExporterModelTest, QueueSizeIncludesRequestsBeingExported) {
  ExporterHarness h(QueueConfig(10, 4), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 1);

  h.engine().RunUntil(50 * kMs);
  const int64_t during = h.exporter().queue_size();
  h.engine().Run();

  EXPECT_EQ(during, 1);
  EXPECT_EQ(h.exporter().queue_size(), 0);
}

TEST(ExporterModelTest, ConsumersExportInParallel) {
  ExporterHarness h(QueueConfig(10, 2), Backend(100 * kMs, 1 * kMs));
  h.ConsumeAt(0, 10);  // 110 ms
  h.ConsumeAt(0, 20);  // 120 ms, second consumer
  h.ConsumeAt(0, 0);   // waits for the first free consumer (at 110 ms): 100 ms

  h.engine().Run();

  EXPECT_EQ(h.delivered(),
            (std::vector<Delivered>{{110 * kMs, 10}, {120 * kMs, 20}, {210 * kMs, 0}}));
}

TEST(ExporterModelTest, ItemsSizerCountsSpans) {
  ExporterHarness h(QueueConfig(10, 1, "items"), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 11);  // larger than the whole capacity: rejected
  h.ConsumeAt(0, 6);
  h.ConsumeAt(0, 5);  // 6 + 5 > 10: rejected
  h.ConsumeAt(0, 4);  // 10: admitted

  h.engine().Run();

  EXPECT_EQ(h.exporter().stats().enqueue_failed_spans, 16U);
  EXPECT_EQ(h.exporter().stats().sent_spans, 10U);
  EXPECT_EQ(h.exporter().stats().max_queue_size, 10);
}

TEST(ExporterModelTest, BytesSizerMeasuresSerializedRequest) {
  ExporterHarness h(QueueConfig(1, 1, "bytes"), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 3);  // far more than one byte

  h.engine().Run();

  EXPECT_EQ(h.exporter().stats().enqueue_failed_spans, 3U);
  EXPECT_TRUE(h.delivered().empty());
}

TEST(ExporterModelTest, DisabledQueueExportsSynchronously) {
  ExporterHarness h(QueueConfig(1, 1, "requests", /*enabled=*/false), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 3);
  h.ConsumeAt(10 * kMs, 4);  // no worker limit without a queue

  h.engine().Run();

  ASSERT_TRUE(h.results()[0].has_value());
  EXPECT_EQ(*h.results()[0], std::make_pair(SimTime{100 * kMs}, true));
  EXPECT_EQ(*h.results()[1], std::make_pair(SimTime{110 * kMs}, true));
  EXPECT_EQ(h.exporter().stats().enqueue_failed_spans, 0U);
  EXPECT_EQ(h.exporter().stats().sent_spans, 7U);
}

TEST(ExporterModelTest, BlockOnOverflowMakesCallerWait) {
  ExporterHarness h(QueueConfig(1, 1, "requests", true, /*block=*/true), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 3);
  h.ConsumeAt(0, 4);  // waits for the first export to finish

  h.engine().Run();

  EXPECT_EQ(*h.results()[1], std::make_pair(SimTime{100 * kMs}, true));
  EXPECT_EQ(h.delivered(), (std::vector<Delivered>{{100 * kMs, 3}, {200 * kMs, 4}}));
  EXPECT_EQ(h.exporter().stats().enqueue_failed_spans, 0U);
}

TEST(ExporterModelTest, ShutdownWaitsForDrain) {
  ExporterHarness h(QueueConfig(10, 1), Backend(100 * kMs, 0));
  h.ConsumeAt(0, 1);
  h.ConsumeAt(0, 1);
  SimTime drained_at = -1;
  h.engine().At(10 * kMs, [&] { h.exporter().Shutdown([&] { drained_at = h.engine().now(); }); });

  h.engine().Run();

  EXPECT_EQ(drained_at, 200 * kMs);
}

}  // namespace
}  // namespace tflo::workload
