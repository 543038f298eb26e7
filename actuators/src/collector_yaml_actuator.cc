// CollectorYamlActuator: plan / apply / rollback of collector YAML edits.
//
// Order of operations in Apply (each step only starts when the previous one
// succeeded): read + edit + validate in memory, write the backup bytes, write
// the change record, replace the target atomically, read it back. A crash
// before the last rename leaves the target untouched.

#include "tflo/actuators/collector_yaml_actuator.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "tflo/actuators/file_ops.h"
#include "tflo/actuators/yaml_edit.h"
#include "tflo/core/collector_config.h"
#include "tflo/core/duration.h"

namespace tflo::actuators {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::string_view kTargetKind = "collector_yaml";

fs::path Normalized(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) return p.lexically_normal();
  fs::path canon = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : canon;
}

bool SameFile(const fs::path& a, const fs::path& b) { return Normalized(a) == Normalized(b); }

std::string UtcStamp(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof(buf), format, &tm);
  return std::string(buf, n);
}

std::string NewChangeId(std::chrono::system_clock::time_point now) {
  std::random_device rd;
  const uint32_t r = rd();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int shift = 28; shift >= 0; shift -= 4) hex += kHex[(r >> shift) & 0xf];
  return "chg-" + UtcStamp(now, "%Y%m%dT%H%M%S") + "-" + hex;
}

bool ValidChangeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// When a key is absent from the file the recommendation's `current` may be the
// collector's default in effect. These compare that text with the parsed
// config's effective value, by type (so "5s" matches "5000ms").
bool SameInt(std::string_view text, int64_t v) {
  try {
    size_t used = 0;
    const long long parsed = std::stoll(std::string(text), &used);
    return used == text.size() && parsed == v;
  } catch (const std::exception&) {
    return false;
  }
}
bool SameDouble(std::string_view text, double v) {
  try {
    size_t used = 0;
    const double parsed = std::stod(std::string(text), &used);
    return used == text.size() && parsed == v;
  } catch (const std::exception&) {
    return false;
  }
}
bool SameDuration(std::string_view text, std::chrono::nanoseconds v) {
  auto parsed = core::ParseGoDuration(text);
  return parsed.ok() && *parsed == v;
}
bool SameBool(std::string_view text, bool v) { return text == (v ? "true" : "false"); }

bool MatchesEffective(const core::CollectorConfig& cfg, const std::vector<std::string>& path,
                      std::string_view text) {
  if (path.size() == 3 && path[0] == "processors") {
    auto it = cfg.batch_processors.find(path[1]);
    if (it == cfg.batch_processors.end()) return false;
    const core::BatchProcessorConfig& b = it->second;
    if (path[2] == "send_batch_size") return SameInt(text, b.send_batch_size);
    if (path[2] == "send_batch_max_size") return SameInt(text, b.send_batch_max_size);
    if (path[2] == "timeout") return SameDuration(text, b.timeout);
    return false;
  }
  if (path.size() < 3 || path[0] != "exporters") return false;
  auto it = cfg.exporters.find(path[1]);
  if (it == cfg.exporters.end()) return false;
  const core::ExporterConfig& e = it->second;
  if (path.size() == 3) return path[2] == "timeout" && SameDuration(text, e.timeout);
  if (path.size() != 4) return false;
  if (path[2] == "sending_queue") {
    const core::SendingQueueConfig& q = e.sending_queue;
    if (path[3] == "enabled") return SameBool(text, q.enabled);
    if (path[3] == "num_consumers") return SameInt(text, q.num_consumers);
    if (path[3] == "queue_size") return SameInt(text, q.queue_size);
    if (path[3] == "sizer") return text == q.sizer;
    if (path[3] == "block_on_overflow") return SameBool(text, q.block_on_overflow);
    return false;
  }
  if (path[2] == "retry_on_failure") {
    const core::RetryConfig& r = e.retry_on_failure;
    if (path[3] == "enabled") return SameBool(text, r.enabled);
    if (path[3] == "initial_interval") return SameDuration(text, r.initial_interval);
    if (path[3] == "max_interval") return SameDuration(text, r.max_interval);
    if (path[3] == "max_elapsed_time") return SameDuration(text, r.max_elapsed_time);
    if (path[3] == "randomization_factor") return SameDouble(text, r.randomization_factor);
    if (path[3] == "multiplier") return SameDouble(text, r.multiplier);
  }
  return false;
}

struct Prepared {
  std::string before;
  Plan plan;
};

