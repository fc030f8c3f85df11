#include "sentences.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eventwire::clean_internal {
namespace {

std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const Span& s : SplitSentences(text)) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using ::testing::ElementsAre;

TEST(SplitSentences, AbbreviationsTitlesInitials) {
  EXPECT_THAT(Sentences("The U.S. Embassy closed. Gen. Tom Ruiz said so. J. R. Smith agreed with Mr. Lee on Jan. 4 "
                        "at 9 a.m. local time. He left."),
              ElementsAre("The U.S. Embassy closed.", "Gen. Tom Ruiz said so.",
                          "J. R. Smith agreed with Mr. Lee on Jan. 4 at 9 a.m. local time.", "He left."));
}

TEST(SplitSentences, AcronymAtSentenceEnd) {
  EXPECT_THAT(Sentences("Troops returned to the U.S. The war ended."),
              ElementsAre("Troops returned to the U.S.", "The war ended."));
}

TEST(SplitSentences, Quotes) {
  EXPECT_THAT(Sentences("\u201CWe will not go.\u201D The envoy left. \"Why now?\" she asked. \"Enough!\" He sat."),
              ElementsAre("\u201CWe will not go.\u201D", "The envoy left.", "\"Why now?\" she asked.",
                          "\"Enough!\"", "He sat."));
}

TEST(SplitSentences, ParagraphsAndHeadingsWithoutPeriod) {
  const std::string text = "Border Talks Stall\n\nThe meeting ended early. No date was set\n\nNext Steps";
  EXPECT_THAT(Sentences(text), ElementsAre("Border Talks Stall", "The meeting ended early.", "No date was set",
                                           "Next Steps"));
}

TEST(SplitSentences, ByteOffsetsWithMultibyteText) {
  const std::string text = "Café owners protested. Ministers in Bogotá met.";
  const std::vector<Span> s = SplitSentences(text);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(text.substr(s[1].begin, s[1].end - s[1].begin), "Ministers in Bogotá met.");
  EXPECT_EQ(s[1].end, text.size());
}

TEST(SplitSentences, EmptyAndWhitespace) {
  EXPECT_TRUE(SplitSentences("").empty());
  EXPECT_TRUE(SplitSentences(" \n\n ").empty());
}

}  // namespace
}  // namespace eventwire::clean_internal
