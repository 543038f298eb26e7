// The full onboarding system (OnboardingScenario::full_system), driven through
// RunSimulation and read back from the files it writes.
#include <algorithm>
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
#include "tflo/workload/lambda_model.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {
namespace {

using tflo::testing::ReadFile;
using tflo::testing::TempDir;
using Json = nlohmann::json;

SimulationOptions FullOptions(const std::filesystem::path& out, uint64_t seed = 1) {
  return testing::FullSystemOptions(out, seed, /*health_checks_per_second=*/2,
                                    /*lookups_per_second=*/5);
}

struct FileSpan {
  const core::Resource* resource;
  core::Span span;
};

struct Traces {
  std::vector<core::Resource> resources;  // stable storage for FileSpan::resource
  std::vector<FileSpan> spans;
};

Traces ReadTraces(const std::filesystem::path& dir) {
  std::vector<core::TracesData> requests;
  const Status status = core::ReadTracesFile(dir / "traces.jsonl", [&](core::TracesData&& data) {
    requests.push_back(std::move(data));
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  Traces out;
  size_t n = 0;
  for (const auto& r : requests) n += r.resource_spans.size();
  out.resources.reserve(n);
  for (auto& r : requests) {
    for (auto& rs : r.resource_spans) {
      out.resources.push_back(rs.resource);
      for (auto& ss : rs.scope_spans) {
        for (auto& span : ss.spans) out.spans.push_back({&out.resources.back(), std::move(span)});
      }
    }
  }
  return out;
}

std::string Str(const core::Attributes& attributes, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(attributes, key);
  return v != nullptr && v->AsString() != nullptr ? *v->AsString() : "<missing>";
}

int64_t Int(const core::Attributes& attributes, const std::string& key) {
  const core::AnyValue* v = core::FindAttribute(attributes, key);
  return v != nullptr && v->AsInt() != nullptr ? *v->AsInt() : -1;
}

std::string Service(const FileSpan& s) { return Str(s.resource->attributes, "service.name"); }

std::string Key(const core::TraceId& t, const core::SpanId& s) {
  return core::ToHex(t) + "/" + core::ToHex(s);
}

Json Truth(const std::filesystem::path& dir) {
  return Json::parse(ReadFile(dir / "ground_truth.json"));
}

TEST(OnboardingServicesTest, FullSystemIsDeterministic) {
  TempDir a, b, c;

  ASSERT_TRUE(RunSimulation(FullOptions(a.path(), 5)).ok());
  ASSERT_TRUE(RunSimulation(FullOptions(b.path(), 5)).ok());
  ASSERT_TRUE(RunSimulation(FullOptions(c.path(), 6)).ok());

  EXPECT_EQ(ReadFile(a.path() / "traces.jsonl"), ReadFile(b.path() / "traces.jsonl"));
  EXPECT_EQ(ReadFile(a.path() / "ground_truth.json"), ReadFile(b.path() / "ground_truth.json"));
  EXPECT_NE(ReadFile(a.path() / "traces.jsonl"), ReadFile(c.path() / "traces.jsonl"));
}

TEST(OnboardingServicesTest, EveryConsumerSpanContinuesItsProducer) {
  TempDir dir;

  auto summary = RunSimulation(FullOptions(dir.path()));

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const Traces traces = ReadTraces(dir.path());
  ASSERT_EQ(traces.spans.size(), summary->spans_generated);  // nothing lost on the way
  std::map<std::string, const FileSpan*> producers;          // trace/span -> sqs.send
  for (const FileSpan& s : traces.spans) {
    if (s.span.kind == core::SpanKind::kProducer) {
      EXPECT_EQ(s.span.name, "sqs.send");
      EXPECT_EQ(Service(s), "onboarding-api");
      producers[Key(s.span.trace_id, s.span.span_id)] = &s;
    }
  }
  size_t consumers = 0;
  for (const FileSpan& s : traces.spans) {
    if (s.span.kind != core::SpanKind::kConsumer) continue;
    ++consumers;
    EXPECT_EQ(s.span.name, "sqs.process");
    EXPECT_EQ(Service(s), "onboarding-lambda");
    const auto it = producers.find(Key(s.span.trace_id, s.span.parent_span_id));
    ASSERT_NE(it, producers.end()) << "a CONSUMER span without its producer";
    EXPECT_EQ(Str(s.span.attributes, "messaging.message.id"),
              Str(it->second->span.attributes, "messaging.message.id"));
    EXPECT_GE(s.span.start_time_unix_nano, it->second->span.end_time_unix_nano);
  }
  EXPECT_GT(consumers, 0U);
  EXPECT_EQ(consumers, producers.size());  // no failure, no redelivery
  const Json truth = Truth(dir.path());
  EXPECT_EQ(truth["propagation"]["messages_sent"].get<size_t>(), producers.size());
  EXPECT_EQ(truth["propagation"]["consumer_spans_with_parent"].get<size_t>(), consumers);
  EXPECT_EQ(truth["propagation"]["messages_without_context"].get<size_t>(), 0U);
}

TEST(OnboardingServicesTest, BatchSpanLinksEveryRecord) {
  TempDir dir;

  ASSERT_TRUE(RunSimulation(FullOptions(dir.path())).ok());

  const Traces traces = ReadTraces(dir.path());
  std::set<std::string> sends;
  std::map<std::string, std::string> send_message_ids;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name == "sqs.send") {
      sends.insert(Key(s.span.trace_id, s.span.span_id));
      send_message_ids[Key(s.span.trace_id, s.span.span_id)] =
          Str(s.span.attributes, "messaging.message.id");
    }
  }
  std::set<std::string> linked;
  size_t batches = 0;
  size_t multi_record_batches = 0;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name != "sqs.process_batch") continue;
    ++batches;
    EXPECT_TRUE(s.span.is_root());
    EXPECT_EQ(s.span.kind, core::SpanKind::kInternal);
    EXPECT_EQ(Str(s.span.attributes, "faas.trigger"), "pubsub");
    EXPECT_NE(Str(s.span.attributes, "faas.invocation_id"), "<missing>");
    EXPECT_EQ(static_cast<size_t>(Int(s.span.attributes, "messaging.batch.message_count")),
              s.span.links.size());
    if (s.span.links.size() > 1) ++multi_record_batches;
    for (const core::SpanLink& link : s.span.links) {
      const std::string key = Key(link.trace_id, link.span_id);
      EXPECT_EQ(sends.count(key), 1U) << "a link to no sqs.send";
      EXPECT_EQ(Str(link.attributes, "messaging.message.id"), send_message_ids[key]);
      EXPECT_TRUE(linked.insert(key).second) << "a message linked twice";
    }
  }
  EXPECT_GT(batches, 0U);
  EXPECT_GT(multi_record_batches, 0U);  // BatchSize 5 with a 1 s window
  EXPECT_EQ(linked, sends);
  const Json truth = Truth(dir.path());
  EXPECT_EQ(truth["lambda"]["batches"].get<size_t>(), batches);
  EXPECT_EQ(truth["lambda"]["invocations"].get<size_t>(), batches);
}

