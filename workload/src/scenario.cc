// Scenario files: a strict YAML reader (schema in workload/README.md,
// "Scenario files").

#include "tflo/workload/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "shipped_scenarios.h"
#include <yaml-cpp/yaml.h>

#include "tflo/core/duration.h"

namespace tflo::workload {
namespace {

using YAML::Node;
using YAML::NodeType;
namespace fs = std::filesystem;
using std::chrono::nanoseconds;

constexpr std::string_view kOnboardingSteps[] = {"validation", "enrichment",   "kyc",     "aml",
                                                 "sanctions",  "pep",          "audit",   "s3",
                                                 "dynamodb",   "notification", "workflow"};

// Fault targets, grouped by what they are: things a request calls (steps,
// dependencies, HTTP services, the queue), the Lambda function, the load
// generator and the trace backend.
constexpr std::string_view kCalledTargets[] = {
    "onboarding.api",     "onboarding.validation", "onboarding.enrichment",   "onboarding.kyc",
    "onboarding.aml",     "onboarding.sanctions",  "onboarding.pep",          "onboarding.audit",
    "onboarding.s3",      "onboarding.dynamodb",   "onboarding.notification", "onboarding.workflow",
    "onboarding.sqs",     "coordination.api",      "coordination.store",      "ecommerce.catalog",
    "ecommerce.checkout", "ecommerce.postgresql"};
constexpr std::string_view kLambdaTarget = "onboarding.lambda";
constexpr std::string_view kLoadgenTarget = "ecommerce.loadgen";
constexpr std::string_view kBackendTarget = "backend";
// Hops where a receiver extracts a context its caller injected: the SQS
// message attributes, and the HTTP services' incoming traceparent.
constexpr std::string_view kPropagationTargets[] = {"onboarding.api", "onboarding.sqs",
                                                    "coordination.api", "ecommerce.catalog",
                                                    "ecommerce.checkout"};

constexpr FaultSpec::Kind kAllKinds[] = {
    FaultSpec::Kind::kErrorRate,         FaultSpec::Kind::kOutage,
    FaultSpec::Kind::kSlowDependency,    FaultSpec::Kind::kColdStarts,
    FaultSpec::Kind::kLambdaTimeout,     FaultSpec::Kind::kThrottling,
    FaultSpec::Kind::kBrokenPropagation, FaultSpec::Kind::kBackendOutage};

// Mixes must sum to 1 within this tolerance (then they are rescaled to exactly 1).
constexpr double kMixTolerance = 0.001;

template <typename Range>
bool Contains(const Range& range, std::string_view value) {
  return std::find(std::begin(range), std::end(range), value) != std::end(range);
}

template <typename Range>
std::string Join(const Range& range) {
  std::string out;
  for (const auto& item : range) {
    if (!out.empty()) out += ", ";
    out += std::string_view(item);
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Describe(const Node& node) {
  switch (node.Type()) {
    case NodeType::Scalar:
      return Quote(node.Scalar());
    case NodeType::Sequence:
      return "a sequence";
    case NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::optional<FaultSpec::Kind> FaultKindFromName(std::string_view name) {
  for (const FaultSpec::Kind kind : kAllKinds) {
    if (FaultKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::optional<TrafficPattern::Kind> PatternFromName(std::string_view name) {
  if (name == "constant") return TrafficPattern::Kind::kConstant;
  if (name == "business_hours") return TrafficPattern::Kind::kBusinessHours;
  if (name == "burst") return TrafficPattern::Kind::kBurst;
  if (name == "ramp") return TrafficPattern::Kind::kRamp;
  if (name == "phased") return TrafficPattern::Kind::kPhased;
  return std::nullopt;
}

std::string_view PatternName(TrafficPattern::Kind kind) {
  switch (kind) {
    case TrafficPattern::Kind::kConstant:
      return "constant";
    case TrafficPattern::Kind::kBusinessHours:
      return "business_hours";
    case TrafficPattern::Kind::kBurst:
      return "burst";
    case TrafficPattern::Kind::kRamp:
      return "ramp";
    case TrafficPattern::Kind::kPhased:
      return "phased";
  }
  return "unknown";
}

constexpr std::string_view kPatternNames = "constant, business_hours, burst, ramp, phased";

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// RFC 3339 date-time ("2026-01-05T06:00:00Z", "2026-01-05T07:00:00.5+01:00")
// -> Unix nanoseconds; nullopt when malformed or outside [1970, 2200).
std::optional<uint64_t> ParseRfc3339(std::string_view s) {
  size_t pos = 0;
  const auto digits = [&](size_t n, int64_t& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = s[pos + i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
  };
  const auto literal = [&](std::string_view chars) {
    if (pos >= s.size() || chars.find(s[pos]) == std::string_view::npos) return false;
    ++pos;
    return true;
  };
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(4, year) || !literal("-") || !digits(2, month) || !literal("-") || !digits(2, day) ||
      !literal("Tt") || !digits(2, hour) || !literal(":") || !digits(2, minute) || !literal(":") ||
      !digits(2, second)) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    const size_t first = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (literal("Zz")) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int64_t sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh = 0, om = 0;
    if (!digits(2, oh) || !literal(":") || !digits(2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kMonthDays[month - 1] ||
      (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  if (year < 1970 || year >= 2200) return std::nullopt;
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                          second - offset_minutes * 60;
  if (seconds < 0) return std::nullopt;
  return static_cast<uint64_t>(seconds) * 1000000000ULL + static_cast<uint64_t>(nanos);
}

// Where a value sits: its dotted key path and the line of its key.
struct Where {
  std::string path;
  int line = 1;
  Where Child(std::string_view key, int key_line) const {
    return {path.empty() ? std::string(key) : path + "." + std::string(key), key_line};
  }
  Where Item(size_t index, int item_line) const {
    return {path + "[" + std::to_string(index) + "]", item_line};
  }
};

// One parse of one document. Every error carries `<source>:<line>: <path>: `;
// lines are 1-based (yaml-cpp marks are 0-based).
class ScenarioParser {
 public:
  ScenarioParser(std::string source, fs::path base_dir, bool check_files)
      : source_(std::move(source)), base_dir_(std::move(base_dir)), check_files_(check_files) {}

  Result<Scenario> Parse(const Node& root, std::string_view source_name) {
    Scenario s;
    s.source = fs::path(source_name);
    s.name = fs::path(source_name).stem().string();
    if (!root.IsDefined() || root.IsNull()) {
      return ErrorAt(1, "", "empty scenario (expected a mapping with at least `services`)");
    }
    if (!root.IsMap()) return ErrorAt(LineOf(root, 1), "", "expected a mapping at the top level");

    const Where top{"", 1};
    if (Status read = ReadMap(
            root, top,
            {
                {"name", [&](const Node& v, const Where& w) { return Text(v, w, s.name); }},
                {"description",
                 [&](const Node& v, const Where& w) { return Text(v, w, s.description, true); }},
                {"duration",
                 [&](const Node& v, const Where& w) {
                   return Duration(v, w, s.duration, /*allow_zero=*/false);
                 }},
                {"seed", [&](const Node& v, const Where& w) { return Seed(v, w, s.seed); }},
                {"start_time",
                 [&](const Node& v, const Where& w) -> Status {
                   std::string text;
                   TFLO_RETURN_IF_ERROR(Text(v, w, text));
                   const std::optional<uint64_t> start = ParseRfc3339(text);
                   if (!start) {
                     return ValueError(v, w,
                                       "expected an RFC 3339 time such as 2026-01-05T06:00:00Z "
                                       "(years 1970-2199), got " +
                                           Quote(text));
                   }
                   s.start_unix_nano = start;
                   return OkStatus();
                 }},
                {"services",
                 [&](const Node& v, const Where& w) {
                   services_line_ = w.line;
                   return ReadServices(v, w, s);
                 }},
                {"faults",
                 [&](const Node& v, const Where& w) { return ReadFaults(v, w, s.faults); }},
                {"backend",
                 [&](const Node& v, const Where& w) { return ReadBackend(v, w, s.backend); }},
                {"collector_config",
                 [&](const Node& v, const Where& w) { return Path(v, w, s.collector_config); }},
            });
        !read.ok())
      return read;

    if (!s.onboarding.enabled && !s.coordination.enabled && !s.ecommerce.enabled) {
      return ErrorAt(services_line_, "services",
                     "no service enabled (expected at least one of onboarding, coordination, "
                     "ecommerce)");
    }
    TFLO_RETURN_IF_ERROR(CheckFaultsAgainstRun(s));
    if (check_files_) TFLO_RETURN_IF_ERROR(CheckReferencedFiles());
    return s;
  }

 private:
  using Handler = std::function<Status(const Node&, const Where&)>;
  struct Field {
    std::string_view key;
    Handler read;
  };

  // Lines the checks made after the whole document is read point at.
  struct FaultLines {
    int target = 1;
    int start = 1;
  };
  struct PathRef {
    std::string key_path;
    int line = 1;
    fs::path path;
  };

  // --- errors and positions --------------------------------------------------

  static int LineOf(const Node& node, int fallback) {
    if (!node.IsDefined()) return fallback;
    const YAML::Mark mark = node.Mark();
    return mark.is_null() ? fallback : mark.line + 1;
  }

  Status ErrorAt(int line, std::string_view path, std::string_view what) const {
    std::string message = source_ + ":" + std::to_string(line) + ": ";
    if (!path.empty()) {
      message.append(path);
      message += ": ";
    }
    message.append(what);
    return InvalidArgumentError(std::move(message));
  }

  // Errors about a scalar point at the scalar's own line; block values and
  // nulls can start on a later line than their key, so those point at the key.
  Status ValueError(const Node& node, const Where& w, std::string_view what) const {
    const int line = node.IsDefined() && node.IsScalar() ? LineOf(node, w.line) : w.line;
    return ErrorAt(line, w.path, what);
  }

  // --- mappings --------------------------------------------------------------

  // Calls each field's reader for the keys present; rejects unknown, duplicate
  // and non-string keys. `seen` (optional) receives the keys present.
  Status ReadMap(const Node& map, const Where& w, std::initializer_list<Field> fields,
                 std::set<std::string>* seen = nullptr) const {
    if (!map.IsMap()) return ValueError(map, w, "expected a mapping, got " + Describe(map));
    std::set<std::string> keys;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const int key_line = LineOf(it->first, w.line);
      if (!it->first.IsScalar()) return ErrorAt(key_line, w.path, "keys must be strings");
      const std::string key = it->first.Scalar();
      const Where child = w.Child(key, key_line);
      if (!keys.insert(key).second) return ErrorAt(key_line, child.path, "duplicate key");
      const Field* field = nullptr;
      for (const Field& f : fields) {
        if (f.key == key) field = &f;
      }
      if (field == nullptr) {
        std::string known;
        for (const Field& f : fields) {
          if (!known.empty()) known += ", ";
          known += f.key;
        }
        return ErrorAt(key_line, child.path, "unknown key (expected one of " + known + ")");
      }
      TFLO_RETURN_IF_ERROR(field->read(it->second, child));
    }
    if (seen != nullptr) *seen = std::move(keys);
    return OkStatus();
  }

  // The scalar under `key` of a mapping, with its line (for keys read before
  // the others, such as a fault's kind).
  static std::optional<std::pair<Node, int>> Lookup(const Node& map, std::string_view key,
                                                    int fallback_line) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        return std::make_pair(it->second, LineOf(it->first, fallback_line));
      }
    }
    return std::nullopt;
  }

  Status Missing(const Where& w, std::string_view key, std::string_view why) const {
    return ErrorAt(w.line, w.Child(key, w.line).path, "missing (" + std::string(why) + ")");
  }

  // --- scalars ---------------------------------------------------------------

  Result<double> Number(const Node& v, const Where& w) const {
    if (!v.IsScalar()) return ValueError(v, w, "expected a number, got " + Describe(v));
    const std::string& text = v.Scalar();
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
      return ValueError(v, w, "expected a number, got " + Quote(text));
    }
    return value;
  }

  Status NonNegative(const Node& v, const Where& w, double& out, std::string_view what) const {
    TFLO_ASSIGN_OR_RETURN(const double value, Number(v, w));
    if (value < 0) {
      return ValueError(v, w,
                        "expected a non-negative " + std::string(what) + ", got " + v.Scalar());
    }
    out = value;
    return OkStatus();
  }

  Status Rate(const Node& v, const Where& w, double& out) const {
    return NonNegative(v, w, out, "rate (per second)");
  }

  Status Probability(const Node& v, const Where& w, double& out) const {
    TFLO_ASSIGN_OR_RETURN(const double value, Number(v, w));
    if (value < 0 || value > 1) {
      return ValueError(v, w, "expected a probability in [0, 1], got " + v.Scalar());
    }
    out = value;
    return OkStatus();
  }

  Status Integer(const Node& v, const Where& w, int64_t min, int64_t max, int64_t& out) const {
    if (!v.IsScalar()) return ValueError(v, w, "expected an integer, got " + Describe(v));
    const std::string& text = v.Scalar();
    int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
      return ValueError(v, w, "expected an integer, got " + Quote(text));
    }
    if (value < min || value > max) {
      return ValueError(v, w,
                        "expected an integer in [" + std::to_string(min) + ", " +
                            std::to_string(max) + "], got " + text);
    }
    out = value;
    return OkStatus();
  }

  Status Seed(const Node& v, const Where& w, uint64_t& out) const {
    if (!v.IsScalar()) return ValueError(v, w, "expected an integer, got " + Describe(v));
    const std::string& text = v.Scalar();
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc() || ptr != end) {
      return ValueError(v, w, "expected an integer in [0, 2^64), got " + Quote(text));
    }
    return OkStatus();
  }

  Status Duration(const Node& v, const Where& w, nanoseconds& out, bool allow_zero) const {
    if (!v.IsScalar()) {
      return ValueError(v, w, "expected a duration such as 10m or 500ms, got " + Describe(v));
    }
    Result<nanoseconds> d = core::ParseGoDuration(v.Scalar());
    if (!d.ok()) {
      return ValueError(v, w, "expected a duration such as 10m or 500ms, got " + Quote(v.Scalar()));
    }
    if (d->count() < 0 || (!allow_zero && d->count() == 0)) {
      return ValueError(
          v, w,
          std::string(allow_zero ? "expected a non-negative" : "expected a positive") +
              " duration, got " + v.Scalar());
    }
    out = *d;
    return OkStatus();
  }

  Status Text(const Node& v, const Where& w, std::string& out, bool allow_empty = false) const {
    if (!v.IsScalar()) return ValueError(v, w, "expected a string, got " + Describe(v));
    if (!allow_empty && v.Scalar().empty()) return ValueError(v, w, "expected a non-empty string");
    out = v.Scalar();
    return OkStatus();
  }

  Status Bool(const Node& v, const Where& w, bool& out) const {
    if (v.IsScalar()) {
      const std::string& t = v.Scalar();
      if (t == "true" || t == "True" || t == "TRUE") {
        out = true;
        return OkStatus();
      }
      if (t == "false" || t == "False" || t == "FALSE") {
        out = false;
        return OkStatus();
      }
    }
    return ValueError(v, w, "expected true or false, got " + Describe(v));
  }

  // A file path, resolved against the scenario's directory when relative;
  // remembered so that LoadScenarioFile can check it exists.
  Status Path(const Node& v, const Where& w, fs::path& out) {
    std::string text;
    TFLO_RETURN_IF_ERROR(Text(v, w, text));
    fs::path p(text);
    if (p.is_relative() && !base_dir_.empty()) p = (base_dir_ / p).lexically_normal();
    out = p;
    paths_.push_back({w.path, LineOf(v, w.line), p});
    return OkStatus();
  }

  Status TextList(const Node& v, const Where& w, std::vector<std::string>& out) const {
    if (!v.IsSequence()) return ValueError(v, w, "expected a list of strings, got " + Describe(v));
    if (v.size() == 0) return ValueError(v, w, "expected at least one entry");
    std::vector<std::string> items;
    for (size_t i = 0; i < v.size(); ++i) {
      const Node item = v[i];
      const Where iw = w.Item(i, LineOf(item, w.line));
      std::string text;
      TFLO_RETURN_IF_ERROR(Text(item, iw, text));
      if (Contains(items, text)) return ValueError(item, iw, "duplicate entry " + Quote(text));
      items.push_back(std::move(text));
    }
    out = std::move(items);
    return OkStatus();
  }

  // A mapping of category -> share: keys from `allowed`, each a probability,
  // summing to 1 within kMixTolerance. Absent categories get 0; the result is
  // rescaled to sum exactly to 1.
  template <typename Range>
  Status Mix(const Node& v, const Where& w, const Range& allowed,
             std::map<std::string, double>& out) const {
    if (!v.IsMap()) return ValueError(v, w, "expected a mapping, got " + Describe(v));
    std::map<std::string, double> mix;
    for (const auto& key : allowed) mix[std::string(key)] = 0;
    std::set<std::string> seen;
    double sum = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const int key_line = LineOf(it->first, w.line);
      if (!it->first.IsScalar()) return ErrorAt(key_line, w.path, "keys must be strings");
      const std::string key = it->first.Scalar();
      const Where child = w.Child(key, key_line);
      if (!Contains(allowed, key)) {
        return ErrorAt(key_line, child.path, "unknown key (expected one of " + Join(allowed) + ")");
      }
      if (!seen.insert(key).second) return ErrorAt(key_line, child.path, "duplicate key");
      TFLO_RETURN_IF_ERROR(Probability(it->second, child, mix[key]));
      sum += mix[key];
    }
    if (std::abs(sum - 1) > kMixTolerance) {
      std::ostringstream what;
      what << "shares must sum to 1, got " << sum;
      return ErrorAt(w.line, w.path, what.str());
    }
    for (auto& [key, share] : mix) share /= sum;
    out = std::move(mix);
    return OkStatus();
  }

  // --- traffic ---------------------------------------------------------------

  Status ReadTraffic(const Node& v, const Where& w, bool effects_allowed, TrafficPattern& out) {
    if (!v.IsMap()) return ValueError(v, w, "expected a mapping, got " + Describe(v));
    TrafficPattern p;
    if (const auto pattern = Lookup(v, "pattern", w.line)) {
      const Where pw = w.Child("pattern", pattern->second);
      std::string name;
      TFLO_RETURN_IF_ERROR(Text(pattern->first, pw, name));
      const auto kind = PatternFromName(name);
      if (!kind) {
        return ValueError(pattern->first, pw,
                          "unknown pattern " + Quote(name) + " (expected one of " +
                              std::string(kPatternNames) + ")");
      }
      p.kind = *kind;
    }
    const Field pattern_field{"pattern", [](const Node&, const Where&) { return OkStatus(); }};
    const Field rate{"rate", [&](const Node& n, const Where& nw) { return Rate(n, nw, p.rate); }};
    const Field peak{"peak_rate",
                     [&](const Node& n, const Where& nw) { return Rate(n, nw, p.peak_rate); }};
    std::set<std::string> seen;
    int end_hour_line = w.line;
    int burst_duration_line = w.line;
    switch (p.kind) {
      case TrafficPattern::Kind::kConstant:
        if (Status read = ReadMap(v, w, {pattern_field, rate}, &seen); !read.ok()) return read;
        break;
      case TrafficPattern::Kind::kBusinessHours:
        if (Status read = ReadMap(
                v, w,
                {pattern_field,
                 rate,
                 peak,
                 {"start_hour",
                  [&](const Node& n, const Where& nw) { return Hour(n, nw, p.start_hour); }},
                 {"end_hour",
                  [&](const Node& n, const Where& nw) {
                    end_hour_line = LineOf(n, nw.line);
                    return Hour(n, nw, p.end_hour);
                  }}},
                &seen);
            !read.ok())
          return read;
        if (p.start_hour == p.end_hour || std::abs(p.end_hour - p.start_hour) == 24) {
          return ErrorAt(end_hour_line, w.Child("end_hour", end_hour_line).path,
                         "business hours must be neither empty nor the whole day (use pattern "
                         "constant for a flat rate)");
        }
        break;
      case TrafficPattern::Kind::kBurst:
        if (Status read = ReadMap(
                v, w,
                {pattern_field,
                 rate,
                 peak,
                 {"every", [&](const Node& n,
                               const Where& nw) { return Duration(n, nw, p.burst_every, false); }},
                 {"duration",
                  [&](const Node& n, const Where& nw) {
                    burst_duration_line = LineOf(n, nw.line);
                    return Duration(n, nw, p.burst_duration, false);
                  }},
                 {"offset",
                  [&](const Node& n, const Where& nw) {
                    return Duration(n, nw, p.burst_offset, true);
                  }}},
                &seen);
            !read.ok())
          return read;
        for (const std::string_view key : {"every", "duration"}) {
          if (!seen.contains(std::string(key))) return Missing(w, key, "required by pattern burst");
        }
        if (p.burst_duration > p.burst_every) {
          return ErrorAt(burst_duration_line, w.Child("duration", burst_duration_line).path,
                         "a burst (" + core::FormatGoDuration(p.burst_duration) +
                             ") cannot last longer than its period `every` (" +
                             core::FormatGoDuration(p.burst_every) + ")");
        }
        break;
      case TrafficPattern::Kind::kRamp:
        if (Status read = ReadMap(v, w,
                                  {pattern_field,
                                   rate,
                                   peak,
                                   {"duration",
                                    [&](const Node& n, const Where& nw) {
                                      return Duration(n, nw, p.ramp_duration, false);
                                    }}},
                                  &seen);
            !read.ok())
          return read;
        if (!seen.contains("duration")) return Missing(w, "duration", "required by pattern ramp");
        break;
      case TrafficPattern::Kind::kPhased:
        if (Status read = ReadMap(v, w,
                                  {pattern_field,
                                   {"phases",
                                    [&](const Node& n, const Where& nw) {
                                      return ReadPhases(n, nw, effects_allowed, p.phases);
                                    }}},
                                  &seen);
            !read.ok())
          return read;
        if (!seen.contains("phases")) return Missing(w, "phases", "required by pattern phased");
        break;
    }
    if (p.kind != TrafficPattern::Kind::kPhased && !seen.contains("rate")) {
      return Missing(
          w, "rate",
          "requests per second, required by pattern " + std::string(PatternName(p.kind)));
    }
    if ((p.kind == TrafficPattern::Kind::kBusinessHours || p.kind == TrafficPattern::Kind::kBurst ||
         p.kind == TrafficPattern::Kind::kRamp) &&
        !seen.contains("peak_rate")) {
      return Missing(w, "peak_rate", "required by pattern " + std::string(PatternName(p.kind)));
    }
    out = std::move(p);
    return OkStatus();
  }

  Status Hour(const Node& v, const Where& w, double& out) const {
    TFLO_ASSIGN_OR_RETURN(const double value, Number(v, w));
    if (value < 0 || value > 24) {
      return ValueError(v, w, "expected an hour of the UTC day in [0, 24], got " + v.Scalar());
    }
    out = value;
    return OkStatus();
  }

  Status ReadPhases(const Node& v, const Where& w, bool effects_allowed,
                    std::vector<TrafficPhase>& out) {
    if (!v.IsSequence()) return ValueError(v, w, "expected a list of phases, got " + Describe(v));
    if (v.size() == 0) return ValueError(v, w, "expected at least one phase");
    std::vector<TrafficPhase> phases;
    for (size_t i = 0; i < v.size(); ++i) {
      const Node item = v[i];
      const Where iw = w.Item(i, LineOf(item, w.line));
      TrafficPhase phase;
      phase.name = "phase" + std::to_string(i + 1);
      std::set<std::string> seen;
      int name_line = iw.line;
      if (Status read = ReadMap(
              item, iw,
              {{"name",
                [&](const Node& n, const Where& nw) {
                  name_line = LineOf(n, nw.line);
                  return Text(n, nw, phase.name);
                }},
               {"duration",
                [&](const Node& n, const Where& nw) {
                  return Duration(n, nw, phase.duration, false);
                }},
               {"rate", [&](const Node& n, const Where& nw) { return Rate(n, nw, phase.rate); }},
               {"effects",
                [&](const Node& n, const Where& nw) {
                  if (!effects_allowed) {
                    return ErrorAt(nw.line, nw.path,
                                   "phase effects are read by the ecommerce service only");
                  }
                  return ReadEffects(n, nw, phase.effects);
                }}},
              &seen);
          !read.ok())
        return read;
      for (const std::string_view key : {"duration", "rate"}) {
        if (!seen.contains(std::string(key))) return Missing(iw, key, "required in every phase");
      }
      for (const TrafficPhase& earlier : phases) {
        if (earlier.name == phase.name) {
          return ErrorAt(name_line, iw.Child("name", name_line).path,
                         "duplicate phase name " + Quote(phase.name));
        }
      }
      phases.push_back(std::move(phase));
    }
    out = std::move(phases);
    return OkStatus();
  }

  Status ReadEffects(const Node& v, const Where& w, std::map<std::string, double>& out) const {
    std::map<std::string, double> effects;
    const auto set = [&](std::string_view key, double value) { effects[std::string(key)] = value; };
    const auto non_negative_ms = [&](std::string_view key) {
      return Field{key, [&, key](const Node& n, const Where& nw) {
                     double value = 0;
                     TFLO_RETURN_IF_ERROR(NonNegative(n, nw, value, "latency (ms)"));
                     set(key, value);
                     return OkStatus();
                   }};
    };
    const auto probability = [&](std::string_view key) {
      return Field{key, [&, key](const Node& n, const Where& nw) {
                     double value = 0;
                     TFLO_RETURN_IF_ERROR(Probability(n, nw, value));
                     set(key, value);
                     return OkStatus();
                   }};
    };
    if (Status read = ReadMap(v, w,
                              {non_negative_ms(kEffectSlowQueryMsFrom),
                               non_negative_ms(kEffectSlowQueryMsTo),
                               {kEffectMissingIndex,
                                [&](const Node& n, const Where& nw) {
                                  // true/false or 1/0.
                                  bool flag = false;
                                  if (n.IsScalar() && (n.Scalar() == "0" || n.Scalar() == "1")) {
                                    flag = n.Scalar() == "1";
                                  } else if (!Bool(n, nw, flag).ok()) {
                                    return ValueError(
                                        n, nw, "expected 0, 1, true or false, got " + Describe(n));
                                  }
                                  set(kEffectMissingIndex, flag ? 1 : 0);
                                  return OkStatus();
                                }},
                               probability(kEffectPoolExhaustionProbability),
                               probability(kEffectCheckoutFailureRate),
                               {kEffectPoolSize,
                                [&](const Node& n, const Where& nw) {
                                  int64_t size = 0;
                                  TFLO_RETURN_IF_ERROR(Integer(n, nw, 1, 100000, size));
                                  set(kEffectPoolSize, static_cast<double>(size));
                                  return OkStatus();
                                }}});
        !read.ok())
      return read;
    // One end of the slow-query progression given: a constant extra latency.
    const std::string from(kEffectSlowQueryMsFrom);
    const std::string to(kEffectSlowQueryMsTo);
    if (effects.contains(from) && !effects.contains(to)) effects[to] = effects[from];
    if (effects.contains(to) && !effects.contains(from)) effects[from] = effects[to];
    out = std::move(effects);
    return OkStatus();
  }

  // --- services --------------------------------------------------------------

  Status ReadServices(const Node& v, const Where& w, Scenario& s) {
    if (!v.IsMap()) return ValueError(v, w, "expected a mapping, got " + Describe(v));
    // A service listed is enabled unless it says `enabled: false`; a bare
    // `onboarding:` runs it with every default.
    const auto service = [&](std::string_view name, auto read) {
      return Field{name, [read](const Node& n, const Where& nw) {
                     if (n.IsNull()) return read(Node(NodeType::Map), nw);
                     return read(n, nw);
                   }};
    };
    return ReadMap(v, w,
                   {service("onboarding",
                            [&](const Node& n, const Where& nw) {
                              return ReadOnboarding(n, nw, s.onboarding);
                            }),
                    service("coordination",
                            [&](const Node& n, const Where& nw) {
                              return ReadCoordination(n, nw, s.coordination);
                            }),
                    service("ecommerce", [&](const Node& n, const Where& nw) {
                      return ReadEcommerce(n, nw, s.ecommerce);
                    })});
  }

  Status ReadOnboarding(const Node& v, const Where& w, OnboardingParams& o) {
    o.enabled = true;
    return ReadMap(
        v, w,
        {{"enabled", [&](const Node& n, const Where& nw) { return Bool(n, nw, o.enabled); }},
         {"traffic",
          [&](const Node& n, const Where& nw) { return ReadTraffic(n, nw, false, o.traffic); }},
         {"health_checks_per_second",
          [&](const Node& n, const Where& nw) { return Rate(n, nw, o.health_checks_per_second); }},
         {"lookups_per_second",
          [&](const Node& n, const Where& nw) { return Rate(n, nw, o.lookups_per_second); }},
         {"customer_mix",
          [&](const Node& n, const Where& nw) {
            static constexpr std::string_view kTypes[] = {"standard", "premium", "enterprise"};
            return Mix(n, nw, kTypes, o.customer_mix);
          }},
         {"validation_error_rate",
          [&](const Node& n, const Where& nw) {
            return Probability(n, nw, o.validation_error_rate);
          }},
         {"step_error_rates",
          [&](const Node& n, const Where& nw) {
            return StepErrorRates(n, nw, o.step_error_rates);
          }},
         {"lambda_function_config",
          [&](const Node& n, const Where& nw) { return Path(n, nw, o.lambda_function_config); }},
         {"event_source_mapping",
          [&](const Node& n, const Where& nw) { return Path(n, nw, o.event_source_mapping); }}});
  }

  Status StepErrorRates(const Node& v, const Where& w, std::map<std::string, double>& out) const {
    if (!v.IsMap()) return ValueError(v, w, "expected a mapping, got " + Describe(v));
    std::map<std::string, double> rates;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const int key_line = LineOf(it->first, w.line);
      if (!it->first.IsScalar()) return ErrorAt(key_line, w.path, "keys must be strings");
      const std::string key = it->first.Scalar();
      const Where child = w.Child(key, key_line);
      if (!Contains(kOnboardingSteps, key)) {
        return ErrorAt(key_line, child.path,
                       "unknown step (expected one of " + Join(kOnboardingSteps) + ")");
      }
      if (rates.contains(key)) return ErrorAt(key_line, child.path, "duplicate key");
      TFLO_RETURN_IF_ERROR(Probability(it->second, child, rates[key]));
    }
    out = std::move(rates);
    return OkStatus();
  }

  Status ReadCoordination(const Node& v, const Where& w, CoordinationParams& c) {
    c.enabled = true;
    return ReadMap(
        v, w,
        {{"enabled", [&](const Node& n, const Where& nw) { return Bool(n, nw, c.enabled); }},
         {"traffic",
          [&](const Node& n, const Where& nw) { return ReadTraffic(n, nw, false, c.traffic); }},
         {"teams", [&](const Node& n, const Where& nw) { return TextList(n, nw, c.teams); }},
         {"work_types",
          [&](const Node& n, const Where& nw) { return TextList(n, nw, c.work_types); }},
         {"priority_mix",
          [&](const Node& n, const Where& nw) {
            static constexpr std::string_view kPriorities[] = {"low", "medium", "high", "critical"};
            return Mix(n, nw, kPriorities, c.priority_mix);
          }},
         {"error_rate",
          [&](const Node& n, const Where& nw) { return Probability(n, nw, c.error_rate); }}});
  }

  Status ReadEcommerce(const Node& v, const Where& w, EcommerceParams& e) {
    e.enabled = true;
    return ReadMap(
        v, w,
        {{"enabled", [&](const Node& n, const Where& nw) { return Bool(n, nw, e.enabled); }},
         {"traffic",
          [&](const Node& n, const Where& nw) { return ReadTraffic(n, nw, true, e.traffic); }},
         {"checkout_share",
          [&](const Node& n, const Where& nw) { return Probability(n, nw, e.checkout_share); }},
         {"db_pool_size",
          [&](const Node& n, const Where& nw) {
            int64_t size = 0;
            TFLO_RETURN_IF_ERROR(Integer(n, nw, 1, 100000, size));
            e.db_pool_size = static_cast<int>(size);
            return OkStatus();
          }},
         {"error_rate",
          [&](const Node& n, const Where& nw) { return Probability(n, nw, e.error_rate); }}});
  }

  // --- backend ---------------------------------------------------------------

  Status ReadBackend(const Node& v, const Where& w, BackendParams& b) const {
    return ReadMap(
        v, w,
        {{"request_latency",
          [&](const Node& n, const Where& nw) { return Duration(n, nw, b.request_latency, true); }},
         {"per_span_latency", [&](const Node& n, const Where& nw) {
            return Duration(n, nw, b.per_span_latency, true);
          }}});
  }

  // --- faults ----------------------------------------------------------------

  Status ReadFaults(const Node& v, const Where& w, std::vector<FaultSpec>& out) {
    if (v.IsNull()) return OkStatus();
    if (!v.IsSequence()) return ValueError(v, w, "expected a list of faults, got " + Describe(v));
    std::vector<FaultSpec> faults;
    for (size_t i = 0; i < v.size(); ++i) {
      const Node item = v[i];
      const Where iw = w.Item(i, LineOf(item, w.line));
      FaultSpec fault;
      FaultLines lines;
      TFLO_RETURN_IF_ERROR(ReadFault(item, iw, fault, lines));
      faults.push_back(std::move(fault));
      fault_lines_.push_back(lines);
    }
    out = std::move(faults);
    return OkStatus();
  }

  Status ReadFault(const Node& v, const Where& w, FaultSpec& f, FaultLines& lines) const {
    using Kind = FaultSpec::Kind;
    if (!v.IsMap()) return ValueError(v, w, "expected a mapping, got " + Describe(v));
    f.line = w.line;
    const auto kind_entry = Lookup(v, "kind", w.line);
    if (!kind_entry) return Missing(w, "kind", "one of " + Join(KindNames()));
    {
      const Where kw = w.Child("kind", kind_entry->second);
      std::string name;
      TFLO_RETURN_IF_ERROR(Text(kind_entry->first, kw, name));
      const auto kind = FaultKindFromName(name);
      if (!kind) {
        return ValueError(
            kind_entry->first, kw,
            "unknown fault kind " + Quote(name) + " (expected one of " + Join(KindNames()) + ")");
      }
      f.kind = *kind;
    }
    f.name = std::string(FaultKindName(f.kind));
    if (f.kind == Kind::kBackendOutage) f.target = std::string(kBackendTarget);

    const std::string kind_name(FaultKindName(f.kind));
    const auto ignore = [](const Node&, const Where&) { return OkStatus(); };
    int end_line = w.line;
    bool has_end = false;
    std::vector<Field> fields = {
        {"kind", ignore},
        {"name", [&](const Node& n, const Where& nw) { return Text(n, nw, f.name); }},
        {"target",
         [&](const Node& n, const Where& nw) {
           lines.target = LineOf(n, nw.line);
           TFLO_RETURN_IF_ERROR(Text(n, nw, f.target));
           if (!Contains(FaultTargets(), f.target)) {
             return ValueError(n, nw,
                               "unknown target " + Quote(f.target) + " (expected one of " +
                                   Join(FaultTargets()) + ")");
           }
           if (!FaultAppliesTo(f.kind, f.target)) {
             std::vector<std::string_view> valid;
             for (const std::string_view t : FaultTargets()) {
               if (FaultAppliesTo(f.kind, t)) valid.push_back(t);
             }
             return ValueError(n, nw,
                               "fault kind " + kind_name + " cannot target " + Quote(f.target) +
                                   " (it applies to " + Join(valid) + ")");
           }
           return OkStatus();
         }},
        {"start",
         [&](const Node& n, const Where& nw) {
           lines.start = LineOf(n, nw.line);
           return Duration(n, nw, f.start, true);
         }},
        {"end",
         [&](const Node& n, const Where& nw) {
           end_line = LineOf(n, nw.line);
           has_end = true;
           return Duration(n, nw, f.end, true);
         }},
    };
    const Field probability{"probability", [&](const Node& n, const Where& nw) {
                              return Probability(n, nw, f.probability);
                            }};
    switch (f.kind) {
      case Kind::kErrorRate:
      case Kind::kColdStarts:
      case Kind::kThrottling:
      case Kind::kBrokenPropagation:
        fields.push_back(probability);
        break;
      case Kind::kSlowDependency:
        fields.push_back({"latency_factor", [&](const Node& n, const Where& nw) {
                            TFLO_ASSIGN_OR_RETURN(const double factor, Number(n, nw));
                            if (factor < 1) {
                              return ValueError(n, nw,
                                                "expected a factor >= 1 (a slow dependency is "
                                                "not faster), got " +
                                                    n.Scalar());
                            }
                            f.latency_factor = factor;
                            return OkStatus();
                          }});
        fields.push_back({"extra_latency", [&](const Node& n, const Where& nw) {
                            return Duration(n, nw, f.extra_latency, true);
                          }});
        break;
      case Kind::kLambdaTimeout:
        fields.push_back({"timeout", [&](const Node& n, const Where& nw) {
                            return Duration(n, nw, f.timeout, false);
                          }});
        break;
      case Kind::kOutage:
      case Kind::kBackendOutage:
        break;
    }

    // The fields a kind reads depend on the kind, so an unknown-key error says
    // which kind it was checked against.
    std::set<std::string> seen;
    Status read = ReadFields(v, w, fields, kind_name, seen);
    if (!read.ok()) return read;

    if (!seen.contains("target") && f.kind != Kind::kBackendOutage) {
      return Missing(w, "target", "the step, dependency or service the fault hits");
    }
    switch (f.kind) {
      case Kind::kErrorRate:
      case Kind::kColdStarts:
      case Kind::kThrottling:
      case Kind::kBrokenPropagation:
        if (!seen.contains("probability")) {
          return Missing(w, "probability", "required by fault kind " + kind_name);
        }
        break;
      case Kind::kSlowDependency:
        if (f.latency_factor == 1 && f.extra_latency.count() == 0) {
          return ErrorAt(w.line, w.path,
                         "a slow_dependency fault needs latency_factor > 1 or extra_latency > 0");
        }
        break;
      case Kind::kLambdaTimeout:
        if (!seen.contains("timeout")) {
          return Missing(w, "timeout", "required by a lambda_timeout fault");
        }
        break;
      case Kind::kOutage:
      case Kind::kBackendOutage:
        break;
    }
    if (has_end && f.end <= f.start) {
      return ErrorAt(end_line, w.Child("end", end_line).path,
                     "end (" + core::FormatGoDuration(f.end) + ") must be after start (" +
                         core::FormatGoDuration(f.start) + ")");
    }
    return OkStatus();
  }

  // ReadMap over a runtime list of fields (a fault's keys depend on its kind).
  Status ReadFields(const Node& map, const Where& w, const std::vector<Field>& fields,
                    std::string_view kind_name, std::set<std::string>& seen) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const int key_line = LineOf(it->first, w.line);
      if (!it->first.IsScalar()) return ErrorAt(key_line, w.path, "keys must be strings");
      const std::string key = it->first.Scalar();
      const Where child = w.Child(key, key_line);
      if (!seen.insert(key).second) return ErrorAt(key_line, child.path, "duplicate key");
      const auto field =
          std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; });
      if (field == fields.end()) {
        std::string known;
        for (const Field& f : fields) {
          if (!known.empty()) known += ", ";
          known += f.key;
        }
        return ErrorAt(key_line, child.path,
                       "unknown key for fault kind " + std::string(kind_name) +
                           " (expected one of " + known + ")");
      }
      TFLO_RETURN_IF_ERROR(field->read(it->second, child));
    }
    return OkStatus();
  }

  static std::vector<std::string_view> KindNames() {
    std::vector<std::string_view> names;
    for (const FaultSpec::Kind kind : kAllKinds) names.push_back(FaultKindName(kind));
    return names;
  }

  // --- checks over the whole document ---------------------------------------

  Status CheckFaultsAgainstRun(const Scenario& s) const {
    for (size_t i = 0; i < s.faults.size(); ++i) {
      const FaultSpec& f = s.faults[i];
      const FaultLines& lines = fault_lines_[i];
      const std::string path = "faults[" + std::to_string(i) + "]";
      const std::string service = f.target.substr(0, f.target.find('.'));
      const bool enabled = (service == "onboarding" && s.onboarding.enabled) ||
                           (service == "coordination" && s.coordination.enabled) ||
                           (service == "ecommerce" && s.ecommerce.enabled) ||
                           f.target == kBackendTarget;
      if (!enabled) {
        return ErrorAt(lines.target, path + ".target",
                       "targets " + Quote(f.target) + " but service " + service +
                           " is not enabled in this scenario");
      }
      if (f.start >= s.duration) {
        return ErrorAt(lines.start, path + ".start",
                       "starts at " + core::FormatGoDuration(f.start) +
                           ", not before the end of the run (duration " +
                           core::FormatGoDuration(s.duration) + ")");
      }
    }
    return OkStatus();
  }

  Status CheckReferencedFiles() const {
    for (const PathRef& ref : paths_) {
      std::error_code ec;
      if (!fs::exists(ref.path, ec)) {
        return NotFoundError(source_ + ":" + std::to_string(ref.line) + ": " + ref.key_path +
                             ": file not found: " + ref.path.string());
      }
    }
    return OkStatus();
  }

  std::string source_;
  fs::path base_dir_;
  bool check_files_;
  int services_line_ = 1;
  std::vector<FaultLines> fault_lines_;
  std::vector<PathRef> paths_;
};

