#include "tflo/core/otlp_file.h"

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/otlp_samples.h"
#include "test_util.h"
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "tflo/core/otlp_codec.h"
#include "tflo/core/otlp_json.h"

namespace tflo::core {
namespace {

using testing::MakeSampleLogs;
using testing::MakeSampleMetrics;
using testing::MakeSampleTraces;
using tflo::testing::ReadFile;
using tflo::testing::TempDir;
using tflo::testing::TestdataPath;
using tflo::testing::WriteFile;

std::unique_ptr<OtlpFileWriter> MustCreate(const std::filesystem::path& path, Signal signal,
                                           OtlpFileFormat format) {
  auto writer = CreateOtlpFileWriter(path, signal, format);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  return writer.ok() ? std::move(writer).value() : nullptr;
}

Result<std::vector<TracesData>> ReadAllTraces(const std::filesystem::path& path) {
  std::vector<TracesData> out;
  Status st = ReadTracesFile(path, [&](TracesData&& data) {
    out.push_back(std::move(data));
    return OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<MetricsData>> ReadAllMetrics(const std::filesystem::path& path) {
  std::vector<MetricsData> out;
  Status st = ReadMetricsFile(path, [&](MetricsData&& data) {
    out.push_back(std::move(data));
    return OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<LogsData>> ReadAllLogs(const std::filesystem::path& path) {
  std::vector<LogsData> out;
  Status st = ReadLogsFile(path, [&](LogsData&& data) {
    out.push_back(std::move(data));
    return OkStatus();
  });
  if (!st.ok()) return st;
  return out;
}

// A request with `n` spans, each distinct, for multi-request files.
TracesData NumberedTraces(int n, int base) {
  TracesData data;
  auto& ss = data.resource_spans.emplace_back().scope_spans.emplace_back();
  for (int i = 0; i < n; ++i) {
    Span span;
    span.trace_id = testing::MakeTraceId(static_cast<uint8_t>(base + i));
    span.span_id = testing::MakeSpanId(static_cast<uint8_t>(base + i + 1));
    span.name = "span-" + std::to_string(base + i);
    span.start_time_unix_nano = static_cast<uint64_t>(base + i);
    ss.spans.push_back(span);
  }
  return data;
}

class OtlpFileFormatTest : public ::testing::TestWithParam<OtlpFileFormat> {};

TEST_P(OtlpFileFormatTest, TracesRoundTripInFileOrder) {
  TempDir dir;
  const auto path = dir.path() / "traces";
  const std::vector<TracesData> requests = {MakeSampleTraces(), NumberedTraces(3, 10), TracesData{},
                                            NumberedTraces(1, 50)};
  auto writer = MustCreate(path, Signal::kTraces, GetParam());
  ASSERT_NE(writer, nullptr);

  for (const auto& r : requests) ASSERT_TRUE(writer->Write(r).ok());
  ASSERT_TRUE(writer->Close().ok());
  auto read = ReadAllTraces(path);

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, requests);
  EXPECT_EQ(writer->bytes_written(), std::filesystem::file_size(path));
}

TEST_P(OtlpFileFormatTest, MetricsRoundTrip) {
  TempDir dir;
  const auto path = dir.path() / "metrics";
  auto writer = MustCreate(path, Signal::kMetrics, GetParam());
  ASSERT_NE(writer, nullptr);

  ASSERT_TRUE(writer->Write(MakeSampleMetrics()).ok());
  ASSERT_TRUE(writer->Write(MakeSampleMetrics()).ok());
  ASSERT_TRUE(writer->Close().ok());
  auto read = ReadAllMetrics(path);

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2U);
  EXPECT_EQ(read->at(0), MakeSampleMetrics());
  EXPECT_EQ(read->at(1), MakeSampleMetrics());
}

TEST_P(OtlpFileFormatTest, LogsRoundTrip) {
  TempDir dir;
  const auto path = dir.path() / "logs";
  auto writer = MustCreate(path, Signal::kLogs, GetParam());
  ASSERT_NE(writer, nullptr);

  ASSERT_TRUE(writer->Write(MakeSampleLogs()).ok());
  ASSERT_TRUE(writer->Close().ok());
  auto read = ReadAllLogs(path);

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1U);
  EXPECT_EQ(read->at(0), MakeSampleLogs());
}

TEST_P(OtlpFileFormatTest, WritingAnotherSignalIsFailedPrecondition) {
  TempDir dir;
  auto writer = MustCreate(dir.path() / "t", Signal::kTraces, GetParam());
  ASSERT_NE(writer, nullptr);

  const Status metrics = writer->Write(MakeSampleMetrics());
  const Status logs = writer->Write(MakeSampleLogs());

  EXPECT_EQ(metrics.code(), tflo::StatusCode::kFailedPrecondition);
  EXPECT_NE(metrics.message().find("created for traces"), std::string::npos) << metrics.message();
  EXPECT_EQ(logs.code(), tflo::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->bytes_written(), 0U);
}

// Varints of every length (1 to 10 bytes: negative ints take 10), fixed64
// times, and a value whose length needs a three-byte varint.
TEST_P(OtlpFileFormatTest, ValuesOfEveryVarintLengthRoundTrip) {
  TempDir dir;
  const auto path = dir.path() / "varints";
  TracesData data = NumberedTraces(1, 0);
  Span& span = data.resource_spans[0].scope_spans[0].spans[0];
  int64_t v = 1;
  for (int bits = 0; bits < 63; bits += 7, v <<= 7) {
    span.attributes.emplace_back("p" + std::to_string(bits), v);
    span.attributes.emplace_back("m" + std::to_string(bits), -v);
  }
  span.attributes.emplace_back("max", std::numeric_limits<int64_t>::max());
  span.attributes.emplace_back("long", std::string(70000, 'x'));
  span.end_time_unix_nano = std::numeric_limits<uint64_t>::max();
  auto writer = MustCreate(path, Signal::kTraces, GetParam());
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write(data).ok());
  ASSERT_TRUE(writer->Close().ok());

  std::vector<TracesData> read;
  const Status st = ReadTracesFile(path, [&](TracesData&& d) {
    read.push_back(std::move(d));
    return OkStatus();
  });

  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(read.size(), 1U);
  EXPECT_EQ(read[0], data);
}

TEST_P(OtlpFileFormatTest, LargeFileIsStreamedAcrossBufferBoundaries) {
  TempDir dir;
  const auto path = dir.path() / "big";
  auto writer = MustCreate(path, Signal::kTraces, GetParam());
  ASSERT_NE(writer, nullptr);
  constexpr int kRequests = 400;
  constexpr int kSpansPerRequest = 100;  // > 1 MiB in either format: flushes and refills

  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(writer->Write(NumberedTraces(kSpansPerRequest, i)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  int requests = 0;
  size_t spans = 0;
  Status st = ReadTracesFile(path, [&](TracesData&& data) {
    if (data != NumberedTraces(kSpansPerRequest, requests)) {
      return InternalError("request " + std::to_string(requests) + " differs");
    }
    ++requests;
    spans += data.SpanCount();
    return OkStatus();
  });

  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(requests, kRequests);
  EXPECT_EQ(spans, static_cast<size_t>(kRequests * kSpansPerRequest));
  EXPECT_GT(std::filesystem::file_size(path), size_t{1} << 20);
}

INSTANTIATE_TEST_SUITE_P(Formats, OtlpFileFormatTest,
                         ::testing::Values(OtlpFileFormat::kJsonLines, OtlpFileFormat::kBinary),
                         [](const auto& param_info) {
                           return std::string(OtlpFileFormatName(param_info.param));
                         });

TEST(OtlpFileTest, JsonLinesFileHasOneRequestPerLine) {
  TempDir dir;
  const auto path = dir.path() / "t.jsonl";
  auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kJsonLines);
  ASSERT_NE(writer, nullptr);

  ASSERT_TRUE(writer->Write(MakeSampleTraces()).ok());
  ASSERT_TRUE(writer->Write(NumberedTraces(2, 1)).ok());
  ASSERT_TRUE(writer->Close().ok());

  EXPECT_EQ(ReadFile(path), TracesToOtlpJson(MakeSampleTraces()) + "\n" +
                                TracesToOtlpJson(NumberedTraces(2, 1)) + "\n");
}

TEST(OtlpFileTest, BinaryFileUsesBigEndianLengthPrefix) {
  TempDir dir;
  const auto path = dir.path() / "t.binpb";
  auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kBinary);
  ASSERT_NE(writer, nullptr);

  ASSERT_TRUE(writer->Write(NumberedTraces(1, 1)).ok());
  ASSERT_TRUE(writer->Close().ok());
  const std::string bytes = ReadFile(path);

  ASSERT_GT(bytes.size(), 4U);
  const size_t length = (static_cast<size_t>(static_cast<uint8_t>(bytes[0])) << 24) |
                        (static_cast<size_t>(static_cast<uint8_t>(bytes[1])) << 16) |
                        (static_cast<size_t>(static_cast<uint8_t>(bytes[2])) << 8) |
                        static_cast<uint8_t>(bytes[3]);
  EXPECT_EQ(length, bytes.size() - 4);
  EXPECT_EQ(bytes[4], 0x0a) << "field 1 (resource_spans), wire type 2";
}

// The binary writer encodes straight from the model; its records must be the
// very bytes protobuf serializes for the message ToProto builds.
template <typename Data, typename Proto>
void ExpectRecordIsProtobufSerialization(const Data& data, Signal signal) {
  TempDir dir;
  const auto path = dir.path() / "r.binpb";
  auto writer = MustCreate(path, signal, OtlpFileFormat::kBinary);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Write(data).ok());
  ASSERT_TRUE(writer->Close().ok());
  Proto proto;
  ToProto(data, &proto);
  std::string expected;
  ASSERT_TRUE(proto.SerializeToString(&expected));

  const std::string bytes = ReadFile(path);

  ASSERT_EQ(bytes.size(), expected.size() + 4);
  EXPECT_EQ(bytes.substr(4), expected);
}

TEST(OtlpFileTest, BinaryRecordsAreExactlyProtobufSerialization) {
  TracesData odd_traces = MakeSampleTraces();
  Span& odd = odd_traces.resource_spans[0].scope_spans[0].spans[1];
  odd.kind = static_cast<SpanKind>(-1);  // out-of-range enums are sign-extended varints
  odd.attributes = {{"neg_zero", AnyValue(-0.0)},
                    {"zero", AnyValue(0.0)},
                    {"zero_int", AnyValue(int64_t{0})},
                    {"false", AnyValue(false)},
                    {"", AnyValue()},
                    {"empty_array", AnyValue(ArrayValue{})},
                    {"long", AnyValue(std::string(300, 'z'))}};
  odd.start_time_unix_nano = UINT64_MAX;
  odd.flags = UINT32_MAX;
  LogsData odd_logs = MakeSampleLogs();
  odd_logs.resource_logs[0].scope_logs[0].log_records[1].severity_number = -3;
  MetricsData odd_metrics = MakeSampleMetrics();
  auto& gauge = std::get<Gauge>(odd_metrics.resource_metrics[0].scope_metrics[0].metrics[0].data);
  gauge.data_points.push_back(NumberDataPoint{{}, 0, 0, int64_t{-1}, 0});
  gauge.data_points.push_back(NumberDataPoint{{}, 0, 0, -0.0, 0});

  ExpectRecordIsProtobufSerialization<TracesData, otlp_trace::ExportTraceServiceRequest>(
      MakeSampleTraces(), Signal::kTraces);
  ExpectRecordIsProtobufSerialization<TracesData, otlp_trace::ExportTraceServiceRequest>(
      odd_traces, Signal::kTraces);
  ExpectRecordIsProtobufSerialization<TracesData, otlp_trace::ExportTraceServiceRequest>(
      TracesData{}, Signal::kTraces);
  ExpectRecordIsProtobufSerialization<MetricsData, otlp_metrics::ExportMetricsServiceRequest>(
      MakeSampleMetrics(), Signal::kMetrics);
  ExpectRecordIsProtobufSerialization<MetricsData, otlp_metrics::ExportMetricsServiceRequest>(
      odd_metrics, Signal::kMetrics);
  ExpectRecordIsProtobufSerialization<LogsData, otlp_logs::ExportLogsServiceRequest>(
      MakeSampleLogs(), Signal::kLogs);
  ExpectRecordIsProtobufSerialization<LogsData, otlp_logs::ExportLogsServiceRequest>(odd_logs,
                                                                                     Signal::kLogs);
}

// One record of a binary file: the protobuf serialization of `request`
// behind its 4-byte big-endian length.
std::string BinaryRecord(const TracesData& request) {
  otlp_trace::ExportTraceServiceRequest proto;
  ToProto(request, &proto);
  const std::string body = proto.SerializeAsString();
  const auto n = static_cast<uint32_t>(body.size());
  return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)} +
         body;
}

// Large binary requests go from the encoder straight to the file (no copy into
// the write buffer), small ones through the buffer: interleaved, the records
// keep their order and bytes.
TEST(OtlpFileTest, LargeAndSmallBinaryRequestsKeepTheirOrderAndBytes) {
  TempDir dir;
  const auto path = dir.path() / "mixed.binpb";
  auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kBinary);
  ASSERT_NE(writer, nullptr);
  const std::vector<TracesData> requests = {NumberedTraces(2, 1), NumberedTraces(2000, 10),
                                            NumberedTraces(1, 3), NumberedTraces(1500, 5000),
                                            NumberedTraces(3, 7)};
  std::string expected;
  for (const TracesData& request : requests) {
    ASSERT_TRUE(writer->Write(request).ok());
    expected += BinaryRecord(request);
  }
  EXPECT_EQ(writer->bytes_written(), expected.size());
  ASSERT_TRUE(writer->Close().ok());

