// `tflo workload run --otlp-endpoint` and `--event-source-mapping`: the spans
// reach an in-test OTLP/gRPC receiver on 127.0.0.1, an unreachable endpoint
// costs counted drops and one log line naming it, bad input is refused before
// anything is written, and the endpoint variables of the environment (injected
// in-process through WorkloadRunOptions::env) switch export on.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <utility>

#include "cli/run_command.h"
#include "test_util.h"
#include "workload_command.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/otlp_grpc.h"

namespace tflo::testing {
namespace {

namespace fs = std::filesystem;
using core::Signal;

// Counts what arrives (no decoding).
std::unique_ptr<core::OtlpGrpcReceiver> StartCountingReceiver() {
  auto receiver = core::OtlpGrpcReceiver::Start(core::OtlpGrpcReceiverOptions{});
  EXPECT_TRUE(receiver.ok()) << receiver.status().message();
  return receiver.ok() ? std::move(*receiver) : nullptr;
}

// A port on 127.0.0.1 that was bound and is closed again.
std::string ClosedEndpoint() {
  auto receiver = StartCountingReceiver();
  if (!receiver) return "127.0.0.1:1";
  const std::string endpoint = receiver->endpoint();
  receiver->Shutdown();
  return endpoint;
}

core::EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// N of "exported to HOST:PORT: N spans" in the summary; -1 when absent.
int64_t ExportedSpans(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex(R"(exported to [^ ]+: (\d+) spans)"))) return -1;
  return std::stoll(m[1].str());
}

nlohmann::json GroundTruth(const fs::path& out) {
  return nlohmann::json::parse(ReadFile(out / "ground_truth.json"));
}

uint64_t SpansTheSdksExported(const nlohmann::json& truth) {
  return truth["pipeline"]["accepted"].get<uint64_t>() +
         truth["pipeline"]["refused"].get<uint64_t>();
}

TEST(WorkloadExportCliTest, OtlpEndpointReceivesTheSpans) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  auto receiver = StartCountingReceiver();
  ASSERT_NE(receiver, nullptr);

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --otlp-endpoint " + receiver->endpoint());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  const uint64_t sdk_spans = SpansTheSdksExported(GroundTruth(out));
  EXPECT_GT(sdk_spans, 0U);
  EXPECT_EQ(receiver->stats(Signal::kTraces).items, sdk_spans);
  EXPECT_EQ(ExportedSpans(r.output), static_cast<int64_t>(sdk_spans)) << r.output;
  EXPECT_NE(r.output.find("exported to " + receiver->endpoint()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" 0 dropped, 0 retries"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("window placed to end now"), std::string::npos) << r.output;
  EXPECT_GT(receiver->stats(Signal::kLogs).items, 0U);
  EXPECT_GT(receiver->stats(Signal::kMetrics).items, 0U);
}

TEST(WorkloadExportCliTest, UnreachableEndpointCountsDropsAndNamesTheEndpoint) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  const std::string endpoint = ClosedEndpoint();

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --otlp-endpoint " + endpoint);

  // Nothing was accepted: exit 1, but the files and the summary are there.
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(fs::exists(out / "traces.jsonl"));
  EXPECT_TRUE(fs::exists(out / "ground_truth.json"));
  EXPECT_EQ(ExportedSpans(r.output), 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"((\d+) dropped, \d+ retries)")))
      << r.output;
  EXPECT_GT(std::stoull(m[1].str()), 0U);
  EXPECT_TRUE(std::regex_search(r.output, std::regex("warning.*" + endpoint + ".*failed")))
      << r.output;
  EXPECT_NE(r.output.find("nothing was exported"), std::string::npos) << r.output;
}

TEST(WorkloadExportCliTest, BadEndpointIsRefusedBeforeAnythingIsWritten) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --otlp-endpoint http://:x");

  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--otlp-endpoint"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no host"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

// Sets an environment variable for the tflo processes a test starts.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

// OTEL_EXPORTER_OTLP_CERTIFICATE: the spans reach a TLS receiver whose
// certificate that CA signed (test-only material, tests/testdata/tls).
TEST(WorkloadExportCliTest, TlsEndpointWithTheCertificateVariableReceivesTheSpans) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  const fs::path tls = fs::path(TFLO_TESTDATA_DIR) / "tls";
  core::OtlpGrpcReceiverOptions options;
  options.tls_certificate_pem = ReadFile(tls / "server.pem");
  options.tls_private_key_pem = ReadFile(tls / "server.key");
  auto receiver = core::OtlpGrpcReceiver::Start(options);
  ASSERT_TRUE(receiver.ok()) << receiver.status().message();
  ScopedEnv ca("OTEL_EXPORTER_OTLP_CERTIFICATE", (tls / "ca.pem").string());

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --otlp-endpoint https://" + (*receiver)->endpoint());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  const uint64_t sdk_spans = SpansTheSdksExported(GroundTruth(out));
  EXPECT_GT(sdk_spans, 0U);
  EXPECT_EQ((*receiver)->stats(Signal::kTraces).items, sdk_spans);
}

