#include "filter_sql.h"

#include <cctype>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include "eventwire/store.h"

namespace eventwire {
namespace store_internal {
namespace {

constexpr size_t kMaxFieldBytes = 256;
constexpr size_t kMaxTextBytes = 1024;
// Timestamps outside 0001-01-01 .. 9999-12-31 (protobuf's valid range).
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

}  // namespace

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last < 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\xff');
}

namespace {

void AddRange(const char* column, const google::protobuf::Timestamp& from,
              const google::protobuf::Timestamp& to, std::vector<std::string>* terms,
              std::vector<Value>* values) {
  if (from.seconds() != 0 || from.nanos() != 0) {
    terms->push_back(absl::StrCat(column, " >= ?"));
    values->push_back(Micros(from));
  }
  if (to.seconds() != 0 || to.nanos() != 0) {
    terms->push_back(absl::StrCat(column, " < ?"));
    values->push_back(Micros(to));
  }
}

// An actor matches by code prefix ("PAK" matches "PAKGOV"), known group
// ("TAL") or resolved name (case-insensitive).
void AddActor(const std::string& actor, const std::vector<const char*>& sides,
              std::vector<std::string>* terms, std::vector<Value>* values) {
  std::string code = absl::AsciiStrToUpper(actor);
  std::vector<std::string> alternatives;
  for (const char* side : sides) {
    alternatives.push_back(absl::StrCat("(", side, "_code >= ? AND ", side, "_code < ?)"));
    values->push_back(code);
    values->push_back(PrefixEnd(code));
    alternatives.push_back(absl::StrCat(side, "_group = ?"));
    values->push_back(code);
    alternatives.push_back(absl::StrCat(side, "_name = ? COLLATE NOCASE"));
    values->push_back(actor);
  }
  terms->push_back(absl::StrCat("(", absl::StrJoin(alternatives, " OR "), ")"));
}

}  // namespace

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

std::string TextRowidSql(const std::string& row) {
  return absl::StrCat("(", row, ".event_date / ", kMicrosPerDay, ") * ", kTextDayStride, " + ", row, ".id");
}

std::string FtsQuery(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(absl::StrCat("\"", word, "\""));
    word.clear();
  };
  for (char c : text) {
    // Bytes >= 0x80 belong to UTF-8 letters; the FTS tokenizer splits them further.
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return absl::StrJoin(words, " ");
}

WhereClause BuildWhere(const v1::EventFilter& f, TextMatch text_match) {
  std::vector<std::string> terms;
  WhereClause w;
  AddRange("event_date", f.event_date_from(), f.event_date_to(), &terms, &w.values);
  AddRange("first_seen", f.first_seen_from(), f.first_seen_to(), &terms, &w.values);
  if (!f.actor().empty()) AddActor(f.actor(), {"s", "t"}, &terms, &w.values);
  if (!f.source_actor().empty()) AddActor(f.source_actor(), {"s"}, &terms, &w.values);
  if (!f.target_actor().empty()) AddActor(f.target_actor(), {"t"}, &terms, &w.values);
  if (!f.cameo_prefix().empty()) {
    terms.push_back("cameo_code >= ? AND cameo_code < ?");
    w.values.push_back(f.cameo_prefix());
    w.values.push_back(PrefixEnd(f.cameo_prefix()));
  }
  if (!f.plover_type().empty()) {
    terms.push_back("plover_type = ?");
    w.values.push_back(absl::AsciiStrToUpper(f.plover_type()));
  }
  if (!f.country_code().empty()) {
    terms.push_back("(loc_country = ? OR s_country = ? OR t_country = ?)");
    std::string c = absl::AsciiStrToUpper(f.country_code());
    w.values.insert(w.values.end(), {c, c, c});
  }
  if (!f.place().empty()) {
    terms.push_back("(loc_name = ? COLLATE NOCASE OR loc_text = ? COLLATE NOCASE)");
    w.values.insert(w.values.end(), {f.place(), f.place()});
  }
  if (!f.story_id().empty()) {
    // The story's own events and those it was merged into (event_store.cc).
    terms.push_back("(story_id = ? OR event_id IN (SELECT event_id FROM event_related_stories WHERE story_id = ?))");
    w.values.insert(w.values.end(), {f.story_id(), f.story_id()});
  }
  if (f.min_confidence() > 0) {
    terms.push_back("confidence >= ?");
    w.values.push_back(f.min_confidence());
  }
  if (!f.text().empty()) {
    terms.push_back(text_match == TextMatch::kMatchSet
                        ? absl::StrCat("id IN (SELECT rowid & ", kTextDayStride - 1,
                                       " FROM events_text WHERE events_text MATCH ?)")
                        : absl::StrCat("EXISTS (SELECT 1 FROM events_text WHERE events_text MATCH ? AND rowid = ",
                                       TextRowidSql("events"), ")"));
    w.values.push_back(FtsQuery(f.text()));
  }
  w.sql = terms.empty() ? "1" : absl::StrJoin(terms, " AND ");
  return w;
}

}  // namespace store_internal

