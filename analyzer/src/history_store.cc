// SqliteHistoryStore: HistoryStore on one SQLite connection (sqlite3 C API).
//
// Every statement is a fixed SQL text with bound parameters; no value is ever
// spliced into SQL. The schema evolves through kMigrations, applied in order,
// each in its own transaction together with the PRAGMA user_version bump.
#include "tflo/analyzer/history_store.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace tflo::analyzer {
namespace {

struct Migration {
  int version;
  const char* sql;  // ends by setting PRAGMA user_version to `version`
};

// Append only: a released migration never changes, a new one gets the next
// version and kHistorySchemaVersion moves with it.
constexpr std::array<Migration, 1> kMigrations = {{
    {1, R"sql(
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE rounds (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  round INTEGER NOT NULL,
  window_start_ns INTEGER NOT NULL,
  window_end_ns INTEGER NOT NULL,
  snapshot_json TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (run_id, round)
);
CREATE TABLE operation_stats (
  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
  service TEXT NOT NULL,
  operation TEXT NOT NULL,
  span_kind TEXT NOT NULL,
  count INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  error_rate REAL NOT NULL,
  p50_ms REAL NOT NULL,
  p95_ms REAL NOT NULL,
  p99_ms REAL NOT NULL
);
CREATE INDEX operation_stats_round ON operation_stats(round_id);
CREATE TABLE pipeline_stats (
  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
  accepted INTEGER NOT NULL,
  refused INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  send_failed INTEGER NOT NULL,
  dropped INTEGER NOT NULL,
  queue_fill REAL NOT NULL,
  queue_capacity REAL NOT NULL,
  mean_batch_size REAL NOT NULL,
  batches INTEGER NOT NULL
);
CREATE INDEX pipeline_stats_round ON pipeline_stats(round_id);
CREATE TABLE recommendations (
  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
  rec_id TEXT NOT NULL,
  target_kind TEXT NOT NULL,
  target_file TEXT NOT NULL,
  key TEXT NOT NULL,
  current TEXT NOT NULL,
  proposed TEXT NOT NULL,
  status TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX recommendations_round ON recommendations(round_id);
CREATE INDEX recommendations_rec_id ON recommendations(rec_id);
CREATE TABLE changes (
  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
  change_id TEXT NOT NULL UNIQUE,
  file TEXT NOT NULL,
  backup_path TEXT NOT NULL,
  before_sha256 TEXT NOT NULL,
  after_sha256 TEXT NOT NULL,
  diff TEXT NOT NULL
);
CREATE INDEX changes_round ON changes(round_id);
PRAGMA user_version = 1;
)sql"},
}};

static_assert(kMigrations.back().version == kHistorySchemaVersion,
              "the last migration must reach kHistorySchemaVersion");

bool IsKnownStatus(std::string_view s) {
  return s == "pending" || s == "approved" || s == "applied" || s == "verified" ||
         s == "rolled_back" || s == "rejected";
}

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, uint64_t v) { sqlite3_bind_int64(stmt_, i, static_cast<int64_t>(v)); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }

  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    if (p == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteHistoryStore final : public HistoryStore {
 public:
  SqliteHistoryStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  ~SqliteHistoryStore() override { sqlite3_close_v2(db_); }
  SqliteHistoryStore(const SqliteHistoryStore&) = delete;
  SqliteHistoryStore& operator=(const SqliteHistoryStore&) = delete;

  Status Init();

  Status AppendRound(const RoundRecord& record) override;
  Result<std::vector<RoundRecord>> LoadRounds(const std::string& run_id) override;
  Status UpdateRecommendationStatus(const std::string& run_id, const std::string& rec_id,
                                    const std::string& status) override;
  int schema_version() const override { return schema_version_; }

 private:
  // "history <path>: <what>: <sqlite message>"
  Status Error(StatusCode code, const std::string& what) const {
    return Status(code, "history " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  Status Exec(const char* sql, const std::string& what);
  Status Prepare(const char* sql, Stmt& stmt);
  // Steps a statement that returns no rows.
  Status StepDone(Stmt& stmt, const std::string& what);
  Result<int> ReadUserVersion();
  Status Migrate();
  Status InsertRound(const RoundRecord& record);

  std::string path_;
  sqlite3* db_;
  int schema_version_ = 0;
};

// Rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void set_open() { open_ = true; }
  void set_closed() { open_ = false; }

 private:
  sqlite3* db_;
  bool open_ = false;
};

Status SqliteHistoryStore::Exec(const char* sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return InternalError("history " + path_ + ": " + what + ": " + msg);
  }
  return OkStatus();
}

Status SqliteHistoryStore::Prepare(const char* sql, Stmt& stmt) {
  if (sqlite3_prepare_v2(db_, sql, -1, stmt.out(), nullptr) != SQLITE_OK) {
    return Error(StatusCode::kInternal, "prepare");
  }
  return OkStatus();
}

Status SqliteHistoryStore::StepDone(Stmt& stmt, const std::string& what) {
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return OkStatus();
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Error(StatusCode::kUnavailable, what);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    const int ext = sqlite3_extended_errcode(db_);
    const bool duplicate = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY;
    return Error(duplicate ? StatusCode::kAlreadyExists : StatusCode::kInvalidArgument, what);
  }
  return Error(StatusCode::kInternal, what);
}

Result<int> SqliteHistoryStore::ReadUserVersion() {
  Stmt stmt;
  TFLO_RETURN_IF_ERROR(Prepare("PRAGMA user_version", stmt));
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return Error(StatusCode::kInternal, "user_version");
  return static_cast<int>(stmt.Int(0));
}

Status SqliteHistoryStore::Migrate() {
  TFLO_ASSIGN_OR_RETURN(int version, ReadUserVersion());
  if (version > kHistorySchemaVersion) {
    return FailedPreconditionError("history " + path_ + ": database schema v" +
                                   std::to_string(version) + " is newer than this tflo (v" +
                                   std::to_string(kHistorySchemaVersion) + ")");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    Transaction tx(db_);
    // IMMEDIATE takes the write lock first, so two processes opening the same
    // new database cannot both apply a migration.
    TFLO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "begin migration"));
    tx.set_open();
    TFLO_ASSIGN_OR_RETURN(int now, ReadUserVersion());
    if (now >= m.version) {
      TFLO_RETURN_IF_ERROR(Exec("COMMIT", "commit"));
      tx.set_closed();
      version = now;
      continue;
    }
    TFLO_RETURN_IF_ERROR(Exec(m.sql, "migration to v" + std::to_string(m.version)));
    TFLO_RETURN_IF_ERROR(Exec("COMMIT", "commit migration"));
    tx.set_closed();
    version = m.version;
  }
  schema_version_ = version;
  return OkStatus();
}

