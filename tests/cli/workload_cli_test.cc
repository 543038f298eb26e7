// `tflo workload run`: help text, a short onboarding run, and bad input that
// gets a clear message and a non-zero exit without writing anything.
#include <filesystem>
#include <set>
#include <string>

#include "cli/run_command.h"
#include "test_util.h"
#include <gtest/gtest.h>

namespace tflo::testing {
namespace {

namespace fs = std::filesystem;

TEST(WorkloadCliTest, HelpListsTheOptions) {
  const auto r = RunTflo("workload run --help");

  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag :
       {"--scenario", "--duration", "--seed", "--out", "--collector-config", "--lambda-config",
        "--event-source-mapping", "--otlp-format", "--otlp-endpoint", "--realtime", "--listen"}) {
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag << " missing from:\n" << r.output;
  }
}

TEST(WorkloadCliTest, ShortOnboardingRunWritesFilesAndPrintsTheSummary) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";

  const auto r =
      RunTflo("workload run --scenario onboarding --duration 30s --seed 7 --out " + out.string());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"traces.jsonl", "metrics.jsonl", "ground_truth.json"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
    EXPECT_GT(fs::file_size(out / name), 0U) << name;
  }
  for (const char* part :
       {"onboarding:", "spans generated", "logs", "metric points", "dropped", "wall"}) {
    EXPECT_NE(r.output.find(part), std::string::npos) << part << " missing from:\n" << r.output;
  }
}

TEST(WorkloadCliTest, RerunReplacesItsOwnOutputButRefusesAnUnrelatedDirectory) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  const fs::path other = tmp.path() / "other";
  fs::create_directories(other);
  WriteFile(other / "notes.txt", "mine");

  const auto first =
      RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string());
  const auto second =
      RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string());
  const auto refused =
      RunTflo("workload run --scenario onboarding --duration 5s --out " + other.string());

  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("not empty"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(other / "traces.jsonl"));
  EXPECT_EQ(ReadFile(other / "notes.txt"), "mine");
}

// A killed run leaves .partial files (workload/simulation.h); the next run in
// that directory removes them, whatever format they were written in.
TEST(WorkloadCliTest, RerunRemovesAKilledRunsPartialFiles) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  ASSERT_EQ(
      RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string()).exit_code,
      0);
  for (const char* name :
       {"traces.binpb.partial", "logs.jsonl.partial", "ground_truth.json.partial"}) {
    WriteFile(out / name, "unfinished");
  }
  WriteFile(out / "notes.partial", "not ours");

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(out)) names.insert(entry.path().filename());
  EXPECT_EQ(names, (std::set<std::string>{".tflo-workload", "traces.jsonl", "metrics.jsonl",
                                          "logs.jsonl", "ground_truth.json", "notes.partial"}));
}

TEST(WorkloadCliTest, UnknownScenarioListsTheShippedNames) {
  TempDir tmp;

  const auto r = RunTflo("workload run --scenario nosuch --out " + (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("nosuch"), std::string::npos) << r.output;
  for (const char* name : {"onboarding", "coordination", "ecommerce-blackfriday", "mixed"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name << " missing from:\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(WorkloadCliTest, BadDurationIsNamed) {
  TempDir tmp;

  const auto r = RunTflo("workload run --scenario onboarding --duration fast --out " +
                         (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--duration"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(WorkloadCliTest, ScenarioFileErrorNamesFileLineAndKey) {
  TempDir tmp;
  const fs::path file = tmp.path() / "bad.yaml";
  WriteFile(file, "name: bad\nservices:\n  onboarding:\n    validation_error_rate: 1.5\n");

  const auto r = RunTflo("workload run --scenario " + file.string() + " --out " +
                         (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("bad.yaml:4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("validation_error_rate"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(WorkloadCliTest, CoordinationRunWritesLogsToo) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";

  const auto r =
      RunTflo("workload run --scenario coordination --duration 2m --out " + out.string());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"traces.jsonl", "metrics.jsonl", "logs.jsonl", "ground_truth.json"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
  }
  EXPECT_GT(fs::file_size(out / "logs.jsonl"), 0U);
  EXPECT_EQ(r.output.find(" 0 logs"), std::string::npos) << r.output;
}

TEST(WorkloadCliTest, ListenWithoutRealtimeIsRefused) {
  TempDir tmp;

  const auto r = RunTflo("workload run --scenario onboarding --listen 127.0.0.1:8000 --out " +
                         (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--listen: only with --realtime"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

}  // namespace
}  // namespace tflo::testing
