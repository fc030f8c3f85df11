#include "sketch.h"

#include <gtest/gtest.h>

#include "eventwire/dedup.h"
#include "verify.h"

namespace eventwire::dedup {
namespace {

std::vector<Token> Tokens(absl::string_view text) {
  std::vector<Token> t;
  Tokenize(text, &t);
  return t;
}

TEST(TokenizeTest, MojibakeAndApostrophesFoldAlike) {
  const auto a = Tokens("don't stop");
  const auto b = Tokens("don\u2019t stop");
  const auto c = Tokens("donâ€™t stop");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(a[0].hash, b[0].hash);
  EXPECT_EQ(a[0].hash, c[0].hash);
}

TEST(TokenizeTest, NumbersStayWholeAndAreFigures) {
  const auto t = Tokens("Rose 5.2 pct to 1,200 in March.");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_TRUE(t[1].figure);
  EXPECT_TRUE(t[4].figure);
  EXPECT_TRUE(t[6].figure);  // month
  EXPECT_FALSE(t[0].figure);
  EXPECT_EQ(Tokens("1200")[0].hash, t[4].hash);
}

TEST(TokenizeTest, NamesAreCapitalisedWordsInsideSentences) {
  const auto t = Tokens("Officials in Kabul said. Talks resumed");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_FALSE(t[0].name);  // sentence-initial
  EXPECT_TRUE(t[2].name);
  EXPECT_FALSE(t[4].name);
}

TEST(TokenizeTest, CjkIsOneTokenPerCharacter) {
  EXPECT_EQ(Tokens("\u4e2d\u56fd\u94f6\u884c").size(), 4u);
}

TEST(SketchTest, IdenticalTextsHaveIdenticalSketches) {
  const Sketch a = MakeSketch("one two three four five six seven eight nine ten");
  const Sketch b = MakeSketch("One, two; three four five six seven eight nine ten!");
  EXPECT_EQ(a.bins, b.bins);
  EXPECT_EQ(a.shingles, 6);
  const Verdict v = Verify(a, b, DedupOptions{});
  EXPECT_DOUBLE_EQ(v.similarity, 1.0);
  EXPECT_TRUE(v.merge);
}

TEST(SketchTest, EstimateTracksJaccard) {
  // 200 shared words plus 50 distinct words each: 5-gram Jaccard about 0.6.
  std::string shared, x, y;
  for (int i = 0; i < 200; ++i) shared += "w" + std::to_string(i) + " ";
  for (int i = 0; i < 60; ++i) {
    x += "x" + std::to_string(i) + " ";
    y += "y" + std::to_string(i) + " ";
  }
  const Verdict v = Verify(MakeSketch(shared + x), MakeSketch(shared + y), DedupOptions{});
  EXPECT_NEAR(v.similarity, 196.0 / (196 + 2 * 64), 0.15);
  EXPECT_FALSE(v.merge);
}

}  // namespace
}  // namespace eventwire::dedup
