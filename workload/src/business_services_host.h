// Hosts the coordination and e-commerce services (coordination_services.h,
// ecommerce_services.h) inside one simulation run: their arrival processes
// over the scenario's traffic patterns, their SDKs (spans to the collector
// model, logs to the caller), and the MetricsRegistry their meters live in.
// Created by RunSimulation only when SimulationOptions enables one of them, so
// a run without them (`tflo demo`) is unchanged. Internal to tflo_workload.
// Not thread-safe.
#ifndef TFLO_WORKLOAD_SRC_BUSINESS_SERVICES_HOST_H_
#define TFLO_WORKLOAD_SRC_BUSINESS_SERVICES_HOST_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "business_service_util.h"
#include "coordination_services.h"
#include "ecommerce_services.h"
#include "ground_truth.h"
#include <nlohmann/json.hpp>

#include "tflo/core/model.h"
#include "tflo/workload/arrivals.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/metrics_registry.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

class BusinessServicesHost {
 public:
  // `options` must outlive the host; `traces` receives the SDKs' span exports,
  // `logs` their log exports.
  BusinessServicesHost(EventEngine& engine, GroundTruth& truth, const SimulationOptions& options,
                       TracesSink traces, LogsSink logs);
  BusinessServicesHost(const BusinessServicesHost&) = delete;
  BusinessServicesHost& operator=(const BusinessServicesHost&) = delete;
  ~BusinessServicesHost();

  // Whether `options` enables a service this host runs.
  static bool Needed(const SimulationOptions& options) {
    return options.coordination.enabled || options.ecommerce.enabled;
  }

  // Starts the SDKs and the arrivals at engine.now() (= 0); `on_idle` runs once,
  // after the window, when every enabled service has nothing in flight.
  void Start(std::function<void()> on_idle);
  // Flushes and stops every SDK.
  void Shutdown();
  // The business metrics (cumulative) at `now_unix_nano`.
  core::MetricsData CollectMetrics(uint64_t start_unix_nano, uint64_t now_unix_nano) const;
  // Arrivals so far, all services.
  uint64_t arrivals() const { return arrivals_; }
  // The coordination service (real-time mode answers its HTTP API through
  // it); null when the scenario does not run it.
  CoordinationService* coordination() { return coordination_.get(); }
  // The ground truth's "coordination" / "ecommerce" sections.
  void AddTruth(nlohmann::ordered_json& doc) const;

 private:
  struct Stream {
    std::unique_ptr<Rng> rng;
    std::unique_ptr<ArrivalProcess> process;
    std::function<void()> on_arrival;
    std::function<void(std::function<void()>)> stop;
  };
  void ScheduleNext(Stream& stream, SimTime after);
  void StreamIdle();

  EventEngine& engine_;
  const SimulationOptions& options_;
  MetricsRegistry metrics_;
  std::unique_ptr<CoordinationService> coordination_;
  std::unique_ptr<EcommerceServices> ecommerce_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::function<void()> on_idle_;
  int open_streams_ = 0;
  uint64_t arrivals_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_SRC_BUSINESS_SERVICES_HOST_H_
