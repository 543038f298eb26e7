// The AWS Lambda configuration the pipeline model reads: a function
// configuration in the shape `aws lambda get-function-configuration` prints
// (or `aws lambda get-function`, whose "Configuration" object is used), and an
// SQS event source mapping in the shape `aws lambda get-event-source-mapping`
// prints. The optimizer's Lambda knobs (MemorySize, Timeout, the OTEL_BSP_*
// environment variables, BatchSize, MaximumBatchingWindowInSeconds,
// ScalingConfig.MaximumConcurrency) live in these files; lambda_model.h turns
// them into durations, costs and lost spans.
//
// Parsing follows the AWS API reference (FunctionConfiguration,
// EventSourceMappingConfiguration) and the limits in the shared pipeline facts
// section 9; OTEL_* variables follow the SDK environment specification
// (pipeline facts section 8). Keys AWS prints that the model does not use are
// accepted (the real output has dozens), but every modelled key is type- and
// range-checked, and an unknown key that looks like a misspelt modelled key is
// an error. Errors name the file, the 1-based line and the key:
//   `function.json:7: MemorySize: expected an integer in 128..10240, got 64`.
//
// Secrets: OTEL_EXPORTER_OTLP_HEADERS carries credentials
// ("authorization=Bearer ..."). Its value is never stored, logged or quoted in
// an error; only whether it is set is kept. Other environment variables are
// kept by name only. Plain value types; parsing is thread-safe.
#ifndef TFLO_WORKLOAD_LAMBDA_CONFIG_H_
#define TFLO_WORKLOAD_LAMBDA_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::workload {

enum class LambdaArchitecture { kX86_64, kArm64 };
// "x86_64" / "arm64", as in the Architectures list.
std::string_view LambdaArchitectureName(LambdaArchitecture arch);

// Limits (AWS Lambda developer guide: configuration-memory, configuration-timeout,
// services-sqs-parameters; API_ScalingConfig).
inline constexpr int64_t kLambdaMinMemoryMb = 128;
inline constexpr int64_t kLambdaMaxMemoryMb = 10240;
inline constexpr int64_t kLambdaMinTimeoutSeconds = 1;
inline constexpr int64_t kLambdaMaxTimeoutSeconds = 900;
inline constexpr int64_t kSqsMaxBatchSize = 10000;
inline constexpr int64_t kSqsFifoMaxBatchSize = 10;
inline constexpr int64_t kSqsMaxBatchingWindowSeconds = 300;
inline constexpr int64_t kEsmMinMaximumConcurrency = 2;
inline constexpr int64_t kEsmMaxMaximumConcurrency = 1000;

// The BatchSpanProcessor settings of the function's OpenTelemetry SDK, from the
// OTEL_BSP_* environment variables (defaults of the SDK specification when a
// variable is absent or empty).
struct LambdaBspConfig {
  std::chrono::milliseconds schedule_delay{5000};   // OTEL_BSP_SCHEDULE_DELAY
  int64_t max_export_batch_size = 512;              // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  int64_t max_queue_size = 2048;                    // OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds export_timeout{30000};  // OTEL_BSP_EXPORT_TIMEOUT
};

struct LambdaFunctionConfig {
  std::string source;  // file name (or "<built-in>"), for messages
  std::string function_name = "onboarding-lambda";
  std::string function_arn;         // may be empty in hand-written files
  std::string runtime;              // "python3.12"; empty for container images
  std::string package_type;         // "Zip" or "Image"; empty when absent
  int64_t memory_mb = 128;          // MemorySize, AWS default 128
  std::chrono::seconds timeout{3};  // Timeout, AWS default 3 s
  LambdaArchitecture architecture = LambdaArchitecture::kX86_64;  // Architectures[0]
  int64_t ephemeral_storage_mb = 512;                             // EphemeralStorage.Size
  std::string last_modified;
  LambdaBspConfig bsp;
  // OTEL_EXPORTER_OTLP_ENDPOINT with any user-info and query string removed.
  std::string otlp_endpoint;
  // Whether OTEL_EXPORTER_OTLP_HEADERS is set; its value is a secret, never kept.
  bool otlp_headers_set = false;
  // Names (never values) of the other environment variables, sorted.
  std::vector<std::string> other_environment_variables;
};

struct EventSourceMappingConfig {
  std::string source;
  std::string uuid;
  std::string event_source_arn;  // an SQS queue ARN
  std::string function_arn;
  int64_t batch_size = 10;                          // BatchSize, AWS default 10
  std::chrono::seconds maximum_batching_window{0};  // MaximumBatchingWindowInSeconds
  bool report_batch_item_failures = false;          // FunctionResponseTypes
  std::optional<int64_t> maximum_concurrency;       // ScalingConfig.MaximumConcurrency
  std::string state = "Enabled";
  bool fifo = false;  // the queue ARN ends in ".fifo"
};

// The function of the onboarding demos (shared seeds 001/002): arm64,
// 512 MB, Timeout 15 s, SDK defaults for the batch span processor, an OTLP
// endpoint with an authorization header.
LambdaFunctionConfig DefaultLambdaFunctionConfig();
// The demos' mapping: BatchSize 5, no batching window, no partial batch
// responses, no MaximumConcurrency.
EventSourceMappingConfig DefaultEventSourceMapping();

// kInvalidArgument naming `source_name`, the line and the key for malformed
// JSON, a wrong type or an impossible value.
Result<LambdaFunctionConfig> ParseLambdaFunctionConfig(std::string_view json_text,
                                                       std::string_view source_name);
Result<EventSourceMappingConfig> ParseEventSourceMapping(std::string_view json_text,
                                                         std::string_view source_name);
// Read the file first: kNotFound / kUnavailable name the path.
Result<LambdaFunctionConfig> LoadLambdaFunctionConfig(const std::filesystem::path& path);
Result<EventSourceMappingConfig> LoadEventSourceMapping(const std::filesystem::path& path);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_LAMBDA_CONFIG_H_
