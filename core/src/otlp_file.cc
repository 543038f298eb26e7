#include "tflo/core/otlp_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "otlp_json_internal.h"
#include "otlp_wire.h"
#include <sys/uio.h>

#include "tflo/core/otlp_codec.h"
#include "tflo/core/otlp_json.h"

namespace tflo::core {
namespace {

// Writers hand the kernel at least this much at a time.
constexpr size_t kWriteFlushBytes = size_t{1} << 20;
// A binary request at least this large goes from the encoder to the kernel
// without the copy into the write buffer (the simulator's collector batches
// are megabytes each).
constexpr size_t kDirectWriteBytes = size_t{64} << 10;
// Every this many bytes the writer asks the kernel to start writing what it
// has so far back to the disk (sync_file_range, no waiting). Otherwise an
// hour of simulation leaves gigabytes of dirty pages (below the machine's
// background-writeback threshold) for the fsync in Close(), which then waits
// for all of them: 0.8 s of a 15 s run, measured.
constexpr uint64_t kWritebackBytes = uint64_t{32} << 20;
constexpr size_t kReadBufferBytes = size_t{1} << 20;
// Direct I/O (O_DIRECT) moves whole blocks of this size from an aligned
// buffer, at offsets that are multiples of it (4 KiB suits 512-byte and 4 KiB
// logical blocks alike).
constexpr size_t kDirectAlignment = 4096;

std::string_view SignalName(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "traces";
    case Signal::kMetrics:
      return "metrics";
    case Signal::kLogs:
      return "logs";
  }
  return "?";
}

Status ErrnoStatus(const std::filesystem::path& path, std::string_view what, int err) {
  // std::error_code rather than std::strerror, which is not thread-safe.
  std::string msg = path.string() + ": " + std::string(what) + ": " +
                    std::error_code(err, std::generic_category()).message();
  switch (err) {
    case ENOENT:
      return NotFoundError(std::move(msg));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(msg));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(msg));
    default:
      return InternalError(std::move(msg));
  }
}

// ---- writer ------------------------------------------------------------------

// With `direct` (the file was opened with O_DIRECT) the writer hands whole
// 4 KiB blocks from an aligned buffer to a thread of its own, which writes them
// to the disk without a copy into the page cache while the caller encodes the
// next megabyte; the last partial block is written normally at Close(). The
// page-cache copy cost the simulator's collector thread 15-20 % of its time
// (an hour of `mixed` writes 1.5 GB, as JSON 3.3 GB), and a VM often pays for
// every fresh page-cache page on top. Where the file system refuses direct I/O
// at the first write (EINVAL), the writes go on through the page cache.
class FdOtlpFileWriter final : public OtlpFileWriter {
 public:
  FdOtlpFileWriter(std::filesystem::path path, int fd, Signal signal, OtlpFileFormat format,
                   bool direct)
      : path_(std::move(path)),
        fd_(fd),
        signal_(signal),
        format_(format),
        direct_(direct),
        buffer_(direct ? kDirectAlignment : 0),
        writing_(direct ? kDirectAlignment : 0) {
    buffer_.Reserve(kWriteFlushBytes + kWriteFlushBytes / 4);
    if (direct_) io_thread_ = std::thread([this] { RunDirectWrites(); });
  }
  ~FdOtlpFileWriter() override { Close().IgnoreError(); }

  FdOtlpFileWriter(const FdOtlpFileWriter&) = delete;
  FdOtlpFileWriter& operator=(const FdOtlpFileWriter&) = delete;

  Status Write(const TracesData& data) override { return WriteRequest(Signal::kTraces, data); }
  Status Write(const MetricsData& data) override { return WriteRequest(Signal::kMetrics, data); }
  Status Write(const LogsData& data) override { return WriteRequest(Signal::kLogs, data); }