Status SqliteHistoryStore::Init() {
  sqlite3_busy_timeout(db_, 5000);
  TFLO_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON", "foreign_keys"));
  if (path_ != ":memory:" && !path_.empty()) {
    // WAL lets a reader (tflo report) look at the history while a loop writes.
    TFLO_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL", "journal_mode"));
  }
  return Migrate();
}

Status SqliteHistoryStore::InsertRound(const RoundRecord& record) {
  const WindowSnapshot& s = record.snapshot;
  {
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(Prepare("INSERT OR IGNORE INTO runs (run_id) VALUES (?1)", stmt));
    stmt.Bind(1, record.run_id);
    TFLO_RETURN_IF_ERROR(StepDone(stmt, "insert run " + record.run_id));
  }
  {
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(
        Prepare("INSERT INTO rounds (run_id, round, window_start_ns, window_end_ns, snapshot_json) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                stmt));
    stmt.Bind(1, record.run_id);
    stmt.Bind(2, record.round);
    stmt.Bind(3, s.window_start_unix_nano);
    stmt.Bind(4, s.window_end_unix_nano);
    stmt.Bind(5, ToJson(s));
    Status st = StepDone(stmt, "insert round");
    if (st.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("history " + path_ + ": round " + std::to_string(record.round) +
                                " of run " + record.run_id + " already exists");
    }
    TFLO_RETURN_IF_ERROR(st);
  }
  const int64_t round_id = sqlite3_last_insert_rowid(db_);

  {
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(Prepare(
        "INSERT INTO operation_stats (round_id, service, operation, span_kind, count, errors, "
        "error_rate, p50_ms, p95_ms, p99_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        stmt));
    for (const OperationStats& op : s.operations) {
      sqlite3_reset(stmt.get());
      stmt.Bind(1, round_id);
      stmt.Bind(2, op.service);
      stmt.Bind(3, op.operation);
      stmt.Bind(4, op.span_kind);
      stmt.Bind(5, op.count);
      stmt.Bind(6, op.errors);
      stmt.Bind(7, op.error_rate);
      stmt.Bind(8, op.p50_ms);
      stmt.Bind(9, op.p95_ms);
      stmt.Bind(10, op.p99_ms);
      TFLO_RETURN_IF_ERROR(StepDone(stmt, "insert operation_stats"));
    }
  }
  {
    const PipelineStats& p = s.pipeline;
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(Prepare(
        "INSERT INTO pipeline_stats (round_id, accepted, refused, sent, send_failed, dropped, "
        "queue_fill, queue_capacity, mean_batch_size, batches) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        stmt));
    stmt.Bind(1, round_id);
    stmt.Bind(2, p.accepted);
    stmt.Bind(3, p.refused);
    stmt.Bind(4, p.sent);
    stmt.Bind(5, p.send_failed);
    stmt.Bind(6, p.dropped);
    stmt.Bind(7, p.queue_fill);
    stmt.Bind(8, p.queue_capacity);
    stmt.Bind(9, p.mean_batch_size);
    stmt.Bind(10, p.batches);
    TFLO_RETURN_IF_ERROR(StepDone(stmt, "insert pipeline_stats"));
  }
  {
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(Prepare(
        "INSERT INTO recommendations (round_id, rec_id, target_kind, target_file, key, current, "
        "proposed, status, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        stmt));
    for (const RecommendationRow& r : record.recommendations) {
      if (!IsKnownStatus(r.status)) {
        return InvalidArgumentError("history " + path_ + ": recommendation " + r.id +
                                    ": unknown status \"" + r.status + "\"");
      }
      sqlite3_reset(stmt.get());
      stmt.Bind(1, round_id);
      stmt.Bind(2, r.id);
      stmt.Bind(3, r.target_kind);
      stmt.Bind(4, r.target_file);
      stmt.Bind(5, r.key);
      stmt.Bind(6, r.current);
      stmt.Bind(7, r.proposed);
      stmt.Bind(8, r.status);
      stmt.Bind(9, r.json);
      TFLO_RETURN_IF_ERROR(StepDone(stmt, "insert recommendation " + r.id));
    }
  }
  {
    Stmt stmt;
    TFLO_RETURN_IF_ERROR(
        Prepare("INSERT INTO changes (round_id, change_id, file, backup_path, before_sha256, "
                "after_sha256, diff) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                stmt));
    for (const ChangeRow& c : record.changes) {
      sqlite3_reset(stmt.get());
      stmt.Bind(1, round_id);
      stmt.Bind(2, c.change_id);
      stmt.Bind(3, c.file);
      stmt.Bind(4, c.backup_path);
      stmt.Bind(5, c.before_sha256);
      stmt.Bind(6, c.after_sha256);
      stmt.Bind(7, c.diff);
      TFLO_RETURN_IF_ERROR(StepDone(stmt, "insert change " + c.change_id));
    }
  }
  return OkStatus();
}

Status SqliteHistoryStore::AppendRound(const RoundRecord& record) {
  if (record.run_id.empty()) {
    return InvalidArgumentError("history " + path_ + ": run_id must not be empty");
  }
  Transaction tx(db_);
  TFLO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "begin"));
  tx.set_open();
  TFLO_RETURN_IF_ERROR(InsertRound(record));
  TFLO_RETURN_IF_ERROR(Exec("COMMIT", "commit round"));
  tx.set_closed();
  return OkStatus();
}

Result<std::vector<RoundRecord>> SqliteHistoryStore::LoadRounds(const std::string& run_id) {
  // Runs in the order they first appeared, rounds in round order within a run.
  Stmt rounds;
  TFLO_RETURN_IF_ERROR(
      Prepare("SELECT r.id, r.run_id, r.round, r.snapshot_json FROM rounds r "
              "JOIN runs u ON u.run_id = r.run_id "
              "WHERE ?1 = '' OR r.run_id = ?1 ORDER BY u.rowid, r.round",
              rounds));
  rounds.Bind(1, run_id);
  Stmt recs;
  TFLO_RETURN_IF_ERROR(
      Prepare("SELECT rec_id, target_kind, target_file, key, current, proposed, status, json "
              "FROM recommendations WHERE round_id = ?1 ORDER BY rowid",
              recs));
  Stmt changes;
  TFLO_RETURN_IF_ERROR(
      Prepare("SELECT change_id, file, backup_path, before_sha256, after_sha256, diff "
              "FROM changes WHERE round_id = ?1 ORDER BY rowid",
              changes));

  std::vector<RoundRecord> out;
  int rc;
  while ((rc = sqlite3_step(rounds.get())) == SQLITE_ROW) {
    const int64_t id = rounds.Int(0);
    RoundRecord rec;
    rec.run_id = rounds.Text(1);
    rec.round = rounds.Int(2);
    auto snapshot = WindowSnapshotFromJson(rounds.Text(3));
    if (!snapshot.ok()) {
      return DataLossError("history " + path_ + ": round " + std::to_string(rec.round) +
                           " of run " + rec.run_id + ": " + snapshot.status().message());
    }
    rec.snapshot = std::move(snapshot).value();

    sqlite3_reset(recs.get());
    recs.Bind(1, id);
    int rrc;
    while ((rrc = sqlite3_step(recs.get())) == SQLITE_ROW) {
      RecommendationRow r;
      r.id = recs.Text(0);
      r.target_kind = recs.Text(1);
      r.target_file = recs.Text(2);
      r.key = recs.Text(3);
      r.current = recs.Text(4);
      r.proposed = recs.Text(5);
      r.status = recs.Text(6);
      r.json = recs.Text(7);
      rec.recommendations.push_back(std::move(r));
    }
    if (rrc != SQLITE_DONE) return Error(StatusCode::kInternal, "load recommendations");

    sqlite3_reset(changes.get());
    changes.Bind(1, id);
    while ((rrc = sqlite3_step(changes.get())) == SQLITE_ROW) {
      ChangeRow c;
      c.change_id = changes.Text(0);
      c.file = changes.Text(1);
      c.backup_path = changes.Text(2);
      c.before_sha256 = changes.Text(3);
      c.after_sha256 = changes.Text(4);
      c.diff = changes.Text(5);
      rec.changes.push_back(std::move(c));
    }
    if (rrc != SQLITE_DONE) return Error(StatusCode::kInternal, "load changes");
    out.push_back(std::move(rec));
  }
  if (rc != SQLITE_DONE) return Error(StatusCode::kInternal, "load rounds");
  return out;
}

Status SqliteHistoryStore::UpdateRecommendationStatus(const std::string& run_id,
                                                      const std::string& rec_id,
                                                      const std::string& status) {
  if (!IsKnownStatus(status)) {
    return InvalidArgumentError("history " + path_ + ": unknown recommendation status \"" + status +
                                "\"");
  }
  // Ids are stable per round ("batch_queue:<key>"), so the same id recurs in
  // later rounds: the status belongs to the most recent round that has it.
  Transaction tx(db_);
  TFLO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "begin"));
  tx.set_open();
  Stmt find;
  TFLO_RETURN_IF_ERROR(Prepare(
      "SELECT rec.rowid, rec.json FROM recommendations rec JOIN rounds r ON r.id = rec.round_id "
      "WHERE r.run_id = ?1 AND rec.rec_id = ?2 ORDER BY r.round DESC, rec.rowid DESC LIMIT 1",
      find));
  find.Bind(1, run_id);
  find.Bind(2, rec_id);
  const int rc = sqlite3_step(find.get());
  if (rc == SQLITE_DONE) {
    return NotFoundError("history " + path_ + ": no recommendation " + rec_id + " in run " +
                         run_id);
  }
  if (rc != SQLITE_ROW) return Error(StatusCode::kInternal, "find recommendation " + rec_id);
  const int64_t rowid = find.Int(0);
  std::string json = find.Text(1);
  // Keep the stored JSON's "status" in step with the column when it is an
  // object that has one; anything else is left as it was written.
  try {
    auto doc = nlohmann::ordered_json::parse(json);
    if (doc.is_object() && doc.contains("status")) {
      doc["status"] = status;
      json = doc.dump();
    }
  } catch (const nlohmann::json::exception&) {
    // Not JSON: the column alone carries the status.
  }
  Stmt update;
  TFLO_RETURN_IF_ERROR(
      Prepare("UPDATE recommendations SET status = ?1, json = ?2 WHERE rowid = ?3", update));
  update.Bind(1, status);
  update.Bind(2, json);
  update.Bind(3, rowid);
  TFLO_RETURN_IF_ERROR(StepDone(update, "update recommendation " + rec_id));
  TFLO_RETURN_IF_ERROR(Exec("COMMIT", "commit status"));
  tx.set_closed();
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenHistoryStore(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("history: database path is empty");
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return UnavailableError("history " + path + ": cannot open: " + msg);
  }
  auto store = std::make_unique<SqliteHistoryStore>(path, db);
  TFLO_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<HistoryStore>(std::move(store));
}

}  // namespace tflo::analyzer
