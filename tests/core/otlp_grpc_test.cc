#include "tflo/core/otlp_grpc.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "core/otlp_samples.h"
#include "test_util.h"
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace tflo::core {
namespace {

using std::chrono::milliseconds;
using testing::MakeSampleLogs;
using testing::MakeSampleMetrics;
using testing::MakeSampleTraces;

constexpr milliseconds kWait{30000};

// Routes spdlog's default logger into a string for the test's lifetime.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// A TCP port on 127.0.0.1 that is bound but never listens: connections to it
// are refused for as long as this object lives, and nothing else can take it.
class RefusingPort : public tflo::testing::HeldLoopbackPort {
 public:
  RefusingPort() : HeldLoopbackPort(/*listen=*/false) {}
};

// Collects what the receiver decodes.
struct Inbox {
  std::mutex mu;
  std::vector<TracesData> traces;
  std::vector<MetricsData> metrics;
  std::vector<LogsData> logs;

  OtlpGrpcReceiverOptions Options() {
    OtlpGrpcReceiverOptions options;
    options.on_traces = [this](TracesData&& d) {
      std::lock_guard lock(mu);
      traces.push_back(std::move(d));
      return OkStatus();
    };
    options.on_metrics = [this](MetricsData&& d) {
      std::lock_guard lock(mu);
      metrics.push_back(std::move(d));
      return OkStatus();
    };
    options.on_logs = [this](LogsData&& d) {
      std::lock_guard lock(mu);
      logs.push_back(std::move(d));
      return OkStatus();
    };
    return options;
  }
};

OtlpGrpcExporterOptions FastOptions(const std::string& endpoint) {
  OtlpGrpcExporterOptions options;
  options.endpoint = endpoint;
  options.timeout = milliseconds(5000);
  options.max_attempts = 4;
  options.initial_backoff = milliseconds(5);
  options.max_backoff = milliseconds(20);
  return options;
}

std::unique_ptr<OtlpGrpcReceiver> StartReceiver(OtlpGrpcReceiverOptions options) {
  auto receiver = OtlpGrpcReceiver::Start(std::move(options));
  EXPECT_TRUE(receiver.ok()) << receiver.status().ToString();
  return receiver.ok() ? std::move(*receiver) : nullptr;
}

std::unique_ptr<OtlpGrpcExporter> MakeExporter(OtlpGrpcExporterOptions options) {
  auto exporter = OtlpGrpcExporter::Create(std::move(options));
  EXPECT_TRUE(exporter.ok()) << exporter.status().ToString();
  return exporter.ok() ? std::move(*exporter) : nullptr;
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// ---- exporter -> receiver --------------------------------------------------------

TEST(OtlpGrpcTest, TracesMetricsAndLogsArriveIntact) {
  Inbox inbox;
  auto receiver = StartReceiver(inbox.Options());
  ASSERT_NE(receiver, nullptr);
  EXPECT_GT(receiver->port(), 0);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);

  const Status traces = exporter->Export(MakeSampleTraces());
  const Status metrics = exporter->Export(MakeSampleMetrics());
  const Status logs = exporter->Export(MakeSampleLogs());

  ASSERT_TRUE(traces.ok()) << traces.ToString();
  ASSERT_TRUE(metrics.ok()) << metrics.ToString();
  ASSERT_TRUE(logs.ok()) << logs.ToString();
  std::lock_guard lock(inbox.mu);
  ASSERT_EQ(inbox.traces.size(), 1U);
  ASSERT_EQ(inbox.metrics.size(), 1U);
  ASSERT_EQ(inbox.logs.size(), 1U);
  EXPECT_EQ(inbox.traces[0], MakeSampleTraces());
  EXPECT_EQ(inbox.metrics[0], MakeSampleMetrics());
  EXPECT_EQ(inbox.logs[0], MakeSampleLogs());
  EXPECT_EQ(exporter->stats(Signal::kTraces).exported_items, MakeSampleTraces().SpanCount());
  EXPECT_EQ(exporter->stats(Signal::kMetrics).exported_items, MakeSampleMetrics().DataPointCount());
  EXPECT_EQ(exporter->stats(Signal::kLogs).exported_items, MakeSampleLogs().LogRecordCount());
  EXPECT_EQ(receiver->stats(Signal::kTraces).items, MakeSampleTraces().SpanCount());
  EXPECT_EQ(exporter->total_stats().failed_items, 0U);
}

TEST(OtlpGrpcTest, GzipCompressedRequestsArriveIntact) {
  Inbox inbox;
  auto receiver = StartReceiver(inbox.Options());
  ASSERT_NE(receiver, nullptr);
  OtlpGrpcExporterOptions options = FastOptions("http://" + receiver->endpoint());
  options.compression = OtlpCompression::kGzip;
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);

  const Status st = exporter->Export(MakeSampleTraces());

  ASSERT_TRUE(st.ok()) << st.ToString();
  std::lock_guard lock(inbox.mu);
  ASSERT_EQ(inbox.traces.size(), 1U);
  EXPECT_EQ(inbox.traces[0], MakeSampleTraces());
}

TEST(OtlpGrpcTest, CountOnlyReceiverCountsItemsFromTheWire) {
  auto receiver = StartReceiver(OtlpGrpcReceiverOptions{});
  ASSERT_NE(receiver, nullptr);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);

  ASSERT_TRUE(exporter->Export(MakeSampleTraces()).ok());
  ASSERT_TRUE(exporter->Export(MakeSampleMetrics()).ok());
  ASSERT_TRUE(exporter->Export(MakeSampleLogs()).ok());

  EXPECT_EQ(receiver->stats(Signal::kTraces).items, MakeSampleTraces().SpanCount());
  EXPECT_EQ(receiver->stats(Signal::kMetrics).items, MakeSampleMetrics().DataPointCount());
  EXPECT_EQ(receiver->stats(Signal::kLogs).items, MakeSampleLogs().LogRecordCount());
  EXPECT_EQ(receiver->stats(Signal::kTraces).decode_errors, 0U);
}

