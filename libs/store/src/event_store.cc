#include <algorithm>
#include <limits>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/time/clock.h>

#include "eventwire/log.h"
#include "eventwire/store.h"
#include "filter_sql.h"
#include "postings.h"
#include "sqlite_db.h"

namespace eventwire {

using store_internal::BuildWhere;
using store_internal::Connection;
using store_internal::Micros;
using store_internal::Statement;
using store_internal::Value;
using store_internal::WhereClause;

namespace {

// One row per event: the columns every filter and order needs, indexed, and
// the whole protobuf in `body`. `seq` orders changes for the live tail.
// Evidence sentences are indexed by a contentless FTS5 table (events_text,
// rowids in date order: filter_sql.h) kept in step by triggers.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  event_date INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  confidence REAL NOT NULL,
  cameo_code TEXT NOT NULL,
  cameo_root TEXT NOT NULL,
  plover_type TEXT NOT NULL,
  s_code TEXT NOT NULL, s_group TEXT NOT NULL, s_name TEXT NOT NULL, s_country TEXT NOT NULL,
  t_code TEXT NOT NULL, t_group TEXT NOT NULL, t_name TEXT NOT NULL, t_country TEXT NOT NULL,
  loc_name TEXT NOT NULL, loc_text TEXT NOT NULL, loc_country TEXT NOT NULL,
  story_id TEXT NOT NULL,
  evidence TEXT NOT NULL,
  body BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS events_seq ON events(seq);
-- One index per sort order, (sort key, event_id) for keyset paging, followed by
-- every short filter column: walking it in order evaluates the filters on the
-- index entry and reads the table row only for rows that match.
CREATE INDEX IF NOT EXISTS events_walk_date ON events(event_date, event_id, first_seen, confidence,
  cameo_code, plover_type, loc_country, s_country, t_country, s_code, t_code, s_group, t_group,
  s_name, t_name, loc_name, loc_text);
CREATE INDEX IF NOT EXISTS events_walk_first_seen ON events(first_seen, event_id, event_date,
  confidence, cameo_code, plover_type, loc_country, s_country, t_country, s_code, t_code, s_group,
  t_group, s_name, t_name, loc_name, loc_text);
CREATE INDEX IF NOT EXISTS events_walk_confidence ON events(confidence, event_id, event_date,
  first_seen, cameo_code, plover_type, loc_country, s_country, t_country, s_code, t_code, s_group,
  t_group, s_name, t_name, loc_name, loc_text);
DROP INDEX IF EXISTS events_by_date;
DROP INDEX IF EXISTS events_by_first_seen;
DROP INDEX IF EXISTS events_by_confidence;
-- Confidence order within a short date range: one range scan per day of it,
-- merged (ListByDayConfidence). The day is filter_sql.h's TextDay.
CREATE INDEX IF NOT EXISTS events_day_confidence ON events(event_date / 86400000000, confidence, event_id,
  event_date);
CREATE INDEX IF NOT EXISTS events_by_cameo ON events(cameo_code, event_date);
CREATE INDEX IF NOT EXISTS events_by_plover ON events(plover_type, event_date);
CREATE INDEX IF NOT EXISTS events_by_story ON events(story_id);
CREATE INDEX IF NOT EXISTS events_by_s_code ON events(s_code);
CREATE INDEX IF NOT EXISTS events_by_t_code ON events(t_code);
CREATE INDEX IF NOT EXISTS events_by_s_group ON events(s_group);
CREATE INDEX IF NOT EXISTS events_by_t_group ON events(t_group);
CREATE INDEX IF NOT EXISTS events_by_s_name ON events(s_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_by_t_name ON events(t_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_by_loc_country ON events(loc_country);
CREATE INDEX IF NOT EXISTS events_by_s_country ON events(s_country);
CREATE INDEX IF NOT EXISTS events_by_t_country ON events(t_country);
CREATE INDEX IF NOT EXISTS events_by_loc_name ON events(loc_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS events_by_loc_text ON events(loc_text COLLATE NOCASE);
DROP TRIGGER IF EXISTS events_ai;
DROP TRIGGER IF EXISTS events_ad;
DROP TRIGGER IF EXISTS events_au;
DROP TABLE IF EXISTS events_fts;
CREATE VIRTUAL TABLE IF NOT EXISTS events_text USING fts5(
  evidence, content='', tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS stories (
  story_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  body BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stories_by_last_seen ON stories(last_seen);
-- Stories merged into an event (Event.related_story_ids, services/pipeline's
-- event merging): a story_id filter finds the event through them too. Related
-- stories only grow across versions, so rows are only added (and go with the event).
CREATE TABLE IF NOT EXISTS event_related_stories (
  story_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  PRIMARY KEY (story_id, event_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_related_stories_by_event ON event_related_stories(event_id);
CREATE TRIGGER IF NOT EXISTS event_related_stories_ad AFTER DELETE ON events BEGIN
  DELETE FROM event_related_stories WHERE event_id = old.event_id;
END;
CREATE TABLE IF NOT EXISTS kafka_offsets (
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition)) WITHOUT ROWID;
)sql";

constexpr const char* kUpsertEvent = R"sql(
INSERT INTO events (event_id, version, seq, event_date, first_seen, confidence, cameo_code,
  cameo_root, plover_type, s_code, s_group, s_name, s_country, t_code, t_group, t_name, t_country,
  loc_name, loc_text, loc_country, story_id, evidence, body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
  ?21, ?22, ?23)
ON CONFLICT(event_id) DO UPDATE SET version = excluded.version, seq = excluded.seq,
  event_date = excluded.event_date, first_seen = excluded.first_seen,
  confidence = excluded.confidence, cameo_code = excluded.cameo_code,
  cameo_root = excluded.cameo_root, plover_type = excluded.plover_type, s_code = excluded.s_code,
  s_group = excluded.s_group, s_name = excluded.s_name, s_country = excluded.s_country,
  t_code = excluded.t_code, t_group = excluded.t_group, t_name = excluded.t_name,
  t_country = excluded.t_country, loc_name = excluded.loc_name, loc_text = excluded.loc_text,
  loc_country = excluded.loc_country, story_id = excluded.story_id, evidence = excluded.evidence,
  body = excluded.body
WHERE excluded.version > events.version
)sql";

constexpr const char* kSelectStored = R"sql(
SELECT version, event_date, first_seen, confidence, cameo_root, story_id, evidence, s_code, s_group,
  s_name, s_country, t_code, t_group, t_name, t_country, cameo_code, plover_type, loc_name, loc_text,
  loc_country, id
FROM events WHERE event_id = ?1
)sql";

// A later version whose indexed columns are all unchanged.
constexpr const char* kUpdateBody = R"sql(
UPDATE events SET version = ?2, seq = ?3, body = ?4 WHERE event_id = ?1 AND version < ?2
)sql";

constexpr const char* kUpsertStory = R"sql(
INSERT INTO stories (story_id, version, last_seen, body) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT(story_id) DO UPDATE SET version = excluded.version, last_seen = excluded.last_seen,
  body = excluded.body
WHERE excluded.version > stories.version
)sql";

std::string TextTriggers() {
  const std::string insert_new = absl::StrCat("INSERT INTO events_text (rowid, evidence) VALUES (",
                                              store_internal::TextRowidSql("new"), ", new.evidence);");
  const std::string delete_old =
      absl::StrCat("INSERT INTO events_text (events_text, rowid, evidence) VALUES ('delete', ",
                   store_internal::TextRowidSql("old"), ", old.evidence);");
  return absl::StrCat("CREATE TRIGGER IF NOT EXISTS events_text_ai AFTER INSERT ON events BEGIN ", insert_new,
                      " END;\nCREATE TRIGGER IF NOT EXISTS events_text_ad AFTER DELETE ON events BEGIN ", delete_old,
                      // Only when the sentence or the day (in the rowid) changes.
                      " END;\nDROP TRIGGER IF EXISTS events_text_au;\nCREATE TRIGGER events_text_au AFTER UPDATE OF "
                      "event_date, evidence ON events BEGIN ", delete_old,
                      " ", insert_new, " END;\n");
}

absl::StatusOr<bool> TableExists(Connection* conn, const char* name) {
  absl::StatusOr<std::unique_ptr<Statement>> st =
      conn->Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, std::string(name));
  return (*st)->Step();
}

absl::StatusOr<bool> IndexExists(Connection* conn, const char* name) {
  absl::StatusOr<std::unique_ptr<Statement>> st =
      conn->Prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, std::string(name));
  return (*st)->Step();
}

// The schema, in one transaction with filling the posting lists of a store
// written before they existed: a crash half-way leaves the old schema, and the
// next open tries again.
absl::Status CreateSchema(Connection* writer) {
  if (absl::Status s = writer->Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::Status s = [&]() -> absl::Status {
    absl::StatusOr<bool> had_events = TableExists(writer, "events");
    if (!had_events.ok()) return had_events.status();
    std::vector<const store_internal::PostingTable*> missing;
    for (const store_internal::PostingTable* t : store_internal::PostingTables()) {
      absl::StatusOr<bool> had = TableExists(writer, t->table);
      if (!had.ok()) return had.status();
      if (*had) {
        // Posting rows from before they carried a second signature, the
        // confidence and the event's row id: rebuilt like missing ones.
        absl::StatusOr<std::unique_ptr<Statement>> st =
            writer->Prepare(absl::StrCat("SELECT 1 FROM pragma_table_info('", t->table, "') WHERE name = 'k_row'"));
        if (!st.ok()) return st.status();
        absl::StatusOr<bool> current = (*st)->Step();
        if (!current.ok()) return current.status();
        st->reset();  // no statement may be running while the table is dropped
        if (!*current) {
          LogInfo("store: posting lists of an older format are dropped, to be rebuilt", {{"table", t->table}});
          if (absl::Status d = writer->Exec(absl::StrCat("DROP TABLE ", t->table)); !d.ok()) return d;
          *had = false;
        }
      }
      if (!*had) missing.push_back(t);
    }
    absl::StatusOr<bool> had_text = TableExists(writer, "events_text");
    if (!had_text.ok()) return had_text.status();
    absl::StatusOr<bool> had_day_confidence = IndexExists(writer, "events_day_confidence");
    if (!had_day_confidence.ok()) return had_day_confidence.status();
    const absl::Time schema_start = absl::Now();
    if (*had_events && !*had_day_confidence) LogInfo("store: building the confidence-by-day index of an older store", {});
    if (absl::Status st = writer->Exec(absl::StrCat(kSchema, TextTriggers(), store_internal::PostingsSchema()));
        !st.ok()) {
      return st;
    }
    if (!*had_events) return absl::OkStatus();
    if (!*had_day_confidence) {
      LogInfo("store: confidence-by-day index built",
              {{"seconds", absl::StrCat(absl::ToDoubleSeconds(absl::Now() - schema_start))}});
    }
    if (!*had_text) {
      const absl::Time start = absl::Now();
      LogInfo("store: building the date-ordered text index of an older store", {});
      if (absl::Status st = writer->Exec(absl::StrCat("INSERT INTO events_text (rowid, evidence) SELECT ",
                                                      store_internal::TextRowidSql("events"),
                                                      ", evidence FROM events ORDER BY 1"));
          !st.ok()) {
        return st;
      }
      LogInfo("store: text index built", {{"seconds", absl::StrCat(absl::ToDoubleSeconds(absl::Now() - start))}});
    }
    for (const store_internal::PostingTable* t : missing) {
      const absl::Time start = absl::Now();
      LogInfo("store: building the posting lists of an older store", {{"table", t->table}});
      if (absl::Status st = writer->Exec(store_internal::PostingsRebuildSql(*t)); !st.ok()) return st;
      LogInfo("store: posting lists built",
              {{"table", t->table}, {"seconds", absl::StrCat(absl::ToDoubleSeconds(absl::Now() - start))}});
    }
    return absl::OkStatus();
  }();
  if (s.ok()) s = writer->Exec("COMMIT");
  if (!s.ok()) writer->Exec("ROLLBACK").IgnoreError();
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Start (UTC) of an ISO date of any precision: "2026-11-20", "2026-11", "2026".
std::optional<int64_t> ParseIsoDateMicros(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  int64_t ymd[3] = {0, 1, 1};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 4) return std::nullopt;
    for (char c : parts[i]) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    ymd[i] = std::stoll(parts[i]);
  }
  if (ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31) return std::nullopt;
  return DaysFromCivil(ymd[0], ymd[1], ymd[2]) * 86400 * int64_t{1000000};
}

// First seen, else published, else now: every row has a time for retention.
int64_t FirstSeenMicros(const v1::Event& e) {
  if (e.has_first_seen()) return Micros(e.first_seen());
  if (e.has_published_at()) return Micros(e.published_at());
  return absl::ToUnixMicros(absl::Now());
}

// The event's own date when it has one, else when it was published or first seen.
int64_t EventDateMicros(const v1::Event& e) {
  if (auto d = ParseIsoDateMicros(e.event_date().date())) return *d;
  if (e.has_published_at()) return Micros(e.published_at());
  return FirstSeenMicros(e);
}

absl::StatusOr<v1::Event> ParseEvent(const std::string& bytes) {
  v1::Event e;
  if (!e.ParseFromString(bytes)) return absl::DataLossError("stored event does not parse");
  return e;
}

// Adds the event in column `col` to the page, parsed or as wire bytes (ListQuery::wire_field).
bool AddEvent(const Statement& st, int col, const ListQuery& query, ListResult* out) {
  ++out->count;
  if (query.wire_field <= 0) return st.ParseBlob(col, out->events.Add());
  const std::string_view bytes = st.BlobView(col);
  uint64_t v = (static_cast<uint64_t>(query.wire_field) << 3) | 2;  // tag: length-delimited
  for (int i = 0; i < 2; ++i) {
    while (v >= 0x80) {
      out->wire.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out->wire.push_back(static_cast<char>(v));
    v = bytes.size();  // then the length
  }
  out->wire.append(bytes);
  return true;
}

// Steps `st` (columns: sort key, event_id, body) into one page of at most
// query.page_size events; one row more sets the cursor of the next page.
// Rows are counted on `note_rows` (the walk budget) when it is not null.
absl::StatusOr<ListResult> ReadPage(Statement* st, const ListQuery& query, Connection* note_rows) {
  ListResult out;
  PageCursor last;
  while (true) {
    absl::StatusOr<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (note_rows != nullptr) note_rows->NoteRow();
    if (out.count == query.page_size) {
      out.next = last;  // a row beyond the page exists
      break;
    }
    if (!AddEvent(*st, 2, query, &out)) return absl::DataLossError("stored event does not parse");
    last.sort_key = st->Double(0);
    last.event_id = st->Text(1);
  }
  return out;
}

struct OrderSpec {
  const char* column;
  bool descending;
  const char* walk_index;  // (column, event_id, filter columns...)
};

OrderSpec SpecOf(EventOrder order) {
  switch (order) {
    case EventOrder::kEventDateAsc: return {"event_date", false, "events_walk_date"};
    case EventOrder::kFirstSeenDesc: return {"first_seen", true, "events_walk_first_seen"};
    case EventOrder::kFirstSeenAsc: return {"first_seen", false, "events_walk_first_seen"};
    case EventOrder::kConfidenceDesc: return {"confidence", true, "events_walk_confidence"};
    case EventOrder::kEventDateDesc: break;
  }
  return {"event_date", true, "events_walk_date"};
}

// A page can be found two ways. Walking the order's index and filtering entry
// by entry stops after page_size + 1 matches: cheap when matches are common,
// a scan of everything when they are rare. Starting from the most selective
// filter index (SQLite's planner) and sorting the matches costs in proportion
// to the number of matches: cheap when they are rare. So the walk goes first
// with a bounded budget of SQLite steps (StoreOptions); when it runs out,
// matches are rare enough for the planner's way to be cheap. Either way the
// page is the same. The CPU-time cap only guards against slow steps (a text
// filter looks each walked row up in the FTS index).
constexpr absl::Duration kWalkTimeCap = absl::Milliseconds(10);
// How long and for how many filters a failed walk is remembered (EventStore::Impl::walk_failed).
constexpr absl::Duration kWalkMemory = absl::Seconds(60);
constexpr size_t kWalkMemoryEntries = 4096;

// Nothing to walk for when the filter has nothing beyond the order's own range
// (the planner walks the same index), or when a story id picks a handful of rows.
bool WorthWalking(const v1::EventFilter& f, EventOrder order) {
  if (!f.story_id().empty()) return false;
  v1::EventFilter rest = f;
  if (SpecOf(order).column == std::string("event_date")) {
    rest.clear_event_date_from();
    rest.clear_event_date_to();
  } else if (SpecOf(order).column == std::string("first_seen")) {
    rest.clear_first_seen_from();
    rest.clear_first_seen_to();
  }
  return rest.ByteSizeLong() > 0;
}

// kWalk: walk the order's index. kFromFilters: after a walk ran out, start from
// the filters' indexes ("+column" keeps SQLite from walking the order's index
// after all, which its cost model, not knowing the bound values, may prefer).
// kAny: SQLite's own choice.
enum class Plan { kWalk, kFromFilters, kAny };

absl::StatusOr<ListResult> ListOnce(Connection* conn, const ListQuery& query, Plan plan) {
  const bool walk = plan == Plan::kWalk;
  const char* unary = plan == Plan::kFromFilters ? "+" : "";
  const OrderSpec spec = SpecOf(query.order);
  WhereClause where =
      BuildWhere(query.filter, walk ? store_internal::TextMatch::kPerRow : store_internal::TextMatch::kMatchSet);
  // The walk reads rows in order and stops at the page, so it fetches only the
  // bodies it returns. The other plans sort every match: they sort the keys
  // alone (index entries, no table row unless a filter needs it) and fetch the
  // bodies of the page afterwards, instead of copying every match's body into
  // SQLite's sorter.
  std::string sql = absl::StrCat("SELECT ", walk ? "" : "id, ", spec.column, ", event_id",
                                 walk ? ", body" : "", " FROM events",
                                 walk ? absl::StrCat(" INDEXED BY ", spec.walk_index) : "", " WHERE (",
                                 where.sql, ")");
  if (query.after) {
    absl::StrAppend(&sql, " AND (", unary, spec.column, ", ", unary, "event_id) ", spec.descending ? "<" : ">",
                    " (?, ?)");
    if (query.order == EventOrder::kConfidenceDesc) {
      where.values.push_back(query.after->sort_key);
    } else {
      where.values.push_back(static_cast<int64_t>(query.after->sort_key));
    }
    where.values.push_back(query.after->event_id);
  }
  const char* dir = spec.descending ? "DESC" : "ASC";
  absl::StrAppend(&sql, " ORDER BY ", unary, spec.column, " ", dir, ", ", unary, "event_id ", dir, " LIMIT ?");
  where.values.push_back(int64_t{query.page_size} + 1);
  if (!walk) {
    sql = absl::StrCat("SELECT p.", spec.column, ", p.event_id, e.body FROM (", sql,
                       ") AS p CROSS JOIN events AS e ON e.id = p.id ORDER BY p.", spec.column, " ", dir,
                       ", p.event_id ", dir);
  }

  absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(sql);
  if (!st.ok()) return st.status();
  (*st)->BindAll(where.values);
  return ReadPage(st->get(), query, conn);
}

// Posting lists (postings.h) answer filters in event-date order: one filter
// field's keys are read in page order and each candidate is tested against the
// rest of the filter on its entry in the walk index (not the table row), so a
// page costs its candidates, not a walk of every event. The field with the
// fewest postings drives. When that is still very many and other filters must
// be tested, the matches may be rare: List's older plans bound that case.
constexpr int64_t kMaxDriverPostings = 200000;
// A code prefix shorter than a posted one covers many codes: more than this and
// the field does not drive.
constexpr int kMaxDriverKeys = 32;

struct PostingPlan {
  const store_internal::PostingTable* table = nullptr;
  const char* field = nullptr;
  std::vector<std::string> keys;  // those with postings; empty: nothing matches
  int64_t estimate = 0;           // postings under the keys
  // Signature test (postings.h KeyBits) for each other field with posting keys:
  // for one of its keys, both halves of the key's bits must be all in k_mask
  // and k_mask2. No alternatives: nothing matches.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> other_fields;
};

absl::StatusOr<std::optional<PostingPlan>> PlanPostings(Connection* conn, const ListQuery& q) {
  const store_internal::PostingTable* table = store_internal::PostingTableFor(q.order);
  if (table == nullptr || !q.filter.story_id().empty()) {
    return std::nullopt;  // no postings in confidence order; a story has its own index
  }
  std::vector<PostingPlan> usable;
  for (const store_internal::KeyGroup& g : store_internal::PostingGroups(q.filter)) {
    PostingPlan plan{table, g.field, {}, 0, {}};
    for (const std::string& key : g.keys) {
      absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare("SELECT n FROM posting_counts WHERE key = ?");
      if (!st.ok()) return st.status();
      (*st)->Bind(1, key);
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row || (*st)->Int(0) <= 0) continue;
      plan.keys.push_back(key);
      plan.estimate += (*st)->Int(0);
    }
    bool too_many = false;
    for (const auto& [from, to] : g.ranges) {
      absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(
          "SELECT key, n FROM posting_counts WHERE key >= ? AND key < ? AND n > 0 ORDER BY key LIMIT ?");
      if (!st.ok()) return st.status();
      (*st)->BindAll({Value(from), Value(to), Value(int64_t{kMaxDriverKeys + 1})});
      while (true) {
        absl::StatusOr<bool> row = (*st)->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        plan.keys.push_back((*st)->Text(0));
        plan.estimate += (*st)->Int(1);
      }
    }
    too_many = static_cast<int>(plan.keys.size()) > kMaxDriverKeys;
    if (!too_many) usable.push_back(std::move(plan));
  }
  std::optional<PostingPlan> best;
  for (const PostingPlan& p : usable) {
    if (!best || p.estimate < best->estimate) best = p;
  }
  if (!best) return std::nullopt;
  for (const PostingPlan& p : usable) {
    if (p.field == best->field) continue;
    std::vector<std::pair<uint64_t, uint64_t>>& alternatives = best->other_fields.emplace_back();
    for (const std::string& key : p.keys) {
      alternatives.emplace_back(store_internal::KeyBits(key, 0), store_internal::KeyBits(key, 1));
    }
  }
  if (best->estimate > kMaxDriverPostings &&
      store_internal::Residual(q.filter, best->field, *table).ByteSizeLong() > 0) {
    return std::nullopt;
  }
  return best;
}

// The page from the driver's postings: one range scan per key, merged by
// SQLite (UNION ALL under ORDER BY merges co-routines, no sort) and stopped at
// the page; an event under several keys comes out adjacent and is kept once.
absl::StatusOr<ListResult> ListFromPostings(Connection* conn, const ListQuery& query, const PostingPlan& plan) {
  ListResult out;
  if (plan.keys.empty()) return out;
  const bool desc = query.order == EventOrder::kEventDateDesc || query.order == EventOrder::kFirstSeenDesc;
  const store_internal::PostingTable& t = *plan.table;
  const v1::EventFilter& f = query.filter;
  WhereClause rest = BuildWhere(store_internal::Residual(f, plan.field, t), store_internal::TextMatch::kPerRow);
  // The candidate's table row by its id: the rest of the filter and the body in one seek.
  std::string arm = absl::StrCat("SELECT ", t.sort_column, ", k_id, body FROM ", t.table,
                                 " CROSS JOIN events ON events.id = k_row WHERE key = ?");
  std::vector<Value> bounds;
  const bool by_date = t.sort_column == std::string("k_date");
  const google::protobuf::Timestamp& from = by_date ? f.event_date_from() : f.first_seen_from();
  const google::protobuf::Timestamp& to = by_date ? f.event_date_to() : f.first_seen_to();
  if (from.seconds() != 0 || from.nanos() != 0) {
    absl::StrAppend(&arm, " AND ", t.sort_column, " >= ?");
    bounds.push_back(Micros(from));
  }
  if (to.seconds() != 0 || to.nanos() != 0) {
    absl::StrAppend(&arm, " AND ", t.sort_column, " < ?");
    bounds.push_back(Micros(to));
  }
  if (query.after) {
    absl::StrAppend(&arm, " AND (", t.sort_column, ", k_id) ", desc ? "<" : ">", " (?, ?)");
    bounds.push_back(static_cast<int64_t>(query.after->sort_key));
    bounds.push_back(query.after->event_id);
  }
  for (const std::vector<std::pair<uint64_t, uint64_t>>& alternatives : plan.other_fields) {
    std::vector<std::string> any;
    for (const auto& [bits, bits2] : alternatives) {
      // Bound as signed 64-bit integers: SQLite's & works on the same bits.
      any.push_back("((k_mask & ?) = ? AND (k_mask2 & ?) = ?)");
      bounds.insert(bounds.end(), {Value(static_cast<int64_t>(bits)), Value(static_cast<int64_t>(bits)),
                                   Value(static_cast<int64_t>(bits2)), Value(static_cast<int64_t>(bits2))});
    }
    absl::StrAppend(&arm, " AND (", any.empty() ? "0" : absl::StrJoin(any, " OR "), ")");
  }
  if (f.min_confidence() > 0) {
    // On the posting row: most candidates below it never reach the walk index.
    absl::StrAppend(&arm, " AND k_conf >= ?");
    bounds.push_back(f.min_confidence());
  }
  absl::StrAppend(&arm, " AND (", rest.sql, ")");
  std::vector<std::string> arms(plan.keys.size(), arm);
  const char* dir = desc ? " DESC" : " ASC";
  std::string sql = absl::StrCat(absl::StrJoin(arms, " UNION ALL "), " ORDER BY 1", dir, ", 2", dir);
  absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(sql);
  if (!st.ok()) return st.status();
  int index = 1;
  for (const std::string& key : plan.keys) {
    (*st)->Bind(index++, Value(key));
    (*st)->BindAll(bounds, index);
    index += static_cast<int>(bounds.size());
    (*st)->BindAll(rest.values, index);
    index += static_cast<int>(rest.values.size());
  }
  PageCursor last;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (out.count > 0 && (*st)->TextEquals(1, last.event_id)) continue;  // under another key too
    if (out.count == query.page_size) {
      out.next = last;  // a row beyond the page exists
      break;
    }
    if (!AddEvent(**st, 2, query, &out)) return absl::DataLossError("stored event does not parse");
    last.sort_key = static_cast<double>((*st)->Int(0));
    last.event_id = (*st)->Text(1);
  }
  return out;
}

