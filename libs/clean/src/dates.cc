// First version: calendar helpers only; expression resolution comes with the
// cleaning issue.
#include "eventwire/dates.h"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <cstdio>

namespace eventwire {

std::string_view DatePrecisionName(DatePrecision p) {
  switch (p) {
    case DatePrecision::kDay: return "day";
    case DatePrecision::kMonth: return "month";
    case DatePrecision::kYear: return "year";
  }
  return "day";
}

CivilDate CivilDateFromUnixSeconds(int64_t seconds) {
  absl::CivilDay d = absl::ToCivilDay(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  return {static_cast<int>(d.year()), d.month(), d.day()};
}

std::string ResolvedDate::Iso() const {
  char buf[16];
  switch (precision) {
    case DatePrecision::kYear: std::snprintf(buf, sizeof buf, "%04d", date.year); break;
    case DatePrecision::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", date.year, date.month); break;
    case DatePrecision::kDay:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
      break;
  }
  return buf;
}

std::vector<DateMatch> FindDates(std::string_view, CivilDate) { return {}; }

}  // namespace eventwire
