// Page tokens are opaque to clients but plain to us: web-safe base64 of
// "v1|order|filter-fingerprint|sort-key|event-id" (fields separated by 0x1f).
#include <cstdio>
#include <cstdlib>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "eventwire/store.h"

namespace eventwire {
namespace {

constexpr char kSep = '\x1f';

// FNV-1a over the filter's serialization: stable across processes and
// replicas, so a token from one replica works on another.
std::string Fingerprint(const v1::EventFilter& filter) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : filter.SerializeAsString()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

absl::Status Invalid(const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("page_token is invalid: ", why));
}

}  // namespace

std::string EncodePageToken(const PageCursor& cursor, EventOrder order,
                            const v1::EventFilter& filter) {
  char key[40];
  std::snprintf(key, sizeof key, "%.17g", cursor.sort_key);
  std::string plain = absl::StrCat("v1", std::string(1, kSep), EventOrderName(order),
                                   std::string(1, kSep), Fingerprint(filter), std::string(1, kSep),
                                   key, std::string(1, kSep), cursor.event_id);
  return absl::WebSafeBase64Escape(plain);
}

absl::StatusOr<PageCursor> DecodePageToken(const std::string& token, EventOrder order,
                                           const v1::EventFilter& filter) {
  std::string plain;
  if (token.size() > 4096 || !absl::WebSafeBase64Unescape(token, &plain)) {
    return Invalid("not a token returned by this service");
  }
  std::vector<std::string> parts = absl::StrSplit(plain, absl::MaxSplits(kSep, 4));
  if (parts.size() != 5 || parts[0] != "v1") return Invalid("not a token returned by this service");
  if (parts[1] != EventOrderName(order)) {
    return Invalid(absl::StrCat("it was issued for order_by \"", parts[1], "\", not \"",
                                EventOrderName(order), "\""));
  }
  if (parts[2] != Fingerprint(filter)) {
    return Invalid("it was issued for a different filter; repeat the filter of the first page");
  }
  PageCursor cursor;
  char* end = nullptr;
  cursor.sort_key = std::strtod(parts[3].c_str(), &end);
  if (parts[3].empty() || end != parts[3].c_str() + parts[3].size()) {
    return Invalid("its position is damaged");
  }
  cursor.event_id = parts[4];
  return cursor;
}

}  // namespace eventwire
