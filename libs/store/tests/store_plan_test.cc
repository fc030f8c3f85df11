// Every plan List may choose (posting lists, the order-index walk, SQLite's
// planner) must give the pages a plain filter over all events gives: random
// events (upserted, replaced by later versions, deleted), random filter
// combinations, every order, random page sizes, paged to the end.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/time/civil_time.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "eventwire/store.h"

namespace eventwire {
namespace {

constexpr int64_t kDay0 = 20400;  // days since the epoch

// Small vocabularies, so that random filters match often, with the cases the
// filters must get right: code prefixes of every length, names differing in
// case, codes longer than the posted prefixes, empty values, non-ASCII bytes.
const char* const kCodes[] = {"AFGINS", "AFGGOV", "AFG", "PAKMIL", "PAKGOVPOL", "USA", "IRQMILREB", "", "\xC3\x84GYGOV", "TURGOV"};
const char* const kNames[] = {"Taliban", "taliban", "Pakistan Army", "", "Basra police", "TURGOV"};
const char* const kGroups[] = {"TAL", "", "", "IS"};
const char* const kCameo[] = {"190", "193", "1231", "120", "0311", "04", "1", "19", "145"};
const char* const kPlover[] = {"ASSAULT", "PROTEST", "protest", ""};
const char* const kCountries[] = {"AFG", "PAK", "IRQ", ""};
const char* const kPlaces[] = {"Kandahar", "kandahar", "Basra", "Basra City", ""};
// Words with distinct Porter stems: a token match is a stem match.
const char* const kWords[] = {"border", "drone", "aid", "march", "vote", "ceasefire"};

const char* const kActorFilters[] = {"TAL", "taliban", "AFG", "AFGI", "PAK", "PAKGOV", "pakmil", "IRQMIL",
                                     "U", "Pakistan army", "nobody", "\xC3\x84", "TURGOV", "IS", "A"};
const char* const kCameoFilters[] = {"1", "19", "12", "123", "1231", "0", "04", "145", "2"};

template <typename T, size_t N>
const T& Pick(const T (&values)[N], std::mt19937& rng) {
  return values[rng() % N];
}

v1::Event RandomEvent(int i, uint64_t version, std::mt19937& rng) {
  v1::Event e;
  e.set_event_id(absl::StrCat("e", i % 7, "-", i));  // ids that do not sort like their numbers
  e.set_version(version);
  absl::CivilDay day = absl::CivilDay(1970, 1, 1) + kDay0 + static_cast<int64_t>(rng() % 60);
  e.mutable_event_date()->set_date(absl::FormatCivilTime(day));
  e.mutable_first_seen()->set_seconds((kDay0 + static_cast<int64_t>(rng() % 63)) * 86400 +
                                      static_cast<int64_t>(rng() % 86400));
  e.set_confidence(static_cast<double>(rng() % 100) / 100.0);
  e.set_cameo_code(Pick(kCameo, rng));
  e.set_plover_type(Pick(kPlover, rng));
  for (v1::Actor* a : {e.mutable_source(), e.mutable_target()}) {
    a->set_code(Pick(kCodes, rng));
    a->set_name(Pick(kNames, rng));
    a->set_known_group(Pick(kGroups, rng));
    a->set_country_code(Pick(kCountries, rng));
  }
  e.mutable_location()->set_name(Pick(kPlaces, rng));
  e.mutable_location()->set_text(Pick(kPlaces, rng));
  e.mutable_location()->set_country_code(Pick(kCountries, rng));
  e.set_story_id(absl::StrCat("story-", rng() % 40));
  std::string sentence;
  for (int w = 0; w < 4; ++w) absl::StrAppend(&sentence, w ? " " : "", Pick(kWords, rng));
  e.mutable_evidence()->set_sentence(sentence);
  return e;
}

google::protobuf::Timestamp DayStart(int64_t days) {
  google::protobuf::Timestamp t;
  t.set_seconds(days * 86400);
  return t;
}

v1::EventFilter RandomFilter(std::mt19937& rng) {
  v1::EventFilter f;
  // Each field set with probability 1/4, so most filters combine one to three.
  auto maybe = [&rng] { return rng() % 4 == 0; };
  if (maybe()) f.set_actor(Pick(kActorFilters, rng));
  if (maybe()) f.set_source_actor(Pick(kActorFilters, rng));
  if (rng() % 6 == 0) f.set_target_actor(Pick(kActorFilters, rng));
  if (maybe()) f.set_cameo_prefix(Pick(kCameoFilters, rng));
  if (rng() % 6 == 0) f.set_plover_type(rng() % 2 ? "protest" : "ASSAULT");
  static const char* const kCountryFilters[] = {"afg", "PAK", "IRQ", "USA"};
  if (maybe()) f.set_country_code(Pick(kCountryFilters, rng));
  if (rng() % 6 == 0) f.set_place(rng() % 2 ? "KANDAHAR" : "basra city");
  if (rng() % 8 == 0) f.set_story_id(absl::StrCat("story-", rng() % 40));
  if (rng() % 5 == 0) f.set_min_confidence(static_cast<double>(rng() % 10) / 10.0);
  if (rng() % 8 == 0) f.set_text(Pick(kWords, rng));
  if (maybe()) *f.mutable_event_date_from() = DayStart(kDay0 + static_cast<int64_t>(rng() % 50));
  if (maybe()) *f.mutable_event_date_to() = DayStart(kDay0 + 51 + static_cast<int64_t>(rng() % 20));
  if (rng() % 6 == 0) *f.mutable_first_seen_from() = DayStart(kDay0 + static_cast<int64_t>(rng() % 50));
  return f;
}

int64_t Micros(const google::protobuf::Timestamp& t) { return t.seconds() * 1000000 + t.nanos() / 1000; }

int64_t DateMicros(const v1::Event& e) {
  std::vector<std::string> p = absl::StrSplit(e.event_date().date(), '-');
  absl::CivilDay d(std::stoi(p[0]), std::stoi(p[1]), std::stoi(p[2]));
  return (d - absl::CivilDay(1970, 1, 1)) * int64_t{86400000000};
}

bool ActorMatches(const v1::Actor& a, const std::string& actor) {
  const std::string code = absl::AsciiStrToUpper(actor);
  return a.code().compare(0, code.size(), code) == 0 || a.known_group() == code ||
         absl::AsciiStrToLower(a.name()) == absl::AsciiStrToLower(actor);
}

bool HasWord(const std::string& sentence, const std::string& word) {
  for (absl::string_view w : absl::StrSplit(sentence, ' ')) {
    if (w == word) return true;
  }
  return false;
}

// The filter's meaning, written plainly (store.h, filter_sql.cc).
bool Matches(const v1::EventFilter& f, const v1::Event& e) {
  const int64_t date = DateMicros(e);
  const int64_t seen = Micros(e.first_seen());
  if (f.has_event_date_from() && date < Micros(f.event_date_from())) return false;
  if (f.has_event_date_to() && date >= Micros(f.event_date_to())) return false;
  if (f.has_first_seen_from() && seen < Micros(f.first_seen_from())) return false;
  if (!f.actor().empty() && !ActorMatches(e.source(), f.actor()) && !ActorMatches(e.target(), f.actor())) return false;
  if (!f.source_actor().empty() && !ActorMatches(e.source(), f.source_actor())) return false;
  if (!f.target_actor().empty() && !ActorMatches(e.target(), f.target_actor())) return false;
  if (!f.cameo_prefix().empty() && e.cameo_code().compare(0, f.cameo_prefix().size(), f.cameo_prefix()) != 0) return false;
  if (!f.plover_type().empty() && e.plover_type() != absl::AsciiStrToUpper(f.plover_type())) return false;
  if (!f.country_code().empty()) {
    const std::string c = absl::AsciiStrToUpper(f.country_code());
    if (e.location().country_code() != c && e.source().country_code() != c && e.target().country_code() != c) {
      return false;
    }
  }
  if (!f.place().empty()) {
    const std::string p = absl::AsciiStrToLower(f.place());
    if (absl::AsciiStrToLower(e.location().name()) != p && absl::AsciiStrToLower(e.location().text()) != p) {
      return false;
    }
  }
  if (!f.story_id().empty() && e.story_id() != f.story_id()) return false;
  if (e.confidence() < f.min_confidence()) return false;
  if (!f.text().empty() && !HasWord(e.evidence().sentence(), f.text())) return false;
  return true;
}

std::vector<std::string> Expected(const std::vector<v1::Event>& events, const v1::EventFilter& f, EventOrder order) {
  struct Row {
    double key;
    std::string id;
  };
  std::vector<Row> rows;
  for (const v1::Event& e : events) {
    if (!Matches(f, e)) continue;
    double key = order == EventOrder::kConfidenceDesc                                     ? e.confidence()
                 : order == EventOrder::kFirstSeenAsc || order == EventOrder::kFirstSeenDesc ? static_cast<double>(Micros(e.first_seen()))
                                                                                        : static_cast<double>(DateMicros(e));
    rows.push_back({key, e.event_id()});
  }
  const bool asc = order == EventOrder::kEventDateAsc || order == EventOrder::kFirstSeenAsc;
  std::sort(rows.begin(), rows.end(), [asc](const Row& a, const Row& b) {
    if (a.key != b.key) return asc ? a.key < b.key : a.key > b.key;
    return asc ? a.id < b.id : a.id > b.id;
  });
  std::vector<std::string> ids;
  for (const Row& r : rows) ids.push_back(r.id);
  return ids;
}

class StorePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("store_plan_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path() const { return (dir_ / "q.db").string(); }

  // Writes a few thousand events, replaces some by later versions and deletes
  // some; returns what the store should hold.
  // The rows of a query, columns joined by '|'.
  static std::vector<std::string> Rows(sqlite3* db, const char* sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
        absl::StrAppend(&row, c ? "|" : "", text ? text : "");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return rows;
  }

  std::vector<v1::Event> Fill(EventStore* store, std::mt19937& rng) {
    constexpr int kEvents = 2500;
    std::vector<v1::Event> events;
    StoreBatch batch;
    for (int i = 0; i < kEvents; ++i) batch.events.push_back(RandomEvent(i, 1, rng));
    EXPECT_TRUE(store->Apply(batch).ok());
    events = batch.events;
    StoreBatch changes;
    for (int i = 0; i < kEvents; i += 5) {
      v1::Event later = RandomEvent(i, 2, rng);
      changes.events.push_back(later);
      events[static_cast<size_t>(i)] = later;
    }
    // A third version in the same batch as the second (its posting rows are
    // written once, from what was stored before the batch).
    for (int i = 0; i < kEvents; i += 35) {
      v1::Event third = RandomEvent(i, 3, rng);
      changes.events.push_back(third);
      events[static_cast<size_t>(i)] = third;
    }
    // Later versions that change only a count: no index or posting row moves.
    for (int i = 1; i < kEvents; i += 7) {
      v1::Event same = events[static_cast<size_t>(i)];
      same.set_version(same.version() + 1);
      same.set_num_articles(same.num_articles() + 1);
      changes.events.push_back(same);
      events[static_cast<size_t>(i)] = same;
    }
    for (int i = 3; i < kEvents; i += 11) changes.deleted_event_ids.push_back(events[static_cast<size_t>(i)].event_id());
    EXPECT_TRUE(store->Apply(changes).ok());
    std::erase_if(events, [&](const v1::Event& e) {
      return std::find(changes.deleted_event_ids.begin(), changes.deleted_event_ids.end(), e.event_id()) !=
             changes.deleted_event_ids.end();
    });
    return events;
  }

  static std::vector<std::string> AllPages(EventStore* store, const v1::EventFilter& f, EventOrder order,
                                           int page_size) {
    std::vector<std::string> ids;
    ListQuery q;
    q.filter = f;
    q.order = order;
    q.page_size = page_size;
    for (int page = 0; page < 5000; ++page) {
      auto r = store->List(q);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) break;
      for (const auto& e : r->events) ids.push_back(e.event_id());
      if (!r->next) break;
      EXPECT_EQ(r->events.size(), static_cast<size_t>(page_size));
      q.after = *r->next;
    }
    return ids;
  }

