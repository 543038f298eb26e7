#include "tflo/core/stats.h"

#include <vector>

#include <gtest/gtest.h>

namespace tflo::core {
namespace {

TEST(ExactQuantileTest, InterpolatesBetweenClosestRanks) {
  // Type 7 on 1..10: h = q * 9; p95 -> h = 8.55 -> 9 + 0.55 * (10 - 9).
  std::vector<double> v = {10, 3, 7, 1, 9, 2, 8, 4, 6, 5};

  EXPECT_DOUBLE_EQ(ExactQuantile(v, 0.5), 5.5);
  EXPECT_DOUBLE_EQ(ExactQuantile(v, 0.95), 9.55);
  EXPECT_DOUBLE_EQ(ExactQuantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(ExactQuantile(v, 1.0), 10.0);
}

TEST(ExactQuantileTest, EdgeCases) {
  std::vector<double> empty;
  std::vector<double> one = {4.25};
  std::vector<double> ties = {2, 2, 2, 2};

  EXPECT_EQ(ExactQuantile(empty, 0.5), 0.0);
  EXPECT_EQ(ExactQuantile(one, 0.99), 4.25);
  EXPECT_EQ(ExactQuantile(ties, 0.99), 2.0);
}

}  // namespace
}  // namespace tflo::core
