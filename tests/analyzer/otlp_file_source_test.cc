#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>

#include "tflo/analyzer/telemetry_source.h"
#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"

namespace tflo::analyzer {
namespace {

using core::OtlpFileFormat;
using core::Signal;
using tflo::testing::TempDir;

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr uint64_t kMs = 1'000'000ULL;
constexpr uint64_t kT0 = 1'700'000'000ULL * kSec;  // window start
constexpr uint64_t kWindowEnd = kT0 + 60 * kSec;

core::Span MakeSpan(const std::string& name, core::SpanKind kind, uint64_t start,
                    uint64_t duration_ms, bool error) {
  static uint8_t next_id = 1;
  core::Span span;
  span.trace_id.fill(0);
  span.trace_id[15] = next_id;
  span.span_id.fill(0);
  span.span_id[7] = next_id++;
  span.name = name;
  span.kind = kind;
  span.start_time_unix_nano = start;
  span.end_time_unix_nano = start + duration_ms * kMs;
  if (error) span.status.code = core::StatusCode::kError;
  return span;
}

core::ResourceSpans ServiceSpans(const std::string& service, std::vector<core::Span> spans) {
  core::ResourceSpans rs;
  if (!service.empty()) rs.resource.attributes.push_back({"service.name", service});
  core::ScopeSpans ss;
  ss.scope.name = "tflo-test";
  ss.spans = std::move(spans);
  rs.scope_spans.push_back(std::move(ss));
  return rs;
}

void WriteTraces(const std::filesystem::path& path, OtlpFileFormat format,
                 const std::vector<core::TracesData>& requests) {
  auto writer = core::CreateOtlpFileWriter(path, Signal::kTraces, format);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  for (const auto& r : requests) ASSERT_TRUE((*writer)->Write(r).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

void WriteMetrics(const std::filesystem::path& path, OtlpFileFormat format,
                  const std::vector<core::MetricsData>& requests) {
  auto writer = core::CreateOtlpFileWriter(path, Signal::kMetrics, format);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  for (const auto& r : requests) ASSERT_TRUE((*writer)->Write(r).ok());
  ASSERT_TRUE((*writer)->Close().ok());
}

core::NumberDataPoint Point(core::Attributes attrs, uint64_t start, uint64_t time, double value) {
  core::NumberDataPoint p;
  p.attributes = std::move(attrs);
  p.start_time_unix_nano = start;
  p.time_unix_nano = time;
  p.value = value;
  return p;
}

core::Metric CounterMetric(const std::string& name, std::vector<core::NumberDataPoint> points) {
  core::Metric m;
  m.name = name;
  core::Sum sum;
  sum.aggregation_temporality = core::AggregationTemporality::kCumulative;
  sum.is_monotonic = true;
  sum.data_points = std::move(points);
  m.data = std::move(sum);
  return m;
}

core::Metric GaugeMetric(const std::string& name, std::vector<core::NumberDataPoint> points) {
  core::Metric m;
  m.name = name;
  core::Gauge gauge;
  gauge.data_points = std::move(points);
  m.data = std::move(gauge);
  return m;
}

core::HistogramDataPoint HistPoint(uint64_t start, uint64_t time, uint64_t count, double sum) {
  core::HistogramDataPoint p;
  p.attributes = {{"processor", "batch"}};
  p.start_time_unix_nano = start;
  p.time_unix_nano = time;
  p.count = count;
  p.sum = sum;
  p.explicit_bounds = {100, 1000};
  p.bucket_counts = {0, count, 0};
  return p;
}

core::MetricsData CollectorMetrics(std::vector<core::Metric> metrics) {
  core::MetricsData data;
  core::ResourceMetrics rm;
  rm.resource.attributes.push_back({"service.name", "otelcol"});
  core::ScopeMetrics sm;
  sm.scope.name = "go.opentelemetry.io/collector";
  sm.metrics = std::move(metrics);
  rm.scope_metrics.push_back(std::move(sm));
  data.resource_metrics.push_back(std::move(rm));
  return data;
}

const OperationStats* FindOp(const WindowSnapshot& s, const std::string& service,
                             const std::string& op) {
  for (const auto& o : s.operations) {
    if (o.service == service && o.operation == op) return &o;
  }
  return nullptr;
}

bool HasNoteContaining(const WindowSnapshot& s, const std::string& text) {
  return std::any_of(s.quality.notes.begin(), s.quality.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// checkout "GET /cart": 5 spans of 10..50 ms (one error), split over a JSON
// file and a binary file; payments "charge": 20 spans of 1..20 ms; one span
// without service.name; spans just outside [kT0, kT0 + 60 s).
void WriteSampleTraces(const std::filesystem::path& dir) {
  core::TracesData first;
  first.resource_spans.push_back(ServiceSpans(
      "checkout", {MakeSpan("GET /cart", core::SpanKind::kServer, kT0 + 1 * kSec, 30, false),
                   MakeSpan("GET /cart", core::SpanKind::kServer, kT0 + 2 * kSec, 10, true),
                   MakeSpan("GET /cart", core::SpanKind::kServer, kT0 - 5 * kSec, 999, true)}));
  std::vector<core::Span> payments;
  for (uint64_t i = 1; i <= 20; ++i) {
    payments.push_back(MakeSpan("charge", core::SpanKind::kClient, kT0 + i * kSec, 21 - i, false));
  }
  first.resource_spans.push_back(ServiceSpans("payments", payments));
  WriteTraces(dir / "traces-0001.jsonl", OtlpFileFormat::kJsonLines, {first});

  core::TracesData second;
  second.resource_spans.push_back(ServiceSpans(
      "checkout", {MakeSpan("GET /cart", core::SpanKind::kServer, kT0 + 3 * kSec, 50, false),
                   MakeSpan("GET /cart", core::SpanKind::kServer, kT0 + 4 * kSec, 20, false),
                   MakeSpan("GET /cart", core::SpanKind::kServer, kT0 + 59 * kSec, 40, false),
                   MakeSpan("GET /cart", core::SpanKind::kServer, kWindowEnd, 5000, true)}));
  second.resource_spans.push_back(
      ServiceSpans("", {MakeSpan("orphan", core::SpanKind::kInternal, kT0 + 5 * kSec, 7, false)}));
  WriteTraces(dir / "traces-0002.binpb", OtlpFileFormat::kBinary, {second});
}

// Collector self-metrics scraped at kT0 - 10 s (before the window), kT0 + 30 s,
// kT0 + 59 s (inside) and kT0 + 70 s (after).
void WriteSampleMetrics(const std::filesystem::path& dir) {
  const uint64_t s0 = kT0 - 100 * kSec;  // process start
  const uint64_t before = kT0 - 10 * kSec;
  const uint64_t mid = kT0 + 30 * kSec;
  const uint64_t late = kT0 + 59 * kSec;
  const uint64_t after = kT0 + 70 * kSec;
  const core::Attributes grpc = {{"receiver", "otlp"}, {"transport", "grpc"}};
  const core::Attributes http = {{"receiver", "otlp"}, {"transport", "http"}};
  const core::Attributes tempo = {{"exporter", "otlp/tempo"}};

  std::vector<core::Metric> counters;
  // grpc: 1000 before the window, 7000 at its last scrape -> 6000.
  // http: starts inside the window (start time kT0 + 20 s) -> counts from 0: 800.
  counters.push_back(CounterMetric(
      "otelcol_receiver_accepted_spans",
      {Point(grpc, s0, before, 1000), Point(grpc, s0, mid, 4000), Point(grpc, s0, late, 7000),
       Point(grpc, s0, after, 9000), Point(http, kT0 + 20 * kSec, mid, 500),
       Point(http, kT0 + 20 * kSec, late, 800)}));
  counters.push_back(CounterMetric("otelcol_receiver_refused_spans",
                                   {Point(grpc, s0, before, 3), Point(grpc, s0, late, 10)}));
  // `_total` suffix as after a Prometheus hop: 5000 - 900.
  counters.push_back(CounterMetric(
      "otelcol_exporter_sent_spans_total",
      {Point(tempo, s0, before, 900), Point(tempo, s0, mid, 3000), Point(tempo, s0, late, 5000)}));
  counters.push_back(CounterMetric("otelcol_exporter_send_failed_spans",
                                   {Point(tempo, s0, before, 0), Point(tempo, s0, late, 2)}));
  // Reset at kT0 + 40 s (new start time): (150 - 50) + 40.
  counters.push_back(CounterMetric("otelcol_exporter_enqueue_failed_spans",
                                   {Point(tempo, s0, before, 50), Point(tempo, s0, mid, 150),
                                    Point(tempo, kT0 + 40 * kSec, late, 40)}));
  counters.push_back(CounterMetric("otelcol_processor_batch_batch_size_trigger_send",
                                   {Point({{"processor", "batch"}}, s0, before, 5),
                                    Point({{"processor", "batch"}}, s0, late, 45)}));
  counters.push_back(CounterMetric("otelcol_processor_batch_timeout_trigger_send",
                                   {Point({{"processor", "batch"}}, s0, before, 5),
                                    Point({{"processor", "batch"}}, s0, late, 15)}));
  core::Metric hist;
  hist.name = "otelcol_processor_batch_batch_send_size";
  core::Histogram h;
  h.aggregation_temporality = core::AggregationTemporality::kCumulative;
  // 50 batches and 30000 spans inside the window -> mean 600.
  h.data_points = {HistPoint(s0, before, 10, 5000), HistPoint(s0, mid, 30, 15000),
                   HistPoint(s0, late, 60, 35000)};
  hist.data = h;
  counters.push_back(hist);
  WriteMetrics(dir / "metrics-0001.jsonl", OtlpFileFormat::kJsonLines,
               {CollectorMetrics(counters)});

  const core::Attributes traces_q = {{"exporter", "otlp/tempo"}, {"data_type", "traces"}};
  const core::Attributes metrics_q = {{"exporter", "prometheusremotewrite"},
                                      {"data_type", "metrics"}};
  std::vector<core::Metric> gauges;
  gauges.push_back(GaugeMetric("otelcol_exporter_queue_size",
                               {Point(traces_q, 0, before, 1000), Point(traces_q, 0, mid, 300),
                                Point(traces_q, 0, late, 900), Point(metrics_q, 0, mid, 1000)}));
  gauges.push_back(GaugeMetric("otelcol_exporter_queue_capacity",
                               {Point(traces_q, 0, before, 1000), Point(traces_q, 0, mid, 1000),
                                Point(traces_q, 0, late, 1000), Point(metrics_q, 0, mid, 1000)}));
  WriteMetrics(dir / "metrics-0002.binpb", OtlpFileFormat::kBinary, {CollectorMetrics(gauges)});
}

TEST(OtlpFileSourceTest, ComputesOperationStatsWithExactQuantiles) {
  TempDir dir;
  WriteSampleTraces(dir.path());
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kT0, kWindowEnd});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_EQ(snapshot->window_seconds, 60);
  EXPECT_TRUE(snapshot->quality.traces_present);
  ASSERT_EQ(snapshot->operations.size(), 3U);
  // Sorted by (service, operation).
  EXPECT_EQ(snapshot->operations[0].service, "checkout");
  EXPECT_EQ(snapshot->operations[1].service, "payments");
  EXPECT_EQ(snapshot->operations[2].service, "unknown_service");
  const OperationStats* cart = FindOp(*snapshot, "checkout", "GET /cart");
  ASSERT_NE(cart, nullptr);
  EXPECT_EQ(cart->count, 5U);  // 10, 20, 30, 40, 50 ms; the spans outside are excluded
  EXPECT_EQ(cart->errors, 1U);
  EXPECT_DOUBLE_EQ(cart->error_rate, 0.2);
  EXPECT_DOUBLE_EQ(cart->rate_per_second, 5.0 / 60.0);
  EXPECT_EQ(cart->span_kind, "SPAN_KIND_SERVER");
  // Type 7: h = q * (n - 1); p95 -> 40 + 0.8 * 10, p99 -> 40 + 0.96 * 10.
  EXPECT_DOUBLE_EQ(cart->p50_ms, 30);
  EXPECT_DOUBLE_EQ(cart->p95_ms, 48);
  EXPECT_DOUBLE_EQ(cart->p99_ms, 49.6);
  const OperationStats* charge = FindOp(*snapshot, "payments", "charge");
  ASSERT_NE(charge, nullptr);
  EXPECT_EQ(charge->count, 20U);
  EXPECT_EQ(charge->errors, 0U);
  EXPECT_EQ(charge->span_kind, "SPAN_KIND_CLIENT");
  // 1..20 ms: p50 h = 9.5 -> 10.5; p95 h = 18.05 -> 19.05; p99 h = 18.81 -> 19.81.
  EXPECT_NEAR(charge->p50_ms, 10.5, 1e-9);
  EXPECT_NEAR(charge->p95_ms, 19.05, 1e-9);
  EXPECT_NEAR(charge->p99_ms, 19.81, 1e-9);
  const OperationStats* orphan = FindOp(*snapshot, "unknown_service", "orphan");
  ASSERT_NE(orphan, nullptr);
  EXPECT_EQ(orphan->span_kind, "SPAN_KIND_INTERNAL");
  EXPECT_TRUE(HasNoteContaining(*snapshot, "checkout/GET /cart: only 5 spans, p99 unreliable"));
  EXPECT_FALSE(HasNoteContaining(*snapshot, "payments/charge"));
  EXPECT_TRUE(HasNoteContaining(*snapshot, "no metrics files"));
  EXPECT_FALSE(snapshot->quality.pipeline_metrics_present);
}

TEST(OtlpFileSourceTest, DifferencesCollectorCountersOverTheWindow) {
  TempDir dir;
  WriteSampleMetrics(dir.path());
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kT0, kWindowEnd});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  const PipelineStats& p = snapshot->pipeline;
  EXPECT_TRUE(snapshot->quality.pipeline_metrics_present);
  EXPECT_FALSE(snapshot->quality.traces_present);
  EXPECT_EQ(p.accepted, 6800U);
  EXPECT_EQ(p.refused, 7U);
  EXPECT_EQ(p.sent, 4100U);
  EXPECT_EQ(p.send_failed, 2U);
  EXPECT_EQ(p.dropped, 140U);
  EXPECT_EQ(p.batches, 50U);
  EXPECT_DOUBLE_EQ(p.mean_batch_size, 600);
  EXPECT_EQ(p.size_triggered_batches, 40U);
  EXPECT_EQ(p.timeout_triggered_batches, 10U);
  // 900 / 1000 at kT0 + 59 s; the full queue before the window and the metrics
  // exporter's full queue do not count.
  EXPECT_DOUBLE_EQ(p.queue_fill, 0.9);
  EXPECT_DOUBLE_EQ(p.queue_capacity, 1000);
  EXPECT_DOUBLE_EQ(p.accepted_per_second, 6800.0 / 60.0);
  EXPECT_DOUBLE_EQ(p.export_requests_per_second, 50.0 / 60.0);
  EXPECT_TRUE(HasNoteContaining(*snapshot,
                                "counter reset detected in "
                                "otelcol_exporter_enqueue_failed_spans"));
  EXPECT_TRUE(HasNoteContaining(*snapshot, "no traces files"));
}

TEST(OtlpFileSourceTest, WindowSelectsSpansByStartTime) {
  TempDir dir;
  WriteSampleTraces(dir.path());
  WriteSampleMetrics(dir.path());
  auto source = MakeOtlpFileSource(dir.path());

  // [kT0 + 2 s, kT0 + 4 s): GET /cart at +2 and +3, charge at +2 and +3.
  auto narrow = source->Collect({kT0 + 2 * kSec, kT0 + 4 * kSec});
  auto late = source->Collect({kT0 + 60 * kSec, kT0 + 120 * kSec});

  ASSERT_TRUE(narrow.ok()) << narrow.status().message();
  EXPECT_EQ(narrow->window_seconds, 2);
  ASSERT_EQ(narrow->operations.size(), 2U);
  EXPECT_EQ(FindOp(*narrow, "checkout", "GET /cart")->count, 2U);
  EXPECT_EQ(FindOp(*narrow, "checkout", "GET /cart")->errors, 1U);
  EXPECT_DOUBLE_EQ(FindOp(*narrow, "checkout", "GET /cart")->p50_ms, 30);  // 10 and 50
  EXPECT_EQ(FindOp(*narrow, "payments", "charge")->count, 2U);
  EXPECT_FALSE(narrow->quality.pipeline_metrics_present);  // no scrape in [+2 s, +4 s)
  ASSERT_TRUE(late.ok()) << late.status().message();
  ASSERT_EQ(late->operations.size(), 1U);
  EXPECT_EQ(late->operations[0].count, 1U);  // the span starting exactly at the old end
  EXPECT_DOUBLE_EQ(late->operations[0].p99_ms, 5000);
  EXPECT_EQ(late->pipeline.accepted, 2000U);  // 9000 at +70 s minus 7000 at +59 s
}

TEST(OtlpFileSourceTest, ZeroWindowMeansEverythingOverTheSpanExtent) {
  TempDir dir;
  WriteSampleTraces(dir.path());
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({0, 0});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  // Starts from kT0 - 5 s to kT0 + 60 s.
  EXPECT_DOUBLE_EQ(snapshot->window_seconds, 65);
  EXPECT_EQ(snapshot->window_start_unix_nano, kT0 - 5 * kSec);
  EXPECT_EQ(snapshot->window_end_unix_nano, kWindowEnd);
  EXPECT_EQ(FindOp(*snapshot, "checkout", "GET /cart")->count, 7U);
  EXPECT_EQ(FindOp(*snapshot, "checkout", "GET /cart")->errors, 3U);
  EXPECT_DOUBLE_EQ(FindOp(*snapshot, "checkout", "GET /cart")->rate_per_second, 7.0 / 65.0);
}

TEST(OtlpFileSourceTest, IgnoresFilesWithOtherNames) {
  TempDir dir;
  WriteSampleTraces(dir.path());
  tflo::testing::WriteFile(dir.path() / "logs-0001.jsonl", "not even json\n");
  tflo::testing::WriteFile(dir.path() / "traces-0003.txt", "not even json\n");
  tflo::testing::WriteFile(dir.path() / "notes.jsonl", "not even json\n");
  std::filesystem::create_directory(dir.path() / "traces-dir.jsonl");
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kT0, kWindowEnd});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_EQ(FindOp(*snapshot, "checkout", "GET /cart")->count, 5U);
}

