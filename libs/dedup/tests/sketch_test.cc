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

// The 16-byte run scan and the byte loop meet at every offset: long words,
// words ending exactly at a 16-byte step, words at the end of the text, and
// words followed by a non-ASCII letter (which continues them), hash alike.
TEST(TokenizeTest, LongLowercaseRunsAtEveryOffset) {
  const std::string word = "abcdefghijklmnopqrstuvwxyzabcdefghij";  // 36 letters
  for (size_t pad = 0; pad < 20; ++pad) {
    for (size_t len = 1; len <= word.size(); ++len) {
      const std::string w = word.substr(0, len);
      const auto plain = Tokens(w);
      const auto placed = Tokens(std::string(pad, ' ') + w + ". x");
      const auto buffered = Tokens(std::string(pad, ' ') + "X" + w);  // capital: through the word buffer
      ASSERT_EQ(plain.size(), 1u);
      ASSERT_EQ(placed.size(), 2u);
      ASSERT_EQ(buffered.size(), 1u);
      EXPECT_EQ(plain[0].hash, placed[0].hash) << "pad=" << pad << " len=" << len;
      EXPECT_EQ(Tokens("x" + w)[0].hash, buffered[0].hash) << "pad=" << pad << " len=" << len;
      // A non-ASCII letter right after the run belongs to the same word.
      EXPECT_EQ(Tokens(std::string(pad, ' ') + w + "\u0436 y").size(), 2u);
    }
  }
}

// Exact verification is skipped only where the bins rule a merge out.
TEST(VerifyTest, ExactComparisonSkippedOnlyForHopelessPairs) {
  const DedupOptions options;
  // Lowest mergeable Jaccard 0.35 (a 0.4-size copy contained to 0.9): a pair
  // there shows <= 4 of 64 equal bins with p < 1e-7.
  EXPECT_EQ(HopelessMaxEqualBins(options), 4);
  DedupOptions lenient = options;
  lenient.min_size_ratio = 0.1;  // mergeable down to J ~0.09: fewer bins prove less
  EXPECT_LT(HopelessMaxEqualBins(lenient), HopelessMaxEqualBins(options));

  std::string a, b;
  for (int i = 0; i < 400; ++i) {
    a += "a" + std::to_string(i) + " ";
    b += "b" + std::to_string(i) + " ";
  }
  const Sketch sa = MakeSketch(a), sb = MakeSketch(b);
  const Sketch half = MakeSketch(a.substr(0, a.size() / 2));
  const Verdict unrelated = Verify(sa, sb, options);
  EXPECT_TRUE(ExactCannotPass(sa, sb, unrelated, HopelessMaxEqualBins(options)));
  // A truncated copy can pass exactly: compared exactly.
  EXPECT_FALSE(ExactCannotPass(sa, half, Verify(sa, half, options), HopelessMaxEqualBins(options)));
  // Short texts: densified bins are not independent, always exact.
  const Sketch short_a = MakeSketch("one two three four five six seven eight");
  const Sketch short_b = MakeSketch("nine ten eleven twelve thirteen fourteen fifteen");
  EXPECT_FALSE(ExactCannotPass(short_a, short_b, Verify(short_a, short_b, options), HopelessMaxEqualBins(options)));
}

}  // namespace
}  // namespace eventwire::dedup