  const std::string bytes = ReadFile(path);
  EXPECT_GT(bytes.size(), size_t{2} * 64 * 1024);  // two requests above the direct-write size
  EXPECT_TRUE(bytes == expected);
  auto back = ReadAllTraces(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), requests.size());
  for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ((*back)[i], requests[i]) << i;
}

// Past 32 MiB the writer hands what it wrote to the kernel's writeback as it
// goes (a hint): the file is the same, in both formats.
TEST(OtlpFileTest, FilesPastTheWritebackStepKeepEveryRequest) {
  TempDir dir;
  TracesData request = NumberedTraces(1, 1);
  SetAttribute(request.resource_spans[0].scope_spans[0].spans[0].attributes, "payload",
               std::string(size_t{3} << 20, 'p'));  // 3 MiB a request
  constexpr int kRequests = 14;                      // 42 MiB a file
  for (const OtlpFileFormat format : {OtlpFileFormat::kBinary, OtlpFileFormat::kJsonLines}) {
    const auto path = dir.path() / (format == OtlpFileFormat::kBinary ? "big.binpb" : "big.jsonl");
    auto writer = MustCreate(path, Signal::kTraces, format);
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(writer->Write(request).ok());
    const uint64_t written = writer->bytes_written();
    ASSERT_TRUE(writer->Close().ok());
    EXPECT_GT(written, uint64_t{40} << 20);
    EXPECT_EQ(std::filesystem::file_size(path), written);
    auto back = ReadAllTraces(path);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), size_t{kRequests});
    EXPECT_EQ(back->front(), request);
    EXPECT_EQ(back->back(), request);
  }
}

