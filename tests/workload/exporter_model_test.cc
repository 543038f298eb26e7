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

// ---- retry_on_failure (retry_sender.go, backoff/v5) ------------------------------

constexpr SimTime kS = kSecond;

core::RetryConfig Retry(SimTime initial, double randomization, double multiplier, SimTime max,
                        SimTime max_elapsed) {
  core::RetryConfig retry;
  retry.initial_interval = std::chrono::nanoseconds(initial);
  retry.randomization_factor = randomization;
  retry.multiplier = multiplier;
  retry.max_interval = std::chrono::nanoseconds(max);
  retry.max_elapsed_time = std::chrono::nanoseconds(max_elapsed);
  return retry;
}

BackendModel OutageBackend(SimTime start, SimTime end) {
  BackendModel backend = Backend(100 * kMs, 0);
  backend.outages.push_back({std::chrono::nanoseconds(start), std::chrono::nanoseconds(end)});
  return backend;  // failure_latency: 1 ms
}

TEST(ExponentialBackoffTest, DefaultIntervalsWithoutJitter) {
  // pipeline facts section 2: 5, 7.5, 11.25, 16.875, 25.3, 30, 30 s.
  ExponentialBackoff backoff(Retry(5 * kS, 0, 1.5, 30 * kS, 300 * kS));
  std::vector<SimTime> waits;

  for (int i = 0; i < 7; ++i) waits.push_back(backoff.Next(0.99));

  EXPECT_EQ(waits, (std::vector<SimTime>{5000000000, 7500000000, 11250000000, 16875000000,
                                         25312500000, 30000000000, 30000000000}));
}

TEST(ExponentialBackoffTest, JitterSpansIntervalPlusMinusFactor) {
  // interval 5 s, factor 0.5: min 2.5 s, max 7.5 s, wait = min + u x (max - min + 1) ns.
  ExponentialBackoff low(Retry(5 * kS, 0.5, 1.5, 30 * kS, 0));
  ExponentialBackoff mid(Retry(5 * kS, 0.5, 1.5, 30 * kS, 0));

  const SimTime first_low = low.Next(0.0);
  const SimTime first_mid = mid.Next(0.5);
  const SimTime second_low = low.Next(0.0);

  EXPECT_EQ(first_low, 2500000000);
  EXPECT_EQ(first_mid, 5000000000);  // 2.5e9 + 0.5 x (5e9 + 1), truncated
  EXPECT_EQ(second_low, 3750000000);  // interval 7.5 s now
}

core::ExporterConfig RetryingQueue(int64_t queue_size, core::RetryConfig retry) {
  core::ExporterConfig config = QueueConfig(queue_size, 1);
  config.retry_on_failure = retry;
  return config;
}

TEST(ExporterModelTest, RetriesThroughAnOutageAndHoldsTheQueueSlot) {
  // Outage [0, 12 s). Attempt at 0 fails at 1 ms; wait 5 s; attempt at 5.001 s
  // fails at 5.002 s; wait 10 s; attempt at 15.002 s succeeds 100 ms later.
  ExporterHarness h(RetryingQueue(1, Retry(5 * kS, 0, 2, 30 * kS, 300 * kS)),
                    OutageBackend(0, 12 * kS));
  h.ConsumeAt(0, 7);
  h.ConsumeAt(3 * kS, 2);  // the retrying request still holds the only slot
  int64_t queue_during_backoff = -1;
  int64_t held_during_backoff = -1;
  h.engine().At(3 * kS, [&] {
    queue_during_backoff = h.exporter().queue_size();
    held_during_backoff = h.exporter().held_items();
  });

  h.engine().Run();

  EXPECT_EQ(h.delivered(), (std::vector<Delivered>{{15 * kS + 102 * kMs, 7}}));
  EXPECT_EQ(queue_during_backoff, 1);
  EXPECT_EQ(held_during_backoff, 7);
  const ExporterStats& s = h.exporter().stats();
  EXPECT_EQ(s.export_attempts, 3U);
  EXPECT_EQ(s.retries, 2U);
  EXPECT_EQ(s.sent_spans, 7U);
  EXPECT_EQ(s.send_failed_spans, 0U);
  EXPECT_EQ(s.enqueue_failed_spans, 2U);
  EXPECT_EQ(h.exporter().held_items(), 0);
}

