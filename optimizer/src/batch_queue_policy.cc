#include "tflo/optimizer/batch_queue_policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tflo::optimizer {
namespace {

constexpr const char* kPolicy = "batch_queue";
// The exporter must be able to ship this much more than arrives, so that a
// queue that filled up during the overload drains again.
constexpr double kHeadroom = 1.25;
// The interval around an estimate: capacity (or batch size) +-25%.
constexpr double kUncertainty = 0.25;

// Locale-independent fixed-point text: recommendations must read the same on
// every machine (and replay byte for byte).
std::string Fmt(double v, int precision = 2) {
  std::array<char, 64> buf{};
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, precision);
  if (ec != std::errc()) return "?";
  return std::string(buf.data(), end);
}

std::string Int(int64_t v) { return std::to_string(v); }
std::string Int(uint64_t v) { return std::to_string(v); }

double TimeoutMs(const core::BatchProcessorConfig& batch) {
  return std::chrono::duration<double, std::milli>(batch.timeout).count();
}

// Everything the rules share, computed once.
struct Inputs {
  const analyzer::PipelineStats* p = nullptr;
  double window_seconds = 0;
  std::string window_text;  // "600 s"
  double step_min = 2;      // a change smaller than 2x is not worth a round
  double step_max = 4;
  bool dropping = false;
  bool queue_full = false;
  std::string collector_file;
  const Objectives* objectives = nullptr;
};

Recommendation NewRecommendation(const Inputs& in, std::string key, int64_t current,
                                 int64_t proposed) {
  Recommendation rec;
  rec.id = std::string(kPolicy) + ":" + key;
  rec.policy = kPolicy;
  rec.target = Target{"collector_yaml", in.collector_file, std::move(key)};
  rec.current = Int(current);
  rec.proposed = Int(proposed);
  rec.status = RecommendationStatus::kPending;
  return rec;
}

std::string Sum(const char* metric, const Inputs& in) {
  return std::string("sum over series of the increase of ") + metric + " over the " +
         in.window_text + " window";
}

std::vector<Evidence> PipelineEvidence(const Inputs& in) {
  const analyzer::PipelineStats& p = *in.p;
  std::vector<Evidence> ev;
  ev.push_back({"otelcol_receiver_accepted_spans", static_cast<double>(p.accepted),
                Sum("otelcol_receiver_accepted_spans", in)});
  ev.push_back({"otelcol_exporter_sent_spans", static_cast<double>(p.sent),
                Sum("otelcol_exporter_sent_spans", in)});
  ev.push_back({"otelcol_exporter_enqueue_failed_spans", static_cast<double>(p.dropped),
                Sum("otelcol_exporter_enqueue_failed_spans", in)});
  ev.push_back({"otelcol_exporter_queue_size / otelcol_exporter_queue_capacity", p.queue_fill,
                "max over the window's scrapes of queue_size / queue_capacity (traces exporters)"});
  ev.push_back({"otelcol_processor_batch_batch_send_size", p.mean_batch_size,
                "increase of the histogram's sum / increase of its count over the " +
                    in.window_text + " window (mean items per batch)"});
  ev.push_back({"otelcol_processor_batch_batch_send_size_count", static_cast<double>(p.batches),
                Sum("otelcol_processor_batch_batch_send_size count", in)});
  ev.push_back({"otelcol_processor_batch_batch_size_trigger_send",
                static_cast<double>(p.size_triggered_batches),
                Sum("otelcol_processor_batch_batch_size_trigger_send", in)});
  ev.push_back({"otelcol_processor_batch_timeout_trigger_send",
                static_cast<double>(p.timeout_triggered_batches),
                Sum("otelcol_processor_batch_timeout_trigger_send", in)});
  return ev;
}

// Batches are filled by the size trigger (so send_batch_size is what bounds
// them) rather than cut short by the timer.
bool SizeTriggered(const analyzer::PipelineStats& p, int64_t send_batch_size) {
  if (p.size_triggered_batches > 0 || p.timeout_triggered_batches > 0) {
    return p.size_triggered_batches >= p.timeout_triggered_batches;
  }
  // No trigger counters: judge by how full the batches are.
  return p.mean_batch_size >= 0.5 * static_cast<double>(send_batch_size);
}

