// The full onboarding system's business metrics, Lambda metrics and logs
// (onboarding_telemetry.h), and its onboarding.lambda / onboarding.<step>
// error_rate and slow_dependency faults, driven through RunSimulation and read
// back from the files it writes.
#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"
#include "workload/full_system_options.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/core/collector_config.h"
#include "tflo/core/otlp_file.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {
namespace {

using tflo::testing::ReadFile;
using tflo::testing::TempDir;
using Json = nlohmann::json;
namespace fs = std::filesystem;

SimulationOptions FullOptions(const fs::path& out, uint64_t seed = 1) {
  SimulationOptions options = testing::FullSystemOptions(out, seed, /*health_checks_per_second=*/1,
                                                         /*lookups_per_second=*/1);
  options.onboarding.compliance_rejection_rate = 0.02;
  return options;
}

FaultSpec Fault(FaultSpec::Kind kind, std::string target, std::chrono::seconds start,
                std::chrono::seconds end) {
  FaultSpec f;
  f.kind = kind;
  f.target = std::move(target);
  f.start = start;
  f.end = end;
  return f;
}

Json Truth(const fs::path& dir) { return Json::parse(ReadFile(dir / "ground_truth.json")); }

const Json& Operation(const Json& truth, const std::string& service, const std::string& name) {
  for (const Json& op : truth["operations"]) {
    if (op["service"] == service && op["operation"] == name) return op;
  }
  static const Json kNone = Json{{"count", 0}, {"errors", 0}, {"p95_ms", 0.0}};
  return kNone;
}

std::string Str(const core::Attributes& attributes, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(attributes, key);
  return v != nullptr ? v->ToString() : "<missing>";
}

// One metric point as the last business scrape reported it.
struct Point {
  std::string service;  // resource service.name
  std::string unit;
  std::map<std::string, std::string> labels;
  double value = 0;           // Sum points
  uint64_t count = 0;         // Histogram points
  std::vector<double> bounds;  // Histogram points
};

// The points of the last metrics record that carries the onboarding
// services' metrics, by metric name.
std::map<std::string, std::vector<Point>> LastBusinessScrape(const fs::path& dir) {
  std::map<std::string, std::vector<Point>> last;
  const Status status = core::ReadMetricsFile(dir / "metrics.jsonl", [&](core::MetricsData&& data) {
    std::map<std::string, std::vector<Point>> points;
    for (const auto& rm : data.resource_metrics) {
      const std::string service = Str(rm.resource.attributes, "service.name");
      if (service != "onboarding-api" && service != "onboarding-lambda") continue;
      for (const auto& sm : rm.scope_metrics) {
        for (const auto& metric : sm.metrics) {
          std::vector<Point>& out = points[metric.name];
          auto labels = [](const core::Attributes& a) {
            std::map<std::string, std::string> m;
            for (const auto& kv : a) m[kv.key.str()] = kv.value.ToString();
            return m;
          };
          if (const auto* sum = std::get_if<core::Sum>(&metric.data)) {
            EXPECT_TRUE(sum->is_monotonic) << metric.name;
            for (const auto& p : sum->data_points) {
              out.push_back({service, metric.unit, labels(p.attributes), p.AsDouble(), 0, {}});
            }
          } else if (const auto* h = std::get_if<core::Histogram>(&metric.data)) {
            for (const auto& p : h->data_points) {
              out.push_back({service, metric.unit, labels(p.attributes), 0, p.count,
                             p.explicit_bounds});
            }
          } else {
            ADD_FAILURE() << metric.name << " is neither a Sum nor a Histogram";
          }
        }
      }
    }
    if (!points.empty()) last = std::move(points);
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return last;
}

// Sum of the values (or histogram counts) of `name` over the points whose
// labels include `match`.
double Total(const std::map<std::string, std::vector<Point>>& scrape, const std::string& name,
             const std::map<std::string, std::string>& match = {}) {
  const auto it = scrape.find(name);
  if (it == scrape.end()) {
    ADD_FAILURE() << "no metric " << name;
    return -1;
  }
  double total = 0;
  for (const Point& p : it->second) {
    const bool matches = std::all_of(match.begin(), match.end(), [&](const auto& kv) {
      const auto l = p.labels.find(kv.first);
      return l != p.labels.end() && l->second == kv.second;
    });
    if (!matches) continue;
    total += p.bounds.empty() ? p.value : static_cast<double>(p.count);
  }
  return total;
}

uint64_t U(const Json& j) { return j.get<uint64_t>(); }

struct FileSpan {
  std::string service;
  core::Span span;
};

std::vector<FileSpan> ReadSpans(const fs::path& dir) {
  std::vector<FileSpan> spans;
  const Status status = core::ReadTracesFile(dir / "traces.jsonl", [&](core::TracesData&& data) {
    for (auto& rs : data.resource_spans) {
      const std::string service = Str(rs.resource.attributes, "service.name");
      for (auto& ss : rs.scope_spans) {
        for (auto& span : ss.spans) spans.push_back({service, std::move(span)});
      }
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return spans;
}

struct FileLog {
  std::string service;
  core::LogRecord record;
};

std::vector<FileLog> ReadLogs(const fs::path& dir) {
  std::vector<FileLog> logs;
  const Status status = core::ReadLogsFile(dir / "logs.jsonl", [&](core::LogsData&& data) {
    for (auto& rl : data.resource_logs) {
      const std::string service = Str(rl.resource.attributes, "service.name");
      for (auto& sl : rl.scope_logs) {
        for (auto& record : sl.log_records) logs.push_back({service, std::move(record)});
      }
    }
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.message();
  return logs;
}

std::string Key(const core::TraceId& t, const core::SpanId& s) {
  return core::ToHex(t) + "/" + core::ToHex(s);
}

TEST(OnboardingTelemetryTest, MetricsCarryTheContractNamesLabelsAndResources) {
  TempDir dir;

  ASSERT_TRUE(RunSimulation(FullOptions(dir.path())).ok());

  const auto scrape = LastBusinessScrape(dir.path());
  const std::map<std::string, std::pair<std::string, std::set<std::string>>> expected = {
      {"onboarding_requests_total", {"onboarding-api", {"customer_type"}}},
      {"onboarding_success_total", {"onboarding-api", {"customer_type"}}},
      {"onboarding_failures_total", {"onboarding-api", {"customer_type", "reason"}}},
      {"onboarding_duration_seconds", {"onboarding-api", {"customer_type"}}},
      {"compliance_checks_total", {"onboarding-lambda", {"check", "outcome"}}},
      {"lambda_invocations_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_cold_starts_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_errors_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_throttles_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_timeouts_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_duration_seconds", {"onboarding-lambda", {"function_name"}}},
      {"lambda_init_duration_seconds", {"onboarding-lambda", {"function_name"}}},
      {"lambda_billed_gb_seconds_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_cost_usd_total", {"onboarding-lambda", {"function_name"}}},
      {"lambda_records_processed_total", {"onboarding-lambda", {"function_name", "outcome"}}},
      {"lambda_sdk_spans_dropped_total", {"onboarding-lambda", {"function_name", "reason"}}},
      {"sqs_messages_sent_total", {"onboarding-lambda", {"queue_name"}}},
      {"sqs_messages_dead_lettered_total", {"onboarding-lambda", {"queue_name"}}},
  };
  std::set<std::string> names;
  for (const auto& [name, points] : scrape) names.insert(name);
  std::set<std::string> expected_names;
  for (const auto& [name, spec] : expected) expected_names.insert(name);
  EXPECT_EQ(names, expected_names);
  for (const auto& [name, spec] : expected) {
    ASSERT_EQ(scrape.count(name), 1U) << name;
    for (const Point& p : scrape.at(name)) {
      EXPECT_EQ(p.service, spec.first) << name;
      std::set<std::string> keys;
      for (const auto& [k, v] : p.labels) keys.insert(k);
      EXPECT_EQ(keys, spec.second) << name;
      if (keys.count("function_name") != 0) {
        EXPECT_EQ(p.labels.at("function_name"), "onboarding-lambda");
      }
      if (keys.count("queue_name") != 0) {
        EXPECT_EQ(p.labels.at("queue_name"), "onboarding-queue");
      }
    }
  }
  // Every label value the contract names is reported (counters start at 0).
  std::set<std::string> reasons, checks, outcomes, drop_reasons, record_outcomes;
  for (const Point& p : scrape.at("onboarding_failures_total")) {
    reasons.insert(p.labels.at("reason"));
  }
  for (const Point& p : scrape.at("compliance_checks_total")) {
    checks.insert(p.labels.at("check"));
    outcomes.insert(p.labels.at("outcome"));
  }
  for (const Point& p : scrape.at("lambda_sdk_spans_dropped_total")) {
    drop_reasons.insert(p.labels.at("reason"));
  }
  for (const Point& p : scrape.at("lambda_records_processed_total")) {
    record_outcomes.insert(p.labels.at("outcome"));
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"compliance", "dlq", "processing", "timeout",
                                            "validation"}));
  EXPECT_EQ(checks, (std::set<std::string>{"aml", "kyc", "pep", "sanctions"}));
  EXPECT_EQ(outcomes, (std::set<std::string>{"error", "fail", "pass"}));
  EXPECT_EQ(drop_reasons, (std::set<std::string>{"freeze", "queue_full"}));
  EXPECT_EQ(record_outcomes, (std::set<std::string>{"failure", "success"}));
  EXPECT_EQ(scrape.at("onboarding_duration_seconds").front().unit, "s");
  EXPECT_EQ(scrape.at("onboarding_duration_seconds").front().bounds,
            (std::vector<double>{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 120}));
  const std::vector<double> lambda_bounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900};
  EXPECT_EQ(scrape.at("lambda_duration_seconds").front().bounds, lambda_bounds);
  EXPECT_EQ(scrape.at("lambda_init_duration_seconds").front().bounds, lambda_bounds);
}

TEST(OnboardingTelemetryTest, CountersMatchTheGroundTruthAndTheTraces) {
  TempDir dir;
  std::vector<FaultSpec> specs = {Fault(FaultSpec::Kind::kThrottling, "onboarding.lambda",
                                        std::chrono::seconds(0), std::chrono::seconds(0))};
  specs.back().probability = 0.2;
  const FaultSet faults(specs);
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.faults = &faults;
  options.onboarding.step_error_rates = {{"dynamodb", 0.5}, {"kyc", 0.2}};
  options.onboarding.aws_max_attempts = 2;
  options.onboarding.compliance_rejection_rate = 0.05;
  options.onboarding.event_source_mapping.report_batch_item_failures = true;
  options.onboarding.lambda.max_receive_count = 2;
  // Long enough that retries with backoff never reach it (no timeouts here).
  options.onboarding.lambda_function.timeout = std::chrono::seconds(60);

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  const Json truth = Truth(dir.path());
  const Json& lambda = truth["lambda"];
  const auto m = LastBusinessScrape(dir.path());
  // The Lambda platform counters are the model's.
  EXPECT_EQ(Total(m, "lambda_invocations_total"), U(lambda["invocations"]));
  EXPECT_EQ(Total(m, "lambda_cold_starts_total"), U(lambda["cold_starts"]));
  EXPECT_EQ(Total(m, "lambda_throttles_total"), U(lambda["throttles"]));
  EXPECT_EQ(Total(m, "lambda_timeouts_total"), U(lambda["timeouts"]));
  EXPECT_EQ(Total(m, "lambda_errors_total"), U(lambda["function_errors"]) + U(lambda["timeouts"]));
  EXPECT_EQ(Total(m, "lambda_records_processed_total", {{"outcome", "success"}}),
            U(lambda["messages_deleted"]));
  EXPECT_EQ(Total(m, "lambda_records_processed_total", {{"outcome", "failure"}}),
            U(lambda["records_failed"]));
  EXPECT_EQ(Total(m, "sqs_messages_dead_lettered_total"), U(lambda["messages_dead_lettered"]));
  EXPECT_EQ(Total(m, "sqs_messages_sent_total"), U(truth["propagation"]["messages_sent"]));
  EXPECT_NEAR(Total(m, "lambda_billed_gb_seconds_total"),
              lambda["billing"]["gb_seconds"].get<double>(), 1e-9);
  EXPECT_NEAR(Total(m, "lambda_cost_usd_total"), lambda["billing"]["cost_usd"].get<double>(),
              1e-12);
  EXPECT_EQ(Total(m, "lambda_duration_seconds"), U(lambda["invocations"]));
  EXPECT_EQ(Total(m, "lambda_init_duration_seconds"), U(lambda["cold_starts"]));
  EXPECT_GT(U(lambda["throttles"]), 0U);
  EXPECT_GT(U(lambda["messages_dead_lettered"]), 0U);
  EXPECT_GT(U(lambda["records_failed"]), U(lambda["messages_dead_lettered"]));

  // Business counters against the spans the run generated.
  const double requests = Total(m, "onboarding_requests_total");
  EXPECT_EQ(requests, U(Operation(truth, "onboarding-api", "POST /onboard")["count"]));
  EXPECT_EQ(requests, summary->requests);
  size_t status_400 = 0;
  for (const FileSpan& s : ReadSpans(dir.path())) {
    if (s.span.name == "POST /onboard" &&
        Str(s.span.attributes, "http.response.status_code") == "400") {
      ++status_400;
    }
  }
  EXPECT_GT(status_400, 0U);
  EXPECT_EQ(Total(m, "onboarding_failures_total", {{"reason", "validation"}}), status_400);
  // Failed deliveries of records whose step failed after its retries.
  EXPECT_EQ(Total(m, "onboarding_failures_total", {{"reason", "processing"}}),
            U(Operation(truth, "onboarding-lambda", "sqs.process")["errors"]));
  EXPECT_EQ(Total(m, "onboarding_failures_total", {{"reason", "timeout"}}), 0);
  EXPECT_EQ(Total(m, "onboarding_failures_total", {{"reason", "dlq"}}),
            U(lambda["messages_dead_lettered"]));
  const double compliance = Total(m, "onboarding_failures_total", {{"reason", "compliance"}});
  EXPECT_GT(compliance, 0);
  // A deleted message is a success or a compliance rejection.
  EXPECT_EQ(Total(m, "onboarding_success_total") + compliance, U(lambda["messages_deleted"]));
  // Every request finished exactly once, and its end-to-end duration was recorded.
  const double finished = Total(m, "onboarding_success_total") + compliance + status_400 +
                          Total(m, "onboarding_failures_total", {{"reason", "dlq"}});
  EXPECT_EQ(finished, requests);
  EXPECT_EQ(Total(m, "onboarding_duration_seconds"), requests);
  const Json& onboarding = truth["onboarding"];
  EXPECT_EQ(U(onboarding["requests"]), requests);
  EXPECT_EQ(U(onboarding["finished"]), requests);
  EXPECT_EQ(U(onboarding["succeeded"]), Total(m, "onboarding_success_total"));
  for (const char* reason : {"validation", "compliance", "processing", "timeout", "dlq"}) {
    EXPECT_EQ(U(onboarding["failures"][reason]),
              Total(m, "onboarding_failures_total", {{"reason", reason}}))
        << reason;
  }
  // Compliance outcomes: one per check call (attempt), errors as the spans say.
  const std::map<std::string, std::string> spans = {
      {"kyc", "kyc_check"}, {"aml", "aml_screening"}, {"sanctions", "sanctions_screening"},
      {"pep", "pep_screening"}};
  for (const auto& [check, span_name] : spans) {
    const Json& op = Operation(truth, "onboarding-lambda", span_name);
    EXPECT_EQ(Total(m, "compliance_checks_total", {{"check", check}}), U(op["count"])) << check;
    EXPECT_EQ(Total(m, "compliance_checks_total", {{"check", check}, {"outcome", "error"}}),
              U(op["errors"]))
        << check;
    EXPECT_EQ(U(onboarding["compliance_checks"][check]["fail"]),
              Total(m, "compliance_checks_total", {{"check", check}, {"outcome", "fail"}}));
  }
  EXPECT_GT(Total(m, "compliance_checks_total", {{"check", "kyc"}, {"outcome", "error"}}), 0);
  // A rejected record whose status update then failed was processed again.
  EXPECT_GE(Total(m, "compliance_checks_total", {{"outcome", "fail"}}), compliance);
}

TEST(OnboardingTelemetryTest, LogsAreCorrelatedWithTheGeneratedSpans) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.step_error_rates = {{"s3", 0.3}};
  options.onboarding.compliance_rejection_rate = 0.05;
  options.onboarding.event_source_mapping.report_batch_item_failures = true;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  const std::vector<FileSpan> spans = ReadSpans(dir.path());
  ASSERT_EQ(spans.size(), summary->spans_generated);  // sampling off, nothing dropped
  std::set<std::string> span_keys;
  for (const FileSpan& s : spans) span_keys.insert(Key(s.span.trace_id, s.span.span_id));
  const std::vector<FileLog> logs = ReadLogs(dir.path());
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs.size(), summary->log_records);
  EXPECT_EQ(U(Truth(dir.path())["logs"]["records_written"]), logs.size());
  std::map<std::string, size_t> events;
  for (const FileLog& log : logs) {
    const core::LogRecord& r = log.record;
    ++events[r.event_name];
    EXPECT_TRUE(log.service == "onboarding-api" || log.service == "onboarding-lambda");
    // Correlated: the record names a span that was generated and delivered.
    EXPECT_EQ(span_keys.count(Key(r.trace_id, r.span_id)), 1U) << r.event_name;
    EXPECT_EQ(r.flags, 1U);  // sampled
    const std::map<int, std::string> levels = {{9, "INFO"}, {13, "WARN"}, {17, "ERROR"}};
    ASSERT_EQ(levels.count(r.severity_number), 1U) << r.severity_number;
    EXPECT_EQ(r.severity_text, levels.at(r.severity_number));
    EXPECT_NE(Str(r.attributes, "customer_id"), "<missing>") << r.event_name;
    EXPECT_NE(Str(r.attributes, "customer_type"), "<missing>") << r.event_name;
    EXPECT_NE(Str(r.attributes, "outcome"), "<missing>") << r.event_name;
    if (log.service == "onboarding-lambda") {
      EXPECT_NE(Str(r.attributes, "faas.invocation_id"), "<missing>") << r.event_name;
    }
  }
  const auto m = LastBusinessScrape(dir.path());
  // One line per request at the API; one per record outcome in the Lambda.
  size_t accepted = 0;
  for (const FileSpan& s : spans) {
    if (s.span.name == "POST /onboard" &&
        Str(s.span.attributes, "http.response.status_code") == "202") {
      ++accepted;
    }
  }
  EXPECT_EQ(events["onboarding.request.accepted"], accepted);
  EXPECT_EQ(events["onboarding.request.rejected"],
            Total(m, "onboarding_failures_total", {{"reason", "validation"}}));
  EXPECT_EQ(events["onboarding.completed"], Total(m, "onboarding_success_total"));
  EXPECT_EQ(events["onboarding.compliance.rejected"],
            Total(m, "onboarding_failures_total", {{"reason", "compliance"}}));
  EXPECT_EQ(events["onboarding.step.failed"],
            Total(m, "onboarding_failures_total", {{"reason", "processing"}}));
  EXPECT_GT(events["onboarding.step.retry"], 0U);
  EXPECT_GT(events["onboarding.compliance.rejected"], 0U);
  // A WARN per failed attempt followed by a retry, an ERROR after the last one.
  const Json s3 = Operation(Truth(dir.path()), "onboarding-lambda", "S3.PutObject");
  EXPECT_EQ(events["onboarding.step.retry"] + events["onboarding.step.failed"], U(s3["errors"]));
}

TEST(OnboardingTelemetryTest, TimeoutsAndDeadLettersAreCountedAndLogged) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.lambda_function.timeout = std::chrono::seconds(1);
  options.onboarding.event_source_mapping.batch_size = 10;
  options.onboarding.event_source_mapping.maximum_batching_window = std::chrono::seconds(2);
  options.onboarding.lambda.max_receive_count = 2;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().message();
  const Json truth = Truth(dir.path());
  const Json& lambda = truth["lambda"];
  const auto m = LastBusinessScrape(dir.path());
  ASSERT_GT(U(lambda["timeouts"]), 0U);
  ASSERT_GT(U(lambda["messages_dead_lettered"]), 0U);
  EXPECT_EQ(Total(m, "lambda_timeouts_total"), U(lambda["timeouts"]));
  EXPECT_GT(Total(m, "onboarding_failures_total", {{"reason", "timeout"}}), 0);
  EXPECT_EQ(Total(m, "onboarding_failures_total", {{"reason", "dlq"}}),
            U(lambda["messages_dead_lettered"]));
  // Checks cut by a kill count as errors, checks never started do not count:
  // the outcomes still add up to the spans the run generated.
  for (const auto& [check, span_name] :
       std::map<std::string, std::string>{{"kyc", "kyc_check"}, {"pep", "pep_screening"}}) {
    EXPECT_EQ(Total(m, "compliance_checks_total", {{"check", check}}),
              U(Operation(truth, "onboarding-lambda", span_name)["count"]))
        << check;
  }
  const double requests = Total(m, "onboarding_requests_total");
  EXPECT_EQ(Total(m, "onboarding_duration_seconds"), requests);
  EXPECT_EQ(U(truth["onboarding"]["finished"]), requests);
  size_t runtime_lines = 0;
  size_t dead_letter_lines = 0;
  for (const FileLog& log : ReadLogs(dir.path())) {
    if (log.record.event_name == "lambda.invocation.timeout") {
      ++runtime_lines;
      EXPECT_EQ(log.record.severity_text, "ERROR");
      EXPECT_EQ(log.record.trace_id, core::TraceId{});  // the runtime's line has no context
      EXPECT_EQ(log.record.body.ToString(), "Task timed out after 1.00 seconds");
    }
    if (log.record.event_name == "onboarding.dead_lettered") {
      ++dead_letter_lines;
      EXPECT_NE(log.record.trace_id, core::TraceId{});  // the producer's context
    }
  }
  EXPECT_EQ(runtime_lines, U(lambda["timeouts"]));
  EXPECT_EQ(dead_letter_lines, U(lambda["messages_dead_lettered"]));
}

// error_rate 1.0 during [1 s, 3 s) on `target`: step attempts fail exactly
// when they start inside the window. (Two seconds: with up to 3 attempts and
// backoffs of up to 1 s and 2 s, a record fails for good only if all its
// attempts start inside; one second left that to the luck of the draws.)
void ExpectFailuresOnlyInWindow(const std::string& target, const std::set<std::string>& steps) {
  TempDir dir;
  std::vector<FaultSpec> specs = {Fault(FaultSpec::Kind::kErrorRate, target,
                                        std::chrono::seconds(1), std::chrono::seconds(3))};
  specs.back().probability = 1.0;
  const FaultSet faults(specs);
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.faults = &faults;
  options.onboarding.validation_error_rate = 0;
  options.onboarding.compliance_rejection_rate = 0;
  options.onboarding.event_source_mapping.report_batch_item_failures = true;
  options.onboarding.lambda_function.timeout = std::chrono::seconds(60);  // no timeouts

  ASSERT_TRUE(RunSimulation(options).ok());

  const uint64_t start = options.start_unix_nano;
  const uint64_t from = start + 1000000000ULL;
  const uint64_t to = start + 3000000000ULL;
  size_t failed = 0;
  size_t in_window = 0;
  for (const FileSpan& s : ReadSpans(dir.path())) {
    const std::string step = Str(s.span.attributes, "onboarding.step");
    if (s.service != "onboarding-lambda" || step == "<missing>") continue;
    const bool inside = s.span.start_time_unix_nano >= from && s.span.start_time_unix_nano < to;
    const bool error = s.span.status.code == core::StatusCode::kError;
    if (steps.count(step) == 0) {
      EXPECT_FALSE(error) << target << ": " << s.span.name;
      continue;
    }
    EXPECT_EQ(error, inside) << target << ": " << s.span.name;
    failed += error ? 1 : 0;
    in_window += inside ? 1 : 0;
  }
  EXPECT_GT(failed, 0U) << target;
  EXPECT_EQ(failed, in_window) << target;
  const auto m = LastBusinessScrape(dir.path());
  EXPECT_GT(Total(m, "onboarding_failures_total", {{"reason", "processing"}}), 0) << target;
}

TEST(OnboardingTelemetryTest, ErrorRateFaultsFailStepsOnlyInTheirWindow) {
  ExpectFailuresOnlyInWindow("onboarding.aml", {"aml"});
  ExpectFailuresOnlyInWindow("onboarding.lambda",
                             {"validation", "enrichment", "kyc", "aml", "sanctions", "pep", "audit",
                              "s3", "dynamodb", "notification", "workflow"});
}

// p95 (ms) of `operation` in the ground truth of a run with `faults`.
double StepP95(const FaultSet* faults, const std::string& operation) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path(), 3);
  options.window = std::chrono::seconds(10);
  options.onboarding.faults = faults;
  EXPECT_TRUE(RunSimulation(options).ok());
  return Operation(Truth(dir.path()), "onboarding-lambda", operation)["p95_ms"].get<double>();
}

