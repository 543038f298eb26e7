#include "tflo/analyzer/history_store.h"

#include <string>

#include "test_util.h"
#include <gtest/gtest.h>
#include <sqlite3.h>

namespace tflo::analyzer {
namespace {

using tflo::testing::TempDir;

RoundRecord SampleRound(const std::string& run_id, int64_t round) {
  RoundRecord r;
  r.run_id = run_id;
  r.round = round;
  r.snapshot.window_start_unix_nano = 1700000000000000000ULL + static_cast<uint64_t>(round) * 60;
  r.snapshot.window_end_unix_nano = r.snapshot.window_start_unix_nano + 60000000000ULL;
  r.snapshot.window_seconds = 60;
  OperationStats op;
  op.service = "checkout";
  op.operation = "GET /cart";
  op.span_kind = "SPAN_KIND_SERVER";
  op.count = 100 + static_cast<uint64_t>(round);
  op.errors = 2;
  op.error_rate = 0.02;
  op.p50_ms = 10;
  op.p95_ms = 40;
  op.p99_ms = 80.5;
  r.snapshot.operations.push_back(op);
  r.snapshot.pipeline.accepted = 6000;
  r.snapshot.pipeline.dropped = 120;
  r.snapshot.pipeline.queue_fill = 0.95;
  r.snapshot.quality.traces_present = true;
  r.snapshot.quality.notes = {"note for round " + std::to_string(round)};
  RecommendationRow rec;
  rec.id = "batch_queue:processors.batch.send_batch_size";
  rec.target_kind = "collector_yaml";
  rec.target_file = "/etc/otelcol/config.yaml";
  rec.key = "processors.batch.send_batch_size";
  rec.current = "512";
  rec.proposed = "1280";
  rec.status = "pending";
  rec.json = R"({"id":"batch_queue:processors.batch.send_batch_size","status":"pending"})";
  r.recommendations.push_back(rec);
  RecommendationRow queue = rec;
  queue.id = "batch_queue:exporters.otlp.sending_queue.queue_size";
  queue.key = "exporters.otlp.sending_queue.queue_size";
  queue.json = "not json at all";
  r.recommendations.push_back(queue);
  ChangeRow change;
  change.change_id = run_id + "-change-" + std::to_string(round);
  change.file = "/etc/otelcol/config.yaml";
  change.backup_path = "/var/lib/tflo/backup/config.yaml.1";
  change.before_sha256 = std::string(64, 'a');
  change.after_sha256 = std::string(64, 'b');
  change.diff = "-  send_batch_size: 512\n+  send_batch_size: 1280\n";
  r.changes.push_back(change);
  return r;
}

void ExpectSameRound(const RoundRecord& got, const RoundRecord& want) {
  EXPECT_EQ(got.run_id, want.run_id);
  EXPECT_EQ(got.round, want.round);
  EXPECT_EQ(ToJson(got.snapshot), ToJson(want.snapshot));
  ASSERT_EQ(got.recommendations.size(), want.recommendations.size());
  for (size_t i = 0; i < got.recommendations.size(); ++i) {
    const auto& a = got.recommendations[i];
    const auto& b = want.recommendations[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.target_kind, b.target_kind);
    EXPECT_EQ(a.target_file, b.target_file);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.current, b.current);
    EXPECT_EQ(a.proposed, b.proposed);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.json, b.json);
  }
  ASSERT_EQ(got.changes.size(), want.changes.size());
  for (size_t i = 0; i < got.changes.size(); ++i) {
    EXPECT_EQ(got.changes[i].change_id, want.changes[i].change_id);
    EXPECT_EQ(got.changes[i].file, want.changes[i].file);
    EXPECT_EQ(got.changes[i].backup_path, want.changes[i].backup_path);
    EXPECT_EQ(got.changes[i].before_sha256, want.changes[i].before_sha256);
    EXPECT_EQ(got.changes[i].after_sha256, want.changes[i].after_sha256);
    EXPECT_EQ(got.changes[i].diff, want.changes[i].diff);
  }
}