TEST(WorkloadExportCliTest, UnreadableCertificateIsRefusedBeforeAnythingIsWritten) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  const fs::path missing = tmp.path() / "no-such-ca.pem";
  ScopedEnv ca("OTEL_EXPORTER_OTLP_CERTIFICATE", missing.string());

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --otlp-endpoint https://127.0.0.1:4317");

  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OTEL_EXPORTER_OTLP_CERTIFICATE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(missing.string() + ": cannot read"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(WorkloadExportCliTest, MalformedEventSourceMappingNamesFileAndLine) {
  TempDir tmp;
  const fs::path esm = tmp.path() / "esm.json";
  WriteFile(esm, "{\n  \"BatchSize\": 10,\n  \"MaximumBatchingWindowInSeconds\": oops\n}\n");
  const fs::path out = tmp.path() / "out";

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --event-source-mapping " + esm.string());

  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("esm.json:3"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST(WorkloadExportCliTest, EventSourceMappingReachesTheLambdaModel) {
  TempDir tmp;
  const fs::path esm = tmp.path() / "esm.json";
  WriteFile(esm, R"({"UUID": "a1b2", "BatchSize": 7, "MaximumBatchingWindowInSeconds": 2,
  "EventSourceArn": "arn:aws:sqs:eu-west-1:123456789012:onboarding-queue",
  "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:onboarding", "State": "Enabled"})");
  const fs::path out = tmp.path() / "out";

  const auto r = RunTflo("workload run --scenario onboarding --duration 5s --out " + out.string() +
                         " --event-source-mapping " + esm.string());

  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string truth = GroundTruth(out).dump();
  EXPECT_NE(truth.find("\"batch_size\":7"), std::string::npos) << truth;
}

TEST(WorkloadExportCliTest, EndpointVariableSwitchesExportOnAndTheFlagWins) {
  TempDir tmp;
  auto receiver = StartCountingReceiver();
  ASSERT_NE(receiver, nullptr);
  const std::string dead = ClosedEndpoint();
  cli::WorkloadRunOptions from_env;
  from_env.scenario = "onboarding";
  from_env.duration = std::chrono::seconds(3);
  from_env.out_dir = tmp.path() / "env";
  from_env.env = FakeEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://" + receiver->endpoint()}});
  cli::WorkloadRunOptions flag_wins = from_env;
  flag_wins.out_dir = tmp.path() / "flag";
  flag_wins.env = FakeEnv(
      {{"OTEL_EXPORTER_OTLP_ENDPOINT", dead}, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", dead}});
  flag_wins.otlp_endpoint = receiver->endpoint();
  cli::WorkloadRunOptions plain = from_env;
  plain.out_dir = tmp.path() / "plain";
  plain.env = FakeEnv({});
  std::ostringstream env_out, flag_out, plain_out;

  const Status env_status = cli::RunWorkload(from_env, env_out);
  const uint64_t after_env = receiver->stats(Signal::kTraces).items;
  const Status flag_status = cli::RunWorkload(flag_wins, flag_out);
  const uint64_t after_flag = receiver->stats(Signal::kTraces).items;
  const Status plain_status = cli::RunWorkload(plain, plain_out);

  ASSERT_TRUE(env_status.ok()) << env_status.message();
  ASSERT_TRUE(flag_status.ok()) << flag_status.message();
  ASSERT_TRUE(plain_status.ok()) << plain_status.message();
  EXPECT_EQ(after_env, SpansTheSdksExported(GroundTruth(from_env.out_dir)));
  EXPECT_EQ(after_flag - after_env, SpansTheSdksExported(GroundTruth(flag_wins.out_dir)));
  EXPECT_EQ(receiver->stats(Signal::kTraces).items, after_flag);  // the plain run sent nothing
  EXPECT_NE(env_out.str().find("exported to " + receiver->endpoint()), std::string::npos)
      << env_out.str();
  EXPECT_EQ(plain_out.str().find("exported"), std::string::npos) << plain_out.str();
}

TEST(WorkloadExportCliTest, ExplicitStartTimeWinsAndTheDefaultWindowEndsNow) {
  TempDir tmp;
  auto receiver = StartCountingReceiver();
  ASSERT_NE(receiver, nullptr);
  const fs::path scenario = tmp.path() / "fixed.yaml";
  WriteFile(scenario,
            "name: fixed\nstart_time: 2026-01-05T06:00:00Z\nduration: 3s\nservices:\n"
            "  onboarding:\n    traffic: {pattern: constant, rate: 20}\n");
  cli::WorkloadRunOptions fixed;
  fixed.scenario = scenario.string();
  fixed.out_dir = tmp.path() / "fixed";
  fixed.otlp_endpoint = receiver->endpoint();
  fixed.env = FakeEnv({});
  cli::WorkloadRunOptions recent = fixed;
  recent.scenario = "onboarding";
  recent.duration = std::chrono::seconds(3);
  recent.out_dir = tmp.path() / "recent";
  std::ostringstream fixed_out, recent_out;
  const auto to_ns = [](std::chrono::system_clock::time_point t) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
  };

  const Status fixed_status = cli::RunWorkload(fixed, fixed_out);
  const uint64_t before = to_ns(std::chrono::system_clock::now());
  const Status recent_status = cli::RunWorkload(recent, recent_out);
  const uint64_t after = to_ns(std::chrono::system_clock::now());

  ASSERT_TRUE(fixed_status.ok()) << fixed_status.message();
  ASSERT_TRUE(recent_status.ok()) << recent_status.message();
  EXPECT_EQ(GroundTruth(fixed.out_dir)["start_unix_nano"].get<uint64_t>(),
            1767592800000000000ULL);  // 2026-01-05T06:00:00Z
  EXPECT_EQ(fixed_out.str().find("window placed"), std::string::npos) << fixed_out.str();
  const uint64_t start = GroundTruth(recent.out_dir)["start_unix_nano"].get<uint64_t>();
  const uint64_t three_s = 3'000'000'000ULL;
  EXPECT_EQ(start % 1'000'000'000ULL, 0U);
  EXPECT_LE(start + three_s, after);
  EXPECT_GE(start + three_s + 1'000'000'000ULL, before);
  EXPECT_NE(recent_out.str().find("window placed to end now"), std::string::npos)
      << recent_out.str();
}

}  // namespace
}  // namespace tflo::testing
