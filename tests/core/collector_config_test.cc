#include "tflo/core/collector_config.h"

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflo/core/duration.h"

namespace tflo::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Strings = std::vector<std::string>;

// Every field the parsed config holds, as text: what a report or a log line
// could ever show of it.
std::string Serialize(const CollectorConfig& config) {
  std::ostringstream out;
  out << config.source << "\n";
  for (const auto& id : config.receiver_ids) out << "receiver " << id << "\n";
  for (const auto& id : config.processor_ids) out << "processor " << id << "\n";
  for (const auto& [id, b] : config.batch_processors) {
    out << "batch " << id << " " << b.id << " " << b.send_batch_size << " "
        << FormatGoDuration(b.timeout) << " " << b.send_batch_max_size << "\n";
  }
  for (const auto& [id, e] : config.exporters) {
    const SendingQueueConfig& q = e.sending_queue;
    const RetryConfig& r = e.retry_on_failure;
    out << "exporter " << id << " " << e.id << " " << e.type << " " << e.endpoint << " "
        << FormatGoDuration(e.timeout) << " queue " << q.enabled << " " << q.num_consumers << " "
        << q.queue_size << " " << q.sizer << " " << q.block_on_overflow << " retry " << r.enabled
        << " " << FormatGoDuration(r.initial_interval) << " " << r.randomization_factor << " "
        << r.multiplier << " " << FormatGoDuration(r.max_interval) << " "
        << FormatGoDuration(r.max_elapsed_time) << "\n";
  }
  for (const auto& p : config.pipelines) {
    out << "pipeline " << p.id;
    for (const auto& id : p.receivers) out << " r:" << id;
    for (const auto& id : p.processors) out << " p:" << id;
    for (const auto& id : p.exporters) out << " e:" << id;
    out << "\n";
  }
  return out.str();
}

Result<CollectorConfig> Parse(const std::string& yaml) {
  return ParseCollectorConfig(yaml, "collector.yaml");
}

std::string ErrorOf(const std::string& yaml) {
  Result<CollectorConfig> config = Parse(yaml);
  if (config.ok()) return "<parsed without error>";
  EXPECT_EQ(config.status().code(), ::tflo::StatusCode::kInvalidArgument);
  return config.status().message();
}

// A batch processor block (lines 2.. of the document) wired into a pipeline.
std::string WithBatch(const std::string& batch_body) {
  return "processors:\n"
         "  batch:\n" +
         batch_body +
         "receivers:\n"
         "  otlp:\n"
         "exporters:\n"
         "  debug:\n"
         "service:\n"
         "  pipelines:\n"
         "    traces:\n"
         "      receivers: [otlp]\n"
         "      processors: [batch]\n"
         "      exporters: [debug]\n";
}

// An exporter `otlp` whose body starts on line 3.
std::string WithExporter(const std::string& exporter_body) {
  return "exporters:\n"
         "  otlp:\n" +
         exporter_body +
         "receivers:\n"
         "  otlp:\n"
         "service:\n"
         "  pipelines:\n"
         "    traces:\n"
         "      receivers: [otlp]\n"
         "      exporters: [otlp]\n";
}

// ---- a real configuration ---------------------------------------------------------