TEST(OnboardingServicesTest, ProcessingStepsAreInstrumentedLikeTheSeeds) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.customer_mix = {{"premium", 1.0}};  // every record notifies SNS too
  options.onboarding.compliance_rejection_rate = 0;     // every record runs every step

  ASSERT_TRUE(RunSimulation(options).ok());

  const Traces traces = ReadTraces(dir.path());
  std::map<std::string, const FileSpan*> process_by_id;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name == "sqs.process") process_by_id[Key(s.span.trace_id, s.span.span_id)] = &s;
  }
  ASSERT_FALSE(process_by_id.empty());
  std::map<std::string, size_t> count;
  for (const FileSpan& s : traces.spans) {
    if (Service(s) != "onboarding-lambda" || s.span.name == "sqs.process" ||
        s.span.name == "sqs.process_batch") {
      continue;
    }
    ++count[s.span.name.str()];
    // Every step is a child of its record's CONSUMER span.
    EXPECT_EQ(process_by_id.count(Key(s.span.trace_id, s.span.parent_span_id)), 1U) << s.span.name;
    const core::Attributes& a = s.span.attributes;
    EXPECT_NE(Str(a, "onboarding.step"), "<missing>") << s.span.name;
    if (s.span.name == "validation" || s.span.name == "enrichment") {
      EXPECT_EQ(s.span.kind, core::SpanKind::kInternal);
      continue;
    }
    EXPECT_EQ(s.span.kind, core::SpanKind::kClient) << s.span.name;
    if (s.span.name.view().find('.') == std::string_view::npos) {  // compliance checks over HTTPS
      EXPECT_EQ(Str(a, "http.request.method"), "POST") << s.span.name;
      EXPECT_EQ(Str(a, "server.address"), "compliance.example.com");
      EXPECT_EQ(Int(a, "http.response.status_code"), 200);
      continue;
    }
    EXPECT_EQ(Str(a, "rpc.system"), "aws-api") << s.span.name;
    EXPECT_EQ(s.span.name, Str(a, "rpc.service") + "." + Str(a, "rpc.method"));
    EXPECT_EQ(Str(a, "cloud.region"), "us-east-1");
    if (Str(a, "rpc.service") == "DynamoDB") {
      EXPECT_EQ(Str(a, "db.system"), "dynamodb");
      EXPECT_EQ(Str(a, "db.operation"), Str(a, "rpc.method"));
      EXPECT_NE(core::FindAttribute(a, "aws.dynamodb.table_names"), nullptr);
    }
    if (Str(a, "rpc.service") == "S3") {
      EXPECT_EQ(Str(a, "aws.s3.bucket"), "onboarding-customer-documents");
      EXPECT_EQ(Str(a, "aws.s3.key").rfind("customers/CUST-", 0), 0U);
    }
    if (Str(a, "rpc.service") == "SNS") {
      EXPECT_EQ(Str(a, "messaging.system"), "aws_sns");
      EXPECT_EQ(Str(a, "messaging.destination.name"), "onboarding-team-notifications");
    }
  }
  const size_t records = process_by_id.size();
  for (const char* name :
       {"validation", "enrichment", "kyc_check", "aml_screening", "sanctions_screening",
        "pep_screening", "DynamoDB.PutItem", "S3.PutObject", "DynamoDB.UpdateItem", "SES.SendEmail",
        "SNS.Publish", "SFN.StartExecution"}) {
    EXPECT_EQ(count[name], records) << name;  // no errors: one attempt of every step
  }
  // The Lambda's resource: cloud.* and faas.* from the function configuration.
  for (const FileSpan& s : traces.spans) {
    if (Service(s) != "onboarding-lambda") continue;
    const core::Attributes& r = s.resource->attributes;
    EXPECT_EQ(Str(r, "cloud.platform"), "aws_lambda");
    EXPECT_EQ(Str(r, "cloud.provider"), "aws");
    EXPECT_EQ(Str(r, "faas.name"), "onboarding-lambda");
    EXPECT_EQ(Int(r, "faas.max_memory"), 512LL * 1024 * 1024);
    EXPECT_EQ(Str(r, "host.arch"), "arm64");
    EXPECT_EQ(Str(r, "faas.instance").rfind("2026/01/01/[$LATEST]", 0), 0U);
    EXPECT_EQ(Str(r, "service.namespace"), "onboarding");
    break;
  }
}

