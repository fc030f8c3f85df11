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

}  // namespace
}  // namespace eventwire::pipeline
