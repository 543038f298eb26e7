// Batch/queue policy: tunes the collector's batch processor and the traces
// exporter's sending queue from the pipeline's own metrics.
//
// Rules (first slice):
//  - spans dropped at the exporter queue, or a queue fuller than
//    `queue_fill_threshold`, mean the exporter cannot keep up: raise
//    send_batch_size (fewer, larger export requests, each paying the backend's
//    per-request cost once) and queue_size (absorb bursts);
//  - tiny batches (mean below `tiny_batch_items`) at a high request rate (above
//    `high_request_rate_per_s` export requests per second) waste per-request
//    overhead: raise send_batch_size.
// Every proposal moves a value by at most `max_step_factor` (4x) per round and
// stays within the collector's documented constraints (send_batch_max_size is
// 0 or >= send_batch_size) and tflo's safety bounds (collector_config.h).
// Pure: no I/O, no clock, no logging.
#ifndef TFLO_OPTIMIZER_BATCH_QUEUE_POLICY_H_
#define TFLO_OPTIMIZER_BATCH_QUEUE_POLICY_H_

#include <string>
#include <vector>

#include "tflo/analyzer/snapshot.h"
#include "tflo/core/collector_config.h"
#include "tflo/optimizer/recommendation.h"

namespace tflo::optimizer {

struct Objectives {
  double max_drop_ratio = 0.0;          // dropped / accepted allowed
  double queue_fill_threshold = 0.8;    // queue fuller than this is a warning sign
  double tiny_batch_items = 100;        // mean batch below this is "tiny"
  double high_request_rate_per_s = 50;  // export requests per second
  double max_step_factor = 4.0;         // at most 4x per step
};

// What the optimizer knows of earlier rounds (empty on the first).
struct History {
  std::vector<analyzer::WindowSnapshot> snapshots;  // oldest first
};

// `collector_file` is recorded in each Recommendation's target.
std::vector<Recommendation> RecommendBatchQueue(const analyzer::WindowSnapshot& snapshot,
                                                const core::CollectorConfig& config,
                                                const std::string& collector_file,
                                                const Objectives& objectives,
                                                const History& history);

}  // namespace tflo::optimizer

#endif  // TFLO_OPTIMIZER_BATCH_QUEUE_POLICY_H_