// Direct I/O (where the file system takes it): whole 4 KiB blocks go to the
// disk from the writer's own thread, the last partial block through the page
// cache at Close(); with FileIo::kPageCache, ordinary writes. Either way the
// file holds exactly the records: empty, under one block, and across the
// 1 MiB hand-overs at odd offsets. Also on tmpfs (/dev/shm), where older
// kernels refuse O_DIRECT at open.
TEST(OtlpFileTest, FilesAreByteExactWithAndWithoutDirectIo) {
  TempDir dir;
  std::vector<std::filesystem::path> places = {dir.path()};
  std::error_code ec;
  const std::filesystem::path shm = "/dev/shm";
  std::filesystem::path shm_dir;
  if (std::filesystem::is_directory(shm, ec) && ::access(shm.c_str(), W_OK) == 0) {
    shm_dir = shm / ("tflo-otlp-file-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(shm_dir, ec);
    if (!ec) places.push_back(shm_dir);
  }
  uint64_t lcg = 12345;
  for (const std::filesystem::path& place : places) {
    for (const FileIo io : {FileIo::kDirectWhereSupported, FileIo::kPageCache}) {
      for (const size_t count : {size_t{0}, size_t{1}, size_t{37}, size_t{900}}) {
        const auto path = place / ("exact-" + std::to_string(count) + "-" +
                                   (io == FileIo::kPageCache ? "cached" : "direct") + ".binpb");
        auto created = CreateOtlpFileWriter(path, Signal::kTraces, OtlpFileFormat::kBinary, io);
        ASSERT_TRUE(created.ok()) << created.status().ToString();
        std::unique_ptr<OtlpFileWriter> writer = std::move(*created);
        std::string expected;
        for (size_t i = 0; i < count; ++i) {
          lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
          TracesData request = NumberedTraces(1, static_cast<int>(i));
          SetAttribute(request.resource_spans[0].scope_spans[0].spans[0].attributes, "payload",
                       std::string(static_cast<size_t>(lcg >> 33) % 9000, 'q'));
          ASSERT_TRUE(writer->Write(request).ok());
          expected += BinaryRecord(request);
        }
        ASSERT_TRUE(writer->Close().ok()) << path;
        EXPECT_EQ(writer->bytes_written(), expected.size()) << path;
        const std::string bytes = ReadFile(path);
        EXPECT_EQ(bytes.size(), expected.size()) << path;
        EXPECT_TRUE(bytes == expected) << path;
      }
    }
  }
  if (!shm_dir.empty()) std::filesystem::remove_all(shm_dir, ec);
}

// A request of about 64 KiB.
TracesData BigRequest() {
  TracesData request = NumberedTraces(1, 1);
  SetAttribute(request.resource_spans[0].scope_spans[0].spans[0].attributes, "payload",
               std::string(size_t{64} << 10, 'f'));
  return request;
}

// Writes `request` up to 64 times (4 MiB), stopping at the first error; then
// closes. Returns {the first Write error (OK if none), Close's status}.
std::pair<Status, Status> WriteAndClose(const std::filesystem::path& path, FileIo io,
                                        const TracesData& request) {
  auto created = CreateOtlpFileWriter(path, Signal::kTraces, OtlpFileFormat::kBinary, io);
  if (!created.ok()) return {created.status(), created.status()};
  std::unique_ptr<OtlpFileWriter> writer = std::move(*created);
  Status first_error;
  for (int i = 0; i < 64 && first_error.ok(); ++i) first_error = writer->Write(request);
  Status closed = writer->Close();
  if (writer->Write(request).ok()) closed = InternalError("Write after a failed Close succeeded");
  return {first_error, closed};
}

// A full disk (/dev/full answers every write with ENOSPC): the error reaches
// the caller, from a Write or from Close, naming the file, in both modes; the
// I/O thread of the direct mode does not hang.
TEST(OtlpFileTest, FullDiskIsReportedInBothModes) {
  const std::filesystem::path full = "/dev/full";
  if (::access(full.c_str(), W_OK) != 0) GTEST_SKIP() << "no writable /dev/full";
  for (const FileIo io : {FileIo::kDirectWhereSupported, FileIo::kPageCache}) {
    const auto [first_error, closed] = WriteAndClose(full, io, BigRequest());
    const Status& error = first_error.ok() ? closed : first_error;
    ASSERT_FALSE(error.ok());
    EXPECT_EQ(error.code(), ::tflo::StatusCode::kResourceExhausted) << error.ToString();
    EXPECT_NE(error.message().find("/dev/full"), std::string::npos) << error.ToString();
    EXPECT_FALSE(closed.ok());
  }
}

// A write the kernel refuses half way through the file (here: past a file
// size limit, EFBIG) is reported by a later Write (4 MiB are written: in the
// direct mode the I/O thread's error comes back at the next hand-over) and by
// Close, naming the file, in both modes.
TEST(OtlpFileTest, RefusedWriteIsReportedInBothModes) {
  TempDir dir;
  // The limit and SIGXFSZ's disposition come back however the test ends.
  struct FileSizeLimit {
    rlimit old_limit{};
    void (*old_handler)(int) = nullptr;
    FileSizeLimit() {
      ::getrlimit(RLIMIT_FSIZE, &old_limit);
      old_handler = std::signal(SIGXFSZ, SIG_IGN);
      rlimit limit = old_limit;
      limit.rlim_cur = rlim_t{256} << 10;
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
      ::setrlimit(RLIMIT_FSIZE, &old_limit);
      std::signal(SIGXFSZ, old_handler);
    }
  } file_size_limit;
  for (const FileIo io : {FileIo::kDirectWhereSupported, FileIo::kPageCache}) {
    const auto path = dir.path() / (io == FileIo::kPageCache ? "cached.binpb" : "direct.binpb");
    const auto [first_error, closed] = WriteAndClose(path, io, BigRequest());
    EXPECT_FALSE(first_error.ok()) << path;
    EXPECT_NE(first_error.message().find(path.string() + ": write"), std::string::npos)
        << first_error.ToString();
    EXPECT_FALSE(closed.ok()) << path;
  }
}

TEST(OtlpFileTest, CreateTruncatesAnExistingFile) {
  TempDir dir;
  const auto path = dir.path() / "t.jsonl";
  WriteFile(path, std::string(5000, 'x'));

  auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kJsonLines);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Close().ok());

  EXPECT_EQ(std::filesystem::file_size(path), 0U);
}

