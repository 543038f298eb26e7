// The no-Docker stack, for real: Debian's Prometheus (/usr/bin/prometheus),
// configured from stack/prometheus/prometheus-local.yml with the stack's rule
// files, scrapes `tflo workload run --realtime` modelling
// stack/otel-collector/config.yaml. Then every PromQL expression of every
// dashboard and every rule runs through Prometheus' HTTP API and must not
// fail, and every panel of the core dashboards (service RED, collector
// pipeline, onboarding KPIs) must return data. Both processes listen on
// 127.0.0.1 ports picked free at start, write into a temporary directory, and
// are killed (process group, SIGTERM then SIGKILL) when the test ends.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_util.h"
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using tflo::testing::ReadFile;
using tflo::testing::TempDir;
using tflo::testing::WriteFile;

const fs::path kRoot = TFLO_SOURCE_DIR;
constexpr const char* kPrometheus = "/usr/bin/prometheus";
// The dashboards every deployment is expected to fill; panels of them that
// only the Docker stack can fill say so in their description.
const std::set<std::string> kCoreDashboards = {"tflo-service-red", "tflo-collector-pipeline",
                                               "tflo-onboarding-kpis"};
constexpr const char* kDockerOnlyMarker = "Docker stack only";

// A child process in its own process group, stdout+stderr to a log file.
// Stop() (also run by the destructor) sends SIGTERM to the group, waits up to
// 15 s, then SIGKILLs it, so nothing outlives the test.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const fs::path& log) : log_(log) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string log_path = log.string();
    pid_ = fork();
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      setpgid(0, 0);
      const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      execv(args[0], args.data());
      _exit(127);
    }
    if (pid_ > 0) setpgid(pid_, pid_);  // no race with the child's own call
  }
  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }

  // True once the process has ended (reaps it).
  bool Exited() {
    if (pid_ <= 0 || exited_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = status;
    }
    return exited_;
  }

  void Stop() {
    if (pid_ <= 0 || Exited()) return;
    kill(-pid_, SIGTERM);
    for (int i = 0; i < 150 && !Exited(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!Exited()) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &exit_status_, 0);
      exited_ = true;
    }
  }

  std::string LogTail(size_t max_chars = 4000) const {
    if (!fs::exists(log_)) return "(no log)";
    const std::string text = ReadFile(log_);
    return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = 0;
};

// `count` distinct ports that were free a moment ago on 127.0.0.1 (all held
// open until every one is picked, so no two are the same).
std::vector<int> FreeLoopbackPorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) close(fd);
  return ports;
}

// Polls `ready` every 500 ms until it is true, `gave_up` is true, or the
// deadline passes. A bound on waiting, not a timing assertion.
bool WaitFor(
    const std::function<bool()>& ready, seconds deadline,
    const std::function<bool()>& gave_up = [] { return false; }) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    if (gave_up()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return ready();
}

struct QueryResult {
  bool ok = false;
  std::string error;  // HTTP status and body when !ok
  size_t series = 0;
};

class PrometheusApi {
 public:
  explicit PrometheusApi(int port) : client_("127.0.0.1", port) {
    client_.set_connection_timeout(seconds(5));
    client_.set_read_timeout(seconds(30));
  }

  bool Ready() {
    const auto res = client_.Get("/-/ready");
    return res && res->status == 200;
  }

  QueryResult Query(const std::string& expr) {
    QueryResult out;
    const auto res = client_.Post("/api/v1/query", httplib::Params{{"query", expr}});
    if (!res) {
      out.error = "no answer (" + httplib::to_string(res.error()) + ")";
      return out;
    }
    try {
      const json body = json::parse(res->body);
      if (res->status != 200 || body.value("status", "") != "success") {
        out.error = std::to_string(res->status) + " " + res->body;
        return out;
      }
      const json& result = body.at("data").at("result");
      out.ok = true;
      out.series = result.is_array() ? result.size() : 1;
    } catch (const json::exception& e) {
      out.error = std::string("bad JSON: ") + e.what();
    }
    return out;
  }

