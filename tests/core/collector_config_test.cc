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

}  // namespace
}  // namespace tflo::core