TEST(CollectorConfigTest, LoadsAProductionConfig) {
  Result<CollectorConfig> config =
      LoadCollectorConfig(tflo::testing::TestdataPath("core/collector_production.yaml"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_THAT(config->receiver_ids, ElementsAre("otlp", "prometheus/self"));
  EXPECT_THAT(config->processor_ids, ElementsAre("memory_limiter", "batch", "batch/metrics",
                                                 "tail_sampling", "resource/env"));
  ASSERT_EQ(config->batch_processors.size(), 2U);
  const BatchProcessorConfig& batch = config->batch_processors.at("batch");
  EXPECT_EQ(batch.id, "batch");
  EXPECT_EQ(batch.send_batch_size, 4096);
  EXPECT_EQ(batch.send_batch_max_size, 8192);
  EXPECT_EQ(batch.timeout, milliseconds(500));
  const BatchProcessorConfig& metrics_batch = config->batch_processors.at("batch/metrics");
  EXPECT_EQ(metrics_batch.send_batch_size, 8192);
  EXPECT_EQ(metrics_batch.timeout, milliseconds(200));

  ASSERT_EQ(config->exporters.size(), 4U);
  const ExporterConfig& tempo = config->exporters.at("otlp/tempo");
  EXPECT_EQ(tempo.type, "otlp");
  EXPECT_EQ(tempo.endpoint, "tempo.observability.svc:4317");
  EXPECT_EQ(tempo.timeout, seconds(10));
  EXPECT_TRUE(tempo.sending_queue.enabled);
  EXPECT_EQ(tempo.sending_queue.num_consumers, 20);
  EXPECT_EQ(tempo.sending_queue.queue_size, 5000);
  EXPECT_EQ(tempo.sending_queue.sizer, "requests");
  EXPECT_TRUE(tempo.sending_queue.block_on_overflow);
  EXPECT_EQ(tempo.retry_on_failure.initial_interval, seconds(1));
  EXPECT_DOUBLE_EQ(tempo.retry_on_failure.randomization_factor, 0.25);
  EXPECT_DOUBLE_EQ(tempo.retry_on_failure.multiplier, 2.0);
  EXPECT_EQ(tempo.retry_on_failure.max_interval, minutes(1));
  EXPECT_EQ(tempo.retry_on_failure.max_elapsed_time, minutes(10));
  EXPECT_EQ(config->exporters.at("prometheus").type, "prometheus");
  EXPECT_EQ(config->exporters.at("debug").sending_queue.queue_size, 1000);

  ASSERT_EQ(config->pipelines.size(), 4U);
  EXPECT_EQ(config->pipelines[2].id, "metrics");
  EXPECT_THAT(config->pipelines[2].receivers,
              ElementsAre("otlp", "prometheus/self", "spanmetrics"));
  const PipelineConfig* traces = config->TracesPipeline();
  ASSERT_NE(traces, nullptr);
  EXPECT_EQ(traces->id, "traces");
  EXPECT_THAT(traces->processors, ElementsAre("memory_limiter", "tail_sampling", "batch"));
  EXPECT_THAT(traces->exporters, ElementsAre("otlp/tempo", "spanmetrics"));
  ASSERT_NE(config->BatchFor(*traces), nullptr);
  EXPECT_EQ(config->BatchFor(*traces)->id, "batch");
  ASSERT_NE(config->ExporterFor(*traces), nullptr);
  EXPECT_EQ(config->ExporterFor(*traces)->id, "otlp/tempo");
}

TEST(CollectorConfigTest, NeverHoldsSecrets) {
  Result<CollectorConfig> config =
      LoadCollectorConfig(tflo::testing::TestdataPath("core/collector_production.yaml"));
  ASSERT_TRUE(config.ok()) << config.status().message();

  const std::string everything = Serialize(*config);

  // The serialisation is real: it carries what the config does hold...
  EXPECT_THAT(everything, HasSubstr("tempo.observability.svc:4317"));
  EXPECT_THAT(everything, HasSubstr("https://ingest.vendor.example:443/otlp"));
  // ...but none of the header values nor URL credentials.
  for (const char* secret :
       {"xyz", "Bearer", "authorization", "s3cr3t", "apiuser", "hunter2", "api_key", "ca.pem"}) {
    EXPECT_THAT(everything, ::testing::Not(HasSubstr(secret))) << secret;
  }
}

TEST(CollectorConfigTest, EmptyBlocksMeanDefaults) {
  Result<CollectorConfig> config =
      LoadCollectorConfig(tflo::testing::TestdataPath("core/collector_minimal.yaml"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  const BatchProcessorConfig& batch = config->batch_processors.at("batch");
  EXPECT_EQ(batch.send_batch_size, 8192);
  EXPECT_EQ(batch.send_batch_max_size, 0);
  EXPECT_EQ(batch.timeout, milliseconds(200));
  const ExporterConfig& otlp = config->exporters.at("otlp");
  EXPECT_EQ(otlp.endpoint, "backend:4317");
  EXPECT_EQ(otlp.timeout, seconds(5));
  EXPECT_TRUE(otlp.sending_queue.enabled);
  EXPECT_EQ(otlp.sending_queue.num_consumers, 10);
  EXPECT_EQ(otlp.sending_queue.queue_size, 1000);
  EXPECT_EQ(otlp.sending_queue.sizer, "requests");
  EXPECT_FALSE(otlp.sending_queue.block_on_overflow);
  EXPECT_TRUE(otlp.retry_on_failure.enabled);
  EXPECT_EQ(otlp.retry_on_failure.initial_interval, seconds(5));
  EXPECT_DOUBLE_EQ(otlp.retry_on_failure.randomization_factor, 0.5);
  EXPECT_DOUBLE_EQ(otlp.retry_on_failure.multiplier, 1.5);
  EXPECT_EQ(otlp.retry_on_failure.max_interval, seconds(30));
  EXPECT_EQ(otlp.retry_on_failure.max_elapsed_time, seconds(300));
  EXPECT_EQ(config->source, tflo::testing::TestdataPath("core/collector_minimal.yaml").string());
}

TEST(CollectorConfigTest, EmptyDocumentDeclaresNothing) {
  Result<CollectorConfig> config = Parse("# nothing here\n");

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->pipelines.empty());
  EXPECT_TRUE(config->exporters.empty());
  EXPECT_EQ(config->TracesPipeline(), nullptr);
}

TEST(CollectorConfigTest, ParsesExplicitZeroAndNamedBatch) {
  Result<CollectorConfig> config = Parse(
      "processors:\n"
      "  batch/traces:\n"
      "    send_batch_size: 0\n"
      "    timeout: 0\n"
      "    metadata_keys: [tenant_id]\n"
      "    metadata_cardinality_limit: 50\n");

  ASSERT_TRUE(config.ok()) << config.status().message();
  const BatchProcessorConfig& batch = config->batch_processors.at("batch/traces");
  EXPECT_EQ(batch.id, "batch/traces");
  EXPECT_EQ(batch.send_batch_size, 0);
  EXPECT_EQ(batch.timeout, std::chrono::nanoseconds(0));
}

// ---- validation: every error names file, line and key ------------------------------

TEST(CollectorConfigTest, RejectsNonIntegerBatchSize) {
  EXPECT_EQ(ErrorOf(WithBatch("    send_batch_size: lots\n")),
            "collector.yaml:3: processors.batch.send_batch_size: expected a non-negative "
            "integer, got \"lots\"");
}

TEST(CollectorConfigTest, RejectsNegativeBatchSize) {
  EXPECT_EQ(ErrorOf(WithBatch("    timeout: 1s\n"
                              "    send_batch_size: -5\n")),
            "collector.yaml:4: processors.batch.send_batch_size: expected a non-negative "
            "integer, got \"-5\"");
}

TEST(CollectorConfigTest, RejectsMaxSizeBelowBatchSize) {
  EXPECT_EQ(ErrorOf(WithBatch("    send_batch_max_size: 100\n"
                              "    send_batch_size: 500\n")),
            "collector.yaml:3: processors.batch.send_batch_max_size: must be 0 or >= "
            "send_batch_size (500), got 100");
  // Against the default send_batch_size (8192).
  EXPECT_THAT(ErrorOf(WithBatch("    send_batch_max_size: 1000\n")),
              StartsWith("collector.yaml:3: processors.batch.send_batch_max_size: must be 0 or "
                         ">= send_batch_size (8192)"));
  EXPECT_TRUE(Parse(WithBatch("    send_batch_max_size: 8192\n")).ok());
}

TEST(CollectorConfigTest, RejectsBadBatchTimeouts) {
  EXPECT_EQ(ErrorOf(WithBatch("    timeout: -1s\n")),
            "collector.yaml:3: processors.batch.timeout: must be >= 0, got \"-1s\"");
  EXPECT_EQ(ErrorOf(WithBatch("    timeout: soon\n")),
            "collector.yaml:3: processors.batch.timeout: expected a duration such as \"200ms\" "
            "or \"5s\", got \"soon\"");
  EXPECT_THAT(ErrorOf(WithBatch("    timeout: 5\n")),
              StartsWith("collector.yaml:3: processors.batch.timeout: expected a duration"));
}

TEST(CollectorConfigTest, RejectsUnknownBatchKey) {
  EXPECT_THAT(ErrorOf(WithBatch("    send_batch_size: 10\n"
                                "    sendbatchsize: 10\n")),
              StartsWith("collector.yaml:4: processors.batch.sendbatchsize: unknown key"));
}

TEST(CollectorConfigTest, RejectsWrongTypesForMetadataKeys) {
  EXPECT_THAT(ErrorOf(WithBatch("    metadata_keys: tenant\n")),
              StartsWith("collector.yaml:3: processors.batch.metadata_keys: expected a list"));
  EXPECT_THAT(
      ErrorOf(WithBatch("    metadata_cardinality_limit: many\n")),
      StartsWith("collector.yaml:3: processors.batch.metadata_cardinality_limit: expected a "
                 "non-negative integer"));
}

TEST(CollectorConfigTest, RejectsBatchBlockThatIsNotAMapping) {
  EXPECT_THAT(ErrorOf("processors:\n"
                      "  batch: [1, 2]\n"),
              StartsWith("collector.yaml:2: processors.batch: expected a mapping"));
}

TEST(CollectorConfigTest, ValidatesSendingQueue) {
  EXPECT_EQ(ErrorOf(WithExporter("    sending_queue:\n"
                                 "      num_consumers: 0\n")),
            "collector.yaml:4: exporters.otlp.sending_queue.num_consumers: must be >= 1, got 0");
  EXPECT_EQ(ErrorOf(WithExporter("    sending_queue:\n"
                                 "      enabled: true\n"
                                 "      queue_size: 0\n")),
            "collector.yaml:5: exporters.otlp.sending_queue.queue_size: must be >= 1, got 0");
  EXPECT_EQ(ErrorOf(WithExporter("    sending_queue:\n"
                                 "      sizer: spans\n")),
            "collector.yaml:4: exporters.otlp.sending_queue.sizer: expected requests, items or "
            "bytes, got \"spans\"");
  EXPECT_EQ(ErrorOf(WithExporter("    sending_queue:\n"
                                 "      enabled: yes\n")),
            "collector.yaml:4: exporters.otlp.sending_queue.enabled: expected true or false, "
            "got \"yes\"");
  EXPECT_EQ(ErrorOf(WithExporter("    sending_queue:\n"
                                 "      queue_size: big\n")),
            "collector.yaml:4: exporters.otlp.sending_queue.queue_size: expected an integer, got "
            "\"big\"");
  EXPECT_THAT(ErrorOf(WithExporter("    sending_queue: 5\n")),
              StartsWith("collector.yaml:3: exporters.otlp.sending_queue: expected a mapping"));
}

TEST(CollectorConfigTest, DisabledQueueIsNotRangeChecked) {
  Result<CollectorConfig> config =
      Parse(WithExporter("    sending_queue:\n"
                         "      enabled: false\n"
                         "      queue_size: 0\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_FALSE(config->exporters.at("otlp").sending_queue.enabled);
}

TEST(CollectorConfigTest, AcceptsQueueKeysItDoesNotModel) {
  Result<CollectorConfig> config =
      Parse(WithExporter("    sending_queue:\n"
                         "      sizer: items\n"
                         "      wait_for_result: true\n"
                         "      storage: file_storage\n"
                         "      batch:\n"
                         "        flush_timeout: 1s\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->exporters.at("otlp").sending_queue.sizer, "items");
}

TEST(CollectorConfigTest, RejectsUnknownKeyInsideSendingQueue) {
  const std::filesystem::path path =
      tflo::testing::TestdataPath("core/collector_unknown_queue_key.yaml");

  Result<CollectorConfig> config = LoadCollectorConfig(path);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              StartsWith(path.string() + ":10: exporters.otlp.sending_queue.queue_sise: "
                                         "unknown key"));
}

TEST(CollectorConfigTest, ValidatesRetryOnFailure) {
  EXPECT_EQ(ErrorOf(WithExporter("    retry_on_failure:\n"
                                 "      multiplier: 0.5\n")),
            "collector.yaml:4: exporters.otlp.retry_on_failure.multiplier: must be >= 1, got 0.5");
  EXPECT_EQ(ErrorOf(WithExporter("    retry_on_failure:\n"
                                 "      randomization_factor: 1.5\n")),
            "collector.yaml:4: exporters.otlp.retry_on_failure.randomization_factor: must be "
            "within [0, 1], got 1.5");
  EXPECT_EQ(ErrorOf(WithExporter("    retry_on_failure:\n"
                                 "      initial_interval: soon\n")),
            "collector.yaml:4: exporters.otlp.retry_on_failure.initial_interval: expected a "
            "duration such as \"200ms\" or \"5s\", got \"soon\"");
  EXPECT_THAT(ErrorOf(WithExporter("    retry_on_failure:\n"
                                   "      max_elapsed: 1m\n")),
              StartsWith("collector.yaml:4: exporters.otlp.retry_on_failure.max_elapsed: "
                         "unknown key"));
  EXPECT_TRUE(Parse(WithExporter("    retry_on_failure:\n"
                                 "      enabled: false\n"
                                 "      multiplier: 0.5\n"))
                  .ok());
}

TEST(CollectorConfigTest, ValidatesExporterTimeout) {
  EXPECT_EQ(ErrorOf(WithExporter("    endpoint: backend:4317\n"
                                 "    timeout: abc\n")),
            "collector.yaml:4: exporters.otlp.timeout: expected a duration such as \"200ms\" or "
            "\"5s\", got \"abc\"");
}

TEST(CollectorConfigTest, ExplainsUnexpandedReferences) {
  EXPECT_THAT(ErrorOf(WithBatch("    send_batch_size: ${env:BATCH_SIZE}\n")),
              HasSubstr("not expanded"));
}

TEST(CollectorConfigTest, IgnoresUnmodelledExporterKeys) {
  Result<CollectorConfig> config =
      Parse(WithExporter("    compression: zstd\n"
                         "    tls: {insecure: true}\n"
                         "    balancer_name: round_robin\n"));

  EXPECT_TRUE(config.ok()) << config.status().message();
}

// ---- pipelines -------------------------------------------------------------------

TEST(CollectorConfigTest, RejectsUndeclaredPipelineComponent) {
  const std::filesystem::path path =
      tflo::testing::TestdataPath("core/collector_undeclared_exporter.yaml");

  Result<CollectorConfig> config = LoadCollectorConfig(path);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            path.string() +
                ":17: service.pipelines.traces.exporters: exporter or connector "
                "\"otlp/jaeger\" is not declared");
}

TEST(CollectorConfigTest, RejectsUndeclaredReceiverAndProcessor) {
  EXPECT_EQ(ErrorOf("receivers:\n"
                    "  otlp:\n"
                    "exporters:\n"
                    "  debug:\n"
                    "service:\n"
                    "  pipelines:\n"
                    "    traces:\n"
                    "      receivers: [otlp, zipkin]\n"
                    "      exporters: [debug]\n"),
            "collector.yaml:8: service.pipelines.traces.receivers: receiver or connector "
            "\"zipkin\" is not declared");
  EXPECT_EQ(ErrorOf("receivers:\n"
                    "  otlp:\n"
                    "exporters:\n"
                    "  debug:\n"
                    "service:\n"
                    "  pipelines:\n"
                    "    traces:\n"
                    "      receivers: [otlp]\n"
                    "      processors: [batch]\n"
                    "      exporters: [debug]\n"),
            "collector.yaml:9: service.pipelines.traces.processors: processor \"batch\" is not "
            "declared");
}

TEST(CollectorConfigTest, ConnectorsLinkPipelines) {
  Result<CollectorConfig> config = Parse(
      "receivers:\n"
      "  otlp:\n"
      "connectors:\n"
      "  spanmetrics:\n"
      "exporters:\n"
      "  otlp:\n"
      "  prometheus:\n"
      "service:\n"
      "  pipelines:\n"
      "    traces/in:\n"
      "      receivers: [otlp]\n"
      "      exporters: [spanmetrics, otlp]\n"
      "    metrics:\n"
      "      receivers: [spanmetrics]\n"
      "      exporters: [prometheus]\n");

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->exporters.count("spanmetrics"), 0U);
  const PipelineConfig* traces = config->TracesPipeline();
  ASSERT_NE(traces, nullptr);
  EXPECT_EQ(traces->id, "traces/in");
  EXPECT_EQ(config->BatchFor(*traces), nullptr);
  // The connector listed first is not an exporter; the first real one is.
  ASSERT_NE(config->ExporterFor(*traces), nullptr);
  EXPECT_EQ(config->ExporterFor(*traces)->id, "otlp");
}

TEST(CollectorConfigTest, BatchForPicksTheFirstBatchOfThePipeline) {
  Result<CollectorConfig> config = Parse(
      "receivers: {otlp: }\n"
      "processors:\n"
      "  batch:\n"
      "  batch/big: {send_batch_size: 20000}\n"
      "  memory_limiter: {check_interval: 1s, limit_mib: 100}\n"
      "exporters: {debug: }\n"
      "service:\n"
      "  pipelines:\n"
      "    logs:\n"
      "      receivers: [otlp]\n"
      "      processors: [batch]\n"
      "      exporters: [debug]\n"
      "    traces:\n"
      "      receivers: [otlp]\n"
      "      processors: [memory_limiter, batch/big, batch]\n"
      "      exporters: [debug]\n");

  ASSERT_TRUE(config.ok()) << config.status().message();
  const PipelineConfig* traces = config->TracesPipeline();
  ASSERT_NE(traces, nullptr);
  ASSERT_NE(config->BatchFor(*traces), nullptr);
  EXPECT_EQ(config->BatchFor(*traces)->id, "batch/big");
  EXPECT_EQ(config->BatchFor(*traces)->send_batch_size, 20000);
}

TEST(CollectorConfigTest, RejectsUnknownPipelineSignalAndKey) {
  EXPECT_THAT(ErrorOf("service:\n"
                      "  pipelines:\n"
                      "    tracez:\n"
                      "      receivers: []\n"),
              StartsWith("collector.yaml:3: service.pipelines.tracez: unknown signal \"tracez\""));
  EXPECT_THAT(ErrorOf("exporters:\n"
                      "  debug:\n"
                      "service:\n"
                      "  pipelines:\n"
                      "    traces:\n"
                      "      exporter: [debug]\n"),
              StartsWith("collector.yaml:6: service.pipelines.traces.exporter: unknown key"));
}

TEST(CollectorConfigTest, RejectsDuplicateComponentIds) {
  EXPECT_EQ(ErrorOf("processors:\n"
                    "  batch:\n"
                    "  batch:\n"),
            "collector.yaml:3: processors.batch: duplicate key");
}

// ---- file and syntax problems ----------------------------------------------------------

TEST(CollectorConfigTest, ReportsMalformedYamlWithItsLine) {
  const std::filesystem::path path = tflo::testing::TestdataPath("core/collector_malformed.yaml");

  Result<CollectorConfig> config = LoadCollectorConfig(path);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), StartsWith(path.string() + ":8: invalid YAML: "));
}

TEST(CollectorConfigTest, ReportsUnclosedFlowSequenceWhereTheParserStops) {
  EXPECT_EQ(ErrorOf("processors:\n"
                    "  batch:\n"
                    "    timeout: [1s\n"
                    "exporters:\n"),
            "collector.yaml:4: invalid YAML: end of sequence flow not found");
}

TEST(CollectorConfigTest, MissingFileIsNotFound) {
  tflo::testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "nope.yaml";

  Result<CollectorConfig> config = LoadCollectorConfig(path);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ::tflo::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr(path.string()));
}

TEST(CollectorConfigTest, RejectsNonMappingDocument) {
  EXPECT_EQ(ErrorOf("- just\n- a list\n"), "collector.yaml:1: expected a mapping at the top level");
}

// ---- memory_limiter ------------------------------------------------------------

// A processor block (lines 2.. of the document) declared but not wired.
std::string WithProcessor(const std::string& body) { return "processors:\n" + body; }

TEST(CollectorConfigTest, ParsesMemoryLimiter) {
  Result<CollectorConfig> config =
      Parse(WithProcessor("  memory_limiter:\n"
                          "    check_interval: 1s\n"
                          "    limit_mib: 1536\n"
                          "    spike_limit_mib: 384\n"
                          "  memory_limiter/pct:\n"
                          "    check_interval: 500ms\n"
                          "    limit_percentage: 80\n"
                          "    spike_limit_percentage: 25\n"
                          "    min_gc_interval_when_soft_limited: 20s\n"
                          "    max_gc_interval_when_hard_limited: 1m\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  const MemoryLimiterConfig& fixed = config->memory_limiters.at("memory_limiter");
  EXPECT_EQ(fixed.check_interval, seconds(1));
  EXPECT_EQ(fixed.limit_mib, 1536);
  EXPECT_EQ(fixed.spike_limit_mib, 384);
  EXPECT_EQ(fixed.HardLimitBytes(0), int64_t{1536} << 20);
  EXPECT_EQ(fixed.SpikeLimitBytes(0), int64_t{384} << 20);
  const MemoryLimiterConfig& pct = config->memory_limiters.at("memory_limiter/pct");
  EXPECT_EQ(pct.check_interval, milliseconds(500));
  EXPECT_EQ(pct.limit_percentage, 80);
  EXPECT_EQ(pct.spike_limit_percentage, 25);
  EXPECT_EQ(pct.min_gc_interval_when_soft_limited, seconds(20));
  EXPECT_EQ(pct.HardLimitBytes(1000), 800);
  EXPECT_EQ(pct.SpikeLimitBytes(1000), 250);
}

TEST(CollectorConfigTest, ValidatesMemoryLimiter) {
  EXPECT_EQ(ErrorOf(WithProcessor("  memory_limiter:\n"
                                  "    limit_mib: 100\n")),
            "collector.yaml:2: processors.memory_limiter.check_interval: must be > 0 (the "
            "collector has no default; 1s is recommended)");
  EXPECT_EQ(ErrorOf(WithProcessor("  memory_limiter:\n"
                                  "    check_interval: 1s\n")),
            "collector.yaml:2: processors.memory_limiter: limit_mib or limit_percentage must be "
            "> 0");
  EXPECT_EQ(ErrorOf(WithProcessor("  memory_limiter:\n"
                                  "    check_interval: 1s\n"
                                  "    limit_mib: 100\n"
                                  "    spike_limit_mib: 100\n")),
            "collector.yaml:5: processors.memory_limiter.spike_limit_mib: must be < limit_mib "
            "(100), got 100");
  EXPECT_EQ(ErrorOf(WithProcessor("  memory_limiter:\n"
                                  "    check_interval: 1s\n"
                                  "    limit_percentage: 120\n")),
            "collector.yaml:4: processors.memory_limiter.limit_percentage: must be within "
            "[0, 100], got 120");
  EXPECT_EQ(ErrorOf(WithProcessor("  memory_limiter:\n"
                                  "    check_interval: 1s\n"
                                  "    limit_mib: lots\n")),
            "collector.yaml:4: processors.memory_limiter.limit_mib: expected a non-negative "
            "integer, got \"lots\"");
  EXPECT_THAT(ErrorOf(WithProcessor("  memory_limiter:\n"
                                    "    check_interval: 1s\n"
                                    "    limit_mib: 100\n"
                                    "    ballast_size_mib: 10\n")),
              StartsWith("collector.yaml:5: processors.memory_limiter.ballast_size_mib: unknown "
                         "key"));
  EXPECT_THAT(ErrorOf(WithProcessor("  memory_limiter:\n"
                                    "    check_interval: 0s\n"
                                    "    limit_mib: 100\n")),
              StartsWith("collector.yaml:3: processors.memory_limiter.check_interval: must be "
                         "> 0"));
}

// ---- probabilistic_sampler -------------------------------------------------------

TEST(CollectorConfigTest, ParsesProbabilisticSampler) {
  Result<CollectorConfig> config = Parse(WithProcessor("  probabilistic_sampler:\n"
                                                       "    sampling_percentage: 15.3\n"
                                                       "  probabilistic_sampler/p:\n"
                                                       "    sampling_percentage: 1\n"
                                                       "    mode: proportional\n"
                                                       "    hash_seed: 22\n"
                                                       "    fail_closed: false\n"
                                                       "    sampling_precision: 6\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  const ProbabilisticSamplerConfig& a = config->probabilistic_samplers.at("probabilistic_sampler");
  EXPECT_DOUBLE_EQ(a.sampling_percentage, 15.3);
  EXPECT_EQ(a.mode, "");
  EXPECT_EQ(a.EffectiveMode(), "hash_seed");
  EXPECT_EQ(a.hash_seed, 0U);
  EXPECT_TRUE(a.fail_closed);
  EXPECT_EQ(a.sampling_precision, 4);
  const ProbabilisticSamplerConfig& b =
      config->probabilistic_samplers.at("probabilistic_sampler/p");
  EXPECT_EQ(b.EffectiveMode(), "proportional");
  EXPECT_EQ(b.hash_seed, 22U);
  EXPECT_FALSE(b.fail_closed);
  EXPECT_EQ(b.sampling_precision, 6);
}

TEST(CollectorConfigTest, ValidatesProbabilisticSampler) {
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    mode: proportional\n")),
            "collector.yaml:2: processors.probabilistic_sampler.sampling_percentage: required "
            "(the percentage of traces to keep, e.g. 10)");
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    sampling_percentage: 10\n"
                                  "    mode: random\n")),
            "collector.yaml:4: processors.probabilistic_sampler.mode: expected hash_seed, "
            "proportional or equalizing, got \"random\"");
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    sampling_percentage: -1\n")),
            "collector.yaml:3: processors.probabilistic_sampler.sampling_percentage: must be >= "
            "0, got -1");
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    sampling_percentage: ten\n")),
            "collector.yaml:3: processors.probabilistic_sampler.sampling_percentage: expected a "
            "number, got \"ten\"");
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    sampling_percentage: 10\n"
                                  "    sampling_precision: 15\n")),
            "collector.yaml:4: processors.probabilistic_sampler.sampling_precision: must be "
            "within [1, 14], got 15");
  EXPECT_EQ(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                  "    sampling_percentage: 10\n"
                                  "    hash_seed: 4294967296\n")),
            "collector.yaml:4: processors.probabilistic_sampler.hash_seed: must be <= "
            "4294967295, got 4294967296");
  EXPECT_THAT(ErrorOf(WithProcessor("  probabilistic_sampler:\n"
                                    "    sampling_percentage: 1e-20\n")),
              HasSubstr("sampling_percentage: is too small"));
}

