// Typed view of an OpenTelemetry Collector configuration file: the parts tflo
// models (workload) and tunes (optimizer, actuators).
//
// The collector's YAML is the user's file; this header only *reads* it (the
// actuators edit the text in place). Components tflo does not model are kept as
// names only, so a real production config loads without complaint. Inside the
// blocks tflo does model (`batch` processors and an exporter's `sending_queue` /
// `retry_on_failure` / `timeout`), unknown keys, wrong types and impossible
// values are errors whose message names the file, the line and the key, e.g.
// `collector.yaml:14: processors.batch.send_batch_size: expected a non-negative
// integer, got "lots"`. Defaults and limits follow the collector's own
// documentation (see shared pipeline facts: batchprocessor, exporterhelper).
// Pure value types; parsing is thread-safe.
#ifndef TFLO_CORE_COLLECTOR_CONFIG_H_
#define TFLO_CORE_COLLECTOR_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::core {

// processors.batch[/name] (collector batchprocessor).
struct BatchProcessorConfig {
  std::string id;                                  // "batch" or "batch/name"
  int64_t send_batch_size = 8192;                  // items that trigger a send; 0 = no size trigger
  std::chrono::nanoseconds timeout = std::chrono::milliseconds(200);  // 0 = no timer
  int64_t send_batch_max_size = 0;                 // 0 = no cap; else >= send_batch_size
};

// exporters.<id>.sending_queue (exporterhelper).
struct SendingQueueConfig {
  bool enabled = true;
  int64_t num_consumers = 10;
  int64_t queue_size = 1000;
  std::string sizer = "requests";  // requests | items | bytes
  bool block_on_overflow = false;
};

// exporters.<id>.retry_on_failure (configretry).
struct RetryConfig {
  bool enabled = true;
  std::chrono::nanoseconds initial_interval = std::chrono::seconds(5);
  double randomization_factor = 0.5;
  double multiplier = 1.5;
  std::chrono::nanoseconds max_interval = std::chrono::seconds(30);
  std::chrono::nanoseconds max_elapsed_time = std::chrono::seconds(300);
};

struct ExporterConfig {
  std::string id;    // "otlp/tempo"
  std::string type;  // "otlp"
  SendingQueueConfig sending_queue;
  RetryConfig retry_on_failure;
  std::chrono::nanoseconds timeout = std::chrono::seconds(5);
  std::string endpoint;  // informational; never holds secrets (headers are not read)
};

struct PipelineConfig {
  std::string id;  // "traces", "traces/backend", ...
  std::vector<std::string> receivers;
  std::vector<std::string> processors;  // in order
  std::vector<std::string> exporters;
};

struct CollectorConfig {
  std::string source;  // file path or name used in error messages
  std::vector<std::string> receiver_ids;
  std::vector<std::string> processor_ids;  // every processor declared, modelled or not
  std::map<std::string, BatchProcessorConfig> batch_processors;  // by id
  std::map<std::string, ExporterConfig> exporters;               // by id
  std::vector<PipelineConfig> pipelines;

  // The first pipeline whose id is "traces" or starts with "traces/".
  const PipelineConfig* TracesPipeline() const;
  // The first batch processor in `pipeline`'s processor list, if any.
  const BatchProcessorConfig* BatchFor(const PipelineConfig& pipeline) const;
  // The first exporter of `pipeline`.
  const ExporterConfig* ExporterFor(const PipelineConfig& pipeline) const;
};

// `source_name` is used in messages (usually the path). Fails on malformed YAML
// (with the parser's line), on a modelled block with unknown keys / bad values,
// and on pipelines naming components that are not declared.
Result<CollectorConfig> ParseCollectorConfig(std::string_view yaml_text, std::string_view source_name);
Result<CollectorConfig> LoadCollectorConfig(const std::filesystem::path& path);

// Documented limits the optimizer must respect (no hard limit exists in the
// collector for most of these; these are tflo's safety bounds, see README).
inline constexpr int64_t kMaxSendBatchSize = 100000;
inline constexpr int64_t kMaxQueueSize = 100000;
inline constexpr int64_t kMaxNumConsumers = 100;

}  // namespace tflo::core

#endif  // TFLO_CORE_COLLECTOR_CONFIG_H_