  Status Close() override {
    if (fd_ < 0) return error_;
    Status st = error_;
    if (direct_) {
      // The whole blocks directly, the rest (under 4 KiB) through the page cache.
      if (st.ok()) st = FlushDirect();
      const Status io = StopDirectWrites();
      if (st.ok()) st = io;
      if (st.ok()) st = StopDirect();
      writing_.Release();
      // Where the direct writes ended, for the page-cache writes' writeback hint.
      file_offset_ = writeback_from_ = bytes_written_ - buffer_.size();
    }
    if (st.ok()) st = Flush();
    if (st.ok() && ::fsync(fd_) != 0) st = ErrnoStatus(path_, "fsync", errno);
    if (::close(fd_) != 0 && st.ok()) st = ErrnoStatus(path_, "close", errno);
    fd_ = -1;
    buffer_.Release();
    error_ = st;
    return st;
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  template <typename Data>
  Status WriteRequest(Signal signal, const Data& data) {
    if (signal != signal_) {
      return FailedPreconditionError(path_.string() + ": writer was created for " +
                                     std::string(SignalName(signal_)) + ", cannot write " +
                                     std::string(SignalName(signal)));
    }
    if (fd_ < 0) return FailedPreconditionError(path_.string() + ": writer is closed");
    if (!error_.ok()) return error_;
    const size_t before = buffer_.size();
    if (format_ == OtlpFileFormat::kJsonLines) {
      internal::AppendOtlpJson(data, &buffer_);
      buffer_.Append("\n");
    } else {
      // Encoded straight from the model (no intermediate protobuf message), then
      // copied once behind its length prefix.
      internal::EncodeWire(data, &encoder_);
      const size_t size = encoder_.size();
      if (size > std::numeric_limits<uint32_t>::max()) {
        return InvalidArgumentError(path_.string() + ": request of " + std::to_string(size) +
                                    " bytes does not fit a 4-byte length prefix");
      }
      const char header[4] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                              static_cast<char>(size >> 8), static_cast<char>(size)};
      if (size >= kDirectWriteBytes && !direct_) {
        if (!buffer_.empty()) TFLO_RETURN_IF_ERROR(Flush());
        TFLO_RETURN_IF_ERROR(WriteAll(std::string_view(header, sizeof(header)), encoder_.view()));
        bytes_written_ += sizeof(header) + size;
        return OkStatus();
      }
      buffer_.Append(std::string_view(header, sizeof(header)));
      buffer_.Append(encoder_.view());
    }
    bytes_written_ += buffer_.size() - before;
    if (buffer_.size() >= kWriteFlushBytes) return direct_ ? FlushDirect() : Flush();
    return OkStatus();
  }

  // Hands the buffer's whole 4 KiB blocks to the I/O thread (after it has
  // written the previous ones) and keeps the rest at the buffer's front.
  Status FlushDirect() {
    const size_t whole = buffer_.size() & ~(kDirectAlignment - 1);
    if (whole == 0) return OkStatus();
    TFLO_RETURN_IF_ERROR(WaitForDirectWrite());
    writing_.clear();
    writing_.Append(buffer_.view().substr(whole));  // under 4 KiB
    buffer_.set_size(whole);
    buffer_.Swap(writing_);
    {
      std::lock_guard<std::mutex> lock(io_mutex_);
      io_pending_ = true;
    }
    io_cv_.notify_all();
    return OkStatus();
  }

  // Waits until the I/O thread has written what it was handed; its error, if any.
  Status WaitForDirectWrite() {
    std::unique_lock<std::mutex> lock(io_mutex_);
    io_cv_.wait(lock, [this] { return !io_pending_; });
    if (!io_status_.ok() && error_.ok()) error_ = io_status_;
    return error_;
  }

  // Waits for the last write, ends the I/O thread; its error, if any.
  Status StopDirectWrites() {
    if (!io_thread_.joinable()) return OkStatus();
    Status st = WaitForDirectWrite();
    {
      std::lock_guard<std::mutex> lock(io_mutex_);
      io_stop_ = true;
    }
    io_cv_.notify_all();
    io_thread_.join();
    return st;
  }

  // The I/O thread: writes `writing_` in full whenever io_pending_ is set.
  void RunDirectWrites() {
    bool first = true;
    std::unique_lock<std::mutex> lock(io_mutex_);
    while (true) {
      io_cv_.wait(lock, [this] { return io_pending_ || io_stop_; });
      if (!io_pending_) return;
      lock.unlock();
      Status st = io_status_.ok() ? WriteBlocks(writing_.view(), &first) : OkStatus();
      lock.lock();
      if (!st.ok() && io_status_.ok()) io_status_ = std::move(st);
      io_pending_ = false;
      io_cv_.notify_all();
    }
  }

