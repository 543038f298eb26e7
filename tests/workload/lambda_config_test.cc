#include "tflo/workload/lambda_config.h"

#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>

namespace tflo::workload {
namespace {

using tflo::testing::ReadTestdata;
using tflo::testing::TestdataPath;

// Every string the parsed function configuration holds.
std::vector<std::string> AllStrings(const LambdaFunctionConfig& c) {
  std::vector<std::string> out = {c.source,       c.function_name, c.function_arn, c.runtime,
                                  c.package_type, c.last_modified, c.otlp_endpoint};
  out.insert(out.end(), c.other_environment_variables.begin(), c.other_environment_variables.end());
  return out;
}

TEST(LambdaConfigTest, ParsesGetFunctionConfigurationOutput) {
  auto config = LoadLambdaFunctionConfig(TestdataPath("workload/lambda/function_arm64.json"));

  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "cal-onboarding-lambda-arm64");
  EXPECT_EQ(config->function_arn,
            "arn:aws:lambda:us-west-2:123456789012:function:cal-onboarding-lambda-arm64");
  EXPECT_EQ(config->memory_mb, 512);
  EXPECT_EQ(config->timeout, std::chrono::seconds(15));
  EXPECT_EQ(config->architecture, LambdaArchitecture::kArm64);
  EXPECT_EQ(config->package_type, "Image");
  EXPECT_EQ(config->runtime, "");
  EXPECT_EQ(config->ephemeral_storage_mb, 512);
  EXPECT_EQ(config->last_modified, "2025-10-09T14:21:07.000+0000");
  EXPECT_EQ(config->bsp.schedule_delay, std::chrono::milliseconds(1000));
  EXPECT_EQ(config->bsp.max_export_batch_size, 256);
  EXPECT_EQ(config->bsp.max_queue_size, 4096);
  EXPECT_EQ(config->bsp.export_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(config->otlp_endpoint, "https://ingress.us2.coralogix.com:443");
  EXPECT_TRUE(config->otlp_headers_set);
  const std::vector<std::string> others = {
      "CORALOGIX_API_KEY",   "CX_APPLICATION", "CX_SUBSYSTEM",     "OTEL_PROPAGATORS",
      "OTEL_TRACES_SAMPLER", "SERVICE_NAME",   "SERVICE_NAMESPACE"};
  EXPECT_EQ(config->other_environment_variables, others);
  EXPECT_NE(config->source.find("function_arm64.json"), std::string::npos);
}

TEST(LambdaConfigTest, SecretValuesAreNeverStored) {
  const std::string text = ReadTestdata("workload/lambda/function_arm64.json");
  ASSERT_NE(text.find("SECRETVALUE"), std::string::npos);  // the fixture holds the secret

  auto config = ParseLambdaFunctionConfig(text, "function.json");

  ASSERT_TRUE(config.ok()) << config.status().ToString();
  for (const std::string& field : AllStrings(*config)) {
    EXPECT_EQ(field.find("SECRETVALUE"), std::string::npos) << field;
    EXPECT_EQ(field.find("Bearer"), std::string::npos) << field;
  }
}

TEST(LambdaConfigTest, SecretsStayOutOfErrorMessages) {
  // A bad escape inside the header value: nlohmann would quote the text it read.
  const std::string bad_escape = R"({
  "FunctionName": "f",
  "Environment": {"Variables": {
    "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer TOPSECRET\q"
  }}
})";
  const std::string wrong_type = R"({
  "FunctionName": "f",
  "Environment": {"Variables": {"OTEL_EXPORTER_OTLP_HEADERS": 987654321}}
})";
  const std::string other_error = R"({
  "FunctionName": "f",
  "MemorySize": 1,
  "Environment": {"Variables": {"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer TOPSECRET"}}
})";

  auto a = ParseLambdaFunctionConfig(bad_escape, "f.json");
  auto b = ParseLambdaFunctionConfig(wrong_type, "f.json");
  auto c = ParseLambdaFunctionConfig(other_error, "f.json");

  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("f.json:4:"), std::string::npos) << a.status().message();
  EXPECT_EQ(a.status().message().find("TOPSECRET"), std::string::npos) << a.status().message();
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find(
                "f.json:3: Environment.Variables.OTEL_EXPORTER_OTLP_HEADERS: expected a string"),
            std::string::npos)
      << b.status().message();
  EXPECT_EQ(b.status().message().find("987654321"), std::string::npos);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("TOPSECRET"), std::string::npos);
}

