// Parsing of producer-supplied publication times.
#pragma once

#include <optional>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

namespace eventwire {

// Accepts RFC 3339 ("2024-05-15T08:30:00Z", offsets allowed), a bare date
// ("2024-05-15", midnight UTC), "2024-05-15 08:30:00" (UTC) and Unix seconds.
std::optional<google::protobuf::Timestamp> ParsePublishedAt(std::string_view text);

}  // namespace eventwire