// ---- tail_sampling -----------------------------------------------------------------

TEST(CollectorConfigTest, ParsesTailSamplingPolicies) {
  Result<CollectorConfig> config = Parse(WithProcessor(
      "  tail_sampling:\n"
      "    decision_wait: 10s\n"
      "    num_traces: 2000\n"
      "    expected_new_traces_per_sec: 100\n"
      "    sample_on_first_match: true\n"
      "    decision_cache: {sampled_cache_size: 500, non_sampled_cache_size: 800}\n"
      "    policies:\n"
      "      - {name: all, type: always_sample}\n"
      "      - name: errors\n"
      "        type: status_code\n"
      "        status_code: {status_codes: [ERROR, UNSET]}\n"
      "      - {name: slow, type: latency, latency: {threshold_ms: 500, upper_threshold_ms: 900}}\n"
      "      - {name: p, type: probabilistic,\n"
      "         probabilistic: {sampling_percentage: 12.5, hash_salt: s}}\n"
      "      - name: enterprise\n"
      "        type: string_attribute\n"
      "        string_attribute: {key: customer.type, values: [ent.*],\n"
      "                           enabled_regex_matching: true, invert_match: true}\n"
      "      - {name: code, type: numeric_attribute,\n"
      "         numeric_attribute: {key: http.status_code, min_value: 500, max_value: 599}}\n"
      "      - {name: rate, type: rate_limiting, rate_limiting: {spans_per_second: 350}}\n"
      "      - {name: big, type: span_count, span_count: {min_spans: 2, max_spans: 40}}\n"
      "      - {name: dbg, type: boolean_attribute, boolean_attribute: {key: debug, value: true}}\n"
      "      - name: both\n"
      "        type: and\n"
      "        and:\n"
      "          and_sub_policy:\n"
      "            - {name: e, type: status_code, status_code: {status_codes: [ERROR]}}\n"
      "            - {name: l, type: latency, latency: {threshold_ms: 100}}\n"
      "      - name: no-health\n"
      "        type: drop\n"
      "        drop:\n"
      "          drop_sub_policy:\n"
      "            - {type: string_attribute,\n"
      "               string_attribute: {key: http.route, values: [/health]}}\n"
      "      - {name: ottl, type: ottl_condition,\n"
      "         ottl_condition: {span: ['attributes[\"x\"] == 1']}}\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  const TailSamplingConfig& tail = config->tail_samplers.at("tail_sampling");
  EXPECT_EQ(tail.decision_wait, seconds(10));
  EXPECT_EQ(tail.num_traces, 2000);
  EXPECT_EQ(tail.expected_new_traces_per_sec, 100);
  EXPECT_TRUE(tail.sample_on_first_match);
  EXPECT_EQ(tail.sampled_cache_size, 500);
  EXPECT_EQ(tail.non_sampled_cache_size, 800);
  ASSERT_EQ(tail.policies.size(), 12U);
  EXPECT_EQ(tail.policies[0].type, "always_sample");
  EXPECT_THAT(tail.policies[1].status_codes, ElementsAre("ERROR", "UNSET"));
  EXPECT_EQ(tail.policies[1].line, 10);
  EXPECT_EQ(tail.policies[2].threshold_ms, 500);
  EXPECT_EQ(tail.policies[2].upper_threshold_ms, 900);
  EXPECT_DOUBLE_EQ(tail.policies[3].sampling_percentage, 12.5);
  EXPECT_EQ(tail.policies[3].hash_salt, "s");
  EXPECT_EQ(tail.policies[4].key, "customer.type");
  EXPECT_THAT(tail.policies[4].values, ElementsAre("ent.*"));
  EXPECT_TRUE(tail.policies[4].enabled_regex_matching);
  EXPECT_TRUE(tail.policies[4].invert_match);
  EXPECT_EQ(tail.policies[5].min_value, 500);
  EXPECT_EQ(tail.policies[5].max_value, 599);
  EXPECT_EQ(tail.policies[6].spans_per_second, 350);
  EXPECT_EQ(tail.policies[7].min_spans, 2);
  EXPECT_EQ(tail.policies[7].max_spans, 40);
  EXPECT_TRUE(tail.policies[8].bool_value);
  ASSERT_EQ(tail.policies[9].sub_policies.size(), 2U);
  EXPECT_EQ(tail.policies[9].sub_policies[1].threshold_ms, 100);
  ASSERT_EQ(tail.policies[10].sub_policies.size(), 1U);
  EXPECT_EQ(tail.policies[10].sub_policies[0].key, "http.route");
  EXPECT_TRUE(tail.policies[9].modelled);
  EXPECT_FALSE(tail.policies[11].modelled);  // read, refused by the workload model
}

TEST(CollectorConfigTest, TailSamplingDefaults) {
  Result<CollectorConfig> config = Parse(WithProcessor("  tail_sampling:\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  const TailSamplingConfig& tail = config->tail_samplers.at("tail_sampling");
  EXPECT_EQ(tail.decision_wait, seconds(30));
  EXPECT_EQ(tail.num_traces, 50000);
  EXPECT_FALSE(tail.drop_pending_traces_on_shutdown);
  EXPECT_TRUE(tail.policies.empty());
}

// Policies of a tail_sampling block starting on line 4.
std::string WithPolicies(const std::string& policies) {
  return WithProcessor("  tail_sampling:\n"
                       "    policies:\n" +
                       policies);
}

TEST(CollectorConfigTest, ValidatesTailSamplingPolicies) {
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: x, type: sometimes_sample}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].type: unknown policy type "
            "\"sometimes_sample\"");
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: a, type: always_sample}\n"
                                 "      - name: e\n"
                                 "        type: status_code\n"
                                 "        status_code: {status_codes: [FAILED]}\n")),
            "collector.yaml:7: processors.tail_sampling.policies[1].status_code.status_codes: "
            "unknown status code \"FAILED\" (expected OK, ERROR or UNSET)");
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: e, type: status_code}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].status_code.status_codes: "
            "expected at least one status code (OK, ERROR or UNSET)");
  EXPECT_EQ(ErrorOf(WithPolicies("      - {type: always_sample}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].name: required (policy names "
            "must be unique)");
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: a, type: always_sample}\n"
                                 "      - {name: a, type: always_sample}\n")),
            "collector.yaml:5: processors.tail_sampling.policies[1].name: duplicate policy name "
            "\"a\"");
  EXPECT_EQ(ErrorOf(WithPolicies(
                "      - {name: l, type: latency, latency: {threshold_ms: 500, "
                "upper_threshold_ms: 100}}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].latency.upper_threshold_ms: "
            "must be 0 or > threshold_ms (500), got 100");
  EXPECT_EQ(ErrorOf(WithPolicies("      - name: l\n"
                                 "        type: latency\n"
                                 "        latency:\n"
                                 "          threshold: 500\n")),
            "collector.yaml:7: processors.tail_sampling.policies[0].latency.threshold: unknown "
            "key (expected one of threshold_ms, upper_threshold_ms)");
  EXPECT_THAT(ErrorOf(WithPolicies("      - name: r\n"
                                   "        type: string_attribute\n"
                                   "        string_attribute: {key: k, values: ['(unclosed'], "
                                   "enabled_regex_matching: true}\n")),
              StartsWith("collector.yaml:4: processors.tail_sampling.policies[0].string_attribute."
                         "values: invalid regular expression \"(unclosed\""));
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: s, type: string_attribute, string_attribute: "
                                 "{values: [x]}}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].string_attribute.key: "
            "required");
  EXPECT_EQ(ErrorOf(WithPolicies("      - name: nested\n"
                                 "        type: and\n"
                                 "        and:\n"
                                 "          and_sub_policy:\n"
                                 "            - {name: inner, type: drop}\n")),
            "collector.yaml:8: processors.tail_sampling.policies[0].and.and_sub_policy[0].type: "
            "policy type \"drop\" cannot be a sub-policy");
  EXPECT_EQ(ErrorOf(WithPolicies("      - {name: r, type: rate_limiting, rate_limiting: "
                                 "{spans_per_second: fast}}\n")),
            "collector.yaml:4: processors.tail_sampling.policies[0].rate_limiting."
            "spans_per_second: expected a non-negative integer, got \"fast\"");
  EXPECT_THAT(ErrorOf(WithPolicies("      - {name: a, type: always_sample, colour: red}\n")),
              StartsWith("collector.yaml:4: processors.tail_sampling.policies[0].colour: unknown "
                         "key"));
  EXPECT_EQ(ErrorOf(WithProcessor("  tail_sampling:\n"
                                  "    num_traces: 0\n")),
            "collector.yaml:3: processors.tail_sampling.num_traces: expected an integer >= 1, got "
            "\"0\"");
  EXPECT_EQ(ErrorOf(WithProcessor("  tail_sampling:\n"
                                  "    decision_wait: 0s\n")),
            "collector.yaml:3: processors.tail_sampling.decision_wait: must be > 0");
  EXPECT_THAT(ErrorOf(WithProcessor("  tail_sampling:\n"
                                    "    policies: {name: a}\n")),
              StartsWith("collector.yaml:3: processors.tail_sampling.policies: expected a list of "
                         "policies"));
}