TEST(ExporterModelTest, GivesUpWhenTheNextRetryWouldPassMaxElapsedTime) {
  // Endless outage, waits of 1 s, budget 3.5 s: attempts end at 1 ms, 1.002 s,
  // 2.003 s and 3.004 s; a retry at 4.004 s would pass 0 + 3.5 s.
  ExporterHarness h(RetryingQueue(5, Retry(1 * kS, 0, 1, 30 * kS, 3500 * kMs)),
                    OutageBackend(0, 0));
  h.ConsumeAt(0, 4);

  h.engine().Run();

  EXPECT_TRUE(h.delivered().empty());
  const ExporterStats& s = h.exporter().stats();
  EXPECT_EQ(s.export_attempts, 4U);
  EXPECT_EQ(s.send_failed_spans, 4U);
  EXPECT_EQ(s.failed_requests, 1U);
  EXPECT_EQ(h.exporter().queue_size(), 0);
  EXPECT_EQ(h.engine().now(), 3 * kS + 4 * kMs);
}

TEST(ExporterModelTest, PermanentErrorsAreNotRetried) {
  BackendModel backend = Backend(100 * kMs, 0);
  backend.permanent_failure_probability = 1;
  ExporterHarness h(RetryingQueue(5, Retry(1 * kS, 0, 1, 30 * kS, 300 * kS)), backend);
  h.ConsumeAt(0, 3);

  h.engine().Run();

  EXPECT_EQ(h.exporter().stats().export_attempts, 1U);
  EXPECT_EQ(h.exporter().stats().send_failed_spans, 3U);
  EXPECT_EQ(h.engine().now(), 100 * kMs);
}

TEST(ExporterModelTest, EverySpentRequestGoesToTheDiscardOnceWithItsSpans) {
  // Refused (full queue), delivered, and failed for good (a permanent error
  // on the first export): each request reaches the discard hook exactly once,
  // a delivered one after its delivery, with its spans still in it.
  BackendModel backend = Backend(100 * kMs, 0);
  ExporterHarness h(QueueConfig(2, 1), backend);
  std::vector<std::pair<SimTime, int64_t>> discarded;
  h.exporter().set_discard([&](core::TracesData&& data) {
    discarded.emplace_back(h.engine().now(), CountSpans(data));
    core::TracesData dead = std::move(data);  // taken over, as the simulator does
  });
  h.ConsumeAt(0, 5);          // delivered at 100 ms
  h.ConsumeAt(0, 6);          // delivered at 200 ms
  h.ConsumeAt(0, 7);          // refused at 0
  h.ConsumeAt(150 * kMs, 9);  // delivered at 300 ms

  h.engine().Run();

  EXPECT_EQ(discarded, (std::vector<std::pair<SimTime, int64_t>>{
                           {0, 7}, {100 * kMs, 5}, {200 * kMs, 6}, {300 * kMs, 9}}));
  EXPECT_EQ(h.delivered().size(), 3U);  // the harness checks each delivery's span count

  BackendModel failing = Backend(100 * kMs, 0);
  failing.permanent_failure_probability = 1;
  ExporterHarness f(RetryingQueue(5, Retry(1 * kS, 0, 1, 30 * kS, 300 * kS)), failing);
  std::vector<int64_t> failed;
  f.exporter().set_discard([&](core::TracesData&& data) { failed.push_back(CountSpans(data)); });
  f.ConsumeAt(0, 3);
  f.engine().Run();
  EXPECT_EQ(failed, std::vector<int64_t>{3});
}

TEST(ExporterModelTest, DisabledRetryFailsOnTheFirstError) {
  core::RetryConfig retry = Retry(1 * kS, 0, 1, 30 * kS, 300 * kS);
  retry.enabled = false;
  ExporterHarness h(RetryingQueue(5, retry), OutageBackend(0, 0));
  h.ConsumeAt(0, 3);

  h.engine().Run();

  EXPECT_EQ(h.exporter().stats().export_attempts, 1U);
  EXPECT_EQ(h.exporter().stats().send_failed_spans, 3U);
  EXPECT_EQ(h.engine().now(), 1 * kMs);
}

