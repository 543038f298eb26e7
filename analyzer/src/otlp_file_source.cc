// OtlpFileSource: the embedded default TelemetrySource. Reads the OTLP files of
// a run directory (written by the workload or by a collector's file exporter)
// and reduces them to one WindowSnapshot.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "tflo/analyzer/telemetry_source.h"
#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/stats.h"

namespace tflo::analyzer {
namespace {

namespace fs = std::filesystem;

constexpr double kNanosPerSecond = 1e9;
// Below this many spans the 99th percentile is an interpolation between the
// two slowest spans at best: flag it rather than hide it.
constexpr uint64_t kMinSpansForP99 = 20;

enum class FileKind { kTraces, kMetrics };

struct InputFile {
  fs::path path;
  FileKind kind;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Every traces*/metrics* .jsonl/.binpb regular file directly in `dir`, sorted by
// file name so that "first span seen" and notes are deterministic. The names of
// unfinished files (traces*/metrics* ending in .partial, left by a `tflo
// workload run` that was killed) go to `unfinished`, sorted; they are not read.
Result<std::vector<InputFile>> ListInputFiles(const fs::path& dir,
                                              std::vector<std::string>* unfinished) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return NotFoundError("otlp-file source: directory " + dir.string() + " does not exist");
  }
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError("otlp-file source: " + dir.string() + " is not a directory");
  }
  std::vector<InputFile> files;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return UnavailableError("otlp-file source: cannot list " + dir.string() + ": " + ec.message());
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (EndsWith(name, ".partial") && (StartsWith(name, "traces") || StartsWith(name, "metrics"))) {
      unfinished->push_back(name);
      continue;
    }
    if (!EndsWith(name, ".jsonl") && !EndsWith(name, ".binpb")) continue;
    if (StartsWith(name, "traces")) {
      files.push_back({it->path(), FileKind::kTraces});
    } else if (StartsWith(name, "metrics")) {
      files.push_back({it->path(), FileKind::kMetrics});
    }
  }
  if (ec) {
    return UnavailableError("otlp-file source: cannot list " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end(), [](const InputFile& a, const InputFile& b) {
    return a.path.filename() < b.path.filename();
  });
  std::sort(unfinished->begin(), unfinished->end());
  return files;
}

// A canonical text form of an attribute set: sorted "key=value" pairs. Two
// points belong to the same series when their resource and point attribute
// keys are equal.
std::string AttributesKey(const core::Attributes& attributes) {
  std::vector<std::string> parts;
  parts.reserve(attributes.size());
  for (const auto& kv : attributes) parts.push_back(kv.key + "=" + kv.value.ToString());
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const auto& p : parts) {
    key += p;
    key += '\x1f';
  }
  return key;
}

std::string AttributeString(const core::Attributes& attributes, std::string_view name) {
  const core::AnyValue* v = core::FindAttribute(attributes, name);
  if (v == nullptr || v->empty()) return "";
  return v->ToString();
}

// ---- traces ------------------------------------------------------------------

struct OperationAccumulator {
  std::string span_kind;
  uint64_t count = 0;
  uint64_t errors = 0;
  std::vector<double> durations_ms;
};

struct TraceAccumulator {
  std::map<std::pair<std::string, std::string>, OperationAccumulator> operations;
  uint64_t spans_in_window = 0;
  uint64_t inverted_spans = 0;  // end before start
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
};

// ---- collector metrics -------------------------------------------------------

enum class PipelineMetric {
  kAccepted,
  kRefused,
  kSent,
  kSendFailed,
  kDropped,
  kSizeTrigger,
  kTimeoutTrigger,
  kQueueSize,
  kQueueCapacity,
  kBatchSendSize,
};

// The collector's instrument names as they appear in OTLP or after a
// Prometheus hop: dots become underscores and counters may carry `_total`.
bool ClassifyMetric(std::string name, PipelineMetric& out) {
  std::replace(name.begin(), name.end(), '.', '_');
  if (EndsWith(name, "_total")) name.resize(name.size() - 6);
  static constexpr std::array<std::pair<std::string_view, PipelineMetric>, 10> kNames = {{
      {"otelcol_receiver_accepted_spans", PipelineMetric::kAccepted},
      {"otelcol_receiver_refused_spans", PipelineMetric::kRefused},
      {"otelcol_exporter_sent_spans", PipelineMetric::kSent},
      {"otelcol_exporter_send_failed_spans", PipelineMetric::kSendFailed},
      {"otelcol_exporter_enqueue_failed_spans", PipelineMetric::kDropped},
      {"otelcol_processor_batch_batch_size_trigger_send", PipelineMetric::kSizeTrigger},
      {"otelcol_processor_batch_timeout_trigger_send", PipelineMetric::kTimeoutTrigger},
      {"otelcol_exporter_queue_size", PipelineMetric::kQueueSize},
      {"otelcol_exporter_queue_capacity", PipelineMetric::kQueueCapacity},
      {"otelcol_processor_batch_batch_send_size", PipelineMetric::kBatchSendSize},
  }};
  for (const auto& [n, m] : kNames) {
    if (name == n) {
      out = m;
      return true;
    }
  }
  return false;
}

