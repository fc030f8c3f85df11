#include "published_at.h"

#include <absl/strings/numbers.h>
#include <absl/time/time.h>

#include <string>

namespace eventwire {

std::optional<google::protobuf::Timestamp> ParsePublishedAt(std::string_view text) {
  std::string s(text);
  absl::Time t;
  std::string err;
  bool parsed = false;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%Ez",
                             "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &t, &err)) {
      parsed = true;
      break;
    }
  }
  if (!parsed) {
    int64_t seconds;
    if (!absl::SimpleAtoi(s, &seconds)) return std::nullopt;
    t = absl::FromUnixSeconds(seconds);
  }
  // google.protobuf.Timestamp only spans years 1 to 9999; anything outside
  // cannot be printed as RFC 3339 and is certainly not a publication time.
  static const absl::Time kMin = absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  static const absl::Time kMax = absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone());
  if (t < kMin || t > kMax) return std::nullopt;
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts.seconds())) / absl::Nanoseconds(1)));
  return ts;
}

}  // namespace eventwire