TEST(OtlpFileTest, WriteAfterCloseFails) {
  TempDir dir;
  auto writer = MustCreate(dir.path() / "t", Signal::kLogs, OtlpFileFormat::kBinary);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Close().ok());

  const Status st = writer->Write(MakeSampleLogs());

  EXPECT_EQ(st.code(), tflo::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer->Close().ok()) << "Close is idempotent";
}

TEST(OtlpFileTest, CreateInMissingDirectoryFails) {
  TempDir dir;

  auto writer = CreateOtlpFileWriter(dir.path() / "no" / "such" / "t.jsonl", Signal::kTraces,
                                     OtlpFileFormat::kJsonLines);

  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), tflo::StatusCode::kNotFound);
  EXPECT_NE(writer.status().message().find("t.jsonl"), std::string::npos);
}

TEST(OtlpFileTest, ReadingMissingFileIsNotFound) {
  TempDir dir;

  auto read = ReadAllTraces(dir.path() / "absent.jsonl");

  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), tflo::StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("absent.jsonl"), std::string::npos);
}

TEST(OtlpFileTest, EmptyAndBlankFilesHoldNoRequests) {
  TempDir dir;
  WriteFile(dir.path() / "empty", "");
  WriteFile(dir.path() / "blank", "\n  \n\r\n");

  auto empty = ReadAllTraces(dir.path() / "empty");
  auto blank = ReadAllTraces(dir.path() / "blank");

  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE(blank.ok()) << blank.status().ToString();
  EXPECT_TRUE(blank->empty());
}

