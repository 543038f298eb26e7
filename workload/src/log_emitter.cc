#include "tflo/workload/log_emitter.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace tflo::workload {

std::string_view SeverityText(Severity severity) {
  switch (severity) {
    case Severity::kDebug:
      return "DEBUG";
    case Severity::kInfo:
      return "INFO";
    case Severity::kWarn:
      return "WARN";
    case Severity::kError:
      return "ERROR";
  }
  return "UNSPECIFIED";
}

LogEmitter::LogEmitter(EventEngine& engine, BatchLogProcessorOptions options,
                       core::Resource resource, core::InstrumentationScope scope,
                       ExportFn export_fn)
    : engine_(engine),
      options_(options),
      resource_(std::move(resource)),
      scope_(std::move(scope)),
      export_fn_(std::move(export_fn)) {}

void LogEmitter::Start() { ResetTimer(); }

void LogEmitter::Emit(core::LogRecord&& record) {
  ++emitted_;
  if (shut_down_ || static_cast<int64_t>(queue_.size()) >= options_.max_queue_size) {
    ++dropped_;
    return;
  }
  if (record.observed_time_unix_nano == 0) record.observed_time_unix_nano = record.time_unix_nano;
  queue_.push_back(std::move(record));
  if (static_cast<int64_t>(queue_.size()) >= options_.max_export_batch_size) {
    while (static_cast<int64_t>(queue_.size()) >= options_.max_export_batch_size) ExportBatch();
    ResetTimer();
  }
}

void LogEmitter::Emit(uint64_t time_unix_nano, Severity severity, std::string body,
                      const LogContext& context, core::Attributes attributes,
                      std::string event_name) {
  core::LogRecord record;
  record.time_unix_nano = time_unix_nano;
  record.observed_time_unix_nano = time_unix_nano;
  record.severity_number = static_cast<int>(severity);
  record.severity_text = std::string(SeverityText(severity));
  record.body = core::AnyValue(std::move(body));
  record.attributes = std::move(attributes);
  // LogRecord.flags: the W3C trace flags in bits 0-7 (logs.proto LogRecordFlags).
  record.flags = context.trace_flags;
  record.trace_id = context.trace_id;
  record.span_id = context.span_id;
  record.event_name = std::move(event_name);
  Emit(std::move(record));
}

void LogEmitter::ForceFlush() {
  if (queue_.empty()) return;
  while (!queue_.empty()) ExportBatch();
  ResetTimer();
}

void LogEmitter::Shutdown() {
  ForceFlush();
  shut_down_ = true;
  ++timer_generation_;
}

void LogEmitter::ExportBatch() {
  const size_t n = std::min(
      queue_.size(), static_cast<size_t>(std::max<int64_t>(options_.max_export_batch_size, 1)));
  core::ScopeLogs scope_logs;
  scope_logs.scope = scope_;
  scope_logs.log_records.assign(
      std::make_move_iterator(queue_.begin()),
      std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  core::ResourceLogs resource_logs;
  resource_logs.resource = resource_;
  resource_logs.scope_logs.push_back(std::move(scope_logs));
  core::LogsData request;
  request.resource_logs.push_back(std::move(resource_logs));
  exported_ += n;
  export_fn_(std::move(request));
}

void LogEmitter::ResetTimer() {
  if (shut_down_) return;
  const uint64_t generation = ++timer_generation_;
  engine_.After(options_.schedule_delay, [this, generation] { OnTick(generation); });
}

void LogEmitter::OnTick(uint64_t generation) {
  if (generation != timer_generation_ || shut_down_) return;
  while (!queue_.empty()) ExportBatch();
  ResetTimer();
}

}  // namespace tflo::workload