Result<Scenario> ParseImpl(std::string_view yaml_text, std::string_view source_name,
                           const fs::path& base_dir, bool check_files) {
  const std::string source(source_name);
  // yaml-cpp reports every problem by throwing; this is the boundary where
  // that becomes a Status.
  Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return InvalidArgumentError(source + ":" + std::to_string(line) + ": invalid YAML: " + e.msg);
  }
  try {
    return ScenarioParser(source, base_dir, check_files).Parse(root, source_name);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return InvalidArgumentError(source + ":" + std::to_string(line) + ": " + e.msg);
  }
}

}  // namespace

std::string_view FaultKindName(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::kErrorRate:
      return "error_rate";
    case FaultSpec::Kind::kOutage:
      return "outage";
    case FaultSpec::Kind::kSlowDependency:
      return "slow_dependency";
    case FaultSpec::Kind::kColdStarts:
      return "cold_starts";
    case FaultSpec::Kind::kLambdaTimeout:
      return "lambda_timeout";
    case FaultSpec::Kind::kThrottling:
      return "throttling";
    case FaultSpec::Kind::kBrokenPropagation:
      return "broken_propagation";
    case FaultSpec::Kind::kBackendOutage:
      return "backend_outage";
  }
  return "unknown";
}

std::vector<std::string_view> FaultTargets() {
  std::vector<std::string_view> targets;
  for (const std::string_view t : kCalledTargets) {
    targets.push_back(t);
    if (t == "onboarding.sqs") targets.push_back(kLambdaTarget);
  }
  // The load generator sits after the e-commerce services it calls.
  targets.push_back(kLoadgenTarget);
  targets.push_back(kBackendTarget);
  return targets;
}