  void CheckRandomFilters(EventStore* store, const std::vector<v1::Event>& events, std::mt19937& rng, int n) {
    const EventOrder orders[] = {EventOrder::kEventDateDesc, EventOrder::kEventDateAsc, EventOrder::kFirstSeenDesc,
                                 EventOrder::kFirstSeenAsc, EventOrder::kConfidenceDesc};
    int nonempty = 0;
    for (int k = 0; k < n; ++k) {
      v1::EventFilter f = RandomFilter(rng);
      // Date order twice as often: it is where posting lists are used.
      EventOrder order = k % 2 ? orders[rng() % 2] : orders[rng() % std::size(orders)];
      int page_size = 1 + static_cast<int>(rng() % 60);
      std::vector<std::string> want = Expected(events, f, order);
      nonempty += !want.empty();
      ASSERT_EQ(AllPages(store, f, order, page_size), want)
          << "filter {" << f.ShortDebugString() << "} order " << EventOrderName(order) << " page " << page_size;
    }
    EXPECT_GT(nonempty, n / 3) << "random filters should often match something";
  }

  std::filesystem::path dir_;
};

TEST_F(StorePlanTest, EveryPlanGivesThePagesOfAPlainFilter) {
  std::mt19937 rng(7);
  // Budget 0: only posting lists and SQLite's planner; the default: the walk too.
  for (int64_t budget : {int64_t{0}, StoreOptions().walk_budget_thousand_steps}) {
    std::filesystem::remove_all(dir_);
    auto store = EventStore::Open({.path = Path(), .walk_budget_thousand_steps = budget});
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<v1::Event> events = Fill(store->get(), rng);
    CheckRandomFilters(store->get(), events, rng, 250);
  }
}

// Confidence order within a short date range has a plan of its own (a range
// per day, merged); random filters rarely hit it, so here it is on purpose:
// ranges of one to 40 days (over and under its limit), bounds inside a day,
// with and without a minimum confidence, every page size from 1 to 60.
TEST_F(StorePlanTest, ConfidenceOrderInAShortDateRange) {
  std::mt19937 rng(13);
  auto store = EventStore::Open({.path = Path()});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<v1::Event> events = Fill(store->get(), rng);
  for (int k = 0; k < 80; ++k) {
    v1::EventFilter f;
    const int64_t first = kDay0 - 2 + static_cast<int64_t>(rng() % 60);
    const int64_t days = 1 + static_cast<int64_t>(rng() % 40);
    *f.mutable_event_date_from() = DayStart(first);
    *f.mutable_event_date_to() = DayStart(first + days);
    if (k % 3 == 1) f.mutable_event_date_from()->set_seconds(f.event_date_from().seconds() - 43200);
    if (k % 3 == 2) f.mutable_event_date_to()->set_seconds(f.event_date_to().seconds() + 43200);
    if (k % 2 == 1) f.set_min_confidence(static_cast<double>(rng() % 10) / 10.0);
    const int page_size = 1 + static_cast<int>(rng() % 60);
    ASSERT_EQ(AllPages(store->get(), f, EventOrder::kConfidenceDesc, page_size),
              Expected(events, f, EventOrder::kConfidenceDesc))
        << "filter {" << f.ShortDebugString() << "} page " << page_size;
  }
}

// Posting rows from before they carried k_mask2, k_conf and k_row are rebuilt on open.
TEST_F(StorePlanTest, PostingListsOfAnOlderFormatAreRebuiltOnOpen) {
  std::mt19937 rng(17);
  std::vector<v1::Event> events;
  {
    auto store = EventStore::Open({.path = Path()});
    ASSERT_TRUE(store.ok()) << store.status();
    events = Fill(store->get(), rng);
  }
  const char* const kRows = "SELECT key, k_seen, k_id, k_mask, k_mask2, k_conf, k_row FROM postings_seen ORDER BY 1, 2, 3";
  std::vector<std::string> written;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    written = Rows(db, kRows);
    // The older format, holding some wrong rows: none of them may survive.
    const char* old_format =
        "DROP TABLE postings_seen;"
        "CREATE TABLE postings_seen (key TEXT NOT NULL, k_seen INTEGER NOT NULL, k_id TEXT NOT NULL,"
        "  k_mask INTEGER NOT NULL, PRIMARY KEY (key, k_seen, k_id)) WITHOUT ROWID;"
        "INSERT INTO postings_seen VALUES ('s:c:NOBODY', 1, 'x', 0);";
    EXPECT_EQ(sqlite3_exec(db, old_format, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = EventStore::Open({.path = Path()});
  ASSERT_TRUE(store.ok()) << store.status();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(Rows(db, kRows), written);
    sqlite3_close(db);
  }
  CheckRandomFilters(store->get(), events, rng, 60);
}

TEST_F(StorePlanTest, AStoreWithoutPostingListsGetsThemOnOpen) {
  std::mt19937 rng(11);
  std::vector<v1::Event> events;
  {
    auto store = EventStore::Open({.path = Path()});
    ASSERT_TRUE(store.ok()) << store.status();
    events = Fill(store->get(), rng);
  }
  for (const v1::Event& e : {events[1], events[50], events[105]}) {
    auto stored = (*EventStore::Open({.path = Path()}))->GetEvent(e.event_id());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->SerializeAsString(), e.SerializeAsString()) << e.event_id();
  }
  // The posting rows and counts the store wrote batch by batch, to compare
  // with those rebuilt from the events by SQL below.
  const char* const kPostingQueries[] = {
      "SELECT key, k_date, k_id, k_mask, k_mask2, k_conf, k_row FROM postings_date ORDER BY 1, 2, 3",
      "SELECT key, k_seen, k_id, k_mask, k_mask2, k_conf, k_row FROM postings_seen ORDER BY 1, 2, 3",
      "SELECT key, n FROM posting_counts WHERE n > 0 ORDER BY 1"};
  std::vector<std::vector<std::string>> written;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    for (const char* q : kPostingQueries) written.push_back(Rows(db, q));
    sqlite3_close(db);
    ASSERT_GT(written[0].size(), events.size());
  }
  {
    // What a store written before the posting lists existed looks like.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    const char* drop =
        "DROP TRIGGER postings_date_ad; DROP TRIGGER postings_seen_ad;"
        "DROP TABLE postings_date; DROP TABLE postings_seen; DROP TABLE posting_counts;"
        "DROP TRIGGER events_text_ai; DROP TRIGGER events_text_ad; DROP TRIGGER events_text_au;"
        "DROP TABLE events_text;"
        // The text index as it was: external content, rowid = events.id.
        "CREATE VIRTUAL TABLE events_fts USING fts5(evidence, content='events', content_rowid='id',"
        "  tokenize='porter unicode61 remove_diacritics 2');"
        "INSERT INTO events_fts(events_fts) VALUES ('rebuild');"
        "CREATE TRIGGER events_ai AFTER INSERT ON events BEGIN"
        "  INSERT INTO events_fts(rowid, evidence) VALUES (new.id, new.evidence); END;";
    EXPECT_EQ(sqlite3_exec(db, drop, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = EventStore::Open({.path = Path()});
  ASSERT_TRUE(store.ok()) << store.status();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path().c_str(), &db), SQLITE_OK);
    for (size_t i = 0; i < std::size(kPostingQueries); ++i) {
      EXPECT_EQ(Rows(db, kPostingQueries[i]), written[i]) << kPostingQueries[i];
    }
    sqlite3_close(db);
  }
  CheckRandomFilters(store->get(), events, rng, 120);
  // And they are kept in step from then on.
  StoreBatch more;
  for (int i = 0; i < 300; ++i) more.events.push_back(RandomEvent(10000 + i, 1, rng));
  ASSERT_TRUE((*store)->Apply(more).ok());
  events.insert(events.end(), more.events.begin(), more.events.end());
  CheckRandomFilters(store->get(), events, rng, 60);
}

}  // namespace
}  // namespace eventwire
