#include "tflo/core/otlp_grpc.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include "google/protobuf/arena.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp_wire.h"
#include <fmt/format.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "tflo/core/otlp_codec.h"

namespace tflo::core {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array<Signal, 3> kSignals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
constexpr int kDefaultOtlpGrpcPort = 4317;

size_t SignalIndex(Signal signal) { return static_cast<size_t>(signal); }

constexpr std::array<const char*, 3> kSignalNames = {"traces", "metrics", "logs"};

std::string_view ItemName(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "spans";
    case Signal::kMetrics:
      return "metric points";
    case Signal::kLogs:
      return "log records";
  }
  return "items";
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one key or value. The error says what, never the text:
// the text may be a secret (a header value).
Result<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    const int hi = i + 1 < in.size() ? HexDigit(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() ? HexDigit(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("'%' not followed by two hex digits at offset " +
                                  std::to_string(i));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<std::string> NonEmptyEnv(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || Trim(*value).empty()) return std::nullopt;
  return value;
}

// ---- protobuf wire helpers ---------------------------------------------------------
// Just enough of the wire format to count items without decoding them, and to
// read and write google.rpc.Status / RetryInfo, whose protos are not part of
// core/proto.

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // Reads a tag and the field's payload; `bytes` is set for length-delimited
  // fields, `varint` for varints. False on malformed input or groups.
  bool Next(uint32_t* field, uint32_t* wire_type, std::string_view* bytes, uint64_t* varint) {
    uint64_t tag = 0;
    if (!Varint(&tag)) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    if (*field == 0) return false;
    switch (*wire_type) {
      case 0:
        return Varint(varint);
      case 1:
        return Skip(8);
      case 5:
        return Skip(4);
      case 2: {
        uint64_t len = 0;
        if (!Varint(&len) || len > data_.size() - pos_) return false;
        *bytes = data_.substr(pos_, len);
        pos_ += len;
        return true;
      }
      default:
        return false;
    }
  }

 private:
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  std::string_view data_;
  size_t pos_ = 0;
};

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void AppendTag(uint32_t field, uint32_t wire_type, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}
void AppendBytes(uint32_t field, std::string_view bytes, std::string* out) {
  AppendTag(field, 2, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

constexpr std::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

// Serialized google.rpc.Status{code, message, details: [Any(RetryInfo{delay})]}.
std::string EncodeRetryInfoStatus(int code, const std::string& message,
                                  std::chrono::milliseconds delay) {
  std::string duration;  // google.protobuf.Duration{seconds=1, nanos=2}
  const int64_t ms = delay.count();
  if (ms / 1000 != 0) {
    AppendTag(1, 0, &duration);
    AppendVarint(static_cast<uint64_t>(ms / 1000), &duration);
  }
  if (ms % 1000 != 0) {
    AppendTag(2, 0, &duration);
    AppendVarint(static_cast<uint64_t>((ms % 1000) * 1000000), &duration);
  }
  std::string retry_info;  // google.rpc.RetryInfo{retry_delay=1}
  AppendBytes(1, duration, &retry_info);
  std::string any;  // google.protobuf.Any{type_url=1, value=2}
  AppendBytes(1, kRetryInfoTypeUrl, &any);
  AppendBytes(2, retry_info, &any);
  std::string status;
  AppendTag(1, 0, &status);
  AppendVarint(static_cast<uint64_t>(code), &status);
  AppendBytes(2, message, &status);
  AppendBytes(3, any, &status);
  return status;
}

// The RetryInfo delay in a serialized google.rpc.Status, if there is one.
std::optional<std::chrono::milliseconds> DecodeRetryInfoDelay(std::string_view status) {
  uint32_t field = 0;
  uint32_t wire_type = 0;
  std::string_view bytes;
  uint64_t varint = 0;
  WireReader top(status);
  while (!top.done()) {
    if (!top.Next(&field, &wire_type, &bytes, &varint)) return std::nullopt;
    if (field != 3 || wire_type != 2) continue;
    WireReader any(bytes);
    std::string_view type_url;
    std::string_view value;
    while (!any.done()) {
      if (!any.Next(&field, &wire_type, &bytes, &varint)) return std::nullopt;
      if (field == 1 && wire_type == 2) type_url = bytes;
      if (field == 2 && wire_type == 2) value = bytes;
    }
    if (type_url != kRetryInfoTypeUrl) continue;
    WireReader retry_info(value);
    int64_t seconds = 0;
    int64_t nanos = 0;
    while (!retry_info.done()) {
      if (!retry_info.Next(&field, &wire_type, &bytes, &varint)) return std::nullopt;
      if (field != 1 || wire_type != 2) continue;
      WireReader duration(bytes);
      while (!duration.done()) {
        if (!duration.Next(&field, &wire_type, &bytes, &varint)) return std::nullopt;
        if (field == 1 && wire_type == 0) seconds = static_cast<int64_t>(varint);
        if (field == 2 && wire_type == 0) nanos = static_cast<int32_t>(varint);
      }
    }
    return std::chrono::milliseconds(std::max<int64_t>(0, seconds * 1000 + nanos / 1000000));
  }
  return std::nullopt;
}

// Counts, in an Export*ServiceRequest, the messages reached by following
// `path` (field numbers of nested repeated message fields). For metrics the
// last step is special: a Metric holds its points one level further down, in
// gauge (5), sum (7) or histogram (9) — the kinds the model carries.
bool CountAlongPath(std::string_view message, const uint32_t* path, size_t depth, bool metrics,
                    uint64_t* count) {
  WireReader reader(message);
  uint32_t field = 0;
  uint32_t wire_type = 0;
  std::string_view bytes;
  uint64_t varint = 0;
  while (!reader.done()) {
    if (!reader.Next(&field, &wire_type, &bytes, &varint)) return false;
    if (depth == 0) {
      // Inside a Metric: field 5/7/9 is the data; its field 1 are the points.
      if (wire_type == 2 && (field == 5 || field == 7 || field == 9)) {
        const uint32_t points = 1;
        if (!CountAlongPath(bytes, &points, 1, false, count)) return false;
      }
      continue;
    }
    if (field != path[0] || wire_type != 2) continue;
    if (depth == 1 && !metrics) {
      ++*count;
    } else if (!CountAlongPath(bytes, path + 1, depth - 1, metrics, count)) {
      return false;
    }
  }
  return true;
}

// resource_* (1) -> scope_* (2) -> spans / metrics / log_records (2).
Result<uint64_t> CountWireItems(Signal signal, std::string_view request) {
  static constexpr uint32_t kPath[] = {1, 2, 2};
  uint64_t count = 0;
  if (!CountAlongPath(request, kPath, 3, signal == Signal::kMetrics, &count)) {
    return InvalidArgumentError("malformed OTLP " + std::string(ItemName(signal)) + " request");
  }
  return count;
}

grpc::ByteBuffer ToByteBuffer(std::string_view bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

// The request's bytes in one piece: the slice itself when there is one,
// otherwise a copy into `scratch` (a received ByteBuffer is usually split).
// `slices` keeps the slices referenced while the view is in use.
bool Flatten(const grpc::ByteBuffer& buffer, std::vector<grpc::Slice>* slices, std::string* scratch,
             std::string_view* out) {
  if (!buffer.Dump(slices).ok()) return false;
  if (slices->size() == 1) {
    *out = {reinterpret_cast<const char*>(slices->front().begin()), slices->front().size()};
    return true;
  }
  scratch->clear();
  scratch->reserve(buffer.Length());
  for (const auto& s : *slices) scratch->append(reinterpret_cast<const char*>(s.begin()), s.size());
  *out = *scratch;
  return true;
}

// A per-thread copy buffer for Flatten: reused so that large requests do not
// cost a fresh allocation (and its page faults) each; trimmed when a rare huge
// request left it very large.
class ScratchBuffer {
 public:
  std::string* get() { return &buffer_; }
  ~ScratchBuffer() = default;
  void Trim() {
    if (buffer_.capacity() > kKeepBytes) std::string().swap(buffer_);
  }

 private:
  static constexpr size_t kKeepBytes = size_t{16} << 20;
  std::string buffer_;
};

::tflo::StatusCode FromGrpcCode(grpc::StatusCode code) {
  return static_cast<::tflo::StatusCode>(code);
}
grpc::StatusCode ToGrpcCode(::tflo::StatusCode code) { return static_cast<grpc::StatusCode>(code); }

// OTLP specification, "Failures": the retryable codes. RESOURCE_EXHAUSTED only
// when the server says it may recover (RetryInfo).
bool IsRetryable(grpc::StatusCode code, bool has_retry_info) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return has_retry_info;
    default:
      return false;
  }
}

// gRPC metadata rules (PROTOCOL-HTTP2.md): keys are lower-case tokens; values
// of non "-bin" keys are printable ASCII. Names the key, never the value.
Status ValidateHeader(const std::string& key, const std::string& value) {
  if (key.empty()) return InvalidArgumentError("otlp grpc: empty header name");
  for (char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return InvalidArgumentError("otlp grpc: invalid header name '" + key + "'");
  }
  if (key.rfind("grpc-", 0) == 0) {
    return InvalidArgumentError("otlp grpc: header name '" + key + "' is reserved by gRPC");
  }
  const bool binary = key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0;
  if (!binary) {
    for (char c : value) {
      if (c < 0x20 || c > 0x7E) {
        return InvalidArgumentError("otlp grpc: the value of header '" + key +
                                    "' has characters gRPC metadata cannot carry");
      }
    }
  }
  return OkStatus();
}

// A uniform factor in [0.5, 1.0] for backoff jitter.
double JitterFactor() {
  thread_local std::minstd_rand rng(std::random_device{}());
  return 0.5 + 0.5 * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

// ---- environment -----------------------------------------------------------------

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<std::vector<std::pair<std::string, std::string>>> ParseOtelKeyValueList(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t member = 0;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    ++member;
    if (!item.empty()) {
      const size_t eq = item.find('=');
      const std::string where = "member " + std::to_string(member);
      if (eq == std::string_view::npos) return InvalidArgumentError(where + ": no '='");
      auto key = PercentDecode(Trim(item.substr(0, eq)));
      if (!key.ok()) return key.status().WithPrefix(where + " key");
      if (key->empty()) return InvalidArgumentError(where + ": empty key");
      auto value = PercentDecode(Trim(item.substr(eq + 1)));
      if (!value.ok()) return value.status().WithPrefix(where + " value");
      out.emplace_back(std::move(*key), std::move(*value));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

size_t MergeResourceFromEnv(const EnvLookup& env, ResourceMergeMode mode, Resource* resource) {
  std::vector<std::pair<std::string, std::string>> attrs;
  if (auto raw = NonEmptyEnv(env, "OTEL_RESOURCE_ATTRIBUTES")) {
    auto parsed = ParseOtelKeyValueList(*raw);
    if (parsed.ok()) {
      attrs = std::move(*parsed);
    } else {
      spdlog::warn("OTEL_RESOURCE_ATTRIBUTES is malformed ({}); the whole variable is ignored",
                   parsed.status().message());
    }
  }
  if (auto service = NonEmptyEnv(env, "OTEL_SERVICE_NAME")) {
    attrs.emplace_back("service.name", std::string(Trim(*service)));
  }
  size_t changed = 0;
  Attributes from_env;  // later duplicates win, as when the SDK builds a Resource
  for (auto& [key, value] : attrs) SetAttribute(from_env, key, AnyValue(std::move(value)));
  for (auto& kv : from_env) {
    if (mode == ResourceMergeMode::kKeepExisting &&
        FindAttribute(resource->attributes, kv.key) != nullptr) {
      continue;
    }
    SetAttribute(resource->attributes, kv.key, std::move(kv.value));
    ++changed;
  }
  return changed;
}

namespace {

// OTEL_EXPORTER_OTLP[_<SIGNAL>]_HEADERS: lower-cased keys. nullopt when unset,
// or malformed (warned, without the value: it carries secrets).
std::optional<std::map<std::string, std::string>> HeadersFromEnv(const EnvLookup& env,
                                                                 const std::string& name) {
  auto v = NonEmptyEnv(env, name.c_str());
  if (!v) return std::nullopt;
  auto parsed = ParseOtelKeyValueList(*v);
  if (!parsed.ok()) {
    spdlog::warn("{} is malformed ({}); ignored", name, parsed.status().message());
    return std::nullopt;
  }
  std::map<std::string, std::string> headers;
  for (auto& [key, value] : *parsed) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    headers[lower] = std::move(value);
  }
  return headers;
}

// OTEL_EXPORTER_OTLP[_<SIGNAL>]_TIMEOUT in milliseconds; nullopt when unset or
// invalid (warned, naming the value `fallback` that stays in force).
std::optional<std::chrono::milliseconds> TimeoutFromEnv(const EnvLookup& env,
                                                        const std::string& name,
                                                        std::chrono::milliseconds fallback) {
  auto v = NonEmptyEnv(env, name.c_str());
  if (!v) return std::nullopt;
  const std::string_view text = Trim(*v);
  int64_t ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc() && end == text.data() + text.size() && ms > 0) {
    return std::chrono::milliseconds(ms);
  }
  spdlog::warn("{}='{}' is not a positive number of milliseconds; using {} ms", name, text,
               fallback.count());
  return std::nullopt;
}

// OTEL_EXPORTER_OTLP[_<SIGNAL>]_COMPRESSION: gzip or none; nullopt when unset
// or anything else (warned).
std::optional<OtlpCompression> CompressionFromEnv(const EnvLookup& env, const std::string& name) {
  auto v = NonEmptyEnv(env, name.c_str());
  if (!v) return std::nullopt;
  const std::string_view text = Trim(*v);
  if (text == "gzip") return OtlpCompression::kGzip;
  if (text == "none") return OtlpCompression::kNone;
  spdlog::warn("{}='{}' is neither gzip nor none; ignored", name, text);
  return std::nullopt;
}

}  // namespace

OtlpGrpcExporterOptions OtlpGrpcExporterOptionsFromEnv(const EnvLookup& env) {
  OtlpGrpcExporterOptions options;
  options.endpoint = "localhost:" + std::to_string(kDefaultOtlpGrpcPort);
  if (auto v = NonEmptyEnv(env, "OTEL_EXPORTER_OTLP_ENDPOINT")) options.endpoint = Trim(*v);
  if (auto headers = HeadersFromEnv(env, "OTEL_EXPORTER_OTLP_HEADERS")) {
    options.headers = std::move(*headers);
  }
  if (auto timeout = TimeoutFromEnv(env, "OTEL_EXPORTER_OTLP_TIMEOUT", options.timeout)) {
    options.timeout = *timeout;
  }
  if (auto compression = CompressionFromEnv(env, "OTEL_EXPORTER_OTLP_COMPRESSION")) {
    options.compression = *compression;
  }
  if (auto v = NonEmptyEnv(env, "OTEL_EXPORTER_OTLP_INSECURE")) {
    std::string text(Trim(*v));
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text == "true") {
      options.tls.insecure = true;
    } else if (text == "false") {
      options.tls.insecure = false;
    } else {
      spdlog::warn("OTEL_EXPORTER_OTLP_INSECURE='{}' is neither true nor false; ignored", text);
    }
  }
  const std::pair<const char*, std::string*> tls_files[] = {
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", &options.tls.certificate_file},
      {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &options.tls.client_certificate_file},
      {"OTEL_EXPORTER_OTLP_CLIENT_KEY", &options.tls.client_key_file}};
  for (const auto& [name, field] : tls_files) {
    if (auto v = NonEmptyEnv(env, name)) *field = Trim(*v);
  }
  for (const char* signal : {"TRACES", "METRICS", "LOGS"}) {
    for (const char* what : {"INSECURE", "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"}) {
      const std::string name = std::string("OTEL_EXPORTER_OTLP_") + signal + "_" + what;
      if (NonEmptyEnv(env, name.c_str())) {
        spdlog::warn(
            "{} is not supported (one TLS setting serves every signal): set "
            "OTEL_EXPORTER_OTLP_{} instead; ignored",
            name, what);
      }
    }
  }
  const std::pair<const char*, std::pair<std::string*, OtlpSignalOverrides*>> signals[] = {
      {"TRACES", {&options.traces_endpoint, &options.traces_overrides}},
      {"METRICS", {&options.metrics_endpoint, &options.metrics_overrides}},
      {"LOGS", {&options.logs_endpoint, &options.logs_overrides}}};
  for (const auto& [signal, fields] : signals) {
    const std::string prefix = std::string("OTEL_EXPORTER_OTLP_") + signal + "_";
    auto& [endpoint, overrides] = fields;
    if (auto v = NonEmptyEnv(env, (prefix + "ENDPOINT").c_str())) *endpoint = Trim(*v);
    overrides->headers = HeadersFromEnv(env, prefix + "HEADERS");
    overrides->timeout = TimeoutFromEnv(env, prefix + "TIMEOUT", options.timeout);
    overrides->compression = CompressionFromEnv(env, prefix + "COMPRESSION");
  }
  return options;
}

Result<OtlpGrpcTarget> ParseOtlpGrpcEndpoint(std::string_view endpoint) {
  std::string_view s = Trim(endpoint);
  const std::string quoted = "'" + std::string(s) + "'";
  if (s.empty()) return InvalidArgumentError("otlp grpc: empty endpoint");
  OtlpGrpcTarget out;
  if (s.rfind("http://", 0) == 0) {
    s.remove_prefix(7);
    out.scheme = true;
  } else if (s.rfind("https://", 0) == 0) {
    s.remove_prefix(8);
    out.tls = true;
    out.scheme = true;
  } else if (s.find("://") != std::string_view::npos) {
    return InvalidArgumentError("otlp grpc: endpoint " + quoted +
                                " has a scheme other than http or https");
  } else if (s.rfind("unix:", 0) == 0) {
    out.target = std::string(s);
    return out;
  }
  s = s.substr(0, s.find('/'));  // gRPC has no path: "http://host:4317/" is fine
  std::string_view host = s;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError("otlp grpc: endpoint " + quoted + " has an unclosed '['");
    }
    host = s.substr(0, close + 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return InvalidArgumentError("otlp grpc: endpoint " + quoted + " is not [host]:port");
      }
      port = rest.substr(1);
    }
  } else {
    const size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
      if (s.find(':', colon + 1) != std::string_view::npos) {
        return InvalidArgumentError("otlp grpc: endpoint " + quoted +
                                    ": an IPv6 address needs brackets, [addr]:port");
      }
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
    }
  }
  if (host.empty() || host == "[]") {
    return InvalidArgumentError("otlp grpc: endpoint " + quoted + " has no host");
  }
  int port_number = kDefaultOtlpGrpcPort;
  if (!port.empty() || s.back() == ':') {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || port_number < 1 ||
        port_number > 65535) {
      return InvalidArgumentError("otlp grpc: endpoint " + quoted +
                                  " has a port that is not a number in 1..65535");
    }
  }
  out.target = std::string(host) + ":" + std::to_string(port_number);
  return out;
}