TEST(OnboardingServicesTest, HealthAndCustomerLookups) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.window = std::chrono::seconds(10);
  options.onboarding.lookups_per_second = 20;

  ASSERT_TRUE(RunSimulation(options).ok());

  const Traces traces = ReadTraces(dir.path());
  size_t health = 0;
  std::map<int64_t, size_t> lookups_by_status;
  std::set<std::string> lookup_ids;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name == "GET /health") {
      ++health;
      EXPECT_EQ(s.span.kind, core::SpanKind::kServer);
      EXPECT_EQ(Int(s.span.attributes, "http.response.status_code"), 200);
      EXPECT_EQ(Str(s.span.attributes, "http.route"), "/health");
    }
    if (s.span.name == "GET /customers/{id}") {
      ++lookups_by_status[Int(s.span.attributes, "http.response.status_code")];
      EXPECT_EQ(s.span.status.code, core::StatusCode::kUnset);  // 404 is not a server error
      EXPECT_EQ(Str(s.span.attributes, "http.route"), "/customers/{id}");
      lookup_ids.insert(Key(s.span.trace_id, s.span.span_id));
    }
  }
  size_t get_items = 0;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name != "DynamoDB.GetItem") continue;
    ++get_items;
    EXPECT_EQ(lookup_ids.count(Key(s.span.trace_id, s.span.parent_span_id)), 1U);
  }
  EXPECT_GT(health, 5U);
  EXPECT_GT(lookups_by_status[200], 0U);
  EXPECT_GT(lookups_by_status[404], 0U);
  EXPECT_EQ(get_items, lookups_by_status[200] + lookups_by_status[404]);
}

