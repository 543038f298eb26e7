#include "tflo/workload/lambda_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tflo::workload {
namespace {

using Json = nlohmann::json;

constexpr const char* kBuiltIn = "<built-in>";

// ---- where each key sits in the raw text -----------------------------------

// nlohmann::json 3.11 keeps no source positions, so the line of every key is
// recovered by one pass over the raw text, after nlohmann has accepted it (the
// scanner may therefore assume well-formed JSON). Paths are "A.B" for members
// and "A[0]" for array elements; the line is the key's (or the element's).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) {
    SkipSpace();
    if (pos_ < text_.size()) ScanValue("", 0);
  }

  // 1 when the path is unknown (the top-level object starts at line 1 or later).
  int LineOf(const std::string& path) const {
    const auto it = lines_.find(path);
    return it != lines_.end() ? it->second : 1;
  }

 private:
  static constexpr int kMaxDepth = 128;

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  // At an opening quote; returns the decoded string (simple escapes and
  // \u00XX are decoded, other \u escapes kept as written: keys that matter are
  // ASCII). JSON strings cannot hold raw newlines, so no line counting here.
  std::string ReadString() {
    std::string out;
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {
        const char e = text_[pos_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case 'u':
            if (pos_ + 4 <= text_.size() && text_.substr(pos_, 2) == "00") {
              unsigned value = 0;
              const char* first = text_.data() + pos_ + 2;
              std::from_chars(first, first + 2, value, 16);
              c = static_cast<char>(value);
              pos_ += 4;
            } else {
              out += "\\u";
              continue;
            }
            break;
          default:
            c = e;
            break;  // \" \\ \/
        }
      }
      out += c;
    }
    ++pos_;  // closing quote
    return out;
  }

  void ScanValue(const std::string& path, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return;
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      const bool object = c == '{';
      ++pos_;
      SkipSpace();
      size_t index = 0;
      while (pos_ < text_.size() && text_[pos_] != (object ? '}' : ']')) {
        std::string child;
        if (object) {
          const int key_line = line_;
          const std::string key = ReadString();
          child = path.empty() ? key : path + "." + key;
          if (depth < kMaxDepth) lines_[child] = key_line;
          SkipSpace();
          ++pos_;  // ':'
        } else {
          child = path + "[" + std::to_string(index++) + "]";
          if (depth < kMaxDepth) lines_[child] = line_;
        }
        ScanValue(child, depth + 1);
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          SkipSpace();
        }
      }
      ++pos_;  // closing bracket
      return;
    }
    if (c == '"') {
      ReadString();
      return;
    }
    while (pos_ < text_.size() &&
           std::string_view(",}] \t\r\n").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

// ---- small helpers -----------------------------------------------------------

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Whether `a` can be obtained from `b` by deleting letters ("maxconcurrency"
// from "maximumconcurrency").
bool IsSubsequence(std::string_view a, std::string_view b) {
  size_t j = 0;
  for (size_t i = 0; i < b.size() && j < a.size(); ++i) {
    if (a[j] == b[i]) ++j;
  }
  return j == a.size();
}

// The modelled key `key` most likely meant, or "" when it is not a near miss:
// the same letters in another case, at most two edits away, or an
// abbreviation keeping at least half of the letters.
std::string NearMiss(std::string_view key, const std::vector<std::string_view>& modelled) {
  const std::string lower = Lower(key);
  for (const std::string_view m : modelled) {
    const std::string candidate = Lower(m);
    if (candidate == lower || EditDistance(lower, candidate) <= 2 ||
        (2 * lower.size() >= candidate.size() && IsSubsequence(lower, candidate))) {
      return std::string(m);
    }
  }
  return "";
}

// A short rendering of a (non-secret) value for "got ..." in messages.
std::string Describe(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  switch (value.type()) {
    case Json::value_t::string:
      return "the string " + text;
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::null:
      return "null";
    default:
      return text;
  }
}

// "https://user:secret@host:4317/path?token=x" -> "https://host:4317/path": the
// endpoint is kept for reports only, so user-info and query strings (where
// credentials hide in URLs) are dropped rather than stored.
std::string StripCredentials(std::string_view endpoint) {
  std::string_view rest = endpoint;
  std::string out;
  const size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    out = std::string(rest.substr(0, scheme_end + 3));
    rest.remove_prefix(scheme_end + 3);
  }
  const size_t authority_end = rest.find_first_of("/?#");
  const size_t at = rest.substr(0, authority_end).rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  out += std::string(rest.substr(0, rest.find_first_of("?#")));
  return out;
}

// nlohmann's parse_error text ends with "; last read: '<token>'", which can
// quote the inside of a string value (a secret header, say): only the reason
// before it is kept.
std::string SyntaxReason(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  const size_t colon = what.find(": ", what.find("column"));
  if (colon != std::string::npos) what = what.substr(colon + 2);
  const size_t last_read = what.find("; last read");
  std::string expected;
  if (last_read != std::string::npos) {
    const size_t exp = what.find("; expected", last_read);
    if (exp != std::string::npos) expected = what.substr(exp);
    what = what.substr(0, last_read);
  }
  return what + expected;
}

// One parse of one document; every error is `<source>:<line>: <path>: <message>`.
class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  // Parses the text; a syntax error becomes `<source>:<line>: invalid JSON (...)`.
  Status ParseDocument(Json* out) {
    try {
      *out = Json::parse(text_);
    } catch (const nlohmann::json::parse_error& e) {
      // `byte` is the 1-based position of the last character read.
      const size_t end = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text_.size());
      const std::string_view before = text_.substr(0, end);
      const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
      const size_t line_start = before.rfind('\n');
      const size_t column = line_start == std::string_view::npos ? end + 1 : end - line_start;
      return InvalidArgumentError(source_ + ":" + std::to_string(line) + ":" +
                                  std::to_string(column) + ": invalid JSON (" + SyntaxReason(e) +
                                  ")");
    } catch (const nlohmann::json::exception& e) {
      return InvalidArgumentError(source_ + ": invalid JSON (" + e.what() + ")");
    }
    if (!out->is_object()) {
      return InvalidArgumentError(source_ + ":1: expected a JSON object at the top level");
    }
    index_.emplace(text_);
    return OkStatus();
  }

  Status Error(const std::string& path, const std::string& message) const {
    const int line = index_ ? index_->LineOf(path) : 1;
    return InvalidArgumentError(source_ + ":" + std::to_string(line) + ": " + path + ": " +
                                message);
  }

  // Unknown keys: accepted when AWS prints them (known) or when they are not a
  // near miss of a modelled key; a near miss is almost certainly a typo that
  // would otherwise be silently ignored.
  // `strict` (small AWS objects whose members are all known): any other key is an error.
  Status CheckKeys(const Json& object, const std::string& prefix,
                   const std::vector<std::string_view>& modelled,
                   const std::set<std::string_view>& known, bool strict = false) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(modelled.begin(), modelled.end(), key) != modelled.end()) continue;
      if (known.count(key) != 0) continue;
      const std::string guess = NearMiss(key, modelled);
      if (!guess.empty()) {
        return Error(Join(prefix, key), "unknown key (did you mean " + guess + "?)");
      }
      if (strict) {
        std::string expected;
        for (const std::string_view m : modelled)
          expected += (expected.empty() ? "" : ", ") + std::string(m);
        for (const std::string_view k : known) expected += ", " + std::string(k);
        return Error(Join(prefix, key), "unknown key (expected " + expected + ")");
      }
    }
    return OkStatus();
  }

  static std::string Join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
  }

  Result<int64_t> Integer(const Json& value, const std::string& path, int64_t lo,
                          int64_t hi) const {
    const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
    if (!value.is_number_integer()) {
      return Error(path, "expected an integer in " + range + ", got " + Describe(value));
    }
    const int64_t v = value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX
                          ? INT64_MAX
                          : value.get<int64_t>();
    if (v < lo || v > hi) {
      return Error(path, "expected an integer in " + range + ", got " + std::to_string(v));
    }
    return v;
  }

  Result<std::string> String(const Json& value, const std::string& path) const {
    if (!value.is_string()) return Error(path, "expected a string, got " + Describe(value));
    return value.get<std::string>();
  }

  Result<const Json*> Object(const Json& value, const std::string& path) const {
    if (!value.is_object()) return Error(path, "expected an object, got " + Describe(value));
    return &value;
  }

 private:
  std::string_view text_;
  std::string source_;
  std::optional<LineIndex> index_;
};

