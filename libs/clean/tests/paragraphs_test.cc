#include "paragraphs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eventwire::clean_internal {
namespace {

using ::testing::ElementsAre;

TEST(SplitParagraphs, OneParagraphPerLineInScrapes) {
  EXPECT_THAT(SplitParagraphs("Headline here\n\nFirst  paragraph is here.\nSecond one.\n\n\n"),
              ElementsAre("Headline here", "First paragraph is here.", "Second one."));
}

TEST(SplitParagraphs, CollapsesWhitespaceAnywhereInALine) {
  // Runs of spaces and tabs at every offset (the scan reads 8 bytes at a time).
  for (size_t at = 1; at < 20; ++at) {
    std::string line(21, 'x');
    line.insert(at, "  \t ");
    EXPECT_THAT(SplitParagraphs(line), ElementsAre(std::string(at, 'x') + " " + std::string(21 - at, 'x'))) << at;
  }
  EXPECT_THAT(SplitParagraphs("a b c d e f g h i j k l m n o p"), ElementsAre("a b c d e f g h i j k l m n o p"));
}

TEST(SplitParagraphs, UnwrapsHardWrappedWireCopy) {
  const std::string wire =
      "    The central bank of Freedonia raised its main lending rate\n"
      "by half a point on Tuesday, citing a sharp rise in food prices\n"
      "over the past three months, officials said.\n"
      "    The move was widely expected by economists, who said well-\n"
      "known pressures on the currency had left the bank little\n"
      "choice but to act before the end of the quarter.\n";
  EXPECT_THAT(SplitParagraphs(wire),
              ElementsAre("The central bank of Freedonia raised its main lending rate by half a point on "
                          "Tuesday, citing a sharp rise in food prices over the past three months, officials said.",
                          "The move was widely expected by economists, who said well-known pressures on the "
                          "currency had left the bank little choice but to act before the end of the quarter."));
}

}  // namespace
}  // namespace eventwire::clean_internal