// Confidence order over at most this many days of event date: one index range
// per day (events_day_confidence: day, confidence, event id), merged in page
// order by SQLite and stopped at the page, so a page costs about its rows
// rather than a walk of the confidence index testing each entry's date (a week
// of a year: ~50 entries per row of the page).
constexpr int64_t kMaxConfidenceDays = 31;

// The days of a confidence-ordered query the day ranges can answer: both date
// bounds set, at most kMaxConfidenceDays apart, and nothing else to test but
// the minimum confidence (which the index holds too).
std::optional<std::pair<int64_t, int64_t>> ConfidenceDays(const ListQuery& q) {
  const v1::EventFilter& f = q.filter;
  if (q.order != EventOrder::kConfidenceDesc || !f.has_event_date_from() || !f.has_event_date_to()) {
    return std::nullopt;
  }
  v1::EventFilter rest = f;
  rest.clear_event_date_from();
  rest.clear_event_date_to();
  rest.clear_min_confidence();
  if (rest.ByteSizeLong() > 0) return std::nullopt;
  const int64_t from = Micros(f.event_date_from()), to = Micros(f.event_date_to());
  if (from >= to) return std::nullopt;
  // TextDay is monotonic, so the days of [from, to) are the whole range between these.
  const int64_t first = store_internal::TextDay(from), last = store_internal::TextDay(to - 1);
  if (last - first + 1 > kMaxConfidenceDays) return std::nullopt;
  return std::make_pair(first, last);
}

