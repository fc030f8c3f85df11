#include "eventwire/event_merger.h"

#include <absl/time/civil_time.h>

#include <algorithm>
#include <cstdlib>

namespace eventwire {

EventMerger::EventMerger(EventMergerOptions options) : options_(options) {}

std::string EventMerger::Key(const v1::Event& e) const {
  // Place counts only at country level: outlets name the same incident's
  // place at different granularity ("Kurram" vs "Pakistan").
  return e.cameo_root() + "|" + e.source().code() + "|" + e.target().code() + "|" + e.location().country_code();
}

int64_t EventMerger::Day(const v1::Event& e) {
  const std::string& d = e.event_date().date();
  int y = 0, m = 1, day = 1;
  if (d.size() >= 4) y = std::atoi(d.substr(0, 4).c_str());
  if (d.size() >= 7) m = std::atoi(d.substr(5, 2).c_str());
  if (d.size() >= 10) day = std::atoi(d.substr(8, 2).c_str());
  if (y == 0) return e.published_at().seconds() / 86400;
  return (absl::CivilDay(y, m, day) - absl::CivilDay(1970, 1, 1));
}

EventMerger::Result EventMerger::Add(v1::Event event) {
  const std::string key = Key(event);
  const int64_t day = Day(event);
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    for (uint64_t abs_index : it->second) {
      if (abs_index < evicted_) continue;
      Slot& slot = events_[abs_index - evicted_];
      if (std::llabs(slot.day - day) > options_.window_days) continue;
      v1::Event& kept = slot.event;
      if (kept.story_id() == event.story_id()) {
        // The same event re-extracted (a replay) is not a new report; another
        // event of the same story ("signed the accord", then "praised it") is
        // a different event, not a second report of this one.
        if (kept.event_id() == event.event_id()) return {kept, true};
        continue;
      }
      const auto& related = kept.related_story_ids();
      if (std::find(related.begin(), related.end(), event.story_id()) == related.end()) {
        kept.add_related_story_ids(event.story_id());
        kept.set_num_articles(kept.num_articles() + std::max<uint32_t>(1, event.num_articles()));
        for (const std::string& s : event.sources()) {
          if (std::find(kept.sources().begin(), kept.sources().end(), s) == kept.sources().end()) {
            kept.add_sources(s);
          }
        }
        kept.set_num_sources(std::max<uint32_t>(kept.num_sources() + event.num_sources(),
                                                static_cast<uint32_t>(kept.sources_size())));
        kept.set_version(kept.version() + 1);
        kept.set_confidence(std::min(0.99, kept.confidence() + 0.05));
        // Casualty figures: keep the report with the larger stated toll.
        if (event.casualties().killed() + event.casualties().wounded() >
            kept.casualties().killed() + kept.casualties().wounded())
          *kept.mutable_casualties() = event.casualties();
      }
      return {kept, true};
    }
  }
  if (events_.size() >= options_.max_events) {
    auto old = by_key_.find(Key(events_.front().event));
    if (old != by_key_.end()) {
      std::vector<uint64_t>& l = old->second;
      l.erase(std::remove(l.begin(), l.end(), evicted_), l.end());
      if (l.empty()) by_key_.erase(old);
    }
    events_.pop_front();
    ++evicted_;
  }
  const uint64_t abs_index = evicted_ + events_.size();
  by_key_[key].push_back(abs_index);
  events_.push_back({event, day});
  return {std::move(event), false};
}

}  // namespace eventwire