bool FaultAppliesTo(FaultSpec::Kind kind, std::string_view target) {
  switch (kind) {
    case FaultSpec::Kind::kErrorRate:
      // Lambda: the handler fails as a whole (the message is retried).
      return Contains(kCalledTargets, target) || target == kLambdaTarget;
    case FaultSpec::Kind::kOutage:
      return Contains(kCalledTargets, target);
    case FaultSpec::Kind::kSlowDependency:
      // Lambda: the function's CPU-bound work runs slower (noisy neighbour).
      return Contains(kCalledTargets, target) || target == kLambdaTarget;
    case FaultSpec::Kind::kColdStarts:
    case FaultSpec::Kind::kLambdaTimeout:
    case FaultSpec::Kind::kThrottling:
      return target == kLambdaTarget;
    case FaultSpec::Kind::kBrokenPropagation:
      // Also the load generator: it forgets to inject traceparent, so the
      // catalog starts new traces.
      return Contains(kPropagationTargets, target) || target == kLoadgenTarget;
    case FaultSpec::Kind::kBackendOutage:
      return target == kBackendTarget;
  }
  return false;
}

Result<Scenario> ParseScenario(std::string_view yaml_text, std::string_view source_name,
                               const std::filesystem::path& base_dir) {
  return ParseImpl(yaml_text, source_name, base_dir, /*check_files=*/false);
}

