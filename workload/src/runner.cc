#include "tflo/workload/runner.h"

#include <utility>

#include "tflo/workload/lambda_config.h"

namespace tflo::workload {

Result<SimulationOptions> SimulationOptionsFromScenario(
    const Scenario& scenario, const FaultSet* faults,
    const core::CollectorConfig& default_collector) {
  if (!scenario.onboarding.enabled && !scenario.coordination.enabled &&
      !scenario.ecommerce.enabled) {
    return InvalidArgumentError("scenario " + scenario.name + ": no service to run");
  }

  SimulationOptions options;
  options.seed = scenario.seed;
  if (scenario.start_unix_nano) options.start_unix_nano = *scenario.start_unix_nano;
  options.window = scenario.duration;

  const OnboardingParams& p = scenario.onboarding;
  OnboardingScenario& o = options.onboarding;
  o.enabled = p.enabled;
  o.full_system = true;
  o.traffic = p.traffic;
  o.health_checks_per_second = p.health_checks_per_second;
  o.lookups_per_second = p.lookups_per_second;
  o.customer_mix = p.customer_mix;
  o.validation_error_rate = p.validation_error_rate;
  // A scenario names the steps that fail; the others do not (faults aside).
  o.error_rate = 0;
  o.step_error_rates = p.step_error_rates;
  if (!p.lambda_function_config.empty()) {
    TFLO_ASSIGN_OR_RETURN(o.lambda_function, LoadLambdaFunctionConfig(p.lambda_function_config));
  }
  if (!p.event_source_mapping.empty()) {
    TFLO_ASSIGN_OR_RETURN(o.event_source_mapping, LoadEventSourceMapping(p.event_source_mapping));
  }
  // The FaultSet serves every service (the hosted ones read it from here too).
  o.faults = faults;
  options.coordination = scenario.coordination;
  options.ecommerce = scenario.ecommerce;

  options.backend.request_latency = scenario.backend.request_latency;
  options.backend.per_span_latency = scenario.backend.per_span_latency;
  for (const FaultSpec& fault : scenario.faults) {
    if (fault.kind == FaultSpec::Kind::kBackendOutage) {
      options.backend.outages.push_back(BackendOutage{fault.start, fault.end});
    }
  }

  if (!scenario.collector_config.empty()) {
    TFLO_ASSIGN_OR_RETURN(options.collector, core::LoadCollectorConfig(scenario.collector_config));
  } else {
    options.collector = default_collector;
  }
  return options;
}

}  // namespace tflo::workload
