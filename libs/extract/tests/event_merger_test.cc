#include "eventwire/event_merger.h"

#include <gtest/gtest.h>

namespace eventwire {
namespace {

v1::Event Report(const std::string& id, const std::string& story, const std::string& code, const std::string& date,
                 const std::string& outlet) {
  v1::Event e;
  e.set_event_id(id);
  e.set_story_id(story);
  e.set_cameo_code(code);
  e.set_cameo_root(code.substr(0, 2));
  e.mutable_source()->set_code("PAKMIL");
  e.mutable_target()->set_code("TTP");
  e.mutable_location()->set_country_code("PAK");
  e.mutable_event_date()->set_date(date);
  e.set_num_articles(1);
  e.set_num_sources(1);
  e.add_sources(outlet);
  return e;
}

TEST(EventMergerTest, SameEventFromAnotherStoryMerges) {
  EventMerger m;
  auto first = m.Add(Report("ev-1", "story-a", "190", "2024-05-10", "Dawn"));
  EXPECT_FALSE(first.merged);
  // Another outlet, a finer code of the same root, one day later.
  auto second = m.Add(Report("ev-2", "story-b", "193", "2024-05-11", "Reuters"));
  ASSERT_TRUE(second.merged);
  EXPECT_EQ(second.event.event_id(), "ev-1");
  ASSERT_EQ(second.event.related_story_ids_size(), 1);
  EXPECT_EQ(second.event.related_story_ids(0), "story-b");
  EXPECT_EQ(second.event.num_articles(), 2u);
  EXPECT_EQ(second.event.sources_size(), 2);
  EXPECT_EQ(second.event.version(), 1u);
  // The same story again is not a new report.
  auto again = m.Add(Report("ev-2", "story-b", "193", "2024-05-11", "Reuters"));
  EXPECT_TRUE(again.merged);
  EXPECT_EQ(again.event.num_articles(), 2u);
  EXPECT_EQ(m.size(), 1u);
}

TEST(EventMergerTest, DifferentRootActorsOrDatesStayApart) {
  EventMerger m({.window_days = 2});
  EXPECT_FALSE(m.Add(Report("ev-1", "s1", "190", "2024-05-10", "A")).merged);
  EXPECT_FALSE(m.Add(Report("ev-2", "s2", "120", "2024-05-10", "B")).merged);  // other root
  EXPECT_FALSE(m.Add(Report("ev-3", "s3", "190", "2024-05-20", "C")).merged);  // outside the window
  v1::Event other = Report("ev-4", "s4", "190", "2024-05-10", "D");
  other.mutable_target()->set_code("AFGGOV");
  EXPECT_FALSE(m.Add(other).merged);
  EXPECT_EQ(m.size(), 4u);
}

TEST(EventMergerTest, TwoEventsOfOneStoryStayApart) {
  EventMerger m;
  EXPECT_FALSE(m.Add(Report("ev-1", "s1", "057", "2024-05-10", "A")).merged);
  // Same root, actors and day, but another sentence's event of the same story.
  EXPECT_FALSE(m.Add(Report("ev-2", "s1", "051", "2024-05-10", "A")).merged);
  // Replays of either are not new reports.
  auto replay = m.Add(Report("ev-2", "s1", "051", "2024-05-10", "A"));
  EXPECT_TRUE(replay.merged);
  EXPECT_EQ(replay.event.event_id(), "ev-2");
  EXPECT_EQ(replay.event.version(), 0u);
  // Another story's report still merges into the first event of the key.
  auto other = m.Add(Report("ev-3", "s2", "057", "2024-05-10", "B"));
  EXPECT_TRUE(other.merged);
  EXPECT_EQ(other.event.event_id(), "ev-1");
  EXPECT_EQ(m.size(), 2u);
}

TEST(EventMergerTest, MemoryIsBounded) {
  EventMerger m({.window_days = 2, .max_events = 3});
  for (int i = 0; i < 10; ++i) {
    v1::Event e = Report("ev-" + std::to_string(i), "s" + std::to_string(i), "190", "2024-05-10", "A");
    e.mutable_source()->set_code("SRC" + std::to_string(i));
    m.Add(e);
  }
  EXPECT_EQ(m.size(), 3u);
  // The oldest were forgotten: a new report of event 0 is new again.
  v1::Event e = Report("ev-x", "s-x", "190", "2024-05-10", "B");
  e.mutable_source()->set_code("SRC0");
  EXPECT_FALSE(m.Add(e).merged);
}

TEST(EventMergerTest, ReplaysChangeNothingAndAreNotPublished) {
  EventMerger m;
  EXPECT_TRUE(m.Add(Report("ev-1", "s1", "190", "2024-05-10", "A")).changed);
  auto merged = m.Add(Report("ev-2", "s2", "190", "2024-05-10", "B"));
  EXPECT_TRUE(merged.changed);
  EXPECT_FALSE(merged.record.empty());
  auto replay = m.Add(Report("ev-2", "s2", "190", "2024-05-10", "B"));
  EXPECT_FALSE(replay.changed);
  EXPECT_TRUE(replay.record.empty());
  EXPECT_EQ(replay.event.version(), merged.event.version());
}

TEST(EventMergerTest, AnotherEventOfAStoryThatAlreadyReportedItStaysApart) {
  EventMerger m;
  m.Add(Report("ev-1", "s1", "190", "2024-05-10", "A"));
  EXPECT_TRUE(m.Add(Report("ev-2", "s2", "190", "2024-05-10", "B")).merged);
  // s2's second same-key event (another sentence) is not a third report of ev-1.
  auto second = m.Add(Report("ev-3", "s2", "190", "2024-05-10", "B"));
  EXPECT_FALSE(second.merged);
  EXPECT_EQ(second.event.event_id(), "ev-3");
}

// A merger rebuilt from the records (in any order) or a snapshot decides
// like the one that made them.
TEST(EventMergerTest, RecordsAndSnapshotRebuildTheSameDecisions) {
  EventMerger live;
  std::vector<std::string> records;
  for (auto r : {live.Add(Report("ev-1", "s1", "190", "2024-05-10", "A")),
                 live.Add(Report("ev-2", "s2", "190", "2024-05-11", "B")),
                 live.Add(Report("ev-3", "s3", "120", "2024-05-10", "C")),
                 live.Add(Report("ev-4", "s4", "190", "2024-05-09", "D"))}) {
    records.push_back(r.record);
  }
  EventMerger from_records;
  for (auto it = records.rbegin(); it != records.rend(); ++it) ASSERT_TRUE(from_records.Apply(*it).ok());
  EventMerger from_snapshot;
  ASSERT_TRUE(from_snapshot.Restore(live.Snapshot()).ok());
  for (EventMerger* m : {&live, &from_records, &from_snapshot}) {
    EXPECT_EQ(m->size(), 2u);
    auto next = m->Add(Report("ev-5", "s5", "190", "2024-05-10", "E"));
    ASSERT_TRUE(next.merged);
    EXPECT_EQ(next.event.event_id(), "ev-1");
    EXPECT_EQ(next.event.version(), 3u);
    EXPECT_EQ(next.event.related_story_ids_size(), 3);
    EXPECT_EQ(next.event.sources_size(), 4);
    // The reports merged in before are replays after a rebuild too.
    EXPECT_FALSE(m->Add(Report("ev-4", "s4", "190", "2024-05-09", "D")).changed);
  }
  // Older versions of an event held change nothing; junk is an error.
  EXPECT_TRUE(from_records.Apply(records[0]).ok());
  EXPECT_EQ(from_records.Add(Report("ev-6", "s6", "190", "2024-05-10", "F")).event.version(), 4u);
  EXPECT_FALSE(from_records.Apply("junk").ok());
  EXPECT_FALSE(from_records.Restore("junk").ok());
}

TEST(EventMergerTest, ReportsPublishedAfterTheWindowStartANewEvent) {
  EventMerger m({.window_days = 2});
  v1::Event first = Report("ev-1", "s1", "190", "", "A");  // dated by publication
  first.mutable_published_at()->set_seconds(1'700'000'000);
  m.Add(first);
  v1::Event late = Report("ev-2", "s2", "190", "2023-11-14", "B");  // same date, written 10 days later
  late.mutable_published_at()->set_seconds(1'700'000'000 + 10 * 86400);
  EXPECT_FALSE(m.Add(late).merged);
  EXPECT_EQ(m.size(), 1u);  // the first one expired
  // A restored record older than the window is ignored.
  EventMerger other({.window_days = 2});
  other.Add(late);
  EXPECT_TRUE(other.Apply(EventMerger().Add(first).record).ok());
  EXPECT_EQ(other.size(), 1u);
}

}  // namespace
}  // namespace eventwire
