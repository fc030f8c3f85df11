// Signature records applied in any order give the same story counts: what
// services/pipeline/story_sync.h relies on, since one story's records reach
// an instance over several partitions and from several instances.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eventwire/dedup.h"

namespace eventwire {
namespace {

const char kReport[] =
    "Fishermen in the northern port blocked the harbour entrance with forty boats on Thursday to "
    "protest against a new quota on sardine catches, and the coast guard said it had detained six "
    "captains. The fisheries ministry called the blockade illegal and offered talks next week, "
    "while the union said its members would stay at sea until the quota was withdrawn. Traders "
    "warned that fish prices in the capital could double if the protest lasted into the weekend.";

CleanArticle Copy(const std::string& id, const std::string& source, int64_t t, const std::string& tail = "") {
  CleanArticle a;
  a.id = id;
  a.source = source;
  a.title = "Fishermen blockade harbour over sardine quota";
  a.text = std::string(kReport) + (tail.empty() ? "" : "\n\n" + tail);
  a.language = "en";
  a.published_at = t;
  return a;
}

constexpr int64_t kT0 = 1800000000;

TEST(ApplyOrderTest, RecordsAppliedNewestFirstCountEachArticleOnce) {
  StoryIndex origin;
  const Assignment first = origin.Add(Copy("a-1", "port-news", kT0));
  const Assignment second = origin.Add(Copy("a-2", "coast-daily", kT0 + 60, "Copyright Coast Daily."));
  ASSERT_EQ(second.story->story_id(), first.story->story_id());
  ASSERT_EQ(second.story->num_articles(), 2u);

  StoryIndex restored;
  ASSERT_TRUE(restored.Apply(second.record).ok());
  ASSERT_TRUE(restored.Apply(first.record).ok());
  const Assignment third = restored.Add(Copy("a-3", "bay-times", kT0 + 120, "Reporting by staff."));
  EXPECT_EQ(third.story->story_id(), first.story->story_id());
  EXPECT_EQ(third.story->num_articles(), 3u);
  EXPECT_EQ(third.story->num_sources(), 3u);
}

TEST(ApplyOrderTest, ConcurrentJoinsOnTwoInstancesBothCount) {
  StoryIndex a, b;
  const Assignment first = a.Add(Copy("c-1", "port-news", kT0));
  ASSERT_TRUE(b.Apply(first.record).ok());
  // Both instances join the story before seeing each other's record.
  const Assignment on_a = a.Add(Copy("c-2", "coast-daily", kT0 + 60, "Copyright Coast Daily."));
  const Assignment on_b = b.Add(Copy("c-3", "bay-times", kT0 + 60, "Reporting by staff."));
  ASSERT_EQ(on_a.story->num_articles(), 2u);
  ASSERT_EQ(on_b.story->num_articles(), 2u);
  ASSERT_TRUE(a.Apply(on_b.record).ok());
  ASSERT_TRUE(b.Apply(on_a.record).ok());
  const Assignment next_a = a.Add(Copy("c-4", "isle-post", kT0 + 120, "Distributed by a wire."));
  const Assignment next_b = b.Add(Copy("c-5", "gulf-herald", kT0 + 120, "First published online."));
  EXPECT_EQ(next_a.story->story_id(), first.story->story_id());
  EXPECT_EQ(next_b.story->story_id(), first.story->story_id());
  EXPECT_EQ(next_a.story->num_articles(), 4u);
  EXPECT_EQ(next_b.story->num_articles(), 4u);
}

TEST(ApplyOrderTest, RaceOpensTwinStoriesThatAreCounted) {
  // Inside the race window each instance opens its own story for one report.
  StoryIndex a, b;
  const Assignment on_a = a.Add(Copy("r-1", "port-news", kT0));
  const Assignment on_b = b.Add(Copy("r-2", "coast-daily", kT0 + 1, "Copyright Coast Daily."));
  ASSERT_NE(on_a.story->story_id(), on_b.story->story_id());
  ASSERT_TRUE(a.Apply(on_b.record).ok());
  EXPECT_EQ(a.stats().twin_records, 1u);
  EXPECT_EQ(a.open_stories(), 2u);  // counted, not merged
  // A record of a story this index already has is no twin.
  StoryIndex c;
  ASSERT_TRUE(c.Apply(on_a.record).ok());
  const Assignment joined = c.Add(Copy("r-3", "bay-times", kT0 + 2, "Reporting by staff."));
  ASSERT_EQ(joined.story->story_id(), on_a.story->story_id());
  StoryIndex d;
  ASSERT_TRUE(d.Apply(on_a.record).ok());
  ASSERT_TRUE(d.Apply(joined.record).ok());
  EXPECT_EQ(d.stats().twin_records, 0u);
}

TEST(ApplyOrderTest, OwnRecordAppliedAgainChangesNothing) {
  StoryIndex a;
  const Assignment first = a.Add(Copy("d-1", "port-news", kT0));
  ASSERT_TRUE(a.Apply(first.record).ok());
  const Assignment second = a.Add(Copy("d-2", "coast-daily", kT0 + 60, "Copyright Coast Daily."));
  EXPECT_EQ(second.story->num_articles(), 2u);
}

}  // namespace
}  // namespace eventwire