TEST(OtlpGrpcTest, RetriesAfterUnavailableThenSucceeds) {
  Inbox inbox;
  OtlpGrpcReceiverOptions receiver_options = inbox.Options();
  receiver_options.failures.fail_first_calls = 2;
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);

  const Status st = exporter->Export(MakeSampleTraces());

  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(receiver->stats(Signal::kTraces).injected_failures, 2U);
  EXPECT_EQ(exporter->stats(Signal::kTraces).retries, 2U);
  EXPECT_EQ(exporter->stats(Signal::kTraces).failed_items, 0U);
  std::lock_guard lock(inbox.mu);
  ASSERT_EQ(inbox.traces.size(), 1U);
  EXPECT_EQ(inbox.traces[0], MakeSampleTraces());
}

TEST(OtlpGrpcTest, NonRetryableCodeFailsOnFirstAttempt) {
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.failures.fail_first_calls = 1;
  receiver_options.failures.fail_code = ::tflo::StatusCode::kInvalidArgument;
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);

  const Status st = exporter->Export(MakeSampleLogs());

  EXPECT_EQ(st.code(), ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(exporter->stats(Signal::kLogs).retries, 0U);
  EXPECT_EQ(exporter->stats(Signal::kLogs).failed_items, MakeSampleLogs().LogRecordCount());
  EXPECT_EQ(receiver->stats(Signal::kLogs).requests, 1U);
}

TEST(OtlpGrpcTest, ResourceExhaustedIsRetriedOnlyWithRetryInfo) {
  OtlpGrpcReceiverOptions plain;
  plain.failures.fail_first_calls = 1;
  plain.failures.fail_code = ::tflo::StatusCode::kResourceExhausted;
  OtlpGrpcReceiverOptions with_info = plain;
  with_info.failures.retry_info_delay = milliseconds(10);
  auto plain_receiver = StartReceiver(plain);
  auto info_receiver = StartReceiver(with_info);
  ASSERT_NE(plain_receiver, nullptr);
  ASSERT_NE(info_receiver, nullptr);
  auto plain_exporter = MakeExporter(FastOptions(plain_receiver->endpoint()));
  auto info_exporter = MakeExporter(FastOptions(info_receiver->endpoint()));
  ASSERT_NE(plain_exporter, nullptr);
  ASSERT_NE(info_exporter, nullptr);

  const Status plain_st = plain_exporter->Export(MakeSampleMetrics());
  const Status info_st = info_exporter->Export(MakeSampleMetrics());

  EXPECT_EQ(plain_st.code(), ::tflo::StatusCode::kResourceExhausted);
  EXPECT_EQ(plain_exporter->stats(Signal::kMetrics).retries, 0U);
  ASSERT_TRUE(info_st.ok()) << info_st.ToString();
  EXPECT_EQ(info_exporter->stats(Signal::kMetrics).retries, 1U);
  EXPECT_EQ(info_receiver->stats(Signal::kMetrics).items, MakeSampleMetrics().DataPointCount());
}

