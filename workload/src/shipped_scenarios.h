// The scenario files of workload/scenarios/, compiled into tflo_workload by
// cmake/embed_assets.cmake so that LoadScenario("mixed") works from any
// directory. Internal to tflo_workload.
#ifndef TFLO_WORKLOAD_SRC_SHIPPED_SCENARIOS_H_
#define TFLO_WORKLOAD_SRC_SHIPPED_SCENARIOS_H_

#include <string_view>
#include <vector>

namespace tflo::workload::internal {

// The bytes of workload/scenarios/<file> ("mixed.yaml"), or an empty view.
std::string_view FindShippedScenario(std::string_view file);
// Every embedded file name, sorted.
std::vector<std::string_view> ShippedScenarioFiles();

}  // namespace tflo::workload::internal

#endif  // TFLO_WORKLOAD_SRC_SHIPPED_SCENARIOS_H_
