// Calendar dates and the resolution of date expressions in news text
// ("on Saturday", "April 25", "last month", "early October", "Mehr 27")
// against a reference (publication) date.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eventwire {

enum class DatePrecision { kDay, kMonth, kYear };

std::string_view DatePrecisionName(DatePrecision p);  // "day", "month", "year"

struct CivilDate {
  int year = 0;   // 0 = unknown
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  bool known() const { return year != 0; }
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

CivilDate CivilDateFromUnixSeconds(int64_t seconds);

struct ResolvedDate {
  CivilDate date;               // day/month are 0 when below precision
  DatePrecision precision = DatePrecision::kDay;
  std::string Iso() const;      // "2024-05-11", "2024-05" or "2024"
};

// A date expression found in text: byte offsets, the text and its resolution.
struct DateMatch {
  size_t begin = 0;
  size_t end = 0;
  std::string text;
  ResolvedDate resolved;
};

// Finds and resolves every date expression in `text`. Relative expressions
// need a known `reference`; without one they are skipped.
std::vector<DateMatch> FindDates(std::string_view text, CivilDate reference);

}  // namespace eventwire
