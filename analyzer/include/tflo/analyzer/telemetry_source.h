// TelemetrySource: where the analyzer reads "what happened in window W" from.
//
// Implementations: OtlpFileSource (OTLP files in a run directory, the embedded
// default); later PrometheusSource, TempoSource, LokiSource. Each returns a
// complete snapshot or a typed error, never partial data silently: what is
// missing is flagged in DataQuality. Not thread-safe: one round never queries a
// source concurrently.
#ifndef TFLO_ANALYZER_TELEMETRY_SOURCE_H_
#define TFLO_ANALYZER_TELEMETRY_SOURCE_H_

#include <cstdint>
#include <filesystem>
#include <memory>

#include "tflo/analyzer/snapshot.h"
#include "tflo/core/status.h"

namespace tflo::analyzer {

struct AnalysisWindow {
  uint64_t start_unix_nano = 0;  // inclusive; spans are assigned by start time
  uint64_t end_unix_nano = 0;    // exclusive; 0 and 0 = everything the source holds
};

class TelemetrySource {
 public:
  virtual ~TelemetrySource() = default;
  virtual Result<WindowSnapshot> Collect(const AnalysisWindow& window) = 0;
};

// Reads every `traces*.jsonl|binpb` and `metrics*.jsonl|binpb` file in `dir`
// (not recursive). Pipeline figures come from the collector's own metrics in
// the metrics files: a cumulative counter's increase is its last point inside
// the window minus its last point before the window (zero when the series starts
// inside the window; resets are detected by a new start time or a decrease). kNotFound if `dir` does not exist; kInvalidArgument naming
// file:line on a malformed file.
std::unique_ptr<TelemetrySource> MakeOtlpFileSource(std::filesystem::path dir);

}  // namespace tflo::analyzer

#endif  // TFLO_ANALYZER_TELEMETRY_SOURCE_H_
