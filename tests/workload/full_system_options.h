// The full onboarding system (API -> SQS -> Lambda) for a few seconds behind a
// collector that loses nothing (a large sending queue, many consumers), so
// every span the services produce reaches the traces file. Shared by the
// workload tests that check what the services and their telemetry produce.
#ifndef TFLO_TESTS_WORKLOAD_FULL_SYSTEM_OPTIONS_H_
#define TFLO_TESTS_WORKLOAD_FULL_SYSTEM_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <filesystem>

#include "tflo/core/collector_config.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload::testing {

inline core::CollectorConfig RoomyCollector() {
  core::CollectorConfig config;
  config.source = "test-collector.yaml";
  config.receiver_ids = {"otlp"};
  core::ExporterConfig exporter;
  exporter.id = "otlp/tempo";
  exporter.type = "otlp";
  exporter.sending_queue.enabled = true;
  exporter.sending_queue.queue_size = 5000;
  exporter.sending_queue.num_consumers = 10;
  config.exporters[exporter.id] = exporter;
  core::BatchProcessorConfig batch;
  batch.id = "batch";
  batch.send_batch_size = 512;
  batch.timeout = std::chrono::milliseconds(200);
  config.processor_ids = {"batch"};
  config.batch_processors["batch"] = batch;
  core::PipelineConfig pipeline;
  pipeline.id = "traces";
  pipeline.receivers = {"otlp"};
  pipeline.processors = {"batch"};
  pipeline.exporters = {exporter.id};
  config.pipelines = {pipeline};
  return config;
}

// 5 s at 40 requests/s, 5 % invalid requests, no injected errors, SQS batches
// of 5 within 1 s; the side traffic (health checks, lookups) is the caller's.
inline SimulationOptions FullSystemOptions(const std::filesystem::path& out, uint64_t seed,
                                           double health_checks_per_second,
                                           double lookups_per_second) {
  SimulationOptions options;
  options.seed = seed;
  options.window = std::chrono::seconds(5);
  options.metrics_interval = std::chrono::seconds(5);
  options.onboarding.requests_per_second = 40;
  options.onboarding.error_rate = 0;
  options.onboarding.validation_error_rate = 0.05;
  options.onboarding.full_system = true;
  options.onboarding.health_checks_per_second = health_checks_per_second;
  options.onboarding.lookups_per_second = lookups_per_second;
  options.onboarding.event_source_mapping.batch_size = 5;
  options.onboarding.event_source_mapping.maximum_batching_window = std::chrono::seconds(1);
  options.collector = RoomyCollector();
  options.out_dir = out;
  return options;
}

}  // namespace tflo::workload::testing

#endif  // TFLO_TESTS_WORKLOAD_FULL_SYSTEM_OPTIONS_H_