TEST(ExporterModelTest, SlowAttemptEndsAtTheTimeoutAndIsRetried) {
  // Each attempt would take 100 ms; the timeout is 50 ms (DEADLINE_EXCEEDED,
  // retryable): attempts run 0-50 ms, 1.05-1.1 s and 2.1-2.15 s; the budget of
  // 2.5 s stops the retry planned for 3.15 s.
  core::ExporterConfig config = RetryingQueue(5, Retry(1 * kS, 0, 1, 30 * kS, 2500 * kMs));
  config.timeout = std::chrono::milliseconds(50);
  ExporterHarness h(config, Backend(100 * kMs, 0));
  h.ConsumeAt(0, 2);

  h.engine().Run();

  EXPECT_TRUE(h.delivered().empty());
  EXPECT_EQ(h.exporter().stats().export_attempts, 3U);
  EXPECT_EQ(h.exporter().stats().send_failed_spans, 2U);
  EXPECT_EQ(h.engine().now(), 2 * kS + 150 * kMs);
}

TEST(ExporterModelTest, ShutdownInterruptsBackoff) {
  ExporterHarness h(RetryingQueue(5, Retry(5 * kS, 0, 1.5, 30 * kS, 300 * kS)),
                    OutageBackend(0, 0));
  h.ConsumeAt(0, 6);
  SimTime drained_at = -1;
  h.engine().At(1 * kS, [&] { h.exporter().Shutdown([&] { drained_at = h.engine().now(); }); });

  h.engine().Run();

  EXPECT_EQ(drained_at, 1 * kS);
  EXPECT_EQ(h.exporter().stats().export_attempts, 1U);
  EXPECT_EQ(h.exporter().stats().send_failed_spans, 6U);
  EXPECT_EQ(h.exporter().requests_in_backoff(), 0);
}

TEST(ExporterModelTest, SynchronousCallerWaitsThroughRetries) {
  // Outage [0, 2 s), waits 1 s then 1.5 s: attempts at 0 and 1.001 s fail, the
  // one at 2.502 s succeeds at 2.602 s, when the caller's call returns.
  core::ExporterConfig config = QueueConfig(1, 1, "requests", /*enabled=*/false);
  config.retry_on_failure = Retry(1 * kS, 0, 1.5, 30 * kS, 300 * kS);
  ExporterHarness h(config, OutageBackend(0, 2 * kS));
  h.ConsumeAt(0, 5);

  h.engine().Run();

  ASSERT_TRUE(h.results()[0].has_value());
  EXPECT_EQ(*h.results()[0], std::make_pair(SimTime{2 * kS + 602 * kMs}, true));
  EXPECT_EQ(h.exporter().stats().retries, 2U);
}

TEST(ExporterModelTest, SynchronousCallerSeesTheFinalError) {
  core::ExporterConfig config = QueueConfig(1, 1, "requests", /*enabled=*/false);
  config.retry_on_failure.enabled = false;
  ExporterHarness h(config, OutageBackend(0, 0));
  h.ConsumeAt(0, 5);

  h.engine().Run();

  EXPECT_EQ(*h.results()[0], std::make_pair(SimTime{1 * kMs}, false));
  EXPECT_EQ(h.exporter().stats().send_failed_spans, 5U);
}

TEST(ExporterModelTest, DrawnFailuresFollowTheirProbability) {
  // 10,000 single-attempt requests failing with p = 0.3: the failed share is
  // binomial, sigma = sqrt(0.3 x 0.7 / 10000) = 0.0046; allow 4 sigma.
  core::ExporterConfig config = QueueConfig(100000, 100);
  config.retry_on_failure.enabled = false;
  BackendModel backend = Backend(1 * kMs, 0);
  backend.failure_probability = 0.3;
  ExporterHarness h(config, backend);
  constexpr int kRequests = 10000;
  for (int i = 0; i < kRequests; ++i) h.ConsumeAt(i * kMs, 1);

  h.engine().Run();

  const double failed = static_cast<double>(h.exporter().stats().send_failed_spans) / kRequests;
  EXPECT_NEAR(failed, 0.3, 4 * 0.0046);
  EXPECT_EQ(h.exporter().stats().sent_spans + h.exporter().stats().send_failed_spans,
            static_cast<uint64_t>(kRequests));
}

}  // namespace
}  // namespace tflo::workload