// ---- exporter ----------------------------------------------------------------------

namespace {

// Encoders whose buffers the gRPC slices of requests point into, so a request
// is encoded once and never copied. An encoder returns to the pool when the
// last reference to its slice goes, which may be on a gRPC thread after the
// call completed: the slice owns a reference to the pool. Keeps at most
// `max_idle` encoders (each as large as the largest request it held).
class EncoderPool {
 public:
  explicit EncoderPool(size_t max_idle) : max_idle_(max_idle) {}

  std::unique_ptr<internal::ReverseWireEncoder> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto encoder = std::move(idle_.back());
        idle_.pop_back();
        encoder->Clear();
        return encoder;
      }
    }
    return std::make_unique<internal::ReverseWireEncoder>();
  }

  static grpc::ByteBuffer Wrap(const std::shared_ptr<EncoderPool>& pool,
                               std::unique_ptr<internal::ReverseWireEncoder> encoder) {
    auto* holder = new Holder{std::move(encoder), pool};
    const std::string_view bytes = holder->encoder->view();
    // grpc_slice_new_with_user_data takes a non-const pointer; gRPC only reads it.
    grpc::Slice slice(const_cast<char*>(bytes.data()), bytes.size(), &Holder::Release, holder);
    return grpc::ByteBuffer(&slice, 1);
  }

 private:
  struct Holder {
    std::unique_ptr<internal::ReverseWireEncoder> encoder;
    std::shared_ptr<EncoderPool> pool;
    static void Release(void* p) {
      std::unique_ptr<Holder> holder(static_cast<Holder*>(p));
      holder->pool->Put(std::move(holder->encoder));
    }
  };

  void Put(std::unique_ptr<internal::ReverseWireEncoder> encoder) {
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(encoder));
  }

  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<internal::ReverseWireEncoder>> idle_;
};

}  // namespace