TEST(OnboardingServicesTest, CustomerMixDecidesTypes) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.customer_mix = {{"standard", 0}, {"enterprise", 1}};

  ASSERT_TRUE(RunSimulation(options).ok());

  size_t onboards = 0;
  for (const FileSpan& s : ReadTraces(dir.path()).spans) {
    if (s.span.name == "POST /onboard") {
      ++onboards;
      EXPECT_EQ(Str(s.span.attributes, "customer.type"), "enterprise");
    }
  }
  EXPECT_GT(onboards, 0U);
}

TEST(OnboardingServicesTest, FailedAwsCallsAreRetriedWithBackoff) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.step_error_rates = {{"dynamodb", 0.5}};
  options.onboarding.aws_max_attempts = 3;
  options.onboarding.event_source_mapping.report_batch_item_failures = true;

  ASSERT_TRUE(RunSimulation(options).ok());

  const Traces traces = ReadTraces(dir.path());
  // The UpdateItem attempts of each record, in order.
  std::map<std::string, std::vector<const core::Span*>> attempts;
  std::map<std::string, const core::Span*> process_by_id;
  for (const FileSpan& s : traces.spans) {
    if (s.span.name == "DynamoDB.UpdateItem") {
      attempts[Key(s.span.trace_id, s.span.parent_span_id)].push_back(&s.span);
    }
    if (s.span.name == "sqs.process") process_by_id[Key(s.span.trace_id, s.span.span_id)] = &s.span;
  }
  size_t retried = 0;
  size_t exhausted = 0;
  for (auto& [parent, list] : attempts) {
    std::sort(list.begin(), list.end(), [](const core::Span* a, const core::Span* b) {
      return a->start_time_unix_nano < b->start_time_unix_nano;
    });
    ASSERT_LE(list.size(), 3U);
    for (size_t i = 0; i < list.size(); ++i) {
      const core::AnyValue* resend =
          core::FindAttribute(list[i]->attributes, "http.request.resend_count");
      if (i == 0) {
        EXPECT_EQ(resend, nullptr);
      } else {
        ASSERT_NE(resend, nullptr);
        EXPECT_EQ(*resend->AsInt(), static_cast<int64_t>(i));
        // The previous attempt failed, and the retry waited for it.
        EXPECT_EQ(list[i - 1]->status.code, core::StatusCode::kError);
        EXPECT_EQ(Str(list[i - 1]->attributes, "error.type"),
                  "ProvisionedThroughputExceededException");
        EXPECT_GE(list[i]->start_time_unix_nano, list[i - 1]->end_time_unix_nano);
        ++retried;
      }
    }
    const core::Span* process = process_by_id.at(parent);
    const bool all_failed =
        list.size() == 3 && list.back()->status.code == core::StatusCode::kError;
    if (all_failed) {
      ++exhausted;
      EXPECT_EQ(process->status.code, core::StatusCode::kError);
      EXPECT_EQ(Str(process->attributes, "error.type"), "botocore.exceptions.ClientError");
    } else {
      EXPECT_EQ(list.back()->status.code, core::StatusCode::kUnset);
    }
  }
  EXPECT_GT(retried, 0U);
  EXPECT_GT(exhausted, 0U);  // 1 in 8 records at 50 % per attempt
  const Json truth = Truth(dir.path());
  // Failed records came back (ReportBatchItemFailures) and were processed again.
  EXPECT_GT(truth["lambda"]["redeliveries"].get<uint64_t>(), 0U);
  EXPECT_EQ(truth["lambda"]["records_failed"].get<uint64_t>(), exhausted);
}

TEST(OnboardingServicesTest, TimeoutsLoseSpansAndAreCounted) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.lambda_function.timeout = std::chrono::seconds(1);
  options.onboarding.event_source_mapping.batch_size = 10;
  options.onboarding.event_source_mapping.maximum_batching_window = std::chrono::seconds(2);
  options.onboarding.lambda.max_receive_count = 2;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const Json truth = Truth(dir.path());
  const Json& lambda = truth["lambda"];
  EXPECT_GT(lambda["timeouts"].get<uint64_t>(), 0U);
  EXPECT_GT(lambda["spans"]["open_at_timeout"].get<uint64_t>(), 0U);
  EXPECT_GT(lambda["spans"]["lost_timeout"].get<uint64_t>(), 0U);
  EXPECT_GT(lambda["messages_dead_lettered"].get<uint64_t>(), 0U);
  EXPECT_LT(summary->spans_sent, summary->spans_generated);
  bool timed_out_process = false;
  for (const Json& op : truth["operations"]) {
    if (op["operation"] == "sqs.process") {
      EXPECT_LT(op["delivered_count"].get<uint64_t>(), op["count"].get<uint64_t>());
      timed_out_process = op["errors"].get<uint64_t>() > 0;
    }
  }
  EXPECT_TRUE(timed_out_process);
}

