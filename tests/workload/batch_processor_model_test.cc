#include "tflo/workload/batch_processor_model.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/event_engine.h"

namespace tflo::workload {
namespace {

constexpr SimTime kMs = kMillisecond;

core::TracesData MakeRequest(int spans) {
  core::ScopeSpans scope_spans;
  scope_spans.scope.name = "test";
  for (int i = 0; i < spans; ++i) {
    core::Span span;
    span.name = "span-" + std::to_string(i);
    scope_spans.spans.push_back(std::move(span));
  }
  core::ResourceSpans rs;
  rs.resource.attributes = {{"service.name", "svc"}};
  rs.scope_spans.push_back(std::move(scope_spans));
  core::TracesData data;
  data.resource_spans.push_back(std::move(rs));
  return data;
}

struct Sent {
  SimTime at;
  int64_t items;
  friend bool operator==(const Sent&, const Sent&) = default;
};

std::ostream& operator<<(std::ostream& os, const Sent& s) {
  return os << "{" << s.at / kMs << "ms, " << s.items << "}";
}

// Drives one BatchProcessorModel on its own engine; the next consumer records
// every send and returns after `block` (0 = at once, like a sending queue).
class BatcherHarness {
 public:
  BatcherHarness(int64_t size, SimTime timeout, int64_t max_size, SimTime block = 0,
                 bool fail = false)
      : block_(block),
        fail_(fail),
        batcher_(engine_, Config(size, timeout, max_size),
                 [this](core::TracesData&& data, int64_t items, std::function<void(bool)> done) {
                   EXPECT_EQ(CountSpans(data), items);
                   sent_.push_back({engine_.now(), items});
                   if (block_ == 0) {
                     done(!fail_);
                   } else {
                     engine_.After(block_, [this, done] { done(!fail_); });
                   }
                 }) {
    batcher_.Start();
  }

  static core::BatchProcessorConfig Config(int64_t size, SimTime timeout, int64_t max_size) {
    core::BatchProcessorConfig config;
    config.id = "batch";
    config.send_batch_size = size;
    config.timeout = std::chrono::nanoseconds(timeout);
    config.send_batch_max_size = max_size;
    return config;
  }

  void ConsumeAt(SimTime at, int spans) {
    engine_.At(at, [this, spans] { batcher_.Consume(MakeRequest(spans)); });
  }
  // Runs to `until`, then shuts the processor down and drains.
  void RunAndShutdown(SimTime until) {
    engine_.RunUntil(until);
    bool done = false;
    batcher_.Shutdown([&done] { done = true; });
    engine_.Run();
    EXPECT_TRUE(done);
  }

  const std::vector<Sent>& sent() const { return sent_; }
  const BatchProcessorStats& stats() const { return batcher_.stats(); }
  EventEngine& engine() { return engine_; }
  BatchProcessorModel& batcher() { return batcher_; }

