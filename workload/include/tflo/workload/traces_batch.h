// Helpers that move spans between export requests the way the collector's
// pdata does: appending whole ResourceSpans, and splitting the first N spans
// off a batch with their resource and scope copied (batchprocessor's
// splitTraces). Pure functions on value types; thread-compatible.
#ifndef TFLO_WORKLOAD_TRACES_BATCH_H_
#define TFLO_WORKLOAD_TRACES_BATCH_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "tflo/core/model.h"

namespace tflo::workload {

int64_t CountSpans(const core::ResourceSpans& resource_spans);
int64_t CountSpans(const core::TracesData& data);

// A FIFO of spans grouped as they arrived, with its span count kept current.
class SpanBatch {
 public:
  // Moves every non-empty ResourceSpans of `request` to the back.
  void Append(core::TracesData&& request);
  // Removes the first min(n, items()) spans (oldest first) as one request; a
  // ResourceSpans or ScopeSpans cut in two keeps its resource / scope on both
  // sides. n <= 0 takes everything.
  core::TracesData TakeFront(int64_t n);
  int64_t items() const { return items_; }
  bool empty() const { return items_ == 0; }

 private:
  std::deque<core::ResourceSpans> resource_spans_;
  // Per ScopeSpans of the front ResourceSpans: how many of its spans were
  // already taken (moved out). A cursor, not an erase from the front of the
  // vector: cutting a 512-span request into 16-span batches would otherwise
  // move the remaining spans down 31 times.
  std::vector<size_t> front_taken_;
  int64_t items_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_TRACES_BATCH_H_