TEST(OnboardingServicesTest, WithoutForceFlushFrozenSpansAreLostWhenReaped) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.lambda.force_flush = false;
  options.onboarding.lambda.idle_reap_after = 500 * kMillisecond;
  options.onboarding.requests_per_second = 2;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const Json spans = Truth(dir.path())["lambda"]["spans"];
  EXPECT_GT(spans["lost_reaped"].get<uint64_t>(), 0U);
  EXPECT_EQ(spans["ended"].get<uint64_t>(),
            spans["exported"].get<uint64_t>() + spans["dropped_queue_full"].get<uint64_t>() +
                spans["lost_export_timeout"].get<uint64_t>() +
                spans["lost_timeout"].get<uint64_t>() + spans["lost_reaped"].get<uint64_t>() +
                spans["frozen_at_shutdown"].get<uint64_t>());
  EXPECT_LT(summary->spans_sent, summary->spans_generated);
}

TEST(OnboardingServicesTest, GroundTruthCarriesCostsAndConfig) {
  TempDir dir;

  ASSERT_TRUE(RunSimulation(FullOptions(dir.path())).ok());

  const Json lambda = Truth(dir.path())["lambda"];
  const Json& billing = lambda["billing"];
  const uint64_t invocations = lambda["invocations"].get<uint64_t>();
  ASSERT_GT(invocations, 0U);
  EXPECT_DOUBLE_EQ(billing["request_cost_usd"].get<double>(),
                   static_cast<double>(invocations) * kLambdaPricePerRequest);
  EXPECT_NEAR(billing["compute_cost_usd"].get<double>(),
              billing["gb_seconds"].get<double>() * kLambdaArm64PricePerGbSecond, 1e-15);
  EXPECT_DOUBLE_EQ(
      billing["cost_usd"].get<double>(),
      billing["compute_cost_usd"].get<double>() + billing["request_cost_usd"].get<double>());
  EXPECT_DOUBLE_EQ(billing["price_per_gb_second"].get<double>(), kLambdaArm64PricePerGbSecond);
  EXPECT_GT(billing["flush_ms"].get<double>(), 0.0);
  EXPECT_GE(lambda["cold_starts"].get<uint64_t>(), 1U);
  EXPECT_EQ(lambda["config"]["memory_mb"].get<int64_t>(), 512);
  EXPECT_EQ(lambda["config"]["architecture"], "arm64");
  EXPECT_EQ(lambda["config"]["batch_size"].get<int64_t>(), 5);
  EXPECT_EQ(lambda["spans"]["ended"].get<uint64_t>(), lambda["spans"]["exported"].get<uint64_t>());
}

TEST(OnboardingServicesTest, BrokenPropagationStartsNewTracesAndIsCounted) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.broken_propagation_rate = 0.3;

  ASSERT_TRUE(RunSimulation(options).ok());

  size_t roots = 0;
  size_t children = 0;
  for (const FileSpan& s : ReadTraces(dir.path()).spans) {
    if (s.span.kind != core::SpanKind::kConsumer) continue;
    (s.span.is_root() ? roots : children) += 1;
  }
  const Json truth = Truth(dir.path());
  EXPECT_GT(roots, 0U);
  EXPECT_EQ(truth["propagation"]["messages_without_context"].get<size_t>(), roots);
  EXPECT_EQ(truth["propagation"]["consumer_spans_with_parent"].get<size_t>(), children);
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