TEST(OtlpGrpcTest, PartialSuccessCountsRejectedItems) {
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.failures.partial_success_rejected = 1;
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);
  const uint64_t spans = MakeSampleTraces().SpanCount();
  ASSERT_GT(spans, 1U);

  const Status st = exporter->Export(MakeSampleTraces());

  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(exporter->stats(Signal::kTraces).rejected_items, 1U);
  EXPECT_EQ(exporter->stats(Signal::kTraces).exported_items, spans - 1);
  EXPECT_EQ(exporter->stats(Signal::kTraces).failed_items, 0U);
}

TEST(OtlpGrpcTest, UnreachableEndpointFailsAfterBoundedAttemptsAndCountsDrops) {
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  const std::string endpoint = "127.0.0.1:" + std::to_string(refusing.port());
  OtlpGrpcExporterOptions options = FastOptions(endpoint);
  options.max_attempts = 3;
  options.timeout = milliseconds(2000);
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);
  LogCapture logs;

  const Status first = exporter->Export(MakeSampleTraces());
  const Status second = exporter->Export(MakeSampleTraces());

  EXPECT_FALSE(first.ok());
  EXPECT_FALSE(second.ok());
  EXPECT_NE(first.message().find(endpoint), std::string::npos) << first.message();
  const OtlpExportStats stats = exporter->stats(Signal::kTraces);
  EXPECT_EQ(stats.failed_items, 2 * MakeSampleTraces().SpanCount());
  EXPECT_EQ(stats.failed_requests, 2U);
  EXPECT_EQ(stats.retries, 4U);  // 2 retries each: 3 attempts in all
  EXPECT_EQ(stats.exported_items, 0U);
  const std::string text = logs.text();
  EXPECT_EQ(CountOccurrences(text, "[warning]"), 1U) << text;
  const std::string expected_line = "[warning] otlp grpc export of " +
                                    std::to_string(MakeSampleTraces().SpanCount()) + " spans to " +
                                    endpoint + " failed after 3 attempt(s)";
  EXPECT_NE(text.find(expected_line), std::string::npos) << text;
}

TEST(OtlpGrpcTest, AsyncExportDeliversEveryRequestWithZeroLoss) {
  auto receiver = StartReceiver(OtlpGrpcReceiverOptions{});
  ASSERT_NE(receiver, nullptr);
  OtlpGrpcExporterOptions options = FastOptions(receiver->endpoint());
  options.max_in_flight = 3;
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);
  const TracesData traces = MakeSampleTraces();
  constexpr int kRequests = 40;

  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(exporter->ExportAsync(traces).ok());
  const Status flushed = exporter->Flush(kWait);

  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_EQ(receiver->stats(Signal::kTraces).items, kRequests * traces.SpanCount());
  EXPECT_EQ(receiver->stats(Signal::kTraces).accepted_requests, static_cast<uint64_t>(kRequests));
  EXPECT_EQ(exporter->stats(Signal::kTraces).exported_items, kRequests * traces.SpanCount());
  EXPECT_EQ(exporter->stats(Signal::kTraces).requests, static_cast<uint64_t>(kRequests));
}

TEST(OtlpGrpcTest, ShutdownAccountsForEveryQueuedRequest) {
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.failures.delay = milliseconds(100);
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  OtlpGrpcExporterOptions options = FastOptions(receiver->endpoint());
  options.max_in_flight = 1;
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);
  const TracesData traces = MakeSampleTraces();

  ASSERT_TRUE(exporter->ExportAsync(traces).ok());
  ASSERT_TRUE(exporter->ExportAsync(traces).ok());
  exporter->Shutdown();
  const Status after = exporter->ExportAsync(traces);

  EXPECT_EQ(after.code(), ::tflo::StatusCode::kFailedPrecondition);
  const OtlpExportStats stats = exporter->stats(Signal::kTraces);
  EXPECT_EQ(stats.exported_items + stats.failed_items, 2 * traces.SpanCount());
  EXPECT_GE(stats.failed_items, traces.SpanCount());  // the queued one at least
}

TEST(OtlpGrpcTest, SyncOnlyExporterRejectsExportAsync) {
  OtlpGrpcExporterOptions options = FastOptions("127.0.0.1:4317");
  options.max_in_flight = 0;
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);

  EXPECT_EQ(exporter->ExportAsync(MakeSampleLogs()).code(),
            ::tflo::StatusCode::kFailedPrecondition);
}

