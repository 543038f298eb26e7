#include "tflo/actuators/collector_yaml_actuator.h"

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "test_util.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tflo/actuators/file_ops.h"

namespace tflo::actuators {
namespace {

namespace fs = std::filesystem;
using ::tflo::testing::ReadFile;
using ::tflo::testing::ReadTestdata;
using ::tflo::testing::TempDir;
using ::tflo::testing::WriteFile;

constexpr char kSecret[] = "secret-token-123";

struct Fixture {
  TempDir dir;
  fs::path file = dir.path() / "collector.yaml";
  fs::path state = dir.path() / "state";
  std::string original = ReadTestdata("actuators/collector.yaml");

  Fixture() { WriteFile(file, original); }

  optimizer::Recommendation Rec(const std::string& key, const std::string& current,
                                const std::string& proposed) const {
    optimizer::Recommendation rec;
    rec.id = "batch_queue:" + key;
    rec.policy = "batch_queue";
    rec.target = {"collector_yaml", file.string(), key};
    rec.current = current;
    rec.proposed = proposed;
    return rec;
  }

  size_t BackupCount() const {
    const fs::path backups = state / "backups";
    if (!fs::exists(backups)) return 0;
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(backups), fs::directory_iterator()));
  }
};

// The edit touching the queue next to the headers block, whose diff context
// therefore includes the authorization header.
std::vector<optimizer::Recommendation> QueueAndBatchRecs(const Fixture& f) {
  return {f.Rec("processors.batch.send_batch_size", "512", "1000"),
          f.Rec("exporters.otlp/tempo.sending_queue.queue_size", "100", "4000")};
}

std::string ExpectedAfterQueueAndBatch(const std::string& original) {
  std::string expected = original;
  const std::pair<std::string, std::string> swaps[] = {
      {"    send_batch_size: 512     # spans per batch\n",
       "    send_batch_size: 1000     # spans per batch\n"},
      {"      queue_size: 100   # requests\n", "      queue_size: 4000   # requests\n"}};
  for (const auto& [from, to] : swaps) {
    const size_t at = expected.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) expected.replace(at, from.size(), to);
  }
  return expected;
}

TEST(CollectorYamlActuatorTest, PlanShowsRedactedDiffAndWritesNothing) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  auto plan = actuator.PlanChanges(QueueAndBatchRecs(f));

  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->new_content, ExpectedAfterQueueAndBatch(f.original));
  EXPECT_NE(plan->diff.find("-    send_batch_size: 512     # spans per batch\n"), std::string::npos)
      << plan->diff;
  EXPECT_NE(plan->diff.find("+    send_batch_size: 1000     # spans per batch\n"),
            std::string::npos)
      << plan->diff;
  EXPECT_NE(plan->diff.find("authorization: \"<redacted>\""), std::string::npos) << plan->diff;
  EXPECT_EQ(plan->diff.find(kSecret), std::string::npos) << plan->diff;
  EXPECT_EQ(plan->changed_keys,
            (std::vector<std::string>{"processors.batch.send_batch_size",
                                      "exporters.otlp/tempo.sending_queue.queue_size"}));
  EXPECT_EQ(ReadFile(f.file), f.original);
  EXPECT_FALSE(fs::exists(f.state));
}

TEST(CollectorYamlActuatorTest, ApplyWritesBackupRecordAndNewContent) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  auto change = actuator.Apply(QueueAndBatchRecs(f));

  ASSERT_TRUE(change.ok()) << change.status().message();
  const std::string written = ReadFile(f.file);
  EXPECT_EQ(written, ExpectedAfterQueueAndBatch(f.original));
  EXPECT_TRUE(std::regex_match(change->change_id, std::regex("chg-[0-9]{8}T[0-9]{6}-[0-9a-f]{8}")))
      << change->change_id;
  EXPECT_EQ(change->before_sha256, Sha256Hex(f.original));
  EXPECT_EQ(change->after_sha256, Sha256Hex(written));
  EXPECT_EQ(change->file, fs::weakly_canonical(f.file).string());
  EXPECT_EQ(ReadFile(change->backup_path), f.original);
  EXPECT_EQ(change->diff.find(kSecret), std::string::npos) << change->diff;

  const fs::path record_path = f.state / "backups" / (change->change_id + ".json");
  const std::string record_text = ReadFile(record_path);
  EXPECT_EQ(record_text.find(kSecret), std::string::npos) << record_text;
  const auto record = nlohmann::json::parse(record_text);
  EXPECT_EQ(record.at("change_id"), change->change_id);
  EXPECT_EQ(record.at("file"), change->file);
  EXPECT_EQ(record.at("backup_path"), change->backup_path);
  EXPECT_EQ(record.at("before_sha256"), change->before_sha256);
  EXPECT_EQ(record.at("after_sha256"), change->after_sha256);
  EXPECT_EQ(record.at("changed_keys").size(), 2U);
  EXPECT_EQ(record.at("diff"), change->diff);
  EXPECT_TRUE(record.contains("timestamp"));
}