class OtlpGrpcExporter::Impl {
 public:
  struct Channel {
    OtlpGrpcTarget target;
    std::shared_ptr<grpc::Channel> channel;
    std::string method;  // "/<package>.<Service>/Export"
    // The signal's own settings: its overrides, else the general ones.
    std::map<std::string, std::string> headers;
    std::chrono::milliseconds timeout{0};
    OtlpCompression compression = OtlpCompression::kNone;
  };

  // Lower-cases the keys and checks that gRPC metadata can carry each pair.
  static Result<std::map<std::string, std::string>> CheckedHeaders(
      const std::map<std::string, std::string>& headers) {
    std::map<std::string, std::string> lowered;
    for (const auto& [key, value] : headers) {
      std::string lower = key;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      TFLO_RETURN_IF_ERROR(ValidateHeader(lower, value));
      lowered[lower] = value;
    }
    return lowered;
  }

  static std::string RedactedHeaderNames(const std::map<std::string, std::string>& headers) {
    std::string names;
    for (const auto& [key, value] : headers) {
      names += names.empty() ? "" : ",";
      names += key + "=<redacted>";
    }
    return names;
  }

  struct Counters {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> exported_items{0};
    std::atomic<uint64_t> failed_items{0};
    std::atomic<uint64_t> rejected_items{0};
    std::atomic<uint64_t> failed_requests{0};
    std::atomic<uint64_t> retries{0};
    // True while exports of this signal fail: the first failure of a streak
    // logs a warning, the following ones only count, a success logs recovery.
    std::atomic<bool> failing{false};
  };

