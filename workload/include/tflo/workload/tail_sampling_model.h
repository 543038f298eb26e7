// Model of the collector's `tail_sampling` processor (contrib
// processor/tailsamplingprocessor: processor.go, internal/idbatcher,
// internal/tracelimiter/drop_old_traces_limiter.go, internal/sampling/*.go;
// shared pipeline facts section 5), in virtual time.
//
//  - Spans are grouped by TraceID. A trace is created by its first span at
//    arrival; it joins the decision batch being built and the FIFO of the
//    trace limiter. When the limiter holds num_traces IDs the oldest is evicted
//    (its spans are lost; with no decision yet it is counted in
//    sampling_trace_dropped_too_early when its batch comes up).
//  - Decisions: max(1, decision_wait in whole seconds) batches sit in a ring; a
//    1-second ticker (from Start) closes the batch being built and evaluates
//    the oldest one, so a trace is decided decision_wait .. decision_wait + 1 s
//    after its first span, on the spans received by then.
//  - Policies run in order, drop policies first. Any `drop` -> dropped; an
//    inverted not-sampled vote -> not sampled; any sampled vote -> sampled;
//    an inverted sampled vote with no not-sampled vote -> sampled; otherwise not
//    sampled. sample_on_first_match stops at the first sampled vote. `and`
//    samples when no sub-policy says not sampled; `drop` drops when no
//    sub-policy says not sampled.
//  - A sampled trace is released downstream as one request (its spans grouped
//    by resource and scope). The trace stays in memory, decided, until the
//    limiter evicts it; with a decision cache it is removed at once and the
//    cache keeps the decision. Late spans of a decided trace follow the
//    decision (sampled: released at once; otherwise dropped); a trace ID that is
//    gone from memory and caches starts a new trace.
//  - Shutdown: pending traces are decided on the data they have
//    (drop_pending_traces_on_shutdown drops them instead).
// Simplifications: batches are evaluated in insertion order (Go iterates a
// map); releasing to the next consumer never blocks the ticker or the receiver
// (its result is ignored, as the collector only logs it); string_attribute
// regular expressions use std::regex (ECMAScript, searched like Go's
// MatchString), not RE2.
// Metrics (otelcol_processor_tail_sampling_*): count_traces_sampled {policy,
// sampled, decision}, global_count_traces_sampled {sampled, decision},
// sampling_trace_dropped_too_early, new_trace_id_received,
// sampling_traces_on_memory, early_releases_from_cache_decision {sampled}.
// Not thread-safe; lives on one EventEngine and must outlive its pending events.
#ifndef TFLO_WORKLOAD_TAIL_SAMPLING_MODEL_H_
#define TFLO_WORKLOAD_TAIL_SAMPLING_MODEL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/status.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"