TEST(CollectorYamlActuatorTest, RollbackRestoresExactBytes) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);
  auto change = actuator.Apply(QueueAndBatchRecs(f));
  ASSERT_TRUE(change.ok()) << change.status().message();
  ASSERT_NE(ReadFile(f.file), f.original);

  Status s = actuator.Rollback(change->change_id);

  ASSERT_TRUE(s.ok()) << s.message();
  const std::string restored = ReadFile(f.file);
  EXPECT_EQ(restored, f.original);
  EXPECT_EQ(Sha256Hex(restored), change->before_sha256);
}

TEST(CollectorYamlActuatorTest, RollbackRefusesAfterSomeoneElseEditedTheFile) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);
  auto change = actuator.Apply(QueueAndBatchRecs(f));
  ASSERT_TRUE(change.ok()) << change.status().message();
  const std::string edited = ReadFile(f.file) + "# edited by hand\n";
  WriteFile(f.file, edited);

  Status s = actuator.Rollback(change->change_id);

  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("changed since"), std::string::npos) << s.message();
  EXPECT_EQ(ReadFile(f.file), edited);
}

TEST(CollectorYamlActuatorTest, SecondRollbackIsRefused) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);
  auto change = actuator.Apply(QueueAndBatchRecs(f));
  ASSERT_TRUE(change.ok()) << change.status().message();
  ASSERT_TRUE(actuator.Rollback(change->change_id).ok());

  Status again = actuator.Rollback(change->change_id);

  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(f.file), f.original);
}

TEST(CollectorYamlActuatorTest, RollbackOfUnknownIdIsNotFound) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  Status unknown = actuator.Rollback("chg-20240101T000000-deadbeef");
  Status malformed = actuator.Rollback("../../etc/passwd");

  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_EQ(malformed.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(f.file), f.original);
}

TEST(CollectorYamlActuatorTest, StaleCurrentValueIsRefusedAndNothingWritten) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  auto change = actuator.Apply({f.Rec("processors.batch.send_batch_size", "256", "1000")});

  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(change.status().message().find("512"), std::string::npos) << change.status().message();
  EXPECT_EQ(ReadFile(f.file), f.original);
  EXPECT_EQ(f.BackupCount(), 0U);
}

TEST(CollectorYamlActuatorTest, EditThatBreaksTheConfigIsRefused) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  // Not a number, and larger than send_batch_max_size (1024): both invalid.
  auto not_a_number = actuator.Apply({f.Rec("processors.batch.send_batch_size", "512", "lots")});
  auto above_max = actuator.Apply({f.Rec("processors.batch.send_batch_size", "512", "2048")});

  ASSERT_FALSE(not_a_number.ok());
  EXPECT_NE(not_a_number.status().message().find("send_batch_size"), std::string::npos)
      << not_a_number.status().message();
  ASSERT_FALSE(above_max.ok());
  EXPECT_EQ(ReadFile(f.file), f.original);
  EXPECT_EQ(f.BackupCount(), 0U);
}

TEST(CollectorYamlActuatorTest, AbsentKeyAcceptsEmptyOrEffectiveDefaultAsCurrent) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);

  auto with_default = actuator.PlanChanges({f.Rec("exporters.otlp/tempo.timeout", "5s", "10s")});
  auto with_empty = actuator.PlanChanges({f.Rec("exporters.otlp/tempo.timeout", "", "10s")});
  auto with_wrong = actuator.PlanChanges({f.Rec("exporters.otlp/tempo.timeout", "7s", "10s")});

  ASSERT_TRUE(with_default.ok()) << with_default.status().message();
  EXPECT_NE(with_default->new_content.find("      initial_interval: 5s\n    timeout: 10s\n"),
            std::string::npos)
      << with_default->new_content;
  ASSERT_TRUE(with_empty.ok()) << with_empty.status().message();
  EXPECT_EQ(with_wrong.status().code(), StatusCode::kFailedPrecondition);
}

TEST(CollectorYamlActuatorTest, RejectsOtherTargetsAndDuplicateKeys) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);
  optimizer::Recommendation other_kind = f.Rec("processors.batch.send_batch_size", "512", "1000");
  other_kind.target.kind = "lambda_config";
  optimizer::Recommendation other_file = f.Rec("processors.batch.send_batch_size", "512", "1000");
  other_file.target.file = (f.dir.path() / "other.yaml").string();
  const auto dup = f.Rec("processors.batch.send_batch_size", "512", "1000");

  EXPECT_EQ(actuator.PlanChanges({other_kind}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(actuator.PlanChanges({other_file}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(actuator.PlanChanges({dup, dup}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(actuator.PlanChanges({}).status().code(), StatusCode::kInvalidArgument);
}

TEST(CollectorYamlActuatorTest, RollbackOfOlderChangeAfterNewerOneIsRefused) {
  Fixture f;
  CollectorYamlActuator actuator(f.file, f.state);
  auto first = actuator.Apply({f.Rec("processors.batch.send_batch_size", "512", "600")});
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = actuator.Apply({f.Rec("processors.batch.send_batch_size", "600", "700")});
  ASSERT_TRUE(second.ok()) << second.status().message();

  Status older = actuator.Rollback(first->change_id);
  Status newer = actuator.Rollback(second->change_id);
  Status older_again = actuator.Rollback(first->change_id);

  EXPECT_EQ(older.code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(newer.ok()) << newer.message();
  ASSERT_TRUE(older_again.ok()) << older_again.message();
  EXPECT_EQ(ReadFile(f.file), f.original);
}

}  // namespace
}  // namespace tflo::actuators