TEST(OtlpGrpcTest, HeaderValuesNeverAppearInLogsOrStatus) {
  const std::string secret = "s3cr3t-t0ken-value";
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.failures.fail_first_calls = 100;
  receiver_options.failures.fail_code = ::tflo::StatusCode::kPermissionDenied;
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  LogCapture logs;
  // From the environment, from options, into a failing server and into nothing.
  OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv(
      {{"OTEL_EXPORTER_OTLP_ENDPOINT", receiver->endpoint()},
       {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20" + secret + ",broken" + secret}}));
  options.headers["x-api-key"] = secret;
  options.max_attempts = 2;
  options.initial_backoff = milliseconds(1);
  auto to_receiver = MakeExporter(options);
  options.endpoint = "127.0.0.1:" + std::to_string(refusing.port());
  auto to_nothing = MakeExporter(options);
  ASSERT_NE(to_receiver, nullptr);
  ASSERT_NE(to_nothing, nullptr);
  const auto bad_value = OtlpGrpcExporter::Create([&] {
    OtlpGrpcExporterOptions o = options;
    o.headers["x-bad"] = secret + "\n";
    return o;
  }());

  const Status a = to_receiver->Export(MakeSampleTraces());
  const Status b = to_nothing->Export(MakeSampleTraces());

  EXPECT_FALSE(a.ok());
  EXPECT_FALSE(b.ok());
  ASSERT_FALSE(bad_value.ok());
  EXPECT_EQ(a.message().find(secret), std::string::npos);
  EXPECT_EQ(b.message().find(secret), std::string::npos);
  EXPECT_EQ(bad_value.status().message().find(secret), std::string::npos);
  const std::string text = logs.text();
  EXPECT_NE(text.find("OTEL_EXPORTER_OTLP_HEADERS"), std::string::npos) << text;
  EXPECT_NE(text.find("x-api-key=<redacted>"), std::string::npos) << text;
  EXPECT_EQ(text.find(secret), std::string::npos) << text;
}

TEST(OtlpGrpcTest, ReceiverCallbackErrorIsReturnedToTheClient) {
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.on_logs = [](LogsData&&) { return InternalError("storage full"); };
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  auto exporter = MakeExporter(FastOptions(receiver->endpoint()));
  ASSERT_NE(exporter, nullptr);

  const Status st = exporter->Export(MakeSampleLogs());

  EXPECT_EQ(st.code(), ::tflo::StatusCode::kInternal);
  EXPECT_NE(st.message().find("storage full"), std::string::npos) << st.message();
  EXPECT_EQ(receiver->stats(Signal::kLogs).items, 0U);
}

TEST(OtlpGrpcTest, CreateRejectsBadOptions) {
  OtlpGrpcExporterOptions no_attempts = FastOptions("127.0.0.1:4317");
  no_attempts.max_attempts = 0;
  OtlpGrpcExporterOptions bad_header = FastOptions("127.0.0.1:4317");
  bad_header.headers["bad header"] = "x";
  OtlpGrpcExporterOptions bad_endpoint = FastOptions("ftp://collector:4317");

  EXPECT_EQ(OtlpGrpcExporter::Create(no_attempts).status().code(),
            ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpGrpcExporter::Create(bad_header).status().code(),
            ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpGrpcExporter::Create(bad_endpoint).status().code(),
            ::tflo::StatusCode::kInvalidArgument);
}

// ---- configuration -----------------------------------------------------------------

TEST(ParseOtlpGrpcEndpointTest, AcceptsHostPortAndUrls) {
  auto plain = ParseOtlpGrpcEndpoint("collector:4317");
  auto http = ParseOtlpGrpcEndpoint("http://127.0.0.1:55680/");
  auto https = ParseOtlpGrpcEndpoint("https://otlp.example.com");
  auto ipv6 = ParseOtlpGrpcEndpoint("http://[::1]:4317");

  ASSERT_TRUE(plain.ok() && http.ok() && https.ok() && ipv6.ok());
  EXPECT_EQ(plain->target, "collector:4317");
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(http->target, "127.0.0.1:55680");
  EXPECT_FALSE(http->tls);
  EXPECT_EQ(https->target, "otlp.example.com:4317");
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(ipv6->target, "[::1]:4317");
}

TEST(ParseOtlpGrpcEndpointTest, RejectsMalformedEndpoints) {
  for (const char* bad :
       {"", "ftp://x:1", "http://:4317", "host:0", "host:99999", "host:abc", "::1:4317", "[::1"}) {
    EXPECT_EQ(ParseOtlpGrpcEndpoint(bad).status().code(), ::tflo::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(OtlpEnvTest, ExporterOptionsComeFromTheEnvironment) {
  LogCapture logs;

  const OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:14317"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc , x-tenant=a%3Db%2Cc"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
  }));

  EXPECT_EQ(options.endpoint, "http://collector:4317");
  EXPECT_EQ(options.traces_endpoint, "http://traces:14317");
  EXPECT_EQ(options.metrics_endpoint, "");
  EXPECT_EQ(options.timeout, milliseconds(2500));
  EXPECT_EQ(options.compression, OtlpCompression::kGzip);
  const std::map<std::string, std::string> expected = {{"authorization", "Bearer abc"},
                                                       {"x-tenant", "a=b,c"}};
  EXPECT_EQ(options.headers, expected);
  EXPECT_EQ(logs.text(), "");
}

TEST(OtlpEnvTest, PerSignalEndpointsGetTheirOwnTarget) {
  OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"},
      {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "logs-collector:5317"},
  }));

  auto exporter = MakeExporter(options);

  ASSERT_NE(exporter, nullptr);
  EXPECT_EQ(exporter->target(Signal::kTraces), "collector:4317");
  EXPECT_EQ(exporter->target(Signal::kMetrics), "collector:4317");
  EXPECT_EQ(exporter->target(Signal::kLogs), "logs-collector:5317");
}

