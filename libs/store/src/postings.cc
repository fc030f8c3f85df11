#include "postings.h"

#include <algorithm>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include "filter_sql.h"

namespace eventwire::store_internal {
namespace {

// One posting key per stored value: `family` || value, for rows whose value is
// not empty (an empty filter value is "not set", so such keys are never asked for).
struct KeyColumn {
  const char* family;
  const char* column;
  enum Form { kAsIs, kLower, kPrefix } form;
  int prefix_chars;  // kPrefix: the first this many characters, for longer values only
};

// Code prefixes posted as keys of their own: CAMEO actor codes are built of
// three-letter parts (AFG, AFGINS), event codes of a two-digit root and more digits.
constexpr int kActorPrefixes[] = {3, 6};
constexpr int kCameoPrefixes[] = {2, 3};

// Keep the prefix lengths in step with kActorPrefixes and kCameoPrefixes.
constexpr KeyColumn kKeyColumns[] = {
    {"s:c:", "s_code", KeyColumn::kAsIs, 0},       {"s:p:", "s_code", KeyColumn::kPrefix, 3},
    {"s:p:", "s_code", KeyColumn::kPrefix, 6},     {"s:g:", "s_group", KeyColumn::kAsIs, 0},
    {"s:n:", "s_name", KeyColumn::kLower, 0},      {"t:c:", "t_code", KeyColumn::kAsIs, 0},
    {"t:p:", "t_code", KeyColumn::kPrefix, 3},     {"t:p:", "t_code", KeyColumn::kPrefix, 6},
    {"t:g:", "t_group", KeyColumn::kAsIs, 0},      {"t:n:", "t_name", KeyColumn::kLower, 0},
    {"cc:", "cameo_code", KeyColumn::kAsIs, 0},    {"cp:", "cameo_code", KeyColumn::kPrefix, 2},
    {"cp:", "cameo_code", KeyColumn::kPrefix, 3},  {"pl:", "plover_type", KeyColumn::kAsIs, 0},
    {"co:", "loc_country", KeyColumn::kAsIs, 0},   {"co:", "s_country", KeyColumn::kAsIs, 0},
    {"co:", "t_country", KeyColumn::kAsIs, 0},     {"pn:", "loc_name", KeyColumn::kLower, 0},
    {"pn:", "loc_text", KeyColumn::kLower, 0}};

// The key of column `k` of the events row `row` ("new", "old", or "" for the
// table itself), and when the row has it.
std::string KeySql(const KeyColumn& k, const std::string& row) {
  const std::string col = row.empty() ? std::string(k.column) : absl::StrCat(row, ".", k.column);
  switch (k.form) {
    case KeyColumn::kAsIs: return absl::StrCat("'", k.family, "' || ", col);
    // lower() folds ASCII only, as COLLATE NOCASE does in the filters.
    case KeyColumn::kLower: return absl::StrCat("'", k.family, "' || lower(", col, ")");
    case KeyColumn::kPrefix: return absl::StrCat("'", k.family, "' || substr(", col, ", 1, ", k.prefix_chars, ")");
  }
  return "";
}
std::string HasKeySql(const KeyColumn& k, const std::string& row) {
  const std::string col = row.empty() ? std::string(k.column) : absl::StrCat(row, ".", k.column);
  return k.form == KeyColumn::kPrefix ? absl::StrCat("length(", col, ") > ", k.prefix_chars)
                                      : absl::StrCat(col, " <> ''");
}

// HasKeySql, and the key differs from those of the same family's earlier
// columns (countries, place name and text), so a row's keys come out distinct
// without a UNION's dedup table.
std::string NewKeySql(const KeyColumn& k, const std::string& row) {
  std::string sql = HasKeySql(k, row);
  for (const KeyColumn& earlier : kKeyColumns) {
    if (&earlier == &k) break;
    if (std::string_view(earlier.family) != k.family || k.form == KeyColumn::kPrefix) continue;
    absl::StrAppend(&sql, " AND ", KeySql(k, row), " <> ", KeySql(earlier, row));
  }
  return sql;
}

// SELECT of the distinct keys of one events row (for the delete triggers' IN).
std::string KeysOf(const std::string& row) {
  std::vector<std::string> selects;
  for (const KeyColumn& k : kKeyColumns) {
    selects.push_back(absl::StrCat("SELECT ", KeySql(k, row), " AS v WHERE ", NewKeySql(k, row)));
  }
  // Distinct by NewKeySql, so no UNION dedup table is built.
  return absl::StrJoin(selects, " UNION ALL ");
}

// The row's key signature (KeyBits of every key it has, or-ed), part 0 or 1.
std::string MaskOf(const std::string& row, int part) {
  std::vector<std::string> terms;
  for (const KeyColumn& k : kKeyColumns) {
    terms.push_back(absl::StrCat("(CASE WHEN ", HasKeySql(k, row), " THEN ew_key_bits(", KeySql(k, row), ", ", part,
                                 ") ELSE 0 END)"));
  }
  return absl::StrJoin(terms, " | ");
}

void KeyBitsFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  const auto* p = sqlite3_value_text(argv[0]);
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(
                                KeyBits(std::string_view(reinterpret_cast<const char*>(p ? p : reinterpret_cast<const unsigned char*>("")),
                                                         static_cast<size_t>(p ? n : 0)),
                                        sqlite3_value_int(argv[1]))));
}

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Keys for "column starts with `prefix`": the posted prefix key plus the exact
// code when the prefix has a posted length, else a range of exact codes.
void AddPrefixKeys(const std::string& exact_family, const std::string& prefix_family, const std::string& prefix,
                   const int* posted, size_t n_posted, KeyGroup* g) {
  bool is_posted = false;
  for (size_t i = 0; i < n_posted; ++i) is_posted = is_posted || static_cast<int>(prefix.size()) == posted[i];
  if (is_posted && IsAscii(prefix)) {
    g->keys.push_back(exact_family + prefix);
    g->keys.push_back(prefix_family + prefix);
  } else {
    g->ranges.emplace_back(exact_family + prefix, exact_family + PrefixEnd(prefix));
  }
}