std::string_view MetricName(PipelineMetric m) {
  switch (m) {
    case PipelineMetric::kAccepted:
      return "otelcol_receiver_accepted_spans";
    case PipelineMetric::kRefused:
      return "otelcol_receiver_refused_spans";
    case PipelineMetric::kSent:
      return "otelcol_exporter_sent_spans";
    case PipelineMetric::kSendFailed:
      return "otelcol_exporter_send_failed_spans";
    case PipelineMetric::kDropped:
      return "otelcol_exporter_enqueue_failed_spans";
    case PipelineMetric::kSizeTrigger:
      return "otelcol_processor_batch_batch_size_trigger_send";
    case PipelineMetric::kTimeoutTrigger:
      return "otelcol_processor_batch_timeout_trigger_send";
    case PipelineMetric::kQueueSize:
      return "otelcol_exporter_queue_size";
    case PipelineMetric::kQueueCapacity:
      return "otelcol_exporter_queue_capacity";
    case PipelineMetric::kBatchSendSize:
      return "otelcol_processor_batch_batch_send_size";
  }
  return "?";
}

// One sample of a cumulative (or delta) series. For histograms `value` is the
// count and `sum` the sum; for number points `sum` is unused.
struct Sample {
  uint64_t start_ns = 0;
  uint64_t time_ns = 0;
  double value = 0;
  double sum = 0;
};

struct Series {
  bool delta = false;
  bool has_sum = true;  // histograms only
  std::vector<Sample> samples;
};

struct MetricAccumulator {
  // By metric, then by series key (resource + point attributes).
  std::map<PipelineMetric, std::map<std::string, Series>> series;
  // Queue gauges by (series key, timestamp): matched up to compute the fill.
  std::map<std::pair<std::string, uint64_t>, double> queue_size;
  std::map<std::pair<std::string, uint64_t>, double> queue_capacity;
  uint64_t min_time = UINT64_MAX;
  uint64_t max_time = 0;
};

struct WindowBounds {
  bool everything = true;
  uint64_t start = 0;
  uint64_t end = 0;
  bool Contains(uint64_t t) const { return everything || (t >= start && t < end); }
};

// Increase of one series over the window. A cumulative series is differenced
// against its last sample before the window (or against zero when it has no
// sample before the window: it started inside it). A new start time or a
// decreasing value is a reset: the counter restarted from zero, so the sample
// after it counts in full. Returns {value increase, sum increase}.
std::pair<double, double> IncreaseOverWindow(Series& s, const WindowBounds& w, bool& reset_seen) {
  std::stable_sort(s.samples.begin(), s.samples.end(),
                   [](const Sample& a, const Sample& b) { return a.time_ns < b.time_ns; });
  double total = 0;
  double total_sum = 0;
  const Sample* prev = nullptr;
  for (const Sample& p : s.samples) {
    if (!w.everything && p.time_ns < w.start) {
      prev = &p;
      continue;
    }
    if (!w.Contains(p.time_ns)) break;
    const bool reset =
        !s.delta && prev != nullptr && (p.start_ns != prev->start_ns || p.value < prev->value);
    reset_seen = reset_seen || reset;
    if (s.delta || prev == nullptr || reset) {
      // A delta sample, the first sample of a series that started inside the
      // window, or the first after a restart: all of it is new.
      total += p.value;
      total_sum += p.sum;
    } else {
      total += p.value - prev->value;
      total_sum += p.sum - prev->sum;
    }
    prev = &p;
  }
  return {total, total_sum};
}

uint64_t ToCount(double v) { return v <= 0 ? 0 : static_cast<uint64_t>(std::llround(v)); }

class OtlpFileSource final : public TelemetrySource {
 public:
  explicit OtlpFileSource(fs::path dir) : dir_(std::move(dir)) {}

