#include "eventwire/store.h"

#include <filesystem>
#include <set>
#include <string>

#include <unistd.h>

#include <absl/strings/str_cat.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eventwire {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<EventStore> Reopen() {
    store_.reset();
    auto s = EventStore::Open({.path = (dir_ / "q.db").string()});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  static v1::Event MakeEvent(const std::string& id, const std::string& date, const std::string& cameo,
                             const std::string& src, const std::string& tgt, double confidence,
                             const std::string& sentence, uint64_t version = 1) {
    v1::Event e;
    e.set_event_id(id);
    e.set_version(version);
    e.mutable_event_date()->set_date(date);
    e.set_cameo_code(cameo);
    e.set_cameo_root(cameo.substr(0, 2));
    e.set_plover_type(cameo.substr(0, 2) == "12" ? "REJECT" : "ASSAULT");
    e.mutable_source()->set_code(src);
    e.mutable_source()->set_name(src == "TAL" ? "Taliban" : src);
    e.mutable_source()->set_known_group(src == "TAL" ? "TAL" : "");
    e.mutable_target()->set_code(tgt);
    e.mutable_target()->set_country_code(tgt.substr(0, 3));
    e.mutable_location()->set_name("Kandahar");
    e.mutable_location()->set_country_code("AFG");
    e.set_story_id("story-" + id.substr(0, 1));
    e.set_confidence(confidence);
    e.mutable_evidence()->set_sentence(sentence);
    e.mutable_first_seen()->set_seconds(1'790'000'000 + static_cast<int64_t>(id.size()));
    return e;
  }

  void Put(std::vector<v1::Event> events) {
    StoreBatch b;
    b.events = std::move(events);
    auto r = store_->Apply(b);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::vector<std::string> Ids(const v1::EventFilter& f, EventOrder order = EventOrder::kEventDateDesc) {
    std::vector<std::string> ids;
    ListQuery q;
    q.filter = f;
    q.order = order;
    q.page_size = 1000;
    auto r = store_->List(q);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) {
      for (const auto& e : r->events) ids.push_back(e.event_id());
    }
    return ids;
  }

  std::filesystem::path dir_;
  std::unique_ptr<EventStore> store_;
};

using ::testing::ElementsAre;