// The keys filter_sql.cc's AddActor condition can match on one side.
void AddActorKeys(const std::string& actor, const char* side, KeyGroup* g) {
  const std::string code = absl::AsciiStrToUpper(actor);
  AddPrefixKeys(absl::StrCat(side, ":c:"), absl::StrCat(side, ":p:"), code, kActorPrefixes,
                std::size(kActorPrefixes), g);
  g->keys.push_back(absl::StrCat(side, ":g:", code));
  g->keys.push_back(absl::StrCat(side, ":n:", absl::AsciiStrToLower(actor)));
}


const PostingTable kTables[] = {
    {"postings_date", "k_date", "event_date"},
    {"postings_seen", "k_seen", "first_seen"}};

std::string TableSchema(const PostingTable& t) {
  const std::string delete_old =
      absl::StrCat("DELETE FROM ", t.table, " WHERE key IN (", KeysOf("old"), ") AND ", t.sort_column, " = old.",
                   t.events_column, " AND k_id = old.event_id;");
  // Inserts and upserts are EventStore's (PostingWriter); the triggers of
  // earlier versions that did it row by row are dropped.
  return absl::StrCat("CREATE TABLE IF NOT EXISTS ", t.table, " (key TEXT NOT NULL, ", t.sort_column,
                      " INTEGER NOT NULL, k_id TEXT NOT NULL, k_mask INTEGER NOT NULL, k_mask2 INTEGER NOT NULL, ",
                      "k_conf REAL NOT NULL, k_row INTEGER NOT NULL, PRIMARY KEY (key, ", t.sort_column,
                      ", k_id)) WITHOUT ROWID;\n",  //
                      "DROP TRIGGER IF EXISTS ", t.table, "_ai;\nDROP TRIGGER IF EXISTS ", t.table, "_au;\n",
                      "CREATE TRIGGER IF NOT EXISTS ", t.table, "_ad AFTER DELETE ON events BEGIN\n", delete_old,
                      "\nEND;\n");
}

