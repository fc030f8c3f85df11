// LoadLexicon: reads data/*.tsv and the Debian data files into a Lexicon.
#include <fstream>
#include <sstream>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <nlohmann/json.hpp>

#include "lexicon.h"

namespace eventwire::extract_internal {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
absl::Status Invalid(std::string_view what) { return absl::InvalidArgumentError(AV(what)); }

constexpr std::string_view kModalClasses[] = {"negate", "drop", "reject", "threaten", "intent",
                                              "appeal", "demand", "deny"};

bool IsRole(std::string_view r) {
  static constexpr std::string_view kRoles[] = {
      "GOV", "MIL", "COP", "REB", "INS", "OPP", "CVL", "MED", "BUS", "IGO", "NGO", "JUD", "LEG", "SPY",
      "EDU", "REF", "HLH", "LAB", "ELI", "CRM", "UAF", "REL", "SEP", "AGR", "ENV", "MOD", "RAD", "PTY", "HRI"};
  for (std::string_view k : kRoles)
    if (k == r) return true;
  return false;
}

absl::Status ReadJson(const std::string& path, nlohmann::json* out) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path, " (install Debian package iso-codes)"));
  *out = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Invalid(absl::StrCat(path, ": not valid JSON"));
  return absl::OkStatus();
}

int AddActor(Lexicon* lex, ActorEntry e) {
  lex->actors.push_back(std::move(e));
  return static_cast<int>(lex->actors.size() - 1);
}

int AddPlace(Lexicon* lex, PlaceEntry p) {
  lex->places.push_back(std::move(p));
  return static_cast<int>(lex->places.size() - 1);
}

// Adds a gazetteer name, and its ASCII folding when that differs.
void AddPlaceName(Lexicon* lex, std::string_view name, int place) {
  lex->place_phrases.Add(name, place, /*proper=*/true);
  std::string folded = FoldToAscii(name);
  if (!folded.empty() && folded != name) lex->place_phrases.Add(folded, place, true);
}

absl::Status LoadCountries(Lexicon* lex, const std::string& data_dir, const std::string& share) {
  nlohmann::json j;
  if (absl::Status st = ReadJson(share + "/iso-codes/json/iso_3166-1.json", &j); !st.ok()) return st;
  for (const auto& c : j["3166-1"]) {
    const std::string a2 = c.value("alpha_2", ""), a3 = c.value("alpha_3", "");
    std::string name = c.value("common_name", c.value("name", ""));
    if (a2.empty() || a3.empty() || name.empty()) continue;
    lex->alpha2_to_alpha3[a2] = a3;
    lex->country_names[a3] = name;
    PlaceEntry country_place;
    country_place.name = name;
    country_place.country = a3;
    country_place.type = "country";
    country_place.rank = 3;
    const int place = AddPlace(lex, std::move(country_place));
    for (const char* key : {"name", "common_name", "official_name"}) {
      std::string n = c.value(key, "");
      if (n.empty() || n.find(',') != std::string::npos) continue;
      if (n.rfind("the ", 0) == 0) n = n.substr(4);
      ActorEntry e;
      e.kind = ActorKind::kCountry;
      e.code = e.country = a3;
      e.name = name;
      lex->actor_phrases.Add(n, AddActor(lex, std::move(e)), true);
      AddPlaceName(lex, n, place);
    }
  }
  // Project file: other names, demonyms and capitals (metonymy for governments).
  return ReadTsv(data_dir + "/countries.tsv", 3, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    const std::string a3(f[0]);
    auto name = lex->country_names.find(a3);
    if (name == lex->country_names.end()) return Invalid(absl::StrCat("unknown ISO 3166-1 alpha-3 code ", a3));
    ActorEntry e;
    e.code = e.country = a3;
    e.name = name->second;
    if (f[1] == "name") {
      e.kind = ActorKind::kCountry;
      int place = -1;
      for (size_t i = 0; i < lex->places.size() && place < 0; ++i)
        if (lex->places[i].type == "country" && lex->places[i].country == a3) place = static_cast<int>(i);
      if (place >= 0) AddPlaceName(lex, f[2], place);
    } else if (f[1] == "demonym") {
      e.kind = ActorKind::kDemonym;
    } else if (f[1] == "capital") {
      e.kind = ActorKind::kCapital;
      e.role = "GOV";
    } else {
      return Invalid(absl::StrCat("kind must be name, demonym or capital, got '", AV(f[1]), "'"));
    }
    lex->actor_phrases.Add(f[2], AddActor(lex, std::move(e)), true);
    return absl::OkStatus();
  });
}