  struct Pending {
    Signal signal = Signal::kTraces;
    grpc::ByteBuffer payload;
    uint64_t items = 0;
  };

  explicit Impl(OtlpGrpcExporterOptions options)
      : options_(std::move(options)),
        pool_(std::make_shared<EncoderPool>(
            2 * static_cast<size_t>(std::max(0, options_.max_in_flight)) + 2)) {}

  ~Impl() { Shutdown(); }

  Status Init() {
    if (options_.max_attempts < 1) {
      return InvalidArgumentError("otlp grpc: max_attempts must be at least 1");
    }
    if (options_.timeout.count() <= 0) {
      return InvalidArgumentError("otlp grpc: timeout must be positive");
    }
    if (options_.initial_backoff.count() < 0 || options_.max_backoff.count() < 0) {
      return InvalidArgumentError("otlp grpc: backoffs must not be negative");
    }
    if (options_.max_in_flight < 0) {
      return InvalidArgumentError("otlp grpc: max_in_flight must not be negative");
    }
    TFLO_ASSIGN_OR_RETURN(options_.headers, CheckedHeaders(options_.headers));
    const std::array<const OtlpSignalOverrides*, 3> signal_overrides = {
        &options_.traces_overrides, &options_.metrics_overrides, &options_.logs_overrides};

    const std::array<const std::string*, 3> overrides = {
        &options_.traces_endpoint, &options_.metrics_endpoint, &options_.logs_endpoint};
    const std::array<const char*, 3> services = {
        ::opentelemetry::proto::collector::trace::v1::TraceService::service_full_name(),
        ::opentelemetry::proto::collector::metrics::v1::MetricsService::service_full_name(),
        ::opentelemetry::proto::collector::logs::v1::LogsService::service_full_name()};
    TFLO_RETURN_IF_ERROR(LoadTls());
    std::map<std::pair<std::string, bool>, std::shared_ptr<grpc::Channel>> by_target;
    for (Signal signal : kSignals) {
      const size_t i = SignalIndex(signal);
      const std::string& endpoint = overrides[i]->empty() ? options_.endpoint : *overrides[i];
      auto target = ParseOtlpGrpcEndpoint(endpoint);
      if (!target.ok()) return target.status();
      if (!target->scheme && target->target.rfind("unix:", 0) != 0) {
        const OtlpTlsOptions& tls = options_.tls;
        const bool files = !tls.certificate_file.empty() || !tls.client_certificate_file.empty();
        target->tls = tls.insecure.has_value() ? !*tls.insecure : files;
      }
      Channel& ch = channels_[i];
      ch.target = *target;
      ch.method = std::string("/") + services[i] + "/Export";
      const OtlpSignalOverrides& own = *signal_overrides[i];
      if (own.headers) {
        TFLO_ASSIGN_OR_RETURN(ch.headers, CheckedHeaders(*own.headers));
      } else {
        ch.headers = options_.headers;
      }
      ch.timeout = own.timeout.value_or(options_.timeout);
      if (ch.timeout.count() <= 0) {
        return InvalidArgumentError("otlp grpc: timeout must be positive");
      }
      ch.compression = own.compression.value_or(options_.compression);
      auto& shared = by_target[{target->target, target->tls}];
      if (!shared) shared = MakeChannel(*target);
      ch.channel = shared;
    }

    std::string per_signal;
    for (Signal signal : kSignals) {
      const Channel& ch = channels_[SignalIndex(signal)];
      per_signal += fmt::format("; {} -> {} ({}, timeout {} ms, compression {}, headers [{}])",
                                kSignalNames[SignalIndex(signal)], ch.target.target,
                                ch.target.tls ? "TLS" : "plaintext", ch.timeout.count(),
                                ch.compression == OtlpCompression::kGzip ? "gzip" : "none",
                                RedactedHeaderNames(ch.headers));
    }
    spdlog::debug("otlp grpc exporter: {} attempts, {} in flight{}", options_.max_attempts,
                  options_.max_in_flight, per_signal);

    for (int i = 0; i < options_.max_in_flight; ++i) workers_.emplace_back([this] { Work(); });
    return OkStatus();
  }