// The value of the events column `name`.
const std::string& ColumnValue(const PostingColumns& c, std::string_view name) {
  static const std::pair<const char*, std::string PostingColumns::*> kColumns[] = {
      {"s_code", &PostingColumns::s_code},         {"s_group", &PostingColumns::s_group},
      {"s_name", &PostingColumns::s_name},         {"s_country", &PostingColumns::s_country},
      {"t_code", &PostingColumns::t_code},         {"t_group", &PostingColumns::t_group},
      {"t_name", &PostingColumns::t_name},         {"t_country", &PostingColumns::t_country},
      {"cameo_code", &PostingColumns::cameo_code}, {"plover_type", &PostingColumns::plover_type},
      {"loc_name", &PostingColumns::loc_name},     {"loc_text", &PostingColumns::loc_text},
      {"loc_country", &PostingColumns::loc_country}};
  for (const auto& [n, member] : kColumns) {
    if (name == n) return c.*member;
  }
  static const std::string kNone;
  return kNone;  // unreachable: every KeyColumn names one of the above
}

// Bytes of the first `chars` characters of UTF-8 `s`, or npos when it has no
// more than that many (SQLite's substr() and length() count characters).
size_t PrefixBytes(const std::string& s, int chars) {
  int seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (seen == chars) return i;
    ++seen;
  }
  return std::string::npos;
}

}  // namespace

const PostingTable* PostingTableFor(EventOrder order) {
  switch (order) {
    case EventOrder::kEventDateDesc:
    case EventOrder::kEventDateAsc: return &kTables[0];
    case EventOrder::kFirstSeenDesc:
    case EventOrder::kFirstSeenAsc: return &kTables[1];
    case EventOrder::kConfidenceDesc: break;
  }
  return nullptr;
}

std::vector<const PostingTable*> PostingTables() { return {&kTables[0], &kTables[1]}; }

std::string PostingsSchema() {
  // Keys are counted once, in the event-date table (every table has the same
  // keys): EventStore adds a batch's inserts per key, the trigger takes deletes.
  // The first version of the posting lists, without signatures: rebuilt.
  std::string sql = R"sql(
DROP TRIGGER IF EXISTS event_keys_ai;
DROP TRIGGER IF EXISTS event_keys_ad;
DROP TRIGGER IF EXISTS event_keys_au;
DROP TRIGGER IF EXISTS event_keys_seen_ai;
DROP TRIGGER IF EXISTS event_keys_seen_ad;
DROP TRIGGER IF EXISTS event_keys_seen_au;
DROP TABLE IF EXISTS event_keys;
DROP TABLE IF EXISTS event_keys_seen;
DROP TABLE IF EXISTS event_key_counts;
CREATE TABLE IF NOT EXISTS posting_counts (
  key TEXT PRIMARY KEY,
  n INTEGER NOT NULL) WITHOUT ROWID;
)sql";
  for (const PostingTable& t : kTables) sql += TableSchema(t);
  sql += R"sql(
DROP TRIGGER IF EXISTS posting_counts_ai;
CREATE TRIGGER IF NOT EXISTS posting_counts_ad AFTER DELETE ON postings_date BEGIN
  UPDATE posting_counts SET n = n - 1 WHERE key = old.key;
END;
)sql";
  return sql;
}

std::string PostingsRebuildSql(const PostingTable& t) {
  // One pass over the (wide) events table into a narrow in-memory copy with
  // each event's signature computed once; the key columns' selects read that.
  std::vector<std::string> columns = {absl::StrCat(t.events_column, " AS k_sort"), "event_id", "confidence", "id",
                                      absl::StrCat(MaskOf("", 0), " AS k_mask"),
                                      absl::StrCat(MaskOf("", 1), " AS k_mask2")};
  for (const KeyColumn& k : kKeyColumns) {
    if (std::find(columns.begin(), columns.end(), k.column) == columns.end()) columns.push_back(k.column);
  }
  std::vector<std::string> selects;
  for (const KeyColumn& k : kKeyColumns) {
    selects.push_back(absl::StrCat("SELECT ", KeySql(k, "e"), ", k_sort, event_id, k_mask, k_mask2, confidence, id",
                                   " FROM e WHERE ", HasKeySql(k, "e")));
  }
  // Sorted, so the b-tree is appended to rather than written at random.
  std::string sql = absl::StrCat("WITH e AS MATERIALIZED (SELECT ", absl::StrJoin(columns, ", "),
                                 " FROM events) INSERT OR IGNORE INTO ", t.table, " (key, ", t.sort_column,
                                 ", k_id, k_mask, k_mask2, k_conf, k_row) ", absl::StrJoin(selects, " UNION ALL "),
                                 " ORDER BY 1, 2, 3;");
  if (&t == &kTables[0]) {
    sql += "DELETE FROM posting_counts; INSERT INTO posting_counts (key, n) SELECT key, count(*) FROM postings_date "
           "GROUP BY key;";
  }
  return sql;
}