  // Writes `blocks` (whole 4 KiB blocks) at the file's end, on the I/O thread.
  Status WriteBlocks(std::string_view blocks, bool* first) {
    size_t done = 0;
    while (done < blocks.size()) {
      const ssize_t n = ::write(fd_, blocks.data() + done, blocks.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && *first) {
        // This file system takes no direct I/O after all: write normally.
        *first = false;
        TFLO_RETURN_IF_ERROR(ClearODirect());
        continue;
      }
      if (n <= 0) return ErrnoStatus(path_, "write", n < 0 ? errno : EIO);
      *first = false;
      done += static_cast<size_t>(n);
      // A short write off a block boundary: the rest cannot go directly.
      if ((static_cast<size_t>(n) & (kDirectAlignment - 1)) != 0) {
        TFLO_RETURN_IF_ERROR(ClearODirect());
      }
    }
    return OkStatus();
  }

  Status ClearODirect() {
#ifdef O_DIRECT
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) {
      return ErrnoStatus(path_, "fcntl(F_SETFL)", errno);
    }
#endif
    return OkStatus();
  }

  // After the I/O thread has stopped: the writes that follow go through the
  // page cache.
  Status StopDirect() {
    if (!direct_) return OkStatus();
    direct_ = false;
    const Status st = ClearODirect();
    if (!st.ok()) error_ = st;
    return st;
  }

  // Writes `a` then `b` in full (one writev while the kernel takes it all);
  // the buffered path (Flush) and large binary requests both go through it.
  Status WriteAll(std::string_view a, std::string_view b) {
    iovec parts[2] = {{const_cast<char*>(a.data()), a.size()},  // NOLINT: writev's iovec is not const
                      {const_cast<char*>(b.data()), b.size()}};
    iovec* next = parts;
    int count = 2;
    size_t done = 0;  // bytes of *next already written
    while (true) {
      // Skips what is fully written (and empty parts: no system call for nothing).
      while (count > 0 && done >= next->iov_len) {
        done -= next->iov_len;
        ++next;
        --count;
      }
      if (count == 0) return OkStatus();
      next->iov_base = static_cast<char*>(next->iov_base) + done;
      next->iov_len -= done;
      const ssize_t n = ::writev(fd_, next, count);
      if (n < 0) {
        if (errno == EINTR) {
          done = 0;
          continue;
        }
        // Sticky: after a partial write the file no longer holds whole records.
        error_ = ErrnoStatus(path_, "write", errno);
        return error_;
      }
      done = static_cast<size_t>(n);
      file_offset_ += static_cast<uint64_t>(n);
      if (file_offset_ - writeback_from_ >= kWritebackBytes) StartWriteback();
    }
  }

  // A hint: errors (a pipe, a file system without it) are ignored, and
  // Close()'s fsync still reports what failed to reach the disk.
  void StartWriteback() {
#ifdef __linux__
    ::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                      static_cast<off_t>(file_offset_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
#endif
    writeback_from_ = file_offset_;
  }

  Status Flush() {
    TFLO_RETURN_IF_ERROR(WriteAll(buffer_.view(), {}));
    buffer_.clear();
    return OkStatus();
  }

  std::filesystem::path path_;
  int fd_;
  Signal signal_;
  OtlpFileFormat format_;
  bool direct_;  // fd_ has O_DIRECT; buffer_ is aligned
  internal::OutputBuffer buffer_;
  // Direct mode: the blocks the I/O thread is writing (its own while
  // io_pending_), and the thread.
  internal::OutputBuffer writing_;
  std::thread io_thread_;
  std::mutex io_mutex_;
  std::condition_variable io_cv_;
  bool io_pending_ = false;  // guarded by io_mutex_
  bool io_stop_ = false;     // guarded by io_mutex_
  Status io_status_;         // guarded by io_mutex_: the first write error
  uint64_t bytes_written_ = 0;
  uint64_t file_offset_ = 0;     // bytes the kernel has taken
  uint64_t writeback_from_ = 0;  // where the range not yet handed to writeback starts
  Status error_;
  internal::ReverseWireEncoder encoder_;  // reused: keeps its buffer between requests
};

// ---- reader ------------------------------------------------------------------

// Buffered sequential reads from a file descriptor, with the byte offset of the
// next unread byte. Owns the descriptor.
class FdReader {
 public:
  explicit FdReader(int fd) : fd_(fd), buffer_(kReadBufferBytes) {}
  ~FdReader() { ::close(fd_); }
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  uint64_t offset() const { return offset_; }