absl::StatusOr<ListResult> ListByDayConfidence(Connection* conn, const ListQuery& query,
                                               std::pair<int64_t, int64_t> days) {
  WhereClause where = BuildWhere(query.filter);
  std::string arm = absl::StrCat("SELECT confidence, event_id, body FROM events INDEXED BY events_day_confidence ",
                                 "WHERE event_date / ", store_internal::kMicrosPerDay, " = ? AND (", where.sql, ")");
  if (query.after) {
    absl::StrAppend(&arm, " AND (confidence, event_id) < (?, ?)");
    where.values.push_back(query.after->sort_key);
    where.values.push_back(query.after->event_id);
  }
  std::vector<std::string> arms(static_cast<size_t>(days.second - days.first + 1), arm);
  const std::string sql = absl::StrCat(absl::StrJoin(arms, " UNION ALL "), " ORDER BY 1 DESC, 2 DESC LIMIT ?");
  absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(sql);
  if (!st.ok()) return st.status();
  int index = 1;
  for (int64_t day = days.first; day <= days.second; ++day) {
    (*st)->Bind(index++, Value(day));
    (*st)->BindAll(where.values, index);
    index += static_cast<int>(where.values.size());
  }
  (*st)->Bind(index, Value(int64_t{query.page_size} + 1));
  return ReadPage(st->get(), query, /*note_rows=*/nullptr);
}

