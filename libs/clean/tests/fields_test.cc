#include "fields.h"

#include <gtest/gtest.h>

namespace eventwire::clean_internal {
namespace {

struct DatelineCase {
  std::string paragraph, place, agency, rest;
};

TEST(ParseDateline, CommonForms) {
  const DatelineCase cases[] = {
      {"ISLAMABAD - The talks resumed.", "ISLAMABAD", "", "The talks resumed."},
      {"KABUL, Oct 25 (Reuters) - Gunmen attacked a bus.", "KABUL", "Reuters", "Gunmen attacked a bus."},
      {"NEW YORK, March 3 - Stocks fell sharply.", "NEW YORK", "", "Stocks fell sharply."},
      {"WASHINGTON (AP) \u2014 Congress passed the bill.", "WASHINGTON", "AP", "Congress passed the bill."},
      {"Kabul, Nov. 3 (AFP) - A blast hit the city.", "Kabul", "AFP", "A blast hit the city."},
      {"DHAKA: Floods displaced thousands.", "DHAKA", "", "Floods displaced thousands."},
      {"BEIRUT, Lebanon (AP) -- Rescuers dug through rubble.", "BEIRUT", "AP", "Rescuers dug through rubble."},
      {"SÃO PAULO - Prices rose.", "SÃO PAULO", "", "Prices rose."},
  };
  for (const DatelineCase& c : cases) {
    std::optional<Dateline> d = ParseDateline(c.paragraph);
    SCOPED_TRACE(c.paragraph);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->place, c.place);
    EXPECT_EQ(d->agency, c.agency);
    EXPECT_EQ(c.paragraph.substr(d->length), c.rest);
  }
}

TEST(ParseDateline, RejectsOrdinarySentences) {
  for (std::string_view p : {"Islamabad has refused to act.", "The UN - and its agencies - left.",
                             "US officials said on Monday.", "Kabul-based analysts disagreed.",
                             "NATO-led forces withdrew.", "Reuters reported the news.",
                             "ISLAMABAD - lower case rest is not a sentence"}) {
    EXPECT_FALSE(ParseDateline(p).has_value()) << p;
  }
}

TEST(ParseCredit, TrailingParenthesisedOutlet) {
  const std::string p = "The minister left the country last week. (Prensa Latina)";
  std::optional<Credit> c = ParseCredit(p);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "Prensa Latina");
  EXPECT_EQ(p.substr(0, c->begin), "The minister left the country last week.");
  EXPECT_FALSE(ParseCredit("He met the head of the movement (Mansoor)").has_value());
  EXPECT_FALSE(ParseCredit("Rescuers at the site. (AP Photo)").has_value());
}

TEST(ParseCredit, CreditLines) {
  EXPECT_EQ(ParseCredit("-- Reported by the Voice of America")->name, "Voice of America");
  EXPECT_EQ(ParseCredit("Source: Xinhua")->name, "Xinhua");
  std::optional<Credit> r = ParseCredit("(Reporting by Jane Doe; Editing by Sam Roe)");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->byline);
  EXPECT_EQ(r->name, "Jane Doe");
  EXPECT_FALSE(ParseCredit("The attack was reported by several witnesses who saw the convoy.").has_value());
}

TEST(ParseCredit, SignOffsAndSyndicationNotes) {
  std::optional<Credit> r = ParseCredit("Reporting by Jane Doe; Editing by Sam Roe");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->byline);
  EXPECT_EQ(r->name, "Jane Doe");
  // A desk signs, not a person: the line goes, no byline.
  r = ParseCredit("Reporting by Lagos newsroom; Editing by Sam Roe");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "");
  EXPECT_EQ(ParseCredit("This article was originally published on The Valley Times.")->name, "Valley Times");
  EXPECT_EQ(ParseCredit("This story first appeared in Harbour Weekly")->name, "Harbour Weekly");
  EXPECT_FALSE(ParseCredit("The report was first published on Monday by the ministry, which said prices rose.").has_value());
  EXPECT_FALSE(ParseCredit("This story was first published on Monday.").has_value());
  EXPECT_FALSE(ParseCredit("It was first published in May 2023").has_value());
}

TEST(ParseByline, Names) {
  EXPECT_EQ(ParseByline("By Amina Yusuf").value_or(""), "Amina Yusuf");
  EXPECT_EQ(ParseByline("By Tom Hale, Reuters").value_or(""), "Tom Hale");
  EXPECT_EQ(ParseByline("Written by Lena Ortiz | May 2, 2024").value_or(""), "Lena Ortiz");
  EXPECT_FALSE(ParseByline("By the end of the week the talks had collapsed entirely and both sides left.").has_value());
  EXPECT_FALSE(ParseByline("Bystanders fled").has_value());
}

TEST(ParsePageDate, HeaderLines) {
  EXPECT_EQ(ParsePageDate("Managing Editor: A. Rahimi Wednesday, May 15th, 2024")->Iso(), "2024-05-15");
  EXPECT_EQ(ParsePageDate("Published: 2023-11-02 14:05")->Iso(), "2023-11-02");
  EXPECT_EQ(ParsePageDate("3 June 2022 | 5 min read")->Iso(), "2022-06-03");
  EXPECT_FALSE(ParsePageDate("Updated May 15").has_value());  // no year: not a page date
}

}  // namespace
}  // namespace eventwire::clean_internal