  template <typename Data>
  Status Export(Signal signal, const Data& data, uint64_t items) {
    if (stopping_.load()) return ShutDownError();
    counters_[SignalIndex(signal)].requests.fetch_add(1);
    if (items == 0) return OkStatus();
    return Send(signal, Encode(data), items);
  }

  template <typename Data>
  Status ExportAsync(Signal signal, const Data& data, uint64_t items) {
    if (options_.max_in_flight == 0) {
      return FailedPreconditionError("otlp grpc: ExportAsync needs max_in_flight > 0");
    }
    if (stopping_.load()) return ShutDownError();
    if (items == 0) {
      counters_[SignalIndex(signal)].requests.fetch_add(1);
      return OkStatus();
    }
    Pending pending{signal, Encode(data), items};
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] {
      return stopping_.load() || queue_.size() < static_cast<size_t>(options_.max_in_flight);
    });
    if (stopping_.load()) return ShutDownError();
    counters_[SignalIndex(signal)].requests.fetch_add(1);
    queue_.push_back(std::move(pending));
    work_cv_.notify_one();
    return OkStatus();
  }

  Status Flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!idle_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && active_ == 0; })) {
      return DeadlineExceededError("otlp grpc: " + std::to_string(queue_.size() + active_) +
                                   " requests still pending after " +
                                   std::to_string(timeout.count()) + " ms");
    }
    return OkStatus();
  }

  void Shutdown() {
    std::deque<Pending> dropped;
    {
      std::lock_guard lock(mu_);
      if (stopping_.exchange(true)) return;
      dropped.swap(queue_);
      work_cv_.notify_all();
      space_cv_.notify_all();
      stop_cv_.notify_all();
    }
    for (const auto& p : dropped) {
      Counters& c = counters_[SignalIndex(p.signal)];
      c.failed_items.fetch_add(p.items);
      c.failed_requests.fetch_add(1);
    }
    if (!dropped.empty()) {
      spdlog::warn("otlp grpc: shutdown dropped {} queued requests", dropped.size());
    }
    for (auto& w : workers_) w.join();
    workers_.clear();
    std::lock_guard lock(mu_);
    idle_cv_.notify_all();
  }

  OtlpExportStats stats(Signal signal) const {
    const Counters& c = counters_[SignalIndex(signal)];
    OtlpExportStats s;
    s.requests = c.requests.load();
    s.exported_items = c.exported_items.load();
    s.failed_items = c.failed_items.load();
    s.rejected_items = c.rejected_items.load();
    s.failed_requests = c.failed_requests.load();
    s.retries = c.retries.load();
    return s;
  }

  const std::string& target(Signal signal) const {
    return channels_[SignalIndex(signal)].target.target;
  }

 private:
  // Encodes on the calling thread into a pooled buffer that the request's
  // ByteBuffer then points into (no copy).
  template <typename Data>
  grpc::ByteBuffer Encode(const Data& data) {
    auto encoder = pool_->Acquire();
    internal::EncodeWire(data, encoder.get());
    return EncoderPool::Wrap(pool_, std::move(encoder));
  }

  static Status ShutDownError() {
    return FailedPreconditionError("otlp grpc: the exporter is shut down");
  }

  // Reads the TLS files of options_.tls into ssl_ (see OtlpTlsOptions).
  Status LoadTls() {
    const OtlpTlsOptions& tls = options_.tls;
    if (tls.client_certificate_file.empty() != tls.client_key_file.empty()) {
      return InvalidArgumentError(
          "otlp grpc: a client certificate needs its key and the key its certificate "
          "(OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY): only " +
          std::string(tls.client_key_file.empty() ? "the certificate" : "the key") + " is set");
    }
    const auto read = [](const std::string& path, std::string_view what,
                         std::string_view marker) -> Result<std::string> {
      errno = 0;
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        const int err = errno;
        return InvalidArgumentError(
            "otlp grpc: " + std::string(what) + " file " + path + ": cannot read" +
            (err != 0 ? ": " + std::error_code(err, std::generic_category()).message() : ""));
      }
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.find("-----BEGIN ") == std::string::npos || text.find(marker) == std::string::npos) {
        // Not quoted: a key file's content is a secret.
        return InvalidArgumentError("otlp grpc: " + std::string(what) + " file " + path +
                                    " is not PEM (no '-----BEGIN ..." + std::string(marker) +
                                    "' block)");
      }
      return text;
    };
    if (!tls.certificate_file.empty()) {
      TFLO_ASSIGN_OR_RETURN(
          ssl_.pem_root_certs,
          read(tls.certificate_file, "certificate (OTEL_EXPORTER_OTLP_CERTIFICATE)",
               "CERTIFICATE-----"));
    }
    if (!tls.client_certificate_file.empty()) {
      TFLO_ASSIGN_OR_RETURN(
          ssl_.pem_cert_chain,
          read(tls.client_certificate_file,
               "client certificate (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)", "CERTIFICATE-----"));
      TFLO_ASSIGN_OR_RETURN(ssl_.pem_private_key,
                            read(tls.client_key_file, "client key (OTEL_EXPORTER_OTLP_CLIENT_KEY)",
                                 "PRIVATE KEY-----"));
    }
    return OkStatus();
  }

  std::shared_ptr<grpc::Channel> MakeChannel(const OtlpGrpcTarget& target) const {
    grpc::ChannelArguments args;
    // Retries are ours (OTLP's rules, counted); gRPC's own would hide them.
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    args.SetMaxSendMessageSize(-1);
    // Reconnect attempts follow roughly the same pace as our retries, so a
    // retry after a backend restart finds the channel trying again.
    const int reconnect_ms =
        static_cast<int>(std::clamp<int64_t>(options_.initial_backoff.count(), 100, 1000));
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, reconnect_ms);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, reconnect_ms);
    args.SetInt(
        GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
        static_cast<int>(std::clamp<int64_t>(options_.max_backoff.count(), reconnect_ms, 120000)));
    auto creds = target.tls ? grpc::SslCredentials(ssl_) : grpc::InsecureChannelCredentials();
    return grpc::CreateCustomChannel(target.target, creds, args);
  }

  // One attempt. The response type is the signal's Export*ServiceResponse.
  template <typename Response>
  grpc::Status SendOnce(const Channel& ch, const grpc::ByteBuffer& payload, Response* response) {
    grpc::TemplatedGenericStub<grpc::ByteBuffer, Response> stub(ch.channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + ch.timeout);
    for (const auto& [key, value] : ch.headers) context.AddMetadata(key, value);
    if (ch.compression == OtlpCompression::kGzip) {
      context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    }
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&context, ch.method, grpc::StubOptions(), &payload, response,
                   [&](const grpc::Status& status) {
                     std::lock_guard lock(mu);
                     result = status;
                     done = true;
                     cv.notify_one();
                   });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
    return result;
  }

  grpc::Status SendOnceForSignal(Signal signal, const grpc::ByteBuffer& payload, uint64_t* rejected,
                                 std::string* partial_message) {
    const Channel& ch = channels_[SignalIndex(signal)];
    switch (signal) {
      case Signal::kTraces: {
        otlp_trace::ExportTraceServiceResponse response;
        grpc::Status st = SendOnce(ch, payload, &response);
        *rejected = static_cast<uint64_t>(response.partial_success().rejected_spans());
        *partial_message = response.partial_success().error_message();
        return st;
      }
      case Signal::kMetrics: {
        otlp_metrics::ExportMetricsServiceResponse response;
        grpc::Status st = SendOnce(ch, payload, &response);
        *rejected = static_cast<uint64_t>(response.partial_success().rejected_data_points());
        *partial_message = response.partial_success().error_message();
        return st;
      }
      case Signal::kLogs: {
        otlp_logs::ExportLogsServiceResponse response;
        grpc::Status st = SendOnce(ch, payload, &response);
        *rejected = static_cast<uint64_t>(response.partial_success().rejected_log_records());
        *partial_message = response.partial_success().error_message();
        return st;
      }
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, "unknown signal");
  }

  // Waits `delay` unless Shutdown() comes first; false if it did.
  bool Backoff(std::chrono::milliseconds delay) {
    std::unique_lock lock(mu_);
    return !stop_cv_.wait_for(lock, delay, [&] { return stopping_.load(); });
  }

  Status Send(Signal signal, const grpc::ByteBuffer& payload, uint64_t items) {
    Counters& c = counters_[SignalIndex(signal)];
    const Channel& ch = channels_[SignalIndex(signal)];
    grpc::Status last;
    int attempt = 0;
    bool interrupted = false;
    while (true) {
      ++attempt;
      uint64_t rejected = 0;
      std::string partial_message;
      last = SendOnceForSignal(signal, payload, &rejected, &partial_message);
      if (last.ok()) {
        rejected = std::min(rejected, items);
        c.exported_items.fetch_add(items - rejected);
        c.rejected_items.fetch_add(rejected);
        if (rejected > 0) {
          spdlog::debug("otlp grpc: {} rejected {} of {} {}: {}", ch.target.target, rejected, items,
                        ItemName(signal), partial_message);
        }
        if (c.failing.exchange(false)) {
          spdlog::info("otlp grpc: exports of {} to {} succeed again", ItemName(signal),
                       ch.target.target);
        }
        return OkStatus();
      }
      const auto retry_delay = DecodeRetryInfoDelay(last.error_details());
      if (!IsRetryable(last.error_code(), retry_delay.has_value()) ||
          attempt >= options_.max_attempts) {
        break;
      }
      std::chrono::milliseconds delay;
      if (retry_delay) {
        delay = std::min(*retry_delay, options_.max_backoff);
      } else {
        const int shift = std::min(attempt - 1, 30);
        const int64_t base = std::min<int64_t>(options_.initial_backoff.count() << shift,
                                               options_.max_backoff.count());
        delay = std::chrono::milliseconds(
            static_cast<int64_t>(static_cast<double>(base) * JitterFactor()));
      }
      if (!Backoff(delay)) {
        interrupted = true;
        break;
      }
      c.retries.fetch_add(1);
    }
    c.failed_items.fetch_add(items);
    c.failed_requests.fetch_add(1);
    const std::string code_name(StatusCodeName(FromGrpcCode(last.error_code())));
    std::string message =
        "otlp grpc export of " + std::to_string(items) + " " + std::string(ItemName(signal)) +
        " to " + ch.target.target + " failed after " + std::to_string(attempt) + " attempt(s)" +
        (interrupted ? " (shutdown)" : "") + ": " + code_name + ": " + last.error_message();
    if (!c.failing.exchange(true)) {
      spdlog::warn(
          "{}; the {} are dropped; further failures are only counted until an export "
          "succeeds",
          message, ItemName(signal));
    } else {
      spdlog::debug("{}", message);
    }
    return Status(FromGrpcCode(last.error_code()), std::move(message));
  }

  void Work() {
    while (true) {
      Pending pending;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return stopping_.load() || !queue_.empty(); });
        if (stopping_.load()) return;
        pending = std::move(queue_.front());
        queue_.pop_front();
        ++active_;
        space_cv_.notify_one();
      }
      Send(pending.signal, pending.payload, pending.items).IgnoreError();  // counted in stats
      {
        std::lock_guard lock(mu_);
        --active_;
        if (queue_.empty() && active_ == 0) idle_cv_.notify_all();
      }
    }
  }

  OtlpGrpcExporterOptions options_;
  grpc::SslCredentialsOptions ssl_;  // roots and client certificate (LoadTls)
  std::shared_ptr<EncoderPool> pool_;
  std::array<Channel, 3> channels_;
  std::array<Counters, 3> counters_;

  std::mutex mu_;
  std::condition_variable work_cv_;   // queue_ not empty, or stopping
  std::condition_variable space_cv_;  // queue_ has room, or stopping
  std::condition_variable idle_cv_;   // queue_ empty and nothing active
  std::condition_variable stop_cv_;   // stopping (interrupts backoffs)
  std::deque<Pending> queue_;
  size_t active_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