Result<Prepared> Prepare(const fs::path& file, const std::vector<optimizer::Recommendation>& recs) {
  const std::string source = file.string();
  if (recs.empty()) return InvalidArgumentError(source + ": no recommendations to apply");
  std::set<std::string> keys;
  for (const optimizer::Recommendation& rec : recs) {
    if (rec.target.kind != kTargetKind) {
      return InvalidArgumentError("recommendation " + rec.id + ": target kind \"" +
                                  rec.target.kind +
                                  "\" is not handled by the collector YAML actuator");
    }
    if (!SameFile(rec.target.file, file)) {
      return InvalidArgumentError("recommendation " + rec.id + ": targets " + rec.target.file +
                                  ", this actuator edits " + source);
    }
    if (rec.target.key.empty()) {
      return InvalidArgumentError("recommendation " + rec.id + ": empty target key");
    }
    if (!keys.insert(rec.target.key).second) {
      return InvalidArgumentError("recommendation " + rec.id + ": key " + rec.target.key +
                                  " is targeted by more than one recommendation");
    }
  }

  Prepared out;
  TFLO_ASSIGN_OR_RETURN(out.before, ReadFileBytes(file));
  std::optional<core::CollectorConfig> current_config;  // parsed lazily, for absent keys
  std::vector<ScalarEdit> edits;
  for (const optimizer::Recommendation& rec : recs) {
    std::vector<std::string> path = SplitKeyPath(rec.target.key);
    TFLO_ASSIGN_OR_RETURN(std::optional<std::string> current, ReadScalar(out.before, path, source));
    bool matches;
    if (current.has_value()) {
      matches = *current == rec.current;
    } else if (rec.current.empty()) {
      matches = true;
    } else {
      if (!current_config.has_value()) {
        TFLO_ASSIGN_OR_RETURN(current_config, core::ParseCollectorConfig(out.before, source));
      }
      matches = MatchesEffective(*current_config, path, rec.current);
    }
    if (!matches) {
      return FailedPreconditionError(
          source + ": " + rec.target.key + " is now " +
          (current.has_value() ? "\"" + *current + "\"" : std::string("absent")) +
          " but recommendation " + rec.id + " was computed for \"" + rec.current +
          "\"; the file changed since, re-run the analysis");
    }
    edits.push_back({std::move(path), rec.proposed});
    out.plan.changed_keys.push_back(rec.target.key);
  }

  TFLO_ASSIGN_OR_RETURN(out.plan.new_content, ApplyScalarEdits(out.before, edits, source));
  // The edited file must still be a configuration the collector model accepts
  // (bounds, send_batch_max_size >= send_batch_size, ...).
  auto parsed = core::ParseCollectorConfig(out.plan.new_content, source);
  if (!parsed.ok()) {
    return Status(parsed.status().code(),
                  "the edited configuration would be rejected: " + parsed.status().message());
  }
  out.plan.diff =
      RedactSecrets(UnifiedDiff(out.before, out.plan.new_content, file.filename().string()));
  return out;
}

fs::path BackupDir(const fs::path& state_dir) { return state_dir / "backups"; }

Result<json> ReadRecord(const fs::path& record_path) {
  TFLO_ASSIGN_OR_RETURN(std::string text, ReadFileBytes(record_path));
  try {
    json record = json::parse(text);
    for (const char* key : {"change_id", "file", "backup_path", "before_sha256", "after_sha256"}) {
      if (!record.contains(key) || !record.at(key).is_string()) {
        return DataLossError(record_path.string() + ": change record lacks string field \"" + key +
                             "\"");
      }
    }
    return record;
  } catch (const json::exception& e) {
    return DataLossError(record_path.string() + ": corrupt change record: " + e.what());
  }
}

}  // namespace

CollectorYamlActuator::CollectorYamlActuator(std::filesystem::path file,
                                             std::filesystem::path state_dir)
    : file_(std::move(file)), state_dir_(std::move(state_dir)) {}

Result<Plan> CollectorYamlActuator::PlanChanges(
    const std::vector<optimizer::Recommendation>& recs) const {
  TFLO_ASSIGN_OR_RETURN(Prepared prepared, Prepare(file_, recs));
  return std::move(prepared.plan);
}

