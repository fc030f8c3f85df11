// Merges the same event reported by different stories: same CAMEO root,
// same source and target actor codes, same place (or none) and event dates
// within a window. The first report keeps its event_id; later ones add their
// story to related_story_ids and their outlets to sources.
//
//   eventwire::EventMerger merger({.window_days = 3});
//   for (v1::Event& e : extractor->Extract(clean, story)) {
//     EventMerger::Result r = merger.Add(std::move(e));
//     Publish(r.event);  // r.merged: an update of an event published before
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "eventwire/v1/event.pb.h"

namespace eventwire {

struct EventMergerOptions {
  // Event dates at most this many days apart can be the same event; reports
  // of one incident usually land within a day or two of each other.
  int window_days = 2;
  // Bound on remembered events (oldest forgotten first) so memory stays flat.
  size_t max_events = 200000;
};

class EventMerger {
 public:
  explicit EventMerger(EventMergerOptions options = {});

  struct Result {
    v1::Event event;      // the event to publish (the merged one when merged)
    bool merged = false;  // true: an earlier event (same event_id) was updated
  };
  Result Add(v1::Event event);
  size_t size() const { return events_.size(); }

 private:
  struct Slot {
    v1::Event event;
    int64_t day = 0;  // days since 1970 of the event date, or of publication
  };
  std::string Key(const v1::Event& e) const;
  static int64_t Day(const v1::Event& e);

  EventMergerOptions options_;
  std::deque<Slot> events_;                           // arrival order, for eviction
  uint64_t evicted_ = 0;                              // events_ index offset
  absl::flat_hash_map<std::string, std::vector<uint64_t>> by_key_;  // key -> absolute indexes
};

}  // namespace eventwire