  json Get(const std::string& path) {
    const auto res = client_.Get(path);
    if (!res || res->status != 200) return json();
    return json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  }

 private:
  httplib::Client client_;
};

// The local Prometheus config, pointed at this test's ports, scraping and
// evaluating every 5 seconds, with the rule files by absolute path.
std::string LocalPrometheusConfig(int prometheus_port, int workload_port) {
  YAML::Node config = YAML::LoadFile((kRoot / "stack/prometheus/prometheus-local.yml").string());
  // Short, but not so short that a slow /metrics answer on a loaded machine
  // fails a scrape (a failed scrape marks every series of the target stale).
  config["global"]["scrape_interval"] = "5s";
  config["global"]["scrape_timeout"] = "5s";
  config["global"]["evaluation_interval"] = "5s";
  YAML::Node rule_files(YAML::NodeType::Sequence);
  for (const YAML::Node& pattern : config["rule_files"]) {
    rule_files.push_back((kRoot / "stack/prometheus" / pattern.as<std::string>()).string());
  }
  config["rule_files"] = rule_files;
  for (YAML::Node scrape : config["scrape_configs"]) {
    for (YAML::Node group : scrape["static_configs"]) {
      YAML::Node targets(YAML::NodeType::Sequence);
      for (const YAML::Node& target : group["targets"]) {
        const std::string t = target.as<std::string>();
        if (t == "127.0.0.1:9090") {
          targets.push_back("127.0.0.1:" + std::to_string(prometheus_port));
        } else if (t == "127.0.0.1:8000") {
          targets.push_back("127.0.0.1:" + std::to_string(workload_port));
        } else {
          targets.push_back(t);
        }
      }
      group["targets"] = targets;
    }
  }
  YAML::Emitter out;
  out << config;
  return out.c_str();
}

struct PanelQuery {
  std::string dashboard;  // uid
  std::string panel;      // title
  bool docker_only = false;
  std::vector<std::string> exprs;
};

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// What Grafana would send for `expr`: its interval macros with the values a
// short run can answer, and each template variable with its "All" value (the
// default of every tflo dashboard variable).
std::string Substitute(std::string expr, const json& dashboard) {
  ReplaceAll(expr, "${__rate_interval}", "1m");
  ReplaceAll(expr, "$__rate_interval", "1m");
  ReplaceAll(expr, "${__range}", "5m");
  ReplaceAll(expr, "$__range", "5m");
  ReplaceAll(expr, "${__interval}", "15s");
  ReplaceAll(expr, "$__interval", "15s");
  std::vector<std::pair<std::string, std::string>> vars;
  if (dashboard.contains("templating")) {
    for (const json& var : dashboard.at("templating").at("list")) {
      vars.emplace_back(var.at("name").get<std::string>(), var.value("allValue", ".*"));
    }
  }
  // Longest names first: $priority must not be eaten by a $p variable.
  std::sort(vars.begin(), vars.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : vars) {
    ReplaceAll(expr, "${" + name + "}", value);
    ReplaceAll(expr, "[[" + name + "]]", value);
    ReplaceAll(expr, "$" + name, value);
  }
  return expr;
}