  // Reads up to n bytes into dst; fewer only at end of file. -1 on I/O error.
  ssize_t Read(char* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (pos_ == end_ && !Fill()) break;
      const size_t take = std::min(n - got, end_ - pos_);
      std::memcpy(dst + got, buffer_.data() + pos_, take);
      pos_ += take;
      got += take;
    }
    offset_ += got;
    return error_ != 0 ? -1 : static_cast<ssize_t>(got);
  }

  // Reads one line without its '\n' into *line. False at end of file (or on an
  // I/O error; check io_error()) when nothing was read.
  bool ReadLine(std::string* line) {
    line->clear();
    bool any = false;
    while (true) {
      if (pos_ == end_ && !Fill()) return any;
      any = true;
      const char* start = buffer_.data() + pos_;
      const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
      if (nl != nullptr) {
        const auto len = static_cast<size_t>(nl - start);
        line->append(start, len);
        pos_ += len + 1;
        offset_ += len + 1;
        return true;
      }
      line->append(start, end_ - pos_);
      offset_ += end_ - pos_;
      pos_ = end_;
    }
  }

  // The first byte that is not JSON whitespace, without consuming anything;
  // -1 if the file is empty or starts with more whitespace than one buffer.
  int PeekFirstNonSpace() {
    if (pos_ == end_ && !Fill()) return -1;
    for (size_t i = pos_; i < end_; ++i) {
      const char c = buffer_[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return static_cast<unsigned char>(c);
    }
    return -1;
  }

  int io_error() const { return error_; }

 private:
  bool Fill() {
    if (error_ != 0) return false;
    while (true) {
      const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      pos_ = 0;
      end_ = static_cast<size_t>(n);
      return n > 0;
    }
  }

  int fd_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  int error_ = 0;
};

std::string LinePrefix(const std::filesystem::path& path, uint64_t line) {
  return path.string() + ":" + std::to_string(line) + ": ";
}

std::string OffsetPrefix(const std::filesystem::path& path, uint64_t offset) {
  return path.string() + ": byte offset " + std::to_string(offset) + ": ";
}

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

template <typename Data>
using DecodeJsonFn = Result<Data> (*)(std::string_view);

template <typename Data>
Status ReadJsonLines(const std::filesystem::path& path, FdReader& reader, DecodeJsonFn<Data> decode,
                     const std::function<Status(Data&&)>& on_request) {
  std::string line;
  uint64_t line_number = 0;
  while (reader.ReadLine(&line)) {
    ++line_number;
    if (IsBlank(line)) continue;
    Result<Data> data = decode(line);
    if (!data.ok()) {
      return Status(data.status().code(), LinePrefix(path, line_number) + data.status().message());
    }
    TFLO_RETURN_IF_ERROR(on_request(std::move(data).value()));
  }
  if (reader.io_error() != 0) return ErrnoStatus(path, "read", reader.io_error());
  return OkStatus();
}

template <typename Data, typename Proto>
Status ReadBinary(const std::filesystem::path& path, FdReader& reader,
                  const std::function<Status(Data&&)>& on_request) {
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  const bool size_known = !ec;
  std::string record;
  Proto proto;
  while (true) {
    const uint64_t offset = reader.offset();
    unsigned char header[4];
    const ssize_t got = reader.Read(reinterpret_cast<char*>(header), sizeof(header));
    if (got < 0) return ErrnoStatus(path, "read", reader.io_error());
    if (got == 0) return OkStatus();
    if (got < 4) {
      return DataLossError(OffsetPrefix(path, offset) + "truncated record: " + std::to_string(got) +
                           " of 4 length bytes");
    }
    const uint64_t length = (uint64_t{header[0]} << 24) | (uint64_t{header[1]} << 16) |
                            (uint64_t{header[2]} << 8) | uint64_t{header[3]};
    // Checked before allocating, so a corrupt length cannot ask for 4 GiB.
    if (size_known && offset + 4 + length > file_size) {
      return DataLossError(OffsetPrefix(path, offset) + "truncated record: length says " +
                           std::to_string(length) + " bytes, only " +
                           std::to_string(file_size > offset + 4 ? file_size - offset - 4 : 0) +
                           " remain");
    }
    if (length > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
      return DataLossError(OffsetPrefix(path, offset) + "record length " + std::to_string(length) +
                           " exceeds the protobuf limit of 2 GiB");
    }
    record.resize(length);
    const ssize_t body = reader.Read(record.data(), length);
    if (body < 0) return ErrnoStatus(path, "read", reader.io_error());
    if (static_cast<uint64_t>(body) < length) {
      return DataLossError(OffsetPrefix(path, offset) + "truncated record: length says " +
                           std::to_string(length) + " bytes, only " + std::to_string(body) +
                           " remain");
    }
    proto.Clear();
    if (!proto.ParseFromArray(record.data(), static_cast<int>(length))) {
      return DataLossError(OffsetPrefix(path, offset) + "record of " + std::to_string(length) +
                           " bytes is not a valid " + proto.GetTypeName());
    }
    Result<Data> data = FromProto(proto);
    if (!data.ok()) {
      return Status(data.status().code(), OffsetPrefix(path, offset) + data.status().message());
    }
    TFLO_RETURN_IF_ERROR(on_request(std::move(data).value()));
  }
}

