#include "tflo/workload/scenario.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>

namespace tflo::workload {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = FaultSpec::Kind;

Result<Scenario> Parse(const std::string& yaml) {
  return ParseScenario(yaml, "test.yaml", "/base");
}

// --- shipped scenarios -------------------------------------------------------

TEST(ScenarioTest, ShipsTheFourDocumentedScenarios) {
  const std::vector<std::string> names = ShippedScenarioNames();

  for (const char* expected : {"onboarding", "coordination", "ecommerce-blackfriday", "mixed"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(ScenarioTest, EveryShippedScenarioLoads) {
  for (const std::string& name : ShippedScenarioNames()) {
    Result<Scenario> s = LoadScenario(name);

    ASSERT_TRUE(s.ok()) << name << ": " << s.status().message();
    EXPECT_EQ(s->name, name);
    EXPECT_FALSE(s->description.empty()) << name;
    EXPECT_TRUE(s->source.empty()) << name;  // built-in
    EXPECT_FALSE(s->faults.empty()) << name;
  }
}

TEST(ScenarioTest, EmbeddedScenariosMatchTheSourceFiles) {
  const std::filesystem::path dir =
      tflo::testing::TestdataPath("") / ".." / ".." / "workload" / "scenarios";
  for (const std::string& name : ShippedScenarioNames()) {
    const std::filesystem::path file = dir / (name + ".yaml");
    Result<Scenario> embedded = LoadScenario(name);
    Result<Scenario> from_file = LoadScenario(file.string());

    ASSERT_TRUE(embedded.ok()) << embedded.status().message();
    ASSERT_TRUE(from_file.ok()) << from_file.status().message();
    EXPECT_EQ(embedded->description, from_file->description) << name;
    EXPECT_EQ(embedded->faults.size(), from_file->faults.size()) << name;
    EXPECT_EQ(from_file->source, file);
  }
}

TEST(ScenarioTest, MixedIsTheBenchmarkCase) {
  Result<Scenario> s = LoadScenario("mixed");

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->onboarding.enabled);
  EXPECT_TRUE(s->coordination.enabled);
  EXPECT_TRUE(s->ecommerce.enabled);
  EXPECT_EQ(s->onboarding.traffic.kind, TrafficPattern::Kind::kConstant);
  EXPECT_DOUBLE_EQ(s->onboarding.traffic.rate, 200);
  EXPECT_EQ(s->duration, hours(1));
  const bool has_backend_outage =
      std::any_of(s->faults.begin(), s->faults.end(),
                  [](const FaultSpec& f) { return f.kind == Kind::kBackendOutage; });
  EXPECT_TRUE(has_backend_outage);
}

TEST(ScenarioTest, BlackFridayFollowsTheSeedTimeline) {
  Result<Scenario> s = LoadScenario("ecommerce-blackfriday");

  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(s->ecommerce.enabled);
  EXPECT_FALSE(s->onboarding.enabled);
  const TrafficPattern& t = s->ecommerce.traffic;
  ASSERT_EQ(t.kind, TrafficPattern::Kind::kPhased);
  ASSERT_EQ(t.phases.size(), 4U);
  EXPECT_EQ(t.phases[0].name, "ramp");
  EXPECT_EQ(t.phases[1].name, "peak");
  EXPECT_EQ(t.phases[2].name, "degradation");
  EXPECT_EQ(t.phases[3].name, "critical");
  // The slow query reaches 2500 ms at minute 18 (the seed's demo_minute=18).
  const TrafficPhase* at_18 = PhaseAt(t, minutes(18));
  ASSERT_NE(at_18, nullptr);
  EXPECT_EQ(at_18->name, "critical");
  EXPECT_DOUBLE_EQ(t.phases[2].effects.at(std::string(kEffectSlowQueryMsFrom)), 500);
  EXPECT_DOUBLE_EQ(t.phases[2].effects.at(std::string(kEffectSlowQueryMsTo)), 2500);
  EXPECT_DOUBLE_EQ(t.phases[2].effects.at(std::string(kEffectMissingIndex)), 1);
  EXPECT_GT(t.phases[3].effects.at(std::string(kEffectPoolExhaustionProbability)), 0);
  EXPECT_GT(t.phases[3].effects.at(std::string(kEffectCheckoutFailureRate)), 0);
  EXPECT_EQ(s->ecommerce.db_pool_size, 20);
}

TEST(ScenarioTest, CoordinationRunsOverBusinessHours) {
  Result<Scenario> s = LoadScenario("coordination");

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->coordination.traffic.kind, TrafficPattern::Kind::kBusinessHours);
  ASSERT_TRUE(s->start_unix_nano.has_value());
  // 06:00 UTC start: night rate first, the plateau seven hours later.
  const TrafficPattern& t = s->coordination.traffic;
  EXPECT_DOUBLE_EQ(RateAt(t, hours(0), *s->start_unix_nano), t.rate);
  EXPECT_DOUBLE_EQ(RateAt(t, hours(7), *s->start_unix_nano), t.peak_rate);
}

TEST(ScenarioTest, UnknownShippedNameIsNotFoundAndListsTheNames) {
  Result<Scenario> s = LoadScenario("blackfriday");

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("mixed"), std::string::npos) << s.status().message();
}

// --- defaults and a full file ------------------------------------------------

TEST(ScenarioTest, AbsentKeysTakeTheirDefaults) {
  Result<Scenario> s = Parse("services:\n  onboarding:\n");

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "test");  // the file's stem
  EXPECT_EQ(s->source, "test.yaml");
  EXPECT_EQ(s->duration, hours(1));
  EXPECT_EQ(s->seed, 1U);
  EXPECT_FALSE(s->start_unix_nano.has_value());
  EXPECT_TRUE(s->onboarding.enabled);
  EXPECT_FALSE(s->coordination.enabled);
  EXPECT_FALSE(s->ecommerce.enabled);
  EXPECT_EQ(s->onboarding.traffic.kind, TrafficPattern::Kind::kConstant);
  EXPECT_DOUBLE_EQ(s->onboarding.traffic.rate, 1);
  EXPECT_DOUBLE_EQ(s->onboarding.customer_mix.at("standard"), 0.7);
  EXPECT_DOUBLE_EQ(s->onboarding.validation_error_rate, 0.02);
  EXPECT_TRUE(s->onboarding.lambda_function_config.empty());
  EXPECT_EQ(s->backend.request_latency, milliseconds(100));
  EXPECT_TRUE(s->faults.empty());
  EXPECT_TRUE(s->collector_config.empty());
}

