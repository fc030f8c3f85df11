// Minimal RAII over the SQLite C API: a connection with a cache of prepared
// statements, and a statement handle that binds by position and resets
// itself when it goes out of scope.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <google/protobuf/message_lite.h>
#include <sqlite3.h>

#include "eventwire/store.h"

namespace eventwire::store_internal {

// A value to bind. (A plain struct rather than std::variant: GCC 12 reports
// false maybe-uninitialized warnings for initializer lists of variants.)
struct Value {
  enum Kind { kInt, kDouble, kText };
  Value(int64_t v) : kind(kInt), i(v) {}
  Value(double v) : kind(kDouble), d(v) {}
  Value(std::string v) : kind(kText), s(std::move(v)) {}
  Kind kind;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

// CPU time of the calling thread: unlike wall time, not stretched when other
// processes take the cores.
absl::Duration ThreadCpuTime();

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Bind(int index, const Value& v);
  void BindAll(const std::vector<Value>& values, int first_index = 1);
  void BindBlob(int index, const std::string& bytes);
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  absl::StatusOr<bool> Step();
  // Runs to completion.
  absl::Status Run();
  // Ready to Step again with new bindings (the old ones are kept until rebound).
  absl::Status Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  bool TextEquals(int col, const std::string& value) const;
  std::string Blob(int col) const;
  // Valid until the next Step or the statement's reset.
  std::string_view BlobView(int col) const;
  // Parses the column's bytes where SQLite holds them (no copy); false when they do not parse.
  bool ParseBlob(int col, google::protobuf::MessageLite* message) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection;

// A read transaction: the statements run while it lives see one snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection* conn) : conn_(conn) {}
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Connection* conn_;
};

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                         int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  absl::Status Exec(const std::string& sql);
  // Ends (commits) when the result goes out of scope.
  absl::StatusOr<std::unique_ptr<ReadTransaction>> BeginRead();
  // A prepared statement for `sql`, compiled once per connection.
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(const std::string& sql);

  // While set, long statements poll `cancelled` and stop with SQLITE_INTERRUPT.
  void SetCancel(const CancelFn* cancelled);
  // While > 0, statements also stop with SQLITE_INTERRUPT after about
  // `thousands` x 1000 virtual-machine instructions or `max_time` of this
  // thread's CPU time, unless the rows counted with NoteRow() so far project
  // that all `rows_wanted` arrive within kOverrun x that budget.
  // budget_exhausted() tells this apart from a cancellation. 0 removes the budget.
  void SetStepBudget(int64_t thousands, absl::Duration max_time = absl::InfiniteDuration(),
                     int64_t rows_wanted = 0);
  void NoteRow() { ++budget_rows_; }
  bool budget_exhausted() const { return budget_exhausted_; }
  int changes() const { return sqlite3_changes(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  absl::Status Error(const std::string& what) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  static int OnProgress(void* self);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  const CancelFn* cancelled_ = nullptr;
  static constexpr double kOverrun = 4;
  bool OverBudget() const;

  int64_t budget_ = 0;
  int64_t budget_used_ = 0;
  absl::Duration budget_max_time_ = absl::InfiniteDuration();
  absl::Duration budget_start_;  // thread CPU time when the budget was set
  int64_t budget_rows_wanted_ = 0;
  int64_t budget_rows_ = 0;
  bool budget_exhausted_ = false;
};

}  // namespace eventwire::store_internal