template <typename Data, typename Proto>
Status ReadFile(const std::filesystem::path& path, DecodeJsonFn<Data> decode_json,
                const std::function<Status(Data&&)>& on_request) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
  FdReader reader(fd);
  const int first = reader.PeekFirstNonSpace();
  if (reader.io_error() != 0) return ErrnoStatus(path, "read", reader.io_error());
  if (first == -1 || first == '{') {
    return ReadJsonLines<Data>(path, reader, decode_json, on_request);
  }
  return ReadBinary<Data, Proto>(path, reader, on_request);
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string_view OtlpFileFormatName(OtlpFileFormat format) {
  switch (format) {
    case OtlpFileFormat::kJsonLines:
      return "json";
    case OtlpFileFormat::kBinary:
      return "binary";
  }
  return "json";
}

Result<OtlpFileFormat> ParseOtlpFileFormat(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), ToLower);
  if (lower == "json" || lower == "jsonl") return OtlpFileFormat::kJsonLines;
  if (lower == "binary" || lower == "proto" || lower == "binpb") return OtlpFileFormat::kBinary;
  return InvalidArgumentError("unknown OTLP file format \"" + std::string(name) +
                              "\" (expected json, jsonl, binary, proto or binpb)");
}

std::string_view OtlpFileExtension(OtlpFileFormat format) {
  switch (format) {
    case OtlpFileFormat::kJsonLines:
      return ".jsonl";
    case OtlpFileFormat::kBinary:
      return ".binpb";
  }
  return ".jsonl";
}

Result<std::unique_ptr<OtlpFileWriter>> CreateOtlpFileWriter(const std::filesystem::path& path,
                                                             Signal signal, OtlpFileFormat format,
                                                             FileIo io) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  bool direct = false;
  int fd = -1;
#ifdef O_DIRECT
  if (io == FileIo::kDirectWhereSupported) {
    fd = ::open(path.c_str(), kFlags | O_DIRECT, 0644);
    direct = fd >= 0;
    // EINVAL: a file system without direct I/O; open it normally.
    if (fd < 0 && errno != EINVAL) return ErrnoStatus(path, "cannot create", errno);
  }
#else
  (void)io;
#endif
  if (fd < 0) fd = ::open(path.c_str(), kFlags, 0644);
  if (fd < 0) return ErrnoStatus(path, "cannot create", errno);
  return std::unique_ptr<OtlpFileWriter>(
      std::make_unique<FdOtlpFileWriter>(path, fd, signal, format, direct));
}

Status ReadTracesFile(const std::filesystem::path& path,
                      const std::function<Status(TracesData&&)>& on_request) {
  return ReadFile<TracesData, otlp_trace::ExportTraceServiceRequest>(path, TracesFromOtlpJson,
                                                                     on_request);
}

Status ReadMetricsFile(const std::filesystem::path& path,
                       const std::function<Status(MetricsData&&)>& on_request) {
  return ReadFile<MetricsData, otlp_metrics::ExportMetricsServiceRequest>(path, MetricsFromOtlpJson,
                                                                          on_request);
}

Status ReadLogsFile(const std::filesystem::path& path,
                    const std::function<Status(LogsData&&)>& on_request) {
  return ReadFile<LogsData, otlp_logs::ExportLogsServiceRequest>(path, LogsFromOtlpJson,
                                                                 on_request);
}

}  // namespace tflo::core
