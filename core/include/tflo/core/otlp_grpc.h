// OTLP over gRPC: a client exporter and an in-process receiver, both built on
// the service definitions in core/proto (opentelemetry.proto.collector.*.v1
// TraceService / MetricsService / LogsService, method Export).
//
// The exporter is how the workload sends its traces, metrics and logs to a real
// collector (stack mode, `tflo workload run --otlp-endpoint`). It follows the
// OTLP specification (opentelemetry-proto docs/specification.md) and the SDK
// environment variables (OpenTelemetry specification, "OTLP Exporter
// Configuration" and "General SDK Configuration"):
//  - every call carries a deadline (Options::timeout), so no export can hang;
//  - failures with a retryable code (CANCELLED, DEADLINE_EXCEEDED, ABORTED,
//    OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS; RESOURCE_EXHAUSTED only when the
//    server attached a google.rpc.RetryInfo) are retried at most
//    max_attempts - 1 times with exponential backoff and jitter, honouring the
//    server's RetryInfo delay (capped at max_backoff);
//  - what still fails is dropped and counted; the first failure of a streak
//    logs one warning naming the endpoint, the recovery logs one info line;
//  - `partial_success` answers count the rejected items and are successes;
//  - header values (OTEL_EXPORTER_OTLP_HEADERS, Options::headers) are treated
//    as secrets: they are never logged nor put in a Status message.
// The request bytes are produced by the same wire encoder as the binary OTLP
// file writer (identical to protobuf's serialisation of the ToProto message)
// and sent through a gRPC generic stub, so the model is never copied into
// protobuf objects on the hot path.
//
// The receiver listens on 127.0.0.1 (port 0 picks a free port), implements the
// three Export methods, decodes each request with FromProto and hands it to a
// callback, and counts what it accepted. Without a callback for a signal it only
// counts the items by walking the wire format (the benchmarks' zero-loss check).
// Failure injection (first N calls fail, a delay per call, partial success)
// exists for tests. The analyzer can use it as an OTLP endpoint.
#ifndef TFLO_CORE_OTLP_GRPC_H_
#define TFLO_CORE_OTLP_GRPC_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"  // Signal
#include "tflo/core/status.h"