// The batch the processor will actually send once send_batch_size is
// `proposed`: with a timer, at most what arrives within one timeout.
double ExpectedBatch(const core::BatchProcessorConfig& batch, const analyzer::PipelineStats& p,
                     int64_t proposed) {
  const double size = static_cast<double>(proposed);
  const double timeout_s = TimeoutMs(batch) / 1000.0;
  if (timeout_s <= 0) return size;
  return std::min(size, std::max(p.mean_batch_size, p.accepted_per_second * timeout_s));
}

int64_t Scale(int64_t current, double factor, int64_t bound) {
  const auto scaled = static_cast<int64_t>(std::floor(static_cast<double>(current) * factor));
  return std::min(scaled, bound);
}

std::string StepGuardrail(int64_t current, int64_t proposed, double step_max) {
  return "step factor " + Fmt(static_cast<double>(proposed) / static_cast<double>(current)) +
         " <= " + Fmt(step_max);
}

// Raises send_batch_max_size with send_batch_size when the cap would fall
// below it (the collector refuses max != 0 && max < size).
void AddMaxSizeIfNeeded(const Inputs& in, const core::BatchProcessorConfig& batch,
                        int64_t proposed_size, Recommendation& size_rec,
                        std::vector<Recommendation>& out) {
  const int64_t max = batch.send_batch_max_size;
  if (max == 0) {
    size_rec.guardrails.push_back("send_batch_max_size constraint holds (0 = no cap)");
    return;
  }
  if (max >= proposed_size) {
    size_rec.guardrails.push_back("send_batch_max_size constraint holds (" + Int(max) +
                                  " >= " + Int(proposed_size) + ")");
    return;
  }
  size_rec.guardrails.push_back("send_batch_max_size constraint holds (raised to " +
                                Int(proposed_size) + " with it, see " + kPolicy + ":processors." +
                                batch.id + ".send_batch_max_size)");
  Recommendation rec =
      NewRecommendation(in, "processors." + batch.id + ".send_batch_max_size", max, proposed_size);
  rec.rationale =
      "send_batch_max_size must be 0 or at least send_batch_size; send_batch_size "
      "goes from " +
      size_rec.current + " to " + Int(proposed_size) + ", so the cap moves from " + Int(max) +
      " to " + Int(proposed_size) + " with it (batches are no longer split below the new size).";
  rec.evidence = size_rec.evidence;
  rec.impact = size_rec.impact;
  rec.risk =
      "low: only keeps the collector's configuration valid; its effect is the one of "
      "send_batch_size";
  rec.guardrails = {StepGuardrail(max, proposed_size, in.step_max),
                    "send_batch_max_size constraint holds (" + Int(proposed_size) +
                        " >= " + Int(proposed_size) + ")",
                    "within tflo bound " + Int(core::kMaxSendBatchSize)};
  out.push_back(std::move(rec));
}

