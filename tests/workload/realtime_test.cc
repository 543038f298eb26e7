// Real-time mode in process (realtime.h), on 127.0.0.1 with an ephemeral
// port: the simulated APIs answer HTTP requests while the background traffic
// runs, an incoming traceparent is continued in the traces file, /metrics is
// valid Prometheus text with the collector's, the span-metrics and the
// business series, bad bodies get a 400, and a busy port is refused clearly.
#include "tflo/workload/realtime.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"
#include "tflo/workload/runner.h"
#include "tflo/workload/scenario.h"

namespace tflo::workload {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using tflo::testing::TempDir;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentSpanId[] = "00f067aa0ba902b7";

// Roomy (nothing lost) and with a spanmetrics connector flushing every second.
constexpr char kCollector[] = R"(receivers:
  otlp:
    protocols:
      grpc:
processors:
  batch:
    send_batch_size: 512
    timeout: 200ms
connectors:
  spanmetrics:
    metrics_flush_interval: 1s
exporters:
  otlp:
    endpoint: backend:4317
    sending_queue:
      queue_size: 100000
      num_consumers: 16
  prometheus:
    endpoint: 127.0.0.1:8889
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp, spanmetrics]
    metrics:
      receivers: [spanmetrics]
      exporters: [prometheus]
)";

// The shipped onboarding scenario without its faults and random validation
// failures (answers are then predictable), plus coordination at 1 item/s.
SimulationOptions Options(const fs::path& out, std::chrono::nanoseconds window) {
  auto scenario = LoadScenario("onboarding");
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  Scenario s = scenario.ok() ? *scenario : Scenario{};
  s.duration = window;
  auto collector = core::ParseCollectorConfig(kCollector, "collector.yaml");
  EXPECT_TRUE(collector.ok()) << collector.status().message();
  auto options = SimulationOptionsFromScenario(
      s, nullptr, collector.ok() ? *collector : core::CollectorConfig{});
  EXPECT_TRUE(options.ok()) << options.status().message();
  SimulationOptions o = options.ok() ? *options : SimulationOptions{};
  o.onboarding.validation_error_rate = 0;
  o.coordination.enabled = true;
  o.coordination.traffic.rate = 1;
  o.coordination.error_rate = 0;
  o.out_dir = out;
  return o;
}

// Runs RunRealtime on a thread; the test talks to it over HTTP.
class Harness {
 public:
  Harness(SimulationOptions options, std::chrono::nanoseconds metrics_refresh) {
    realtime_.port = 0;
    realtime_.stop = &stop_;
    realtime_.metrics_refresh = metrics_refresh;
    // on_ready runs on the run's own thread, as does the failure path below.
    realtime_.on_ready = [this](int port) {
      ready_called_ = true;
      port_promise_.set_value(port);
    };
    thread_ = std::thread([this, options = std::move(options)]() mutable {
      result_.emplace(RunRealtime(std::move(options), realtime_));
      // A run that failed before it served still lets the test go on.
      if (!ready_called_) port_promise_.set_value(-1);
    });
    auto future = port_promise_.get_future();
    if (future.wait_for(std::chrono::seconds(120)) == std::future_status::ready) {
      port_ = future.get();
    }
  }
  ~Harness() { Stop(); }

  int port() const { return port_; }
  // Stops the run and waits for it; the files are complete afterwards.
  const Result<SimulationSummary>& Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return *result_;
  }

 private:
  RealtimeOptions realtime_;
  std::atomic<bool> stop_{false};
  bool ready_called_ = false;
  std::promise<int> port_promise_;
  int port_ = -1;
  std::thread thread_;
  std::optional<Result<SimulationSummary>> result_;
};