// Runs `sql` on a database file with the plain C API (to set up situations
// the store itself never creates).
void RawExec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string msg = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

std::string RawQueryText(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) out = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(HistoryStoreTest, MigratesAnEmptyDatabaseToTheCurrentSchema) {
  TempDir dir;
  const std::string path = (dir.path() / "history.db").string();

  auto store = OpenHistoryStore(path);

  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ((*store)->schema_version(), kHistorySchemaVersion);
  EXPECT_EQ(RawQueryText(path, "PRAGMA user_version"), std::to_string(kHistorySchemaVersion));
  EXPECT_EQ(RawQueryText(path, "PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"runs", "rounds", "operation_stats", "pipeline_stats", "recommendations", "changes"}) {
    const std::string sql =
        std::string("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '") + table +
        "'";
    EXPECT_EQ(RawQueryText(path, sql.c_str()), table);
  }
}

TEST(HistoryStoreTest, InMemoryStoreWorks) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok()) << store.status().message();

  const Status st = (*store)->AppendRound(SampleRound("run-a", 1));
  auto rounds = (*store)->LoadRounds("run-a");

  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(rounds.ok()) << rounds.status().message();
  ASSERT_EQ(rounds->size(), 1U);
  ExpectSameRound(rounds->at(0), SampleRound("run-a", 1));
}

TEST(HistoryStoreTest, ReopenKeepsData) {
  TempDir dir;
  const std::string path = (dir.path() / "history.db").string();
  {
    auto store = OpenHistoryStore(path);
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());
    ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 2)).ok());
  }

  auto reopened = OpenHistoryStore(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  auto rounds = (*reopened)->LoadRounds("run-a");

  ASSERT_TRUE(rounds.ok()) << rounds.status().message();
  ASSERT_EQ(rounds->size(), 2U);
  ExpectSameRound(rounds->at(0), SampleRound("run-a", 1));
  ExpectSameRound(rounds->at(1), SampleRound("run-a", 2));
  EXPECT_EQ(RawQueryText(path, "SELECT count(*) FROM operation_stats"), "2");
  EXPECT_EQ(RawQueryText(path, "SELECT dropped FROM pipeline_stats LIMIT 1"), "120");
}

TEST(HistoryStoreTest, RefusesANewerSchema) {
  TempDir dir;
  const std::string path = (dir.path() / "future.db").string();
  RawExec(path, "CREATE TABLE from_the_future (x INTEGER); PRAGMA user_version = 7;");

  auto store = OpenHistoryStore(path);

  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("database schema v7 is newer than this tflo (v" +
                                          std::to_string(kHistorySchemaVersion) + ")"),
            std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find(path), std::string::npos);
  // Left untouched.
  EXPECT_EQ(RawQueryText(path, "PRAGMA user_version"), "7");
  EXPECT_EQ(RawQueryText(path, "SELECT count(*) FROM sqlite_master WHERE name = 'rounds'"), "0");
}

TEST(HistoryStoreTest, DuplicateRoundIsAlreadyExistsAndChangesNothing) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());
  RoundRecord again = SampleRound("run-a", 1);
  again.changes[0].change_id = "another-change";

  const Status st = (*store)->AppendRound(again);

  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(st.message().find("round 1 of run run-a"), std::string::npos) << st.message();
  auto rounds = (*store)->LoadRounds("run-a");
  ASSERT_TRUE(rounds.ok());
  ASSERT_EQ(rounds->size(), 1U);
  EXPECT_EQ(rounds->at(0).changes[0].change_id, "run-a-change-1");
}

