#include "sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

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

// SortSet switches to a radix sort for larger sets: it must give what
// sort + unique gives, at every size around the switch and with repeats.
TEST(SortSetTest, MatchesSortAndUnique) {
  std::mt19937 rng(3);
  for (size_t n : {0, 1, 127, 128, 129, 700, 5000}) {
    std::vector<uint32_t> v(n);
    for (uint32_t& x : v) x = rng() % 4 == 0 ? (rng() % 50) : static_cast<uint32_t>(rng());  // repeats too
    std::vector<uint32_t> expected = v;
    std::sort(expected.begin(), expected.end());
    expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
    SortSet(&v);
    EXPECT_EQ(v, expected) << "n=" << n;
  }
}

// The in-place hashing of whole lowercase words and the word buffer agree:
// a word followed by a space, by punctuation, or ending the text is one token.
TEST(TokenizeTest, LowercaseWordsHashAlikeWhereverTheyEnd) {
  const auto a = Tokens("alpha beta");
  const auto b = Tokens("alpha, beta.");
  const auto c = Tokens("\nalpha\tbeta");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  ASSERT_EQ(c.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a[i].hash, b[i].hash);
    EXPECT_EQ(a[i].hash, c[i].hash);
  }
  EXPECT_NE(a[0].hash, a[1].hash);
}

}  // namespace
}  // namespace eventwire::dedup