// Checks the Prometheus text format 0.0.4 as a scraper reads it: every line a
// HELP, a TYPE or a sample; one TYPE per family, before its samples; sample
// names belong to the family; no series twice. Returns the family -> type map.
std::map<std::string, std::string> ParsePrometheusText(const std::string& text) {
  std::map<std::string, std::string> types;
  std::set<std::string> series;
  std::string family;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name;
      std::string type;
      fields >> name >> type;
      EXPECT_EQ(types.count(name), 0U) << "second TYPE for " << name;
      EXPECT_THAT((std::set<std::string>{"counter", "gauge", "histogram", "summary", "untyped"}),
                  ::testing::Contains(type))
          << line;
      types[name] = type;
      family = name;
      continue;
    }
    EXPECT_NE(line[0], '#') << line;
    const size_t name_end = line.find_first_of("{ ");
    EXPECT_NE(name_end, std::string::npos) << line;
    if (name_end == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    const bool in_family =
        name == family ||
        (types[family] == "histogram" &&
         (name == family + "_bucket" || name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(in_family) << name << " outside its family " << family;
    const size_t value_start = line.rfind(' ');
    EXPECT_TRUE(series.insert(line.substr(0, value_start)).second) << "duplicate: " << line;
    const std::string value = line.substr(value_start + 1);
    if (value != "+Inf" && value != "-Inf" && value != "NaN") {
      size_t used = 0;
      EXPECT_NO_THROW((void)std::stod(value, &used)) << line;
    }
  }
  return types;
}

// GET /metrics until `needle` shows up (the simulation refreshes the view at
// each of its scrapes), bounded so a broken build fails instead of hanging.
std::string MetricsContaining(httplib::Client& client, const std::string& needle) {
  std::string body;
  for (int attempt = 0; attempt < 600; ++attempt) {
    const auto res = client.Get("/metrics");
    if (res && res->status == 200) {
      body = res->body;
      if (body.find(needle) != std::string::npos) return body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return body;
}

TEST(RealtimeTest, AnswersTheOnboardingApiAndContinuesTheCallersTrace) {
  TempDir tmp;
  Harness harness(Options(tmp.path() / "out", std::chrono::minutes(10)),
                  std::chrono::milliseconds(250));
  ASSERT_GT(harness.port(), 0);
  httplib::Client client("127.0.0.1", harness.port());
  client.set_read_timeout(std::chrono::seconds(30));
  const std::string traceparent = std::string("00-") + kTraceId + "-" + kParentSpanId + "-01";

  const auto onboard = client.Post(
      "/onboard", {{"traceparent", traceparent}, {"baggage", "tenant=acme"}},
      R"({"customer_type": "premium", "customer_id": "RT-TEST-1"})", "application/json");
  const auto health = client.Get("/health");
  const auto lookup = client.Get("/customers/RT-TEST-1");
  const auto unknown = client.Get("/customers/NEVER-SEEN");

  ASSERT_TRUE(onboard);
  EXPECT_EQ(onboard->status, 202) << onboard->body;
  EXPECT_EQ(onboard->get_header_value("X-Trace-Id"), kTraceId);
  EXPECT_THAT(onboard->get_header_value("traceresponse"), HasSubstr(kTraceId));
  const auto body = nlohmann::json::parse(onboard->body);
  EXPECT_EQ(body.at("customer_id"), "RT-TEST-1");
  EXPECT_EQ(body.at("trace_id"), kTraceId);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << health->body;
  EXPECT_FALSE(health->get_header_value("X-Trace-Id").empty());
  ASSERT_TRUE(lookup);
  EXPECT_EQ(lookup->status, 200) << lookup->body;
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;

  const Result<SimulationSummary>& summary = harness.Stop();
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_GT(summary->requests, 0U);
  core::Span server;
  int spans_in_trace = 0;
  const Status read =
      core::ReadTracesFile(tmp.path() / "out" / "traces.jsonl", [&](core::TracesData&& data) {
        for (const auto& rs : data.resource_spans) {
          for (const auto& ss : rs.scope_spans) {
            for (const auto& span : ss.spans) {
              if (core::ToHex(span.trace_id) != kTraceId) continue;
              ++spans_in_trace;
              if (span.name == "POST /onboard") server = span;
            }
          }
        }
        return OkStatus();
      });
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(core::ToHex(server.parent_span_id), kParentSpanId);
  EXPECT_EQ(server.kind, core::SpanKind::kServer);
  EXPECT_NE(core::FindAttribute(server.attributes, "tenant"), nullptr);  // from the baggage
  EXPECT_GT(spans_in_trace, 3);  // validation, enrichment, risk, sqs.send, ...
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "ground_truth.json"));
}

TEST(RealtimeTest, MetricsEndpointServesValidTextWithCollectorSpanMetricsAndBusinessSeries) {
  TempDir tmp;
  Harness harness(Options(tmp.path() / "out", std::chrono::minutes(10)),
                  std::chrono::milliseconds(250));
  ASSERT_GT(harness.port(), 0);
  httplib::Client client("127.0.0.1", harness.port());
  client.set_read_timeout(std::chrono::seconds(30));

  const auto claim =
      client.Post("/work/claim", R"({"team": "payments", "priority": "high"})", "application/json");
  const std::string text = MetricsContaining(client, "traces_span_metrics_calls_total");
  const auto scrape = client.Get("/metrics");

  ASSERT_TRUE(claim);
  EXPECT_EQ(claim->status, 201) << claim->body;
  EXPECT_THAT(claim->get_header_value("baggage"), HasSubstr("work.team=payments"));
  ASSERT_TRUE(scrape);
  EXPECT_THAT(scrape->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  const auto types = ParsePrometheusText(text);
  EXPECT_EQ(types.count("otelcol_receiver_accepted_spans"), 1U) << text;
  EXPECT_EQ(types.count("traces_span_metrics_calls_total"), 1U) << text;
  EXPECT_EQ(types.count("traces_span_metrics_duration_milliseconds"), 1U) << text;
  EXPECT_EQ(types.count("work_items_created_total"), 1U) << text;
  EXPECT_THAT(text, HasSubstr("span_kind=\"SPAN_KIND_SERVER\""));
  EXPECT_THAT(text, HasSubstr("job=\"onboarding/onboarding-api\""));
  EXPECT_TRUE(harness.Stop().ok());
}

TEST(RealtimeTest, BadRequestsGetA400WithAClearMessage) {
  TempDir tmp;
  SimulationOptions options = Options(tmp.path() / "out", std::chrono::minutes(10));
  options.coordination.enabled = false;
  Harness harness(std::move(options), std::chrono::nanoseconds(0));
  ASSERT_GT(harness.port(), 0);
  httplib::Client client("127.0.0.1", harness.port());
  client.set_read_timeout(std::chrono::seconds(30));

  const auto malformed = client.Post("/onboard", "{not json", "application/json");
  const auto bad_type =
      client.Post("/onboard", R"({"customer_type": "platinum"})", "application/json");
  const auto bad_email = client.Post("/onboard", R"({"email": "nope"})", "application/json");
  const auto no_coordination = client.Post("/work/claim", "{}", "application/json");
  const auto nowhere = client.Get("/nowhere");

  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_THAT(malformed->body, HasSubstr("malformed JSON body"));
  ASSERT_TRUE(bad_type);
  EXPECT_EQ(bad_type->status, 400);
  EXPECT_THAT(bad_type->body, HasSubstr("customer_type must be one of"));
  // The API's own validation: a 400 inside a trace.
  ASSERT_TRUE(bad_email);
  EXPECT_EQ(bad_email->status, 400);
  EXPECT_THAT(bad_email->body, HasSubstr("email address is not valid"));
  EXPECT_FALSE(bad_email->get_header_value("X-Trace-Id").empty());
  ASSERT_TRUE(no_coordination);
  EXPECT_EQ(no_coordination->status, 503);
  EXPECT_THAT(no_coordination->body, HasSubstr("does not run the coordination service"));
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->status, 404);
  EXPECT_THAT(nowhere->body, HasSubstr("POST /onboard"));
  EXPECT_TRUE(harness.Stop().ok());
}

TEST(RealtimeTest, EndsByItselfWhenTheWindowHasElapsed) {
  TempDir tmp;
  RealtimeOptions realtime;
  realtime.port = 0;
  int ready_port = -1;
  realtime.on_ready = [&](int port) { ready_port = port; };

  const auto summary = RunRealtime(Options(tmp.path() / "out", std::chrono::seconds(1)), realtime);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_GT(ready_port, 0);
  EXPECT_GE(summary->simulated_seconds, 1.0);
  EXPECT_GT(summary->spans_sent, 0U);
}

TEST(RealtimeTest, ABusyPortIsRefusedNamingTheAddress) {
  // A plain listening socket holds the port.
  const tflo::testing::HeldLoopbackPort holder(/*listen=*/true);
  ASSERT_GT(holder.port(), 0);
  const int port = holder.port();
  TempDir tmp;
  RealtimeOptions realtime;
  realtime.port = port;

  const auto summary = RunRealtime(Options(tmp.path() / "out", std::chrono::seconds(1)), realtime);

  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(summary.status().message(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_FALSE(fs::exists(tmp.path() / "out" / "traces.jsonl"));
}

}  // namespace
}  // namespace tflo::workload