TEST(OtlpFileSourceTest, MissingDirectoryIsNotFound) {
  TempDir dir;
  const auto missing = dir.path() / "no-such-run";
  auto source = MakeOtlpFileSource(missing);

  auto snapshot = source->Collect({});

  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), StatusCode::kNotFound);
  EXPECT_NE(snapshot.status().message().find(missing.string()), std::string::npos);
}

TEST(OtlpFileSourceTest, MalformedFileErrorNamesFileAndLine) {
  TempDir dir;
  core::TracesData ok;
  ok.resource_spans.push_back(
      ServiceSpans("checkout", {MakeSpan("GET /cart", core::SpanKind::kServer, kT0, 1, false)}));
  const auto path = dir.path() / "traces-bad.jsonl";
  WriteTraces(path, OtlpFileFormat::kJsonLines, {ok});
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"resourceSpans\": [ broken\n";
  }
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({});

  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(snapshot.status().message().find("traces-bad.jsonl:2"), std::string::npos)
      << snapshot.status().message();
}

TEST(OtlpFileSourceTest, EmptyWindowIsInvalidArgument) {
  TempDir dir;
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kWindowEnd, kT0});

  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), StatusCode::kInvalidArgument);
}

// A killed `tflo workload run` leaves traces/metrics files named *.partial:
// they are not read, and a note says so.
TEST(OtlpFileSourceTest, UnfinishedFilesAreSkippedWithANote) {
  TempDir dir;
  tflo::testing::WriteFile(dir.path() / "traces.jsonl.partial", "{\"resourceSpans\": [");
  tflo::testing::WriteFile(dir.path() / "metrics.binpb.partial", "\x0a\x05");
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kT0, kWindowEnd});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_FALSE(snapshot->quality.traces_present);
  EXPECT_TRUE(HasNoteContaining(*snapshot,
                                "unfinished files of an interrupted run in " + dir.path().string() +
                                    " (not read): metrics.binpb.partial, traces.jsonl.partial"));
  EXPECT_TRUE(HasNoteContaining(*snapshot, "no traces files"));
}

TEST(OtlpFileSourceTest, EmptyDirectoryFlagsMissingData) {
  TempDir dir;
  auto source = MakeOtlpFileSource(dir.path());

  auto snapshot = source->Collect({kT0, kWindowEnd});

  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_FALSE(snapshot->quality.traces_present);
  EXPECT_FALSE(snapshot->quality.pipeline_metrics_present);
  EXPECT_TRUE(snapshot->operations.empty());
  EXPECT_TRUE(HasNoteContaining(*snapshot, "no traces files"));
  EXPECT_TRUE(HasNoteContaining(*snapshot, "no metrics files"));
}

}  // namespace
}  // namespace tflo::analyzer