  Result<WindowSnapshot> Collect(const AnalysisWindow& window) override;

 private:
  static Status ReadTraces(const fs::path& path, const WindowBounds& w, TraceAccumulator& acc);
  static Status ReadMetrics(const fs::path& path, const WindowBounds& w, MetricAccumulator& acc);
  static void FillPipeline(MetricAccumulator& acc, const WindowBounds& w, double window_seconds,
                           WindowSnapshot& snapshot);

  fs::path dir_;
};

Status OtlpFileSource::ReadTraces(const fs::path& path, const WindowBounds& w,
                                  TraceAccumulator& acc) {
  return core::ReadTracesFile(path, [&](core::TracesData&& data) -> Status {
    for (const auto& rs : data.resource_spans) {
      std::string service = AttributeString(rs.resource.attributes, "service.name");
      if (service.empty()) service = "unknown_service";
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          if (!w.Contains(span.start_time_unix_nano)) continue;
          ++acc.spans_in_window;
          acc.min_start = std::min(acc.min_start, span.start_time_unix_nano);
          acc.max_start = std::max(acc.max_start, span.start_time_unix_nano);
          auto& op = acc.operations[{service, span.name.str()}];
          if (op.count == 0) op.span_kind = std::string(core::SpanKindName(span.kind));
          ++op.count;
          if (span.status.code == core::StatusCode::kError) ++op.errors;
          if (span.end_time_unix_nano < span.start_time_unix_nano) {
            ++acc.inverted_spans;
            op.durations_ms.push_back(0);
          } else {
            op.durations_ms.push_back(span.duration_ms());
          }
        }
      }
    }
    return OkStatus();
  });
}

Status OtlpFileSource::ReadMetrics(const fs::path& path, const WindowBounds& w,
                                   MetricAccumulator& acc) {
  return core::ReadMetricsFile(path, [&](core::MetricsData&& data) -> Status {
    for (const auto& rm : data.resource_metrics) {
      const std::string resource_key = AttributesKey(rm.resource.attributes);
      for (const auto& sm : rm.scope_metrics) {
        for (const auto& metric : sm.metrics) {
          PipelineMetric kind;
          if (!ClassifyMetric(metric.name, kind)) continue;
          auto note_time = [&](uint64_t t) {
            if (!w.Contains(t)) return;
            acc.min_time = std::min(acc.min_time, t);
            acc.max_time = std::max(acc.max_time, t);
          };
          if (kind == PipelineMetric::kQueueSize || kind == PipelineMetric::kQueueCapacity) {
            const std::vector<core::NumberDataPoint>* dps = nullptr;
            if (const auto* g = std::get_if<core::Gauge>(&metric.data)) {
              dps = &g->data_points;
            } else if (const auto* s = std::get_if<core::Sum>(&metric.data)) {
              dps = &s->data_points;
            } else {
              continue;
            }
            auto& target = kind == PipelineMetric::kQueueSize ? acc.queue_size : acc.queue_capacity;
            for (const auto& p : *dps) {
              // Queues of metrics or logs exporters say nothing about spans.
              const std::string data_type = AttributeString(p.attributes, "data_type");
              if (!data_type.empty() && data_type != "traces") continue;
              note_time(p.time_unix_nano);
              target[{resource_key + "|" + AttributesKey(p.attributes), p.time_unix_nano}] =
                  p.AsDouble();
            }
            continue;
          }
          if (kind == PipelineMetric::kBatchSendSize) {
            const auto* h = std::get_if<core::Histogram>(&metric.data);
            if (h == nullptr) continue;
            for (const auto& p : h->data_points) {
              note_time(p.time_unix_nano);
              Series& s = acc.series[kind][resource_key + "|" + AttributesKey(p.attributes)];
              s.delta = h->aggregation_temporality == core::AggregationTemporality::kDelta;
              if (!p.sum.has_value()) s.has_sum = false;
              s.samples.push_back({p.start_time_unix_nano, p.time_unix_nano,
                                   static_cast<double>(p.count), p.sum.value_or(0)});
            }
            continue;
          }
          const auto* sum = std::get_if<core::Sum>(&metric.data);
          const auto* gauge = std::get_if<core::Gauge>(&metric.data);
          bool delta = false;
          const std::vector<core::NumberDataPoint>* dps = nullptr;
          if (sum != nullptr) {
            dps = &sum->data_points;
            delta = sum->aggregation_temporality == core::AggregationTemporality::kDelta;
          } else if (gauge != nullptr) {
            // Some exporters turn counters into gauges; the values are still cumulative.
            dps = &gauge->data_points;
          } else {
            continue;
          }
          for (const auto& p : *dps) {
            note_time(p.time_unix_nano);
            Series& s = acc.series[kind][resource_key + "|" + AttributesKey(p.attributes)];
            s.delta = delta;
            s.samples.push_back({p.start_time_unix_nano, p.time_unix_nano, p.AsDouble(), 0});
          }
        }
      }
    }
    return OkStatus();
  });
}

