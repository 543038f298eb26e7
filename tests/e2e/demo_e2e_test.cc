// End to end: `tflo demo` for 3 rounds from the shipped untuned config. The loop
// must take drops to zero, edit only the intended keys of the collector YAML,
// and the analyzer's p95 for every operation must be within 2% of the
// workload's ground truth.
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/run_command.h"
#include "test_util.h"

namespace tflo::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// "    queue_size: 20 # comment" -> "queue_size".
std::string KeyOfLine(const std::string& line) {
  const auto first = line.find_first_not_of(' ');
  const auto colon = line.find(':');
  if (first == std::string::npos || colon == std::string::npos) return "";
  return line.substr(first, colon - first);
}

std::string LastSegment(const std::string& dotted) { return dotted.substr(dotted.rfind('.') + 1); }

class DemoEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    out_ = tmp_->path() / "demo";
    run_ = new CommandResult(RunTflo("demo --rounds 3 --seed 7 --out " + out_.string()));
    if (run_->exit_code == 0) report_ = new json(json::parse(ReadFile(out_ / "report.json")));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete run_;
    delete tmp_;
  }
  void SetUp() override {
    ASSERT_EQ(run_->exit_code, 0) << run_->output;
    ASSERT_NE(report_, nullptr);
  }

  static TempDir* tmp_;
  static fs::path out_;
  static CommandResult* run_;
  static json* report_;
};

TempDir* DemoEndToEndTest::tmp_ = nullptr;
fs::path DemoEndToEndTest::out_;
CommandResult* DemoEndToEndTest::run_ = nullptr;
json* DemoEndToEndTest::report_ = nullptr;

TEST_F(DemoEndToEndTest, WritesEveryPromisedArtefact) {
  for (const char* name : {"report.md", "report.json", "collector.yaml", "tflo.db"}) {
    EXPECT_TRUE(fs::exists(out_ / name)) << name;
  }
  ASSERT_EQ((*report_)["rounds"].size(), 3U);
  for (const auto& round : (*report_)["rounds"]) {
    for (const char* key : {"round", "operations", "pipeline", "recommendations", "diff"}) {
      EXPECT_TRUE(round.contains(key)) << key;
    }
    for (const char* key : {"accepted", "sent", "dropped", "queue_fill", "mean_batch_size"}) {
      EXPECT_TRUE(round["pipeline"].contains(key)) << key;
    }
    for (const auto& op : round["operations"]) {
      for (const char* key : {"service", "operation", "count", "error_rate", "p50_ms", "p95_ms", "p99_ms"}) {
        EXPECT_TRUE(op.contains(key)) << key;
      }
    }
    for (const auto& rec : round["recommendations"]) {
      for (const char* key : {"id", "target", "key", "current", "proposed", "status"}) {
        EXPECT_TRUE(rec.contains(key)) << key;
      }
    }
  }
}

TEST_F(DemoEndToEndTest, DropsFallToZeroByTheLastRound) {
  const auto& rounds = (*report_)["rounds"];

  const auto first_dropped = rounds.front()["pipeline"]["dropped"].get<uint64_t>();
  const auto last_dropped = rounds.back()["pipeline"]["dropped"].get<uint64_t>();

  EXPECT_GT(first_dropped, 0U) << "the untuned config must drop spans, or the demo shows nothing";
  EXPECT_EQ(last_dropped, 0U);
  EXPECT_FALSE(rounds.front()["recommendations"].empty());
  EXPECT_EQ(rounds.front()["recommendations"][0]["status"], "verified");
}

TEST_F(DemoEndToEndTest, DiffTouchesOnlyTheIntendedKeys) {
  std::set<std::string> intended;
  for (const auto& round : (*report_)["rounds"]) {
    for (const auto& rec : round["recommendations"]) {
      if (rec["status"] == "verified" || rec["status"] == "applied") {
        intended.insert(LastSegment(rec["key"].get<std::string>()));
      }
    }
    // Every +/- line of each diff is one of that round's recommended keys.
    std::set<std::string> round_keys;
    for (const auto& rec : round["recommendations"]) {
      round_keys.insert(LastSegment(rec["key"].get<std::string>()));
    }
    for (const auto& line : Lines(round["diff"].get<std::string>())) {
      if (line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0) continue;
      if (line.empty() || (line[0] != '+' && line[0] != '-')) continue;
      EXPECT_TRUE(round_keys.count(KeyOfLine(line.substr(1))) == 1) << "unexpected diff line: " << line;
    }
  }
  ASSERT_FALSE(intended.empty());

  // The tuned file differs from the start only on those keys' lines.
  const auto before = Lines(ReadFile(out_ / "rounds/round-1/collector.yaml"));
  const auto after = Lines(ReadFile(out_ / "collector.yaml"));
  ASSERT_EQ(before.size(), after.size()) << "no line may be added or removed";
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i] == after[i]) continue;
    EXPECT_EQ(KeyOfLine(before[i]), KeyOfLine(after[i]));
    EXPECT_TRUE(intended.count(KeyOfLine(after[i])) == 1) << "line " << i + 1 << ": " << after[i];
  }
}

TEST_F(DemoEndToEndTest, AnalyzerP95WithinTwoPercentOfGroundTruth) {
  for (const auto& round : (*report_)["rounds"]) {
    const json truth = json::parse(ReadFile(out_ / round["round_dir"].get<std::string>() / "ground_truth.json"));
    std::map<std::pair<std::string, std::string>, double> truth_p95;
    for (const auto& op : truth["operations"]) {
      truth_p95[{op["service"], op["operation"]}] = op["p95_ms"].get<double>();
    }
    ASSERT_FALSE(round["operations"].empty());
    for (const auto& op : round["operations"]) {
      const auto it = truth_p95.find({op["service"], op["operation"]});
      ASSERT_NE(it, truth_p95.end()) << op["service"] << " " << op["operation"];
      const double measured = op["p95_ms"].get<double>();
      EXPECT_LE(std::abs(measured - it->second), 0.02 * it->second)
          << "round " << round["round"] << " " << op["operation"] << ": analyzer " << measured
          << " ms, truth " << it->second << " ms";
    }
  }
}

TEST_F(DemoEndToEndTest, SameSeedReproducesTheTelemetry) {
  TempDir other;
  const auto again = RunTflo("demo --rounds 1 --seed 7 --out " + (other.path() / "d").string());

  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(ReadFile(other.path() / "d/rounds/round-1/traces.jsonl"),
            ReadFile(out_ / "rounds/round-1/traces.jsonl"));
  EXPECT_EQ(ReadFile(other.path() / "d/rounds/round-1/ground_truth.json"),
            ReadFile(out_ / "rounds/round-1/ground_truth.json"));
}

TEST_F(DemoEndToEndTest, RerunIntoItsOwnOutputReplacesIt) {
  const auto again = RunTflo("demo --rounds 1 --seed 7 --out " + out_.string() + "-rerun");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const auto twice = RunTflo("demo --rounds 1 --seed 7 --out " + out_.string() + "-rerun");

  EXPECT_EQ(twice.exit_code, 0) << twice.output;
  EXPECT_FALSE(fs::exists(out_.string() + "-rerun/rounds/round-2"));
}

}  // namespace
}  // namespace tflo::testing
