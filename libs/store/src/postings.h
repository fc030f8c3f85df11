// Posting lists for ListEvents in event-date and first-seen order: one row per
// (key, event) in `postings_date(key, k_date, k_id, k_mask, k_mask2, k_conf, k_row)`
// (and `postings_seen(key, k_seen, ...)`), WITHOUT ROWID tables whose primary key
// puts each filter value's events in page order, so a filter is one index range
// scan instead of a walk of every event. EventStore writes an event's rows
// itself, per batch and sorted (PostingWriter in event_store.cc: one b-tree
// pass instead of random inserts per row, nothing when an upsert keeps the
// keys); deletes (tombstones, retention) remove them by triggers on `events`.
// Keys are counted in `posting_counts`, which picks the most selective filter
// to start from.
//
// A key family per filterable value, matching filter_sql.cc's semantics:
//   s:c:CODE  s:p:CODE[:3] / CODE[:6] (codes longer than that)  s:g:GROUP  s:n:lower(NAME)
//   t:...     the same for the target
//   cc:CODE   cp:CODE[:2] / CODE[:3] (CAMEO codes longer than that)
//   pl:PLOVER   co:COUNTRY (location, source or target)   pn:lower(PLACE name or text)
// Posting keys only choose candidates: every candidate is still tested against
// the whole filter, so keys need only cover (never exactly match) a filter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "eventwire/store.h"
#include "eventwire/v1/query.pb.h"

namespace eventwire::store_internal {

// A posting table: keys with their events in one order (the order's column and
// event id).
struct PostingTable {
  const char* table;
  const char* sort_column;    // in the posting table
  const char* events_column;  // in events
};

// The table for an order; null when none (confidence).
const PostingTable* PostingTableFor(EventOrder order);
std::vector<const PostingTable*> PostingTables();

// Tables and delete triggers, for kSchema (idempotent: IF NOT EXISTS).
std::string PostingsSchema();
// Fills a posting table from the events already stored (a store from before
// the table existed), in key order, and its key counts.
std::string PostingsRebuildSql(const PostingTable& table);

// The events columns posting keys are made of.
struct PostingColumns {
  std::string s_code, s_group, s_name, s_country;
  std::string t_code, t_group, t_name, t_country;
  std::string cameo_code, plover_type, loc_name, loc_text, loc_country;
  bool operator==(const PostingColumns&) const = default;
};
// An event's distinct posting keys (sorted), as the rebuild SQL makes them.
std::vector<std::string> PostingKeys(const PostingColumns& columns);

// A key's bits in the 128-bit signature each posting row carries (k_mask for
// part 0, k_mask2 for part 1: the bits of all its event's keys). A candidate
// whose signature lacks a key's bits cannot have the key, so nearly all
// candidates failing another filter field are dropped on the posting row,
// before their walk-index entry is read (one 64-bit half let ~11% through).
// Posting rows also carry their event's confidence (k_conf), for the same
// reason: a minimum confidence is tested there; and its row id in `events`
// (k_row), so a candidate is one table seek (row, rest of the filter, body)
// rather than a walk-index seek followed by a table seek for the body.
uint64_t KeyBits(std::string_view key, int part = 0);
// ew_key_bits(key, part) for the rebuild SQL; on every connection (SQLITE_OK or an error code).
int RegisterPostingFunctions(sqlite3* db);

// Keys one filter field may match: exact keys, plus half-open key ranges
// [first, second) whose distinct keys are to be looked up in the table (a code
// prefix that is not a posted prefix).
struct KeyGroup {
  const char* field;  // the EventFilter field this group stands for
  std::vector<std::string> keys;
  std::vector<std::pair<std::string, std::string>> ranges;
};

// One group per set filter field that postings cover (actors, CAMEO prefix,
// PLOVER type, country, place); empty when none is set.
std::vector<KeyGroup> PostingGroups(const v1::EventFilter& filter);

// The filter without `field` and without the range of the table's order: what
// is left for the candidates of that field's keys to be tested against.
v1::EventFilter Residual(const v1::EventFilter& filter, const char* field, const PostingTable& table);

}  // namespace eventwire::store_internal