// Under pressure: larger batches so that the consumers' request rate moves
// more spans. When the evidence cannot support a batch size change it adds
// nothing and `why_not` says why (the queue recommendation quotes it).
void PressureBatch(const Inputs& in, const core::BatchProcessorConfig& batch,
                   std::vector<Recommendation>& out, std::string& why_not) {
  const analyzer::PipelineStats& p = *in.p;
  const int64_t current = batch.send_batch_size;
  if (current <= 0) {
    why_not = "send_batch_size is 0 (no size trigger), so it is left alone";
    return;
  }
  if (!SizeTriggered(p, current)) {
    why_not = "batches are cut by the timeout (" + Int(p.timeout_triggered_batches) +
              " timeout-triggered vs " + Int(p.size_triggered_batches) + " size-triggered, mean " +
              Fmt(p.mean_batch_size, 1) + " items vs send_batch_size " + Int(current) +
              "), so raising send_batch_size alone would not make them larger";
    return;
  }
  const double mean = p.mean_batch_size > 0 ? p.mean_batch_size : static_cast<double>(current);
  // While the queue is saturated the consumers run flat out: the request rate
  // they achieved is their throughput, and per-request cost dominates, so
  // capacity in spans/s scales with the batch size.
  double request_rate = 0;
  if (p.sent > 0) {
    request_rate = static_cast<double>(p.sent) / mean / in.window_seconds;
  } else {
    request_rate = p.export_requests_per_second;
  }
  if (request_rate <= 0) {
    why_not =
        "nothing was exported in the window (the backend may be down), so the exporter's "
        "throughput cannot be estimated and a larger batch would not help";
    return;
  }
  const double capacity_now = request_rate * mean;  // spans/s
  const double needed_batch = p.accepted_per_second * kHeadroom / request_rate;
  const double factor =
      std::clamp(needed_batch / static_cast<double>(current), in.step_min, in.step_max);
  const int64_t proposed = Scale(current, factor, core::kMaxSendBatchSize);
  if (proposed <= current) {
    why_not = "send_batch_size is already at tflo's bound " + Int(core::kMaxSendBatchSize);
    return;
  }
  const double batch_after = ExpectedBatch(batch, p, proposed);
  const double capacity_after = request_rate * batch_after;
  const double w = in.window_seconds;
  auto drops_at = [&](double capacity) {
    return std::max(0.0, (p.accepted_per_second - capacity) * w);
  };

  const std::string key = "processors." + batch.id + ".send_batch_size";
  Recommendation rec = NewRecommendation(in, key, current, proposed);
  const std::string symptom =
      in.dropping ? Int(p.dropped) + " of " + Int(p.accepted) +
                        " accepted spans were dropped at the full sending queue, which reached " +
                        Fmt(p.queue_fill * 100, 0) + "% of its capacity"
                  : "the sending queue reached " + Fmt(p.queue_fill * 100, 0) +
                        "% of its capacity (threshold " +
                        Fmt(in.objectives->queue_fill_threshold * 100, 0) + "%)";
  rec.rationale =
      "The traces exporter cannot keep up: " + symptom + " in the " + in.window_text +
      " window. The exporters completed about " + Fmt(request_rate, 1) + " requests/s of " +
      Fmt(mean, 0) + " spans (" + Fmt(capacity_now, 0) + " spans/s) against " +
      Fmt(p.accepted_per_second, 0) +
      " spans/s arriving. Each request pays the backend's per-request cost once, so carrying " +
      Fmt(p.accepted_per_second, 0) + " x " + Fmt(kHeadroom) +
      " spans/s at that request rate needs batches of about " + Fmt(needed_batch, 0) +
      " spans: raise send_batch_size from " + Int(current) + " to " + Int(proposed) + " (x" +
      Fmt(static_cast<double>(proposed) / static_cast<double>(current)) + ", at most x" +
      Fmt(in.step_max) + " per round). Expected capacity afterwards: about " +
      Fmt(capacity_after, 0) + " spans/s.";
  rec.evidence = PipelineEvidence(in);
  rec.impact.metric = "dropped_spans";
  rec.impact.before = static_cast<double>(p.dropped);
  rec.impact.after = drops_at(capacity_after);
  rec.impact.low = drops_at(capacity_after * (1 + kUncertainty));
  rec.impact.high = drops_at(capacity_after * (1 - kUncertainty));
  rec.risk = "medium: larger batches add up to " + Fmt(TimeoutMs(batch), 0) +
             " ms (the batch timeout) of latency before export and hold up to " + Int(proposed) +
             " spans per pending batch in collector memory";
  rec.guardrails.push_back(StepGuardrail(current, proposed, in.step_max));
  rec.guardrails.push_back("within tflo bound " + Int(core::kMaxSendBatchSize));
  std::vector<Recommendation> extra;
  AddMaxSizeIfNeeded(in, batch, proposed, rec, extra);
  out.push_back(std::move(rec));
  for (auto& r : extra) out.push_back(std::move(r));
}