TEST(LambdaConfigTest, AbsentKeysTakeAwsAndSdkDefaults) {
  auto config = LoadLambdaFunctionConfig(TestdataPath("workload/lambda/function_x86_zip.json"));

  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->architecture, LambdaArchitecture::kX86_64);
  EXPECT_EQ(config->memory_mb, 1769);
  EXPECT_EQ(config->timeout, std::chrono::seconds(30));
  EXPECT_EQ(config->runtime, "python3.12");
  EXPECT_EQ(config->ephemeral_storage_mb, 1024);
  EXPECT_EQ(config->bsp.schedule_delay, std::chrono::milliseconds(5000));
  EXPECT_EQ(config->bsp.max_export_batch_size, 512);
  EXPECT_EQ(config->bsp.max_queue_size, 2048);
  EXPECT_EQ(config->bsp.export_timeout, std::chrono::milliseconds(30000));
  EXPECT_FALSE(config->otlp_headers_set);
  EXPECT_TRUE(config->other_environment_variables.empty());

  auto minimal = ParseLambdaFunctionConfig(R"({"FunctionName": "f"})", "m.json");
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_EQ(minimal->memory_mb, 128);
  EXPECT_EQ(minimal->timeout, std::chrono::seconds(3));
}

TEST(LambdaConfigTest, ReadsTheConfigurationOfGetFunctionOutput) {
  auto config = LoadLambdaFunctionConfig(TestdataPath("workload/lambda/get_function.json"));

  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->memory_mb, 1024);
  EXPECT_EQ(config->timeout, std::chrono::seconds(60));
  EXPECT_EQ(config->architecture, LambdaArchitecture::kArm64);
  // An empty value means unset (SDK environment specification).
  EXPECT_EQ(config->bsp.schedule_delay, std::chrono::milliseconds(5000));
}

TEST(LambdaConfigTest, EndpointCredentialsAreStripped) {
  auto config = ParseLambdaFunctionConfig(R"({"FunctionName": "f", "Environment": {"Variables": {
      "OTEL_EXPORTER_OTLP_ENDPOINT": "https://user:pw@collector:4317/v1?token=abc"}}})",
                                          "e.json");

  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->otlp_endpoint, "https://collector:4317/v1");
}

struct BadCase {
  const char* name;
  std::string json;
  std::string expected;  // "<file>:<line>: <key>: ..." prefix or fragment
};

