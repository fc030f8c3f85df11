// Unit tests of services/pipeline/processor.h: per-message outputs without Kafka.
#include "processor.h"

#include <gtest/gtest.h>

#include <set>

#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire::pipeline {
namespace {

constexpr char kText[] =
    "MANILA, April 2 - Philippine coast guard officials accused Chinese vessels of ramming a "
    "supply boat near a disputed shoal on Tuesday. The foreign ministry in Manila protested and "
    "summoned the Chinese ambassador.";

std::string JsonArticle(const std::string& id, const std::string& source, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","source":")" + source + R"(","title":"Manila protests ramming","text":")" +
         kText + extra + R"(","published_at":"2027-04-02T10:00:00Z"})";
}

std::string Header(const OutputRecord& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessorOptions options;
    options.decode.max_bytes = 2048;
    auto p = Processor::Create(options);
    ASSERT_TRUE(p.ok()) << p.status();
    processor_ = std::move(*p);
  }

  ProcessResult Run(std::string_view payload, std::string_view key, std::string content_type, int64_t offset) {
    InputMessage in;
    in.payload = payload;
    in.key = key;
    if (!content_type.empty()) in.headers.emplace_back("Content-Type", content_type);
    in.topic = "articles.raw";
    in.partition = 1;
    in.offset = offset;
    in.timestamp_ms = 1'800'000'000'000;
    return processor_->Process(in);
  }

  std::unique_ptr<Processor> processor_;
};

TEST_F(ProcessorTest, FirstArticlePublishesEventsAndStoryDuplicateOnlyStory) {
  const std::string first = JsonArticle("ph-1", "manila-times");
  ProcessResult a = Run(first, "ph-1", "application/json", 10);
  EXPECT_EQ(a.summary.dlq_reason, DlqReason::kNone);
  EXPECT_FALSE(a.summary.is_duplicate);
  ASSERT_FALSE(a.records.empty());
  const OutputRecord& story_record = a.records.back();
  EXPECT_EQ(story_record.topic, "stories.v1");
  v1::Story story;
  ASSERT_TRUE(story.ParseFromString(story_record.value));
  EXPECT_EQ(story_record.key, story.story_id());
  EXPECT_EQ(story.num_articles(), 1u);
  EXPECT_EQ(Header(story_record, kContentTypeHeader), kProtobufContentType);
  EXPECT_EQ(Header(story_record, kTypeHeader), "story");
  EXPECT_EQ(a.summary.events, a.records.size() - 1);
  for (size_t i = 0; i + 1 < a.records.size(); ++i) {
    v1::Event e;
    ASSERT_TRUE(e.ParseFromString(a.records[i].value));
    EXPECT_EQ(a.records[i].topic, "events.v1");
    EXPECT_EQ(a.records[i].key, e.event_id());
    EXPECT_EQ(Header(a.records[i], kTypeHeader), "event");
    EXPECT_EQ(e.story_id(), story.story_id());
  }

  // A syndicated copy: same text, another outlet. (How near a near-duplicate may be is
  // libs/dedup's business and tested there.)
  const std::string copy = JsonArticle("ph-1-copy", "inquirer");
  ProcessResult b = Run(copy, "ph-1-copy", "application/json", 11);
  EXPECT_TRUE(b.summary.is_duplicate);
  ASSERT_EQ(b.records.size(), 1u);  // the story update only
  v1::Story updated;
  ASSERT_TRUE(updated.ParseFromString(b.records[0].value));
  EXPECT_EQ(updated.story_id(), story.story_id());
  EXPECT_EQ(updated.num_articles(), 2u);
  EXPECT_EQ(b.summary.events, 0u);
}

TEST_F(ProcessorTest, ReplayedOffsetGetsTheSameOutputsUntilForgotten) {
  const std::string article = JsonArticle("ph-2", "manila-times");
  ProcessResult first = Run(article, "ph-2", "application/json", 20);
  ProcessResult replay = Run(article, "ph-2", "application/json", 20);  // after an aborted transaction
  ASSERT_EQ(first.records.size(), replay.records.size());
  for (size_t i = 0; i < first.records.size(); ++i) EXPECT_EQ(first.records[i].value, replay.records[i].value);
  EXPECT_FALSE(replay.summary.is_duplicate);

  processor_->ForgetUncommitted();
  // A new offset with the same content is a real re-post: a duplicate.
  EXPECT_TRUE(Run(article, "ph-2", "application/json", 21).summary.is_duplicate);
}

