// The `tflo` command's contract with its user: help text, and bad input that
// gets a clear message, a non-zero exit and leaves every file as it was.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "cli/run_command.h"
#include "test_util.h"

namespace tflo::testing {
namespace {

namespace fs = std::filesystem;

TEST(TfloHelpTest, TopLevelHelpNamesTheDemo) {
  const auto r = RunTflo("--help");

  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("telemetry feedback-loop optimizer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("demo"), std::string::npos) << r.output;
}

TEST(TfloHelpTest, DemoHelpListsItsOptions) {
  const auto r = RunTflo("demo --help");

  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--out", "--rounds", "--seed", "--collector-config", "--otlp-format"}) {
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag << " missing from:\n" << r.output;
  }
}

TEST(TfloBadInputTest, UnknownFlagIsNamed) {
  TempDir tmp;

  const auto r = RunTflo("demo --out " + (tmp.path() / "out").string() + " --frobnicate 3");

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--frobnicate"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(TfloBadInputTest, MissingCommandFails) {
  const auto r = RunTflo("");

  EXPECT_NE(r.exit_code, 0);
}

TEST(TfloBadInputTest, MalformedCollectorYamlNamesFileAndLineAndWritesNothing) {
  TempDir tmp;
  const fs::path config = tmp.path() / "broken.yaml";
  WriteFile(config, "processors:\n  batch:\n    send_batch_size: [1, 2\nexporters: {}\n");

  const auto r = RunTflo("demo --out " + (tmp.path() / "out").string() + " --collector-config " +
                         config.string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("broken.yaml:"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
  EXPECT_EQ(ReadFile(config), "processors:\n  batch:\n    send_batch_size: [1, 2\nexporters: {}\n");
}

TEST(TfloBadInputTest, InvalidValueNamesKeyAndLine) {
  TempDir tmp;
  const fs::path config = tmp.path() / "bad-value.yaml";
  WriteFile(config,
            "receivers:\n  otlp:\n    protocols:\n      grpc:\nprocessors:\n  batch:\n"
            "    send_batch_size: lots\nexporters:\n  otlp:\n    endpoint: x:4317\n"
            "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
            "      processors: [batch]\n      exporters: [otlp]\n");

  const auto r = RunTflo("demo --out " + (tmp.path() / "out").string() + " --collector-config " +
                         config.string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad-value.yaml:7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("send_batch_size"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(TfloBadInputTest, MissingCollectorConfigIsNamed) {
  TempDir tmp;

  const auto r = RunTflo("demo --out " + (tmp.path() / "out").string() +
                         " --collector-config " + (tmp.path() / "nope.yaml").string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("nope.yaml"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(TfloBadInputTest, UnwritableOutputDirectoryIsNamed) {
  TempDir tmp;
  // A path below a regular file can never be created, even by root.
  WriteFile(tmp.path() / "plain-file", "keep me\n");
  const fs::path out = tmp.path() / "plain-file" / "out";

  const auto r = RunTflo("demo --rounds 1 --out " + out.string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(out.string()), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(tmp.path() / "plain-file"), "keep me\n");
}

TEST(TfloBadInputTest, UnrelatedNonEmptyDirectoryIsLeftAlone) {
  TempDir tmp;
  WriteFile(tmp.path() / "notes.txt", "mine\n");

  const auto r = RunTflo("demo --rounds 1 --out " + tmp.path().string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not empty"), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(tmp.path() / "notes.txt"), "mine\n");
  EXPECT_FALSE(fs::exists(tmp.path() / "report.json"));
}

TEST(TfloBadInputTest, OutOfRangeRoundsRejected) {
  TempDir tmp;

  const auto r = RunTflo("demo --rounds 0 --out " + (tmp.path() / "out").string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--rounds"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

TEST(TfloBadInputTest, UnknownOtlpFormatRejected) {
  TempDir tmp;

  const auto r = RunTflo("demo --otlp-format xml --out " + (tmp.path() / "out").string());

  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--otlp-format"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tflo::testing