TEST(OtlpFileTest, EmptyLinesAndCrlfAreSkipped) {
  TempDir dir;
  const auto path = dir.path() / "t.jsonl";
  WriteFile(path, "\n  " + TracesToOtlpJson(NumberedTraces(1, 1)) + "\r\n\n\n" +
                      TracesToOtlpJson(NumberedTraces(2, 5)));  // no final newline

  auto read = ReadAllTraces(path);

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2U);
  EXPECT_EQ(read->at(0), NumberedTraces(1, 1));
  EXPECT_EQ(read->at(1), NumberedTraces(2, 5));
}

TEST(OtlpFileTest, BadJsonErrorNamesFileAndLine) {
  TempDir dir;
  const auto path = dir.path() / "bad.jsonl";
  WriteFile(path, TracesToOtlpJson(NumberedTraces(1, 1)) + "\n{\"resourceSpans\": [\n");
  int delivered = 0;

  const Status st = ReadTracesFile(path, [&](TracesData&&) {
    ++delivered;
    return OkStatus();
  });

  EXPECT_EQ(st.code(), tflo::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find(path.string() + ":2: invalid JSON"), std::string::npos)
      << st.message();
  EXPECT_EQ(delivered, 1) << "requests before the bad line are delivered";
}

TEST(OtlpFileTest, BadHexIdErrorNamesLineAndPath) {
  TempDir dir;
  const auto path = dir.path() / "bad.jsonl";
  WriteFile(path, "\n\n" + std::string(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)"
                                       R"({"traceId":"zz","spanId":"0102030405060708"}]}]}]})"));

  auto read = ReadAllTraces(path);

  ASSERT_FALSE(read.ok());
  EXPECT_EQ(
      read.status().message(),
      path.string() + ":3: resourceSpans[0].scopeSpans[0].spans[0].traceId: not 32 hex digits");
}

