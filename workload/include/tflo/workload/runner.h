// Scenario -> simulation: turns a parsed scenario file (scenario.h) into the
// SimulationOptions that RunSimulation (simulation.h) runs.
//
// This is the glue `tflo workload run` uses. It loads the files the scenario
// names (Lambda function configuration, event source mapping, collector YAML)
// and maps the services (onboarding, coordination, e-commerce), the backend
// and the backend_outage faults onto the simulation. Stateless; thread-safe.
#ifndef TFLO_WORKLOAD_RUNNER_H_
#define TFLO_WORKLOAD_RUNNER_H_

#include <string>
#include <vector>

#include "tflo/core/collector_config.h"
#include "tflo/core/status.h"
#include "tflo/workload/fault_set.h"
#include "tflo/workload/scenario.h"
#include "tflo/workload/simulation.h"

namespace tflo::workload {

// Options for one run of `scenario`: the coordination and e-commerce params as
// they are (hosted when enabled), and the full onboarding system (when enabled) over the
// scenario's traffic, customer mix, error rates and Lambda JSONs (loaded with
// LoadLambdaFunctionConfig / LoadEventSourceMapping when named), `faults`
// (not owned; must outlive RunSimulation; nullptr = none), the backend
// latencies and its outage windows (backend_outage faults), window = the
// scenario's duration, its seed, and start_unix_nano from its start_time when
// set (else SimulationOptions' default).
//
// The collector model is loaded from scenario.collector_config when set;
// otherwise `default_collector` is used. The workload library ships no
// collector YAML of its own: the caller chooses the default (the CLI passes its
// embedded untuned config, cli/assets/collector-untuned.yaml).
//
// out_dir and format are left for the caller. Errors: the loaders' (file:line:
// key); kInvalidArgument when no service is enabled.
Result<SimulationOptions> SimulationOptionsFromScenario(
    const Scenario& scenario, const FaultSet* faults,
    const core::CollectorConfig& default_collector);

}  // namespace tflo::workload

#endif  // TFLO_WORKLOAD_RUNNER_H_