TEST(LambdaConfigTest, ErrorsNameFileLineAndKey) {
  const std::vector<BadCase> cases = {
      {"memory too small", "{\n  \"FunctionName\": \"f\",\n  \"MemorySize\": 64\n}",
       "f.json:3: MemorySize: expected an integer in 128..10240, got 64"},
      {"memory too large", "{\n  \"FunctionName\": \"f\",\n\n  \"MemorySize\": 10241\n}",
       "f.json:4: MemorySize: expected an integer in 128..10240, got 10241"},
      {"memory as string", "{\"FunctionName\": \"f\",\n\"MemorySize\": \"512\"}",
       "f.json:2: MemorySize: expected an integer in 128..10240, got the string \"512\""},
      {"memory fractional", "{\"FunctionName\": \"f\",\n\"MemorySize\": 512.5}",
       "f.json:2: MemorySize: expected an integer"},
      {"timeout zero", "{\"FunctionName\": \"f\",\n\"Timeout\": 0}",
       "f.json:2: Timeout: expected an integer in 1..900, got 0"},
      {"timeout too long", "{\"FunctionName\": \"f\",\n\n\"Timeout\": 901}",
       "f.json:3: Timeout: expected an integer in 1..900, got 901"},
      {"unknown architecture", "{\"FunctionName\": \"f\",\n\"Architectures\": [\n  \"mips\"\n]}",
       "f.json:3: Architectures[0]: expected \"x86_64\" or \"arm64\""},
      {"architecture not a list", "{\"FunctionName\": \"f\",\n\"Architectures\": \"arm64\"}",
       "f.json:2: Architectures: expected a list of exactly one architecture"},
      {"bsp not a number",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\n \"Variables\": {\n"
       "  \"OTEL_BSP_SCHEDULE_DELAY\": \"soon\"\n}}}",
       "f.json:4: Environment.Variables.OTEL_BSP_SCHEDULE_DELAY: expected a positive integer"},
      {"bsp zero",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\"Variables\": {\n"
       "  \"OTEL_BSP_MAX_QUEUE_SIZE\": \"0\"}}}",
       "f.json:3: Environment.Variables.OTEL_BSP_MAX_QUEUE_SIZE: expected a positive integer"},
      {"bsp negative",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\"Variables\": {\n"
       "  \"OTEL_BSP_EXPORT_TIMEOUT\": \"-5\"}}}",
       "f.json:3: Environment.Variables.OTEL_BSP_EXPORT_TIMEOUT: expected a positive integer"},
      {"bsp as a JSON number",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\"Variables\": {\n"
       "  \"OTEL_BSP_SCHEDULE_DELAY\": 1000}}}",
       "f.json:3: Environment.Variables.OTEL_BSP_SCHEDULE_DELAY: expected a string"},
      {"batch above queue",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\"Variables\": {\n"
       "  \"OTEL_BSP_MAX_QUEUE_SIZE\": \"1000\",\n  \"OTEL_BSP_MAX_EXPORT_BATCH_SIZE\": "
       "\"2000\"}}}",
       "f.json:4: Environment.Variables.OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "
       "OTEL_BSP_MAX_EXPORT_BATCH_SIZE (2000) must be <= OTEL_BSP_MAX_QUEUE_SIZE (1000)"},
      {"unknown bsp variable",
       "{\"FunctionName\": \"f\",\n\"Environment\": {\"Variables\": {\n"
       "  \"OTEL_BSP_SCHEDULE_DELAYS\": \"100\"}}}",
       "f.json:3: Environment.Variables.OTEL_BSP_SCHEDULE_DELAYS: unknown batch span processor"},
      {"misspelt key", "{\"FunctionName\": \"f\",\n\"MemmorySize\": 512}",
       "f.json:2: MemmorySize: unknown key (did you mean MemorySize?)"},
      {"wrong case", "{\"FunctionName\": \"f\",\n\n\"timeout\": 5}",
       "f.json:3: timeout: unknown key (did you mean Timeout?)"},
      {"missing name", "{\n\"MemorySize\": 512\n}", "f.json:1: FunctionName: missing"},
      {"bad package type", "{\"FunctionName\": \"f\",\n\"PackageType\": \"Jar\"}",
       "f.json:2: PackageType: expected \"Zip\" or \"Image\""},
      {"ephemeral storage", "{\"FunctionName\": \"f\",\n\"EphemeralStorage\": {\n\"Size\": 100}}",
       "f.json:3: EphemeralStorage.Size: expected an integer in 512..10240"},
      {"syntax", "{\n  \"FunctionName\": \"f\"\n  \"MemorySize\": 512\n}", "f.json:3:"},
      {"not an object", "[1, 2]", "f.json:1: expected a JSON object"},
  };
  for (const BadCase& c : cases) {
    auto result = ParseLambdaFunctionConfig(c.json, "f.json");

    ASSERT_FALSE(result.ok()) << c.name;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(result.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << result.status().message();
  }
}

TEST(LambdaConfigTest, SyntaxErrorsGiveLineAndColumn) {
  auto result =
      ParseLambdaFunctionConfig("{\n  \"FunctionName\": \"f\",\n  \"MemorySize\": 5x\n}", "f.json");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().rfind("f.json:3:", 0), 0U) << result.status().message();
  EXPECT_NE(result.status().message().find("invalid JSON"), std::string::npos);
}

TEST(LambdaConfigTest, MissingFileIsNotFound) {
  auto result = LoadLambdaFunctionConfig(TestdataPath("workload/lambda/no_such_function.json"));

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("no_such_function.json"), std::string::npos);
}

TEST(LambdaConfigTest, FileErrorsNameTheFile) {
  auto result = LoadLambdaFunctionConfig(TestdataPath("workload/lambda/function_bad_memory.json"));

  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("function_bad_memory.json:4: MemorySize:"),
            std::string::npos)
      << result.status().message();
}

