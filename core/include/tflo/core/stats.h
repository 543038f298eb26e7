// Small statistics helpers shared by the workload's ground truth and the
// analyzer, so both sides compute a quantile the same way.
// Pure functions, thread-safe.
#ifndef TFLO_CORE_STATS_H_
#define TFLO_CORE_STATS_H_

#include <vector>

namespace tflo::core {

// Exact quantile by linear interpolation between closest ranks (Hyndman & Fan
// type 7, the default of R and NumPy). `q` in [0, 1]. Reorders `values`
// (nth_element). 0 for an empty vector.
double ExactQuantile(std::vector<double>& values, double q);

}  // namespace tflo::core

#endif  // TFLO_CORE_STATS_H_