TEST_F(ProcessorTest, MissingPublicationTimeComesFromTheRecordTimestamp) {
  ProcessResult r = Run(std::string("Coast guard report\n\n") + kText, "bare", "", 30);
  ASSERT_EQ(r.summary.dlq_reason, DlqReason::kNone);
  v1::Story story;
  ASSERT_TRUE(story.ParseFromString(r.records.back().value));
  EXPECT_EQ(story.first_seen().seconds(), 1'800'000'000);
}

struct DlqCase {
  std::string payload;
  std::string content_type;
  DlqReason reason;
};

TEST_F(ProcessorTest, EveryDecodeFailureBecomesOneDeadLetterWithTheOriginalBytes) {
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i % 256));
  const std::vector<DlqCase> cases = {
      {"", "", DlqReason::kEmpty},
      {"   \n\t ", "", DlqReason::kEmpty},
      {JsonArticle("big", "x", std::string(3000, 'a')), "application/json", DlqReason::kOversize},
      {binary, "", DlqReason::kNotText},
      {R"({"id": "broken", "text": )", "application/json", DlqReason::kBadJson},
      {"\xff\xff\xff\xff\x0f\x01junk", "application/x-protobuf", DlqReason::kBadProtobuf},
      {R"({"id":"t","title":"title only"})", "application/json", DlqReason::kMissingText},
  };
  std::set<DlqReason> seen;
  int64_t offset = 100;
  for (const DlqCase& c : cases) {
    SCOPED_TRACE(std::string(DlqReasonName(c.reason)));
    ProcessResult r = Run(c.payload, "k-" + std::to_string(offset), c.content_type, offset);
    EXPECT_EQ(r.summary.dlq_reason, c.reason);
    ASSERT_EQ(r.records.size(), 1u);
    const OutputRecord& d = r.records[0];
    EXPECT_EQ(d.topic, "articles.dlq");
    EXPECT_EQ(d.key, "k-" + std::to_string(offset));
    EXPECT_EQ(Header(d, kDlqStageHeader), "decode");
    EXPECT_EQ(Header(d, kDlqReasonHeader), DlqReasonName(c.reason));
    EXPECT_NE(Header(d, kDlqDetailHeader), "<none>");
    EXPECT_EQ(Header(d, kSourceTopicHeader), "articles.raw");
    EXPECT_EQ(Header(d, kSourcePartitionHeader), "1");
    EXPECT_EQ(Header(d, kSourceOffsetHeader), std::to_string(offset));
    if (c.reason == DlqReason::kOversize) {
      EXPECT_EQ(d.value, c.payload.substr(0, 2048));
      EXPECT_EQ(Header(d, kDlqTruncatedHeader), std::to_string(c.payload.size()));
    } else {
      EXPECT_EQ(d.value, c.payload);
    }
    seen.insert(c.reason);
    ++offset;
  }
  EXPECT_EQ(seen.size(), AllDlqReasons().size());
}

// --- Event merging across stories ------------------------------------------------------------
// Two reports of one incident by different outlets, worded alike in the sentence that carries
// the event but otherwise different articles (so dedup keeps them as two stories).
constexpr char kIncident[] = "Philippine officials accused China of ramming a supply boat near a disputed reef on Tuesday.";
constexpr char kFillerA[] =
    " Fishermen from nearby coastal towns said patrols had grown more frequent since January and"
    " that their catches had fallen sharply over the winter months.";
constexpr char kFillerB[] =
    " Shipping insurers raised premiums for cargo vessels crossing the area, according to a trade"
    " newsletter that tracks maritime risk across the region.";

std::string Report(const std::string& id, const std::string& source, const std::string& filler,
                   const std::string& published_at = "2027-04-02T10:00:00Z") {
  return R"({"id":")" + id + R"(","source":")" + source + R"(","title":"Boat rammed","text":")" + kIncident + filler +
         R"(","published_at":")" + published_at + R"("})";
}

