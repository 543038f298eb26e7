// HistoryStore: every round's snapshot, recommendations and changes, in SQLite.
//
// The schema is versioned (PRAGMA user_version) and migrated forward on Open;
// a database from a newer tflo is refused (kFailedPrecondition) rather than
// damaged. Writes of one round happen in one transaction. Secrets never reach
// it: callers store only values tflo itself computed or tuned. One instance per
// thread (SQLite connection).
#ifndef TFLO_ANALYZER_HISTORY_STORE_H_
#define TFLO_ANALYZER_HISTORY_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tflo/analyzer/snapshot.h"
#include "tflo/core/status.h"

namespace tflo::analyzer {

inline constexpr int kHistorySchemaVersion = 1;

// A recommendation as the history keeps it (the optimizer's type is richer and
// lives downstream; it is stored through this flat row plus its JSON).
struct RecommendationRow {
  std::string id;
  std::string target_kind;  // "collector_yaml"
  std::string target_file;
  std::string key;          // "processors.batch.send_batch_size"
  std::string current;
  std::string proposed;
  std::string status;       // pending, approved, applied, verified, rolled_back, rejected
  std::string json;         // the full recommendation
};

struct ChangeRow {
  std::string change_id;
  std::string file;
  std::string backup_path;
  std::string before_sha256;
  std::string after_sha256;
  std::string diff;  // redacted
};

struct RoundRecord {
  int64_t round = 0;
  std::string run_id;
  WindowSnapshot snapshot;
  std::vector<RecommendationRow> recommendations;
  std::vector<ChangeRow> changes;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Stores one round atomically; kAlreadyExists if (run_id, round) is present.
  virtual Status AppendRound(const RoundRecord& record) = 0;
  // Rounds of `run_id` in round order; every run when run_id is empty.
  virtual Result<std::vector<RoundRecord>> LoadRounds(const std::string& run_id) = 0;
  virtual Status UpdateRecommendationStatus(const std::string& run_id, const std::string& rec_id,
                                            const std::string& status) = 0;
  virtual int schema_version() const = 0;
};

// `path` may be ":memory:". Creates the file and its schema if absent.
Result<std::unique_ptr<HistoryStore>> OpenHistoryStore(const std::string& path);

}  // namespace tflo::analyzer

#endif  // TFLO_ANALYZER_HISTORY_STORE_H_