std::vector<PanelQuery> DashboardQueries(std::vector<std::pair<std::string, std::string>>* vars) {
  std::vector<PanelQuery> out;
  for (const fs::directory_entry& entry : fs::directory_iterator(kRoot / "dashboards")) {
    if (entry.path().extension() != ".json") continue;
    const json dashboard = json::parse(ReadFile(entry.path()));
    const std::string uid = dashboard.at("uid").get<std::string>();
    if (dashboard.contains("templating")) {
      for (const json& var : dashboard.at("templating").at("list")) {
        // label_values(<metric selector>, <label>) -> count by (<label>) (<selector>)
        const std::string def = var.value("definition", "");
        const size_t open = def.find('(');
        const size_t comma = def.rfind(',');
        if (def.rfind("label_values(", 0) == 0 && comma != std::string::npos) {
          const std::string selector = def.substr(open + 1, comma - open - 1);
          std::string label = def.substr(comma + 1, def.size() - comma - 2);
          label.erase(0, label.find_first_not_of(' '));
          vars->emplace_back(uid, "count by (" + label + ") (" + selector + ")");
        }
      }
    }
    std::vector<json> panels;
    for (const json& panel : dashboard.at("panels")) {
      panels.push_back(panel);
      if (panel.contains("panels")) {
        for (const json& nested : panel.at("panels")) panels.push_back(nested);
      }
    }
    for (const json& panel : panels) {
      if (panel.value("type", "") == "row" || !panel.contains("targets")) continue;
      PanelQuery query{uid,
                       panel.value("title", "?"),
                       panel.value("description", "").find(kDockerOnlyMarker) != std::string::npos,
                       {}};
      for (const json& target : panel.at("targets")) {
        const json ds = target.contains("datasource") ? target.at("datasource")
                                                      : panel.value("datasource", json());
        if (!ds.is_object() || ds.value("uid", "") != "prometheus") continue;
        query.exprs.push_back(Substitute(target.at("expr").get<std::string>(), dashboard));
      }
      if (!query.exprs.empty()) out.push_back(std::move(query));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> RuleExpressions() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(kRoot / "stack/prometheus/rules")) {
    const YAML::Node doc = YAML::LoadFile(entry.path().string());
    for (const YAML::Node& group : doc["groups"]) {
      for (const YAML::Node& rule : group["rules"]) {
        const std::string name =
            rule["record"] ? rule["record"].as<std::string>() : rule["alert"].as<std::string>();
        out.emplace_back(name, rule["expr"].as<std::string>());
      }
    }
  }
  return out;
}

TEST(StackPrometheusTest, EveryDashboardAndRuleQueryAnswersFromTheRealtimeWorkload) {
  ASSERT_TRUE(fs::exists(kPrometheus))
      << kPrometheus << " not found: install Debian's prometheus (bash scripts/install-deps.sh)";
  TempDir dir;
  const std::vector<int> ports = FreeLoopbackPorts(2);
  ASSERT_EQ(ports.size(), 2U) << "cannot bind 127.0.0.1";
  const int prometheus_port = ports[0];
  const int workload_port = ports[1];
  const fs::path config_path = dir.path() / "prometheus.yml";
  WriteFile(config_path, LocalPrometheusConfig(prometheus_port, workload_port));

  Process workload({TFLO_BINARY, "workload", "run", "--scenario", "mixed", "--realtime", "--listen",
                    "127.0.0.1:" + std::to_string(workload_port), "--collector-config",
                    (kRoot / "stack/otel-collector/config.yaml").string(), "--duration", "15m",
                    "--otlp-format", "binary", "--out", (dir.path() / "workload").string()},
                   dir.path() / "workload.log");
  ASSERT_TRUE(workload.started());
  httplib::Client workload_http("127.0.0.1", workload_port);
  workload_http.set_connection_timeout(seconds(2));
  const bool serving = WaitFor(
      [&] {
        const auto res = workload_http.Get("/metrics");
        return res && res->status == 200;
      },
      seconds(90), [&] { return workload.Exited(); });
  if (!serving && workload.Exited() &&
      workload.LogTail().find("not implemented") != std::string::npos) {
    GTEST_SKIP() << "tflo workload run --realtime is not available in this build: "
                 << workload.LogTail(400);
  }
  ASSERT_TRUE(serving) << "the real-time workload never served /metrics:\n" << workload.LogTail();

  Process prometheus({kPrometheus, "--config.file=" + config_path.string(),
                      "--storage.tsdb.path=" + (dir.path() / "data").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port),
                      "--enable-feature=exemplar-storage", "--log.level=warn"},
                     dir.path() / "prometheus.log");
  ASSERT_TRUE(prometheus.started());
  PrometheusApi api(prometheus_port);
  ASSERT_TRUE(
      WaitFor([&] { return api.Ready(); }, seconds(60), [&] { return prometheus.Exited(); }))
      << "Prometheus did not become ready:\n"
      << prometheus.LogTail();

  // Data to judge the queries by: the three sources the core dashboards read
  // (collector model, span-metrics model, onboarding business metrics) moving,
  // i.e. two different scrapes of each, and the recording rules evaluated.
  const std::vector<std::string> gates = {
      "sum(rate(otelcol_receiver_accepted_spans[1m])) > 0",
      "sum(rate(traces_span_metrics_calls_total[1m])) > 0",
      "sum(rate(onboarding_requests_total[1m])) > 0",
      "service_name:traces_span_metrics_calls:rate5m",
  };
  std::string waiting_for;
  const bool has_data = WaitFor(
      [&] {
        for (const std::string& gate : gates) {
          const QueryResult r = api.Query(gate);
          if (!r.ok || r.series == 0) {
            waiting_for = gate + (r.ok ? "" : " (" + r.error + ")");
            return false;
          }
        }
        return true;
      },
      seconds(150), [&] { return workload.Exited() || prometheus.Exited(); });
  ASSERT_TRUE(has_data) << "still waiting for " << waiting_for << "\nworkload:\n"
                        << workload.LogTail() << "\nprometheus:\n"
                        << prometheus.LogTail();

  // Every dashboard query runs; the core dashboards' panels have data.
  std::vector<std::pair<std::string, std::string>> variable_queries;
  const std::vector<PanelQuery> panels = DashboardQueries(&variable_queries);
  ASSERT_GE(panels.size(), 50U);
  for (const PanelQuery& panel : panels) {
    SCOPED_TRACE(panel.dashboard + " / " + panel.panel);
    size_t series = 0;
    for (const std::string& expr : panel.exprs) {
      EXPECT_EQ(expr.find('$'), std::string::npos) << "unresolved variable in " << expr;
      const QueryResult r = api.Query(expr);
      EXPECT_TRUE(r.ok) << expr << "\n" << r.error;
      series += r.series;
    }
    if (kCoreDashboards.contains(panel.dashboard) && !panel.docker_only) {
      std::ostringstream exprs;
      for (const std::string& expr : panel.exprs) exprs << "\n  " << expr;
      EXPECT_GT(series, 0U) << "core panel without data:" << exprs.str();
    }
  }
  for (const auto& [dashboard, expr] : variable_queries) {
    SCOPED_TRACE(dashboard + " variable: " + expr);
    const QueryResult r = api.Query(expr);
    EXPECT_TRUE(r.ok) << r.error;
    if (kCoreDashboards.contains(dashboard)) {
      EXPECT_GT(r.series, 0U);
    }
  }

  // Every rule expression runs, and Prometheus evaluates every rule cleanly.
  const auto rules = RuleExpressions();
  ASSERT_GE(rules.size(), 20U);
  for (const auto& [name, expr] : rules) {
    const QueryResult r = api.Query(expr);
    EXPECT_TRUE(r.ok) << name << ": " << expr << "\n" << r.error;
  }
  const json loaded = api.Get("/api/v1/rules");
  ASSERT_TRUE(loaded.is_object()) << "GET /api/v1/rules failed";
  size_t evaluated = 0;
  for (const json& group : loaded.at("data").at("groups")) {
    for (const json& rule : group.at("rules")) {
      SCOPED_TRACE(rule.value("name", "?"));
      EXPECT_NE(rule.value("health", ""), "err") << rule.value("lastError", "");
      evaluated += rule.value("health", "") == "ok" ? 1 : 0;
    }
  }
  EXPECT_EQ(evaluated, rules.size()) << "not every rule file was loaded and evaluated";

  // Prometheus saw the workload as a healthy target.
  const QueryResult up = api.Query("up{job=\"workload\"} == 1");
  EXPECT_TRUE(up.ok && up.series == 1) << up.error;
}

}  // namespace