// ---- function configuration ---------------------------------------------------

// FunctionConfiguration members the model reads ...
const std::vector<std::string_view> kFunctionModelled = {
    "FunctionName",  "FunctionArn", "Runtime",          "MemorySize",   "Timeout",
    "Architectures", "Environment", "EphemeralStorage", "LastModified", "PackageType"};
// ... and the others the API reference lists (accepted, not modelled).
const std::set<std::string_view> kFunctionKnown = {"Role",
                                                   "Handler",
                                                   "CodeSize",
                                                   "Description",
                                                   "CodeSha256",
                                                   "Version",
                                                   "VpcConfig",
                                                   "DeadLetterConfig",
                                                   "KMSKeyArn",
                                                   "TracingConfig",
                                                   "MasterArn",
                                                   "RevisionId",
                                                   "Layers",
                                                   "State",
                                                   "StateReason",
                                                   "StateReasonCode",
                                                   "LastUpdateStatus",
                                                   "LastUpdateStatusReason",
                                                   "LastUpdateStatusReasonCode",
                                                   "FileSystemConfigs",
                                                   "ImageConfigResponse",
                                                   "SigningProfileVersionArn",
                                                   "SigningJobArn",
                                                   "SnapStart",
                                                   "RuntimeVersionConfig",
                                                   "LoggingConfig",
                                                   "ResponseMetadata",
                                                   "Code",
                                                   "Tags",
                                                   "Concurrency",
                                                   "TagsError"};

