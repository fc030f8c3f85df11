// Posting lists for ListEvents in event-date order: one row per (key, event)
// in `event_keys(key, k_date, k_id)`, a WITHOUT ROWID table whose primary key
// puts each filter value's events in page order, so a filter is one index range
// scan instead of a walk of every event. Keys are written by triggers on
// `events` (so upserts, tombstones and retention keep them in step) and counted
// in `event_key_counts`, which picks the most selective filter to start from.
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
#include <vector>

#include "eventwire/v1/query.pb.h"

namespace eventwire::store_internal {

// Tables and triggers, for kSchema (idempotent: IF NOT EXISTS).
std::string PostingsSchema();
// Fills event_keys from the events already stored (a store from before the
// postings existed), in key order.
std::string PostingsRebuildSql();

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

// The filter without `field` and without the event-date range: what is left
// for the candidates of that field's keys to be tested against (empty: nothing).
v1::EventFilter Residual(const v1::EventFilter& filter, const char* field);

}  // namespace eventwire::store_internal