// Under pressure: a larger sending queue absorbs bursts; it does not raise
// throughput, so its expected effect is the extra spans it can hold once.
void PressureQueue(const Inputs& in, const core::ExporterConfig& exporter,
                   const core::BatchProcessorConfig* batch, const std::string& batch_note,
                   std::vector<Recommendation>& out) {
  const analyzer::PipelineStats& p = *in.p;
  const core::SendingQueueConfig& q = exporter.sending_queue;
  // A disabled queue exports synchronously: its size means nothing. A bytes
  // sizer needs the span size in bytes, which the metrics do not give.
  if (!q.enabled || q.sizer == "bytes" || q.queue_size <= 0) return;
  double items_per_unit = 1;
  if (q.sizer == "requests") {
    if (p.mean_batch_size > 0) {
      items_per_unit = p.mean_batch_size;
    } else if (batch != nullptr && batch->send_batch_size > 0) {
      items_per_unit = static_cast<double>(batch->send_batch_size);
    }
  }
  const int64_t current = q.queue_size;
  const double needed =
      static_cast<double>(current) + static_cast<double>(p.dropped) / items_per_unit;
  const double factor = std::clamp(needed / static_cast<double>(current), in.step_min, in.step_max);
  const int64_t proposed = Scale(current, factor, core::kMaxQueueSize);
  if (proposed <= current) return;
  const double added_items = static_cast<double>(proposed - current) * items_per_unit;
  const double dropped = static_cast<double>(p.dropped);

  const std::string key = "exporters." + exporter.id + ".sending_queue.queue_size";
  Recommendation rec = NewRecommendation(in, key, current, proposed);
  std::string why = in.dropping ? Int(p.dropped) +
                                      " spans were dropped because the sending queue "
                                      "was full"
                                : "the sending queue reached " + Fmt(p.queue_fill * 100, 0) +
                                      "% of its capacity (threshold " +
                                      Fmt(in.objectives->queue_fill_threshold * 100, 0) + "%)";
  rec.rationale = "In the " + in.window_text + " window " + why + " (queue_size " + Int(current) +
                  " " + q.sizer + ", about " + Fmt(items_per_unit, 0) + " spans per unit). " +
                  "Raise queue_size from " + Int(current) + " to " + Int(proposed) + " (x" +
                  Fmt(static_cast<double>(proposed) / static_cast<double>(current)) +
                  ") so that bursts wait in the queue instead of being refused; this holds about " +
                  Fmt(added_items, 0) + " more spans but does not raise the exporter's throughput.";
  const double shipped_per_second = static_cast<double>(p.sent) / in.window_seconds;
  const double excess = p.accepted_per_second - shipped_per_second;
  if (excess > 0) {
    rec.rationale += " Spans arrived " + Fmt(excess, 0) +
                     " spans/s faster than they were shipped; if that lasts, the extra room "
                     "fills in about " +
                     Fmt(added_items / excess, 0) +
                     " s: a larger queue helps with bursts, not with sustained overload.";
  }
  if (!batch_note.empty()) rec.rationale += " send_batch_size is not changed: " + batch_note + ".";
  rec.evidence = PipelineEvidence(in);
  rec.evidence.push_back({"otelcol_exporter_queue_capacity", p.queue_capacity,
                          "otelcol_exporter_queue_capacity at the window's last scrape"});
  rec.impact.metric = "dropped_spans";
  rec.impact.before = dropped;
  rec.impact.after = std::max(0.0, dropped - added_items);
  rec.impact.low = std::max(0.0, dropped - added_items * (1 + kUncertainty));
  rec.impact.high = std::max(0.0, dropped - added_items * (1 - kUncertainty));
  rec.risk = "low: the queue holds up to " +
             Fmt(static_cast<double>(proposed) * items_per_unit, 0) +
             " spans in collector memory; queued data waits longer but is not lost";
  rec.guardrails.push_back(StepGuardrail(current, proposed, in.step_max));
  rec.guardrails.push_back("within tflo bound " + Int(core::kMaxQueueSize));
  rec.guardrails.push_back("sending_queue enabled, sizer " + q.sizer);
  out.push_back(std::move(rec));
}