absl::Status LoadActors(Lexicon* lex, const std::string& data_dir) {
  // agents.tsv: phrase, role, [title]
  absl::Status st = ReadTsv(data_dir + "/agents.tsv", 2, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    if (f[1] != "-" && !IsRole(f[1])) return Invalid(absl::StrCat("unknown role '", AV(f[1]), "'"));
    const bool title = f.size() > 2 && f[2] == "title";
    if (f.size() > 2 && !f[2].empty() && !title) return Invalid("third field must be 'title' or empty");
    ActorEntry e;
    e.kind = ActorKind::kAgent;
    e.name = e.office = std::string(f[0]);
    e.role = f[1] == "-" ? "" : std::string(f[1]);
    e.title = title;
    lex->actor_phrases.Add(f[0], AddActor(lex, std::move(e)), false);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  // groups.tsv: phrase, code, name, country, role, from, to
  st = ReadTsv(data_dir + "/groups.tsv", 5, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    ActorEntry e;
    e.kind = ActorKind::kGroup;
    e.code = std::string(f[1]);
    e.name = std::string(f[2]);
    e.country = f[3] == "-" ? "" : std::string(f[3]);
    e.role = std::string(f[4]);
    e.group = e.code;
    if (!e.country.empty() && !lex->country_names.contains(e.country))
      return Invalid(absl::StrCat("unknown country ", e.country));
    // A group code equal to a country code would read as that country downstream.
    if (lex->country_names.contains(e.code))
      return Invalid(absl::StrCat("group code ", e.code, " is an ISO 3166-1 alpha-3 country code"));
    if (!IsRole(e.role)) return Invalid(absl::StrCat("unknown role '", e.role, "'"));
    if (f.size() > 5 && !ParseIsoDate(f[5], &e.from)) return Invalid("bad 'from' date (YYYY[-MM[-DD]])");
    if (f.size() > 6 && !ParseIsoDate(f[6], &e.to)) return Invalid("bad 'to' date (YYYY[-MM[-DD]])");
    lex->actor_phrases.Add(f[0], AddActor(lex, std::move(e)), true);
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  // people.tsv: phrase, name, country, role, office, organization, from, to
  return ReadTsv(data_dir + "/people.tsv", 6, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    ActorEntry e;
    e.kind = ActorKind::kPerson;
    e.name = std::string(f[1]);
    e.country = std::string(f[2]);
    e.role = std::string(f[3]);
    e.office = std::string(f[4]);
    e.organization = std::string(f[5]);
    if (!lex->country_names.contains(e.country)) return Invalid(absl::StrCat("unknown country ", e.country));
    if (!IsRole(e.role)) return Invalid(absl::StrCat("unknown role '", e.role, "'"));
    if (e.organization == "-") e.organization.clear();
    if (f.size() > 6 && !ParseIsoDate(f[6], &e.from)) return Invalid("bad 'from' date (YYYY[-MM[-DD]])");
    if (f.size() > 7 && !ParseIsoDate(f[7], &e.to)) return Invalid("bad 'to' date (YYYY[-MM[-DD]])");
    lex->actor_phrases.Add(f[0], AddActor(lex, std::move(e)), true);
    return absl::OkStatus();
  });
}

absl::Status LoadPlaces(Lexicon* lex, const std::string& data_dir, const std::string& share) {
  nlohmann::json j;
  if (absl::Status st = ReadJson(share + "/iso-codes/json/iso_3166-2.json", &j); !st.ok()) return st;
  for (const auto& s : j["3166-2"]) {
    const std::string code = s.value("code", ""), name = s.value("name", "");
    auto a3 = lex->alpha2_to_alpha3.find(code.substr(0, 2));
    if (name.empty() || a3 == lex->alpha2_to_alpha3.end()) continue;
    const std::string parent = s.value("parent", "");
    PlaceEntry p;
    p.name = name;
    p.country = a3->second;
    p.admin1 = parent.empty() ? code : code.substr(0, 3) + parent;
    p.type = parent.empty() ? "admin1" : "admin2";
    p.rank = parent.empty() ? 2 : 0;
    AddPlaceName(lex, name, AddPlace(lex, std::move(p)));
  }
  // libgweather: <country> ... <iso-code>XX</iso-code> ... <city><_name>N</_name><coordinates>lat lon</coordinates>
  const std::string gw = share + "/libgweather-4/Locations.xml";
  std::ifstream in(gw);
  if (in) {
    std::string line, country, city;
    bool in_city = false;
    auto inner = [](const std::string& l) {
      size_t a = l.find('>'), b = l.rfind("</");
      return a == std::string::npos || b == std::string::npos || b <= a ? std::string() : l.substr(a + 1, b - a - 1);
    };
    while (std::getline(in, line)) {
      absl::string_view l = absl::StripAsciiWhitespace(line);
      if (l.rfind("<iso-code>", 0) == 0) {
        auto it = lex->alpha2_to_alpha3.find(inner(std::string(l)));
        country = it == lex->alpha2_to_alpha3.end() ? "" : it->second;
      } else if (l == "<city>") {
        in_city = true;
        city.clear();
      } else if (l == "</city>") {
        in_city = false;
      } else if (in_city && l.rfind("<_name", 0) == 0) {
        city = inner(std::string(l));
      } else if (in_city && l.rfind("<coordinates>", 0) == 0 && !city.empty() && !country.empty()) {
        std::vector<std::string> ll = absl::StrSplit(inner(std::string(l)), ' ', absl::SkipEmpty());
        PlaceEntry p;
        p.name = city;
        p.country = country;
        p.type = "city";
        p.rank = 1;
        if (ll.size() == 2 && absl::SimpleAtod(ll[0], &p.lat) && absl::SimpleAtod(ll[1], &p.lon)) p.has_coordinates = true;
        AddPlaceName(lex, city, AddPlace(lex, std::move(p)));
      }
    }
  }
  // Project supplement: districts and towns missing above. name, country, admin1, lat, lon, type
  return ReadTsv(data_dir + "/places.tsv", 6, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    PlaceEntry p;
    p.name = std::string(f[0]);
    p.country = std::string(f[1]);
    p.admin1 = f[2] == "-" ? "" : std::string(f[2]);
    p.type = std::string(f[5]);
    p.rank = 1;
    if (!lex->country_names.contains(p.country)) return Invalid(absl::StrCat("unknown country ", p.country));
    if (f[3] != "-") {
      if (!absl::SimpleAtod(AV(f[3]), &p.lat) || !absl::SimpleAtod(AV(f[4]), &p.lon) || p.lat < -90 || p.lat > 90 ||
          p.lon < -180 || p.lon > 180)
        return Invalid("latitude/longitude must be numbers (or '-')");
      p.has_coordinates = true;
    }
    AddPlaceName(lex, f[0], AddPlace(lex, std::move(p)));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<Lexicon>> LoadLexicon(const std::string& data_dir, const std::string& system_root) {
  auto lex = std::make_unique<Lexicon>();
  const std::string share = system_root + "/usr/share";
  if (absl::Status st = lex->codebook.Load(data_dir + "/cameo_codes.tsv"); !st.ok()) return st;
  if (absl::Status st = lex->lemmas.LoadIrregular(data_dir + "/irregular_verbs.tsv"); !st.ok()) return st;
  auto known_code = [&](std::string_view code) -> absl::Status {
    return lex->codebook.Find(code) ? absl::OkStatus() : Invalid(absl::StrCat("unknown CAMEO code ", AV(code)));
  };
  if (absl::Status st = lex->triggers.Load(data_dir + "/verbs.tsv", false, &lex->lemmas, known_code); !st.ok())
    return st;
  if (absl::Status st = lex->triggers.Load(data_dir + "/nouns.tsv", true, &lex->lemmas, known_code); !st.ok())
    return st;
  auto known_class = [&](std::string_view c) -> absl::Status {
    for (std::string_view k : kModalClasses)
      if (k == c) return absl::OkStatus();
    return Invalid(absl::StrCat("unknown modal class '", AV(c), "'"));
  };
  if (absl::Status st = lex->modals.Load(data_dir + "/modals.tsv", false, &lex->lemmas, known_class); !st.ok())
    return st;
  if (absl::Status st = lex->modal_codes.Load(data_dir + "/modal_codes.tsv", lex->codebook); !st.ok()) return st;
  lex->lemmas.Finish();
  if (absl::Status st = LoadCountries(lex.get(), data_dir, share); !st.ok()) return st;
  if (absl::Status st = LoadActors(lex.get(), data_dir); !st.ok()) return st;
  if (absl::Status st = LoadPlaces(lex.get(), data_dir, share); !st.ok()) return st;
  if (absl::Status st = ReadTsv(data_dir + "/chrome.tsv", 1,
                                [&](size_t, const std::vector<std::string_view>& f) {
                                  lex->chrome.Add(f[0], 0, false);
                                  return absl::OkStatus();
                                });
      !st.ok())
    return st;
  return lex;
}

}  // namespace eventwire::extract_internal