TEST(OtlpEnvTest, DefaultsAndInvalidValuesAreIgnoredWithAWarning) {
  LogCapture logs;

  const OtlpGrpcExporterOptions defaults = OtlpGrpcExporterOptionsFromEnv(FakeEnv({}));
  const OtlpGrpcExporterOptions invalid = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_ENDPOINT", ""},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
  }));

  EXPECT_EQ(defaults.endpoint, "localhost:4317");
  EXPECT_EQ(defaults.timeout, milliseconds(10000));
  EXPECT_EQ(invalid.endpoint, "localhost:4317");  // empty = unset
  EXPECT_EQ(invalid.timeout, milliseconds(10000));
  EXPECT_EQ(invalid.compression, OtlpCompression::kNone);
  const std::string text = logs.text();
  EXPECT_NE(text.find("OTEL_EXPORTER_OTLP_TIMEOUT"), std::string::npos) << text;
  EXPECT_NE(text.find("OTEL_EXPORTER_OTLP_COMPRESSION"), std::string::npos) << text;
}

TEST(OtlpEnvTest, PerSignalSettingsReplaceTheGeneralOnes) {
  LogCapture logs;

  const OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20general"},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
      {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
      {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "X-Tenant=logs-team"},
      {"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "700"},
      {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"},
      {"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "soon"},
      {"OTEL_EXPORTER_OTLP_METRICS_HEADERS", "broken"},
  }));

  EXPECT_EQ(options.timeout, milliseconds(2500));
  EXPECT_EQ(options.compression, OtlpCompression::kGzip);
  const std::map<std::string, std::string> logs_headers = {{"x-tenant", "logs-team"}};
  EXPECT_EQ(options.logs_overrides.headers, logs_headers);
  EXPECT_EQ(options.traces_overrides.headers, std::nullopt);
  EXPECT_EQ(options.metrics_overrides.headers, std::nullopt);  // malformed: ignored
  EXPECT_EQ(options.metrics_overrides.timeout, milliseconds(700));
  EXPECT_EQ(options.logs_overrides.timeout, std::nullopt);  // invalid: the general one stays
  EXPECT_EQ(options.traces_overrides.compression, OtlpCompression::kNone);
  EXPECT_EQ(options.logs_overrides.compression, std::nullopt);
  const std::string text = logs.text();
  EXPECT_NE(text.find("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT='soon'"), std::string::npos) << text;
  EXPECT_NE(text.find("using 2500 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("OTEL_EXPORTER_OTLP_METRICS_HEADERS is malformed"), std::string::npos)
      << text;
}

// A receiver that demands a bearer token, as a collector behind an
// authenticator does: the signal whose own headers replace the general ones
// (and so carry no token) is refused, the others get through with it.
TEST(OtlpGrpcTest, PerSignalHeadersReachTheReceiverInsteadOfTheGeneralOnes) {
  OtlpGrpcReceiverOptions receiver_options;
  receiver_options.required_metadata = {{"authorization", "Bearer general"}};
  auto receiver = StartReceiver(receiver_options);
  ASSERT_NE(receiver, nullptr);
  OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_ENDPOINT", receiver->endpoint()},
      {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20general"},
      {"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "X-Tenant=logs-team"},
      {"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "3000"},
  }));
  options.max_attempts = 2;
  options.initial_backoff = milliseconds(5);
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);

  const Status traces = exporter->Export(MakeSampleTraces());
  const Status metrics = exporter->Export(MakeSampleMetrics());
  const Status logs = exporter->Export(MakeSampleLogs());

  EXPECT_TRUE(traces.ok()) << traces.message();
  EXPECT_TRUE(metrics.ok()) << metrics.message();
  EXPECT_FALSE(logs.ok());
  EXPECT_GT(receiver->stats(Signal::kTraces).items, 0U);
  EXPECT_GT(receiver->stats(Signal::kMetrics).items, 0U);
  EXPECT_EQ(receiver->stats(Signal::kLogs).items, 0U);
  EXPECT_EQ(receiver->stats(Signal::kLogs).unauthenticated, 1U);  // not retried
  EXPECT_EQ(receiver->stats(Signal::kTraces).unauthenticated, 0U);
}

TEST(OtlpGrpcTest, CreateRejectsABadPerSignalHeader) {
  OtlpGrpcExporterOptions options = FastOptions("127.0.0.1:4317");
  options.metrics_overrides.headers = std::map<std::string, std::string>{{"bad header", "x"}};
  OtlpGrpcExporterOptions zero_timeout = FastOptions("127.0.0.1:4317");
  zero_timeout.logs_overrides.timeout = milliseconds(0);

  EXPECT_EQ(OtlpGrpcExporter::Create(options).status().code(),
            ::tflo::StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpGrpcExporter::Create(zero_timeout).status().code(),
            ::tflo::StatusCode::kInvalidArgument);
}

TEST(OtelKeyValueListTest, PercentDecodesKeysAndValues) {
  auto parsed = ParseOtelKeyValueList(" a%2Eb = x%20y ,, c=d=e,%41=%e2%82%ac");

  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a.b", "x y"}, {"c", "d=e"}, {"A", "\xe2\x82\xac"}};
  EXPECT_EQ(*parsed, expected);
}

TEST(OtelKeyValueListTest, RejectsMalformedMembersWithoutEchoingThem) {
  for (const char* bad : {"a=1,secretvalue", "=secretvalue", "a=secret%zz", "a=secret%4"}) {
    auto parsed = ParseOtelKeyValueList(bad);

    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), ::tflo::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().find("secret"), std::string::npos)
        << parsed.status().message();
  }
}

