// SpanBatch: the batch processor's queue of spans, cut into requests of any
// size. Whatever the cut sizes, the requests hold every span once, oldest
// first, each under its own resource and scope.
#include "tflo/workload/traces_batch.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tflo::workload {
namespace {

// A request of `resources` ResourceSpans, each with `scopes` ScopeSpans of
// `spans` spans named "<tag>/r<i>/s<j>/<k>".
core::TracesData Request(const std::string& tag, int resources, int scopes, int spans) {
  core::TracesData data;
  for (int r = 0; r < resources; ++r) {
    core::ResourceSpans rs;
    rs.resource.attributes.push_back({"service.name", tag + "/r" + std::to_string(r)});
    for (int s = 0; s < scopes; ++s) {
      core::ScopeSpans ss;
      ss.scope.name = tag + "/r" + std::to_string(r) + "/s" + std::to_string(s);
      for (int k = 0; k < spans; ++k) {
        core::Span span;
        span.name = ss.scope.name + "/" + std::to_string(k);
        ss.spans.push_back(std::move(span));
      }
      rs.scope_spans.push_back(std::move(ss));
    }
    data.resource_spans.push_back(std::move(rs));
  }
  return data;
}

// The span names in order, each checked against its resource and scope.
std::vector<std::string> Names(const core::TracesData& data) {
  std::vector<std::string> names;
  for (const auto& rs : data.resource_spans) {
    const std::string service = rs.resource.attributes.at(0).value.ToString();
    for (const auto& ss : rs.scope_spans) {
      EXPECT_FALSE(ss.spans.empty()) << "an empty ScopeSpans was sent";
      EXPECT_EQ(ss.scope.name.rfind(service, 0), 0u) << ss.scope.name << " under " << service;
      for (const auto& span : ss.spans) {
        EXPECT_EQ(span.name.view().rfind(ss.scope.name + "/", 0), 0u)
            << span.name << " under " << ss.scope.name;
        names.push_back(span.name.str());
      }
    }
  }
  return names;
}

TEST(SpanBatchTest, CutsOfEverySizeKeepOrderResourceAndScope) {
  for (const int64_t cut : {1, 2, 3, 5, 7, 16, 40, 1000}) {
    SpanBatch batch;
    std::vector<std::string> expected;
    for (auto data : {Request("a", 2, 3, 5), Request("b", 1, 1, 37), Request("c", 3, 2, 1)}) {
      const auto names = Names(data);
      expected.insert(expected.end(), names.begin(), names.end());
      batch.Append(std::move(data));
    }
    ASSERT_EQ(batch.items(), static_cast<int64_t>(expected.size()));
    std::vector<std::string> got;
    while (!batch.empty()) {
      const int64_t before = batch.items();
      const core::TracesData part = batch.TakeFront(cut);
      const auto names = Names(part);
      EXPECT_EQ(static_cast<int64_t>(names.size()), std::min(cut, before)) << "cut " << cut;
      EXPECT_EQ(batch.items(), before - static_cast<int64_t>(names.size()));
      got.insert(got.end(), names.begin(), names.end());
    }
    EXPECT_EQ(got, expected) << "cut " << cut;
  }
}

TEST(SpanBatchTest, AppendAfterAPartialTakeKeepsTheRestFirst) {
  SpanBatch batch;
  batch.Append(Request("a", 1, 2, 4));  // 8 spans
  EXPECT_EQ(Names(batch.TakeFront(3)),
            (std::vector<std::string>{"a/r0/s0/0", "a/r0/s0/1", "a/r0/s0/2"}));
  batch.Append(Request("b", 1, 1, 2));
  EXPECT_EQ(batch.items(), 7);
  EXPECT_EQ(Names(batch.TakeFront(6)),
            (std::vector<std::string>{"a/r0/s0/3", "a/r0/s1/0", "a/r0/s1/1", "a/r0/s1/2",
                                      "a/r0/s1/3", "b/r0/s0/0"}));
  // n <= 0 takes everything.
  EXPECT_EQ(Names(batch.TakeFront(0)), (std::vector<std::string>{"b/r0/s0/1"}));
  EXPECT_TRUE(batch.empty());
}

}  // namespace
}  // namespace tflo::workload