// Event dates (micros) whose TextDay is `day`: [first, second). TextDay
// truncates towards zero, so day 0 spans both sides of the epoch.
std::pair<int64_t, int64_t> DayRange(int64_t day) {
  const int64_t d = store_internal::kMicrosPerDay;
  if (day > 0) return {day * d, (day + 1) * d};
  if (day == 0) return {-d + 1, d};
  return {(day - 1) * d + 1, day * d + 1};
}

// A text filter in event-date order: the text index yields its matches day by
// day in page order (its rowids, filter_sql.h). A day whose matches all fit in
// the page has each looked up by row id (its date, id and the rest of the
// filter; its body is needed anyway). The day that completes the page, when
// nothing but dates is left of the filter, is read from the date index in
// page order instead, keeping the rows among the day's matches (a sorted set
// of row ids) until the page is full: about page / match-rate index entries
// rather than one row lookup per match of the day. That walk gives up after
// kTextWalkPerMatch entries per match (a rare phrase on a crowded day) and the
// day's matches are looked up one by one after all.
constexpr size_t kTextWalkPerMatch = 8;

absl::StatusOr<ListResult> ListFromText(Connection* conn, const ListQuery& query) {
  const bool desc = query.order == EventOrder::kEventDateDesc;
  const v1::EventFilter& f = query.filter;
  v1::EventFilter rest_filter = f;
  rest_filter.clear_text();
  WhereClause rest = BuildWhere(rest_filter);
  v1::EventFilter beyond_dates = rest_filter;
  beyond_dates.clear_event_date_from();
  beyond_dates.clear_event_date_to();
  const bool only_dates = beyond_dates.ByteSizeLong() == 0;
  // Whole days: a bound inside a day is left to the row filter.
  auto day_start = [](int64_t day) { return day * store_internal::kTextDayStride; };
  int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  if (f.event_date_from().seconds() != 0 || f.event_date_from().nanos() != 0) {
    lo = std::max(lo, day_start(store_internal::TextDay(Micros(f.event_date_from()))));
  }
  if (f.event_date_to().seconds() != 0 || f.event_date_to().nanos() != 0) {
    hi = std::min(hi, day_start(store_internal::TextDay(Micros(f.event_date_to())) + 1));
  }
  if (query.after) {
    const int64_t day = store_internal::TextDay(static_cast<int64_t>(query.after->sort_key));
    if (desc) {
      hi = std::min(hi, day_start(day + 1));
    } else {
      lo = std::max(lo, day_start(day));
    }
  }
  const char* dir = desc ? " DESC" : " ASC";
  const std::string fts_sql = absl::StrCat(
      "SELECT rowid FROM events_text WHERE events_text MATCH ? AND rowid >= ? AND rowid < ? ORDER BY rowid", dir);
  const std::string lookup_sql =
      absl::StrCat("SELECT event_date, event_id FROM events WHERE id = ? AND (", rest.sql, ")");
  std::string walk_sql = absl::StrCat("SELECT event_date, event_id, id FROM events INDEXED BY events_walk_date WHERE ",
                                      "event_date >= ? AND event_date < ? AND (", rest.sql, ")");
  if (query.after) absl::StrAppend(&walk_sql, " AND (event_date, event_id) ", desc ? "<" : ">", " (?, ?)");
  absl::StrAppend(&walk_sql, " ORDER BY event_date", dir, ", event_id", dir);

  struct Match {
    int64_t date;
    std::string event_id;
    int64_t id;
  };
  auto before = [desc](const Match& a, const Match& b) {  // page order
    if (a.date != b.date) return desc ? a.date > b.date : a.date < b.date;
    return desc ? a.event_id > b.event_id : a.event_id < b.event_id;
  };
  std::optional<Match> cursor;
  if (query.after) cursor = Match{static_cast<int64_t>(query.after->sort_key), query.after->event_id, 0};
  const size_t want = static_cast<size_t>(query.page_size) + 1;  // one more tells whether a next page exists
  std::vector<Match> page;  // `want` at most, in page order

  // The day's matches one by one: all of them, sorted, the first few kept.
  auto look_up = [&](const std::vector<int64_t>& ids) -> absl::Status {
    absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(lookup_sql);
    if (!st.ok()) return st.status();
    std::vector<Match> day;
    for (int64_t id : ids) {
      (*st)->Bind(1, Value(id));
      (*st)->BindAll(rest.values, 2);
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (*row) {
        Match m{(*st)->Int(0), (*st)->Text(1), id};
        if (!cursor || before(*cursor, m)) day.push_back(std::move(m));  // else on an earlier page
      }
      if (absl::Status s = (*st)->Reset(); !s.ok()) return s;
    }
    const size_t need = std::min(day.size(), want - page.size());
    std::partial_sort(day.begin(), day.begin() + static_cast<std::ptrdiff_t>(need), day.end(), before);
    for (size_t i = 0; i < need; ++i) page.push_back(std::move(day[i]));
    return absl::OkStatus();
  };
  // The day from the date index, in page order; false when it gave up.
  auto walk = [&](int64_t day, std::vector<int64_t> ids) -> absl::StatusOr<bool> {
    std::sort(ids.begin(), ids.end());
    absl::StatusOr<std::unique_ptr<Statement>> st = conn->Prepare(walk_sql);
    if (!st.ok()) return st.status();
    const auto [from, to] = DayRange(day);
    (*st)->BindAll({Value(from), Value(to)});
    (*st)->BindAll(rest.values, 3);
    if (cursor) {
      const int index = 3 + static_cast<int>(rest.values.size());
      (*st)->BindAll({Value(cursor->date), Value(cursor->event_id)}, index);
    }
    std::vector<Match> found;
    const size_t limit = kTextWalkPerMatch * ids.size();
    for (size_t steps = 0; page.size() + found.size() < want; ++steps) {
      if (steps == limit) return false;
      absl::StatusOr<bool> row = (*st)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const int64_t id = (*st)->Int(2);
      if (std::binary_search(ids.begin(), ids.end(), id)) found.push_back({(*st)->Int(0), (*st)->Text(1), id});
    }
    for (Match& m : found) page.push_back(std::move(m));
    return true;
  };

  {
    absl::StatusOr<std::unique_ptr<Statement>> fts = conn->Prepare(fts_sql);
    if (!fts.ok()) return fts.status();
    (*fts)->BindAll({Value(store_internal::FtsQuery(f.text())), Value(lo), Value(hi)});
    std::vector<int64_t> ids;  // row ids of the day being read
    int64_t day = 0;
    auto flush = [&]() -> absl::Status {
      if (ids.empty()) return absl::OkStatus();
      if (only_dates && ids.size() > want - page.size()) {
        absl::StatusOr<bool> walked = walk(day, ids);
        if (!walked.ok()) return walked.status();
        if (*walked) return absl::OkStatus();
      }
      return look_up(ids);
    };
    while (page.size() < want) {
      absl::StatusOr<bool> row = (*fts)->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const int64_t rowid = (*fts)->Int(0);
      const int64_t d = rowid >> 32;  // floor: the rowid's day, also before the epoch
      if (!ids.empty() && d != day) {
        if (absl::Status s = flush(); !s.ok()) return s;
        ids.clear();
        if (page.size() == want) break;
      }
      day = d;
      ids.push_back(rowid & (store_internal::kTextDayStride - 1));
    }
    if (page.size() < want) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
  }
  ListResult out;
  absl::StatusOr<std::unique_ptr<Statement>> body = conn->Prepare("SELECT body FROM events WHERE id = ?");
  if (!body.ok()) return body.status();
  for (size_t i = 0; i < page.size(); ++i) {
    if (static_cast<int>(i) == query.page_size) {
      out.next = PageCursor{static_cast<double>(page[i - 1].date), page[i - 1].event_id};
      break;
    }
    (*body)->Bind(1, Value(page[i].id));
    absl::StatusOr<bool> row = (*body)->Step();
    if (!row.ok()) return row.status();
    if (!*row || !AddEvent(**body, 0, query, &out)) return absl::DataLossError("stored event does not parse");
    if (absl::Status s = (*body)->Reset(); !s.ok()) return s;
  }
  return out;
}

}  // namespace

