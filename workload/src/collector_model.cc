#include "tflo/workload/collector_model.h"

#include <utility>

namespace tflo::workload {
namespace {

Status ConfigError(const core::CollectorConfig& config, const std::string& message) {
  const std::string source = config.source.empty() ? "collector config" : config.source;
  return InvalidArgumentError(source + ": " + message);
}

core::NumberDataPoint IntPoint(core::Attributes attributes, uint64_t start, uint64_t now,
                               int64_t value) {
  core::NumberDataPoint point;
  point.attributes = std::move(attributes);
  point.start_time_unix_nano = start;
  point.time_unix_nano = now;
  point.value = value;
  return point;
}

core::Metric CumulativeSum(std::string name, std::string description, std::string unit,
                           core::NumberDataPoint point, bool monotonic = true) {
  core::Metric metric;
  metric.name = std::move(name);
  metric.description = std::move(description);
  metric.unit = std::move(unit);
  core::Sum sum;
  sum.aggregation_temporality = core::AggregationTemporality::kCumulative;
  sum.is_monotonic = monotonic;
  sum.data_points.push_back(std::move(point));
  metric.data = std::move(sum);
  return metric;
}

core::Metric IntGauge(std::string name, std::string description, std::string unit,
                      core::NumberDataPoint point) {
  core::Metric metric;
  metric.name = std::move(name);
  metric.description = std::move(description);
  metric.unit = std::move(unit);
  core::Gauge gauge;
  gauge.data_points.push_back(std::move(point));
  metric.data = std::move(gauge);
  return metric;
}

int64_t AsInt(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace

Status ValidateForModel(const core::CollectorConfig& config) {
  const core::PipelineConfig* pipeline = config.TracesPipeline();
  if (pipeline == nullptr) return ConfigError(config, "no traces pipeline in service.pipelines");
  if (pipeline->exporters.empty()) {
    return ConfigError(config, "pipeline " + pipeline->id + " has no exporter");
  }
  const core::ExporterConfig* exporter = config.ExporterFor(*pipeline);
  if (exporter == nullptr) {
    std::string names;
    for (const std::string& id : pipeline->exporters) names += (names.empty() ? "" : ", ") + id;
    return ConfigError(config, "pipeline " + pipeline->id + ": none of its exporters (" + names +
                                   ") is declared under exporters");
  }
  if (const core::BatchProcessorConfig* batch = config.BatchFor(*pipeline)) {
    const std::string key = "processors." + batch->id + ".";
    if (batch->send_batch_size < 0)
      return ConfigError(config, key + "send_batch_size must be >= 0");
    if (batch->timeout.count() < 0) return ConfigError(config, key + "timeout must be >= 0");
    if (batch->send_batch_max_size != 0 && batch->send_batch_max_size < batch->send_batch_size) {
      return ConfigError(config, key + "send_batch_max_size must be 0 or >= send_batch_size");
    }
  }
  const core::SendingQueueConfig& queue = exporter->sending_queue;
  if (queue.enabled) {
    const std::string key = "exporters." + exporter->id + ".sending_queue.";
    if (queue.queue_size < 1) return ConfigError(config, key + "queue_size must be >= 1");
    if (queue.num_consumers < 1) return ConfigError(config, key + "num_consumers must be >= 1");
    if (queue.sizer != "requests" && queue.sizer != "items" && queue.sizer != "bytes") {
      return ConfigError(config,
                         key + "sizer must be requests, items or bytes, got " + queue.sizer);
    }
  }
  return OkStatus();
}

CollectorModel::CollectorModel(core::Resource resource) : resource_(std::move(resource)) {}

Result<std::unique_ptr<CollectorModel>> CollectorModel::Create(EventEngine& engine,
                                                               const core::CollectorConfig& config,
                                                               const BackendModel& backend,
                                                               DeliveredFn delivered,
                                                               core::Resource resource) {
  TFLO_RETURN_IF_ERROR(ValidateForModel(config));
  const core::PipelineConfig& pipeline = *config.TracesPipeline();
  std::unique_ptr<CollectorModel> model(new CollectorModel(std::move(resource)));
  model->receiver_id_ = pipeline.receivers.empty() ? "otlp" : pipeline.receivers.front();
  model->exporter_ = std::make_unique<ExporterModel>(engine, *config.ExporterFor(pipeline), backend,
                                                     std::move(delivered));
  if (const core::BatchProcessorConfig* batch = config.BatchFor(pipeline)) {
    ExporterModel* exporter = model->exporter_.get();
    model->batch_ = std::make_unique<BatchProcessorModel>(
        engine, *batch,
        [exporter](core::TracesData&& data, int64_t items, std::function<void(bool)> done) {
          exporter->Consume(std::move(data), items, std::move(done));
        });
  }
  return model;
}

void CollectorModel::Start() {
  if (batch_) batch_->Start();
}

void CollectorModel::ReceiveTraces(core::TracesData&& request) {
  const int64_t items = CountSpans(request);
  if (batch_) {
    // The batch processor returns nil before exporting anything.
    batch_->Consume(std::move(request));
    accepted_spans_ += static_cast<uint64_t>(items);
    return;
  }
  exporter_->Consume(std::move(request), items, [this, items](bool ok) {
    (ok ? accepted_spans_ : refused_spans_) += static_cast<uint64_t>(items);
  });
}

void CollectorModel::Shutdown(std::function<void()> on_done) {
  ExporterModel* exporter = exporter_.get();
  if (batch_) {
    batch_->Shutdown([exporter, on_done = std::move(on_done)] { exporter->Shutdown(on_done); });
  } else {
    exporter->Shutdown(std::move(on_done));
  }
}

core::MetricsData CollectorModel::Scrape(uint64_t start, uint64_t now) const {
  core::ResourceMetrics rm;
  rm.resource = resource_;

  // Receiver (receiverhelper obsreport).
  {
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/receiver/receiverhelper";
    const core::Attributes attrs = {{"receiver", receiver_id_}, {"transport", "grpc"}};
    scope.metrics.push_back(CumulativeSum(
        "otelcol_receiver_accepted_spans", "Number of spans successfully pushed into the pipeline.",
        "{span}", IntPoint(attrs, start, now, AsInt(accepted_spans_))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_receiver_refused_spans",
                      "Number of spans that could not be pushed into the pipeline.", "{span}",
                      IntPoint(attrs, start, now, AsInt(refused_spans_))));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // Batch processor.
  if (batch_) {
    const BatchProcessorStats& stats = batch_->stats();
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/processor/batchprocessor";
    const core::Attributes attrs = {{"processor", batch_->config().id}};

    core::HistogramDataPoint hp;
    hp.attributes = attrs;
    hp.start_time_unix_nano = start;
    hp.time_unix_nano = now;
    hp.count = stats.send_size_count;
    hp.sum = static_cast<double>(stats.send_size_sum);
    hp.bucket_counts = stats.send_size_bucket_counts;
    hp.explicit_bounds.assign(kBatchSendSizeBounds.begin(), kBatchSendSizeBounds.end());
    if (stats.send_size_count > 0) {
      hp.min = static_cast<double>(stats.send_size_min);
      hp.max = static_cast<double>(stats.send_size_max);
    }
    core::Metric histogram;
    histogram.name = "otelcol_processor_batch_batch_send_size";
    histogram.description = "Number of units in the batch";
    histogram.unit = "{unit}";
    core::Histogram h;
    h.aggregation_temporality = core::AggregationTemporality::kCumulative;
    h.data_points.push_back(std::move(hp));
    histogram.data = std::move(h);
    scope.metrics.push_back(std::move(histogram));

    scope.metrics.push_back(
        CumulativeSum("otelcol_processor_batch_batch_size_trigger_send",
                      "Number of times the batch was sent due to a size trigger", "{time}",
                      IntPoint(attrs, start, now, AsInt(stats.size_trigger_sends))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_processor_batch_timeout_trigger_send",
                      "Number of times the batch was sent due to a timeout trigger", "{time}",
                      IntPoint(attrs, start, now, AsInt(stats.timeout_trigger_sends))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_processor_batch_metadata_cardinality",
                      "Number of distinct metadata value combinations being processed",
                      "{combination}", IntPoint(attrs, start, now, 1), /*monotonic=*/false));
    rm.scope_metrics.push_back(std::move(scope));
  }

  // Exporter (exporterhelper obsreport and queue).
  {
    const ExporterStats& stats = exporter_->stats();
    core::ScopeMetrics scope;
    scope.scope.name = "go.opentelemetry.io/collector/exporter/exporterhelper";
    const core::Attributes attrs = {{"exporter", exporter_->config().id}};
    scope.metrics.push_back(CumulativeSum(
        "otelcol_exporter_sent_spans", "Number of spans successfully sent to destination.",
        "{span}", IntPoint(attrs, start, now, AsInt(stats.sent_spans))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_exporter_send_failed_spans",
                      "Number of spans in failed attempts to send to destination.", "{span}",
                      IntPoint(attrs, start, now, AsInt(stats.send_failed_spans))));
    scope.metrics.push_back(
        CumulativeSum("otelcol_exporter_enqueue_failed_spans",
                      "Number of spans failed to be added to the sending queue.", "{span}",
                      IntPoint(attrs, start, now, AsInt(stats.enqueue_failed_spans))));
    if (exporter_->queue_enabled()) {
      const core::Attributes queue_attrs = {{"exporter", exporter_->config().id},
                                            {"data_type", "traces"}};
      scope.metrics.push_back(IntGauge("otelcol_exporter_queue_size",
                                       "Current size of the retry queue (in batches)", "{batch}",
                                       IntPoint(queue_attrs, 0, now, exporter_->queue_size())));
      scope.metrics.push_back(IntGauge("otelcol_exporter_queue_capacity",
                                       "Fixed capacity of the retry queue (in batches)", "{batch}",
                                       IntPoint(queue_attrs, 0, now, exporter_->queue_capacity())));
    }
    rm.scope_metrics.push_back(std::move(scope));
  }

  core::MetricsData data;
  data.resource_metrics.push_back(std::move(rm));
  return data;
}

}  // namespace tflo::workload