TEST_F(StoreTest, FiltersCombineAndOrder) {
  Put({MakeEvent("a1", "2026-11-20", "1231", "TAL", "AFGGOV", 0.9, "The Taliban rejected the talks."),
       MakeEvent("a2", "2026-11-18", "190", "PAKMIL", "TAL", 0.6, "Soldiers attacked militants."),
       MakeEvent("b3", "2026-10", "0311", "USAGOV", "PAKGOV", 0.3, "Officials pledged aid.")});
  v1::EventFilter f;
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1", "a2", "b3"}));
  EXPECT_EQ(Ids(f, EventOrder::kEventDateAsc), (std::vector<std::string>{"b3", "a2", "a1"}));
  EXPECT_EQ(Ids(f, EventOrder::kConfidenceDesc), (std::vector<std::string>{"a1", "a2", "b3"}));

  f.set_actor("TAL");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1", "a2"}));
  f.Clear();
  f.set_actor("taliban");  // by name, any case
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1"}));
  f.Clear();
  f.set_source_actor("PAK");  // code prefix
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a2"}));
  f.Clear();
  f.set_target_actor("PAK");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"b3"}));
  f.Clear();
  f.set_cameo_prefix("19");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a2"}));
  f.set_cameo_prefix("03");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"b3"}));
  f.Clear();
  f.set_plover_type("reject");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1"}));
  f.Clear();
  f.set_country_code("pak");  // the target's country
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"b3"}));
  f.Clear();
  f.set_place("kandahar");
  EXPECT_EQ(Ids(f).size(), 3u);
  f.Clear();
  f.set_story_id("story-b");
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"b3"}));
  f.Clear();
  f.set_min_confidence(0.5);
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1", "a2"}));
  f.Clear();
  f.set_text("reject talks");  // stemmed: "rejected" matches "reject"
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a1"}));
  f.set_text("\"talks\" OR NEAR(");  // FTS syntax is plain text
  EXPECT_TRUE(Ids(f).empty());
  f.Clear();
  f.mutable_event_date_from()->set_seconds(1'763'424'000);  // 2025-11-18
  f.mutable_event_date_to()->set_seconds(1'795'046'400);    // 2026-11-19
  EXPECT_EQ(Ids(f), (std::vector<std::string>{"a2", "b3"}));
}

TEST_F(StoreTest, HigherVersionWinsAndTextIndexFollows) {
  Put({MakeEvent("e1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "old sentence about rockets", 2)});
  Put({MakeEvent("e1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "stale sentence", 1)});
  auto e = store_->GetEvent("e1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->evidence().sentence(), "old sentence about rockets");
  Put({MakeEvent("e1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "new sentence about drones", 3)});
  v1::EventFilter f;
  f.set_text("rockets");
  EXPECT_TRUE(Ids(f).empty());
  f.set_text("drones");
  EXPECT_THAT(Ids(f), ElementsAre("e1"));
  EXPECT_EQ(store_->GetEvent("nope").status().code(), absl::StatusCode::kNotFound);
}

// A later version with only a count changed rewrites the row alone: it still
// wins, reaches the live tail, and keeps its filter and text matches.
TEST_F(StoreTest, CountsOnlyVersionIsStoredAndTailed) {
  v1::Event e = MakeEvent("c1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "rockets hit the base");
  Put({e});
  const int64_t head = store_->HeadSeq();
  e.set_version(2);
  e.set_num_articles(7);
  StoreBatch b;
  b.events = {e};
  v1::Event stale = e;
  stale.set_num_articles(99);  // the same version again: ignored
  b.events.push_back(stale);
  auto r = store_->Apply(b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->events_written, 1);
  EXPECT_EQ(r->events_stale, 1);
  auto got = store_->GetEvent("c1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->num_articles(), 7u);
  auto tail = store_->Tail({}, head, 0, 0, 10);
  ASSERT_TRUE(tail.ok()) << tail.status();
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].event.num_articles(), 7u);
  v1::EventFilter f;
  f.set_actor("TAL");
  f.set_text("rockets");
  EXPECT_THAT(Ids(f), ::testing::ElementsAre("c1"));
}

// An event merged from several stories (services/pipeline: a later report is a
// new version with the story in related_story_ids) is found by each story's id,
// including after a counts-only version, and leaves with the event.
TEST_F(StoreTest, StoryFilterFindsEventsMergedFromTheStory) {
  v1::Event e = MakeEvent("m1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "rockets hit the base");
  Put({e, MakeEvent("n1", "2026-11-20", "120", "TAL", "AFGGOV", 0.5, "talks were refused")});
  v1::EventFilter f;
  f.set_story_id("story-x");
  EXPECT_TRUE(Ids(f).empty());
  e.set_version(2);
  e.add_related_story_ids("story-x");
  Put({e});
  EXPECT_THAT(Ids(f), ElementsAre("m1"));
  e.set_version(3);
  e.add_related_story_ids("story-y");
  Put({e});
  f.set_story_id("story-y");
  EXPECT_THAT(Ids(f), ElementsAre("m1"));
  f.set_story_id("story-m");  // its own story still
  EXPECT_THAT(Ids(f), ElementsAre("m1"));
  f.set_story_id("story-x");
  f.set_cameo_prefix("12");  // other filters still apply
  EXPECT_TRUE(Ids(f).empty());
  StoreBatch b;
  b.deleted_event_ids.push_back("m1");
  ASSERT_TRUE(store_->Apply(b).ok());
  f.Clear();
  f.set_story_id("story-x");
  EXPECT_TRUE(Ids(f).empty());
}

TEST_F(StoreTest, PagingVisitsEveryRowOnce) {
  std::vector<v1::Event> events;
  for (int i = 0; i < 57; ++i) {
    // Many share a date, so ties are broken by event id.
    events.push_back(MakeEvent("p" + std::to_string(i), "2026-11-" + std::to_string(10 + i % 5),
                               "190", "TAL", "AFGGOV", (i % 10) / 10.0, "x"));
  }
  Put(events);
  for (EventOrder order : {EventOrder::kEventDateDesc, EventOrder::kEventDateAsc,
                           EventOrder::kConfidenceDesc, EventOrder::kFirstSeenAsc}) {
    std::set<std::string> seen;
    ListQuery q;
    q.order = order;
    q.page_size = 10;
    int pages = 0;
    while (pages < 20) {
      auto r = store_->List(q);
      ASSERT_TRUE(r.ok()) << r.status();
      ++pages;
      for (const auto& e : r->events) EXPECT_TRUE(seen.insert(e.event_id()).second) << e.event_id();
      if (!r->next) break;
      std::string token = EncodePageToken(*r->next, order, q.filter);
      auto cursor = DecodePageToken(token, order, q.filter);
      ASSERT_TRUE(cursor.ok()) << cursor.status();
      q.after = *cursor;
    }
    EXPECT_EQ(seen.size(), 57u) << EventOrderName(order);
    EXPECT_EQ(pages, 6);
  }
}

// List walks the order's index within a budget, else starts from the filters'
// indexes: budget 0 pins the planner, a huge one pins the walk, 1 makes every
// walk run out at once. Every way must give the same pages.
TEST_F(StoreTest, WalkAndPlannerGiveTheSamePages) {
  std::vector<v1::Event> events;
  const char* sources[] = {"TAL", "PAKMIL", "USAGOV", "AFGGOV"};
  const char* cameos[] = {"190", "1231", "0311", "193", "040"};
  const char* words[] = {"rockets hit the border", "talks rejected", "aid pledged after talks", "drones"};
  for (int i = 0; i < 3000; ++i) {
    v1::Event e = MakeEvent("w" + std::to_string(i), "2026-" + std::to_string(1 + i % 12) + "-" + std::to_string(1 + i % 28),
                            cameos[i % 5], sources[i % 4], sources[(i / 4) % 4], (i % 97) / 97.0, words[i % 7 % 4]);
    e.mutable_first_seen()->set_seconds(1'790'000'000 + (i * 7919) % 3000);
    events.push_back(e);
  }
  Put(events);
  std::vector<v1::EventFilter> filters(8);
  filters[1].set_actor("TAL");
  filters[2].set_cameo_prefix("19");
  filters[2].set_min_confidence(0.5);
  filters[3].set_text("talks");
  filters[4].set_country_code("PAK");
  filters[4].mutable_event_date_from()->set_seconds(1'775'000'000);
  filters[5].set_source_actor("USA");
  filters[5].set_text("rockets border");
  filters[6].set_min_confidence(0.98);  // rare: a walk runs long
  filters[7].mutable_first_seen_from()->set_seconds(1'790'001'000);
  auto pages = [&](int64_t budget, const v1::EventFilter& f, EventOrder order) {
    auto s = EventStore::Open({.path = (dir_ / "q.db").string(), .walk_budget_thousand_steps = budget});
    EXPECT_TRUE(s.ok()) << s.status();
    std::vector<std::string> ids;
    if (!s.ok()) return ids;
    ListQuery q;
    q.filter = f;
    q.order = order;
    q.page_size = 37;
    for (int page = 0; page < 100; ++page) {
      auto r = (*s)->List(q);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      for (const auto& e : r->events) ids.push_back(e.event_id());
      if (!r->next) break;
      q.after = *r->next;
    }
    return ids;
  };
  for (EventOrder order : {EventOrder::kEventDateDesc, EventOrder::kFirstSeenAsc, EventOrder::kConfidenceDesc}) {
    for (size_t k = 0; k < filters.size(); ++k) {
      std::vector<std::string> planner = pages(0, filters[k], order);
      EXPECT_FALSE(planner.empty()) << k;
      EXPECT_EQ(pages(1, filters[k], order), planner) << "filter " << k << ", " << EventOrderName(order);
      EXPECT_EQ(pages(1'000'000, filters[k], order), planner) << "filter " << k << ", " << EventOrderName(order);
    }
  }
}

TEST_F(StoreTest, OptimizeRunsWhenTheStoreHasDoubled) {
  Put({MakeEvent("o1", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "rockets")});
  EXPECT_EQ(store_->OptimizeIfStale(10).value_or(true), false) << "below min_events";
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(false), true) << "never analysed";
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(true), false);
  Put({MakeEvent("o2", "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "drones")});
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(false), true) << "doubled";
  store_ = Reopen();  // remembered through sqlite_stat1
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(true), false);
  v1::EventFilter f;
  f.set_text("drones");
  EXPECT_THAT(Ids(f), ElementsAre("o2")) << "the merged text index still answers";
}

TEST_F(StoreTest, OptimizeMergesATextIndexLeftInManySegments) {
  StoreBatch batch;
  for (int i = 0; i < 40; ++i) {
    batch.events.push_back(MakeEvent(absl::StrCat("m", i), "2026-11-20", "190", "TAL", "AFGGOV", 0.5, "rockets"));
  }
  Put(batch.events);
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(false), true) << "never analysed";
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(true), false);
  // Far from doubling, but each transaction adds a text segment.
  for (int i = 0; i < 6; ++i) {
    Put({MakeEvent(absl::StrCat("late", i), "2026-11-21", "190", "TAL", "AFGGOV", 0.5, "drones")});
  }
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(false), true) << "text index in 7 segments";
  EXPECT_EQ(store_->OptimizeIfStale(1).value_or(true), false) << "one segment now";
  v1::EventFilter f;
  f.set_text("drones");
  EXPECT_EQ(Ids(f).size(), 6u) << "the merged text index still answers";
}

TEST_F(StoreTest, PageTokensAreChecked) {
  v1::EventFilter f;
  f.set_actor("TAL");
  std::string token = EncodePageToken({123.0, "id"}, EventOrder::kEventDateDesc, f);
  EXPECT_TRUE(DecodePageToken(token, EventOrder::kEventDateDesc, f).ok());
  EXPECT_EQ(DecodePageToken(token, EventOrder::kEventDateAsc, f).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::EventFilter other;
  EXPECT_EQ(DecodePageToken(token, EventOrder::kEventDateDesc, other).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("garbage!!", EventOrder::kEventDateDesc, f).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("Zm9v", EventOrder::kEventDateDesc, f).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ValidateFilterExplains) {
  v1::EventFilter f;
  EXPECT_TRUE(ValidateFilter(f).ok());
  f.set_cameo_prefix("1a");
  EXPECT_NE(ValidateFilter(f).message().find("cameo_prefix"), std::string::npos);
  f.Clear();
  f.set_min_confidence(1.5);
  EXPECT_NE(ValidateFilter(f).message().find("min_confidence"), std::string::npos);
  f.Clear();
  f.set_country_code("AF");
  EXPECT_NE(ValidateFilter(f).message().find("country_code"), std::string::npos);
  f.Clear();
  f.mutable_event_date_from()->set_seconds(200);
  f.mutable_event_date_to()->set_seconds(100);
  EXPECT_NE(ValidateFilter(f).message().find("event_date_from"), std::string::npos);
  f.Clear();
  f.set_text("!!!");
  EXPECT_NE(ValidateFilter(f).message().find("text"), std::string::npos);
  EXPECT_FALSE(ParseEventOrder("random").ok());
}

TEST_F(StoreTest, CountsGroupByEachKey) {
  Put({MakeEvent("a1", "2026-11-20", "1231", "TAL", "AFGGOV", 0.9, "s"),
       MakeEvent("a2", "2026-11-20", "190", "TAL", "AFGGOV", 0.6, "s"),
       MakeEvent("a3", "2026-11-18", "190", "PAKMIL", "TAL", 0.6, "s")});
  auto day = store_->Count({}, "day");
  ASSERT_TRUE(day.ok());
  ASSERT_EQ(day->size(), 2u);
  EXPECT_EQ((*day)[0].key(), "2026-11-18");
  EXPECT_EQ((*day)[1].count(), 2u);
  auto root = store_->Count({}, "cameo_root");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ((*root)[0].key(), "19");
  EXPECT_EQ((*root)[0].count(), 2u);
  auto pair = store_->Count({}, "actor_pair");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ((*pair)[0].key(), "TAL->AFGGOV");
  auto country = store_->Count({}, "country");
  ASSERT_TRUE(country.ok());
  EXPECT_EQ((*country)[0].key(), "AFG");
  EXPECT_EQ((*country)[0].count(), 3u);
  EXPECT_EQ(store_->Count({}, "week").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, TailFollowsChangesAndReplaysSince) {
  Put({MakeEvent("a1", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s")});
  int64_t head = store_->HeadSeq();
  EXPECT_EQ(head, 1);
  Put({MakeEvent("a2", "2026-11-20", "1231", "TAL", "AFGGOV", 0.9, "s"),
       MakeEvent("a3", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s")});
  EXPECT_EQ(store_->WaitForChange(head, absl::Milliseconds(10)), 3);
  v1::EventFilter f;
  f.set_cameo_prefix("19");
  auto rows = store_->Tail(f, head, 0, 0, 100);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].event.event_id(), "a3");
  // Replay from a first_seen that excludes a1 ("a1".size() == "a3".size(), so use a later time).
  auto replay = store_->Tail({}, 0, absl::ToUnixMicros(absl::FromUnixSeconds(1'790'000'003)), 3, 100);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->empty());
  EXPECT_EQ(store_->WaitForChange(3, absl::Milliseconds(20)), 3);  // times out, no change
}

TEST_F(StoreTest, RestartKeepsDataOffsetsAndSequence) {
  StoreBatch b;
  b.events.push_back(MakeEvent("a1", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s"));
  v1::Story story;
  story.set_story_id("story-a");
  story.set_version(4);
  story.set_num_articles(3);
  story.add_articles()->set_article_id("art-1");
  b.stories.push_back(story);
  b.offsets.push_back({"events.v1", 2, 17});
  ASSERT_TRUE(store_->Apply(b).ok());
  store_ = Reopen();
  ASSERT_TRUE(store_);
  EXPECT_TRUE(store_->GetEvent("a1").ok());
  auto s = store_->GetStory("story-a");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->articles_size(), 1);
  auto offsets = store_->Offsets();
  ASSERT_TRUE(offsets.ok());
  ASSERT_EQ(offsets->size(), 1u);
  EXPECT_EQ((*offsets)[0].next_offset, 17);
  EXPECT_EQ(store_->HeadSeq(), 1);
  Put({MakeEvent("a2", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s")});
  EXPECT_EQ(store_->HeadSeq(), 2);
}

TEST_F(StoreTest, PruneDropsOldRowsAndTombstonesDelete) {
  Put({MakeEvent("a1", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s"),
       MakeEvent("a22", "2026-11-20", "190", "TAL", "AFGGOV", 0.9, "s")});
  auto n = store_->Prune(absl::FromUnixSeconds(1'790'000'003));  // after a1's first_seen only
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(store_->GetEvent("a1").status().code(), absl::StatusCode::kNotFound);
  StoreBatch b;
  b.deleted_event_ids.push_back("a22");
  auto r = store_->Apply(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted, 1);
  auto stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, 0);
}

TEST(StoreOpen, RefusesInMemory) {
  EXPECT_EQ(EventStore::Open({.path = ":memory:"}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace eventwire
