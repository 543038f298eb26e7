// OTLP files: how the embedded mode moves telemetry between the workload, the
// collector model and the analyzer, and how tflo reads a real collector's file
// exporter output.
//
// Two formats, one signal per file:
//  - kJsonLines: one OTLP/JSON export request per line (otlp_json.h), the format
//    the collector's `file` exporter writes and its `otlpjsonfile` receiver reads.
//  - kBinary: a sequence of records, each a 4-byte big-endian length followed by
//    that many bytes of a serialized Export*ServiceRequest (the file exporter's
//    `format: proto` framing).
// Readers stream: memory is bounded by the largest single request, never by the
// file. A reader detects the format from the first byte ('{' -> JSON lines;
// otherwise binary). Errors name the file and the line (JSON) or byte offset
// (binary). Writers and readers are not thread-safe; use one per thread.
#ifndef TFLO_CORE_OTLP_FILE_H_
#define TFLO_CORE_OTLP_FILE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "tflo/core/model.h"
#include "tflo/core/status.h"

namespace tflo::core {

enum class OtlpFileFormat { kJsonLines, kBinary };

// "json" / "binary"; and their parse (also accepts "jsonl", "proto", "binpb").
std::string_view OtlpFileFormatName(OtlpFileFormat format);
Result<OtlpFileFormat> ParseOtlpFileFormat(std::string_view name);
// ".jsonl" or ".binpb".
std::string_view OtlpFileExtension(OtlpFileFormat format);

enum class Signal { kTraces, kMetrics, kLogs };

// Writes export requests of one signal to a file. Create() truncates or creates
// the file; Close() flushes and fsyncs. The destructor closes without reporting.
class OtlpFileWriter {
 public:
  virtual ~OtlpFileWriter() = default;
  virtual Status Write(const TracesData& data) = 0;   // kFailedPrecondition if signal differs
  virtual Status Write(const MetricsData& data) = 0;
  virtual Status Write(const LogsData& data) = 0;
  virtual Status Close() = 0;
  virtual uint64_t bytes_written() const = 0;
};

// How a writer hands its bytes to the file system.
enum class FileIo {
  // O_DIRECT where the file system takes it: whole 4 KiB blocks go to the disk
  // from the writer's own I/O thread, without a copy into the page cache (the
  // simulator's gigabytes of output), the last partial block through the page
  // cache at Close(). Elsewhere, as kPageCache.
  kDirectWhereSupported,
  // Ordinary buffered writes (reading the file back at once is cheaper).
  kPageCache,
};

Result<std::unique_ptr<OtlpFileWriter>> CreateOtlpFileWriter(
    const std::filesystem::path& path, Signal signal, OtlpFileFormat format,
    FileIo io = FileIo::kDirectWhereSupported);

// Calls `on_request` once per export request in file order; stops at the first
// error it returns (that status is returned). Empty lines are skipped.
Status ReadTracesFile(const std::filesystem::path& path,
                      const std::function<Status(TracesData&&)>& on_request);
Status ReadMetricsFile(const std::filesystem::path& path,
                       const std::function<Status(MetricsData&&)>& on_request);
Status ReadLogsFile(const std::filesystem::path& path,
                    const std::function<Status(LogsData&&)>& on_request);

}  // namespace tflo::core

#endif  // TFLO_CORE_OTLP_FILE_H_
