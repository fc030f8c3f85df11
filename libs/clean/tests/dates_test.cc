#include "eventwire/dates.h"

#include <gtest/gtest.h>

namespace eventwire {
namespace {

// Wednesday 15 May 2024.
constexpr CivilDate kRef{2024, 5, 15};

// The single date found in `text`, as "matched text=ISO/precision".
std::string One(std::string_view text, CivilDate ref = kRef) {
  std::vector<DateMatch> d = FindDates(text, ref);
  if (d.size() != 1) return "found " + std::to_string(d.size());
  return d[0].text + "=" + d[0].resolved.Iso() + "/" + std::string(DatePrecisionName(d[0].resolved.precision));
}

TEST(FindDates, Absolute) {
  EXPECT_EQ(One("Talks began on April 25, 2023 in Doha."), "April 25, 2023=2023-04-25/day");
  EXPECT_EQ(One("on 3 March 2022 the"), "3 March 2022=2022-03-03/day");
  EXPECT_EQ(One("Wednesday, May 15th, 2024"), "Wednesday, May 15th, 2024=2024-05-15/day");
  EXPECT_EQ(One("by Sept. 11, 2001 it"), "Sept. 11, 2001=2001-09-11/day");
  EXPECT_EQ(One("filed 2023-11-02 at"), "2023-11-02=2023-11-02/day");
  EXPECT_EQ(One("the war began in October 2001."), "October 2001=2001-10/month");
  EXPECT_EQ(One("the 12th of June 2020"), "12th of June 2020=2020-06-12/day");
}

TEST(FindDates, WordsMatchInAnyCase) {
  EXPECT_EQ(One("FILED MAY 3, 2021 IN"), "MAY 3, 2021=2021-05-03/day");
  EXPECT_EQ(One("Prices rose Two Weeks Ago, traders said."), "Two Weeks Ago=2024-05-01/day");
  EXPECT_EQ(One("it ended LAST MONTH"), "LAST MONTH=2024-04/month");
  // Words that share letters with date words are not dates.
  EXPECT_EQ(One("The Mayor met Marchers and Junior staff at the Decathlon."), "found 0");
}

TEST(FindDates, MonthDayWithoutYearTakesNearestYear) {
  EXPECT_EQ(One("told lawmakers on April 25."), "April 25=2024-04-25/day");
  EXPECT_EQ(One("Meet on Dec 20", {2024, 1, 5}), "Dec 20=2023-12-20/day");
  EXPECT_EQ(FindDates("told lawmakers on April 25.", CivilDate{}).size(), 0u);  // no reference
}

TEST(FindDates, Weekdays) {
  EXPECT_EQ(One("The talks ended on Saturday."), "Saturday=2024-05-11/day");
  EXPECT_EQ(One("He spoke Wednesday."), "Wednesday=2024-05-15/day");  // same day as publication
  EXPECT_EQ(One("They will meet on Friday."), "Friday=2024-05-17/day");
  EXPECT_EQ(One("next Monday"), "next Monday=2024-05-20/day");
  EXPECT_EQ(One("last Wednesday"), "last Wednesday=2024-05-08/day");
  // The reference is a Wednesday: a future "on Wednesday" is that day, "next Wednesday" a week on.
  EXPECT_EQ(One("The court will rule on Wednesday."), "Wednesday=2024-05-15/day");
  EXPECT_EQ(One("The court will rule next Wednesday."), "next Wednesday=2024-05-22/day");
  EXPECT_EQ(One("Officials expect the winds to ease by Friday."), "Friday=2024-05-17/day");
  EXPECT_EQ(One("Officials expected the winds to ease by Friday."), "Friday=2024-05-17/day");
  EXPECT_EQ(One("The winds eased on Friday, officials said."), "Friday=2024-05-10/day");
}

TEST(FindDates, Relative) {
  EXPECT_EQ(One("said yesterday"), "yesterday=2024-05-14/day");
  EXPECT_EQ(One("two weeks ago"), "two weeks ago=2024-05-01/day");
  EXPECT_EQ(One("3 days ago"), "3 days ago=2024-05-12/day");
  EXPECT_EQ(One("strikes last month"), "last month=2024-04/month");
  EXPECT_EQ(One("six months ago"), "six months ago=2023-11/month");
  EXPECT_EQ(One("elections last year"), "last year=2023/year");
  EXPECT_EQ(One("Next year"), "Next year=2025/year");
}

TEST(FindDates, MonthAlone) {
  EXPECT_EQ(One("fighting that intensified in early October"), "early October=2023-10/month");
  EXPECT_EQ(One("since mid-March"), "mid-March=2024-03/month");
  EXPECT_EQ(One("elections in May"), "May=2024-05/month");
  EXPECT_EQ(One("polls will be held in July"), "July=2024-07/month");
  EXPECT_EQ(FindDates("You may go. May I?", kRef).size(), 0u);
}

TEST(FindDates, Years) {
  EXPECT_EQ(One("died in 2013, aged"), "2013=2013/year");
  EXPECT_EQ(FindDates("2013 people were hurt and 1999 homes", kRef).size(), 0u);
}

TEST(FindDates, PersianSolarCalendar) {
  // 27 Mehr 1404 = 19 October 2025.
  EXPECT_EQ(One("after the Mehr 27 ceasefire", {2025, 10, 30}), "Mehr 27=2025-10-19/day");
  EXPECT_EQ(One("on 1 Farvardin 1403"), "1 Farvardin 1403=2024-03-20/day");
  EXPECT_EQ(One("Dey 10, 1402"), "Dey 10, 1402=2023-12-31/day");
}

TEST(FindDates, OffsetsAreBytes) {
  const std::string text = "Bogotá, Colombia — on Saturday troops";
  std::vector<DateMatch> d = FindDates(text, kRef);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(text.substr(d[0].begin, d[0].end - d[0].begin), "Saturday");
}

TEST(FindDates, InvalidDatesAreSkipped) {
  EXPECT_EQ(FindDates("February 30, 2024 and 2024-13-01", kRef).size(), 0u);
}

}  // namespace
}  // namespace eventwire