TEST(EventSourceMappingTest, ParsesGetEventSourceMappingOutput) {
  auto esm = LoadEventSourceMapping(TestdataPath("workload/lambda/esm_sqs.json"));

  ASSERT_TRUE(esm.ok()) << esm.status().ToString();
  EXPECT_EQ(esm->uuid, "6d3c1f0e-2a4b-4c5d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(esm->event_source_arn, "arn:aws:sqs:us-west-2:123456789012:cal-onboarding-queue");
  EXPECT_EQ(esm->batch_size, 100);
  EXPECT_EQ(esm->maximum_batching_window, std::chrono::seconds(5));
  EXPECT_TRUE(esm->report_batch_item_failures);
  ASSERT_TRUE(esm->maximum_concurrency.has_value());
  EXPECT_EQ(*esm->maximum_concurrency, 50);
  EXPECT_EQ(esm->state, "Enabled");
  EXPECT_FALSE(esm->fifo);

  auto demo = LoadEventSourceMapping(TestdataPath("workload/lambda/esm_sqs_demo.json"));
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  EXPECT_EQ(demo->batch_size, 5);
  EXPECT_EQ(demo->maximum_batching_window, std::chrono::seconds(0));
  EXPECT_FALSE(demo->report_batch_item_failures);
  EXPECT_FALSE(demo->maximum_concurrency.has_value());
}

TEST(EventSourceMappingTest, DefaultsFollowTheApi) {
  auto esm = ParseEventSourceMapping("{}", "e.json");

  ASSERT_TRUE(esm.ok()) << esm.status().ToString();
  EXPECT_EQ(esm->batch_size, 10);
  EXPECT_EQ(esm->maximum_batching_window, std::chrono::seconds(0));
  EXPECT_FALSE(esm->report_batch_item_failures);
}

TEST(EventSourceMappingTest, ErrorsNameFileLineAndKey) {
  const std::string arn = "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:1:q\"";
  const std::string fifo = "\"EventSourceArn\": \"arn:aws:sqs:us-east-1:1:q.fifo\"";
  const std::vector<BadCase> cases = {
      {"batch zero", "{\n\"BatchSize\": 0\n}",
       "e.json:2: BatchSize: expected an integer in 1..10000"},
      {"batch too large", "{\n\"BatchSize\": 10001,\n\"MaximumBatchingWindowInSeconds\": 1}",
       "e.json:2: BatchSize: expected an integer in 1..10000, got 10001"},
      {"window too long", "{\n\n\"MaximumBatchingWindowInSeconds\": 301}",
       "e.json:3: MaximumBatchingWindowInSeconds: expected an integer in 0..300"},
      {"large batch without window", "{\n\"BatchSize\": 20\n}",
       "e.json:2: BatchSize: a BatchSize above 10 (20) requires MaximumBatchingWindowInSeconds >= "
       "1"},
      {"large batch with zero window",
       "{\n\"BatchSize\": 20,\n\"MaximumBatchingWindowInSeconds\": 0}",
       "e.json:3: MaximumBatchingWindowInSeconds: a BatchSize above 10"},
      {"fifo batch", "{" + fifo + ",\n\"BatchSize\": 20,\n\"MaximumBatchingWindowInSeconds\": 1}",
       "e.json:2: BatchSize: a FIFO queue allows at most 10"},
      {"fifo window", "{" + fifo + ",\n\"BatchSize\": 5,\n\"MaximumBatchingWindowInSeconds\": 1}",
       "e.json:3: MaximumBatchingWindowInSeconds: batching windows are not supported for FIFO"},
      {"response type", "{" + arn + ",\n\"FunctionResponseTypes\": [\n\"ReportFailures\"]}",
       "e.json:3: FunctionResponseTypes[0]: expected \"ReportBatchItemFailures\""},
      {"concurrency", "{\n\"ScalingConfig\": {\n  \"MaximumConcurrency\": 1\n}}",
       "e.json:3: ScalingConfig.MaximumConcurrency: expected an integer in 2..1000, got 1"},
      {"concurrency typo", "{\n\"ScalingConfig\": {\n  \"MaxConcurrency\": 10\n}}",
       "e.json:3: ScalingConfig.MaxConcurrency: unknown key (did you mean MaximumConcurrency?)"},
      {"state", "{\n\"State\": \"Running\"}", "e.json:2: State: expected one of"},
      {"kinesis", "{\n\"EventSourceArn\": \"arn:aws:kinesis:us-east-1:1:stream/s\"}",
       "e.json:2: EventSourceArn: only SQS event sources are modelled"},
      {"misspelt batch size", "{\n\"Batchsize\": 5}",
       "e.json:2: Batchsize: unknown key (did you mean BatchSize?)"},
  };
  for (const BadCase& c : cases) {
    auto result = ParseEventSourceMapping(c.json, "e.json");

    ASSERT_FALSE(result.ok()) << c.name;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(result.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << result.status().message();
  }
}

TEST(EventSourceMappingTest, FileErrorsNameTheFileAndTheWindowKey) {
  auto result = LoadEventSourceMapping(TestdataPath("workload/lambda/esm_bad_window.json"));

  ASSERT_FALSE(result.ok());
  EXPECT_NE(
      result.status().message().find("esm_bad_window.json:5: MaximumBatchingWindowInSeconds:"),
      std::string::npos)
      << result.status().message();
}

TEST(EventSourceMappingTest, FifoQueuesAreRecognised) {
  auto esm = ParseEventSourceMapping(
      R"({"EventSourceArn": "arn:aws:sqs:us-east-1:1:onboarding.fifo", "BatchSize": 10})",
      "e.json");

  ASSERT_TRUE(esm.ok()) << esm.status().ToString();
  EXPECT_TRUE(esm->fifo);
}

}  // namespace
}  // namespace tflo::workload