 private:
  SimTime block_;
  bool fail_;
  EventEngine engine_;
  std::vector<Sent> sent_;
  BatchProcessorModel batcher_;
};

TEST(BatchProcessorModelTest, SendsWhenSizeIsReached) {
  BatcherHarness h(/*size=*/10, /*timeout=*/100 * kMs, /*max_size=*/0);
  h.ConsumeAt(10 * kMs, 4);
  h.ConsumeAt(20 * kMs, 4);
  h.ConsumeAt(30 * kMs, 4);

  h.RunAndShutdown(95 * kMs);

  // 12 >= 10 at 30 ms: the whole batch goes (size does not cap it).
  EXPECT_EQ(h.sent(), (std::vector<Sent>{{30 * kMs, 12}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 1U);
  EXPECT_EQ(h.stats().timeout_trigger_sends, 0U);
}

TEST(BatchProcessorModelTest, TimerIsNotAnchoredToFirstItem) {
  BatcherHarness h(10, 100 * kMs, 0);
  h.ConsumeAt(90 * kMs, 3);   // the timer armed at start fires at 100 ms
  h.ConsumeAt(150 * kMs, 2);  // re-armed at 100 ms: fires at 200 ms

  h.RunAndShutdown(250 * kMs);

  EXPECT_EQ(h.sent(), (std::vector<Sent>{{100 * kMs, 3}, {200 * kMs, 2}}));
  EXPECT_EQ(h.stats().timeout_trigger_sends, 2U);
  EXPECT_EQ(h.stats().size_trigger_sends, 0U);
}

TEST(BatchProcessorModelTest, SizeTriggeredSendResetsTimer) {
  BatcherHarness h(10, 100 * kMs, 0);
  h.ConsumeAt(50 * kMs, 10);  // size send at 50 ms; the timer is reset to 150 ms
  h.ConsumeAt(120 * kMs, 2);  // not sent at 100 ms (stale tick), sent at 150 ms

  h.RunAndShutdown(199 * kMs);

  EXPECT_EQ(h.sent(), (std::vector<Sent>{{50 * kMs, 10}, {150 * kMs, 2}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 1U);
  EXPECT_EQ(h.stats().timeout_trigger_sends, 1U);
}

TEST(BatchProcessorModelTest, MaxSizeSplitsIntoChunks) {
  BatcherHarness h(10, 100 * kMs, /*max_size=*/15);
  h.ConsumeAt(10 * kMs, 40);  // 15 + 15 + 10: all size-triggered
  h.ConsumeAt(20 * kMs, 37);  // 15 + 15, 7 wait for the timer (reset at 20 ms)

  h.RunAndShutdown(300 * kMs);

  EXPECT_EQ(h.sent(), (std::vector<Sent>{{10 * kMs, 15},
                                         {10 * kMs, 15},
                                         {10 * kMs, 10},
                                         {20 * kMs, 15},
                                         {20 * kMs, 15},
                                         {120 * kMs, 7}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 5U);
  EXPECT_EQ(h.stats().timeout_trigger_sends, 1U);
}

TEST(BatchProcessorModelTest, SplitKeepsResourceAndScopeOnBothSides) {
  EventEngine engine;
  std::vector<core::TracesData> sent;
  BatchProcessorModel batcher(
      engine, BatcherHarness::Config(2, 0, 2),
      [&](core::TracesData&& data, int64_t, std::function<void(bool)> done) {
        sent.push_back(std::move(data));
        done(true);
      });
  batcher.Start();

  batcher.Consume(MakeRequest(3));

  ASSERT_EQ(sent.size(), 2U);
  ASSERT_EQ(sent[0].resource_spans.size(), 1U);
  EXPECT_EQ(sent[0].resource_spans[0].scope_spans[0].spans.size(), 2U);
  EXPECT_EQ(sent[0].resource_spans[0].scope_spans[0].spans[0].name, "span-0");
  EXPECT_EQ(sent[1].resource_spans[0].scope_spans[0].spans[0].name, "span-2");
  EXPECT_EQ(sent[1].resource_spans[0].resource, sent[0].resource_spans[0].resource);
  EXPECT_EQ(sent[1].resource_spans[0].scope_spans[0].scope.name, "test");
}

TEST(BatchProcessorModelTest, TimeoutZeroFlushesEveryRequest) {
  BatcherHarness h(10, /*timeout=*/0, /*max_size=*/10);
  h.ConsumeAt(10 * kMs, 3);
  h.ConsumeAt(20 * kMs, 25);

  h.RunAndShutdown(100 * kMs);

  EXPECT_FALSE(h.batcher().has_timer());
  EXPECT_EQ(h.sent(),
            (std::vector<Sent>{{10 * kMs, 3}, {20 * kMs, 10}, {20 * kMs, 10}, {20 * kMs, 5}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 4U);
  EXPECT_EQ(h.stats().timeout_trigger_sends, 0U);
}

TEST(BatchProcessorModelTest, SizeZeroSendsImmediatelyWithoutTimer) {
  BatcherHarness h(/*size=*/0, 100 * kMs, 0);
  h.ConsumeAt(10 * kMs, 3);
  h.ConsumeAt(500 * kMs, 7);

  h.RunAndShutdown(1000 * kMs);

  EXPECT_FALSE(h.batcher().has_timer());
  EXPECT_EQ(h.sent(), (std::vector<Sent>{{10 * kMs, 3}, {500 * kMs, 7}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 2U);
}

TEST(BatchProcessorModelTest, ShutdownSendsRemainderAsTimeoutTrigger) {
  BatcherHarness h(10, 100 * kMs, 0);
  h.ConsumeAt(110 * kMs, 3);

  h.RunAndShutdown(150 * kMs);

  EXPECT_EQ(h.sent(), (std::vector<Sent>{{150 * kMs, 3}}));
  EXPECT_EQ(h.stats().timeout_trigger_sends, 1U);
  EXPECT_EQ(h.batcher().pending_items(), 0);
}

TEST(BatchProcessorModelTest, BlockingExportDelaysShardAndTimer) {
  // The next consumer takes 50 ms per send (exporter without sending queue).
  BatcherHarness h(10, 100 * kMs, 0, /*block=*/50 * kMs);
  h.ConsumeAt(10 * kMs, 10);  // sent at 10, returns at 60: timer reset to 160
  h.ConsumeAt(20 * kMs, 10);  // waits; sent at 60, returns at 110: timer reset to 210
  h.ConsumeAt(30 * kMs, 3);   // waits; appended at 110, below size

  h.RunAndShutdown(300 * kMs);

  EXPECT_EQ(h.sent(), (std::vector<Sent>{{10 * kMs, 10}, {60 * kMs, 10}, {210 * kMs, 3}}));
  EXPECT_EQ(h.stats().size_trigger_sends, 2U);
  EXPECT_EQ(h.stats().timeout_trigger_sends, 1U);
}

TEST(BatchProcessorModelTest, FailedSendsAreNotCounted) {
  BatcherHarness h(5, 100 * kMs, 0, 0, /*fail=*/true);
  h.ConsumeAt(10 * kMs, 6);

  h.RunAndShutdown(50 * kMs);

  EXPECT_EQ(h.sent().size(), 1U);
  EXPECT_EQ(h.stats().size_trigger_sends, 0U);
  EXPECT_EQ(h.stats().send_size_count, 0U);
}

TEST(BatchProcessorModelTest, RecordsSendSizeHistogram) {
  BatcherHarness h(10, 100 * kMs, 0);
  h.ConsumeAt(10 * kMs, 12);   // bucket (10, 25]
  h.ConsumeAt(20 * kMs, 600);  // bucket (500, 750]
  h.ConsumeAt(30 * kMs, 3);    // bucket [0, 10], sent by the timer

  h.RunAndShutdown(200 * kMs);

  const BatchProcessorStats& s = h.stats();
  EXPECT_EQ(s.send_size_count, 3U);
  EXPECT_EQ(s.send_size_sum, 615U);
  EXPECT_EQ(s.send_size_min, 3U);
  EXPECT_EQ(s.send_size_max, 600U);
  ASSERT_EQ(s.send_size_bucket_counts.size(), kBatchSendSizeBounds.size() + 1);
  EXPECT_EQ(s.send_size_bucket_counts[0], 1U);
  EXPECT_EQ(s.send_size_bucket_counts[1], 1U);
  EXPECT_EQ(s.send_size_bucket_counts[7], 1U);
}

}  // namespace
}  // namespace tflo::workload
