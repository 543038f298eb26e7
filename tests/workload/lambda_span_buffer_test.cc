// LambdaSpanBuffer on its own: the queue keeps FIFO order and every span is
// accounted for while it never empties (spans end faster than the exports
// drain them), and across a freeze.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/lambda_model.h"

namespace tflo::workload {
namespace {

core::Span Named(int i) {
  core::Span span;
  span.name = "span-" + std::to_string(i);
  span.span_id[7] = static_cast<uint8_t>(i + 1);
  return span;
}

struct Exported {
  std::vector<std::string> names;
  std::vector<SimTime> arrivals;
  int requests = 0;
};

LambdaSpanBuffer MakeBuffer(Exported* out, LambdaStats* stats, int64_t batch) {
  LambdaSpanBufferOptions options;
  options.bsp.max_export_batch_size = batch;
  options.bsp.max_queue_size = 100000;
  options.bsp.schedule_delay = std::chrono::milliseconds(1000);
  options.export_round_trip = 10 * kMillisecond;
  options.export_per_span = 0;
  core::Resource resource;
  resource.attributes = {{"service.name", "onboarding-lambda"}};
  return LambdaSpanBuffer(
      options, std::move(resource), core::InstrumentationScope{"scope", "1", {}, 0},
      [out](core::TracesData&& request, SimTime arrive_at) {
        ++out->requests;
        ASSERT_EQ(request.resource_spans.size(), 1u);
        EXPECT_EQ(request.resource_spans[0].resource.attributes.size(), 1u);
        for (const core::Span& span : request.resource_spans[0].scope_spans.at(0).spans) {
          out->names.push_back(span.name.str());
          out->arrivals.push_back(arrive_at);
        }
      },
      stats);
}

TEST(LambdaSpanBufferTest, QueueThatNeverEmptiesKeepsFifoOrder) {
  Exported out;
  LambdaStats stats;
  LambdaSpanBuffer buffer = MakeBuffer(&out, &stats, 4);
  buffer.Thaw(0);
  // One span a millisecond, 4 per 10 ms export: the queue only grows, so the
  // consumed prefix is dropped while live spans remain behind it.
  constexpr int kSpans = 1000;
  size_t max_queued = 0;
  for (int i = 0; i < kSpans; ++i) {
    buffer.OnEnd(Named(i), i * kMillisecond);
    max_queued = std::max(max_queued, buffer.queued());
  }
  EXPECT_GT(max_queued, 500u);
  const size_t before_flush = out.names.size();
  EXPECT_GT(before_flush, 64u * 2);  // past the compaction threshold
  buffer.ForceFlush(kSpans * kMillisecond, 1000 * kSecond);
  EXPECT_EQ(buffer.queued(), 0u);
  ASSERT_EQ(out.names.size(), static_cast<size_t>(kSpans));
  for (int i = 0; i < kSpans; ++i) EXPECT_EQ(out.names[i], "span-" + std::to_string(i));
  for (size_t i = 1; i < out.arrivals.size(); ++i) EXPECT_GE(out.arrivals[i], out.arrivals[i - 1]);
  EXPECT_EQ(stats.spans_ended, static_cast<uint64_t>(kSpans));
  EXPECT_EQ(stats.spans_exported, static_cast<uint64_t>(kSpans));
  EXPECT_EQ(stats.spans_dropped_queue_full, 0u);
}

TEST(LambdaSpanBufferTest, RefillsAfterEmptyingAndDiscardCountsOnlyLiveSpans) {
  Exported out;
  LambdaStats stats;
  LambdaSpanBuffer buffer = MakeBuffer(&out, &stats, 512);
  buffer.Thaw(0);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) buffer.OnEnd(Named(round * 10 + i), round * kSecond + i);
    buffer.ForceFlush(round * kSecond + 10, kSecond);
    EXPECT_EQ(buffer.queued(), 0u);
  }
  ASSERT_EQ(out.names.size(), 15u);
  EXPECT_EQ(out.names[5], "span-10");
  EXPECT_EQ(out.requests, 3);
  // Spans still queued at a freeze are what Discard reports.
  for (int i = 0; i < 3; ++i) buffer.OnEnd(Named(100 + i), 4 * kSecond + i);
  buffer.Freeze(4 * kSecond + 5);
  EXPECT_EQ(buffer.queued(), 3u);
  EXPECT_EQ(buffer.Discard(), 3u);
  EXPECT_EQ(buffer.queued(), 0u);
  EXPECT_TRUE(buffer.IdleAt(10 * kSecond));
}

}  // namespace
}  // namespace tflo::workload