TEST(ScenarioTest, ReadsEveryKeyOfAFullFile) {
  const std::filesystem::path path = tflo::testing::TestdataPath("workload/scenarios/full.yaml");
  const std::filesystem::path dir = path.parent_path();

  Result<Scenario> s = LoadScenarioFile(path);

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "full-example");
  EXPECT_EQ(s->description, "every key set");
  EXPECT_EQ(s->duration, minutes(90));
  EXPECT_EQ(s->seed, 1234U);
  // 2026-01-05T08:30:00Z
  EXPECT_EQ(s->start_unix_nano, 1767601800000000000ULL);
  EXPECT_EQ(s->collector_config, (dir / "config/collector.yaml").lexically_normal());

  const OnboardingParams& o = s->onboarding;
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.traffic.kind, TrafficPattern::Kind::kBusinessHours);
  EXPECT_DOUBLE_EQ(o.traffic.rate, 2);
  EXPECT_DOUBLE_EQ(o.traffic.peak_rate, 40);
  EXPECT_DOUBLE_EQ(o.traffic.start_hour, 8.5);
  EXPECT_DOUBLE_EQ(o.traffic.end_hour, 18);
  EXPECT_DOUBLE_EQ(o.health_checks_per_second, 0.5);
  EXPECT_DOUBLE_EQ(o.lookups_per_second, 3);
  EXPECT_DOUBLE_EQ(o.customer_mix.at("enterprise"), 0.2);
  EXPECT_DOUBLE_EQ(o.validation_error_rate, 0.05);
  EXPECT_EQ(o.step_error_rates.size(), 2U);
  EXPECT_DOUBLE_EQ(o.step_error_rates.at("kyc"), 0.1);
  EXPECT_EQ(o.lambda_function_config, (dir / "config/lambda-function.json").lexically_normal());
  EXPECT_EQ(o.event_source_mapping, (dir / "config/event-source-mapping.json").lexically_normal());

  const CoordinationParams& c = s->coordination;
  EXPECT_FALSE(c.enabled);  // `enabled: false`, yet fully validated
  EXPECT_EQ(c.traffic.kind, TrafficPattern::Kind::kBurst);
  EXPECT_EQ(c.traffic.burst_every, minutes(5));
  EXPECT_EQ(c.traffic.burst_duration, seconds(30));
  EXPECT_EQ(c.traffic.burst_offset, minutes(1));
  EXPECT_EQ(c.teams, (std::vector<std::string>{"red", "blue"}));
  EXPECT_EQ(c.work_types, (std::vector<std::string>{"bug"}));
  EXPECT_DOUBLE_EQ(c.priority_mix.at("critical"), 0.25);
  EXPECT_DOUBLE_EQ(c.error_rate, 0.2);

  const EcommerceParams& e = s->ecommerce;
  EXPECT_TRUE(e.enabled);
  ASSERT_EQ(e.traffic.phases.size(), 3U);
  EXPECT_EQ(e.traffic.phases[0].name, "normal");
  EXPECT_EQ(e.traffic.phases[0].duration, minutes(10));
  EXPECT_TRUE(e.traffic.phases[0].effects.empty());
  EXPECT_EQ(e.traffic.phases[2].name, "phase3");  // unnamed phases are numbered
  EXPECT_DOUBLE_EQ(e.traffic.phases[2].effects.at("pool_size"), 10);
  EXPECT_DOUBLE_EQ(e.checkout_share, 0.5);
  EXPECT_EQ(e.db_pool_size, 15);
  EXPECT_DOUBLE_EQ(e.error_rate, 0.01);

  EXPECT_EQ(s->backend.request_latency, milliseconds(250));
  EXPECT_EQ(s->backend.per_span_latency, std::chrono::microseconds(5));

  ASSERT_EQ(s->faults.size(), 8U);
  const FaultSpec& kyc = s->faults[0];
  EXPECT_EQ(kyc.kind, Kind::kErrorRate);
  EXPECT_EQ(kyc.name, "error_rate");
  EXPECT_EQ(kyc.target, "onboarding.kyc");
  EXPECT_DOUBLE_EQ(kyc.probability, 0.3);
  EXPECT_EQ(kyc.start, minutes(10));
  EXPECT_EQ(kyc.end, minutes(20));
  EXPECT_EQ(kyc.line, 58);  // the line of its `- {...}`
  EXPECT_EQ(s->faults[2].kind, Kind::kSlowDependency);
  EXPECT_DOUBLE_EQ(s->faults[2].latency_factor, 3);
  EXPECT_EQ(s->faults[2].extra_latency, milliseconds(200));
  EXPECT_EQ(s->faults[2].end.count(), 0);  // until the run ends
  EXPECT_EQ(s->faults[4].name, "short timeout");
  EXPECT_EQ(s->faults[4].timeout, seconds(2));
  EXPECT_EQ(s->faults[7].kind, Kind::kBackendOutage);
  EXPECT_EQ(s->faults[7].target, "backend");
}