namespace {

using store_internal::kMaxFieldBytes;

absl::Status CheckTimestamp(const char* field, const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < store_internal::kMinSeconds || ts.seconds() > store_internal::kMaxSeconds ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat("filter.", field,
                                                   " is not a valid timestamp (seconds ",
                                                   ts.seconds(), ", nanos ", ts.nanos(), ")"));
  }
  return absl::OkStatus();
}

bool IsSet(const google::protobuf::Timestamp& ts) { return ts.seconds() != 0 || ts.nanos() != 0; }

absl::Status CheckRange(const char* from_name, const google::protobuf::Timestamp& from,
                        const char* to_name, const google::protobuf::Timestamp& to) {
  if (absl::Status s = CheckTimestamp(from_name, from); !s.ok()) return s;
  if (absl::Status s = CheckTimestamp(to_name, to); !s.ok()) return s;
  if (IsSet(from) && IsSet(to) && store_internal::Micros(from) >= store_internal::Micros(to)) {
    return absl::InvalidArgumentError(absl::StrCat("filter.", from_name, " must be before filter.",
                                                   to_name, " (the range is [from, to))"));
  }
  return absl::OkStatus();
}

absl::Status CheckLength(const char* field, const std::string& value, size_t max) {
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.", field, " is longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateFilter(const v1::EventFilter& f) {
  if (absl::Status s = CheckRange("event_date_from", f.event_date_from(), "event_date_to",
                                  f.event_date_to());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckRange("first_seen_from", f.first_seen_from(), "first_seen_to",
                                  f.first_seen_to());
      !s.ok()) {
    return s;
  }
  const std::pair<const char*, const std::string*> fields[] = {
      {"actor", &f.actor()},           {"source_actor", &f.source_actor()},
      {"target_actor", &f.target_actor()}, {"plover_type", &f.plover_type()},
      {"place", &f.place()},           {"story_id", &f.story_id()}};
  for (const auto& [name, value] : fields) {
    if (absl::Status s = CheckLength(name, *value, kMaxFieldBytes); !s.ok()) return s;
  }
  if (absl::Status s = CheckLength("text", f.text(), store_internal::kMaxTextBytes); !s.ok()) {
    return s;
  }
  if (!f.cameo_prefix().empty()) {
    bool digits = f.cameo_prefix().size() <= 4;
    for (char c : f.cameo_prefix()) digits = digits && c >= '0' && c <= '9';
    if (!digits) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.cameo_prefix must be 1 to 4 digits (e.g. \"19\", \"112\"), got \"",
          f.cameo_prefix(), "\""));
    }
  }
  if (!f.country_code().empty()) {
    bool alpha3 = f.country_code().size() == 3;
    for (char c : f.country_code()) alpha3 = alpha3 && absl::ascii_isalpha(static_cast<unsigned char>(c));
    if (!alpha3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.country_code must be an ISO 3166-1 alpha-3 code (e.g. \"AFG\"), got \"",
          f.country_code(), "\""));
    }
  }
  if (!(f.min_confidence() >= 0 && f.min_confidence() <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.min_confidence must be in [0, 1], got ", f.min_confidence()));
  }
  if (!f.text().empty() && store_internal::FtsQuery(f.text()).empty()) {
    return absl::InvalidArgumentError("filter.text has no words to search for");
  }
  return absl::OkStatus();
}

}  // namespace eventwire