absl::StatusOr<EventOrder> ParseEventOrder(const std::string& text) {
  if (text.empty() || text == "event_date desc") return EventOrder::kEventDateDesc;
  if (text == "event_date asc") return EventOrder::kEventDateAsc;
  if (text == "first_seen desc") return EventOrder::kFirstSeenDesc;
  if (text == "first_seen asc") return EventOrder::kFirstSeenAsc;
  if (text == "confidence desc") return EventOrder::kConfidenceDesc;
  return absl::InvalidArgumentError(absl::StrCat(
      "order_by \"", text,
      "\" is not one of: event_date desc, event_date asc, first_seen desc, first_seen asc, "
      "confidence desc"));
}

std::string EventOrderName(EventOrder order) {
  OrderSpec s = SpecOf(order);
  return absl::StrCat(s.column, s.descending ? " desc" : " asc");
}

// An event's columns as stored, but for version, seq and body.
struct StoredColumns {
  int64_t event_date = 0;
  int64_t first_seen = 0;
  double confidence = 0;
  std::string cameo_root, story_id, evidence;
  store_internal::PostingColumns p;
  bool operator==(const StoredColumns&) const = default;
};

StoredColumns ColumnsOf(const v1::Event& e) {
  StoredColumns c{EventDateMicros(e), FirstSeenMicros(e), e.confidence(), e.cameo_root(), e.story_id(),
                  e.evidence().sentence(), {}};
  c.p = {e.source().code(),      e.source().known_group(), e.source().name(),        e.source().country_code(),
         e.target().code(),      e.target().known_group(), e.target().name(),        e.target().country_code(),
         e.cameo_code(),         e.plover_type(),          e.location().name(),      e.location().text(),
         e.location().country_code()};
  return c;
}

// An event's posting rows: its keys (with their signature and its confidence)
// at its two sort keys.
struct PostingState {
  int64_t event_date = 0;
  int64_t first_seen = 0;
  std::vector<std::string> keys;
  uint64_t mask = 0;
  uint64_t mask2 = 0;
  double confidence = 0;
  int64_t row = 0;  // events.id: kept by upserts, new only after a delete
  static PostingState Of(const StoredColumns& c, int64_t row) {
    PostingState s{c.event_date, c.first_seen, store_internal::PostingKeys(c.p), 0, 0, c.confidence, row};
    for (const std::string& k : s.keys) {
      s.mask |= store_internal::KeyBits(k, 0);
      s.mask2 |= store_internal::KeyBits(k, 1);
    }
    return s;
  }
};
// Per event id changed in a batch: its posting rows before the batch (none
// for a new event) and after its last upsert.
struct PostingChange {
  std::optional<PostingState> before;
  std::optional<PostingState> after;
};
using BatchPostings = std::map<std::string, PostingChange>;

struct EventStore::Impl {
  StoreOptions options;
  std::mutex write_mu;                      // guards writer
  std::unique_ptr<Connection> writer;
  std::mutex pool_mu;                       // guards readers
  std::vector<std::unique_ptr<Connection>> readers;
  mutable std::mutex seq_mu;                // guards head_seq
  mutable std::condition_variable seq_cv;
  int64_t head_seq = 0;

  // A reader connection for the duration of one call.
  class Reader {
   public:
    Reader(Impl* impl, std::unique_ptr<Connection> c) : impl_(impl), c_(std::move(c)) {}
    ~Reader() {
      if (!c_) return;
      c_->SetCancel(nullptr);
      c_->SetStepBudget(0);
      std::lock_guard<std::mutex> lock(impl_->pool_mu);
      impl_->readers.push_back(std::move(c_));
    }
    Connection* operator->() { return c_.get(); }
    Connection* get() { return c_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<Connection> c_;
  };