TEST(ScenarioTest, RelativePathsResolveAgainstBaseDir) {
  Result<Scenario> s = ParseScenario(
      "collector_config: conf/c.yaml\n"
      "services:\n"
      "  onboarding:\n"
      "    event_source_mapping: ../esm.json\n"
      "    lambda_function_config: /abs/fn.json\n",
      "x.yaml", "/scenarios/dir");

  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->collector_config, std::filesystem::path("/scenarios/dir/conf/c.yaml"));
  EXPECT_EQ(s->onboarding.event_source_mapping, std::filesystem::path("/scenarios/esm.json"));
  EXPECT_EQ(s->onboarding.lambda_function_config, std::filesystem::path("/abs/fn.json"));
}

TEST(ScenarioTest, MissingReferencedFileIsNotFoundNamingKeyAndPath) {
  const std::filesystem::path path =
      tflo::testing::TestdataPath("workload/scenarios/missing_file.yaml");

  Result<Scenario> loaded = LoadScenarioFile(path);
  // Parsing alone does not touch the file system.
  Result<Scenario> parsed = ParseScenario(tflo::testing::ReadFile(path), "m.yaml", "/nowhere");

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(loaded.status().message(),
            path.string() + ":5: services.onboarding.lambda_function_config: file not found: " +
                (path.parent_path() / "config/no-such-function.json").string());
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
}