Result<Scenario> LoadScenarioFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return NotFoundError("scenario file not found: " + path.string());
  if (fs::is_directory(path, ec)) {
    return InvalidArgumentError("scenario path is a directory: " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError("cannot open scenario file: " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read scenario file: " + path.string());
  return ParseImpl(text.str(), path.string(), path.parent_path(), /*check_files=*/true);
}

Result<Scenario> LoadScenario(std::string_view name_or_path) {
  const auto ends_with = [&](std::string_view suffix) {
    return name_or_path.size() >= suffix.size() &&
           name_or_path.substr(name_or_path.size() - suffix.size()) == suffix;
  };
  if (name_or_path.find('/') != std::string_view::npos || ends_with(".yaml") || ends_with(".yml")) {
    return LoadScenarioFile(fs::path(name_or_path));
  }
  const std::string file = std::string(name_or_path) + ".yaml";
  const std::string_view text = internal::FindShippedScenario(file);
  if (text.empty()) {
    std::string names;
    for (const std::string& name : ShippedScenarioNames()) {
      if (!names.empty()) names += ", ";
      names += name;
    }
    return NotFoundError("unknown scenario " + Quote(name_or_path) + " (shipped: " + names +
                         "; a path containing '/' or ending in .yaml is read as a file)");
  }
  Result<Scenario> scenario = ParseImpl(text, file, fs::path(), /*check_files=*/false);
  if (scenario.ok()) scenario->source.clear();
  return scenario;
}

std::vector<std::string> ShippedScenarioNames() {
  std::vector<std::string> names;
  for (const std::string_view file : internal::ShippedScenarioFiles()) {
    const fs::path p(file);
    if (p.extension() == ".yaml") names.push_back(p.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tflo::workload
