// What actually happened in a simulated window, written as ground_truth.json:
// per-operation counts and latency quantiles over every span generated (before
// the pipeline), how many of those spans reached the backend, and the
// propagation tallies. Quantiles are exact: the same interpolation as
// core::ExactQuantile over the integer nanosecond durations converted to
// milliseconds exactly as an analyzer does ((end - start) / 1e6), so both sides
// agree. Memory: every duration is kept (4 bytes each below 2^32 ns = 4.29 s,
// 8 above) in chunked storage that never copies while it grows, i.e. about
// 4 bytes per generated span (~64 MB for the 16 M spans of an hour of `mixed`);
// nothing else grows with the window. Not thread-safe: a run whose services
// live on two threads keeps one per thread and merges them at the end (Merge).
#ifndef TFLO_WORKLOAD_GROUND_TRUTH_H_
#define TFLO_WORKLOAD_GROUND_TRUTH_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tflo/core/model.h"

namespace tflo::workload {

class GroundTruth {
 public:
  using OpId = size_t;

  // Registers (service, operation) once; returns its id.
  OpId Register(std::string_view service, std::string_view operation);
  void RecordSpan(OpId op, int64_t duration_ns, bool error);
  // Counts the spans of an export request that reached the backend, by
  // (service.name, span name): the operation need not be registered here (the
  // collector side of a run counts the deliveries of both threads' services).
  void RecordDelivered(const core::TracesData& data);
  // Adds everything `other` recorded (operations, durations, tallies).
  void Merge(GroundTruth&& other);

  void CountMessageSent() { ++messages_sent_; }
  void CountConsumerWithParent() { ++consumer_spans_with_parent_; }

  uint64_t spans_generated() const { return spans_generated_; }
  uint64_t messages_sent() const { return messages_sent_; }
  uint64_t consumer_spans_with_parent() const { return consumer_spans_with_parent_; }
  // Delivered spans of no registered operation.
  uint64_t delivered_unknown() const;

  struct OperationSummary {
    std::string service;
    std::string operation;
    uint64_t count = 0;
    uint64_t errors = 0;
    double error_rate = 0;
    double p50_ms = 0;
    double p95_ms = 0;
    double p99_ms = 0;
    uint64_t delivered_count = 0;
  };
  // Sorted by (service, operation). Reorders the stored long durations.
  std::vector<OperationSummary> Summarize();
  // Computes every operation's quantiles now, for Summarize to use later: a
  // run's onboarding thread does it for its own operations when its services
  // are done, while the collector's thread drains the pipeline. A later
  // RecordSpan or Merge into an operation drops what was computed for it.
  //
  // With `next`, operations are taken one at a time from that counter
  // (starting at 0), so that threads calling this on the same GroundTruth with
  // the same counter share the work, each operation computed by one of them.
  // Nothing may record into this GroundTruth meanwhile.
  void ComputeQuantilesAhead(std::atomic<size_t>* next = nullptr);

 private:
  // The durations of one operation in ns: those below 2^32 in 4 bytes each
  // (a deque: chunked, no reallocation), the rare longer ones in 8.
  struct Durations {
    std::deque<uint32_t> short_ns;
    std::vector<uint64_t> long_ns;
    size_t size() const { return short_ns.size() + long_ns.size(); }
  };
  struct Quantiles {
    double p50_ms = 0;
    double p95_ms = 0;
    double p99_ms = 0;
  };
  struct Operation {
    std::string service;
    std::string operation;
    uint64_t errors = 0;
    Durations durations;
    std::optional<Quantiles> quantiles;  // ComputeQuantilesAhead's, while still valid
  };
  static Quantiles ComputeQuantiles(Durations& durations);
  uint64_t DeliveredCount(std::string_view service, std::string_view operation) const;
  // A deque: operations registered mid-run never relocate the others' storage.
  std::deque<Operation> ops_;
  // service -> operation -> id; std::less<> allows lookups by string_view.
  std::map<std::string, std::map<std::string, OpId, std::less<>>, std::less<>> index_;
  uint64_t spans_generated_ = 0;
  uint64_t messages_sent_ = 0;
  uint64_t consumer_spans_with_parent_ = 0;
  // service -> span name -> spans delivered.
  std::map<std::string, std::map<std::string, uint64_t, std::less<>>, std::less<>> delivered_;
  uint64_t delivered_no_service_ = 0;  // delivered spans whose resource has no service.name
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_GROUND_TRUTH_H_