namespace tflo::core {

// ---- environment -----------------------------------------------------------------

// Looks up an environment variable; nullopt when unset. Injected so tests do
// not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// std::getenv. Not safe against a concurrent setenv (nothing in tflo calls it).
EnvLookup ProcessEnv();

// Parses a W3C-baggage-style list "k1=v1,k2=v2" as used by
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS: keys and values are
// percent-decoded, blanks around them trimmed, empty members skipped, a value
// may contain '='. kInvalidArgument on a member without '=' or with an empty
// key, or on a malformed %-escape; the message names the member's position,
// never its value.
Result<std::vector<std::pair<std::string, std::string>>> ParseOtelKeyValueList(
    std::string_view text);

enum class ResourceMergeMode {
  // The OpenTelemetry SDK rule: the environment is the secondary resource;
  // keys the resource already has keep their value.
  kKeepExisting,
  // Environment values replace existing ones (an operator override).
  kOverride,
};

// Merges OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME into `resource`.
// OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES. A
// malformed OTEL_RESOURCE_ATTRIBUTES is discarded as a whole with one warning
// (spdlog), as the specification requires; empty variables count as unset.
// All values are strings. Returns the number of attributes added or replaced.
size_t MergeResourceFromEnv(const EnvLookup& env, ResourceMergeMode mode, Resource* resource);

// ---- exporter ----------------------------------------------------------------------

enum class OtlpCompression { kNone, kGzip };

// What one signal may set for itself (OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS,
// _TIMEOUT, _COMPRESSION). A set value replaces the general one for that
// signal, whole: signal-specific headers are not merged with the general ones,
// as the OTLP exporter specification has signal-specific options take
// precedence over the general ones.
struct OtlpSignalOverrides {
  std::optional<std::map<std::string, std::string>> headers;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<OtlpCompression> compression;
};

// Transport security of the exporter's connections
// (OTEL_EXPORTER_OTLP_INSECURE, _CERTIFICATE, _CLIENT_KEY, _CLIENT_CERTIFICATE).
struct OtlpTlsOptions {
  // Only for endpoints without a scheme ("host:port"): true = plaintext,
  // false = TLS. Unset: TLS when a certificate file below is set, plaintext
  // otherwise (tflo's default, for a collector on the same machine or
  // network; the specification's default is TLS). http:// and https://
  // decide for themselves.
  std::optional<bool> insecure;
  // PEM file of the roots that verify the server; empty = the system's.
  std::string certificate_file;
  // PEM files of a client certificate (chain) and its private key, for mutual
  // TLS; both or neither.
  std::string client_certificate_file;
  std::string client_key_file;
};

struct OtlpGrpcExporterOptions {
  // "host:port", "http://host:port" (plaintext) or "https://host:port" (TLS);
  // without a scheme, `tls.insecure` decides. A missing port means 4317; a URL
  // path is ignored (gRPC has none). Must not be empty.
  std::string endpoint;
  // Per-signal overrides (OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT); empty = endpoint.
  std::string traces_endpoint;
  std::string metrics_endpoint;
  std::string logs_endpoint;
  // Deadline of each attempt.
  std::chrono::milliseconds timeout{10000};
  // Attempts per request, the first included (>= 1).
  int max_attempts = 5;
  // Backoff before retry k (k = 1, 2, ...): min(initial_backoff * 2^(k-1),
  // max_backoff), scaled by a random factor in [0.5, 1.0]; a server RetryInfo
  // delay replaces it (still capped at max_backoff).
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  // gRPC metadata sent with every call. Keys are lower-cased; values are secrets.
  std::map<std::string, std::string> headers;
  // TLS for every signal's connection. The files are read by Create().
  OtlpTlsOptions tls;
  OtlpCompression compression = OtlpCompression::kNone;
  // Per-signal replacements of headers, timeout and compression.
  OtlpSignalOverrides traces_overrides;
  OtlpSignalOverrides metrics_overrides;
  OtlpSignalOverrides logs_overrides;
  // Pipelining for ExportAsync: this many requests are sent concurrently by
  // worker threads, and at most as many more wait encoded in the queue. 0
  // disables ExportAsync (kFailedPrecondition).
  int max_in_flight = 4;
};

// Defaults overlaid with OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
// OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds), OTEL_EXPORTER_OTLP_COMPRESSION
// (gzip|none), and the per-signal OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_
// {ENDPOINT,HEADERS,TIMEOUT,COMPRESSION}; OTEL_EXPORTER_OTLP_INSECURE (true|false),
// OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_KEY and _CLIENT_CERTIFICATE (file
// paths; their per-signal forms are not supported and are warned about). An
// invalid value is ignored with a warning (the specification's
// rule for malformed configuration); header values never appear in it. With no
// endpoint anywhere, endpoint is "localhost:4317", the OTLP/gRPC default. A
// command-line flag should be applied on top of the result (it wins).
OtlpGrpcExporterOptions OtlpGrpcExporterOptionsFromEnv(const EnvLookup& env);

// A parsed endpoint: the gRPC target "host:port" and whether to use TLS.
struct OtlpGrpcTarget {
  std::string target;
  bool tls = false;
  bool scheme = false;  // the endpoint said http:// or https://
};
// kInvalidArgument on an empty endpoint, an unknown scheme, an empty host or a
// port that is not a number in 1..65535.
Result<OtlpGrpcTarget> ParseOtlpGrpcEndpoint(std::string_view endpoint);

// Counters of one signal. Items are spans, metric data points or log records.
struct OtlpExportStats {
  uint64_t requests = 0;         // export requests handed to the exporter
  uint64_t exported_items = 0;   // accepted by the server (sent - rejected)
  uint64_t failed_items = 0;     // dropped: non-retryable error or attempts exhausted
  uint64_t rejected_items = 0;   // reported by the server in partial_success
  uint64_t failed_requests = 0;  // requests whose items were dropped
  uint64_t retries = 0;          // attempts after the first
};

// Owns one gRPC channel per distinct endpoint and, with max_in_flight > 0, that
// many worker threads. Thread-safe: Export and ExportAsync may be called from
// several threads at once.
class OtlpGrpcExporter {
 public:
  // kInvalidArgument for a bad endpoint, max_attempts < 1, non-positive
  // timeout, negative backoffs or a header key/value gRPC metadata cannot carry
  // (the message names the key only). Does not connect: an unreachable endpoint
  // shows up at the first export.
  static Result<std::unique_ptr<OtlpGrpcExporter>> Create(OtlpGrpcExporterOptions options);

  // Calls Shutdown(): call Flush() first to wait for queued requests.
  ~OtlpGrpcExporter();
  OtlpGrpcExporter(const OtlpGrpcExporter&) = delete;
  OtlpGrpcExporter& operator=(const OtlpGrpcExporter&) = delete;

  // Sends one request and waits for the outcome, retrying as described above.
  // OK also when the server rejected part of it (see stats().rejected_items).
  // Otherwise the last gRPC status, mapped to the same code, with a message
  // naming the endpoint; the items are then counted as failed. An empty
  // request is OK and sends nothing.
  Status Export(const TracesData& data);
  Status Export(const MetricsData& data);
  Status Export(const LogsData& data);

