#include "tflo/workload/fault_set.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = FaultSpec::Kind;

FaultSpec Fault(Kind kind, std::string target, minutes start = minutes(0),
                minutes end = minutes(0)) {
  FaultSpec f;
  f.kind = kind;
  f.target = std::move(target);
  f.start = start;
  f.end = end;
  return f;
}

TEST(FaultSetTest, WithoutFaultsEverythingIsNominal) {
  const FaultSet faults;

  EXPECT_TRUE(faults.empty());
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(1), 0.02), 0.02);
  EXPECT_FALSE(faults.Outage("onboarding.kyc", minutes(1)));
  EXPECT_DOUBLE_EQ(faults.LatencyMultiplier("ecommerce.postgresql", minutes(1)), 1);
  EXPECT_EQ(faults.ExtraLatency("ecommerce.postgresql", minutes(1)).count(), 0);
  EXPECT_DOUBLE_EQ(faults.BrokenPropagationProbability("onboarding.sqs", minutes(1)), 0);
  EXPECT_DOUBLE_EQ(faults.ColdStartProbability("onboarding.lambda", minutes(1)), 0);
  EXPECT_FALSE(faults.ForcedTimeout("onboarding.lambda", minutes(1)).has_value());
  EXPECT_DOUBLE_EQ(faults.ThrottleProbability("onboarding.lambda", minutes(1)), 0);
  EXPECT_FALSE(faults.BackendDown(minutes(1)));
  EXPECT_TRUE(faults.For("onboarding.kyc").empty());
}

TEST(FaultSetTest, ErrorRateHoldsInsideItsWindowAndNeverLowersTheBase) {
  FaultSpec kyc = Fault(Kind::kErrorRate, "onboarding.kyc", minutes(10), minutes(20));
  kyc.probability = 0.3;
  const FaultSet faults({kyc});

  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(9), 0.01), 0.01);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(10), 0.01), 0.3);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(19), 0.01), 0.3);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(20), 0.01),
                   0.01);  // [start, end)
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(15), 0.5), 0.5);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.aml", minutes(15), 0.01), 0.01);
}

TEST(FaultSetTest, OutageFailsEveryCall) {
  const FaultSet faults({Fault(Kind::kOutage, "onboarding.dynamodb", minutes(5), minutes(7))});

  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.dynamodb", minutes(6), 0.0), 1.0);
  EXPECT_TRUE(faults.Outage("onboarding.dynamodb", minutes(6)));
  EXPECT_FALSE(faults.Outage("onboarding.dynamodb", minutes(7)));
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.dynamodb", minutes(8), 0.0), 0.0);
}

TEST(FaultSetTest, OverlappingSlowdownsMultiplyAndAdd) {
  FaultSpec a = Fault(Kind::kSlowDependency, "ecommerce.postgresql");
  a.latency_factor = 3;
  a.extra_latency = milliseconds(200);
  FaultSpec b = Fault(Kind::kSlowDependency, "ecommerce.postgresql", minutes(10), minutes(20));
  b.latency_factor = 2;
  b.extra_latency = milliseconds(50);
  const FaultSet faults({a, b});

  EXPECT_DOUBLE_EQ(faults.LatencyMultiplier("ecommerce.postgresql", minutes(5)), 3);
  EXPECT_EQ(faults.ExtraLatency("ecommerce.postgresql", minutes(5)), milliseconds(200));
  EXPECT_DOUBLE_EQ(faults.LatencyMultiplier("ecommerce.postgresql", minutes(15)), 6);
  EXPECT_EQ(faults.ExtraLatency("ecommerce.postgresql", minutes(15)), milliseconds(250));
  // end 0: until the run ends.
  EXPECT_DOUBLE_EQ(faults.LatencyMultiplier("ecommerce.postgresql", minutes(600)), 3);
}

TEST(FaultSetTest, LambdaFaults) {
  FaultSpec cold = Fault(Kind::kColdStarts, "onboarding.lambda", minutes(0), minutes(10));
  cold.probability = 0.5;
  FaultSpec throttle = Fault(Kind::kThrottling, "onboarding.lambda");
  throttle.probability = 0.1;
  FaultSpec long_timeout = Fault(Kind::kLambdaTimeout, "onboarding.lambda");
  long_timeout.timeout = seconds(10);
  FaultSpec short_timeout =
      Fault(Kind::kLambdaTimeout, "onboarding.lambda", minutes(5), minutes(6));
  short_timeout.timeout = seconds(2);
  const FaultSet faults({cold, throttle, long_timeout, short_timeout});

  EXPECT_DOUBLE_EQ(faults.ColdStartProbability("onboarding.lambda", minutes(1)), 0.5);
  EXPECT_DOUBLE_EQ(faults.ColdStartProbability("onboarding.lambda", minutes(11)), 0);
  EXPECT_DOUBLE_EQ(faults.ThrottleProbability("onboarding.lambda", minutes(11)), 0.1);
  EXPECT_EQ(faults.ForcedTimeout("onboarding.lambda", minutes(1)), seconds(10));
  EXPECT_EQ(faults.ForcedTimeout("onboarding.lambda", minutes(5)), seconds(2));  // shortest wins
}

