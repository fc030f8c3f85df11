// Synthetic events for the query benchmarks (query_load, query_ingest): actor
// codes, CAMEO codes, countries and words drawn with a skew, as news has them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>

#include <absl/strings/str_cat.h>
#include <absl/time/civil_time.h>

#include "eventwire/v1/event.pb.h"

namespace eventwire::bench {

inline const char* const kCountries[] = {"AFG", "PAK", "IRN", "IRQ", "SYR", "USA", "RUS", "UKR", "CHN", "IND",
                                  "ISR", "PSE", "LBN", "YEM", "SAU", "TUR", "EGY", "LBY", "SDN", "SOM",
                                  "ETH", "NGA", "MLI", "COD", "FRA", "DEU", "GBR", "JPN", "KOR", "PRK",
                                  "MEX", "COL", "VEN", "BRA", "MMR", "BGD", "LKA", "NPL", "KAZ", "UZB"};
inline const char* const kRoles[] = {"GOV", "MIL", "REB", "INS", "CVL", "OPP", "MED", "BUS"};
inline const char* const kCameo[] = {"010", "013", "020", "036", "040", "042", "043", "046", "051", "057",
                              "061", "071", "080", "090", "100", "111", "112", "120", "1231", "125",
                              "130", "138", "141", "145", "150", "160", "172", "173", "180", "1823",
                              "183", "190", "193", "194", "195", "200", "202"};
inline const char* const kWords[] = {"attack", "talks", "ceasefire", "protest", "border", "troops", "rocket",
                              "minister", "election", "sanctions", "aid", "refugees", "police", "drone",
                              "agreement", "visit", "accused", "rejected", "killed", "wounded", "capital",
                              "province", "militants", "government", "president", "officials", "said",
                              "statement", "meeting", "negotiations"};

inline std::string Plover(const std::string& cameo) {
  int root = std::stoi(cameo.substr(0, 2));
  static const char* const kByRoot[] = {"", "COMMENT", "APPEAL", "AGREE", "CONSULT", "SUPPORT", "COOPERATE",
                                        "AID", "YIELD", "INVESTIGATE", "DEMAND", "ACCUSE", "REJECT",
                                        "THREATEN", "PROTEST", "MOBILIZE", "SANCTION", "COERCE", "ASSAULT",
                                        "ASSAULT", "ASSAULT", "ASSAULT"};
  return kByRoot[root];
}

constexpr int64_t kFirstDay = 20415;  // 2025-11-23 in days since the epoch
constexpr int kDays = 365;

inline std::string IsoDate(int64_t days) {
  absl::CivilDay d = absl::CivilDay(1970, 1, 1) + days;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(d.year()), d.month(), d.day());
  return buf;
}

// How event dates and first-seen times are spread.
//   kUniform: dates uniform over the year [kFirstDay, kFirstDay + kDays), first
//     seen up to 3 days after (the bench store; the worst case for writes: every
//     key's inserts land all over its posting range).
//   kLive: as a live feed produces them: first seen increasing, one event every
//     kLiveGapSeconds from `live_start_seconds`; the event date is the day it was
//     seen or shortly before (70% the same day, 20% the day before, 7% 2-6 days,
//     3% up to 60 days back).
enum class DateMode { kUniform, kLive };
constexpr int64_t kLiveGapSeconds = 4;  // ~21,600 events a day

inline v1::Event Synthetic(int64_t i, std::mt19937_64& rng, DateMode mode, int64_t live_start_seconds) {
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  v1::Event e;
  e.set_event_id(absl::StrCat("syn-", i));
  e.set_version(1);
  std::string cameo = kCameo[pick(std::size(kCameo))];
  e.set_cameo_code(cameo);
  e.set_cameo_base(cameo.substr(0, 3));
  e.set_cameo_root(cameo.substr(0, 2));
  e.set_plover_type(Plover(cameo));
  // Countries follow a skewed distribution, as news does.
  auto country = [&] { return kCountries[std::min(pick(std::size(kCountries)), pick(std::size(kCountries)))]; };
  for (v1::Actor* a : {e.mutable_source(), e.mutable_target()}) {
    std::string c = country();
    std::string role = kRoles[pick(std::size(kRoles))];
    a->set_code(c + role);
    a->set_country_code(c);
    a->set_role(role);
    a->set_name(absl::StrCat(c, " ", role));
    if (c == "AFG" && role == "INS") a->set_known_group("TAL");
  }
  std::string place_country = country();
  e.mutable_location()->set_name(absl::StrCat("Place", place_country, pick(20)));
  e.mutable_location()->set_text(e.location().name());
  e.mutable_location()->set_country_code(place_country);
  if (mode == DateMode::kUniform) {
    int64_t day = kFirstDay + static_cast<int64_t>(pick(kDays));
    e.mutable_event_date()->set_date(IsoDate(day));
    e.mutable_first_seen()->set_seconds(day * 86400 + static_cast<int64_t>(pick(3 * 86400)));
  } else {
    const int64_t seen = live_start_seconds + i * kLiveGapSeconds;
    const size_t r = pick(100);
    const int64_t lag = r < 70 ? 0 : r < 90 ? 1 : r < 97 ? 2 + static_cast<int64_t>(pick(5)) : static_cast<int64_t>(pick(61));
    e.mutable_event_date()->set_date(IsoDate(seen / 86400 - lag));
    e.mutable_first_seen()->set_seconds(seen);
  }
  e.mutable_event_date()->set_precision("day");
  e.set_confidence(static_cast<double>(pick(1000)) / 1000.0);
  e.set_story_id(absl::StrCat("story-", pick(300'000)));
  std::string sentence;
  for (int w = 0; w < 14; ++w) {
    absl::StrAppend(&sentence, w ? " " : "", kWords[std::min(pick(std::size(kWords)), pick(std::size(kWords)))],
                    pick(4) == 0 ? absl::StrCat(" w", pick(5000)) : "");
  }
  e.mutable_evidence()->set_sentence(sentence);
  e.mutable_evidence()->set_article_id(absl::StrCat("art-", i));
  return e;
}

}  // namespace eventwire::bench