// No pressure, but many tiny export requests: larger batches cut the request
// rate. The target is a request rate of half the "high" threshold, and never a
// batch below tiny_batch_items.
void TinyBatches(const Inputs& in, const core::BatchProcessorConfig& batch,
                 std::vector<Recommendation>& out) {
  const analyzer::PipelineStats& p = *in.p;
  const Objectives& obj = *in.objectives;
  const int64_t current = batch.send_batch_size;
  if (current <= 0 || p.mean_batch_size <= 0) return;
  if (p.mean_batch_size >= obj.tiny_batch_items) return;
  if (p.export_requests_per_second <= obj.high_request_rate_per_s) return;
  if (!SizeTriggered(p, current)) return;  // the timer, not the size, cuts them

  const double target_rate = obj.high_request_rate_per_s / 2;
  const double target_batch = std::max(obj.tiny_batch_items, p.accepted_per_second / target_rate);
  const double factor =
      std::clamp(target_batch / static_cast<double>(current), in.step_min, in.step_max);
  const int64_t proposed = Scale(current, factor, core::kMaxSendBatchSize);
  if (proposed <= current) return;
  const double batch_after = ExpectedBatch(batch, p, proposed);
  const double fill_ms =
      p.accepted_per_second > 0 ? static_cast<double>(proposed) / p.accepted_per_second * 1000 : 0;

  const std::string key = "processors." + batch.id + ".send_batch_size";
  Recommendation rec = NewRecommendation(in, key, current, proposed);
  rec.rationale =
      "Batches are tiny: " + Fmt(p.mean_batch_size, 1) + " spans on average (below " +
      Fmt(obj.tiny_batch_items, 0) + "), sent " + Fmt(p.export_requests_per_second, 1) +
      " times per second (above " + Fmt(obj.high_request_rate_per_s, 0) +
      "), mostly because send_batch_size " + Int(current) +
      " is reached. Each export request has a fixed cost in the collector and the backend. "
      "Raising send_batch_size from " +
      Int(current) + " to " + Int(proposed) + " (x" +
      Fmt(static_cast<double>(proposed) / static_cast<double>(current)) + ", at most x" +
      Fmt(in.step_max) + " per round; target " + Fmt(target_batch, 0) + " spans, i.e. about " +
      Fmt(target_rate, 0) + " requests/s at " + Fmt(p.accepted_per_second, 0) +
      " spans/s) should bring the request rate to about " +
      Fmt(p.accepted_per_second / batch_after, 1) + "/s.";
  rec.evidence = PipelineEvidence(in);
  rec.evidence.push_back({"export_requests_per_second", p.export_requests_per_second,
                          "otelcol_processor_batch_batch_send_size count / " + in.window_text});
  rec.impact.metric = "export_requests_per_second";
  rec.impact.before = p.export_requests_per_second;
  rec.impact.after = p.accepted_per_second / batch_after;
  rec.impact.low = p.accepted_per_second / (batch_after * (1 + kUncertainty));
  rec.impact.high = p.accepted_per_second / (batch_after * (1 - kUncertainty));
  const double timeout_ms = TimeoutMs(batch);
  const double wait_ms = timeout_ms > 0 ? std::min(fill_ms, timeout_ms) : fill_ms;
  rec.risk = std::string(wait_ms > 1000 ? "medium" : "low") + ": a batch of " + Int(proposed) +
             " fills in about " + Fmt(fill_ms, 0) + " ms at the current rate" +
             (timeout_ms > 0 ? " (the " + Fmt(timeout_ms, 0) + " ms timeout caps the wait)" : "") +
             ", adding up to " + Fmt(wait_ms, 0) + " ms of export latency";
  rec.guardrails.push_back(StepGuardrail(current, proposed, in.step_max));
  rec.guardrails.push_back("within tflo bound " + Int(core::kMaxSendBatchSize));
  std::vector<Recommendation> extra;
  AddMaxSizeIfNeeded(in, batch, proposed, rec, extra);
  out.push_back(std::move(rec));
  for (auto& r : extra) out.push_back(std::move(r));
}

}  // namespace

std::vector<Recommendation> RecommendBatchQueue(const analyzer::WindowSnapshot& snapshot,
                                                const core::CollectorConfig& config,
                                                const std::string& collector_file,
                                                const Objectives& objectives,
                                                const History& history) {
  // First slice: decisions rest on this window's evidence alone.
  static_cast<void>(history);
  std::vector<Recommendation> out;
  // No evidence, no guessing.
  if (!snapshot.quality.pipeline_metrics_present || snapshot.window_seconds <= 0) return out;
  const core::PipelineConfig* pipeline = config.TracesPipeline();
  if (pipeline == nullptr) return out;
  const core::BatchProcessorConfig* batch = config.BatchFor(*pipeline);
  const core::ExporterConfig* exporter = config.ExporterFor(*pipeline);

  const analyzer::PipelineStats& p = snapshot.pipeline;
  Inputs in;
  in.p = &p;
  in.window_seconds = snapshot.window_seconds;
  in.window_text = Fmt(snapshot.window_seconds, 0) + " s";
  in.step_max = std::max(1.0, objectives.max_step_factor);
  in.step_min = std::min(2.0, in.step_max);
  in.dropping = p.dropped > 0 && static_cast<double>(p.dropped) >
                                     objectives.max_drop_ratio * static_cast<double>(p.accepted);
  in.queue_full = p.queue_fill > objectives.queue_fill_threshold;
  in.collector_file = collector_file;
  in.objectives = &objectives;

  if (in.dropping || in.queue_full) {
    std::string batch_note;
    if (batch != nullptr) {
      PressureBatch(in, *batch, out, batch_note);
    } else {
      batch_note = "the traces pipeline has no batch processor";
    }
    if (exporter != nullptr) PressureQueue(in, *exporter, batch, batch_note, out);
    return out;
  }
  if (batch != nullptr) TinyBatches(in, *batch, out);
  return out;
}

}  // namespace tflo::optimizer