constexpr std::string_view kBspScheduleDelay = "OTEL_BSP_SCHEDULE_DELAY";
constexpr std::string_view kBspExportTimeout = "OTEL_BSP_EXPORT_TIMEOUT";
constexpr std::string_view kBspMaxQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE";
constexpr std::string_view kBspMaxExportBatchSize = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
constexpr std::string_view kOtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
constexpr std::string_view kOtlpHeaders = "OTEL_EXPORTER_OTLP_HEADERS";
constexpr int64_t kMaxBspValue = 1'000'000'000;

// A positive decimal integer in an environment variable ("1000"). nullopt for
// an empty value (the specification: empty means unset).
Result<std::optional<int64_t>> PositiveEnvInteger(const Parser& p, const std::string& path,
                                                  const std::string& text) {
  if (text.empty()) return std::optional<int64_t>();
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0 || value > kMaxBspValue ||
      !std::isdigit(static_cast<unsigned char>(text[0]))) {
    return p.Error(path, "expected a positive integer (as a string) up to " +
                             std::to_string(kMaxBspValue) + ", got \"" + text + "\"");
  }
  return std::optional<int64_t>(value);
}

Status ParseEnvironment(const Parser& p, const Json& environment, const std::string& prefix,
                        LambdaFunctionConfig& config) {
  TFLO_ASSIGN_OR_RETURN(const Json* env, p.Object(environment, prefix));
  TFLO_RETURN_IF_ERROR(p.CheckKeys(*env, prefix, {"Variables"}, {"Error"}, /*strict=*/true));
  const auto vars_it = env->find("Variables");
  if (vars_it == env->end() || vars_it->is_null()) return OkStatus();
  const std::string vars_path = prefix + ".Variables";
  TFLO_ASSIGN_OR_RETURN(const Json* vars, p.Object(*vars_it, vars_path));

  const std::vector<std::string_view> bsp_keys = {kBspScheduleDelay, kBspExportTimeout,
                                                  kBspMaxQueueSize, kBspMaxExportBatchSize};
  for (const auto& [name, value] : vars->items()) {
    const std::string path = vars_path + "." + name;
    // Environment values are strings in the Lambda API. The message never
    // quotes a value here: any variable may hold a credential.
    if (!value.is_string())
      return p.Error(path, "expected a string (environment values are strings)");
    const std::string& text = value.get_ref<const std::string&>();
    if (name == kOtlpHeaders) {
      config.otlp_headers_set = !text.empty();
      continue;
    }
    if (name == kOtlpEndpoint) {
      config.otlp_endpoint = StripCredentials(text);
      continue;
    }
    if (std::find(bsp_keys.begin(), bsp_keys.end(), name) != bsp_keys.end()) {
      TFLO_ASSIGN_OR_RETURN(std::optional<int64_t> v, PositiveEnvInteger(p, path, text));
      if (!v) continue;
      if (name == kBspScheduleDelay) config.bsp.schedule_delay = std::chrono::milliseconds(*v);
      if (name == kBspExportTimeout) config.bsp.export_timeout = std::chrono::milliseconds(*v);
      if (name == kBspMaxQueueSize) config.bsp.max_queue_size = *v;
      if (name == kBspMaxExportBatchSize) config.bsp.max_export_batch_size = *v;
      continue;
    }
    if (name.rfind("OTEL_BSP_", 0) == 0) {
      return p.Error(path, "unknown batch span processor variable (the SDK reads " +
                               std::string(kBspScheduleDelay) + ", " +
                               std::string(kBspExportTimeout) + ", " +
                               std::string(kBspMaxQueueSize) + ", " +
                               std::string(kBspMaxExportBatchSize) + ")");
    }
    config.other_environment_variables.push_back(name);
  }
  std::sort(config.other_environment_variables.begin(), config.other_environment_variables.end());
  if (config.bsp.max_export_batch_size > config.bsp.max_queue_size) {
    const std::string key = vars->contains(std::string(kBspMaxExportBatchSize))
                                ? std::string(kBspMaxExportBatchSize)
                                : std::string(kBspMaxQueueSize);
    return p.Error(vars_path + "." + key, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE (" +
                                              std::to_string(config.bsp.max_export_batch_size) +
                                              ") must be <= OTEL_BSP_MAX_QUEUE_SIZE (" +
                                              std::to_string(config.bsp.max_queue_size) + ")");
  }
  return OkStatus();
}

Result<LambdaFunctionConfig> ParseFunction(Parser& p, const Json& doc) {
  LambdaFunctionConfig config;
  config.function_name.clear();
  // `aws lambda get-function` wraps the configuration in "Configuration".
  std::string prefix;
  const Json* root = &doc;
  if (const auto it = doc.find("Configuration"); it != doc.end()) {
    TFLO_ASSIGN_OR_RETURN(root, p.Object(*it, "Configuration"));
    prefix = "Configuration";
  }
  TFLO_RETURN_IF_ERROR(p.CheckKeys(*root, prefix, kFunctionModelled, kFunctionKnown));
  auto path = [&](std::string_view key) { return Parser::Join(prefix, key); };

  for (const auto& [key, value] : root->items()) {
    const std::string k = path(key);
    if (key == "FunctionName") {
      TFLO_ASSIGN_OR_RETURN(config.function_name, p.String(value, k));
      if (config.function_name.empty()) return p.Error(k, "must not be empty");
    } else if (key == "FunctionArn") {
      TFLO_ASSIGN_OR_RETURN(config.function_arn, p.String(value, k));
    } else if (key == "Runtime") {
      TFLO_ASSIGN_OR_RETURN(config.runtime, p.String(value, k));
    } else if (key == "PackageType") {
      TFLO_ASSIGN_OR_RETURN(config.package_type, p.String(value, k));
      if (config.package_type != "Zip" && config.package_type != "Image") {
        return p.Error(k, "expected \"Zip\" or \"Image\", got " + Describe(value));
      }
    } else if (key == "LastModified") {
      TFLO_ASSIGN_OR_RETURN(config.last_modified, p.String(value, k));
    } else if (key == "MemorySize") {
      TFLO_ASSIGN_OR_RETURN(config.memory_mb,
                            p.Integer(value, k, kLambdaMinMemoryMb, kLambdaMaxMemoryMb));
    } else if (key == "Timeout") {
      TFLO_ASSIGN_OR_RETURN(
          int64_t seconds, p.Integer(value, k, kLambdaMinTimeoutSeconds, kLambdaMaxTimeoutSeconds));
      config.timeout = std::chrono::seconds(seconds);
    } else if (key == "Architectures") {
      if (!value.is_array() || value.size() != 1) {
        return p.Error(k, "expected a list of exactly one architecture, got " + Describe(value));
      }
      TFLO_ASSIGN_OR_RETURN(std::string arch, p.String(value[0], k + "[0]"));
      if (arch == "arm64") {
        config.architecture = LambdaArchitecture::kArm64;
      } else if (arch == "x86_64") {
        config.architecture = LambdaArchitecture::kX86_64;
      } else {
        return p.Error(k + "[0]", "expected \"x86_64\" or \"arm64\", got " + Describe(value[0]));
      }
    } else if (key == "EphemeralStorage") {
      TFLO_ASSIGN_OR_RETURN(const Json* storage, p.Object(value, k));
      TFLO_RETURN_IF_ERROR(p.CheckKeys(*storage, k, {"Size"}, {}, /*strict=*/true));
      if (const auto size = storage->find("Size"); size != storage->end()) {
        TFLO_ASSIGN_OR_RETURN(config.ephemeral_storage_mb,
                              p.Integer(*size, k + ".Size", 512, 10240));
      }
    } else if (key == "Environment") {
      TFLO_RETURN_IF_ERROR(ParseEnvironment(p, value, k, config));
    }
  }
  if (config.function_name.empty()) {
    return p.Error(path("FunctionName"), "missing (every function configuration has one)");
  }
  return config;
}

// ---- event source mapping -------------------------------------------------------

const std::vector<std::string_view> kEsmModelled = {"UUID",
                                                    "EventSourceArn",
                                                    "FunctionArn",
                                                    "BatchSize",
                                                    "MaximumBatchingWindowInSeconds",
                                                    "FunctionResponseTypes",
                                                    "ScalingConfig",
                                                    "State"};
const std::set<std::string_view> kEsmKnown = {"StartingPosition",
                                              "StartingPositionTimestamp",
                                              "ParallelizationFactor",
                                              "FilterCriteria",
                                              "LastModified",
                                              "LastProcessingResult",
                                              "StateTransitionReason",
                                              "DestinationConfig",
                                              "Topics",
                                              "Queues",
                                              "SourceAccessConfigurations",
                                              "SelfManagedEventSource",
                                              "MaximumRecordAgeInSeconds",
                                              "BisectBatchOnFunctionError",
                                              "MaximumRetryAttempts",
                                              "TumblingWindowInSeconds",
                                              "AmazonManagedKafkaEventSourceConfig",
                                              "SelfManagedKafkaEventSourceConfig",
                                              "DocumentDBEventSourceConfig",
                                              "KMSKeyArn",
                                              "FilterCriteriaError",
                                              "EventSourceMappingArn",
                                              "MetricsConfig",
                                              "ProvisionedPollerConfig",
                                              "ResponseMetadata"};
const std::set<std::string_view> kEsmStates = {"Creating", "Enabling", "Enabled", "Disabling",
                                               "Disabled", "Updating", "Deleting"};

Result<EventSourceMappingConfig> ParseMapping(Parser& p, const Json& doc) {
  EventSourceMappingConfig config;
  TFLO_RETURN_IF_ERROR(p.CheckKeys(doc, "", kEsmModelled, kEsmKnown));
  bool window_set = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "UUID") {
      TFLO_ASSIGN_OR_RETURN(config.uuid, p.String(value, key));
    } else if (key == "EventSourceArn") {
      TFLO_ASSIGN_OR_RETURN(config.event_source_arn, p.String(value, key));
      // arn:<partition>:sqs:<region>:<account>:<queue>
      const size_t service = config.event_source_arn.find(':', 4);
      if (config.event_source_arn.rfind("arn:", 0) != 0 || service == std::string::npos ||
          config.event_source_arn.compare(service, 5, ":sqs:") != 0) {
        return p.Error(key, "only SQS event sources are modelled; expected arn:aws:sqs:..., got " +
                                Describe(value));
      }
      const std::string_view arn = config.event_source_arn;
      config.fifo = arn.size() > 5 && arn.substr(arn.size() - 5) == ".fifo";
    } else if (key == "FunctionArn") {
      TFLO_ASSIGN_OR_RETURN(config.function_arn, p.String(value, key));
    } else if (key == "BatchSize") {
      TFLO_ASSIGN_OR_RETURN(config.batch_size, p.Integer(value, key, 1, kSqsMaxBatchSize));
    } else if (key == "MaximumBatchingWindowInSeconds") {
      TFLO_ASSIGN_OR_RETURN(int64_t s, p.Integer(value, key, 0, kSqsMaxBatchingWindowSeconds));
      config.maximum_batching_window = std::chrono::seconds(s);
      window_set = true;
    } else if (key == "FunctionResponseTypes") {
      if (!value.is_array()) return p.Error(key, "expected a list, got " + Describe(value));
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item = key + "[" + std::to_string(i) + "]";
        TFLO_ASSIGN_OR_RETURN(std::string type, p.String(value[i], item));
        if (type != "ReportBatchItemFailures") {
          return p.Error(item, "expected \"ReportBatchItemFailures\", got " + Describe(value[i]));
        }
        config.report_batch_item_failures = true;
      }
    } else if (key == "ScalingConfig") {
      TFLO_ASSIGN_OR_RETURN(const Json* scaling, p.Object(value, key));
      TFLO_RETURN_IF_ERROR(p.CheckKeys(*scaling, key, {"MaximumConcurrency"}, {}, /*strict=*/true));
      if (const auto it = scaling->find("MaximumConcurrency"); it != scaling->end()) {
        TFLO_ASSIGN_OR_RETURN(int64_t max,
                              p.Integer(*it, key + ".MaximumConcurrency", kEsmMinMaximumConcurrency,
                                        kEsmMaxMaximumConcurrency));
        config.maximum_concurrency = max;
      }
    } else if (key == "State") {
      TFLO_ASSIGN_OR_RETURN(config.state, p.String(value, key));
      if (kEsmStates.count(config.state) == 0) {
        return p.Error(key,
                       "expected one of Creating, Enabling, Enabled, Disabling, Disabled, "
                       "Updating, Deleting, got " +
                           Describe(value));
      }
    }
  }
  // Cross-field rules (services-sqs-parameters).
  const std::string window_key = "MaximumBatchingWindowInSeconds";
  if (config.fifo) {
    if (config.batch_size > kSqsFifoMaxBatchSize) {
      return p.Error("BatchSize", "a FIFO queue allows at most " +
                                      std::to_string(kSqsFifoMaxBatchSize) + ", got " +
                                      std::to_string(config.batch_size));
    }
    if (config.maximum_batching_window.count() != 0) {
      return p.Error(window_key, "batching windows are not supported for FIFO queues");
    }
  }
  if (config.batch_size > 10 && config.maximum_batching_window.count() < 1) {
    return p.Error(window_set ? window_key : std::string("BatchSize"),
                   "a BatchSize above 10 (" + std::to_string(config.batch_size) +
                       ") requires MaximumBatchingWindowInSeconds >= 1");
  }
  return config;
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError(std::string(what) + " not found: " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError("cannot open " + std::string(what) + ": " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read " + std::string(what) + ": " + path.string());
  return text.str();
}

}  // namespace