TEST(OtlpFileTest, TruncatedBinaryRecordIsDataLossNamingOffset) {
  TempDir dir;
  const auto path = dir.path() / "t.binpb";
  {
    auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kBinary);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->Write(NumberedTraces(1, 1)).ok());
    ASSERT_TRUE(writer->Write(NumberedTraces(3, 2)).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  const std::string full = ReadFile(path);
  const size_t first_record = 4 + ((static_cast<size_t>(static_cast<uint8_t>(full[2])) << 8) |
                                   static_cast<uint8_t>(full[3]));
  WriteFile(path, full.substr(0, full.size() - 7));
  int delivered = 0;

  const Status st = ReadTracesFile(path, [&](TracesData&&) {
    ++delivered;
    return OkStatus();
  });

  EXPECT_EQ(st.code(), tflo::StatusCode::kDataLoss);
  EXPECT_NE(st.message().find(path.string() + ": byte offset " + std::to_string(first_record) +
                              ": truncated record"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(delivered, 1);
}

TEST(OtlpFileTest, TruncatedBinaryLengthPrefixIsDataLoss) {
  TempDir dir;
  const auto path = dir.path() / "t.binpb";
  WriteFile(path, std::string("\0\0", 2));

  const Status st = ReadTracesFile(path, [](TracesData&&) { return OkStatus(); });

  EXPECT_EQ(st.code(), tflo::StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("byte offset 0: truncated record: 2 of 4 length bytes"),
            std::string::npos)
      << st.message();
}

TEST(OtlpFileTest, CorruptBinaryRecordIsDataLoss) {
  TempDir dir;
  const auto path = dir.path() / "t.binpb";
  WriteFile(path, std::string("\0\0\0\3\x0a\x05\x01", 7));  // length 5 declared, 1 byte present

  const Status st = ReadTracesFile(path, [](TracesData&&) { return OkStatus(); });

  EXPECT_EQ(st.code(), tflo::StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("not a valid opentelemetry.proto.collector.trace.v1."
                              "ExportTraceServiceRequest"),
            std::string::npos)
      << st.message();
}

TEST(OtlpFileTest, CallbackErrorStopsReadingAndIsReturned) {
  TempDir dir;
  const auto path = dir.path() / "t.binpb";
  auto writer = MustCreate(path, Signal::kTraces, OtlpFileFormat::kBinary);
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Write(NumberedTraces(1, i)).ok());
  ASSERT_TRUE(writer->Close().ok());
  int calls = 0;

  const Status st = ReadTracesFile(path, [&](TracesData&&) {
    ++calls;
    return calls == 2 ? Status(tflo::StatusCode::kAborted, "enough") : OkStatus();
  });

  EXPECT_EQ(st, Status(tflo::StatusCode::kAborted, "enough"));
  EXPECT_EQ(calls, 2);
}

TEST(OtlpFileTest, ReadsHandMadeSampleTraces) {
  auto read = ReadAllTraces(TestdataPath("core/otlp_sample_traces.jsonl"));

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2U);
  const TracesData& first = read->at(0);
  ASSERT_EQ(first.resource_spans.size(), 1U);
  const ResourceSpans& rs = first.resource_spans[0];
  EXPECT_EQ(rs.schema_url, "https://opentelemetry.io/schemas/1.24.0");
  EXPECT_EQ(*FindAttribute(rs.resource.attributes, "service.name")->AsString(), "checkout");
  EXPECT_EQ(*FindAttribute(rs.resource.attributes, "host.cpu.count")->AsInt(), 8);
  EXPECT_EQ(rs.resource.dropped_attributes_count, 1U);
  ASSERT_EQ(rs.scope_spans.size(), 1U);
  const ScopeSpans& ss = rs.scope_spans[0];
  EXPECT_EQ(ss.scope.name, "tflo.sample");
  EXPECT_EQ(ss.scope.version, "1.2.0");
  EXPECT_EQ(*FindAttribute(ss.scope.attributes, "scope.kind")->AsString(), "manual");
  EXPECT_EQ(ss.schema_url, "https://opentelemetry.io/schemas/1.24.0");
  ASSERT_EQ(ss.spans.size(), 1U);
  const Span& span = ss.spans[0];
  EXPECT_EQ(ToHex(span.trace_id), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(ToHex(span.span_id), "eee19b7ec3c1b174");
  EXPECT_EQ(ToHex(span.parent_span_id), "eee19b7ec3c1b173");
  EXPECT_FALSE(span.is_root());
  EXPECT_EQ(span.name, "GET /cart");
  EXPECT_EQ(span.kind, SpanKind::kServer);
  EXPECT_EQ(span.flags, 257U);
  EXPECT_EQ(span.trace_state, "vendor=a1");
  EXPECT_EQ(span.start_time_unix_nano, 1544712660000000000ULL);
  EXPECT_EQ(span.end_time_unix_nano, 1544712661000000000ULL);
  EXPECT_DOUBLE_EQ(span.duration_ms(), 1000.0);
  ASSERT_EQ(span.attributes.size(), 6U);
  EXPECT_EQ(*FindAttribute(span.attributes, "http.response.status_code")->AsInt(), 200);
  EXPECT_EQ(*FindAttribute(span.attributes, "http.route")->AsString(), "/cart");
  EXPECT_EQ(*FindAttribute(span.attributes, "retry")->AsBool(), true);
  EXPECT_EQ(*FindAttribute(span.attributes, "ratio")->AsDouble(), 0.25);
  EXPECT_EQ(*FindAttribute(span.attributes, "tags"),
            AnyValue(ArrayValue{{AnyValue("a"), AnyValue(int64_t{2})}}));
  EXPECT_EQ(*FindAttribute(span.attributes, "blob"), AnyValue(Bytes{{0xde, 0xad, 0xbe, 0xef}}));
  EXPECT_EQ(span.dropped_attributes_count, 0U);
  ASSERT_EQ(span.events.size(), 1U);
  EXPECT_EQ(span.events[0].name, "cache.miss");
  EXPECT_EQ(span.events[0].time_unix_nano, 1544712660500000000ULL);
  EXPECT_EQ(*FindAttribute(span.events[0].attributes, "cache.key")->AsString(), "cart:42");
  ASSERT_EQ(span.links.size(), 1U);
  EXPECT_EQ(ToHex(span.links[0].trace_id), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(ToHex(span.links[0].span_id), "1112131415161718");
  EXPECT_EQ(span.links[0].trace_state, "x=1");
  EXPECT_EQ(span.links[0].flags, 1U);
  EXPECT_EQ(span.status.code, StatusCode::kError);
  EXPECT_EQ(span.status.message, "upstream timeout");

  const TracesData& second = read->at(1);  // after an empty line
  ASSERT_EQ(second.SpanCount(), 1U);
  const Span& db = second.resource_spans[0].scope_spans[0].spans[0];
  EXPECT_EQ(
      *FindAttribute(second.resource_spans[0].resource.attributes, "service.name")->AsString(),
      "cart-db");
  EXPECT_EQ(second.resource_spans[0].scope_spans[0].scope, InstrumentationScope{});
  EXPECT_EQ(ToHex(db.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_TRUE(db.is_root()) << "empty parentSpanId";
  EXPECT_EQ(db.kind, SpanKind::kClient);
  EXPECT_EQ(db.start_time_unix_nano, 1544712660100000000ULL) << "number accepted";
  EXPECT_EQ(db.end_time_unix_nano, 1544712660300000000ULL);
  EXPECT_EQ(db.status, SpanStatus{});
  EXPECT_EQ(*FindAttribute(db.attributes, "db.params"),
            AnyValue(KeyValueList{{{"limit", AnyValue(int64_t{10})}, {"exact", AnyValue(false)}}}));
}

TEST(OtlpFileTest, ReadsHandMadeSampleMetrics) {
  auto read = ReadAllMetrics(TestdataPath("core/otlp_sample_metrics.jsonl"));

  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1U);
  ASSERT_EQ(read->at(0).resource_metrics.size(), 1U);
  const ScopeMetrics& sm = read->at(0).resource_metrics[0].scope_metrics.at(0);
  EXPECT_EQ(sm.scope.name, "tflo.sample.meter");
  EXPECT_EQ(sm.scope.version, "0.3");
  ASSERT_EQ(sm.metrics.size(), 4U) << "summary and exponential histogram are skipped";

  const Metric& gauge = sm.metrics[0];
  EXPECT_EQ(gauge.name, "process.memory.usage");
  EXPECT_EQ(gauge.unit, "By");
  EXPECT_EQ(gauge.description, "Resident memory");
  const auto& gp = std::get<Gauge>(gauge.data).data_points.at(0);
  EXPECT_EQ(std::get<double>(gp.value), 52428800.5);
  EXPECT_EQ(gp.time_unix_nano, 1544712660300000000ULL);
  EXPECT_EQ(gp.start_time_unix_nano, 0U);
  EXPECT_EQ(*FindAttribute(gp.attributes, "state")->AsString(), "rss");

  const Sum& requests = std::get<Sum>(sm.metrics[1].data);
  EXPECT_EQ(sm.metrics[1].unit, "{request}");
  EXPECT_EQ(requests.aggregation_temporality, AggregationTemporality::kCumulative);
  EXPECT_TRUE(requests.is_monotonic);
  ASSERT_EQ(requests.data_points.size(), 2U);
  EXPECT_EQ(std::get<int64_t>(requests.data_points[0].value), 1024);
  EXPECT_EQ(requests.data_points[0].start_time_unix_nano, 1544712600000000000ULL);
  EXPECT_EQ(requests.data_points[0].time_unix_nano, 1544712660000000000ULL);
  EXPECT_EQ(
      *FindAttribute(requests.data_points[0].attributes, "http.response.status_code")->AsInt(),
      200);
  EXPECT_EQ(std::get<int64_t>(requests.data_points[1].value), 7) << "asInt as a JSON number";
  EXPECT_EQ(requests.data_points[1].flags, 1U);

  const Sum& delta = std::get<Sum>(sm.metrics[2].data);
  EXPECT_EQ(delta.aggregation_temporality, AggregationTemporality::kDelta);
  EXPECT_FALSE(delta.is_monotonic);
  EXPECT_EQ(std::get<double>(delta.data_points.at(0).value), -3.5);

  const Metric& duration = sm.metrics[3];
  EXPECT_EQ(duration.name, "http.server.request.duration");
  const Histogram& h = std::get<Histogram>(duration.data);
  EXPECT_EQ(h.aggregation_temporality, AggregationTemporality::kCumulative);
  const HistogramDataPoint& hp = h.data_points.at(0);
  EXPECT_EQ(hp.count, 12U);
  EXPECT_EQ(hp.sum, 3.75);
  EXPECT_EQ(hp.bucket_counts, (std::vector<uint64_t>{2, 5, 4, 1}));
  EXPECT_EQ(hp.explicit_bounds, (std::vector<double>{0.1, 0.25, 1.0}));
  EXPECT_EQ(hp.min, 0.02);
  EXPECT_EQ(hp.max, 1.5);
  EXPECT_EQ(hp.start_time_unix_nano, 1544712600000000000ULL);
}

TEST(OtlpFileTest, ReaderDetectsFormatFromContentNotName) {
  TempDir dir;
  const auto json_named_bin = dir.path() / "actually_binary.jsonl";
  const auto bin_named_json = dir.path() / "actually_json.binpb";
  auto w1 = MustCreate(json_named_bin, Signal::kLogs, OtlpFileFormat::kBinary);
  auto w2 = MustCreate(bin_named_json, Signal::kLogs, OtlpFileFormat::kJsonLines);
  ASSERT_NE(w1, nullptr);
  ASSERT_NE(w2, nullptr);
  ASSERT_TRUE(w1->Write(MakeSampleLogs()).ok());
  ASSERT_TRUE(w2->Write(MakeSampleLogs()).ok());
  ASSERT_TRUE(w1->Close().ok());
  ASSERT_TRUE(w2->Close().ok());

  auto a = ReadAllLogs(json_named_bin);
  auto b = ReadAllLogs(bin_named_json);

  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->at(0), MakeSampleLogs());
}

TEST(OtlpFileTest, FormatNamesParseAndExtensions) {
  EXPECT_EQ(OtlpFileFormatName(OtlpFileFormat::kJsonLines), "json");
  EXPECT_EQ(OtlpFileFormatName(OtlpFileFormat::kBinary), "binary");
  EXPECT_EQ(OtlpFileExtension(OtlpFileFormat::kJsonLines), ".jsonl");
  EXPECT_EQ(OtlpFileExtension(OtlpFileFormat::kBinary), ".binpb");
  for (const char* name : {"json", "jsonl", "JSON"}) {
    auto f = ParseOtlpFileFormat(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ(*f, OtlpFileFormat::kJsonLines) << name;
  }
  for (const char* name : {"binary", "proto", "binpb"}) {
    auto f = ParseOtlpFileFormat(name);
    ASSERT_TRUE(f.ok()) << name;
    EXPECT_EQ(*f, OtlpFileFormat::kBinary) << name;
  }
  auto bad = ParseOtlpFileFormat("yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), tflo::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("yaml"), std::string::npos);
}

}  // namespace
}  // namespace tflo::core
