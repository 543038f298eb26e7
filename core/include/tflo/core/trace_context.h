// W3C Trace Context (traceparent / tracestate, Level 2) and W3C Baggage, and the
// carriers tflo propagates them through: HTTP headers and SQS message
// attributes.
//
// Parsing follows the specs exactly: version 00 must be exactly 55 characters of
// lower-case hex and dashes; version ff is invalid; a higher version is parsed
// for its 00 fields, must have "-" or the end after the flags, and is re-emitted
// as 00. All-zero ids invalidate the header. tracestate keeps at most 32
// members; baggage at most 64 members / 8192 bytes, dropping whole members.
// Pure functions and value types, thread-safe.
#ifndef TFLO_CORE_TRACE_CONTEXT_H_
#define TFLO_CORE_TRACE_CONTEXT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tflo/core/model.h"
#include "tflo/core/status.h"

namespace tflo::core {

inline constexpr uint8_t kTraceFlagSampled = 0x01;
inline constexpr uint8_t kTraceFlagRandom = 0x02;

struct TraceParent {
  TraceId trace_id{};
  SpanId parent_id{};
  uint8_t flags = 0;  // only the bits defined by the spec are kept (sampled, random)
  bool sampled() const { return (flags & kTraceFlagSampled) != 0; }
  friend bool operator==(const TraceParent&, const TraceParent&) = default;
};

// nullopt when the header must be ignored (the caller restarts the trace).
std::optional<TraceParent> ParseTraceParent(std::string_view header);
// Always version 00, lower-case.
std::string FormatTraceParent(const TraceParent& tp);

// Ordered list-members, left-most first.
class TraceState {
 public:
  static constexpr size_t kMaxMembers = 32;
  // nullopt if the header as a whole is invalid (bad key/value, duplicate key,
  // more than 32 members).
  static std::optional<TraceState> Parse(std::string_view header);
  std::string ToHeader() const;
  // Moves/adds `key` to the left; drops the right-most member when more than 32.
  // kInvalidArgument for a key or value the spec does not allow.
  Status Set(std::string_view key, std::string_view value);
  std::optional<std::string> Get(std::string_view key) const;
  void Erase(std::string_view key);
  const std::vector<std::pair<std::string, std::string>>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

struct BaggageMember {
  std::string key;
  std::string value;       // percent-decoded
  std::string properties;  // raw text after the first ';', without it
  friend bool operator==(const BaggageMember&, const BaggageMember&) = default;
};

class Baggage {
 public:
  static constexpr size_t kMaxMembers = 64;
  static constexpr size_t kMaxBytes = 8192;
  // Lenient per member: an invalid member is skipped, valid ones are kept.
  static Baggage Parse(std::string_view header);
  // Values are percent-encoded where the spec requires; whole members past the
  // limits are dropped.
  std::string ToHeader() const;
  void Set(std::string_view key, std::string_view value);
  std::optional<std::string> Get(std::string_view key) const;
  const std::vector<BaggageMember>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

 private:
  std::vector<BaggageMember> members_;
};

// What crosses a process boundary.
struct PropagationContext {
  std::optional<TraceParent> traceparent;
  TraceState tracestate;
  Baggage baggage;
};

// HTTP: header names are matched case-insensitively on extract and written
// lower-case on inject. tracestate is only read when traceparent is valid.
using HttpHeaders = std::multimap<std::string, std::string>;
void InjectHttp(const PropagationContext& ctx, HttpHeaders& headers);
PropagationContext ExtractHttp(const HttpHeaders& headers);

// SQS MessageAttributes: {"traceparent": {DataType: "String", StringValue: ...}}
// with lower-cased keys, as the AWS SDK carries them.
struct SqsMessageAttribute {
  std::string data_type = "String";
  std::string string_value;
  friend bool operator==(const SqsMessageAttribute&, const SqsMessageAttribute&) = default;
};
using SqsMessageAttributes = std::map<std::string, SqsMessageAttribute>;
void InjectSqs(const PropagationContext& ctx, SqsMessageAttributes& attributes);
PropagationContext ExtractSqs(const SqsMessageAttributes& attributes);

}  // namespace tflo::core

#endif  // TFLO_CORE_TRACE_CONTEXT_H_
