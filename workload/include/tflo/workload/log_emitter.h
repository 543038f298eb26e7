// LogEmitter: a simulated service's OpenTelemetry logs SDK — a logger bridge
// that turns structured log calls into OTLP LogRecords correlated with the
// span they were emitted in, and a BatchLogRecordProcessor that ships them in
// export requests, in virtual time.
//
// Records carry trace_id / span_id and the W3C trace flags of the active span
// (logs/data-model.md: TraceId, SpanId, TraceFlags), a severity number and
// text (DEBUG 5, INFO 9, WARN 13, ERROR 17), a string body, attributes with
// the business fields (customer.id, work.id, order.id, ...) and an optional
// event_name. The batching follows the BatchLogRecordProcessor of the logs SDK
// spec (logs/sdk.md) with the defaults of OTEL_BLRP_*: records queue up to
// max_queue_size (more are dropped and counted); an export of up to
// max_export_batch_size records starts as soon as that many are queued, or when
// schedule_delay has passed since the previous export (timer re-armed after
// every export, as BatchSpanProcessorModel does); ForceFlush exports
// everything. Each export is one core::LogsData request (one resource, one
// scope) handed to `export_fn` at the time it starts.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_LOG_EMITTER_H_
#define TFLO_WORKLOAD_LOG_EMITTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/model.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {

// OTLP SeverityNumber of the levels the services use (the first number of
// each range: DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20).
enum class Severity : int { kDebug = 5, kInfo = 9, kWarn = 13, kError = 17 };
// "DEBUG", "INFO", "WARN", "ERROR".
std::string_view SeverityText(Severity severity);

// The span a record is emitted in; all zero outside any span.
struct LogContext {
  core::TraceId trace_id{};
  core::SpanId span_id{};
  uint8_t trace_flags = 0;  // W3C flags (bit 0 sampled)

  // The context of `span`: its ids and the W3C bits of its OTLP flags.
  static LogContext Of(const core::Span& span) {
    return {span.trace_id, span.span_id, static_cast<uint8_t>(span.flags & 0xFF)};
  }
};

// OTEL_BLRP_* defaults (configuration/sdk-environment-variables.md).
struct BatchLogProcessorOptions {
  int64_t max_queue_size = 2048;                 // OTEL_BLRP_MAX_QUEUE_SIZE
  SimTime schedule_delay = 1000 * kMillisecond;  // OTEL_BLRP_SCHEDULE_DELAY
  int64_t max_export_batch_size = 512;           // OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
};

class LogEmitter {
 public:
  using ExportFn = std::function<void(core::LogsData&& request)>;

  // Every request carries `resource` and `scope` (one SDK, one logger).
  LogEmitter(EventEngine& engine, BatchLogProcessorOptions options, core::Resource resource,
             core::InstrumentationScope scope, ExportFn export_fn);
  LogEmitter(const LogEmitter&) = delete;
  LogEmitter& operator=(const LogEmitter&) = delete;

  // Arms the schedule-delay timer at engine.now().
  void Start();

  // Queues a record (as emitted by the bridge at engine.now(); its own
  // time_unix_nano may be earlier: a request's logs are handed over when the
  // request ends). observed_time_unix_nano defaults to time_unix_nano.
  void Emit(core::LogRecord&& record);
  // Builds a record: severity number and text, string body, the context's
  // ids and flags, attributes, event name (empty = none).
  void Emit(uint64_t time_unix_nano, Severity severity, std::string body, const LogContext& context,
            core::Attributes attributes, std::string event_name = {});

  // Exports everything queued now, in batches of max_export_batch_size.
  void ForceFlush();
  // ForceFlush, then stops the timer; later records are dropped.
  void Shutdown();

  uint64_t emitted_records() const { return emitted_; }
  uint64_t dropped_records() const { return dropped_; }
  uint64_t exported_records() const { return exported_; }
  size_t queued_records() const { return queue_.size(); }
  const core::Resource& resource() const { return resource_; }

 private:
  void ExportBatch();
  void ResetTimer();
  void OnTick(uint64_t generation);

  EventEngine& engine_;
  BatchLogProcessorOptions options_;
  core::Resource resource_;
  core::InstrumentationScope scope_;
  ExportFn export_fn_;
  std::vector<core::LogRecord> queue_;
  uint64_t timer_generation_ = 0;
  bool shut_down_ = false;
  uint64_t emitted_ = 0;
  uint64_t dropped_ = 0;
  uint64_t exported_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_LOG_EMITTER_H_