Result<std::unique_ptr<OtlpGrpcExporter>> OtlpGrpcExporter::Create(
    OtlpGrpcExporterOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  TFLO_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<OtlpGrpcExporter>(new OtlpGrpcExporter(std::move(impl)));
}

OtlpGrpcExporter::OtlpGrpcExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OtlpGrpcExporter::~OtlpGrpcExporter() = default;

Status OtlpGrpcExporter::Export(const TracesData& data) {
  return impl_->Export(Signal::kTraces, data, data.SpanCount());
}
Status OtlpGrpcExporter::Export(const MetricsData& data) {
  return impl_->Export(Signal::kMetrics, data, data.DataPointCount());
}
Status OtlpGrpcExporter::Export(const LogsData& data) {
  return impl_->Export(Signal::kLogs, data, data.LogRecordCount());
}
Status OtlpGrpcExporter::ExportAsync(const TracesData& data) {
  return impl_->ExportAsync(Signal::kTraces, data, data.SpanCount());
}
Status OtlpGrpcExporter::ExportAsync(const MetricsData& data) {
  return impl_->ExportAsync(Signal::kMetrics, data, data.DataPointCount());
}
Status OtlpGrpcExporter::ExportAsync(const LogsData& data) {
  return impl_->ExportAsync(Signal::kLogs, data, data.LogRecordCount());
}
Status OtlpGrpcExporter::Flush(std::chrono::milliseconds timeout) { return impl_->Flush(timeout); }
void OtlpGrpcExporter::Shutdown() { impl_->Shutdown(); }
OtlpExportStats OtlpGrpcExporter::stats(Signal signal) const { return impl_->stats(signal); }
OtlpExportStats OtlpGrpcExporter::total_stats() const {
  OtlpExportStats total;
  for (Signal signal : kSignals) {
    const OtlpExportStats s = impl_->stats(signal);
    total.requests += s.requests;
    total.exported_items += s.exported_items;
    total.failed_items += s.failed_items;
    total.rejected_items += s.rejected_items;
    total.failed_requests += s.failed_requests;
    total.retries += s.retries;
  }
  return total;
}
const std::string& OtlpGrpcExporter::target(Signal signal) const { return impl_->target(signal); }