TEST(FaultSetTest, BrokenPropagationTakesTheLargestActiveProbability) {
  FaultSpec base = Fault(Kind::kBrokenPropagation, "onboarding.sqs");
  base.probability = 0.02;
  FaultSpec spike = Fault(Kind::kBrokenPropagation, "onboarding.sqs", minutes(30), minutes(31));
  spike.probability = 0.5;
  const FaultSet faults({base, spike});

  EXPECT_DOUBLE_EQ(faults.BrokenPropagationProbability("onboarding.sqs", minutes(1)), 0.02);
  EXPECT_DOUBLE_EQ(faults.BrokenPropagationProbability("onboarding.sqs", minutes(30)), 0.5);
  EXPECT_DOUBLE_EQ(faults.BrokenPropagationProbability("onboarding.api", minutes(30)), 0);
}

TEST(FaultSetTest, BackendOutageWindow) {
  const FaultSet faults({Fault(Kind::kBackendOutage, "backend", minutes(5), minutes(7))});

  EXPECT_FALSE(faults.BackendDown(minutes(5) - std::chrono::nanoseconds(1)));
  EXPECT_TRUE(faults.BackendDown(minutes(5)));
  EXPECT_TRUE(faults.BackendDown(minutes(7) - std::chrono::nanoseconds(1)));
  EXPECT_FALSE(faults.BackendDown(minutes(7)));
}

TEST(FaultSetTest, CachedTargetViewAnswersLikeTheSet) {
  FaultSpec kyc = Fault(Kind::kErrorRate, "onboarding.kyc");
  kyc.probability = 0.25;
  const FaultSet faults({kyc, Fault(Kind::kOutage, "onboarding.s3")});

  const TargetFaults& view = faults.For("onboarding.kyc");
  const TargetFaults& none = faults.For("onboarding.pep");

  ASSERT_EQ(view.faults().size(), 1U);
  EXPECT_DOUBLE_EQ(view.ErrorProbability(minutes(1), 0), 0.25);
  EXPECT_TRUE(none.empty());
  EXPECT_DOUBLE_EQ(none.ErrorProbability(minutes(1), 0.1), 0.1);
}

TEST(FaultSetTest, ActiveAtListsTheFaultsInScenarioOrder) {
  const FaultSet faults({Fault(Kind::kOutage, "onboarding.s3", minutes(0), minutes(10)),
                         Fault(Kind::kBackendOutage, "backend", minutes(5), minutes(7)),
                         Fault(Kind::kOutage, "onboarding.sqs", minutes(6), minutes(20))});

  const std::vector<const FaultSpec*> at6 = faults.ActiveAt(minutes(6));
  const std::vector<const FaultSpec*> at15 = faults.ActiveAt(minutes(15));

  ASSERT_EQ(at6.size(), 3U);
  EXPECT_EQ(at6[0]->target, "onboarding.s3");
  EXPECT_EQ(at6[2]->target, "onboarding.sqs");
  ASSERT_EQ(at15.size(), 1U);
  EXPECT_EQ(at15[0]->target, "onboarding.sqs");
}

TEST(FaultSetTest, BuiltFromAShippedScenario) {
  Result<Scenario> s = LoadScenario("onboarding");
  ASSERT_TRUE(s.ok()) << s.status().message();

  const FaultSet faults(s->faults);

  EXPECT_EQ(faults.faults().size(), s->faults.size());
  EXPECT_DOUBLE_EQ(faults.BrokenPropagationProbability("onboarding.sqs", minutes(1)), 0.02);
  EXPECT_DOUBLE_EQ(faults.ColdStartProbability("onboarding.lambda", minutes(22)), 0.5);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(40), 0.01), 0.3);
  EXPECT_DOUBLE_EQ(faults.ErrorProbability("onboarding.kyc", minutes(50), 0.01), 0.01);
}

}  // namespace
}  // namespace tflo::workload