  absl::StatusOr<std::unique_ptr<Reader>> AcquireReader() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!readers.empty()) {
        auto c = std::move(readers.back());
        readers.pop_back();
        return std::make_unique<Reader>(this, std::move(c));
      }
    }
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(
        options.path, /*read_only=*/true, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
    if (!c.ok()) return c.status();
    // Readers map the file: page reads become memory reads on a warm cache.
    // (SQLite caps the size at its compile-time maximum, 2 GiB in Debian's build.)
    if (absl::Status s = (*c)->Exec("PRAGMA mmap_size = 17179869184; PRAGMA cache_size = -32768;");
        !s.ok()) {
      return s;
    }
    return std::make_unique<Reader>(this, *std::move(c));
  }

  // The stored row of an event, when present.
  struct Stored {
    int64_t version = 0;
    int64_t row = 0;  // events.id
    StoredColumns columns;
  };
  absl::StatusOr<std::optional<Stored>> ReadStored(const std::string& event_id) {
    absl::StatusOr<std::unique_ptr<Statement>> st = writer->Prepare(kSelectStored);
    if (!st.ok()) return st.status();
    (*st)->Bind(1, event_id);
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    const Statement& r = **st;
    StoredColumns c;
    c.event_date = r.Int(1);
    c.first_seen = r.Int(2);
    c.confidence = r.Double(3);
    c.cameo_root = r.Text(4);
    c.story_id = r.Text(5);
    c.evidence = r.Text(6);
    store_internal::PostingColumns& p = c.p;
    for (auto [col, field] : {std::pair{7, &p.s_code}, {8, &p.s_group}, {9, &p.s_name}, {10, &p.s_country},
                              {11, &p.t_code}, {12, &p.t_group}, {13, &p.t_name}, {14, &p.t_country},
                              {15, &p.cameo_code}, {16, &p.plover_type}, {17, &p.loc_name}, {18, &p.loc_text},
                              {19, &p.loc_country}}) {
      *field = r.Text(col);
    }
    return Stored{r.Int(0), r.Int(20), std::move(c)};
  }

  absl::Status UpsertEvent(const v1::Event& e, ApplyResult* result, BatchPostings* postings) {
    absl::StatusOr<std::optional<Stored>> stored = ReadStored(e.event_id());
    if (!stored.ok()) return stored.status();
    if (*stored && static_cast<int64_t>(e.version()) <= (*stored)->version) {
      ++result->events_stale;  // a replayed or older version
      return absl::OkStatus();
    }
    const StoredColumns columns = ColumnsOf(e);
    const int64_t seq = pending_seq + 1;
    const bool same_columns = *stored && (*stored)->columns == columns;
    absl::StatusOr<std::unique_ptr<Statement>> st = writer->Prepare(same_columns ? kUpdateBody : kUpsertEvent);
    if (!st.ok()) return st.status();
    if (same_columns) {
      // A later version that changes only what no index holds (counts, say):
      // rewrite the row, not one index entry or posting row.
      (*st)->BindAll({Value(e.event_id()), Value(static_cast<int64_t>(e.version())), Value(seq)});
      (*st)->BindBlob(4, e.SerializeAsString());
    } else {
      const store_internal::PostingColumns& p = columns.p;
      (*st)->BindAll({Value(e.event_id()), Value(static_cast<int64_t>(e.version())), Value(seq),
                      Value(columns.event_date), Value(columns.first_seen), Value(columns.confidence),
                      Value(p.cameo_code), Value(columns.cameo_root), Value(p.plover_type), Value(p.s_code),
                      Value(p.s_group), Value(p.s_name), Value(p.s_country), Value(p.t_code), Value(p.t_group),
                      Value(p.t_name), Value(p.t_country), Value(p.loc_name), Value(p.loc_text),
                      Value(p.loc_country), Value(columns.story_id), Value(columns.evidence)});
      (*st)->BindBlob(23, e.SerializeAsString());
    }
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    if (writer->changes() == 0) {
      ++result->events_stale;
      return absl::OkStatus();
    }
    ++result->events_written;
    pending_seq = seq;
    if (e.related_story_ids_size() > 0) {
      absl::StatusOr<std::unique_ptr<Statement>> rel = writer->Prepare(
          "INSERT OR IGNORE INTO event_related_stories (story_id, event_id) VALUES (?1, ?2)");
      if (!rel.ok()) return rel.status();
      for (const std::string& story : e.related_story_ids()) {
        (*rel)->BindAll({Value(story), Value(e.event_id())});
        if (absl::Status s = (*rel)->Run(); !s.ok()) return s;
        if (absl::Status s = (*rel)->Reset(); !s.ok()) return s;
      }
    }
    if (!same_columns) {
      // An upsert keeps the stored row's id; an insert's is the last one.
      const int64_t row = *stored ? (*stored)->row : writer->last_insert_rowid();
      auto [it, first] = postings->try_emplace(e.event_id());
      if (first && *stored) it->second.before = PostingState::Of((*stored)->columns, row);
      it->second.after = PostingState::Of(columns, row);
    }
    return absl::OkStatus();
  }

  // Writes the posting rows of the batch's changed events, each table's rows
  // sorted (one pass along its b-tree), and the key counts once per key.
  absl::Status WritePostings(const BatchPostings& postings) {
    struct Row {
      const std::string* key;
      int64_t sort;
      const std::string* id;
      const PostingState* state;  // for its signature and confidence; null when removed
      bool operator<(const Row& o) const { return std::tie(*key, sort, *id) < std::tie(*o.key, o.sort, *o.id); }
    };
    std::map<std::string, int64_t> added;  // postings_date rows per key
    for (const store_internal::PostingTable* t : store_internal::PostingTables()) {
      const bool by_date = t == store_internal::PostingTables()[0];
      std::vector<Row> removed, inserted;
      for (const auto& [id, change] : postings) {
        auto sort_of = [&](const PostingState& state) { return by_date ? state.event_date : state.first_seen; };
        if (change.before && change.after && change.before->keys == change.after->keys &&
            sort_of(*change.before) == sort_of(*change.after) && change.before->confidence == change.after->confidence) {
          continue;  // same rows (the signature is of the keys)
        }
        if (change.before) {
          for (const std::string& k : change.before->keys) removed.push_back({&k, sort_of(*change.before), &id, nullptr});
        }
        if (change.after) {
          for (const std::string& k : change.after->keys) {
            inserted.push_back({&k, sort_of(*change.after), &id, &*change.after});
          }
        }
      }
      std::sort(removed.begin(), removed.end());
      std::sort(inserted.begin(), inserted.end());
      absl::StatusOr<std::unique_ptr<Statement>> del = writer->Prepare(
          absl::StrCat("DELETE FROM ", t->table, " WHERE key = ?1 AND ", t->sort_column, " = ?2 AND k_id = ?3"));
      if (!del.ok()) return del.status();
      for (const Row& r : removed) {  // the count trigger takes them off
        (*del)->BindAll({Value(*r.key), Value(r.sort), Value(*r.id)});
        if (absl::Status s = (*del)->Run(); !s.ok()) return s;
        if (absl::Status s = (*del)->Reset(); !s.ok()) return s;
      }
      absl::StatusOr<std::unique_ptr<Statement>> ins = writer->Prepare(absl::StrCat(
          "INSERT OR IGNORE INTO ", t->table, " (key, ", t->sort_column,
          ", k_id, k_mask, k_mask2, k_conf, k_row) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
      if (!ins.ok()) return ins.status();
      for (const Row& r : inserted) {
        (*ins)->BindAll({Value(*r.key), Value(r.sort), Value(*r.id), Value(static_cast<int64_t>(r.state->mask)),
                         Value(static_cast<int64_t>(r.state->mask2)), Value(r.state->confidence),
                         Value(r.state->row)});
        if (absl::Status s = (*ins)->Run(); !s.ok()) return s;
        if (by_date && writer->changes() > 0) ++added[*r.key];
        if (absl::Status s = (*ins)->Reset(); !s.ok()) return s;
      }
    }
    absl::StatusOr<std::unique_ptr<Statement>> count = writer->Prepare(
        "INSERT INTO posting_counts (key, n) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n");
    if (!count.ok()) return count.status();
    for (const auto& [key, n] : added) {
      (*count)->BindAll({Value(key), Value(n)});
      if (absl::Status s = (*count)->Run(); !s.ok()) return s;
      if (absl::Status s = (*count)->Reset(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status UpsertStory(const v1::Story& s, ApplyResult* result) {
    absl::StatusOr<std::unique_ptr<Statement>> st = writer->Prepare(kUpsertStory);
    if (!st.ok()) return st.status();
    int64_t last_seen = s.has_last_seen()    ? Micros(s.last_seen())
                        : s.has_first_seen() ? Micros(s.first_seen())
                                             : absl::ToUnixMicros(absl::Now());
    (*st)->BindAll({Value(s.story_id()), Value(static_cast<int64_t>(s.version())), Value(last_seen)});
    (*st)->BindBlob(4, s.SerializeAsString());
    if (absl::Status status = (*st)->Run(); !status.ok()) return status;
    (writer->changes() > 0 ? result->stories_written : result->stories_stale)++;
    return absl::OkStatus();
  }

  absl::Status Delete(const char* sql, const std::string& id, ApplyResult* result) {
    absl::StatusOr<std::unique_ptr<Statement>> st = writer->Prepare(sql);
    if (!st.ok()) return st.status();
    (*st)->Bind(1, id);
    if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    result->deleted += writer->changes();
    return absl::OkStatus();
  }

  absl::Status ApplyLocked(const StoreBatch& batch, ApplyResult* result) {
    BatchPostings postings;
    for (const v1::Event& e : batch.events) {
      if (e.event_id().empty()) continue;  // no key to upsert by
      if (absl::Status s = UpsertEvent(e, result, &postings); !s.ok()) return s;
    }
    // Before the tombstones, whose triggers delete the rows of what is stored.
    if (absl::Status s = WritePostings(postings); !s.ok()) return s;
    for (const v1::Story& s : batch.stories) {
      if (s.story_id().empty()) continue;
      if (absl::Status st = UpsertStory(s, result); !st.ok()) return st;
    }
    for (const std::string& id : batch.deleted_event_ids) {
      if (absl::Status s = Delete("DELETE FROM events WHERE event_id = ?", id, result); !s.ok()) return s;
    }
    for (const std::string& id : batch.deleted_story_ids) {
      if (absl::Status s = Delete("DELETE FROM stories WHERE story_id = ?", id, result); !s.ok()) return s;
    }
    for (const KafkaOffset& o : batch.offsets) {
      absl::StatusOr<std::unique_ptr<Statement>> st = writer->Prepare(
          "INSERT INTO kafka_offsets (topic, partition, next_offset) VALUES (?, ?, ?) "
          "ON CONFLICT(topic, partition) DO UPDATE SET next_offset = excluded.next_offset");
      if (!st.ok()) return st.status();
      (*st)->BindAll({Value(o.topic), Value(int64_t{o.partition}), Value(o.next_offset)});
      if (absl::Status s = (*st)->Run(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Filters whose walk ran out of budget lately, and when that happened: their next pages and repeats start from the filters' indexes
  // straight away instead of spending the budget again. Remembered only while
  // that way costs less than twice the walk's CPU cap (a walk can also fail on a
  // busy machine or a late page, with a fallback far dearer than walking);
  // forgotten after kWalkMemory, as the data moves.
  struct FailedWalk {
    absl::Time when;
  };
  std::mutex plan_mu;
  std::unordered_map<std::string, FailedWalk> walk_failed;  // guarded by plan_mu

  static std::string PlanKey(const ListQuery& q) {
    return absl::StrCat(static_cast<int>(q.order), ":", q.filter.SerializeAsString());
  }
  std::optional<FailedWalk> WalkFailedLately(const std::string& key, absl::Time now) {
    std::lock_guard<std::mutex> lock(plan_mu);
    auto it = walk_failed.find(key);
    if (it == walk_failed.end() || now - it->second.when >= kWalkMemory) return std::nullopt;
    return it->second;
  }
  void NoteWalkFailed(const std::string& key, FailedWalk failed) {
    std::lock_guard<std::mutex> lock(plan_mu);
    if (walk_failed.size() >= kWalkMemoryEntries) {
      std::erase_if(walk_failed, [&](const auto& entry) { return failed.when - entry.second.when >= kWalkMemory; });
      if (walk_failed.size() >= kWalkMemoryEntries) walk_failed.clear();
    }
    walk_failed[key] = failed;
  }
  void ForgetWalkFailed(const std::string& key) {
    std::lock_guard<std::mutex> lock(plan_mu);
    walk_failed.erase(key);
  }

  // The last sequence number written, including the uncommitted batch.
  int64_t pending_seq = 0;  // guarded by write_mu
  // Events when statistics were last gathered; 0 = unknown (guarded by write_mu).
  int64_t analysed_events = 0;
};

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options) {
  if (options.path.empty() || options.path == ":memory:" || options.path.rfind("file:", 0) == 0) {
    return absl::InvalidArgumentError("store path must be a file path (the store must survive a restart)");
  }
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  absl::StatusOr<std::unique_ptr<Connection>> w = Connection::Open(
      options.path, /*read_only=*/false, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  if (!w.ok()) return w.status();
  impl->writer = *std::move(w);
  // WAL: readers never block the writer and see the last committed batch.
  // synchronous=NORMAL: a power cut can lose the newest batches, never
  // corrupt; their Kafka offsets go with them, so they are consumed again.
  // The writer maps the file too and caches 256 MiB: an event's posting-list
  // inserts land on pages all over large b-trees (20k events into a 1M store:
  // 55 s with 64 MiB and no map, 39 s like this).
  if (absl::Status s = impl->writer->Exec(
          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;"
          "PRAGMA cache_size = -262144; PRAGMA mmap_size = 17179869184;");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CreateSchema(impl->writer.get()); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Statement>> st = impl->writer->Prepare("SELECT COALESCE(MAX(seq), 0) FROM events");
  if (!st.ok()) return st.status();
  if (absl::StatusOr<bool> row = (*st)->Step(); !row.ok()) return row.status();
  impl->head_seq = (*st)->Int(0);
  impl->pending_seq = impl->head_seq;
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

absl::StatusOr<ApplyResult> EventStore::Apply(const StoreBatch& batch) {
  ApplyResult result;
  std::lock_guard<std::mutex> lock(impl_->write_mu);
  const int64_t before = impl_->pending_seq;
  if (absl::Status s = impl_->writer->Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::Status s = impl_->ApplyLocked(batch, &result);
  if (s.ok()) s = impl_->writer->Exec("COMMIT");
  if (!s.ok()) {
    impl_->writer->Exec("ROLLBACK").IgnoreError();
    impl_->pending_seq = before;
    return s;
  }
  {
    std::lock_guard<std::mutex> seq_lock(impl_->seq_mu);
    impl_->head_seq = impl_->pending_seq;
  }
  impl_->seq_cv.notify_all();
  return result;
}

absl::StatusOr<std::vector<KafkaOffset>> EventStore::Offsets() {
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  absl::StatusOr<std::unique_ptr<Statement>> st =
      (**r)->Prepare("SELECT topic, partition, next_offset FROM kafka_offsets ORDER BY topic, partition");
  if (!st.ok()) return st.status();
  std::vector<KafkaOffset> out;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({(*st)->Text(0), static_cast<int32_t>((*st)->Int(1)), (*st)->Int(2)});
  }
  return out;
}

absl::StatusOr<ListResult> EventStore::List(const ListQuery& query, const CancelFn& cancelled) {
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  (**r)->SetCancel(&cancelled);
  {
    // One snapshot for the key counts and the postings read after them.
    absl::StatusOr<std::unique_ptr<store_internal::ReadTransaction>> txn = (*r)->get()->BeginRead();
    if (!txn.ok()) return txn.status();
    if (!query.filter.text().empty() && query.filter.story_id().empty() &&
        (query.order == EventOrder::kEventDateDesc || query.order == EventOrder::kEventDateAsc)) {
      return ListFromText((*r)->get(), query);
    }
    if (std::optional<std::pair<int64_t, int64_t>> days = ConfidenceDays(query)) {
      return ListByDayConfidence((*r)->get(), query, *days);
    }
    absl::StatusOr<std::optional<PostingPlan>> plan = PlanPostings((*r)->get(), query);
    if (!plan.ok()) return plan.status();
    if (*plan) return ListFromPostings((*r)->get(), query, **plan);
  }
  const int64_t budget = impl_->options.walk_budget_thousand_steps;
  if (!WorthWalking(query.filter, query.order)) return ListOnce((*r)->get(), query, Plan::kAny);
  const absl::Time now = absl::Now();
  const std::string key = Impl::PlanKey(query);
  std::optional<Impl::FailedWalk> failed = budget > 0 ? impl_->WalkFailedLately(key, now) : std::nullopt;
  if (budget > 0 && !failed) {
    (**r)->SetStepBudget(query.filter.text().empty() ? budget : std::max<int64_t>(1, budget / 5), kWalkTimeCap,
                         query.page_size + 1);
    absl::StatusOr<ListResult> walked = ListOnce((*r)->get(), query, Plan::kWalk);
    const bool exhausted = (**r)->budget_exhausted();
    (**r)->SetStepBudget(0);
    if (!exhausted) return walked;
    failed = Impl::FailedWalk{now};
  }
  const absl::Duration start = store_internal::ThreadCpuTime();
  absl::StatusOr<ListResult> page = ListOnce((*r)->get(), query, Plan::kFromFilters);
  if (failed) {
    // Skipping the walk saves its whole cost when it would fail again; keep
    // doing so unless the fallback costs more than a long walk that succeeds.
    if (page.ok() && store_internal::ThreadCpuTime() - start < 2 * kWalkTimeCap) {
      impl_->NoteWalkFailed(key, *failed);
    } else {
      impl_->ForgetWalkFailed(key);
    }
  }
  return page;
}

absl::StatusOr<v1::Event> EventStore::GetEvent(const std::string& event_id) {
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  absl::StatusOr<std::unique_ptr<Statement>> st = (**r)->Prepare("SELECT body FROM events WHERE event_id = ?");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, event_id);
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no event with id \"", event_id, "\""));
  return ParseEvent((*st)->Blob(0));
}

absl::StatusOr<v1::Story> EventStore::GetStory(const std::string& story_id) {
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  absl::StatusOr<std::unique_ptr<Statement>> st = (**r)->Prepare("SELECT body FROM stories WHERE story_id = ?");
  if (!st.ok()) return st.status();
  (*st)->Bind(1, story_id);
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no story with id \"", story_id, "\""));
  v1::Story s;
  if (!s.ParseFromString((*st)->Blob(0))) return absl::DataLossError("stored story does not parse");
  return s;
}

absl::StatusOr<std::vector<v1::CountBucket>> EventStore::Count(const v1::EventFilter& filter,
                                                               const std::string& group_by,
                                                               const CancelFn& cancelled) {
  std::string key;
  std::string order = "n DESC, k ASC";
  if (group_by == "day") {
    key = "strftime('%Y-%m-%d', event_date / 1000000, 'unixepoch')";
    order = "k ASC";
  } else if (group_by == "cameo_root") {
    key = "cameo_root";
  } else if (group_by == "actor_pair") {
    key = "COALESCE(NULLIF(s_code, ''), s_name) || '->' || COALESCE(NULLIF(t_code, ''), t_name)";
  } else if (group_by == "country") {
    key = "COALESCE(NULLIF(loc_country, ''), s_country)";
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "group_by \"", group_by, "\" is not one of: day, cameo_root, actor_pair, country"));
  }
  WhereClause where = BuildWhere(filter);
  std::string sql = absl::StrCat("SELECT ", key, " AS k, COUNT(*) AS n FROM events WHERE ", where.sql,
                                 " GROUP BY k ORDER BY ", order);
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  (**r)->SetCancel(&cancelled);
  absl::StatusOr<std::unique_ptr<Statement>> st = (**r)->Prepare(sql);
  if (!st.ok()) return st.status();
  (*st)->BindAll(where.values);
  std::vector<v1::CountBucket> out;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    v1::CountBucket& b = out.emplace_back();
    b.set_key((*st)->Text(0));
    b.set_count(static_cast<uint64_t>((*st)->Int(1)));
  }
  return out;
}

absl::StatusOr<std::vector<TailRow>> EventStore::Tail(const v1::EventFilter& filter, int64_t after_seq,
                                                      int64_t since_micros, int64_t replay_until_seq,
                                                      int limit, const CancelFn& cancelled) {
  WhereClause where = BuildWhere(filter);
  std::string sql = absl::StrCat("SELECT seq, body FROM events WHERE seq > ? AND (", where.sql, ")");
  std::vector<Value> values = {Value(after_seq)};
  values.insert(values.end(), where.values.begin(), where.values.end());
  if (since_micros > 0) {
    absl::StrAppend(&sql, " AND (seq > ? OR first_seen >= ?)");
    values.push_back(replay_until_seq);
    values.push_back(since_micros);
  }
  absl::StrAppend(&sql, " ORDER BY seq LIMIT ?");
  values.push_back(int64_t{limit});
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  (**r)->SetCancel(&cancelled);
  absl::StatusOr<std::unique_ptr<Statement>> st = (**r)->Prepare(sql);
  if (!st.ok()) return st.status();
  (*st)->BindAll(values);
  std::vector<TailRow> out;
  while (true) {
    absl::StatusOr<bool> row = (*st)->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<v1::Event> e = ParseEvent((*st)->Blob(1));
    if (!e.ok()) return e.status();
    out.push_back({(*st)->Int(0), *std::move(e)});
  }
  return out;
}

int64_t EventStore::HeadSeq() const {
  std::lock_guard<std::mutex> lock(impl_->seq_mu);
  return impl_->head_seq;
}

int64_t EventStore::WaitForChange(int64_t after_seq, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(impl_->seq_mu);
  impl_->seq_cv.wait_for(lock, absl::ToChronoMicroseconds(timeout),
                         [&] { return impl_->head_seq > after_seq; });
  return impl_->head_seq;
}

absl::StatusOr<int64_t> EventStore::Prune(absl::Time cutoff) {
  const int64_t micros = absl::ToUnixMicros(cutoff);
  int64_t total = 0;
  // Small transactions, so the consumer's batches are not held up for long.
  const char* statements[] = {
      "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE first_seen < ? LIMIT 2000)",
      "DELETE FROM stories WHERE story_id IN (SELECT story_id FROM stories WHERE last_seen < ? LIMIT 2000)"};
  for (const char* sql : statements) {
    while (true) {
      std::lock_guard<std::mutex> lock(impl_->write_mu);
      absl::StatusOr<std::unique_ptr<Statement>> st = impl_->writer->Prepare(sql);
      if (!st.ok()) return st.status();
      (*st)->Bind(1, micros);
      if (absl::Status s = (*st)->Run(); !s.ok()) return s;
      int n = impl_->writer->changes();
      total += n;
      if (n == 0) break;
    }
  }
  return total;
}

// More segments than this in the text index and OptimizeIfStale merges it.
constexpr int64_t kMaxTextSegments = 4;

absl::StatusOr<bool> EventStore::OptimizeIfStale(int64_t min_events) {
  absl::StatusOr<StoreStats> stats = Stats();
  if (!stats.ok()) return stats.status();
  std::lock_guard<std::mutex> lock(impl_->write_mu);
  const int64_t n = stats->events;
  if (impl_->analysed_events == 0) {
    // After a restart: the events counted when sqlite_stat1 was written (no table: never).
    absl::StatusOr<std::unique_ptr<Statement>> st = impl_->writer->Prepare(
        "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'events' AND idx = 'events_seq'");
    if (st.ok() && (*st)->Step().value_or(false)) impl_->analysed_events = (*st)->Int(0);
  }
  const int64_t before = impl_->analysed_events;
  if (n < min_events) return false;
  const bool stale = before == 0 || n >= 2 * before || 2 * n <= before;
  // Every write transaction adds a text-index segment, and FTS5 merges small
  // ones only when 16 pile up: a word's matches are then read and merged from
  // each. A text page over a 1M store in 9 segments read its day of matches
  // in ~0.56 ms, in one segment ~0.29 ms (a whole-index merge: ~4 s of the
  // write lock per million events).
  absl::StatusOr<std::unique_ptr<Statement>> st =
      impl_->writer->Prepare("SELECT count(DISTINCT segid) FROM events_text_idx");
  if (!st.ok()) return st.status();
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  const bool fragmented = *row && (*st)->Int(0) > kMaxTextSegments;
  st->reset();
  if (!stale && !fragmented) return false;
  // The planner needs the statistics to choose between filter indexes; a text
  // index in one segment answers lookups with one b-tree search per word.
  if (absl::Status s = impl_->writer->Exec(absl::StrCat(stale ? "ANALYZE; " : "",
                                                        "INSERT INTO events_text(events_text) VALUES('optimize');"));
      !s.ok()) {
    return s;
  }
  if (stale) impl_->analysed_events = n;
  return true;
}

absl::StatusOr<StoreStats> EventStore::Stats() {
  absl::StatusOr<std::unique_ptr<Impl::Reader>> r = impl_->AcquireReader();
  if (!r.ok()) return r.status();
  absl::StatusOr<std::unique_ptr<Statement>> st =
      (**r)->Prepare("SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM stories)");
  if (!st.ok()) return st.status();
  absl::StatusOr<bool> row = (*st)->Step();
  if (!row.ok()) return row.status();
  return StoreStats{(*st)->Int(0), (*st)->Int(1), HeadSeq()};
}

}  // namespace eventwire