namespace tflo::workload {

// sampling.Decision.
enum class SamplingDecision {
  kUnspecified,
  kSampled,
  kNotSampled,
  kDropped,
  kInvertSampled,
  kInvertNotSampled,
};

// sampling.TraceData: what a policy sees of a trace.
struct TailTrace {
  SimTime arrival = 0;
  int64_t span_count = 0;    // every span received for the trace so far
  core::TracesData batches;  // the spans held while undecided
  int64_t held_spans = 0;    // spans in `batches`
  SamplingDecision final_decision = SamplingDecision::kUnspecified;
};

// One policy evaluator (internal/sampling). `now` is the decision time.
class TailSamplingPolicy {
 public:
  virtual ~TailSamplingPolicy() = default;
  virtual SamplingDecision Evaluate(const core::TraceId& trace_id, const TailTrace& trace,
                                    SimTime now) = 0;
};

// kInvalidArgument for a type tflo does not model ("policy type X is not
// modelled") or an unusable field (a bad regular expression).
Result<std::unique_ptr<TailSamplingPolicy>> MakeTailSamplingPolicy(
    const core::TailSamplingPolicyConfig& config);

// probabilistic policy (internal/sampling/probabilistic.go): the threshold
// uint64(MaxUint64 x ratio) computed in 64-bit binary floating point, and
// FNV-1a-64(salt || trace id) <= threshold.
uint64_t TailProbabilisticThreshold(double ratio);
bool TailProbabilisticSamples(std::string_view salt, uint64_t threshold,
                              const core::TraceId& trace_id);

struct TailSamplingStats {
  uint64_t new_trace_id_received = 0;
  uint64_t sampling_trace_dropped_too_early = 0;
  uint64_t evicted_traces = 0;           // removed by the limiter (decided or not)
  uint64_t evicted_undecided_spans = 0;  // spans lost with undecided evicted traces
  uint64_t early_releases_sampled = 0;   // spans, by the sampled-decision cache
  uint64_t early_releases_not_sampled = 0;
  uint64_t late_spans_released = 0;  // spans of decided sampled traces forwarded at once
  uint64_t late_spans_dropped = 0;
  uint64_t spans_released = 0;  // every span passed downstream
  uint64_t traces_sampled = 0;
  uint64_t traces_not_sampled = 0;
  uint64_t traces_dropped = 0;
  // count_traces_sampled: (policy, sampled, decision) -> traces.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> policy_decisions;
  // global_count_traces_sampled: (sampled, decision) -> traces.
  std::map<std::pair<std::string, std::string>, uint64_t> global_decisions;
};

class TailSamplingModel {
 public:
  // `next` receives released traces; its `done` result is ignored.
  static Result<std::unique_ptr<TailSamplingModel>> Create(EventEngine& engine,
                                                           core::TailSamplingConfig config,
                                                           TracesConsumer next);
  TailSamplingModel(const TailSamplingModel&) = delete;
  TailSamplingModel& operator=(const TailSamplingModel&) = delete;

  // Starts the 1 s decision ticker at engine.now().
  void Start();
  // ConsumeTraces at engine.now(); always succeeds.
  void Consume(core::TracesData&& data);
  // Stops the ticker, decides (or drops) the pending traces, then calls
  // `on_done`.
  void Shutdown(std::function<void()> on_done);

  const core::TailSamplingConfig& config() const { return config_; }
  int64_t held_spans() const { return held_spans_; }
  int64_t traces_on_memory() const { return static_cast<int64_t>(traces_.size()); }
  const TailSamplingStats& stats() const { return stats_; }

 private:
  struct Policy {
    std::string name;         // as configured
    std::string metric_name;  // "<component name>.<policy name>" for tail_sampling/<name>
    bool is_drop = false;
    std::unique_ptr<TailSamplingPolicy> evaluator;
  };
  // A small LRU of trace IDs (decisioncache).
  class IdCache {
   public:
    explicit IdCache(int64_t capacity) : capacity_(capacity) {}
    bool enabled() const { return capacity_ > 0; }
    bool Contains(const core::TraceId& id);  // refreshes recency
    void Put(const core::TraceId& id);

   private:
    int64_t capacity_;
    std::list<core::TraceId> order_;  // most recent first
    std::map<core::TraceId, std::list<core::TraceId>::iterator> index_;
  };

  TailSamplingModel(EventEngine& engine, core::TailSamplingConfig config, TracesConsumer next);
  void OnTick(uint64_t generation);
  void DecideBatch(const std::vector<core::TraceId>& batch);
  SamplingDecision MakeDecision(const core::TraceId& id, const TailTrace& trace);
  void Release(core::TracesData&& data, int64_t items);
  void DropTrace(const core::TraceId& id);
  void AcceptTrace(const core::TraceId& id);

  EventEngine& engine_;
  core::TailSamplingConfig config_;
  TracesConsumer next_;
  std::vector<Policy> policies_;  // drop policies first

  std::map<core::TraceId, TailTrace> traces_;        // idToTrace
  std::deque<core::TraceId> limiter_;                // deleteChan, capacity num_traces
  std::vector<std::vector<core::TraceId>> batches_;  // the id batcher's ring
  std::vector<core::TraceId> current_batch_;
  uint64_t take_id_ = 0;
  IdCache sampled_cache_;
  IdCache non_sampled_cache_;

  int64_t held_spans_ = 0;
  bool running_ = false;
  uint64_t generation_ = 0;
  TailSamplingStats stats_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_TAIL_SAMPLING_MODEL_H_