struct Published {
  std::vector<v1::Event> events;
  std::vector<const OutputRecord*> state;  // signatures topic records
};

Published Split(const ProcessResult& r) {
  Published p;
  for (const OutputRecord& out : r.records) {
    if (out.topic == "events.v1") {
      v1::Event e;
      EXPECT_TRUE(e.ParseFromString(out.value));
      EXPECT_EQ(out.key, e.event_id());
      p.events.push_back(std::move(e));
    } else if (out.topic == "signatures.v1") {
      p.state.push_back(&out);
    }
  }
  return p;
}

class MergeTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Processor> Make(int window_days = 2) {
    ProcessorOptions options;
    options.signatures_topic = "signatures.v1";
    options.instance_id = "merge-test";
    options.event_merge.window_days = window_days;
    auto p = Processor::Create(options);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }
  static const ProcessResult& Run(Processor& p, const std::string& payload, int64_t offset) {
    InputMessage in;
    in.payload = payload;
    in.headers.emplace_back("content-type", "application/json");
    in.topic = "articles.raw";
    in.offset = offset;
    return p.Process(in);
  }
  // What StorySync does with each consumed signatures record.
  static void ApplyState(Processor& p, const OutputRecord& r) {
    if (Header(r, kTypeHeader) == kEventMergeType) {
      ASSERT_NE(p.event_merger(), nullptr);
      ASSERT_TRUE(p.event_merger()->Apply(r.value).ok());
    } else {
      ASSERT_TRUE(p.story_index().Apply(r.value).ok());
    }
  }
  // The first event of `b` that is a new version of an event of `a`.
  static const v1::Event* MergedInto(const Published& a, const Published& b) {
    for (const v1::Event& e : b.events) {
      for (const v1::Event& earlier : a.events) {
        if (e.event_id() == earlier.event_id()) return &e;
      }
    }
    return nullptr;
  }

  const std::string a_ = Report("rep-a", "coastwatch", kFillerA);
  const std::string b_ = Report("rep-b", "harbour-daily", kFillerB, "2027-04-02T16:00:00Z");
};

TEST_F(MergeTest, AnotherStorysReportOfAnEventIsANewVersionOfIt) {
  auto p = Make();
  const ProcessResult& ra = Run(*p, a_, 1);
  const ProcessResult& rb = Run(*p, b_, 2);
  ASSERT_FALSE(rb.summary.is_duplicate) << "the two reports must be two stories for this test";
  const Published a = Split(ra), b = Split(rb);
  ASSERT_FALSE(a.events.empty());
  const v1::Event* merged = MergedInto(a, b);
  ASSERT_NE(merged, nullptr) << "no event of the second story merged into the first's";
  EXPECT_EQ(rb.summary.events_merged, 1u);
  const v1::Event* original = nullptr;
  for (const v1::Event& e : a.events) {
    if (e.event_id() == merged->event_id()) original = &e;
  }
  EXPECT_EQ(merged->version(), original->version() + 1);
  EXPECT_EQ(merged->story_id(), ra.summary.story_id);
  ASSERT_EQ(merged->related_story_ids_size(), 1);
  EXPECT_EQ(merged->related_story_ids(0), rb.summary.story_id);
  EXPECT_EQ(merged->num_articles(), original->num_articles() + 1);
  EXPECT_EQ(merged->sources_size(), 2);
  // A new event or a merge: each published event has its merge record in the same output.
  EXPECT_EQ(b.events.size(), rb.summary.events + rb.summary.events_merged);
  size_t merge_records = 0;
  for (const OutputRecord* r : b.state) {
    if (Header(*r, kTypeHeader) != kEventMergeType) continue;
    ++merge_records;
    EXPECT_EQ(r->key.rfind("event/", 0), 0u);
    EXPECT_EQ(Header(*r, kInstanceHeader), "merge-test");
  }
  EXPECT_EQ(merge_records, b.events.size());

  // Merging off: the second story publishes an event of its own instead.
  auto off = Make(0);
  EXPECT_EQ(off->event_merger(), nullptr);
  const Published a0 = Split(Run(*off, a_, 1));
  const ProcessResult& rb0 = Run(*off, b_, 2);
  EXPECT_EQ(MergedInto(a0, Split(rb0)), nullptr);
  EXPECT_EQ(rb0.summary.events_merged, 0u);
}

