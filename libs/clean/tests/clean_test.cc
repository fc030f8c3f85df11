#include "eventwire/clean.h"

#include <gtest/gtest.h>

#include "eventwire/utf8.h"

namespace eventwire {
namespace {

v1::RawArticle Text(std::string text) {
  v1::RawArticle raw;
  raw.set_id("t1");
  raw.set_text(std::move(text));
  return raw;
}

TEST(Clean, ScrapeWithChromeRepeatedHeadlineDatelineCredit) {
  v1::RawArticle raw = Text(
      "Skip to content\n"
      "Home | World | Asia | Business\n"
      "Chief Editor: L. Park   Tuesday, March 5th, 2024\n\n"
      "Port Workers Strike Over Unpaid Wages\n\n"
      "Port Workers Strike Over Unpaid Wages\n\n"
      "CHITTAGONG - Thousands of dock workers walked off the job on Monday, halting cargo at the country\xE2\x80\x99s busiest port.\n"
      "Union leaders said the men had not been paid for two months and would stay out until they were.\n"
      "ADVERTISEMENT\n"
      "The port authority said talks would resume on Thursday. (Lanka News Wire)\n\n"
      "Share this:\n"
      "Facebook\n"
      "Subscribe to our newsletter to get the latest stories.\n"
      "Leave a Reply\n");
  const CleanArticle a = Clean(raw);
  EXPECT_EQ(a.title, "Port Workers Strike Over Unpaid Wages");
  EXPECT_EQ(a.dateline, "CHITTAGONG");
  EXPECT_EQ(a.credit, "Lanka News Wire");
  EXPECT_EQ(a.page_date, "2024-03-05");
  EXPECT_EQ(a.publication_date, (CivilDate{2024, 3, 5}));
  EXPECT_EQ(a.language, "en");
  EXPECT_EQ(a.text,
            "Thousands of dock workers walked off the job on Monday, halting cargo at the country’s busiest port.\n\n"
            "Union leaders said the men had not been paid for two months and would stay out until they were.\n\n"
            "The port authority said talks would resume on Thursday.");
  EXPECT_EQ(a.sentences.size(), 3u);
  ASSERT_EQ(a.dates.size(), 2u);
  EXPECT_EQ(a.dates[0].resolved.Iso(), "2024-03-04");  // Monday before Tuesday 5 March
  EXPECT_EQ(a.dates[1].resolved.Iso(), "2024-03-07");  // "would resume on Thursday": future
  EXPECT_GE(a.boilerplate_lines_removed, 9u);
}

TEST(Clean, ProducerTitleAndTimestampWin) {
  v1::RawArticle raw = Text("Rains Lash Coast\nHeavy rains lashed the southern coast on Sunday, officials said.");
  raw.set_title("Rains Lash Coast");
  raw.mutable_published_at()->set_seconds(1715774400);  // 2024-05-15 12:00 UTC
  const CleanArticle a = Clean(raw);
  EXPECT_EQ(a.title, "Rains Lash Coast");
  EXPECT_EQ(a.text, "Heavy rains lashed the southern coast on Sunday, officials said.");
  ASSERT_EQ(a.dates.size(), 1u);
  EXPECT_EQ(a.dates[0].resolved.Iso(), "2024-05-12");
}

TEST(Clean, HtmlBody) {
  v1::RawArticle raw;
  raw.set_html("<html><head><title>Dam breaks | Valley Post</title></head><body><nav>Home News</nav>"
               "<h1>Dam breaks after storm</h1><p>By Rosa Delgado</p>"
               "<p>A dam north of the city gave way late on Friday, flooding two villages.</p>"
               "<p>Rescue teams reached the area by boat, the fire service said.</p>"
               "<div class=\"newsletter-signup\">Get our newsletter</div></body></html>");
  const CleanArticle a = Clean(raw);
  EXPECT_EQ(a.title, "Dam breaks after storm");
  EXPECT_EQ(a.byline, "Rosa Delgado");
  EXPECT_EQ(a.text,
            "A dam north of the city gave way late on Friday, flooding two villages.\n\n"
            "Rescue teams reached the area by boat, the fire service said.");
}

TEST(Clean, NonEnglishPassesThroughWithLanguage) {
  const CleanArticle a = Clean(Text(
      "Las lluvias torrenciales obligaron a evacuar a miles de personas en el sur del país durante el fin de semana, "
      "según informaron las autoridades locales, que temen nuevas inundaciones en los próximos días."));
  EXPECT_EQ(a.language, "es");
  EXPECT_FALSE(a.language_supported);
  EXPECT_FALSE(a.text.empty());
}

TEST(Clean, ProtoOffsetsAreCodePoints) {
  v1::RawArticle raw = Text("Ministers met in Bogotá on Saturday. Talks went well in São Paulo too.");
  raw.mutable_published_at()->set_seconds(1715774400);
  const CleanArticle a = Clean(raw);
  const v1::CleanArticle p = ToProto(a);
  ASSERT_EQ(p.sentences_size(), 2);
  EXPECT_EQ(p.sentences(1).start(), CodePointOffset(a.text, a.sentences[1].begin));
  EXPECT_EQ(p.sentences(1).start(), 37u);
  ASSERT_EQ(p.dates_size(), 1);
  EXPECT_EQ(p.dates(0).date(), "2024-05-11");
  EXPECT_EQ(p.dates(0).precision(), "day");
}

TEST(Clean, EmptyAndGarbageInputDoNotCrash) {
  EXPECT_TRUE(Clean(Text("")).text.empty());
  const CleanArticle a = Clean(Text(std::string("\xFF\xFE\x00\x01 abc \xC3", 9)));
  EXPECT_TRUE(IsValidUtf8(a.text));
}

}  // namespace
}  // namespace eventwire
