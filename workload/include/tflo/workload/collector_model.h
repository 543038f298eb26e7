// Model of one OpenTelemetry Collector's traces pipeline, driven by a parsed
// collector YAML: OTLP receiver -> first `batch` processor of the traces
// pipeline (if any; otherwise requests pass through unbatched) -> the
// pipeline's first exporter with its sending_queue -> the backend.
//
// Processors other than `batch` are not modelled in this slice (they pass data
// through). The model's own telemetry is produced as the collector's internal
// metrics under their real names and types (shared pipeline facts sections
// 0-3): see Scrape(). Not thread-safe; lives on one EventEngine and must outlive
// its pending events.
#ifndef TFLO_WORKLOAD_COLLECTOR_MODEL_H_
#define TFLO_WORKLOAD_COLLECTOR_MODEL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tflo/core/collector_config.h"
#include "tflo/core/model.h"
#include "tflo/core/status.h"
#include "tflo/workload/batch_processor_model.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/exporter_model.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

// What the model needs from a config: kInvalidArgument (naming config.source)
// when there is no traces pipeline, the pipeline has no exporter or names an
// undeclared one, or a modelled value is out of range (send_batch_size < 0,
// timeout < 0, send_batch_max_size neither 0 nor >= send_batch_size,
// queue_size < 1 or num_consumers < 1 with an enabled queue, unknown sizer).
Status ValidateForModel(const core::CollectorConfig& config);

class CollectorModel {
 public:
  using DeliveredFn = ExporterModel::DeliveredFn;

  // `delivered` is called for every export request the backend finished.
  // `resource` is the resource of the collector's own metrics.
  static Result<std::unique_ptr<CollectorModel>> Create(EventEngine& engine,
                                                        const core::CollectorConfig& config,
                                                        const BackendModel& backend,
                                                        DeliveredFn delivered,
                                                        core::Resource resource);
  CollectorModel(const CollectorModel&) = delete;
  CollectorModel& operator=(const CollectorModel&) = delete;

  // Starts the pipeline at engine.now() (arms the batch timer).
  void Start();
  // An OTLP/gRPC export request arrives at the receiver at engine.now().
  // Spans are counted as accepted when the pipeline call returns without error
  // (always, with a batch processor in front), refused otherwise.
  void ReceiveTraces(core::TracesData&& request);
  // Shuts down in pipeline order (receiver, batch processor: remainder sent,
  // exporter: queue drained) and calls `on_done` when nothing is left.
  void Shutdown(std::function<void()> on_done);

  // The collector's internal metrics at engine.now(): cumulative sums and
  // histograms start at `start_unix_nano`; `now_unix_nano` is the scrape time.
  core::MetricsData Scrape(uint64_t start_unix_nano, uint64_t now_unix_nano) const;

  uint64_t accepted_spans() const { return accepted_spans_; }
  uint64_t refused_spans() const { return refused_spans_; }
  const ExporterModel& exporter() const { return *exporter_; }
  const BatchProcessorModel* batch() const { return batch_.get(); }  // null if none
  const std::string& receiver_id() const { return receiver_id_; }

 private:
  explicit CollectorModel(core::Resource resource);

  core::Resource resource_;
  std::string receiver_id_;
  std::unique_ptr<ExporterModel> exporter_;
  std::unique_ptr<BatchProcessorModel> batch_;
  uint64_t accepted_spans_ = 0;
  uint64_t refused_spans_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_COLLECTOR_MODEL_H_