TEST_F(MergeTest, ReplayedBatchGetsTheSameRecords) {
  auto p = Make();
  Run(*p, a_, 1);
  const ProcessResult first = Run(*p, b_, 2);
  const ProcessResult replay = Run(*p, b_, 2);  // after an aborted transaction
  ASSERT_EQ(first.records.size(), replay.records.size());
  for (size_t i = 0; i < first.records.size(); ++i) {
    EXPECT_EQ(first.records[i].key, replay.records[i].key);
    EXPECT_EQ(first.records[i].value, replay.records[i].value);
  }
  // Another processor fed the same input decides the same (deterministic ids and versions).
  auto other = Make();
  Run(*other, a_, 1);
  const ProcessResult& again = Run(*other, b_, 2);
  ASSERT_EQ(again.records.size(), first.records.size());
  for (size_t i = 0; i < first.records.size(); ++i) EXPECT_EQ(again.records[i].value, first.records[i].value);
}

TEST_F(MergeTest, RestoredFromRecordsOrSnapshotMergesLikeTheOriginal) {
  auto original = Make();
  const ProcessResult ra = Run(*original, a_, 1);
  const ProcessResult expected = Run(*original, b_, 2);

  auto from_records = Make();
  for (const OutputRecord* r : Split(ra).state) ApplyState(*from_records, *r);
  auto from_snapshot = Make();
  {
    auto source = Make();
    for (const OutputRecord* r : Split(ra).state) ApplyState(*source, *r);
    ASSERT_TRUE(from_snapshot->story_index().Restore(source->story_index().Snapshot()).ok());
    ASSERT_TRUE(from_snapshot->event_merger()->Restore(source->event_merger()->Snapshot()).ok());
  }
  for (Processor* p : {from_records.get(), from_snapshot.get()}) {
    const ProcessResult& rb = Run(*p, b_, 7);  // another offset: a restarted instance
    ASSERT_EQ(rb.records.size(), expected.records.size());
    for (size_t i = 0; i < rb.records.size(); ++i) EXPECT_EQ(rb.records[i].value, expected.records[i].value);
    EXPECT_EQ(rb.summary.events_merged, 1u);
  }
}

TEST_F(MergeTest, ReportsDatedBeyondTheWindowDoNotMerge) {
  auto p = Make(2);
  const Published a = Split(Run(*p, a_, 1));
  // The same words ten days later: "on Tuesday" is another Tuesday.
  const ProcessResult& late = Run(*p, Report("rep-late", "harbour-daily", kFillerB, "2027-04-12T10:00:00Z"), 2);
  ASSERT_FALSE(late.summary.is_duplicate);
  EXPECT_EQ(late.summary.events_merged, 0u);
  EXPECT_EQ(MergedInto(a, Split(late)), nullptr);
  EXPECT_GT(late.summary.events, 0u);
}

TEST_F(MergeTest, TwoSameRootEventsOfOneStoryStayTwo) {
  // One article with two accusations a day apart (same root and actors, within the window).
  const std::string text = Report("rep-two", "coastwatch",
                                  " On Wednesday the Philippine foreign ministry again accused China of"
                                  " harassing fishermen near the reef.");
  auto on = Make(2);
  auto off = Make(0);
  const ProcessResult& merged = Run(*on, text, 1);
  const ProcessResult& plain = Run(*off, text, 1);
  const Published m = Split(merged), p = Split(plain);
  ASSERT_EQ(m.events.size(), p.events.size());
  for (size_t i = 0; i < m.events.size(); ++i) EXPECT_EQ(m.events[i].SerializeAsString(), p.events[i].SerializeAsString());
  EXPECT_EQ(merged.summary.events_merged, 0u);
  // Not vacuous: the article does hold two events of one root and actors.
  std::set<std::string> keys;
  bool repeated = false;
  for (const v1::Event& e : m.events) {
    repeated |= !keys.insert(e.cameo_root() + "|" + e.source().code() + "|" + e.target().code()).second;
  }
  EXPECT_TRUE(repeated);
}

}  // namespace
}  // namespace eventwire::pipeline