Result<Change> CollectorYamlActuator::Apply(const std::vector<optimizer::Recommendation>& recs) {
  TFLO_ASSIGN_OR_RETURN(Prepared prepared, Prepare(file_, recs));
  const auto now = std::chrono::system_clock::now();

  Change change;
  change.change_id = NewChangeId(now);
  change.file = Normalized(file_).string();
  change.before_sha256 = Sha256Hex(prepared.before);
  change.after_sha256 = Sha256Hex(prepared.plan.new_content);
  change.diff = prepared.plan.diff;

  // Backups hold the configuration verbatim, secrets included: owner-only.
  const fs::path backups = BackupDir(state_dir_);
  std::error_code ec;
  fs::create_directories(backups, ec);
  if (ec) {
    return InternalError("cannot create backup directory " + backups.string() + ": " +
                         ec.message());
  }
  fs::permissions(backups, fs::perms::owner_all, fs::perm_options::replace, ec);
  // Ids carry 32 random bits; still, never reuse one within this state dir.
  for (int attempt = 0; attempt < 8 && fs::exists(backups / (change.change_id + ".json"), ec);
       ++attempt) {
    change.change_id = NewChangeId(now);
  }
  const fs::path backup_path = backups / (change.change_id + ".yaml");
  const fs::path record_path = backups / (change.change_id + ".json");
  change.backup_path = Normalized(backup_path).string();

  TFLO_RETURN_IF_ERROR(AtomicWriteFile(backup_path, prepared.before).WithPrefix("writing backup"));
  fs::permissions(backup_path, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, ec);
  std::vector<std::string> rec_ids;
  for (const optimizer::Recommendation& rec : recs) rec_ids.push_back(rec.id);
  const json record = {
      {"change_id", change.change_id},
      {"file", change.file},
      {"backup_path", change.backup_path},
      {"before_sha256", change.before_sha256},
      {"after_sha256", change.after_sha256},
      {"timestamp", UtcStamp(now, "%Y-%m-%dT%H:%M:%SZ")},
      {"changed_keys", prepared.plan.changed_keys},
      {"recommendation_ids", rec_ids},
      {"diff", change.diff},
  };
  if (Status s = AtomicWriteFile(record_path, record.dump(2) + "\n"); !s.ok()) {
    fs::remove(backup_path, ec);
    return s.WithPrefix("writing change record");
  }

  if (Status s = AtomicWriteFile(file_, prepared.plan.new_content); !s.ok()) {
    // Nothing was changed: drop the record so it cannot be rolled back to.
    fs::remove(record_path, ec);
    fs::remove(backup_path, ec);
    return s;
  }
  TFLO_ASSIGN_OR_RETURN(std::string written, ReadFileBytes(file_));
  if (Sha256Hex(written) != change.after_sha256) {
    return InternalError(file_.string() +
                         ": content read back after writing differs from what was written");
  }
  return change;
}

Status CollectorYamlActuator::Rollback(const std::string& change_id) {
  if (!ValidChangeId(change_id)) {
    return InvalidArgumentError("malformed change id \"" + change_id + "\"");
  }
  const fs::path record_path = BackupDir(state_dir_) / (change_id + ".json");
  std::error_code ec;
  if (!fs::exists(record_path, ec)) {
    return NotFoundError("unknown change id " + change_id + " (no record at " +
                         record_path.string() + ")");
  }
  TFLO_ASSIGN_OR_RETURN(json record, ReadRecord(record_path));
  const fs::path file = record.at("file").get<std::string>();
  if (!SameFile(file, file_)) {
    return InvalidArgumentError("change " + change_id + " was applied to " + file.string() +
                                ", not to " + file_.string());
  }
  const std::string before_sha = record.at("before_sha256").get<std::string>();
  const std::string after_sha = record.at("after_sha256").get<std::string>();

  auto current = ReadFileBytes(file);
  if (!current.ok()) {
    return FailedPreconditionError("cannot roll back " + change_id + ": " +
                                   current.status().message());
  }
  const std::string current_sha = Sha256Hex(*current);
  if (current_sha != after_sha) {
    return FailedPreconditionError("refusing to roll back " + change_id + ": " + file.string() +
                                   " changed since the change was applied (sha256 " + current_sha +
                                   ", expected " + after_sha +
                                   "); restoring the backup would discard those edits");
  }
  const fs::path backup_path = record.at("backup_path").get<std::string>();
  TFLO_ASSIGN_OR_RETURN(std::string backup, ReadFileBytes(backup_path));
  if (Sha256Hex(backup) != before_sha) {
    return DataLossError("backup " + backup_path.string() + " does not match its recorded sha256");
  }
  TFLO_RETURN_IF_ERROR(AtomicWriteFile(file, backup));
  TFLO_ASSIGN_OR_RETURN(std::string restored, ReadFileBytes(file));
  if (Sha256Hex(restored) != before_sha) {
    return InternalError(file.string() + ": content after rollback does not match the backup");
  }
  record["rolled_back_at"] = UtcStamp(std::chrono::system_clock::now(), "%Y-%m-%dT%H:%M:%SZ");
  return AtomicWriteFile(record_path, record.dump(2) + "\n")
      .WithPrefix("rolled back " + change_id + ", but could not update its record");
}

}  // namespace tflo::actuators
