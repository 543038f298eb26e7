// Typed view of an OpenTelemetry Collector configuration file: the parts tflo
// models (workload) and tunes (optimizer, actuators).
//
// The collector's YAML is the user's file; this header only *reads* it (the
// actuators edit the text in place). Components tflo does not model are kept as
// names only, so a real production config loads without complaint. Inside the
// blocks tflo does model (`batch`, `memory_limiter`, `probabilistic_sampler` and
// `tail_sampling` processors, an exporter's `sending_queue` / `retry_on_failure` /
// `timeout`, the `spanmetrics` connector; `servicegraph` blocks are type-checked
// only), unknown keys, wrong types and impossible values are errors whose message
// names the file, the line and the key, e.g.
// `collector.yaml:14: processors.batch.send_batch_size: expected a non-negative
// integer, got "lots"`. Defaults and limits follow the collector's own
// documentation (see shared pipeline facts: batchprocessor, exporterhelper,
// memorylimiterprocessor, probabilisticsamplerprocessor, tailsamplingprocessor,
// spanmetricsconnector, servicegraphconnector; each struct names its source).
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

// processors.memory_limiter[/name] (core memorylimiterprocessor;
// internal/memorylimiter/config.go, pipeline facts section 3). Limits are in
// MiB of Go heap (`Alloc`) or in percent of the host's total memory.
struct MemoryLimiterConfig {
  std::string id;
  std::chrono::nanoseconds check_interval{0};  // must be > 0 (no default)
  int64_t limit_mib = 0;                       // hard limit; wins over limit_percentage
  int64_t spike_limit_mib = 0;                 // 0 = limit_mib / 5; must be < limit_mib
  int64_t limit_percentage = 0;                // 0..100, of total memory
  int64_t spike_limit_percentage = 0;          // 0 = limit / 5; must be < limit_percentage
  std::chrono::nanoseconds min_gc_interval_when_soft_limited = std::chrono::seconds(10);
  std::chrono::nanoseconds min_gc_interval_when_hard_limited{0};

  // The hard limit and the spike allowance in bytes on a host with
  // `total_memory_bytes` (only used with limit_percentage), as the collector's
  // usage checker computes them: an unset spike is limit / 5. The soft limit
  // is hard - spike.
  int64_t HardLimitBytes(int64_t total_memory_bytes) const;
  int64_t SpikeLimitBytes(int64_t total_memory_bytes) const;
};

// processors.probabilistic_sampler[/name] (contrib probabilisticsamplerprocessor;
// config.go, sampler_mode.go, pipeline facts section 4).
struct ProbabilisticSamplerConfig {
  std::string id;
  double sampling_percentage = 0;  // required; the collector holds it as float32
  std::string mode;                // "" (unset: hash_seed), hash_seed, proportional, equalizing
  uint32_t hash_seed = 0;
  bool fail_closed = true;
  int sampling_precision = 4;  // 1..14 hex digits of the written threshold
  // The mode in force: an unset mode is hash_seed.
  std::string EffectiveMode() const { return mode.empty() ? "hash_seed" : mode; }
};

// One policy of processors.tail_sampling (contrib tailsamplingprocessor;
// config.go, internal/sampling/*.go, pipeline facts section 5). One flat struct
// for every type; only the fields of `type` are meaningful.
struct TailSamplingPolicyConfig {
  std::string name;
  std::string type;      // always_sample, latency, status_code, ...
  bool modelled = true;  // false for types the collector knows but tflo does not model
  int line = 0;          // of the policy in the file, for messages
  // latency
  int64_t threshold_ms = 0;
  int64_t upper_threshold_ms = 0;  // 0 = no upper bound
  // numeric_attribute, string_attribute, boolean_attribute
  std::string key;
  int64_t min_value = 0;  // 0 = no lower bound
  int64_t max_value = 0;  // 0 = no upper bound
  std::vector<std::string> values;
  bool enabled_regex_matching = false;
  int64_t cache_max_size = 0;
  bool invert_match = false;
  bool bool_value = false;  // boolean_attribute.value
  // probabilistic
  double sampling_percentage = 0;
  std::string hash_salt;  // empty = "default-hash-seed"
  // status_code: "OK", "ERROR", "UNSET"
  std::vector<std::string> status_codes;
  // rate_limiting
  int64_t spans_per_second = 0;
  // span_count (inclusive; max 0 = no upper bound)
  int64_t min_spans = 0;
  int64_t max_spans = 0;
  // and (and_sub_policy), drop (drop_sub_policy)
  std::vector<TailSamplingPolicyConfig> sub_policies;
};