TEST(OnboardingTelemetryTest, SlowDependencyRaisesTheStepLatencyByItsExtraLatency) {
  const double base_pep = StepP95(nullptr, "pep_screening");
  const double base_update = StepP95(nullptr, "DynamoDB.UpdateItem");
  std::vector<FaultSpec> on_step = {Fault(FaultSpec::Kind::kSlowDependency, "onboarding.pep",
                                          std::chrono::seconds(0), std::chrono::seconds(0))};
  on_step.back().extra_latency = std::chrono::milliseconds(500);
  std::vector<FaultSpec> on_lambda = {Fault(FaultSpec::Kind::kSlowDependency, "onboarding.lambda",
                                            std::chrono::seconds(0), std::chrono::seconds(0))};
  on_lambda.back().extra_latency = std::chrono::milliseconds(100);
  const FaultSet step_faults(on_step);
  const FaultSet lambda_faults(on_lambda);

  const double slow_pep = StepP95(&step_faults, "pep_screening");
  const double lambda_pep = StepP95(&lambda_faults, "pep_screening");
  const double lambda_update = StepP95(&lambda_faults, "DynamoDB.UpdateItem");

  // Every call is slower by the extra latency: the p95 moves by about as much
  // (the draws differ a little once the timing of the batches changes).
  EXPECT_NEAR(slow_pep - base_pep, 500, 25);
  EXPECT_NEAR(lambda_pep - base_pep, 100, 25);
  EXPECT_NEAR(lambda_update - base_update, 100, 25);
}

TEST(OnboardingTelemetryTest, SameSeedSameBytesWithLogsAndMetrics) {
  TempDir a, b;

  ASSERT_TRUE(RunSimulation(FullOptions(a.path(), 9)).ok());
  ASSERT_TRUE(RunSimulation(FullOptions(b.path(), 9)).ok());

  for (const char* name : {"traces.jsonl", "metrics.jsonl", "logs.jsonl", "ground_truth.json"}) {
    EXPECT_EQ(ReadFile(a.path() / name), ReadFile(b.path() / name)) << name;
  }
}

TEST(OnboardingTelemetryTest, FirstSliceHasNoBusinessTelemetry) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.full_system = false;

  ASSERT_TRUE(RunSimulation(options).ok());

  EXPECT_FALSE(fs::exists(dir.path() / "logs.jsonl"));
  EXPECT_TRUE(LastBusinessScrape(dir.path()).empty());
  EXPECT_FALSE(Truth(dir.path()).contains("onboarding"));
}

}  // namespace
}  // namespace tflo::workload