TEST(OtlpEnvTest, ResourceAttributesArePercentDecodedAndServiceNameWins) {
  Resource resource;
  resource.attributes = {{"service.name", "onboarding-api"}, {"host.name", "box"}};

  const size_t changed = MergeResourceFromEnv(
      FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment=prod,team=a%2Cb%3Dc"},
               {"OTEL_SERVICE_NAME", "checkout"}}),
      ResourceMergeMode::kOverride, &resource);

  EXPECT_EQ(changed, 3U);
  const Attributes expected = {{"service.name", "checkout"},
                               {"host.name", "box"},
                               {"deployment.environment", "prod"},
                               {"team", "a,b=c"}};
  EXPECT_EQ(resource.attributes, expected);
}

TEST(OtlpEnvTest, ExistingResourceAttributesWinInKeepExistingMode) {
  Resource resource;
  resource.attributes = {{"service.name", "onboarding-api"}};

  const size_t changed =
      MergeResourceFromEnv(FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging"},
                                    {"OTEL_SERVICE_NAME", "checkout"}}),
                           ResourceMergeMode::kKeepExisting, &resource);

  EXPECT_EQ(changed, 1U);
  const Attributes expected = {{"service.name", "onboarding-api"},
                               {"deployment.environment", "staging"}};
  EXPECT_EQ(resource.attributes, expected);
}