  // Encodes on the calling thread and queues the request for a worker; blocks
  // while the queue is full (back-pressure, never a silent drop). The outcome
  // shows in stats(). kFailedPrecondition if max_in_flight is 0 or after
  // Shutdown().
  Status ExportAsync(const TracesData& data);
  Status ExportAsync(const MetricsData& data);
  Status ExportAsync(const LogsData& data);

  // Waits until every request queued so far has completed (sent or dropped).
  // kDeadlineExceeded if that takes longer than `timeout`.
  Status Flush(std::chrono::milliseconds timeout);

  // Stops accepting requests; requests still queued, and those waiting for a
  // retry, are dropped and counted as failed; calls on the wire finish (bounded
  // by their deadline); joins the workers. Export/ExportAsync then return
  // kFailedPrecondition. Idempotent.
  void Shutdown();

  OtlpExportStats stats(Signal signal) const;
  OtlpExportStats total_stats() const;
  // The resolved gRPC target of `signal` ("host:port").
  const std::string& target(Signal signal) const;

  class Impl;

 private:
  explicit OtlpGrpcExporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- receiver ----------------------------------------------------------------------

// Injected misbehaviour, for tests.
struct OtlpReceiverFailures {
  // The first `fail_first_calls` Export calls (all signals together) answer
  // `fail_code` without touching the data.
  int fail_first_calls = 0;
  ::tflo::StatusCode fail_code = ::tflo::StatusCode::kUnavailable;
  // Attached to those failures as a google.rpc.RetryInfo when set.
  std::optional<std::chrono::milliseconds> retry_info_delay;
  // Sleep before answering every call (blocks one gRPC thread).
  std::chrono::milliseconds delay{0};
  // Every accepted request reports this many items as rejected in
  // partial_success (capped at the request's item count).
  uint64_t partial_success_rejected = 0;
};

struct OtlpGrpcReceiverOptions {
  // "127.0.0.1:0" picks a free port; see OtlpGrpcReceiver::port().
  std::string listen_address = "127.0.0.1:0";
  // Called once per accepted request, concurrently from gRPC threads (must be
  // thread-safe). A non-OK status is returned to the client with its code and
  // the request's items are not counted. Null: the signal's items are only
  // counted (no decode into the model).
  std::function<Status(TracesData&&)> on_traces;
  std::function<Status(MetricsData&&)> on_metrics;
  std::function<Status(LogsData&&)> on_logs;
  int max_receive_message_bytes = 64 << 20;
  OtlpReceiverFailures failures;
  // Metadata every call must carry (lower-case key -> exact value), as a
  // collector receiver behind an authenticator checks a bearer token: a call
  // without it is answered UNAUTHENTICATED and counted, its items are not.
  std::map<std::string, std::string> required_metadata;
  // TLS: the server's certificate chain and private key (PEM text); empty =
  // plaintext. With client_ca_pem, clients must present a certificate it
  // signed (mutual TLS).
  std::string tls_certificate_pem;
  std::string tls_private_key_pem;
  std::string client_ca_pem;
};

struct OtlpReceiveStats {
  uint64_t requests = 0;  // Export calls that arrived
  uint64_t accepted_requests = 0;
  uint64_t items = 0;           // items of the accepted requests
  uint64_t rejected_items = 0;  // reported back as partial_success
  uint64_t injected_failures = 0;
  uint64_t decode_errors = 0;  // malformed requests (answered INVALID_ARGUMENT)
  uint64_t unauthenticated = 0;  // calls without the required metadata
};

// An in-process OTLP/gRPC server. Thread-safe accessors; the destructor shuts
// the server down (in-flight calls finish first).
class OtlpGrpcReceiver {
 public:
  // kUnavailable if the address cannot be bound.
  static Result<std::unique_ptr<OtlpGrpcReceiver>> Start(OtlpGrpcReceiverOptions options);
  ~OtlpGrpcReceiver();
  OtlpGrpcReceiver(const OtlpGrpcReceiver&) = delete;
  OtlpGrpcReceiver& operator=(const OtlpGrpcReceiver&) = delete;

  int port() const;
  // "127.0.0.1:<port>", usable as an exporter endpoint.
  std::string endpoint() const;
  OtlpReceiveStats stats(Signal signal) const;
  // Waits until `items` items of `signal` were accepted; false on timeout.
  bool WaitForItems(Signal signal, uint64_t items, std::chrono::milliseconds timeout) const;
  void Shutdown();  // idempotent

  class Impl;

 private:
  explicit OtlpGrpcReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tflo::core

#endif  // TFLO_CORE_OTLP_GRPC_H_