// ---- receiver ----------------------------------------------------------------------

class OtlpGrpcReceiver::Impl {
 public:
  explicit Impl(OtlpGrpcReceiverOptions options) : options_(std::move(options)) {}

  ~Impl() { Shutdown(); }

  Status Start() {
    grpc::ServerBuilder builder;
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (!options_.tls_certificate_pem.empty()) {
      grpc::SslServerCredentialsOptions ssl(
          options_.client_ca_pem.empty()
              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      ssl.pem_root_certs = options_.client_ca_pem;
      ssl.pem_key_cert_pairs.push_back(
          {options_.tls_private_key_pem, options_.tls_certificate_pem});
      credentials = grpc::SslServerCredentials(ssl);
    }
    builder.AddListeningPort(options_.listen_address, credentials, &port_);
    builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
    builder.RegisterService(&traces_);
    builder.RegisterService(&metrics_);
    builder.RegisterService(&logs_);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      server_.reset();
      return UnavailableError("otlp grpc receiver: cannot listen on " + options_.listen_address);
    }
    const size_t colon = options_.listen_address.rfind(':');
    host_ = options_.listen_address.substr(0, colon);
    return OkStatus();
  }

  void Shutdown() {
    std::lock_guard lock(shutdown_mu_);
    if (!server_) return;
    // In-flight calls get a moment to finish, then are cancelled.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_->Wait();
    server_.reset();
  }

  int port() const { return port_; }
  std::string endpoint() const { return host_ + ":" + std::to_string(port_); }

  OtlpReceiveStats stats(Signal signal) const {
    std::lock_guard lock(mu_);
    return stats_[SignalIndex(signal)];
  }

