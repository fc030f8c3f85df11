// Merges the same event reported by different stories: same CAMEO root,
// same source and target actor codes, same country (or none) and event dates
// within a window. The first report keeps its event_id; later ones add their
// story to related_story_ids and their outlets to sources, as a new version.
//
//   eventwire::EventMerger merger({.window_days = 2});
//   for (v1::Event& e : extractor->Extract(clean, story)) {
//     EventMerger::Result r = merger.Add(std::move(e));
//     if (r.changed) Publish(r.event);  // r.merged: a new version of an earlier event
//     Replicate(r.record);              // another merger Apply()s it (restart, other instances)
//   }
//
// Which earlier event a report joins depends only on the set of events held,
// never on the order they arrived or were restored in, so a merger rebuilt
// from records decides like the one that made them.
//
// REQUIRES: external synchronization (one merger per thread or a lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <absl/strings/string_view.h>

#include "eventwire/v1/event.pb.h"

namespace eventwire {

struct EventMergerOptions {
  // Event dates at most this many days apart can be the same event; reports
  // of one incident usually land within a day or two of each other.
  int window_days = 2;
  // Bound on remembered events (oldest forgotten first) so memory stays flat:
  // each is held whole (~600 B serialized, a few times that as a message).
  size_t max_events = 100000;
};

class EventMerger {
 public:
  explicit EventMerger(EventMergerOptions options = {});

  struct Result {
    v1::Event event;       // the event to publish (the merged one when merged)
    bool merged = false;   // `event` is an earlier event (its id), updated or replayed
    bool changed = true;   // publish it: a new event or a new version (false: a replay)
    // This event's state for Apply() elsewhere; empty when nothing changed.
    std::string record;
  };
  Result Add(v1::Event event);

  // Applies a record made by Add() here or in another merger. Idempotent: an
  // older or equal version of an event held, or an event whose last report
  // is older than the window allows, changes nothing. InvalidArgument on
  // bytes that are not a record.
  absl::Status Apply(absl::string_view record);

  // Every event held, as records in arrival order; Restore() = Apply() each.
  std::string Snapshot() const;
  absl::Status Restore(absl::string_view snapshot);

  size_t size() const { return events_.size(); }
  const EventMergerOptions& options() const { return options_; }

 private:
  // An event held: serialized (a parsed message takes a few times the
  // memory) with the few fields matching reads.
  struct Slot {
    std::string bytes;  // the v1::Event as last published
    std::string event_id, key;
    std::vector<std::string> stories;  // story_id, then related_story_ids
    uint64_t version = 0;
    int64_t day = 0;        // days since 1970 of the event date, or of publication
    int64_t last_seen = 0;  // publication time (s) of the newest report merged in
    std::vector<std::string> absorbed;  // event ids of the reports merged in
  };
  static Slot MakeSlot(const v1::Event& e, std::string bytes, int64_t last_seen);
  static v1::Event Parse(const Slot& slot);
  static std::string Key(const v1::Event& e);
  static int64_t Day(const v1::Event& e);
  static int64_t PublishedAt(const v1::Event& e) { return e.published_at().seconds(); }
  static std::string Encode(const Slot& slot);
  int64_t Horizon() const { return (static_cast<int64_t>(options_.window_days) + 1) * 86400; }
  bool Expired(int64_t last_seen) const { return last_seen < watermark_ - Horizon(); }
  void Insert(Slot slot);
  void Evict();  // the oldest slot
  void EvictExpired();
  Slot& At(uint64_t abs_index) { return events_[abs_index - evicted_]; }

  EventMergerOptions options_;
  std::deque<Slot> events_;  // arrival order, for eviction
  uint64_t evicted_ = 0;     // events_ index offset
  int64_t watermark_ = 0;    // newest publication time seen (s)
  absl::flat_hash_map<std::string, std::vector<uint64_t>> by_key_;  // key -> absolute indexes
  absl::flat_hash_map<std::string, uint64_t> by_id_;  // event ids (own and absorbed) -> absolute index
};

}  // namespace eventwire