void OtlpFileSource::FillPipeline(MetricAccumulator& acc, const WindowBounds& w,
                                  double window_seconds, WindowSnapshot& snapshot) {
  PipelineStats& p = snapshot.pipeline;
  auto& notes = snapshot.quality.notes;
  bool present = false;

  // Sums over every series (several receivers / exporters / collectors).
  auto total = [&](PipelineMetric m, double* sum_out = nullptr, bool* has_sum = nullptr) {
    double value = 0;
    double sum = 0;
    bool reset_seen = false;
    auto it = acc.series.find(m);
    if (it == acc.series.end()) return 0.0;
    for (auto& [key, s] : it->second) {
      bool in_window = false;
      for (const auto& sample : s.samples) in_window = in_window || w.Contains(sample.time_ns);
      if (!in_window) continue;
      present = true;
      if (has_sum != nullptr && !s.has_sum) *has_sum = false;
      auto [v, su] = IncreaseOverWindow(s, w, reset_seen);
      value += v;
      sum += su;
    }
    if (reset_seen) notes.push_back("counter reset detected in " + std::string(MetricName(m)));
    if (sum_out != nullptr) *sum_out = sum;
    return value;
  };

  p.accepted = ToCount(total(PipelineMetric::kAccepted));
  p.refused = ToCount(total(PipelineMetric::kRefused));
  p.sent = ToCount(total(PipelineMetric::kSent));
  p.send_failed = ToCount(total(PipelineMetric::kSendFailed));
  p.dropped = ToCount(total(PipelineMetric::kDropped));
  p.size_triggered_batches = ToCount(total(PipelineMetric::kSizeTrigger));
  p.timeout_triggered_batches = ToCount(total(PipelineMetric::kTimeoutTrigger));
  double batch_items = 0;
  bool has_sum = true;
  p.batches = ToCount(total(PipelineMetric::kBatchSendSize, &batch_items, &has_sum));
  if (!has_sum) {
    notes.push_back(
        "otelcol_processor_batch_batch_send_size has points without a sum: mean batch size "
        "understated");
  }
  p.mean_batch_size = p.batches > 0 ? batch_items / static_cast<double>(p.batches) : 0;

  // Queue fill: size / capacity of the same series at the same scrape.
  uint64_t last_capacity_time = 0;
  bool size_seen = false;
  for (const auto& [key, size] : acc.queue_size) {
    if (!w.Contains(key.second)) continue;
    present = true;
    size_seen = true;
    auto cap = acc.queue_capacity.find(key);
    if (cap == acc.queue_capacity.end() || cap->second <= 0) continue;
    p.queue_fill = std::max(p.queue_fill, std::clamp(size / cap->second, 0.0, 1.0));
  }
  for (const auto& [key, cap] : acc.queue_capacity) {
    if (!w.Contains(key.second)) continue;
    present = true;
    // The latest scrape wins; among series scraped at that instant, the largest.
    if (key.second > last_capacity_time) {
      last_capacity_time = key.second;
      p.queue_capacity = cap;
    } else if (key.second == last_capacity_time) {
      p.queue_capacity = std::max(p.queue_capacity, cap);
    }
  }
  if (size_seen && p.queue_capacity == 0) {
    notes.push_back("otelcol_exporter_queue_capacity missing: queue_fill unknown (reported as 0)");
  }

  p.accepted_per_second = window_seconds > 0 ? static_cast<double>(p.accepted) / window_seconds : 0;
  p.export_requests_per_second =
      window_seconds > 0 ? static_cast<double>(p.batches) / window_seconds : 0;
  snapshot.quality.pipeline_metrics_present = present;
}