  bool WaitForItems(Signal signal, uint64_t items, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stats_[SignalIndex(signal)].items >= items; });
  }

  // Handles one Export call of any signal; fills `response` on success.
  grpc::Status Handle(Signal signal, const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                      const grpc::ByteBuffer& request, grpc::ByteBuffer* response) {
    const size_t i = SignalIndex(signal);
    {
      std::lock_guard lock(mu_);
      ++stats_[i].requests;
    }
    for (const auto& [key, value] : options_.required_metadata) {
      const auto [first, last] = metadata.equal_range(grpc::string_ref(key));
      const bool found = std::any_of(first, last, [&value = value](const auto& entry) {
        return entry.second == grpc::string_ref(value);
      });
      if (!found) {
        std::lock_guard lock(mu_);
        ++stats_[i].unauthenticated;
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong " + key);
      }
    }
    if (options_.failures.delay.count() > 0) std::this_thread::sleep_for(options_.failures.delay);
    if (calls_.fetch_add(1) <
        static_cast<uint64_t>(std::max(0, options_.failures.fail_first_calls))) {
      {
        std::lock_guard lock(mu_);
        ++stats_[i].injected_failures;
      }
      const int code = static_cast<int>(options_.failures.fail_code);
      const std::string message = "injected failure";
      if (options_.failures.retry_info_delay) {
        return grpc::Status(
            ToGrpcCode(options_.failures.fail_code), message,
            EncodeRetryInfoStatus(code, message, *options_.failures.retry_info_delay));
      }
      return grpc::Status(ToGrpcCode(options_.failures.fail_code), message);
    }

    thread_local ScratchBuffer scratch;
    std::vector<grpc::Slice> slices;
    std::string_view bytes;
    if (!Flatten(request, &slices, scratch.get(), &bytes)) {
      return DecodeError(i, "unreadable request");
    }
    bool malformed = false;
    Result<uint64_t> items = Deliver(signal, bytes, &malformed);
    scratch.Trim();
    if (!items.ok()) {
      if (malformed) return DecodeError(i, items.status().message());
      return grpc::Status(ToGrpcCode(items.status().code()), items.status().message());
    }
    const uint64_t rejected = std::min(options_.failures.partial_success_rejected, *items);
    *response = ToByteBuffer(EncodeResponse(signal, rejected));
    {
      std::lock_guard lock(mu_);
      ++stats_[i].accepted_requests;
      stats_[i].items += *items;
      stats_[i].rejected_items += rejected;
    }
    cv_.notify_all();
    return grpc::Status::OK;
  }

 private:
  template <typename Base>
  class Service final : public Base {
   public:
    Service(Impl* impl, Signal signal) : impl_(impl), signal_(signal) {}
    grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(impl_->Handle(signal_, context->client_metadata(), *request, response));
      return reactor;
    }

   private:
    Impl* impl_;
    Signal signal_;
  };
  using TraceBase =
      ::opentelemetry::proto::collector::trace::v1::TraceService::WithRawCallbackMethod_Export<
          ::opentelemetry::proto::collector::trace::v1::TraceService::Service>;
  using MetricsBase =
      ::opentelemetry::proto::collector::metrics::v1::MetricsService::WithRawCallbackMethod_Export<
          ::opentelemetry::proto::collector::metrics::v1::MetricsService::Service>;
  using LogsBase =
      ::opentelemetry::proto::collector::logs::v1::LogsService::WithRawCallbackMethod_Export<
          ::opentelemetry::proto::collector::logs::v1::LogsService::Service>;
  grpc::Status DecodeError(size_t i, const std::string& what) {
    {
      std::lock_guard lock(mu_);
      ++stats_[i].decode_errors;
    }
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "otlp grpc receiver: " + what);
  }

  template <typename Request, typename Data>
  static Result<uint64_t> Decode(std::string_view bytes,
                                 const std::function<Status(Data&&)>& callback,
                                 uint64_t (*count)(const Data&), bool* malformed) {
    google::protobuf::Arena arena;
    auto* message = google::protobuf::Arena::CreateMessage<Request>(&arena);
    if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      *malformed = true;
      return InvalidArgumentError("request is not a valid protobuf message");
    }
    auto data = FromProto(*message);
    if (!data.ok()) {
      *malformed = true;
      return InvalidArgumentError(data.status().message());
    }
    const uint64_t items = count(*data);
    TFLO_RETURN_IF_ERROR(callback(std::move(*data)));
    return items;
  }

  Result<uint64_t> Deliver(Signal signal, std::string_view bytes, bool* malformed) {
    switch (signal) {
      case Signal::kTraces:
        if (!options_.on_traces) break;
        return Decode<otlp_trace::ExportTraceServiceRequest, TracesData>(
            bytes, options_.on_traces,
            [](const TracesData& d) -> uint64_t { return d.SpanCount(); }, malformed);
      case Signal::kMetrics:
        if (!options_.on_metrics) break;
        return Decode<otlp_metrics::ExportMetricsServiceRequest, MetricsData>(
            bytes, options_.on_metrics,
            [](const MetricsData& d) -> uint64_t { return d.DataPointCount(); }, malformed);
      case Signal::kLogs:
        if (!options_.on_logs) break;
        return Decode<otlp_logs::ExportLogsServiceRequest, LogsData>(
            bytes, options_.on_logs,
            [](const LogsData& d) -> uint64_t { return d.LogRecordCount(); }, malformed);
    }
    auto count = CountWireItems(signal, bytes);
    if (!count.ok()) *malformed = true;
    return count;
  }

  static std::string EncodeResponse(Signal signal, uint64_t rejected) {
    if (rejected == 0) return {};  // an empty Export*ServiceResponse
    const std::string message = "rejected by failure injection";
    switch (signal) {
      case Signal::kTraces: {
        otlp_trace::ExportTraceServiceResponse r;
        r.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(rejected));
        r.mutable_partial_success()->set_error_message(message);
        return r.SerializeAsString();
      }
      case Signal::kMetrics: {
        otlp_metrics::ExportMetricsServiceResponse r;
        r.mutable_partial_success()->set_rejected_data_points(static_cast<int64_t>(rejected));
        r.mutable_partial_success()->set_error_message(message);
        return r.SerializeAsString();
      }
      case Signal::kLogs: {
        otlp_logs::ExportLogsServiceResponse r;
        r.mutable_partial_success()->set_rejected_log_records(static_cast<int64_t>(rejected));
        r.mutable_partial_success()->set_error_message(message);
        return r.SerializeAsString();
      }
    }
    return {};
  }

  OtlpGrpcReceiverOptions options_;
  Service<TraceBase> traces_{this, Signal::kTraces};
  Service<MetricsBase> metrics_{this, Signal::kMetrics};
  Service<LogsBase> logs_{this, Signal::kLogs};
  std::unique_ptr<grpc::Server> server_;
  std::mutex shutdown_mu_;
  int port_ = 0;
  std::string host_;
  std::atomic<uint64_t> calls_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::array<OtlpReceiveStats, 3> stats_{};
};

Result<std::unique_ptr<OtlpGrpcReceiver>> OtlpGrpcReceiver::Start(OtlpGrpcReceiverOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  TFLO_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<OtlpGrpcReceiver>(new OtlpGrpcReceiver(std::move(impl)));
}

OtlpGrpcReceiver::OtlpGrpcReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OtlpGrpcReceiver::~OtlpGrpcReceiver() = default;
int OtlpGrpcReceiver::port() const { return impl_->port(); }
std::string OtlpGrpcReceiver::endpoint() const { return impl_->endpoint(); }
OtlpReceiveStats OtlpGrpcReceiver::stats(Signal signal) const { return impl_->stats(signal); }
bool OtlpGrpcReceiver::WaitForItems(Signal signal, uint64_t items,
                                    std::chrono::milliseconds timeout) const {
  return impl_->WaitForItems(signal, items, timeout);
}
void OtlpGrpcReceiver::Shutdown() { impl_->Shutdown(); }

}  // namespace tflo::core
