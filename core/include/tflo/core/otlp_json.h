// OTLP/JSON encoding (opentelemetry-proto docs/specification.md, "JSON Protobuf
// Encoding") of the three export requests.
//
// This is the proto3 JSON mapping with OTLP's deviations: trace and span ids are
// hex strings (decoders accept either case), keys are lowerCamelCase, enums are
// integers, 64-bit integers are written as decimal strings (decoders accept
// numbers or strings), unknown fields are ignored on decode. One request per
// call, as one line of a collector file-exporter file. Pure functions,
// thread-safe. Decode errors say what was wrong and where (JSON path).
#ifndef TFLO_CORE_OTLP_JSON_H_
#define TFLO_CORE_OTLP_JSON_H_

#include <string>
#include <string_view>

#include "tflo/core/model.h"
#include "tflo/core/status.h"

namespace tflo::core {

// Compact, single-line JSON: `{"resourceSpans":[...]}`.
std::string TracesToOtlpJson(const TracesData& data);
std::string MetricsToOtlpJson(const MetricsData& data);
std::string LogsToOtlpJson(const LogsData& data);

Result<TracesData> TracesFromOtlpJson(std::string_view json);
Result<MetricsData> MetricsFromOtlpJson(std::string_view json);
Result<LogsData> LogsFromOtlpJson(std::string_view json);

}  // namespace tflo::core

#endif  // TFLO_CORE_OTLP_JSON_H_