TEST(OtlpEnvTest, MalformedResourceAttributesAreDiscardedWhole) {
  LogCapture logs;
  Resource resource;

  const size_t changed = MergeResourceFromEnv(
      FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,team=bad%zz"},
               {"OTEL_SERVICE_NAME", "checkout"}}),
      ResourceMergeMode::kOverride, &resource);

  EXPECT_EQ(changed, 1U);
  const Attributes expected = {{"service.name", "checkout"}};
  EXPECT_EQ(resource.attributes, expected);
  const std::string text = logs.text();
  EXPECT_NE(text.find("[warning] OTEL_RESOURCE_ATTRIBUTES is malformed"), std::string::npos)
      << text;
}

// ---- TLS --------------------------------------------------------------------------

// Test-only material (tests/testdata/tls/gen.sh): a CA, a server certificate
// for 127.0.0.1 / ::1 / localhost and a client certificate, both signed by it.
std::filesystem::path TlsFile(const char* name) {
  return std::filesystem::path(TFLO_TESTDATA_DIR) / "tls" / name;
}

OtlpGrpcReceiverOptions TlsReceiverOptions(Inbox& inbox, bool require_client_certificate) {
  OtlpGrpcReceiverOptions options = inbox.Options();
  options.tls_certificate_pem = tflo::testing::ReadFile(TlsFile("server.pem"));
  options.tls_private_key_pem = tflo::testing::ReadFile(TlsFile("server.key"));
  if (require_client_certificate)
    options.client_ca_pem = tflo::testing::ReadFile(TlsFile("ca.pem"));
  return options;
}

TEST(OtlpGrpcTlsTest, ExportsOverTlsWithTheConfiguredRoots) {
  Inbox inbox;
  auto receiver = StartReceiver(TlsReceiverOptions(inbox, false));
  ASSERT_NE(receiver, nullptr);
  // https:// and a scheme-less endpoint with a certificate file both mean TLS.
  for (const std::string& endpoint : {"https://" + receiver->endpoint(), receiver->endpoint()}) {
    OtlpGrpcExporterOptions options = FastOptions(endpoint);
    options.tls.certificate_file = TlsFile("ca.pem").string();
    auto exporter = MakeExporter(options);
    ASSERT_NE(exporter, nullptr);
    const Status st = exporter->Export(MakeSampleTraces());
    EXPECT_TRUE(st.ok()) << endpoint << ": " << st.ToString();
  }
  std::lock_guard lock(inbox.mu);
  ASSERT_EQ(inbox.traces.size(), 2U);
  EXPECT_EQ(inbox.traces[0], MakeSampleTraces());
}

// The same server, but roots that do not sign it (the system's), or no TLS:
// every attempt fails and the items are counted as failed.
TEST(OtlpGrpcTlsTest, UntrustedServerOrPlaintextFails) {
  Inbox inbox;
  auto receiver = StartReceiver(TlsReceiverOptions(inbox, false));
  ASSERT_NE(receiver, nullptr);
  LogCapture logs;
  for (const std::string& endpoint :
       {"https://" + receiver->endpoint(), "http://" + receiver->endpoint()}) {
    OtlpGrpcExporterOptions options = FastOptions(endpoint);
    options.max_attempts = 2;
    options.timeout = milliseconds(2000);
    auto exporter = MakeExporter(options);
    ASSERT_NE(exporter, nullptr);
    EXPECT_FALSE(exporter->Export(MakeSampleTraces()).ok()) << endpoint;
    EXPECT_EQ(exporter->stats(Signal::kTraces).failed_items, MakeSampleTraces().SpanCount());
  }
  std::lock_guard lock(inbox.mu);
  EXPECT_TRUE(inbox.traces.empty());
}

TEST(OtlpGrpcTlsTest, MutualTlsNeedsTheClientCertificate) {
  Inbox inbox;
  auto receiver = StartReceiver(TlsReceiverOptions(inbox, true));
  ASSERT_NE(receiver, nullptr);
  LogCapture logs;
  OtlpGrpcExporterOptions without = FastOptions("https://" + receiver->endpoint());
  without.tls.certificate_file = TlsFile("ca.pem").string();
  without.max_attempts = 2;
  without.timeout = milliseconds(2000);
  OtlpGrpcExporterOptions with = without;
  with.tls.client_certificate_file = TlsFile("client.pem").string();
  with.tls.client_key_file = TlsFile("client.key").string();

  auto refused = MakeExporter(without);
  auto accepted = MakeExporter(with);
  ASSERT_NE(refused, nullptr);
  ASSERT_NE(accepted, nullptr);

  EXPECT_FALSE(refused->Export(MakeSampleTraces()).ok());
  const Status st = accepted->Export(MakeSampleTraces());
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::lock_guard lock(inbox.mu);
  EXPECT_EQ(inbox.traces.size(), 1U);
}

