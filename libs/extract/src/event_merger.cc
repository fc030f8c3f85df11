#include "eventwire/event_merger.h"

#include <absl/strings/str_cat.h>
#include <absl/time/civil_time.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "eventwire/fixed_bytes.h"

namespace eventwire {
namespace {

// Record: magic, i64 last_seen, u32 n, n x (u32 length, absorbed event id),
// then the serialized v1::Event. Snapshot: magic, then (u32 length, record)*.
constexpr char kRecordMagic[8] = {'E', 'W', 'E', 'V', 'M', 'R', '0', '1'};
constexpr char kSnapshotMagic[8] = {'E', 'W', 'E', 'V', 'M', 'S', '0', '1'};

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

EventMerger::EventMerger(EventMergerOptions options) : options_(options) {}

std::string EventMerger::Key(const v1::Event& e) {
  // Place counts only at country level: outlets name the same incident's
  // place at different granularity ("Kurram" vs "Pakistan").
  return absl::StrCat(e.cameo_root(), "|", e.source().code(), "|", e.target().code(), "|",
                      e.location().country_code());
}

int64_t EventMerger::Day(const v1::Event& e) {
  const std::string& d = e.event_date().date();
  int y = 0, m = 1, day = 1;
  if (d.size() >= 4) y = std::atoi(d.substr(0, 4).c_str());
  if (d.size() >= 7) m = std::atoi(d.substr(5, 2).c_str());
  if (d.size() >= 10) day = std::atoi(d.substr(8, 2).c_str());
  if (y == 0) return PublishedAt(e) / 86400;
  return (absl::CivilDay(y, m, day) - absl::CivilDay(1970, 1, 1));
}

EventMerger::Slot EventMerger::MakeSlot(const v1::Event& e, std::string bytes, int64_t last_seen) {
  Slot slot;
  slot.bytes = std::move(bytes);
  slot.event_id = e.event_id();
  slot.key = Key(e);
  slot.stories.push_back(e.story_id());
  slot.stories.insert(slot.stories.end(), e.related_story_ids().begin(), e.related_story_ids().end());
  slot.version = e.version();
  slot.day = Day(e);
  slot.last_seen = last_seen;
  return slot;
}

v1::Event EventMerger::Parse(const Slot& slot) {
  v1::Event e;
  e.ParseFromString(slot.bytes);  // bytes this class serialized or checked
  return e;
}

std::string EventMerger::Encode(const Slot& slot) {
  std::string out(kRecordMagic, sizeof kRecordMagic);
  PutFixed<int64_t>(&out, slot.last_seen);
  PutFixed<uint32_t>(&out, static_cast<uint32_t>(slot.absorbed.size()));
  for (const std::string& id : slot.absorbed) {
    PutFixed<uint32_t>(&out, static_cast<uint32_t>(id.size()));
    out += id;
  }
  out += slot.bytes;
  return out;
}

void EventMerger::Evict() {
  const Slot& old = events_.front();
  if (auto it = by_key_.find(old.key); it != by_key_.end()) {
    std::vector<uint64_t>& l = it->second;
    l.erase(std::remove(l.begin(), l.end(), evicted_), l.end());
    if (l.empty()) by_key_.erase(it);
  }
  by_id_.erase(old.event_id);
  for (const std::string& id : old.absorbed) by_id_.erase(id);
  events_.pop_front();
  ++evicted_;
}

void EventMerger::EvictExpired() {
  // Arrival order is close to publication order; a slot kept alive behind the
  // front only waits for it (memory stays bounded by max_events).
  while (!events_.empty() && Expired(events_.front().last_seen)) Evict();
}

void EventMerger::Insert(Slot slot) {
  if (options_.max_events == 0) return;
  while (events_.size() >= options_.max_events) Evict();
  const uint64_t abs_index = evicted_ + events_.size();
  by_key_[slot.key].push_back(abs_index);
  by_id_[slot.event_id] = abs_index;
  for (const std::string& id : slot.absorbed) by_id_[id] = abs_index;
  events_.push_back(std::move(slot));
}

EventMerger::Result EventMerger::Add(v1::Event event) {
  const int64_t published = PublishedAt(event);
  watermark_ = std::max(watermark_, published);
  EvictExpired();
  // The same event again (a replay) is not a new report.
  if (auto it = by_id_.find(event.event_id()); it != by_id_.end()) {
    return {Parse(At(it->second)), true, false, {}};
  }
  const std::string key = Key(event);
  const int64_t day = Day(event);
  Slot* best = nullptr;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    for (uint64_t abs_index : it->second) {
      Slot& slot = At(abs_index);
      if (std::llabs(slot.day - day) > options_.window_days) continue;
      // The window also bounds how long after its last report an event still
      // takes new ones, whether or not EvictExpired() has dropped it yet.
      if (published > slot.last_seen + Horizon()) continue;
      // Another event of a story that already reported this one ("signed the
      // accord", then "praised it") is a different event, not a second report.
      if (std::find(slot.stories.begin(), slot.stories.end(), event.story_id()) != slot.stories.end()) continue;
      // Nearest date first, then the smallest id: a choice that depends only
      // on the events held, not on the order they came in.
      if (best == nullptr || std::llabs(slot.day - day) < std::llabs(best->day - day) ||
          (std::llabs(slot.day - day) == std::llabs(best->day - day) &&
           slot.event_id < best->event_id)) {
        best = &slot;
      }
    }
  }
  if (best == nullptr) {
    Slot slot = MakeSlot(event, event.SerializeAsString(), published);
    std::string record = Encode(slot);
    Insert(std::move(slot));
    return {std::move(event), false, true, std::move(record)};
  }
  v1::Event kept = Parse(*best);
  kept.add_related_story_ids(event.story_id());
  kept.set_num_articles(kept.num_articles() + std::max<uint32_t>(1, event.num_articles()));
  for (const std::string& s : event.sources()) {
    if (!Contains(kept.sources(), s)) kept.add_sources(s);
  }
  kept.set_num_sources(
      std::max<uint32_t>(kept.num_sources() + event.num_sources(), static_cast<uint32_t>(kept.sources_size())));
  kept.set_version(kept.version() + 1);
  kept.set_confidence(std::min(0.99, kept.confidence() + 0.05));
  // Casualty figures: keep the report with the larger stated toll.
  if (event.casualties().killed() + event.casualties().wounded() >
      kept.casualties().killed() + kept.casualties().wounded()) {
    *kept.mutable_casualties() = event.casualties();
  }
  best->bytes = kept.SerializeAsString();
  best->stories.push_back(event.story_id());
  best->version = kept.version();
  best->last_seen = std::max(best->last_seen, published);
  best->absorbed.push_back(event.event_id());
  const uint64_t abs_index = by_id_.at(best->event_id);
  by_id_[event.event_id()] = abs_index;
  return {std::move(kept), true, true, Encode(*best)};
}

absl::Status EventMerger::Apply(absl::string_view record) {
  if (record.size() < sizeof kRecordMagic || std::memcmp(record.data(), kRecordMagic, sizeof kRecordMagic) != 0) {
    return absl::InvalidArgumentError("not an event merge record (bad magic)");
  }
  record.remove_prefix(sizeof kRecordMagic);
  int64_t last_seen = 0;
  uint32_t n = 0;
  if (!GetFixed(&record, &last_seen) || !GetFixed(&record, &n)) return absl::InvalidArgumentError("truncated merge record");
  std::vector<std::string> absorbed;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len = 0;
    if (!GetFixed(&record, &len) || record.size() < len) return absl::InvalidArgumentError("truncated merge record");
    absorbed.emplace_back(record.substr(0, len));
    record.remove_prefix(len);
  }
  v1::Event event;
  if (!event.ParseFromArray(record.data(), static_cast<int>(record.size())) || event.event_id().empty()) {
    return absl::InvalidArgumentError("merge record without a valid event");
  }
  Slot slot = MakeSlot(event, std::string(record), last_seen);
  slot.absorbed = std::move(absorbed);
  if (auto it = by_id_.find(slot.event_id); it != by_id_.end()) {
    const uint64_t abs_index = it->second;  // `it` does not survive inserts below
    Slot& held = At(abs_index);
    // An id held as a report absorbed into another event, or a version not
    // newer than ours: nothing to learn.
    if (held.event_id != slot.event_id || slot.version <= held.version) return absl::OkStatus();
    held.bytes = std::move(slot.bytes);
    held.stories = std::move(slot.stories);
    held.version = slot.version;
    held.last_seen = std::max(held.last_seen, slot.last_seen);
    for (std::string& id : slot.absorbed) {
      if (std::find(held.absorbed.begin(), held.absorbed.end(), id) != held.absorbed.end()) continue;
      by_id_[id] = abs_index;
      held.absorbed.push_back(std::move(id));
    }
    return absl::OkStatus();
  }
  watermark_ = std::max(watermark_, slot.last_seen);
  if (Expired(slot.last_seen)) return absl::OkStatus();
  Insert(std::move(slot));
  EvictExpired();
  return absl::OkStatus();
}

std::string EventMerger::Snapshot() const {
  std::string out(kSnapshotMagic, sizeof kSnapshotMagic);
  for (const Slot& slot : events_) {
    const std::string record = Encode(slot);
    PutFixed<uint32_t>(&out, static_cast<uint32_t>(record.size()));
    out += record;
  }
  return out;
}

absl::Status EventMerger::Restore(absl::string_view snapshot) {
  if (snapshot.size() < sizeof kSnapshotMagic ||
      std::memcmp(snapshot.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0) {
    return absl::InvalidArgumentError("not an event merger snapshot (bad magic)");
  }
  snapshot.remove_prefix(sizeof kSnapshotMagic);
  while (!snapshot.empty()) {
    uint32_t len = 0;
    if (!GetFixed(&snapshot, &len) || snapshot.size() < len) return absl::DataLossError("event merger snapshot truncated");
    if (absl::Status s = Apply(snapshot.substr(0, len)); !s.ok()) return s;
    snapshot.remove_prefix(len);
  }
  return absl::OkStatus();
}

}  // namespace eventwire
