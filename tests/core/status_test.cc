#include "tflo/core/status.h"

#include <string>

#include <gtest/gtest.h>

namespace tflo {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("not positive: " + std::to_string(v));
  return v;
}

Result<int> DoubledPositive(int v) {
  TFLO_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status CheckBoth(int a, int b) {
  TFLO_RETURN_IF_ERROR(ParsePositive(a).status());
  TFLO_RETURN_IF_ERROR(ParsePositive(b).status());
  return OkStatus();
}

TEST(StatusTest, DefaultIsOk) {
  Status s;

  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ToStringNamesCanonicalCode) {
  const Status s = NotFoundError("collector.yaml: no such file");

  EXPECT_FALSE(s.ok());
  EXPECT_EQ(static_cast<int>(s.code()), 5);
  EXPECT_EQ(s.ToString(), "NOT_FOUND: collector.yaml: no such file");
}

TEST(StatusTest, WithPrefixKeepsCodeAndOkStaysOk) {
  EXPECT_EQ(InternalError("boom").WithPrefix("round 2").message(), "round 2: boom");
  EXPECT_EQ(InternalError("boom").WithPrefix("x").code(), StatusCode::kInternal);
  EXPECT_TRUE(OkStatus().WithPrefix("x").ok());
}

TEST(ResultTest, AssignOrReturnPropagatesValueAndError) {
  const auto good = DoubledPositive(21);
  const auto bad = DoubledPositive(-1);

  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "not positive: -1");
}

TEST(ResultTest, ReturnIfErrorStopsAtFirstFailure) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  EXPECT_EQ(CheckBoth(1, -2).message(), "not positive: -2");
  EXPECT_EQ(CheckBoth(-1, -2).message(), "not positive: -1");
}

TEST(ResultTest, MovesOutOwnedValue) {
  Result<std::string> r(std::string(100, 'x'));

  std::string taken = std::move(r).value();

  EXPECT_EQ(taken.size(), 100U);
}

}  // namespace
}  // namespace tflo
