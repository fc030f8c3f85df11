// JSON lines in and out for eventwire.v1 messages: proto3 JSON with the
// original snake_case field names and default values printed, so every
// contract field is present in CLI output.
//
//   std::cout << eventwire::ToJsonLine(event) << '\n';
#pragma once

#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <google/protobuf/message.h>

namespace eventwire {

// One line of JSON (no trailing newline).
std::string ToJsonLine(const google::protobuf::Message& message);

// Parses proto3 JSON (snake_case or lowerCamel names) into `message`;
// unknown fields are ignored.
absl::Status FromJson(std::string_view json, google::protobuf::Message* message);

}  // namespace eventwire