TEST(HistoryStoreTest, FailedAppendLeavesNoPartialRound) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());
  // Round 2 reuses round 1's change id: the last insert of the round fails.
  RoundRecord clash = SampleRound("run-a", 2);
  clash.changes[0].change_id = "run-a-change-1";

  const Status st = (*store)->AppendRound(clash);

  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("change run-a-change-1"), std::string::npos) << st.message();
  auto rounds = (*store)->LoadRounds("");
  ASSERT_TRUE(rounds.ok());
  EXPECT_EQ(rounds->size(), 1U);
}

TEST(HistoryStoreTest, LoadRoundsFiltersByRunAndOrdersByRound) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-b", 2)).ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-b", 1)).ok());

  auto only_b = (*store)->LoadRounds("run-b");
  auto all = (*store)->LoadRounds("");
  auto none = (*store)->LoadRounds("run-z");

  ASSERT_TRUE(only_b.ok());
  ASSERT_EQ(only_b->size(), 2U);
  EXPECT_EQ(only_b->at(0).round, 1);
  EXPECT_EQ(only_b->at(1).round, 2);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3U);
  // Runs in the order they first appeared, then by round.
  EXPECT_EQ(all->at(0).run_id, "run-b");
  EXPECT_EQ(all->at(0).round, 1);
  EXPECT_EQ(all->at(1).run_id, "run-b");
  EXPECT_EQ(all->at(2).run_id, "run-a");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(HistoryStoreTest, UpdateRecommendationStatusTouchesTheLatestRoundOnly) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 2)).ok());

  const Status st = (*store)->UpdateRecommendationStatus(
      "run-a", "batch_queue:processors.batch.send_batch_size", "approved");
  const Status not_json = (*store)->UpdateRecommendationStatus(
      "run-a", "batch_queue:exporters.otlp.sending_queue.queue_size", "rejected");

  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(not_json.ok()) << not_json.message();
  auto rounds = (*store)->LoadRounds("run-a");
  ASSERT_TRUE(rounds.ok());
  EXPECT_EQ(rounds->at(0).recommendations[0].status, "pending");
  EXPECT_EQ(rounds->at(1).recommendations[0].status, "approved");
  EXPECT_NE(rounds->at(1).recommendations[0].json.find("\"status\":\"approved\""),
            std::string::npos)
      << rounds->at(1).recommendations[0].json;
  EXPECT_EQ(rounds->at(1).recommendations[1].status, "rejected");
  EXPECT_EQ(rounds->at(1).recommendations[1].json, "not json at all");
}

TEST(HistoryStoreTest, UpdateRecommendationStatusRejectsUnknownStatusAndId) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AppendRound(SampleRound("run-a", 1)).ok());

  const Status bad_status = (*store)->UpdateRecommendationStatus(
      "run-a", "batch_queue:processors.batch.send_batch_size", "maybe");
  const Status bad_id = (*store)->UpdateRecommendationStatus("run-a", "nope", "approved");
  const Status bad_run = (*store)->UpdateRecommendationStatus(
      "run-b", "batch_queue:processors.batch.send_batch_size", "approved");

  EXPECT_EQ(bad_status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_id.code(), StatusCode::kNotFound);
  EXPECT_EQ(bad_run.code(), StatusCode::kNotFound);
}

TEST(HistoryStoreTest, ValuesAreBoundNotSpliced) {
  auto store = OpenHistoryStore(":memory:");
  ASSERT_TRUE(store.ok());
  RoundRecord r = SampleRound("run'); DROP TABLE rounds; --", 1);
  r.snapshot.operations[0].operation = "O'Brien \"quoted\"";

  ASSERT_TRUE((*store)->AppendRound(r).ok());
  auto rounds = (*store)->LoadRounds(r.run_id);

  ASSERT_TRUE(rounds.ok()) << rounds.status().message();
  ASSERT_EQ(rounds->size(), 1U);
  ExpectSameRound(rounds->at(0), r);
}

TEST(HistoryStoreTest, UnopenablePathNamesThePath) {
  TempDir dir;
  const std::string path = (dir.path() / "missing-dir" / "history.db").string();

  auto store = OpenHistoryStore(path);

  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace tflo::analyzer
