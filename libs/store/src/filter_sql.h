// EventFilter -> SQL WHERE clause over the events table, with its bound
// values in order. The filter must have passed ValidateFilter.
#pragma once

#include <string>
#include <vector>

#include "eventwire/v1/query.pb.h"
#include "sqlite_db.h"

namespace eventwire::store_internal {

struct WhereClause {
  std::string sql;              // "1" when the filter is empty
  std::vector<Value> values;
};

// How the text filter is written. kMatchSet: `id IN (all FTS matches)`, best
// when SQLite starts from the matches. kPerRow: an FTS lookup of the current
// row, best while walking an order index (the matches are never all built).
enum class TextMatch { kMatchSet, kPerRow };

WhereClause BuildWhere(const v1::EventFilter& filter, TextMatch text_match = TextMatch::kMatchSet);

// The text index, events_text, is contentless FTS5 whose rowids put matches in
// event-date order: the day of the event date (micros / 86,400,000,000,
// truncated) times 2^32 plus the event's row id. So a text search in date
// order reads the matches day by day (ORDER BY rowid) and sorts only a day.
constexpr int64_t kMicrosPerDay = 86400000000;
constexpr int64_t kTextDayStride = int64_t{1} << 32;  // row ids stay below
inline int64_t TextDay(int64_t event_date_micros) { return event_date_micros / kMicrosPerDay; }
// SQL of the text index rowid of the events row `row` (new, old, events).
std::string TextRowidSql(const std::string& row);

// Free text -> an FTS5 query: every word must occur (porter-stemmed), each
// word quoted so FTS5 operators in user input are plain text. Empty when the
// text has no words.
std::string FtsQuery(const std::string& text);

// The smallest string greater than every string starting with `prefix`,
// for index-friendly prefix ranges (prefix <= x < end).
std::string PrefixEnd(std::string prefix);

// Micros since the epoch; 0 for an unset timestamp.
int64_t Micros(const google::protobuf::Timestamp& ts);

}  // namespace eventwire::store_internal
