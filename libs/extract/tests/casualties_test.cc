#include "casualties.h"

#include <gtest/gtest.h>

namespace eventwire::extract_internal {
namespace {

std::vector<CasualtyMention> Find(const std::string& s) {
  Tokens t;
  Tokenize(s, &t);
  return FindCasualties(s, t.tokens);
}

TEST(CasualtiesTest, CountsBeforeAndAfterTheVerb) {
  auto c = Find("Officials said 31 civilians were killed and 112 wounded in the blast.");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].kind, "killed");
  EXPECT_EQ(c[0].count, 31u);
  EXPECT_EQ(c[0].group, "civilians");
  EXPECT_EQ(c[1].kind, "wounded");
  EXPECT_EQ(c[1].count, 112u);
  EXPECT_EQ(c[1].group, "civilians");
}

TEST(CasualtiesTest, ParticipleWithQuantifier) {
  auto c = Find("Gunmen stormed the checkpoint, killing at least seven policemen.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 7u);
  EXPECT_EQ(c[0].group, "policemen");
}

TEST(CasualtiesTest, YearsAndPercentagesAreNotCasualties) {
  EXPECT_TRUE(Find("In 2019 the war killed trade, which fell 40 percent.").empty());
  auto c = Find("Three soldiers remain missing after the ambush.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind, "missing");
  EXPECT_EQ(c[0].count, 3u);
}

TEST(CasualtiesTest, CompoundNumberWords) {
  auto c = Find("Thirty-four people died when the bridge was shelled.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 34u);
  c = Find("The attack killed two dozen soldiers near the border.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 24u);
  EXPECT_EQ(c[0].group, "soldiers");
  c = Find("Three hundred villagers were displaced by the fighting.");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].count, 300u);
}

}  // namespace
}  // namespace eventwire::extract_internal
