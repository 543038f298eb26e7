// Append-style OTLP/JSON encoders behind otlp_json.h, shared with the OTLP file
// writer so a JSON-lines file is written without an intermediate string per
// request. Same output as the public *ToOtlpJson functions. Thread-safe.
#ifndef TFLO_CORE_OTLP_JSON_INTERNAL_H_
#define TFLO_CORE_OTLP_JSON_INTERNAL_H_

#include <string>

#include "tflo/core/model.h"

namespace tflo::core::internal {

// Appends one compact JSON object (no trailing newline) to *out.
void AppendOtlpJson(const TracesData& data, std::string* out);
void AppendOtlpJson(const MetricsData& data, std::string* out);
void AppendOtlpJson(const LogsData& data, std::string* out);

}  // namespace tflo::core::internal

#endif  // TFLO_CORE_OTLP_JSON_INTERNAL_H_
