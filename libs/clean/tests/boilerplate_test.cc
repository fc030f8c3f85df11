#include "boilerplate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace eventwire::clean_internal {
namespace {

using ::testing::ElementsAre;

TEST(AnalyzeLine, ChromeAndBody) {
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Subscribe to our newsletter")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Please consider disabling your ad blocker to support us")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("News | Sport | Weather | Culture")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Home » Asia » Politics")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Comments (12)")));
  EXPECT_FALSE(IsChromeAnywhere(AnalyzeLine("The ministry declined to comment on the report.")));
  EXPECT_FALSE(IsChromeAnywhere(AnalyzeLine("Militants said on Telegram that they had seized the town.")));
  EXPECT_TRUE(IsBodyLike(AnalyzeLine("The ministry declined to comment on the report late on Monday.")));
  EXPECT_FALSE(IsBodyLike(AnalyzeLine("Breaking News")));
}

TEST(AnalyzeLine, StructuralFeatures) {
  const LineFeatures f = AnalyzeLine("Follow @newsdesk or visit www.example.org for more");
  EXPECT_TRUE(f.handle_or_url);
  EXPECT_EQ(f.words, 7);
  EXPECT_TRUE(AnalyzeLine("Details at https://example.org/story").handle_or_url);
  EXPECT_FALSE(AnalyzeLine("Talks resumed at 10:30 in the capital, officials said.").handle_or_url);
  EXPECT_TRUE(AnalyzeLine("World \u203A Asia \u203A Politics").link_list);
  EXPECT_TRUE(AnalyzeLine("Sport \u2022 Culture \u2022 Travel").link_list);
  EXPECT_FALSE(AnalyzeLine("a|b|c and x => y").link_list);  // separators must stand free
  EXPECT_TRUE(AnalyzeLine("Read More About Our Coverage").title_case);
  // Long lines are read up to 31 words: prose to every rule.
  std::string long_line;
  for (int i = 0; i < 50; ++i) long_line += "word ";
  long_line += "subscribe now.";
  const LineFeatures l = AnalyzeLine(long_line);
  EXPECT_EQ(l.words, 31);
  EXPECT_EQ(l.strong_chrome, 0);
  EXPECT_TRUE(l.ends_sentence);
  EXPECT_TRUE(IsBodyLike(l));
}

TEST(AnalyzeLine, CallsToTheReaderAreChrome) {
  // The site talking to "you" about its widgets, outside quotes.
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Download our app to get breaking news alerts on your phone.")));
  EXPECT_FALSE(IsBodyLike(AnalyzeLine("If you spot an error in this story, please let us know in the comments.")));
  // Speech may say "you"; prose may say "comment".
  EXPECT_TRUE(IsBodyLike(AnalyzeLine("\u201CYou will hear our reply in court,\u201D the lawyer said outside the building.")));
  EXPECT_TRUE(IsBodyLike(AnalyzeLine("The ministry did not reply to a request for comment on the report on Monday.")));
}

TEST(AnalyzeLine, CaptionsAndLabelledLinks) {
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Photo: Rescue workers search the rubble on Monday.")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Rescue workers search the rubble on Monday. (AP Photo/Jane Doe)")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Related: Aid agencies warn of winter shortages")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Tags: Nepal, earthquake, aid")));
  EXPECT_TRUE(IsChromeAnywhere(AnalyzeLine("Image caption, Survivors queue for water in the main square on Sunday")));
  EXPECT_FALSE(IsChromeAnywhere(AnalyzeLine("Video, shared widely online, showed the bridge collapsing into the river.")));
  // A label followed by a sentence, and colons later in a line, are prose.
  EXPECT_FALSE(IsChromeAnywhere(AnalyzeLine("More: The ministry said the search would continue overnight.")));
  EXPECT_FALSE(IsChromeAnywhere(AnalyzeLine("The minister said the following: aid would arrive within days")));
}

TEST(AnalyzeLayout, FooterLinesTalkingToTheReaderGo) {
  Layout l = AnalyzeLayout({"Storm Closes Ports Along the Coast",
                            "Authorities closed three ports on Tuesday as a storm brought winds of up to 120 km an hour, officials said.",
                            "Thank you for reading our coverage.",
                            "Ferry services will resume once the winds drop below gale force, the port authority said."},
                           "");
  EXPECT_THAT(l.paragraphs, ElementsAre(
      "Authorities closed three ports on Tuesday as a storm brought winds of up to 120 km an hour, officials said.",
      "Thank you for reading our coverage.",
      "Ferry services will resume once the winds drop below gale force, the port authority said."));
  l = AnalyzeLayout({"Storm Closes Ports Along the Coast",
                     "Authorities closed three ports on Tuesday as a storm brought winds of up to 120 km an hour, officials said.",
                     "Thank you for reading our coverage."},
                    "");
  EXPECT_THAT(l.paragraphs, ElementsAre(
      "Authorities closed three ports on Tuesday as a storm brought winds of up to 120 km an hour, officials said."));
}

TEST(AnalyzeLayout, HeaderFooterAndRepeats) {
  Layout l = AnalyzeLayout(
      {"Menu", "Trending", "Ceasefire Holds in Northern Province", "Ceasefire Holds in Northern Province",
       "By Omar Haddad",
       "A photo caption describing soldiers standing near a checkpoint at dawn.",
       "A photo caption describing soldiers standing near a checkpoint at dawn.",
       "A ceasefire between the army and rebel fighters held for a third day on Sunday, residents said.",
       "What Comes Next",
       "Mediators plan to meet both sides again next week in the capital.",
       "Related Posts", "Follow us on X @examplenews", "Copyright 2024. All rights reserved."},
      "");
  EXPECT_EQ(l.title, "Ceasefire Holds in Northern Province");
  EXPECT_EQ(l.byline, "Omar Haddad");
  EXPECT_THAT(l.paragraphs,
              ElementsAre("A ceasefire between the army and rebel fighters held for a third day on Sunday, residents said.",
                          "What Comes Next", "Mediators plan to meet both sides again next week in the capital."));
  EXPECT_EQ(l.removed, 10u);
}

TEST(AnalyzeLayout, RepeatedBodyParagraphKeepsFirstCopy) {
  Layout l = AnalyzeLayout({"Officials met in the capital on Monday to discuss the budget.", "Other news followed here today in brief.",
                            "Officials met in the capital on Monday to discuss the budget."},
                           "Budget talks");
  EXPECT_THAT(l.paragraphs, ElementsAre("Officials met in the capital on Monday to discuss the budget.",
                                        "Other news followed here today in brief."));
}

TEST(AnalyzeLayout, NoBodyLikeText) {
  Layout l = AnalyzeLayout({"Short note", "Another line"}, "");
  EXPECT_EQ(l.title, "");
  EXPECT_THAT(l.paragraphs, ElementsAre("Short note", "Another line"));
}

}  // namespace
}  // namespace eventwire::clean_internal