std::vector<std::string> PostingKeys(const PostingColumns& columns) {
  std::vector<std::string> keys;
  for (const KeyColumn& k : kKeyColumns) {
    const std::string& v = ColumnValue(columns, k.column);
    switch (k.form) {
      case KeyColumn::kAsIs:
        if (!v.empty()) keys.push_back(absl::StrCat(k.family, v));
        break;
      // As SQLite's lower(): ASCII only.
      case KeyColumn::kLower:
        if (!v.empty()) keys.push_back(absl::StrCat(k.family, absl::AsciiStrToLower(v)));
        break;
      case KeyColumn::kPrefix:
        if (size_t n = PrefixBytes(v, k.prefix_chars); n != std::string::npos) {
          keys.push_back(absl::StrCat(k.family, v.substr(0, n)));
        }
        break;
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

uint64_t KeyBits(std::string_view key, int part) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across builds and machines
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  if (part == 1) {  // a second, independent pair of bits: the murmur3 finaliser of the same hash
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
  }
  return (uint64_t{1} << (h & 63)) | (uint64_t{1} << ((h >> 6) & 63));
}

int RegisterPostingFunctions(sqlite3* db) {
  return sqlite3_create_function(db, "ew_key_bits", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 &KeyBitsFunction, nullptr, nullptr);
}

std::vector<KeyGroup> PostingGroups(const v1::EventFilter& f) {
  std::vector<KeyGroup> groups;
  if (!f.actor().empty()) {
    KeyGroup& g = groups.emplace_back(KeyGroup{"actor", {}, {}});
    AddActorKeys(f.actor(), "s", &g);
    AddActorKeys(f.actor(), "t", &g);
  }
  if (!f.source_actor().empty()) AddActorKeys(f.source_actor(), "s", &groups.emplace_back(KeyGroup{"source_actor", {}, {}}));
  if (!f.target_actor().empty()) AddActorKeys(f.target_actor(), "t", &groups.emplace_back(KeyGroup{"target_actor", {}, {}}));
  if (!f.cameo_prefix().empty()) {
    AddPrefixKeys("cc:", "cp:", f.cameo_prefix(), kCameoPrefixes, std::size(kCameoPrefixes),
                  &groups.emplace_back(KeyGroup{"cameo_prefix", {}, {}}));
  }
  if (!f.plover_type().empty()) {
    groups.push_back({"plover_type", {"pl:" + absl::AsciiStrToUpper(f.plover_type())}, {}});
  }
  if (!f.country_code().empty()) {
    groups.push_back({"country_code", {"co:" + absl::AsciiStrToUpper(f.country_code())}, {}});
  }
  if (!f.place().empty()) groups.push_back({"place", {"pn:" + absl::AsciiStrToLower(f.place())}, {}});
  return groups;
}

v1::EventFilter Residual(const v1::EventFilter& filter, const char* field, const PostingTable& table) {
  v1::EventFilter rest = filter;
  if (table.sort_column == std::string("k_date")) {
    rest.clear_event_date_from();
    rest.clear_event_date_to();
  } else {
    rest.clear_first_seen_from();
    rest.clear_first_seen_to();
  }
  const google::protobuf::FieldDescriptor* fd = rest.GetDescriptor()->FindFieldByName(field);
  if (fd) rest.GetReflection()->ClearField(&rest, fd);
  return rest;
}

}  // namespace eventwire::store_internal
