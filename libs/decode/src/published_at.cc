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
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts.seconds())) / absl::Nanoseconds(1)));
  return ts;
}

}  // namespace eventwire
