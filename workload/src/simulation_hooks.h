// Hooks into one simulation run, for the real-time mode (realtime.cc): the
// same Simulation (services, collector model, files, ground truth) with the
// engine driven by the caller instead of run flat out, access to the services
// that answer external requests, and a copy of every metrics export. A run
// without hooks (RunSimulation) is unchanged, byte for byte. Internal to
// tflo_workload.
#ifndef TFLO_WORKLOAD_SRC_SIMULATION_HOOKS_H_
#define TFLO_WORKLOAD_SRC_SIMULATION_HOOKS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "tflo/core/model.h"
#include "tflo/core/otlp_file.h"
#include "tflo/core/status.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

class OnboardingServices;    // onboarding_services.h
class BusinessServicesHost;  // business_services_host.h

struct SimulationHooks {
  // Called once the services are started, before the engine runs; a pointer is
  // null when the scenario does not run that group. The pointees live until
  // the run returns and may only be used from the engine's thread.
  std::function<void(OnboardingServices* onboarding, BusinessServicesHost* host)> on_services;
  // Replaces engine.Run(): must run the engine until it has no event left
  // (the run then checks that the pipeline drained). It may lower the
  // SimulationOptions' window (which the caller owns) from the engine's
  // thread to end the arrivals early: the services read it each time they
  // schedule their next arrival.
  std::function<void(EventEngine& engine)> run_engine;
  // Every MetricsData written to metrics<ext>, as it is written (engine thread).
  std::function<void(const core::MetricsData& data)> on_metrics;
};

// RunSimulation with hooks; `options` must outlive the call.
Result<SimulationSummary> RunSimulationWithHooks(const SimulationOptions& options,
                                                 const SimulationHooks& hooks);

// A metrics writer that hands each request to `tap` before writing it.
class TeeMetricsWriter : public core::OtlpFileWriter {
 public:
  TeeMetricsWriter(std::unique_ptr<core::OtlpFileWriter> inner,
                   std::function<void(const core::MetricsData&)> tap)
      : inner_(std::move(inner)), tap_(std::move(tap)) {}
  Status Write(const core::TracesData& data) override { return inner_->Write(data); }
  Status Write(const core::MetricsData& data) override {
    tap_(data);
    return inner_->Write(data);
  }
  Status Write(const core::LogsData& data) override { return inner_->Write(data); }
  Status Close() override { return inner_->Close(); }
  uint64_t bytes_written() const override { return inner_->bytes_written(); }

 private:
  std::unique_ptr<core::OtlpFileWriter> inner_;
  std::function<void(const core::MetricsData&)> tap_;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_SIMULATION_HOOKS_H_
