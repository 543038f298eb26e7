// `tflo workload run --realtime`: the binary prints the address it listens on,
// answers a request while the scenario runs, stops by itself after --duration
// with the usual summary (or cleanly on SIGTERM), and the caller's trace is in
// the traces file. A busy port and a malformed --listen are refused clearly.
#include <httplib.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/run_command.h"
#include "test_util.h"
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"

namespace tflo::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kTraceId[] = "0af7651916cd43dd8448eb211c80319c";
constexpr char kParentSpanId[] = "b7ad6b7169203331";

// The binary, started with popen; its output is read line by line.
class RunningTflo {
 public:
  explicit RunningTflo(const std::string& args) {
    pipe_ = ::popen((std::string(TFLO_BINARY) + " " + args + " 2>&1").c_str(), "r");
  }
  ~RunningTflo() {
    if (pipe_ != nullptr) Wait();
  }

  // Reads until a line matches `pattern`; returns its first group ("" at EOF).
  std::string ReadUntil(const std::regex& pattern) {
    std::array<char, 4096> line{};
    while (pipe_ != nullptr && std::fgets(line.data(), line.size(), pipe_) != nullptr) {
      output_ += line.data();
      std::cmatch match;
      if (std::regex_search(line.data(), match, pattern)) return match[1].str();
    }
    return "";
  }
  // Reads the rest of the output and returns the exit code.
  int Wait() {
    ReadUntil(std::regex("$^"));
    const int status = ::pclose(pipe_);
    pipe_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& output() const { return output_; }

 private:
  FILE* pipe_ = nullptr;
  std::string output_;
};

TEST(WorkloadRealtimeCliTest, ServesARequestAndWritesItsTrace) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  // A collector that loses nothing, so the caller's span surely reaches the file.
  RunningTflo tflo(
      "workload run --scenario onboarding --realtime --listen 127.0.0.1:0 "
      "--duration 5s --collector-config " +
      TestdataPath("workload/collector_roomy.yaml").string() + " --out " + out.string());

  const std::string port = tflo.ReadUntil(std::regex(R"(listening on http://127\.0\.0\.1:(\d+) )"));
  ASSERT_FALSE(port.empty()) << tflo.output();
  httplib::Client client("127.0.0.1", std::stoi(port));
  client.set_read_timeout(std::chrono::seconds(30));
  const auto res = client.Post(
      "/onboard", {{"traceparent", std::string("00-") + kTraceId + "-" + kParentSpanId + "-01"}},
      R"({"customer_type": "standard"})", "application/json");
  const int exit_code = tflo.Wait();

  ASSERT_TRUE(res);
  // 202, or what the scenario's faults and validation failures make of it.
  EXPECT_TRUE(res->status == 202 || res->status == 400 || res->status == 500 || res->status == 503)
      << res->status << " " << res->body;
  EXPECT_EQ(res->get_header_value("X-Trace-Id"), kTraceId);
  EXPECT_EQ(exit_code, 0) << tflo.output();
  EXPECT_NE(tflo.output().find("onboarding: "), std::string::npos) << tflo.output();
  EXPECT_NE(tflo.output().find("spans generated"), std::string::npos) << tflo.output();
  bool found = false;
  const Status read = core::ReadTracesFile(out / "traces.jsonl", [&](core::TracesData&& data) {
    for (const auto& rs : data.resource_spans) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          found = found || (core::ToHex(span.trace_id) == kTraceId &&
                            core::ToHex(span.parent_span_id) == kParentSpanId &&
                            span.name == "POST /onboard");
        }
      }
    }
    return OkStatus();
  });
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_TRUE(found) << "no POST /onboard span continuing the caller's trace";
  EXPECT_TRUE(fs::exists(out / "ground_truth.json"));
}

// The binary started with fork/exec (its pid is needed for the signal), its
// stdout and stderr on one pipe.
struct Spawned {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Spawned Spawn(std::vector<std::string> args) {
  // Everything the child needs is built before fork: it only calls
  // async-signal-safe functions.
  std::string binary = TFLO_BINARY;
  std::vector<char*> argv = {binary.data()};
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, ::fdopen(fds[0], "r")};
}

TEST(WorkloadRealtimeCliTest, SigtermStopsTheRunCleanly) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  Spawned tflo = Spawn({"workload", "run", "--scenario", "coordination", "--realtime", "--listen",
                        "127.0.0.1:0", "--duration", "1h", "--out", out.string()});
  ASSERT_GT(tflo.pid, 0);
  ASSERT_NE(tflo.out, nullptr);
  std::string output;
  std::array<char, 4096> line{};
  bool listening = false;
  while (!listening && std::fgets(line.data(), line.size(), tflo.out) != nullptr) {
    output += line.data();
    listening = output.find("listening on http://127.0.0.1:") != std::string::npos;
  }

  ASSERT_TRUE(listening) << output;
  ::kill(tflo.pid, SIGTERM);
  while (std::fgets(line.data(), line.size(), tflo.out) != nullptr) output += line.data();
  std::fclose(tflo.out);
  int status = 0;
  ::waitpid(tflo.pid, &status, 0);

  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("coordination: "), std::string::npos) << output;
  EXPECT_TRUE(fs::exists(out / "ground_truth.json"));
  EXPECT_TRUE(fs::exists(out / "traces.jsonl"));
}

TEST(WorkloadRealtimeCliTest, ABusyPortIsNamed) {
  const tflo::testing::HeldLoopbackPort holder(/*listen=*/true);
  ASSERT_GT(holder.port(), 0);
  const std::string where = "127.0.0.1:" + std::to_string(holder.port());
  TempDir tmp;

  const auto r = RunTflo("workload run --scenario onboarding --realtime --duration 5s --listen " +
                         where + " --out " + (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot listen on " + where), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "traces.jsonl"));
}

TEST(WorkloadRealtimeCliTest, AMalformedListenAddressIsBadInput) {
  TempDir tmp;

  const auto r = RunTflo("workload run --scenario onboarding --realtime --listen localhost --out " +
                         (tmp.path() / "out").string());

  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--listen: \"localhost\" is not HOST:PORT"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(tmp.path() / "out"));
}

}  // namespace
}  // namespace tflo::testing