TEST(OnboardingServicesTest, ScenarioFaultsReachTheirTargets) {
  TempDir dir;
  using Kind = FaultSpec::Kind;
  std::vector<FaultSpec> specs;
  specs.push_back(
      Fault(Kind::kOutage, "onboarding.kyc", std::chrono::seconds(0), std::chrono::seconds(2)));
  FaultSpec slow = Fault(Kind::kSlowDependency, "onboarding.s3", std::chrono::seconds(0),
                         std::chrono::seconds(0));
  slow.latency_factor = 1;
  slow.extra_latency = std::chrono::milliseconds(400);
  specs.push_back(slow);
  FaultSpec cold = Fault(Kind::kColdStarts, "onboarding.lambda", std::chrono::seconds(0),
                         std::chrono::seconds(0));
  cold.probability = 1;
  specs.push_back(cold);
  specs.push_back(
      Fault(Kind::kOutage, "onboarding.sqs", std::chrono::seconds(4), std::chrono::seconds(5)));
  const FaultSet faults(specs);
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.faults = &faults;
  options.onboarding.validation_error_rate = 0;
  options.onboarding.event_source_mapping.report_batch_item_failures = true;

  auto summary = RunSimulation(options);

  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const uint64_t start = options.start_unix_nano;
  size_t kyc_failed = 0;
  size_t onboard_503 = 0;
  size_t s3 = 0;
  for (const FileSpan& s : ReadTraces(dir.path()).spans) {
    const uint64_t at = s.span.start_time_unix_nano - start;
    if (s.span.name == "kyc_check") {
      // An outage fails every attempt inside its window, none outside it.
      EXPECT_EQ(s.span.status.code == core::StatusCode::kError, at < 2 * 1000000000ULL);
      if (s.span.status.code == core::StatusCode::kError) ++kyc_failed;
    }
    if (s.span.name == "S3.PutObject") {
      ++s3;
      EXPECT_GE(s.span.end_time_unix_nano - s.span.start_time_unix_nano, 400000000U);
    }
    if (s.span.name == "POST /onboard" &&
        Int(s.span.attributes, "http.response.status_code") == 503) {
      ++onboard_503;
      EXPECT_EQ(s.span.status.code, core::StatusCode::kError);
      EXPECT_GE(at, 4 * 1000000000ULL - 100000000ULL);
    }
  }
  EXPECT_GT(kyc_failed, 0U);
  EXPECT_GT(s3, 0U);
  EXPECT_GT(onboard_503, 0U);
  const Json truth = Truth(dir.path());
  // Every invocation needed a fresh environment.
  EXPECT_EQ(truth["lambda"]["cold_starts"], truth["lambda"]["invocations"]);
  EXPECT_EQ(truth["propagation"]["messages_sent"].get<uint64_t>() + onboard_503, summary->requests);
}

TEST(OnboardingServicesTest, FirstSliceGroundTruthIsUnchanged) {
  TempDir dir;
  SimulationOptions options = FullOptions(dir.path());
  options.onboarding.full_system = false;

  ASSERT_TRUE(RunSimulation(options).ok());

  const Json truth = Truth(dir.path());
  std::vector<std::string> keys;
  for (const auto& item : truth["lambda"].items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"cold_starts", "invocations"}));
  EXPECT_FALSE(truth["propagation"].contains("messages_without_context"));
  for (const Json& op : truth["operations"]) {
    EXPECT_NE(op["operation"], "GET /health");
    EXPECT_NE(op["operation"], "sqs.process_batch");
  }
}

TEST(OnboardingServicesTest, InvalidFullSystemOptionsAreRejected) {
  TempDir dir;
  std::vector<std::pair<std::string, SimulationOptions>> cases;
  auto add = [&](std::string name, auto mutate) {
    SimulationOptions o = FullOptions(dir.path() / name);
    mutate(o);
    cases.emplace_back(std::move(name), std::move(o));
  };
  add("unknown-type", [](SimulationOptions& o) { o.onboarding.customer_mix = {{"gold", 1.0}}; });
  add("zero-mix", [](SimulationOptions& o) { o.onboarding.customer_mix = {{"premium", 0.0}}; });
  add("unknown-step", [](SimulationOptions& o) {
    o.onboarding.step_error_rates = {{"kyc2", 0.1}};
  });
  add("step-rate", [](SimulationOptions& o) { o.onboarding.step_error_rates = {{"kyc", 1.5}}; });
  add("attempts", [](SimulationOptions& o) { o.onboarding.aws_max_attempts = 0; });
  add("health-rate", [](SimulationOptions& o) { o.onboarding.health_checks_per_second = -1; });
  add("broken", [](SimulationOptions& o) { o.onboarding.broken_propagation_rate = 2; });
  add("memory", [](SimulationOptions& o) { o.onboarding.lambda_function.memory_mb = 64; });
  add("no-dlq", [](SimulationOptions& o) { o.onboarding.lambda.max_receive_count = 0; });
  add("visibility", [](SimulationOptions& o) {
    o.onboarding.lambda.visibility_timeout = 5 * kSecond;  // below Timeout 15 s
  });

  for (const auto& [name, options] : cases) {
    auto result = RunSimulation(options);

    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / name / "ground_truth.json")) << name;
  }
}

}  // namespace
}  // namespace tflo::workload