// ---- connectors -------------------------------------------------------------------

std::string WithConnector(const std::string& body) { return "connectors:\n" + body; }

TEST(CollectorConfigTest, ParsesSpanMetricsConnector) {
  Result<CollectorConfig> config = Parse(WithConnector(
      "  spanmetrics:\n"
      "    namespace: app.spans\n"
      "    histogram:\n"
      "      unit: s\n"
      "      explicit:\n"
      "        buckets: [2ms, 100ms, 1s]\n"
      "    dimensions:\n"
      "      - name: http.method\n"
      "        default: GET\n"
      "      - name: customer.type\n"
      "    exclude_dimensions: [status.code]\n"
      "    aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA\n"
      "    metrics_flush_interval: 15s\n"
      "    metrics_expiration: 5m\n"
      "    exemplars: {enabled: true, max_per_data_point: 3}\n"
      "    aggregation_cardinality_limit: 1000\n"
      "  span_metrics/defaults:\n"
      "  servicegraph:\n"
      "    latency_histogram_buckets: [10ms, 1s]\n"
      "    dimensions: [db.system]\n"
      "    store: {ttl: 5s, max_items: 500}\n"
      "  forward:\n"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_THAT(config->connector_ids,
              ElementsAre("spanmetrics", "span_metrics/defaults", "servicegraph", "forward"));
  const SpanMetricsConnectorConfig& sm = config->span_metrics_connectors.at("spanmetrics");
  EXPECT_EQ(sm.metric_namespace, "app.spans");
  EXPECT_EQ(sm.histogram_unit, "s");
  EXPECT_THAT(sm.explicit_buckets, ElementsAre(milliseconds(2), milliseconds(100), seconds(1)));
  ASSERT_EQ(sm.dimensions.size(), 2U);
  EXPECT_EQ(sm.dimensions[0].name, "http.method");
  EXPECT_EQ(sm.dimensions[0].default_value, "GET");
  EXPECT_FALSE(sm.dimensions[1].default_value.has_value());
  EXPECT_THAT(sm.exclude_dimensions, ElementsAre("status.code"));
  EXPECT_TRUE(sm.delta_temporality);
  EXPECT_EQ(sm.metrics_flush_interval, seconds(15));
  EXPECT_EQ(sm.metrics_expiration, minutes(5));
  EXPECT_TRUE(sm.exemplars_enabled);
  EXPECT_EQ(sm.exemplars_max_per_data_point, 3);
  EXPECT_EQ(sm.aggregation_cardinality_limit, 1000);
  const SpanMetricsConnectorConfig& defaults =
      config->span_metrics_connectors.at("span_metrics/defaults");
  EXPECT_EQ(defaults.metric_namespace, "traces.span.metrics");
  EXPECT_EQ(defaults.histogram_unit, "ms");
  EXPECT_TRUE(defaults.explicit_buckets.empty());
  EXPECT_FALSE(defaults.delta_temporality);
  EXPECT_EQ(defaults.metrics_flush_interval, seconds(60));
  const ServiceGraphConnectorConfig& graph = config->service_graph_connectors.at("servicegraph");
  EXPECT_EQ(graph.store_ttl, seconds(5));
  EXPECT_EQ(graph.store_max_items, 500);
  EXPECT_THAT(graph.dimensions, ElementsAre("db.system"));
}

TEST(CollectorConfigTest, ValidatesSpanMetricsConnector) {
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    histogram:\n"
                                  "      unit: min\n")),
            "collector.yaml:4: connectors.spanmetrics.histogram.unit: expected ms or s, got "
            "\"min\"");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    dimensions:\n"
                                  "      - name: service.name\n")),
            "collector.yaml:3: connectors.spanmetrics.dimensions: duplicate dimension name "
            "\"service.name\"");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    dimensions:\n"
                                  "      - default: x\n")),
            "collector.yaml:4: connectors.spanmetrics.dimensions[0].name: required");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    aggregation_temporality: DELTA\n")),
            "collector.yaml:3: connectors.spanmetrics.aggregation_temporality: expected "
            "AGGREGATION_TEMPORALITY_CUMULATIVE or AGGREGATION_TEMPORALITY_DELTA, got \"DELTA\"");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    histogram:\n"
                                  "      explicit:\n"
                                  "        buckets: [100ms, 10ms]\n")),
            "collector.yaml:5: connectors.spanmetrics.histogram.explicit.buckets: bucket bounds "
            "must be strictly increasing, got 10ms after 100ms");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    histogram:\n"
                                  "      explicit:\n"
                                  "        buckets: [100, 200]\n")),
            "collector.yaml:5: connectors.spanmetrics.histogram.explicit.buckets: expected a "
            "duration such as \"200ms\" or \"5s\", got \"100\" (a bare number has no unit; write "
            "e.g. \"100s\" or \"100ms\")");
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    histogram:\n"
                                  "      explicit: {buckets: [1ms]}\n"
                                  "      exponential: {max_size: 160}\n")),
            "collector.yaml:4: connectors.spanmetrics.histogram: use either `explicit` or "
            "`exponential` buckets, not both");
  EXPECT_THAT(ErrorOf(WithConnector("  spanmetrics:\n"
                                    "    flush_interval: 15s\n")),
              StartsWith("collector.yaml:3: connectors.spanmetrics.flush_interval: unknown key"));
  EXPECT_EQ(ErrorOf(WithConnector("  spanmetrics:\n"
                                  "    events: {enabled: true}\n")),
            "collector.yaml:3: connectors.spanmetrics.events.dimensions: required when events "
            "are enabled");
  EXPECT_EQ(ErrorOf(WithConnector("  service_graph:\n"
                                  "    store:\n"
                                  "      ttl: 5\n")),
            "collector.yaml:4: connectors.service_graph.store.ttl: expected a duration such as "
            "\"200ms\" or \"5s\", got \"5\" (a bare number has no unit; write e.g. \"5s\" or "
            "\"5ms\")");
  EXPECT_THAT(ErrorOf(WithConnector("  servicegraph:\n"
                                    "    ttl: 5s\n")),
              StartsWith("collector.yaml:3: connectors.servicegraph.ttl: unknown key"));
}

