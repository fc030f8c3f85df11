#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "eventwire/dedup.h"

namespace eventwire {
namespace {

// Deterministic pseudo-news: sentences over a vocabulary, different per seed.
std::string Prose(uint32_t seed, int sentences) {
  static const std::vector<std::string> kWords = {
      "ministry", "officials", "said", "talks", "would", "resume", "after", "the", "border",
      "dispute", "between", "two", "governments", "delegation", "arrived", "capital", "on",
      "council", "approved", "budget", "plan", "farmers", "protested", "prices", "market",
      "central", "bank", "raised", "rates", "inflation", "police", "reported", "clashes",
      "near", "province", "opposition", "leaders", "rejected", "proposal", "agency",
      "statement", "added", "that", "further", "meetings", "were", "expected", "week"};
  std::mt19937 rng(seed);
  std::string out;
  for (int s = 0; s < sentences; ++s) {
    const int n = 8 + static_cast<int>(rng() % 10);
    for (int w = 0; w < n; ++w) {
      std::string word = kWords[rng() % kWords.size()];
      if (w == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
      out += word;
      out += w + 1 < n ? " " : ". ";
    }
    if (s % 4 == 3) out += "\n\n";
  }
  return out;
}

CleanArticle Article(std::string id, std::string text, std::string source = "wire", int64_t t = 1'700'000'000) {
  CleanArticle a;
  a.id = std::move(id);
  a.source = std::move(source);
  a.title = "Title of " + a.id;
  a.text = std::move(text);
  a.published_at = t;
  a.language = "en";
  return a;
}

// Assignment::story is shared with the index, not copied: a story someone
// still holds is copied before the index changes it, so it never changes;
// one nobody holds any more is changed in place.
TEST(StoryIndexTest, AHeldStoryNeverChanges) {
  StoryIndex index;
  const std::string text = Prose(7, 20);
  const Assignment first = index.Add(Article("h1", text, "wire"));
  const v1::Story* const held = first.story.get();
  // Story ids: "s-" and 16 lowercase hex digits.
  const std::string& id = first.story->story_id();
  ASSERT_EQ(id.size(), 18u);
  EXPECT_EQ(id.substr(0, 2), "s-");
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 2), std::string::npos) << id;
  const Assignment second = index.Add(Article("h2", text + " Extra line.", "site-two"));
  ASSERT_TRUE(second.decision.is_duplicate());
  EXPECT_EQ(first.story->num_articles(), 1u);  // as it was when returned
  EXPECT_EQ(first.story.get(), held);
  EXPECT_EQ(second.story->num_articles(), 2u);
  EXPECT_NE(second.story.get(), held);
  const v1::Story* const second_story = second.story.get();
  {
    const Assignment third = index.Add(Article("h3", text + " Another line.", "site-three"));
    EXPECT_EQ(third.story->num_articles(), 3u);
    EXPECT_EQ(second.story->num_articles(), 2u);
    EXPECT_NE(third.story.get(), second_story);
  }
  // Redelivery returns the story without changing it.
  const Assignment again = index.Add(Article("h3", text + " Another line.", "site-three"));
  EXPECT_EQ(again.story->num_articles(), 3u);
  EXPECT_EQ(again.decision.evidence().reason(), "redelivery");
}

TEST(StoryIndexTest, CopyFromAnotherSourceJoinsTheStory) {
  StoryIndex index;
  const std::string text = Prose(1, 20);
  Assignment first = index.Add(Article("a1", text, "wire"));
  EXPECT_TRUE(first.story_is_new);
  EXPECT_FALSE(first.decision.is_duplicate());
  EXPECT_EQ(first.decision.evidence().reason(), "new story");

  Assignment second = index.Add(Article("a2", "Posted by Site Two. " + text, "site-two"));
  EXPECT_FALSE(second.story_is_new);
  EXPECT_TRUE(second.decision.is_duplicate());
  EXPECT_EQ(second.decision.duplicate_of(), "a1");
  EXPECT_EQ(second.decision.story_id(), first.decision.story_id());
  EXPECT_EQ(second.story->num_articles(), 2u);
  EXPECT_EQ(second.story->num_sources(), 2u);
  EXPECT_EQ(second.story->version(), 2u);
  EXPECT_EQ(second.story->canonical_article_id(), "a1");
  EXPECT_GE(second.decision.evidence().estimated_similarity(), 0.8);
  EXPECT_GT(second.decision.evidence().matched_bands(), 0u);
  EXPECT_EQ(index.open_stories(), 1u);
}

TEST(StoryIndexTest, UnrelatedArticlesOpenSeparateStories) {
  StoryIndex index;
  for (uint32_t i = 0; i < 50; ++i) {
    Assignment a = index.Add(Article("u" + std::to_string(i), Prose(100 + i, 15)));
    EXPECT_TRUE(a.story_is_new) << i;
  }
  EXPECT_EQ(index.open_stories(), 50u);
}

std::string TradeReport(const std::string& pct, const std::string& month, const std::string& surplus) {
  return "Exports rose " + pct + " pct in " + month + " from a year earlier, the statistics office said. " +
         "The trade surplus was " + surplus + " billion dollars. " + Prose(7, 14);
}

TEST(StoryIndexTest, TemplateReportsWithDifferentFiguresStayApart) {
  StoryIndex index;
  Assignment march = index.Add(Article("march", TradeReport("5.2", "March", "4.1")));
  Assignment april = index.Add(Article("april", TradeReport("3.1", "April", "2.7")));
  EXPECT_TRUE(april.story_is_new);
  EXPECT_NE(april.decision.story_id(), march.decision.story_id());
  EXPECT_FALSE(april.decision.evidence().numbers_agree());
  EXPECT_EQ(april.decision.evidence().reason(), "new story: figures differ");
}

TEST(StoryIndexTest, CopyWithOneCorrectedFigureJoins) {
  StoryIndex index;
  Assignment original = index.Add(Article("orig", TradeReport("5.2", "March", "4.1")));
  Assignment corrected = index.Add(Article("corr", TradeReport("5.2", "March", "4.3")));
  EXPECT_TRUE(corrected.decision.is_duplicate());
  EXPECT_EQ(corrected.decision.story_id(), original.decision.story_id());
  EXPECT_TRUE(corrected.decision.evidence().numbers_agree());
}

TEST(StoryIndexTest, TruncatedCopyJoinsByContainment) {
  StoryIndex index;
  const std::string text = Prose(3, 40);
  index.Add(Article("full", text));
  Assignment cut = index.Add(Article("cut", text.substr(0, text.size() * 6 / 10)));
  EXPECT_TRUE(cut.decision.is_duplicate());
  EXPECT_GE(cut.decision.evidence().containment(), 0.75);
}

TEST(StoryIndexTest, MojibakeCopyJoins) {
  StoryIndex index;
  std::string clean = "The minister\u2019s caf\u00e9 remark \u2014 \u201cwe won\u2019t\u201d \u2014 drew replies. " + Prose(4, 12);
  std::string damaged = "The ministerâ€™s cafÃ© remark â€” â€œwe wonâ€™tâ€\x9d â€” drew replies. " + Prose(4, 12);
  index.Add(Article("clean", clean));
  Assignment d = index.Add(Article("damaged", damaged));
  EXPECT_TRUE(d.decision.is_duplicate());
  EXPECT_GE(d.decision.evidence().estimated_similarity(), 0.9);
}

TEST(StoryIndexTest, RedeliveryChangesNothing) {
  StoryIndex index;
  const std::string text = Prose(5, 12);
  index.Add(Article("x", text));
  index.Add(Article("y", text));
  Assignment again = index.Add(Article("y", text));
  EXPECT_EQ(again.decision.evidence().reason(), "redelivery");
  EXPECT_TRUE(again.decision.is_duplicate());
  EXPECT_EQ(again.story->num_articles(), 2u);
  EXPECT_TRUE(again.record.empty());
  // The canonical article delivered again (a re-post at a new offset) is a
  // duplicate too: its story and events were published the first time.
  Assignment canonical = index.Add(Article("x", text));
  EXPECT_TRUE(canonical.decision.is_duplicate());
  EXPECT_EQ(canonical.decision.duplicate_of(), "x");
  EXPECT_EQ(canonical.story->num_articles(), 2u);
}

TEST(StoryIndexTest, WindowExpiresOldArticlesButMatchesOutOfOrderOnes) {
  StoryIndex index(DedupOptions{.window_seconds = 3600});
  const std::string text = Prose(6, 12);
  index.Add(Article("t0", text, "a", 10'000));
  // Ten minutes earlier, arriving later: still inside the window.
  Assignment late = index.Add(Article("t-600", text, "b", 10'000 - 600));
  EXPECT_TRUE(late.decision.is_duplicate());
  // Two hours on (the stream, not one article, has moved on): the first
  // story has left the window.
  for (int i = 0; i < 3; ++i) {
    index.Add(Article("other" + std::to_string(i), Prose(60 + i, 12), "c", 10'000 + 7200));
  }
  EXPECT_EQ(index.open_stories(), 3u);
  Assignment again = index.Add(Article("t+2h", text, "d", 10'000 + 7200));
  EXPECT_TRUE(again.story_is_new);
  EXPECT_EQ(index.stats().articles_indexed, 4u);
}

// The pipeline e2e regression: one article dated two months ahead of the
// others, and articles stamped with the (earlier) Kafka record time, must not
// move the window past a story whose syndicated copy arrives next.
TEST(StoryIndexTest, OneOutlyingDateDoesNotExpireTheWindow) {
  StoryIndex index;  // 7-day window
  const int64_t day = 24 * 3600;
  const int64_t t0 = 1'804'000'000;
  const std::string text =
      "HARARE, March 3 - Riot police arrested 42 opposition supporters in the capital on Monday "
      "after a rally turned violent. Opposition leaders accused the government of repression, and "
      "regional envoys urged both sides to show restraint. Witnesses said officers fired tear gas "
      "at the crowd near the central market.";
  Assignment first = index.Add(Article("first", text, "wire", t0));
  index.Add(Article("future", Prose(70, 6), "other", t0 + 67 * day));
  index.Add(Article("stamped1", Prose(71, 6), "other", t0 - 100 * day));
  index.Add(Article("stamped2", Prose(72, 6), "other", t0 - 100 * day));
  index.Add(Article("older", Prose(73, 6), "other", t0 - 21 * day));
  Assignment copy = index.Add(Article("copy", text, "reprint", t0 + 3 * 3600));
  EXPECT_TRUE(copy.decision.is_duplicate()) << copy.decision.evidence().reason();
  EXPECT_EQ(copy.decision.story_id(), first.decision.story_id());
  EXPECT_EQ(copy.story->num_articles(), 2u);
}

// Syndicated copies of a short wire story: site chrome around it, a new
// headline, another dateline. All join; the same template with other figures
// does not.
TEST(StoryIndexTest, ShortSyndicatedCopiesJoinButTemplateLookalikesDoNot) {
  const std::string body =
      "Riot police arrested 42 opposition supporters in the capital on Monday after a rally turned "
      "violent. Opposition leaders accused the government of repression, and regional envoys urged "
      "both sides to show restraint. Witnesses said officers fired tear gas at the crowd near the "
      "central market.";
  const std::vector<std::string> copies = {
      "Metro Courier | World | Africa\n\n" + body + "\n\nShare this story. Subscribe to our newsletter.",
      "HARARE (Metro Courier) - " + body,
      "HARARE, March 3 - " + body + " Read more on our site.",
  };
  for (const std::string& copy_text : copies) {
    StoryIndex index;
    Assignment first = index.Add(Article("wire", "HARARE, March 3 - " + body, "wire"));
    Assignment copy = index.Add(Article("site", copy_text, "site"));
    EXPECT_TRUE(copy.decision.is_duplicate()) << copy_text << "\n" << copy.decision.evidence().reason();
    EXPECT_EQ(copy.decision.story_id(), first.decision.story_id());
  }
  StoryIndex index;
  index.Add(Article("wire", "HARARE, March 3 - " + body, "wire"));
  std::string other = "HARARE, May 9 - " + body;
  other.replace(other.find("42"), 2, "17");
  other.replace(other.find("Monday"), 6, "Friday");
  Assignment lookalike = index.Add(Article("later", other, "wire"));
  EXPECT_FALSE(lookalike.decision.is_duplicate()) << lookalike.decision.evidence().reason();
}

TEST(StoryIndexTest, StoryIdsAreDeterministicAndArticleListIsBounded) {
  DedupOptions options;
  options.max_story_articles = 4;
  StoryIndex a(options), b(options);
  const std::string text = Prose(8, 12);
  std::string id_a, id_b;
  for (int i = 0; i < 10; ++i) {
    id_a = a.Add(Article("n" + std::to_string(i), text)).decision.story_id();
  }
  Assignment last = b.Add(Article("n0", text));
  id_b = last.decision.story_id();
  EXPECT_EQ(id_a, id_b);
  const Assignment tenth = a.Add(Article("n10", text));
  EXPECT_EQ(tenth.story->articles_size(), 4);
  EXPECT_EQ(tenth.story->articles(0).article_id(), "n0");  // canonical stays first
  EXPECT_EQ(tenth.story->articles(3).article_id(), "n10");  // newest last
  EXPECT_EQ(tenth.story->num_articles(), 11u);
}

TEST(StoryIndexTest, RecordsLetAnotherInstanceJoinTheSameStory) {
  StoryIndex one, two;
  const std::string text = Prose(9, 15);
  Assignment a = one.Add(Article("p0", text, "s1"));
  ASSERT_TRUE(two.Apply(a.record).ok());
  ASSERT_TRUE(two.Apply(a.record).ok());  // idempotent
  Assignment b = two.Add(Article("p1", text, "s2"));
  EXPECT_TRUE(b.decision.is_duplicate());
  EXPECT_EQ(b.decision.story_id(), a.decision.story_id());
  EXPECT_EQ(b.story->num_articles(), 2u);
  ASSERT_TRUE(one.Apply(b.record).ok());
  ASSERT_TRUE(one.Apply(a.record).ok());  // its own record: ignored
  Assignment c = one.Add(Article("p2", text, "s3"));
  EXPECT_EQ(c.story->num_articles(), 3u);
  EXPECT_EQ(c.story->num_sources(), 3u);
  EXPECT_EQ(one.stats().records_applied, 1u);
}

TEST(StoryIndexTest, SnapshotRestoreKeepsStoriesAndCounts) {
  DedupOptions options{.window_seconds = 3600};
  StoryIndex before(options);
  const std::string text = Prose(10, 15);
  before.Add(Article("r0", text, "s1", 1000));
  before.Add(Article("r1", text, "s2", 1100));
  before.Add(Article("lone", Prose(11, 15), "s1", 1200));
  const std::string snapshot = before.Snapshot();

  StoryIndex after(options);
  ASSERT_TRUE(after.Restore(snapshot).ok());
  EXPECT_EQ(after.open_stories(), 2u);
  Assignment next = after.Add(Article("r2", text, "s3", 1300));
  EXPECT_TRUE(next.decision.is_duplicate());
  EXPECT_EQ(next.decision.duplicate_of(), "r0");
  EXPECT_EQ(next.story->num_articles(), 3u);
  EXPECT_EQ(next.story->num_sources(), 3u);
  EXPECT_EQ(next.story->version(), 3u);
  EXPECT_EQ(after.Restore(snapshot).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StoryIndexTest, BadBytesAreErrorsNotCrashes) {
  StoryIndex index;
  EXPECT_EQ(index.Apply("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index.Apply("EWS2garbage").code(), absl::StatusCode::kInvalidArgument);
  const std::string record = index.Add(Article("z", Prose(12, 5))).record;
  for (size_t cut = 0; cut < record.size(); cut += 7) {
    StoryIndex other;
    EXPECT_FALSE(other.Apply(record.substr(0, cut)).ok()) << cut;
  }
  StoryIndex empty;
  EXPECT_FALSE(empty.Restore("EWSNAP01\x05").ok());
  EXPECT_FALSE(empty.Restore("nonsense").ok());
}

// Sketches change with the signature version (the word hash): records and
// snapshots of an earlier version are dropped and counted, not errors (the
// pipeline keeps reading its topic) and not matched against new sketches.
TEST(StoryIndexTest, OlderSignatureVersionsAreDroppedAndCounted) {
  DedupOptions options{.window_seconds = 3600};
  StoryIndex writer(options);
  const std::string text = Prose(13, 15);
  std::string record = writer.Add(Article("v0", text, "s1", 1000)).record;
  writer.Add(Article("v1", Prose(14, 15), "s1", 1010));
  std::string snapshot = writer.Snapshot();
  ASSERT_EQ(record.substr(0, 4), "EWS2");
  ASSERT_EQ(snapshot.substr(0, 8), "EWSNAP02");

  record[3] = '1';  // as written by a build of version 1
  StoryIndex reader(options);
  EXPECT_TRUE(reader.Apply(record).ok());
  EXPECT_EQ(reader.stats().old_version_records, 1u);
  EXPECT_EQ(reader.stats().articles_indexed, 0u);
  EXPECT_EQ(reader.stats().records_applied, 0u);
  // A copy arriving now opens its own story: the old sketch is not compared.
  EXPECT_FALSE(reader.Add(Article("v2", text, "s2", 1020)).decision.is_duplicate());

  snapshot[7] = '1';
  StoryIndex restored(options);
  EXPECT_TRUE(restored.Restore(snapshot).ok());
  EXPECT_EQ(restored.open_stories(), 0u);
  EXPECT_EQ(restored.stats().old_version_records, 2u);
  EXPECT_EQ(restored.stats().articles_indexed, 0u);
  // A version this build does not know yet is no snapshot of it.
  snapshot[7] = '3';
  StoryIndex future(options);
  EXPECT_EQ(future.Restore(snapshot).code(), absl::StatusCode::kInvalidArgument);
  record[3] = '3';
  EXPECT_EQ(future.Apply(record).code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoryIndexTest, EmptyAndTinyTextsDoNotCrash) {
  StoryIndex index;
  Assignment a = index.Add(Article("e1", ""));
  Assignment b = index.Add(Article("e2", "Hi."));
  Assignment c = index.Add(Article("e3", "\xff\xfe\x80 broken \xc3"));
  EXPECT_FALSE(a.decision.story_id().empty());
  EXPECT_FALSE(b.decision.story_id().empty());
  EXPECT_FALSE(c.decision.story_id().empty());
}

}  // namespace
}  // namespace eventwire