TEST(OtlpGrpcTlsTest, BadTlsFilesAreRejectedByCreateNamingTheFile) {
  tflo::testing::TempDir dir;
  const auto not_pem = dir.path() / "not.pem";
  tflo::testing::WriteFile(not_pem, "secret-ish key material\n");
  struct Case {
    std::string certificate, client_certificate, client_key, expected;
  };
  const std::vector<Case> cases = {
      {(dir.path() / "missing.pem").string(), "", "",
       "certificate (OTEL_EXPORTER_OTLP_CERTIFICATE) file " +
           (dir.path() / "missing.pem").string() + ": cannot read: No such file"},
      {not_pem.string(), "", "", "not.pem is not PEM"},
      {"", TlsFile("client.pem").string(), "", "only the certificate is set"},
      {"", "", TlsFile("client.key").string(), "only the key is set"},
      {"", TlsFile("client.pem").string(), not_pem.string(),
       "client key (OTEL_EXPORTER_OTLP_CLIENT_KEY) file"},
  };
  for (const Case& c : cases) {
    OtlpGrpcExporterOptions options = FastOptions("127.0.0.1:4317");
    options.tls.certificate_file = c.certificate;
    options.tls.client_certificate_file = c.client_certificate;
    options.tls.client_key_file = c.client_key;
    auto exporter = OtlpGrpcExporter::Create(options);
    ASSERT_FALSE(exporter.ok()) << c.expected;
    EXPECT_EQ(exporter.status().code(), ::tflo::StatusCode::kInvalidArgument);
    EXPECT_NE(exporter.status().message().find(c.expected), std::string::npos)
        << exporter.status().message();
    EXPECT_EQ(exporter.status().message().find("secret-ish"), std::string::npos);
  }
}

TEST(OtlpEnvTest, TlsSettingsComeFromTheEnvironment) {
  LogCapture logs;
  const OtlpGrpcExporterOptions options = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_INSECURE", " FALSE "},
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ssl/ca.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/ssl/client.pem"},
      {"OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/ssl/client.key"},
  }));
  EXPECT_EQ(options.tls.insecure, std::optional<bool>(false));
  EXPECT_EQ(options.tls.certificate_file, "/etc/ssl/ca.pem");
  EXPECT_EQ(options.tls.client_certificate_file, "/etc/ssl/client.pem");
  EXPECT_EQ(options.tls.client_key_file, "/etc/ssl/client.key");
  EXPECT_EQ(logs.text(), "");

  const OtlpGrpcExporterOptions bad = OtlpGrpcExporterOptionsFromEnv(FakeEnv({
      {"OTEL_EXPORTER_OTLP_INSECURE", "yes"},
      {"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/x.pem"},
  }));
  EXPECT_FALSE(bad.tls.insecure.has_value());
  EXPECT_EQ(bad.tls.certificate_file, "");
  EXPECT_NE(logs.text().find("OTEL_EXPORTER_OTLP_INSECURE='yes' is neither true nor false"),
            std::string::npos)
      << logs.text();
  EXPECT_NE(logs.text().find("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE is not supported"),
            std::string::npos)
      << logs.text();
}

// Without a scheme: plaintext unless OTEL_EXPORTER_OTLP_INSECURE=false; the
// debug line names the choice per signal.
TEST(OtlpGrpcTlsTest, SchemeLessEndpointsFollowInsecure) {
  Inbox inbox;
  auto plain = StartReceiver(inbox.Options());
  ASSERT_NE(plain, nullptr);
  OtlpGrpcExporterOptions options = FastOptions(plain->endpoint());
  auto exporter = MakeExporter(options);
  ASSERT_NE(exporter, nullptr);
  EXPECT_TRUE(exporter->Export(MakeSampleTraces()).ok());

  options.tls.insecure = false;  // TLS with the system roots: a plaintext server fails
  options.max_attempts = 1;
  auto secure = MakeExporter(options);
  ASSERT_NE(secure, nullptr);
  LogCapture logs;
  EXPECT_FALSE(secure->Export(MakeSampleTraces()).ok());
  std::lock_guard lock(inbox.mu);
  EXPECT_EQ(inbox.traces.size(), 1U);
}

}  // namespace
}  // namespace tflo::core
