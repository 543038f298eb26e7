// WindowSnapshot: what the analyzer learned about one window, handed to the
// optimizer and recorded in the history store.
//
// Plain value types. Counts are totals over the window; latencies are in
// milliseconds; rates are per second of window. The JSON form (ToJson/FromJson)
// is what report.json and the history database store: keys never get renamed.
#ifndef TFLO_ANALYZER_SNAPSHOT_H_
#define TFLO_ANALYZER_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tflo/core/status.h"

namespace tflo::analyzer {

struct OperationStats {
  std::string service;    // resource service.name
  std::string operation;  // span name
  std::string span_kind;  // "SPAN_KIND_SERVER", ...
  uint64_t count = 0;
  uint64_t errors = 0;     // spans with status ERROR
  double error_rate = 0;   // errors / count
  double rate_per_second = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
};

// The collector pipeline as its own metrics describe it over the window.
struct PipelineStats {
  uint64_t accepted = 0;       // otelcol_receiver_accepted_spans
  uint64_t refused = 0;        // otelcol_receiver_refused_spans
  uint64_t sent = 0;           // otelcol_exporter_sent_spans
  uint64_t send_failed = 0;    // otelcol_exporter_send_failed_spans
  uint64_t dropped = 0;        // otelcol_exporter_enqueue_failed_spans (queue full)
  double queue_fill = 0;       // max over the window of queue_size / queue_capacity, 0..1
  double queue_capacity = 0;   // otelcol_exporter_queue_capacity (last)
  double mean_batch_size = 0;  // otelcol_processor_batch_batch_send_size sum / count
  uint64_t batches = 0;        // otelcol_processor_batch_batch_send_size count
  uint64_t size_triggered_batches = 0;     // otelcol_processor_batch_batch_size_trigger_send
  uint64_t timeout_triggered_batches = 0;  // otelcol_processor_batch_timeout_trigger_send
  double accepted_per_second = 0;
  double export_requests_per_second = 0;   // batches / window
};

struct DataQuality {
  bool traces_present = false;
  bool pipeline_metrics_present = false;
  std::vector<std::string> notes;  // human-readable caveats ("only 12 spans for X")
};

struct WindowSnapshot {
  uint64_t window_start_unix_nano = 0;
  uint64_t window_end_unix_nano = 0;
  double window_seconds = 0;
  std::vector<OperationStats> operations;  // sorted by (service, operation)
  PipelineStats pipeline;
  DataQuality quality;
};

// JSON with snake_case keys matching the field names above.
std::string ToJson(const WindowSnapshot& snapshot);
Result<WindowSnapshot> WindowSnapshotFromJson(std::string_view json);

}  // namespace tflo::analyzer

#endif  // TFLO_ANALYZER_SNAPSHOT_H_