std::string_view LambdaArchitectureName(LambdaArchitecture arch) {
  return arch == LambdaArchitecture::kArm64 ? "arm64" : "x86_64";
}

LambdaFunctionConfig DefaultLambdaFunctionConfig() {
  LambdaFunctionConfig config;
  config.source = kBuiltIn;
  config.function_name = "onboarding-lambda";
  config.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:onboarding-lambda";
  config.package_type = "Image";
  config.memory_mb = 512;
  config.timeout = std::chrono::seconds(15);
  config.architecture = LambdaArchitecture::kArm64;
  config.otlp_endpoint = "https://ingress.us2.coralogix.com:443";
  config.otlp_headers_set = true;
  config.other_environment_variables = {"OTEL_PROPAGATORS", "OTEL_TRACES_SAMPLER", "SERVICE_NAME",
                                        "SERVICE_NAMESPACE"};
  return config;
}

EventSourceMappingConfig DefaultEventSourceMapping() {
  EventSourceMappingConfig config;
  config.source = kBuiltIn;
  config.uuid = "6d3c1f0e-2a4b-4c5d-8e9f-0a1b2c3d4e5f";
  config.event_source_arn = "arn:aws:sqs:us-east-1:123456789012:onboarding-queue";
  config.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:onboarding-lambda";
  config.batch_size = 5;
  return config;
}

