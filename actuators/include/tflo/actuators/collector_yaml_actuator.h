// CollectorYamlActuator: applies approved recommendations to a collector YAML
// file and can roll each change back exactly.
//
// plan() -> the redacted diff of what apply() would write, touching nothing.
// apply() -> validates the new text (it must still parse as a collector config
// and hold the proposed values), backs the old bytes up under `state_dir`
// (`backups/<change-id>.yaml` plus `<change-id>.json` recording path and
// SHA-256 of both versions), then writes atomically. rollback(change_id)
// restores the backed-up bytes exactly, refusing (kFailedPrecondition) if the
// file changed since the apply (its hash is no longer the recorded "after").
// Not thread-safe: one actuator per file, one caller.
#ifndef TFLO_ACTUATORS_COLLECTOR_YAML_ACTUATOR_H_
#define TFLO_ACTUATORS_COLLECTOR_YAML_ACTUATOR_H_

#include <filesystem>
#include <string>
#include <vector>

#include "tflo/core/status.h"
#include "tflo/optimizer/recommendation.h"

namespace tflo::actuators {

struct Plan {
  std::string diff;         // unified, redacted
  std::string new_content;  // not redacted: only for writing, never for logs
  std::vector<std::string> changed_keys;
};

struct Change {
  std::string change_id;  // "chg-<utc yyyymmddThhmmss>-<8 hex>"
  std::string file;
  std::string backup_path;
  std::string before_sha256;
  std::string after_sha256;
  std::string diff;       // redacted
};

class CollectorYamlActuator {
 public:
  CollectorYamlActuator(std::filesystem::path file, std::filesystem::path state_dir);

  // Only recommendations whose target.kind is "collector_yaml" and whose file is
  // this actuator's file are accepted (kInvalidArgument otherwise).
  Result<Plan> PlanChanges(const std::vector<optimizer::Recommendation>& recs) const;
  Result<Change> Apply(const std::vector<optimizer::Recommendation>& recs);
  Status Rollback(const std::string& change_id);

 private:
  std::filesystem::path file_;
  std::filesystem::path state_dir_;
};

}  // namespace tflo::actuators

#endif  // TFLO_ACTUATORS_COLLECTOR_YAML_ACTUATOR_H_