TEST(ScenarioTest, MissingScenarioFileIsNotFound) {
  tflo::testing::TempDir dir;

  Result<Scenario> s = LoadScenario((dir.path() / "nope.yaml").string());

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

TEST(ScenarioTest, MixesWithinToleranceAreRescaledAndMissingSharesAreZero) {
  Result<Scenario> s = Parse(
      "services:\n"
      "  onboarding:\n"
      "    customer_mix: {standard: 0.8004, premium: 0.2}\n");

  ASSERT_TRUE(s.ok()) << s.status().message();
  const auto& mix = s->onboarding.customer_mix;
  EXPECT_DOUBLE_EQ(mix.at("enterprise"), 0);
  EXPECT_NEAR(mix.at("standard") + mix.at("premium") + mix.at("enterprise"), 1.0, 1e-12);
  EXPECT_NEAR(mix.at("standard"), 0.8004 / 1.0004, 1e-12);
}

TEST(ScenarioTest, OneEndOfTheSlowQueryRangeSetsBoth) {
  Result<Scenario> s = Parse(
      "services:\n"
      "  ecommerce:\n"
      "    traffic:\n"
      "      pattern: phased\n"
      "      phases:\n"
      "        - {duration: 1m, rate: 5, effects: {slow_query_ms_to: 800, missing_index: true}}\n");

  ASSERT_TRUE(s.ok()) << s.status().message();
  const auto& effects = s->ecommerce.traffic.phases[0].effects;
  EXPECT_DOUBLE_EQ(effects.at("slow_query_ms_from"), 800);
  EXPECT_DOUBLE_EQ(effects.at("slow_query_ms_to"), 800);
  EXPECT_DOUBLE_EQ(effects.at("missing_index"), 1);
}

TEST(ScenarioTest, StartTimeAcceptsOffsetsAndFractions) {
  Result<Scenario> utc = Parse("start_time: 2026-01-05T06:00:00Z\nservices: {onboarding: {}}\n");
  Result<Scenario> offset =
      Parse("start_time: 2026-01-05T07:30:00.25+01:30\nservices: {onboarding: {}}\n");

  ASSERT_TRUE(utc.ok()) << utc.status().message();
  ASSERT_TRUE(offset.ok()) << offset.status().message();
  EXPECT_EQ(*utc->start_unix_nano, 1767592800000000000ULL);
  EXPECT_EQ(*offset->start_unix_nano, 1767592800250000000ULL);
}

TEST(ScenarioTest, FaultTargetsAndTheKindsThatApply) {
  const std::vector<std::string_view> targets = FaultTargets();

  for (const char* t : {"onboarding.api", "onboarding.kyc", "onboarding.workflow", "onboarding.sqs",
                        "onboarding.lambda", "coordination.store", "ecommerce.postgresql",
                        "ecommerce.loadgen", "backend"}) {
    EXPECT_NE(std::find(targets.begin(), targets.end(), t), targets.end()) << t;
  }
  EXPECT_EQ(targets.size(), 21U);
  EXPECT_TRUE(FaultAppliesTo(Kind::kColdStarts, "onboarding.lambda"));
  EXPECT_FALSE(FaultAppliesTo(Kind::kColdStarts, "onboarding.kyc"));
  EXPECT_TRUE(FaultAppliesTo(Kind::kOutage, "onboarding.dynamodb"));
  EXPECT_FALSE(FaultAppliesTo(Kind::kOutage, "backend"));
  EXPECT_TRUE(FaultAppliesTo(Kind::kBackendOutage, "backend"));
  EXPECT_TRUE(FaultAppliesTo(Kind::kBrokenPropagation, "onboarding.sqs"));
  EXPECT_FALSE(FaultAppliesTo(Kind::kBrokenPropagation, "onboarding.dynamodb"));
  EXPECT_EQ(FaultKindName(Kind::kBrokenPropagation), "broken_propagation");
}

// --- errors: <file>:<line>: <dotted.key>: <what> ------------------------------

struct BadCase {
  const char* label;
  const char* yaml;
  const char* prefix;    // the message starts with this
  const char* fragment;  // and contains this
};

class ScenarioErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ScenarioErrorTest, NamesFileLineAndKey) {
  const BadCase& c = GetParam();