Result<WindowSnapshot> OtlpFileSource::Collect(const AnalysisWindow& window) {
  WindowBounds w;
  w.everything = window.start_unix_nano == 0 && window.end_unix_nano == 0;
  w.start = window.start_unix_nano;
  w.end = window.end_unix_nano;
  if (!w.everything && w.end <= w.start) {
    return InvalidArgumentError("otlp-file source: window end " + std::to_string(w.end) +
                                " is not after its start " + std::to_string(w.start));
  }

  std::vector<std::string> unfinished;
  TFLO_ASSIGN_OR_RETURN(std::vector<InputFile> files, ListInputFiles(dir_, &unfinished));

  TraceAccumulator traces;
  MetricAccumulator metrics;
  bool traces_files = false;
  bool metrics_files = false;
  for (const InputFile& f : files) {
    // Reader errors already name file:line (or byte offset); pass them on as-is.
    if (f.kind == FileKind::kTraces) {
      traces_files = true;
      TFLO_RETURN_IF_ERROR(ReadTraces(f.path, w, traces));
    } else {
      metrics_files = true;
      TFLO_RETURN_IF_ERROR(ReadMetrics(f.path, w, metrics));
    }
  }

  WindowSnapshot snapshot;
  if (w.everything) {
    // "Everything": the window is the extent of what the files hold. Span start
    // times define it; without spans, the metrics' sample times do. Never less
    // than one second, so that rates stay finite and meaningful.
    uint64_t lo = 0;
    uint64_t hi = 0;
    if (traces.spans_in_window > 0) {
      lo = traces.min_start;
      hi = traces.max_start;
    } else if (metrics.min_time <= metrics.max_time) {
      lo = metrics.min_time;
      hi = metrics.max_time;
    }
    snapshot.window_seconds = std::max(1.0, static_cast<double>(hi - lo) / kNanosPerSecond);
    snapshot.window_start_unix_nano = lo;
    snapshot.window_end_unix_nano =
        lo + static_cast<uint64_t>(std::llround(snapshot.window_seconds * kNanosPerSecond));
  } else {
    snapshot.window_start_unix_nano = w.start;
    snapshot.window_end_unix_nano = w.end;
    snapshot.window_seconds = static_cast<double>(w.end - w.start) / kNanosPerSecond;
  }
  const double seconds = snapshot.window_seconds;
  auto& notes = snapshot.quality.notes;

  if (!unfinished.empty()) {
    std::string names;
    for (const std::string& name : unfinished) names += (names.empty() ? "" : ", ") + name;
    notes.push_back("skipped the unfinished files of an interrupted run in " + dir_.string() +
                    " (not read): " + names);
  }
  if (!traces_files) notes.push_back("no traces files (traces*.jsonl|binpb) in " + dir_.string());
  if (traces_files && traces.spans_in_window == 0) notes.push_back("no spans in window");
  snapshot.quality.traces_present = traces.spans_in_window > 0;
  if (traces.inverted_spans > 0) {
    notes.push_back(std::to_string(traces.inverted_spans) +
                    " spans end before they start: duration taken as 0");
  }
  for (auto& [key, acc] : traces.operations) {
    OperationStats op;
    op.service = key.first;
    op.operation = key.second;
    op.span_kind = acc.span_kind;
    op.count = acc.count;
    op.errors = acc.errors;
    op.error_rate = static_cast<double>(acc.errors) / static_cast<double>(acc.count);
    op.rate_per_second = static_cast<double>(acc.count) / seconds;
    op.p50_ms = core::ExactQuantile(acc.durations_ms, 0.50);
    op.p95_ms = core::ExactQuantile(acc.durations_ms, 0.95);
    op.p99_ms = core::ExactQuantile(acc.durations_ms, 0.99);
    if (acc.count < kMinSpansForP99) {
      notes.push_back(op.service + "/" + op.operation + ": only " + std::to_string(acc.count) +
                      " spans, p99 unreliable");
    }
    snapshot.operations.push_back(std::move(op));
  }

  if (!metrics_files) {
    notes.push_back("no metrics files (metrics*.jsonl|binpb) in " + dir_.string() +
                    ": pipeline figures unavailable");
  }
  FillPipeline(metrics, w, seconds, snapshot);
  if (metrics_files && !snapshot.quality.pipeline_metrics_present) {
    notes.push_back("no collector pipeline metrics (otelcol_*) in window");
  }
  return snapshot;
}

}  // namespace

std::unique_ptr<TelemetrySource> MakeOtlpFileSource(std::filesystem::path dir) {
  return std::make_unique<OtlpFileSource>(std::move(dir));
}

}  // namespace tflo::analyzer
