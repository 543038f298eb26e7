// Go-style duration strings, as the OpenTelemetry Collector's YAML uses them
// ("200ms", "5s", "1m30s", "1.5h", "0"). Units: ns, us (also µs), ms, s, m, h.
// Pure functions, thread-safe.
#ifndef TFLO_CORE_DURATION_H_
#define TFLO_CORE_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

#include "tflo/core/status.h"

namespace tflo::core {

// kInvalidArgument on anything Go's time.ParseDuration would reject; a bare "0"
// is accepted, other unitless numbers are not.
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);
// Shortest exact rendering: 200ms -> "200ms", 5s -> "5s", 90s -> "1m30s", 0 -> "0s".
std::string FormatGoDuration(std::chrono::nanoseconds d);

}  // namespace tflo::core

#endif  // TFLO_CORE_DURATION_H_