Result<LambdaFunctionConfig> ParseLambdaFunctionConfig(std::string_view json_text,
                                                       std::string_view source_name) {
  Parser parser(json_text, source_name);
  Json doc;
  TFLO_RETURN_IF_ERROR(parser.ParseDocument(&doc));
  try {
    TFLO_ASSIGN_OR_RETURN(LambdaFunctionConfig config, ParseFunction(parser, doc));
    config.source = std::string(source_name);
    return config;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string(source_name) + ": " + e.what());
  }
}

Result<EventSourceMappingConfig> ParseEventSourceMapping(std::string_view json_text,
                                                         std::string_view source_name) {
  Parser parser(json_text, source_name);
  Json doc;
  TFLO_RETURN_IF_ERROR(parser.ParseDocument(&doc));
  try {
    TFLO_ASSIGN_OR_RETURN(EventSourceMappingConfig config, ParseMapping(parser, doc));
    config.source = std::string(source_name);
    return config;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string(source_name) + ": " + e.what());
  }
}

Result<LambdaFunctionConfig> LoadLambdaFunctionConfig(const std::filesystem::path& path) {
  TFLO_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, "Lambda function configuration"));
  return ParseLambdaFunctionConfig(text, path.string());
}

Result<EventSourceMappingConfig> LoadEventSourceMapping(const std::filesystem::path& path) {
  TFLO_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, "event source mapping"));
  return ParseEventSourceMapping(text, path.string());
}

}  // namespace tflo::workload