  Result<Scenario> s = Parse(c.yaml);

  ASSERT_FALSE(s.ok()) << c.label;
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << c.label;
  const std::string& message = s.status().message();
  EXPECT_EQ(message.rfind(c.prefix, 0), 0U) << c.label << ": " << message;
  EXPECT_NE(message.find(c.fragment), std::string::npos) << c.label << ": " << message;
}

constexpr const char* kOk = "services:\n  onboarding: {traffic: {pattern: constant, rate: 5}}\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, ScenarioErrorTest,
    ::testing::Values(
        BadCase{"unknown top-level key", "servics: {}\n",
                "test.yaml:1: servics: ", "unknown key (expected one of name, description"},
        BadCase{"unknown nested key",
                "services:\n  onboarding:\n    traffic:\n      pattern: constant\n      rte: 5\n",
                "test.yaml:5: services.onboarding.traffic.rte: ", "unknown key"},
        BadCase{"unknown service", "services:\n  payments: {}\n",
                "test.yaml:2: services.payments: ",
                "expected one of onboarding, coordination, ecommerce"},
        BadCase{
            "wrong type (string for a number)",
            "services:\n  onboarding:\n    traffic: {rate: fast}\n",
            "test.yaml:3: services.onboarding.traffic.rate: ", "expected a number, got \"fast\""},
        BadCase{"wrong type (scalar for a mapping)", "services:\n  onboarding:\n    traffic: 5\n",
                "test.yaml:3: services.onboarding.traffic: ", "expected a mapping, got \"5\""},
        BadCase{"wrong type (mapping for a list)",
                "services:\n  coordination:\n    teams: {a: 1}\n",
                "test.yaml:3: services.coordination.teams: ", "expected a list of strings"},
        BadCase{
            "probability above 1",
            "services: {onboarding: {}}\nfaults:\n  - kind: error_rate\n    target: "
            "onboarding.kyc\n    probability: 1.5\n",
            "test.yaml:5: faults[0].probability: ", "expected a probability in [0, 1], got 1.5"},
        BadCase{"negative rate",
                "services:\n  onboarding:\n    traffic: {pattern: constant, rate: -3}\n",
                "test.yaml:3: services.onboarding.traffic.rate: ", "non-negative"},
        BadCase{
            "unknown fault kind",
            "services: {onboarding: {}}\nfaults:\n  - {kind: meltdown, target: onboarding.kyc}\n",
            "test.yaml:3: faults[0].kind: ", "unknown fault kind \"meltdown\""},
        BadCase{"fault without kind",
                "services: {onboarding: {}}\nfaults:\n  - {target: onboarding.kyc}\n",
                "test.yaml:3: faults[0].kind: ", "missing"},
        BadCase{
            "unknown target",
            "services: {onboarding: {}}\nfaults:\n  - kind: outage\n    target: onboarding.kafka\n",
            "test.yaml:4: faults[0].target: ", "unknown target \"onboarding.kafka\""},
        BadCase{"kind not applicable to target",
                "services: {onboarding: {}}\nfaults:\n  - {kind: cold_starts, target: "
                "onboarding.kyc, probability: 0.1}\n",
                "test.yaml:3: faults[0].target: ", "applies to onboarding.lambda"},
        BadCase{"key the kind does not read",
                "services: {onboarding: {}}\nfaults:\n  - kind: outage\n    target: "
                "onboarding.s3\n    probability: 0.5\n",
                "test.yaml:5: faults[0].probability: ", "unknown key for fault kind outage"},
        BadCase{"probability missing",
                "services: {onboarding: {}}\nfaults:\n  - {kind: throttling, target: "
                "onboarding.lambda}\n",
                "test.yaml:3: faults[0].probability: ", "missing"},
        BadCase{"end before start",
                "services: {onboarding: {}}\nfaults:\n  - kind: outage\n    target: onboarding.s3\n"
                "    start: 10m\n    end: 5m\n",
                "test.yaml:6: faults[0].end: ", "must be after start"},
        BadCase{"fault starting after the run",
                "duration: 10m\nservices: {onboarding: {}}\nfaults:\n  - kind: outage\n"
                "    target: onboarding.s3\n    start: 20m\n",
                "test.yaml:6: faults[0].start: ", "not before the end of the run"},
        BadCase{"fault on a disabled service",
                "services: {onboarding: {}}\nfaults:\n  - {kind: outage, target: "
                "ecommerce.postgresql}\n",
                "test.yaml:3: faults[0].target: ", "service ecommerce is not enabled"},
        BadCase{"bad duration string", "duration: 10 minutes\nservices: {onboarding: {}}\n",
                "test.yaml:1: duration: ", "expected a duration such as 10m"},
        BadCase{"unitless duration", "duration: 600\nservices: {onboarding: {}}\n",
                "test.yaml:1: duration: ", "expected a duration"},
        BadCase{"zero duration", "duration: 0s\nservices: {onboarding: {}}\n",
                "test.yaml:1: duration: ", "positive"},
        BadCase{"empty phases",
                "services:\n  ecommerce:\n    traffic:\n      pattern: phased\n      phases: []\n",
                "test.yaml:5: services.ecommerce.traffic.phases: ", "at least one phase"},
        BadCase{"phase without duration",
                "services:\n  ecommerce:\n    traffic:\n      pattern: phased\n      phases:\n"
                "        - {name: a, rate: 5}\n",
                "test.yaml:6: services.ecommerce.traffic.phases[0].duration: ", "missing"},
        BadCase{"duplicate phase names",
                "services:\n  ecommerce:\n    traffic:\n      pattern: phased\n      phases:\n"
                "        - {name: a, duration: 1m, rate: 5}\n"
                "        - {name: a, duration: 1m, rate: 5}\n",
                "test.yaml:7: services.ecommerce.traffic.phases[1].name: ", "duplicate phase name"},
        BadCase{
            "effects outside ecommerce",
            "services:\n  onboarding:\n    traffic:\n      pattern: phased\n      phases:\n"
            "        - duration: 1m\n          rate: 5\n          effects: {missing_index: 1}\n",
            "test.yaml:8: services.onboarding.traffic.phases[0].effects: ",
            "ecommerce service only"},
        BadCase{"unknown effect",
                "services:\n  ecommerce:\n    traffic:\n      pattern: phased\n      phases:\n"
                "        - duration: 1m\n          rate: 5\n          effects:\n"
                "            cache_miss: 1\n",
                "test.yaml:9: services.ecommerce.traffic.phases[0].effects.cache_miss: ",
                "unknown key (expected one of slow_query_ms_from"},
        BadCase{"effect pool_size not an integer",
                "services:\n  ecommerce:\n    traffic:\n      pattern: phased\n      phases:\n"
                "        - {duration: 1m, rate: 5, effects: {pool_size: 2.5}}\n",
                "test.yaml:6: services.ecommerce.traffic.phases[0].effects.pool_size: ",
                "expected an integer"},
        BadCase{"unknown pattern",
                "services:\n  onboarding:\n    traffic: {pattern: sine, rate: 1}\n",
                "test.yaml:3: services.onboarding.traffic.pattern: ", "unknown pattern \"sine\""},
        BadCase{
            "key of another pattern",
            "services:\n  onboarding:\n    traffic: {pattern: constant, rate: 1, peak_rate: 5}\n",
            "test.yaml:3: services.onboarding.traffic.peak_rate: ", "unknown key"},
        BadCase{"rate missing", "services:\n  onboarding:\n    traffic: {pattern: constant}\n",
                "test.yaml:3: services.onboarding.traffic.rate: ", "missing"},
        BadCase{"peak_rate missing",
                "services:\n  onboarding:\n    traffic:\n      pattern: ramp\n      rate: 1\n"
                "      duration: 5m\n",
                "test.yaml:3: services.onboarding.traffic.peak_rate: ", "missing"},
        BadCase{"burst longer than its period",
                "services:\n  onboarding:\n    traffic: {pattern: burst, rate: 1, peak_rate: 5, "
                "every: 1m, duration: 2m}\n",
                "test.yaml:3: services.onboarding.traffic.duration: ", "longer than its period"},
        BadCase{"empty business hours",
                "services:\n  onboarding:\n    traffic:\n      pattern: business_hours\n"
                "      rate: 1\n      peak_rate: 5\n      start_hour: 9\n      end_hour: 9\n",
                "test.yaml:8: services.onboarding.traffic.end_hour: ", "neither empty"},
        BadCase{"hour out of range",
                "services:\n  onboarding:\n    traffic: {pattern: business_hours, rate: 1, "
                "peak_rate: 5, start_hour: 25}\n",
                "test.yaml:3: services.onboarding.traffic.start_hour: ", "[0, 24]"},
        BadCase{"mix not summing to 1",
                "services:\n  onboarding:\n    customer_mix: {standard: 0.5, premium: 0.2}\n",
                "test.yaml:3: services.onboarding.customer_mix: ", "must sum to 1, got 0.7"},
        BadCase{"unknown mix category",
                "services:\n  coordination:\n    priority_mix: {low: 0.5, urgent: 0.5}\n",
                "test.yaml:3: services.coordination.priority_mix.urgent: ", "unknown key"},
        BadCase{
            "unknown onboarding step",
            "services:\n  onboarding:\n    step_error_rates:\n      kyc: 0.1\n      fraud: 0.1\n",
            "test.yaml:5: services.onboarding.step_error_rates.fraud: ", "unknown step"},
        BadCase{"enabled not a boolean", "services:\n  onboarding:\n    enabled: maybe\n",
                "test.yaml:3: services.onboarding.enabled: ", "expected true or false"},
        BadCase{"pool size zero", "services:\n  ecommerce:\n    db_pool_size: 0\n",
                "test.yaml:3: services.ecommerce.db_pool_size: ", "expected an integer in [1,"},
        BadCase{"negative seed", "seed: -1\nservices: {onboarding: {}}\n",
                "test.yaml:1: seed: ", "expected an integer"},
        BadCase{"bad start_time", "start_time: 2026-02-30T00:00:00Z\nservices: {onboarding: {}}\n",
                "test.yaml:1: start_time: ", "RFC 3339"},
        BadCase{"duplicate key", "seed: 1\nseed: 2\nservices: {onboarding: {}}\n",
                "test.yaml:2: seed: ", "duplicate key"},
        BadCase{"no service enabled", "services:\n  onboarding: {enabled: false}\n",
                "test.yaml:1: services: ", "no service enabled"},
        BadCase{"empty document", "", "test.yaml:1: ", "empty scenario"},
        BadCase{"top level not a mapping", "- a\n- b\n",
                "test.yaml:1: ", "expected a mapping at the top level"},
        BadCase{"invalid YAML", "services: {onboarding: [}\n", "test.yaml:1: ", "invalid YAML"},
        BadCase{"slow dependency that is not slower",
                "services: {onboarding: {}}\nfaults:\n  - {kind: slow_dependency, target: "
                "onboarding.s3, latency_factor: 0.5}\n",
                "test.yaml:3: faults[0].latency_factor: ", "factor >= 1"},
        BadCase{"lambda timeout without timeout",
                "services: {onboarding: {}}\nfaults:\n  - {kind: lambda_timeout, target: "
                "onboarding.lambda}\n",
                "test.yaml:3: faults[0].timeout: ", "missing"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) {
      std::string name;
      for (const char* p = param_info.param.label; *p != '\0'; ++p) {
        const char c = *p;
        name += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
      }
      return name;
    });

TEST(ScenarioTest, TheErrorCasesAreValidWhenCorrected) {
  // Guards the error table above: its base document parses.
  Result<Scenario> s = Parse(kOk);

  EXPECT_TRUE(s.ok()) << s.status().message();
}

}  // namespace
}  // namespace tflo::workload