// processors.tail_sampling[/name].
struct TailSamplingConfig {
  std::string id;
  std::chrono::nanoseconds decision_wait = std::chrono::seconds(30);
  int64_t num_traces = 50000;
  int64_t expected_new_traces_per_sec = 0;
  int64_t sampled_cache_size = 0;      // decision_cache.sampled_cache_size
  int64_t non_sampled_cache_size = 0;  // decision_cache.non_sampled_cache_size
  bool sample_on_first_match = false;
  bool drop_pending_traces_on_shutdown = false;
  bool block_on_overflow = false;
  std::vector<TailSamplingPolicyConfig> policies;
};

// A `{name, default}` entry of the spanmetrics connector's dimension lists.
struct SpanMetricsDimension {
  std::string name;
  std::optional<std::string> default_value;
};

// connectors.spanmetrics / span_metrics[/name] (contrib spanmetricsconnector;
// config.go, connector.go, pipeline facts section 6).
struct SpanMetricsConnectorConfig {
  std::string id;
  std::string metric_namespace = "traces.span.metrics";  // YAML key `namespace`
  std::string histogram_unit = "ms";                     // ms | s
  bool histogram_disable = false;
  bool histogram_exponential = false;  // histogram.exponential set (not modelled)
  int64_t histogram_exponential_max_size = 160;
  // histogram.explicit.buckets; empty = the documented defaults
  // (2,4,6,8,10,50,100,200,400,800,1000,1400,2000,5000,10000,15000 ms).
  std::vector<std::chrono::nanoseconds> explicit_buckets;
  std::vector<SpanMetricsDimension> dimensions;
  std::vector<SpanMetricsDimension> calls_dimensions;
  std::vector<SpanMetricsDimension> histogram_dimensions;
  std::vector<std::string> exclude_dimensions;
  bool delta_temporality = false;  // aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA
  std::chrono::nanoseconds metrics_flush_interval = std::chrono::seconds(60);
  std::chrono::nanoseconds metrics_expiration{0};  // 0 = never
  bool exemplars_enabled = false;
  int64_t exemplars_max_per_data_point = 5;
  bool events_enabled = false;
  std::vector<SpanMetricsDimension> events_dimensions;
  int64_t aggregation_cardinality_limit = 0;  // 0 = off
  int64_t resource_metrics_cache_size = 1000;
  std::vector<std::string> resource_metrics_key_attributes;
};

// connectors.servicegraph / service_graph[/name] (contrib servicegraphconnector;
// config.go). Read and type-checked, not modelled.
struct ServiceGraphConnectorConfig {
  std::string id;
  std::vector<std::chrono::nanoseconds> latency_histogram_buckets;
  std::vector<std::string> dimensions;
  int64_t store_max_items = 1000;
  std::chrono::nanoseconds store_ttl = std::chrono::seconds(2);
  std::chrono::nanoseconds metrics_flush_interval = std::chrono::seconds(60);
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
  std::vector<std::string> connector_ids;  // every connector declared, modelled or not
  std::map<std::string, MemoryLimiterConfig> memory_limiters;                // by id
  std::map<std::string, ProbabilisticSamplerConfig> probabilistic_samplers;  // by id
  std::map<std::string, TailSamplingConfig> tail_samplers;                   // by id
  std::map<std::string, SpanMetricsConnectorConfig> span_metrics_connectors;    // by id
  std::map<std::string, ServiceGraphConnectorConfig> service_graph_connectors;  // by id

  // The first pipeline whose id is "traces" or starts with "traces/".
  const PipelineConfig* TracesPipeline() const;
  // The first batch processor in `pipeline`'s processor list, if any.
  const BatchProcessorConfig* BatchFor(const PipelineConfig& pipeline) const;
  // The first exporter of `pipeline`.
  const ExporterConfig* ExporterFor(const PipelineConfig& pipeline) const;
  // The first spanmetrics connector among `pipeline`'s exporters, if any.
  const SpanMetricsConnectorConfig* SpanMetricsFor(const PipelineConfig& pipeline) const;
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