TEST(CollectorConfigTest, ProductionConfigModelsItsProcessorsAndConnector) {
  Result<CollectorConfig> config =
      LoadCollectorConfig(tflo::testing::TestdataPath("core/collector_production.yaml"));

  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->memory_limiters.at("memory_limiter").spike_limit_mib, 384);
  const TailSamplingConfig& tail = config->tail_samplers.at("tail_sampling");
  EXPECT_EQ(tail.decision_wait, seconds(10));
  EXPECT_EQ(tail.num_traces, 100000);
  ASSERT_EQ(tail.policies.size(), 3U);
  EXPECT_EQ(tail.policies[2].type, "probabilistic");
  EXPECT_DOUBLE_EQ(tail.policies[2].sampling_percentage, 10);
  const PipelineConfig* traces = config->TracesPipeline();
  ASSERT_NE(traces, nullptr);
  const SpanMetricsConnectorConfig* sm = config->SpanMetricsFor(*traces);
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->id, "spanmetrics");
  EXPECT_EQ(sm->explicit_buckets.size(), 8U);
  EXPECT_EQ(sm->metrics_flush_interval, seconds(15));
  EXPECT_EQ(config->SpanMetricsFor(config->pipelines[1]), nullptr);
}

}  // namespace
}  // namespace tflo::core
