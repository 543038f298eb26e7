// The customer-onboarding services of the demos (shared seeds): the
// `onboarding-api` HTTP service (ECS) that validates and enriches a customer
// and sends it to SQS, and the `onboarding-lambda` function that consumes the
// queue, runs its processing steps and stores the customer in DynamoDB. Both
// are instrumented the way the seeds show (span names, kinds, semantic
// convention attributes, W3C context through SQS message attributes) and export
// through their SDK: the API through a BatchSpanProcessor, the Lambda by a
// force_flush at the end of each invocation. Not thread-safe.
#ifndef TFLO_WORKLOAD_ONBOARDING_SERVICES_H_
#define TFLO_WORKLOAD_ONBOARDING_SERVICES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ground_truth.h"

#include "tflo/core/model.h"
#include "tflo/core/trace_context.h"
#include "tflo/workload/event_engine.h"
#include "tflo/workload/rng.h"
#include "tflo/workload/simulation.h"
#include "tflo/workload/span_processor_model.h"

namespace tflo::workload {

// Where an SDK's export request goes: it reaches the collector at `arrive_at`.
using ExportSink = std::function<void(core::TracesData&& request, SimTime arrive_at)>;

class OnboardingServices {
 public:
  OnboardingServices(EventEngine& engine, const SimulationOptions& options, GroundTruth& truth,
                     ExportSink sink);
  OnboardingServices(const OnboardingServices&) = delete;
  OnboardingServices& operator=(const OnboardingServices&) = delete;

  // Starts the arrivals at engine.now() (= 0). `on_idle` runs once, when the
  // window is over and no request, message or invocation is left in flight.
  void Start(std::function<void()> on_idle);
  // Shuts the API's SDK down (its BatchSpanProcessor flushes).
  void ShutdownSdks();

  uint64_t requests() const { return requests_; }
  uint64_t invocations() const { return invocations_; }
  uint64_t cold_starts() const { return cold_starts_; }
  uint64_t sdk_dropped_spans() const { return api_bsp_->dropped_spans(); }

 private:
  struct SqsMessage {
    std::string message_id;
    core::SqsMessageAttributes attributes;
    std::string customer_id;
    std::string customer_type;
  };
  struct LambdaEnvironment {
    core::Resource resource;
  };

  void ScheduleNextArrival(SimTime after);
  void OnArrival();
  void OnMessage(const SqsMessage& message);
  void Done();  // one in-flight unit finished
  uint64_t Unix(SimTime t) const { return start_unix_nano_ + static_cast<uint64_t>(t); }
  size_t AcquireEnvironment(bool* cold);

  EventEngine& engine_;
  const SimulationOptions& options_;
  GroundTruth& truth_;
  ExportSink sink_;
  uint64_t start_unix_nano_;
  Rng arrivals_rng_;
  Rng api_rng_;
  Rng lambda_rng_;

  std::unique_ptr<BatchSpanProcessorModel> api_bsp_;
  core::Resource lambda_base_resource_;
  core::InstrumentationScope lambda_scope_;
  std::string lambda_instance_prefix_;
  std::vector<LambdaEnvironment> environments_;
  std::set<size_t> idle_environments_;

  GroundTruth::OpId op_server_, op_validate_, op_enrich_, op_send_;
  GroundTruth::OpId op_process_, op_step_validation_, op_step_compliance_, op_step_store_;

  std::function<void()> on_idle_;
  bool arrivals_done_ = false;
  bool idle_reported_ = false;
  int64_t in_flight_ = 0;
  uint64_t requests_ = 0;
  uint64_t invocations_ = 0;
  uint64_t cold_starts_ = 0;
};

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_ONBOARDING_SERVICES_H_
