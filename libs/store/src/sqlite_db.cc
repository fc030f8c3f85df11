#include "sqlite_db.h"

#include <time.h>

#include <absl/strings/str_cat.h>

#include "postings.h"

namespace eventwire::store_internal {

void Statement::Bind(int index, const Value& v) {
  switch (v.kind) {
    case Value::kInt: sqlite3_bind_int64(stmt_, index, v.i); break;
    case Value::kDouble: sqlite3_bind_double(stmt_, index, v.d); break;
    case Value::kText:
      sqlite3_bind_text(stmt_, index, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
      break;
  }
}

void Statement::BindAll(const std::vector<Value>& values, int first_index) {
  for (size_t i = 0; i < values.size(); ++i) Bind(first_index + static_cast<int>(i), values[i]);
}

void Statement::BindBlob(int index, const std::string& bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

absl::StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (rc == SQLITE_INTERRUPT) return absl::DeadlineExceededError("query cancelled or past its deadline");
  return absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(db)));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::Status Statement::Reset() {
  if (sqlite3_reset(stmt_) != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(sqlite3_db_handle(stmt_))));
  }
  return absl::OkStatus();
}

std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}

bool Statement::TextEquals(int col, const std::string& value) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const size_t n = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
  return p && n == value.size() && value.compare(0, n, reinterpret_cast<const char*>(p), n) == 0;
}

std::string_view Statement::BlobView(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}

std::string Statement::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
}

bool Statement::ParseBlob(int col, google::protobuf::MessageLite* message) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);  // after the pointer, as SQLite documents
  return message->ParseFromArray(p, n);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             bool read_only,
                                                             int busy_timeout_ms) {
  // SQLite counts every allocation under one process-wide mutex unless told
  // not to (before it initializes, so at the first open): readers on
  // separate connections and threads then queue on it. Nothing reads the counts.
  // (SQLITE_MISUSE when something else initialized SQLite first: kept as is.)
  [[maybe_unused]] static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open database ", path, ": ", msg));
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  auto conn = std::unique_ptr<Connection>(new Connection(db));
  sqlite3_progress_handler(db, 1000, &Connection::OnProgress, conn.get());
  if (RegisterPostingFunctions(db) != SQLITE_OK) return conn->Error("register functions");
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::InternalError(absl::StrCat("sqlite: ", msg));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Statement>> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return Error("prepare");
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return std::make_unique<Statement>(it->second);
}

absl::StatusOr<std::unique_ptr<ReadTransaction>> Connection::BeginRead() {
  absl::StatusOr<std::unique_ptr<Statement>> st = Prepare("BEGIN");
  if (!st.ok()) return st.status();
  if (absl::Status s = (*st)->Run(); !s.ok()) return s;
  return std::make_unique<ReadTransaction>(this);
}

ReadTransaction::~ReadTransaction() {
  // A read-only transaction has nothing to lose: COMMIT only ends the snapshot.
  absl::StatusOr<std::unique_ptr<Statement>> st = conn_->Prepare("COMMIT");
  if (st.ok()) (*st)->Run().IgnoreError();
}

void Connection::SetCancel(const CancelFn* cancelled) { cancelled_ = cancelled; }

// CPU time of the calling thread: unlike wall time, not stretched when other
// processes take the cores, so budgets choose the same plan on a busy machine.
absl::Duration ThreadCpuTime() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

void Connection::SetStepBudget(int64_t thousands, absl::Duration max_time, int64_t rows_wanted) {
  budget_ = thousands;
  budget_max_time_ = max_time;
  budget_start_ = thousands > 0 ? ThreadCpuTime() : absl::ZeroDuration();
  budget_rows_wanted_ = rows_wanted;
  budget_rows_ = 0;
  budget_used_ = 0;
  budget_exhausted_ = false;
}

bool Connection::OverBudget() const {
  if (budget_used_ <= budget_ && ThreadCpuTime() - budget_start_ <= budget_max_time_) return false;
  if (budget_rows_ == 0 || budget_rows_wanted_ <= 0) return true;
  // Over budget but finding rows: finish when the projection to all the rows
  // wanted stays within kOverrun x the budget (a slow start is not a rare match).
  const double scale = static_cast<double>(budget_rows_wanted_) / static_cast<double>(budget_rows_);
  return static_cast<double>(budget_used_) * scale > kOverrun * static_cast<double>(budget_) ||
         absl::FDivDuration(ThreadCpuTime() - budget_start_, budget_max_time_) * scale > kOverrun;
}

// Called every 1000 instructions (see Open).
int Connection::OnProgress(void* self) {
  auto* conn = static_cast<Connection*>(self);
  const CancelFn* c = conn->cancelled_;
  if (c && *c && (*c)()) return 1;
  if (conn->budget_ > 0) {
    ++conn->budget_used_;
    if (conn->OverBudget()) {
      conn->budget_exhausted_ = true;
      return 1;
    }
  }
  return 0;
}

absl::Status Connection::Error(const std::string& what) const {
  return absl::InternalError(absl::StrCat("sqlite ", what, ": ", sqlite3_errmsg(db_)));
}

}  // namespace eventwire::store_internal
