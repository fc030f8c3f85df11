#include "coder.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

#include "casualties.h"
#include "eventwire/utf8.h"

namespace eventwire::extract_internal {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);
constexpr int kCarried = -3;  // source index: the previous sentence's subject
constexpr int kSideA = -6, kSideB = -7;  // source/target indexes: the two sides of the latest dyad
constexpr size_t kMaxTokens = 160;  // longer "sentences" are tables or run-ons

template <size_t N>
bool In(std::string_view w, const std::string_view (&words)[N]) {
  return std::find(std::begin(words), std::end(words), w) != std::end(words);
}

constexpr std::string_view kPrepositions[] = {
    "in", "at", "from", "with", "to", "against", "on", "by", "for", "near", "into", "over", "about", "between",
    "among", "toward", "towards", "across", "inside", "outside", "through", "throughout", "under", "after",
    "before", "during", "despite", "via", "upon", "onto", "within", "without", "like", "than"};
constexpr std::string_view kLocationPrepositions[] = {"in", "at", "near", "outside", "inside", "across",
                                                      "throughout", "around", "into", "in", "within"};
constexpr std::string_view kDeterminers[] = {"a", "an", "the", "its", "their", "his", "her", "our", "'s",
                                             "this", "that", "these", "those", "another", "any", "new"};
constexpr std::string_view kBeForms[] = {"is", "are", "was", "were", "be", "been", "being", "got", "get", "gets"};
constexpr std::string_view kModifiers[] = {"senior", "top", "former", "local", "retired", "acting", "deputy",
                                           "interim", "federal", "provincial", "regional", "national", "state",
                                           "armed", "unidentified", "unnamed", "several", "two", "three", "some",
                                           "many", "other", "chief", "its", "their", "own"};
constexpr std::string_view kClauseStops[] = {";", ":", "but", "while", "although", "whereas", "though", "because",
                                             "after", "before", "since", "when", "if", "unless", "until",
                                             "which", "who", "whom", "where", "(", "\""};
constexpr std::string_view kPlaceNouns[] = {"the", "town", "city", "village", "district", "province", "region",
                                            "capital", "of", "area", "areas", "northern", "southern", "eastern",
                                            "western", "central", "northwestern", "northeastern", "southwestern",
                                            "southeastern", "port", "border"};
constexpr std::string_view kPlaceHeads[] = {"areas", "area", "outskirts", "suburb", "suburbs", "center", "centre",
                                           "city", "town", "village", "region", "province", "district", "parts",
                                           "part", "heart", "streets", "port", "island", "state", "county"};
constexpr std::string_view kAgentAsAdjective[] = {
    "aid", "assistance", "cooperation", "exercise", "exercises", "drill", "drills", "operation", "operations",
    "action", "aggression", "support", "help", "equipment", "hardware", "intervention", "pressure", "solution",
    "option", "power", "presence", "escalation", "ties", "relations", "spending", "budget", "policy", "campaign",
    "exports", "imports", "sales", "trade", "purchases", "contracts", "industry"};
constexpr std::string_view kAuxiliaries[] = {
    "will", "would", "can", "could", "must", "may", "might", "should", "shall", "did", "does", "do", "not",
    "to", "also", "has", "have", "had", "is", "are", "was", "were", "be", "been", "they", "we", "he", "she",
    "it", "who", "which", "that", "and", "then", "still", "now", "again", "reportedly", "allegedly"};
constexpr std::string_view kFrameFillers[] = {"not", "also", "soon", "further", "again", "jointly", "the", "a",
                                              "an", "its", "their", "his", "her", "to", "in", "of", "any"};
// Before an -ing form these make it a verb: "began investigating", "kept attacking", "after storming".
constexpr std::string_view kAspectual[] = {"began", "begun", "begin", "begins", "start", "started", "starts",
                                           "continued", "continue", "continues", "kept", "keep", "keeps",
                                           "resumed", "stopped", "after", "before", "while", "by", "since"};
// "the border crossing between A and B": a route between places, not parties.
constexpr std::string_view kRouteNouns[] = {"border", "crossing", "road", "highway", "route", "frontier",
                                            "bridge", "railway", "pipeline", "boundary", "corridor", "line"};
constexpr std::string_view kAttackPrepositions[] = {"at", "on", "into", "against", "toward", "towards", "upon"};
constexpr std::string_view kRelativePronouns[] = {"which", "who", "that"};
constexpr std::string_view kSubordinators[] = {"after", "before", "since", "until", "while", "once"};
constexpr std::string_view kSubjectPronouns[] = {"it", "they", "he", "she"};
// Words that open a participle clause: "while warning", ", offering", "after storming".
constexpr std::string_view kParticipleLinks[] = {"while", "as", "when", "after", "before", "by", "since", ","};
// Adverbs between a subject and its verb: "He later flew", "It subsequently denied".
constexpr std::string_view kTimeAdverbs[] = {"later", "earlier", "subsequently", "separately", "previously",
                                             "first", "once", "since", "already", "yet", "soon", "swiftly"};
constexpr int kPronounSubject = -4;  // MainSubject(): the sentence opens with "he", "she", "they", "it"
constexpr std::string_view kObjectPronouns[] = {"them", "him", "her", "it", "us", "themselves", "itself", "me"};
constexpr std::string_view kSpeech[] = {"said", "says", "say", "told", "tells", "added", "noted", "stated",
                                        "according", "quoted", "insisted", "argued", "explained"};
// Verbs of belief and report that are no event: a nominal after them ("the Taliban
// claimed the negotiations were ...") is what they are about, not their own act.
constexpr std::string_view kStanceVerbs[] = {"claimed", "claims", "claim", "believed", "believes", "hoped", "hopes",
                                             "expected", "expects", "feared", "fears", "doubted", "suggested",
                                             "acknowledged", "admitted", "recalled", "conceded", "predicted"};
constexpr std::string_view kNotNameStarts[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                          "sunday", "and", "but", "while", "when", "as", "meanwhile", "yesterday",
                                          "today", "tomorrow", "also", "then", "so", "if"};
constexpr std::string_view kMonths[] = {"january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"};

// Quotation marks (ASCII or typographic) do not break frames: 'would "firmly defend"'.
bool IsQuote(std::string_view w) {
  return w == "\"" || w == "'" || w == "\xE2\x80\x9C" || w == "\xE2\x80\x9D" || w == "\xE2\x80\x98" ||
         w == "\xE2\x80\x99";
}

struct Mention {
  size_t begin = 0, end = 0;  // token range
  v1::Actor actor;
  bool place_only = false;    // a bare country or capital used as a place ("in Kabul")
  bool territory = false;     // a demonym naming land ("Armenian territory", "the Chadian border")
  bool adjectival = false;    // a lone demonym or short country form ("French", "U.S.")
  int group = -1;             // coordination group id ("Qatar and Turkey")
  bool inherited = false;     // the country came from the context, not the phrase ("the rebels")
  int inherited_from = -1;    // ... from this mention
};

// A country, demonym or capital without role, group or person: "Pakistan".
bool Bare(const v1::Actor& a) { return a.role().empty() && a.known_group().empty() && a.person().empty(); }
// An agent whose country the sentence must supply: "police", "the rebels", "President Ruto".
// A single person: a named one, or an office held by one ("the spokesman", not
// "officials" nor a body such as "the government").
bool PersonLike(const v1::Actor& a) {
  constexpr std::string_view kBodies[] = {"government", "ministry", "army", "military", "police", "cabinet",
                                          "parliament", "administration", "junta", "council", "court", "delegation",
                                          "embassy", "party", "navy", "regime", "leadership", "commission",
                                          "agency", "office", "senate", "congress", "assembly", "legislature",
                                          "committee", "force", "air force", "coast guard", "guard", "mission"};
  return !a.person().empty() || (!a.office().empty() && !a.text().ends_with("s") && !In(a.office(), kBodies));
}
bool Stateless(const v1::Actor& a) { return a.country_code().empty() && a.known_group().empty() && !a.role().empty(); }

// One party under two names: the same code or group, or a country and its own
// state ("Turkey" and the Turkish government). No event is aimed at its own
// source; a country acting on its people or rebels names another role.
bool SameParty(const v1::Actor& a, const v1::Actor& b) {
  if (a.code().empty() || b.code().empty()) return false;
  if (a.code() == b.code()) return true;
  // A group in government is its state ("the Taliban" and "Kabul" after 2021).
  if (!a.known_group().empty() || !b.known_group().empty())
    return a.known_group() == b.known_group() ||
           (a.role() == "GOV" && b.role() == "GOV" && a.country_code() == b.country_code());
  auto state = [](const v1::Actor& x) {
    const std::string& r = x.role();
    return r == "GOV" || r == "MIL" || r == "COP" || r == "JUD" || r == "LEG" || r == "SPY";
  };
  return !a.country_code().empty() && a.country_code() == b.country_code() &&
         (a.role() == b.role() || (Bare(a) && state(b)) || (Bare(b) && state(a)));
}

struct Trigger {
  size_t begin = 0, end = 0;  // tokens of the pattern
  size_t span_begin = 0;      // including a modal frame ("threatened to")
  std::string code;
  std::string modal_class;
  std::string modality = "asserted";
  bool noun = false;
  int literal_count = 1;
  bool dropped = false;
  bool passive = false;
  bool instrument = false;    // "a roadside bomb killed ...": no actor as agent
  bool reduced_relative = false;  // "individuals arrested in raids": a participle describing a noun
  int agent = -2;             // source fixed by a merged nominal (-1: none), -2: not fixed
  size_t modal_end = kNone;   // end of the modal frame, for targets between frame and complement
  std::string_view frame_word;  // first word of the modal frame ("agreed", "threatened")
  std::string object_event;     // code of an actorless event nominal in the object ("condemned the attack")
};

// "hundreds (of)", "dozens (of)", "2,000 (of)": a count, not a noun that owns what follows.
bool Quantity(const Token& t) {
  constexpr std::string_view kCounts[] = {"hundreds", "thousands", "dozens", "scores", "millions", "tens",
                                          "billions", "number", "lots", "couple", "some", "many", "most",
                                          "all", "each", "both", "none", "one", "two", "three"};
  return t.number || In(t.lower, kCounts);
}

// Roots 18-20: assault, fight, mass violence.
bool Violent(std::string_view code) {
  return code.starts_with("18") || code.starts_with("19") || code.starts_with("20");
}

// Nouns for civilians and their property: the victims of force that names no actor
// ("shelled houses near Gao", "massacred dozens of villagers").
constexpr std::string_view kCivilianObjects[] = {
    "village", "villages", "home", "homes", "house", "houses", "town", "towns", "neighbourhood", "neighborhood",
    "neighbourhoods", "neighborhoods", "market", "markets", "mosque", "mosques", "church", "churches", "school",
    "schools", "hospital", "hospitals", "tower", "camp", "camps", "men", "women", "children", "people", "families",
    "residents", "worshippers", "shoppers", "minority", "minorities", "muslims", "christians", "interpreters",
    "workers", "city", "centre", "center", "hotel", "restaurant", "bus", "crowd", "crowds", "passengers",
    "pilgrims", "wedding", "funeral", "victims", "survivors"};

// Reactions to an act (comment, praise, disapproval, rejection): their object is often an earlier event.
bool Reaction(std::string_view code) {
  return code == "012" || code == "013" || code.starts_with("05") || code.starts_with("11") || code.starts_with("12");
}

// Event nouns that are no trigger of their own, by the CAMEO root of the act
// they refer to ("19" stands for the violent roots 18-20); "*" for nouns that
// name any act, which in news is the article's lead one ("the decision").
std::string_view ReferredRoot(std::string_view w) {
  static constexpr std::pair<std::string_view, std::string_view> kNouns[] = {
      {"decision", "*"}, {"decisions", "*"}, {"announcement", "*"}, {"move", "*"}, {"moves", "*"},
      {"step", "*"}, {"steps", "*"}, {"choice", "*"}, {"measure", "*"}, {"measures", "*"},
      {"offensive", "19"}, {"strikes", "19"}, {"attack", "19"}, {"attacks", "19"}, {"killings", "19"},
      {"killing", "19"}, {"bombing", "19"}, {"bombings", "19"}, {"shelling", "19"}, {"raid", "19"},
      {"raids", "19"}, {"assault", "19"}, {"incursion", "19"}, {"invasion", "19"}, {"massacre", "19"},
      {"detentions", "17"}, {"detention", "17"}, {"arrest", "17"}, {"arrests", "17"}, {"crackdown", "17"},
      {"drills", "15"}, {"exercises", "15"}, {"deployment", "15"}, {"visit", "04"}, {"trip", "04"},
      {"meeting", "04"}, {"talks", "04"}, {"round", "04"}, {"summit", "04"}, {"negotiations", "04"},
      {"sanctions", "16"}, {"expulsion", "16"}, {"expulsions", "16"}, {"coup", "*"}};
  for (const auto& [noun, root] : kNouns)
    if (noun == w) return root;
  return {};
}

// "the deal", "the truce": an agreement reported before, whose parties are the
// targets of acts on it ("The deal was brokered by Russia", "ratified the agreement").
constexpr std::string_view kAgreementNouns[] = {"deal", "agreement", "accord", "pact", "truce", "ceasefire",
                                                "treaty", "arrangement"};
constexpr std::string_view kAgreementRef = "A";

// Roots that refer to the same kind of act: the violent ones (18-20) count as one.
bool SameFamily(std::string_view a, std::string_view b) {
  return a.substr(0, 2) == b.substr(0, 2) || (Violent(a) && Violent(b));
}

bool Before(const CivilDate& a, const CivilDate& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

bool InRange(const ActorEntry& e, const CivilDate& d) {
  if (!d.known()) return !e.to.known();
  if (e.from.known() && Before(d, e.from)) return false;
  if (e.to.known() && Before(e.to, d)) return false;
  return true;
}

// The dictionary row valid on `date` (roles can change: a movement that governs later).
const ActorEntry* PickActor(const Lexicon& lex, const std::vector<int>& values, const CivilDate& date) {
  for (int v : values)
    if (InRange(lex.actors[v], date)) return &lex.actors[v];
  for (int v : values)
    if (!lex.actors[v].to.known()) return &lex.actors[v];
  return &lex.actors[values.front()];
}

std::string_view Slice(std::string_view s, const std::vector<Token>& toks, size_t b, size_t e) {
  return s.substr(toks[b].begin, toks[e - 1].end - toks[b].begin);
}

class SentenceCoder {
 public:
  SentenceCoder(const Lexicon& lex, std::string_view sentence, const Tokens& tokens, const CivilDate& date,
                size_t skip_prefix, std::string_view principal_country)
      : lex_(lex), s_(sentence), toks_(tokens.tokens), date_(date), skip_(skip_prefix),
        principal_country_(principal_country) {}

  // `history`: actors of the article's earlier sentences, oldest first, for
  // references such as "the group" or "the country".
  // `surnames`: last names of people named in full earlier in the article (index into `history`).
  void FindMentions(const std::vector<v1::Actor>& history,
                    const std::vector<std::pair<std::string, size_t>>& surnames);
  void FindTriggers();
  void ApplyModals();
  const std::vector<Mention>& mentions() const { return mentions_; }
  std::vector<Trigger>& triggers() { return triggers_; }

  // Source and target mention indexes (several when coordinated).
  // `mutual` is set when the event holds in both directions ("X and Y met").
  // `carried` is set when the subject is a sentence-initial pronoun with no
  // antecedent in the sentence ("It also rejected ..."): the caller supplies one.
  void Roles(size_t t, std::vector<int>* sources, std::vector<int>* targets, bool* mutual, bool* carried);
  // The place mentioned closest to the trigger: token range and place rows.
  // `code` widens the cues: movement and delivery take "to", force its direct object.
  const std::vector<int>* Place(size_t trigger, size_t trigger_end, std::string_view code, size_t* begin,
                                size_t* end) const;
  // Speaker of reported speech in the sentence, if any.
  bool Speaker(std::string* speaker) const;

 private:
  bool IsCovered(size_t i) const { return covered_[i] >= 0 && !mentions_[covered_[i]].place_only; }
  bool Negated(size_t at) const;
  bool HypotheticalNominal(size_t at, bool verb = false) const;
  bool FillersOnly(size_t from, size_t to) const;
  int SubjectBefore(size_t pos) const;
  int NominalSource(const Trigger& t) const;
  int MentionAt(size_t pos) const;
  bool ObjectPosition(size_t pos) const;
  int DirectObject(size_t pos) const;
  std::string_view SettingBefore(size_t pos, size_t floor) const;
  bool Compound(const Mention& m) const;
  bool Witness(const Mention& m) const;
  bool ReleasedPerson(const Mention& m) const;
  bool VictimOfNoun(const Mention& m, size_t floor) const;
  void GroupCoordinated();
  void InheritCountries(const std::vector<v1::Actor>& history);
  void ResolveReferences(const std::vector<v1::Actor>& history);
  void AddSurnames(const std::vector<std::pair<std::string, size_t>>& surnames, const std::vector<v1::Actor>& history);
  void InsertMentions(std::vector<Mention> added);
  void SetRole(Mention* m, const v1::Actor& from) const;
  std::string PlaceCountryAt(size_t pos) const;
  void MarkClauses();

 public:
  // The country the context gives a mention without one ("the rebels", "officials");
  // empty when the context names none. See InheritCountries. `ignore_group`: the
  // mentions of that coordination group do not count (-1: all count); with it,
  // officials and former leaders take no country from a place, and `history` may
  // be null. `from` receives the mention the country came from, else -1.
  std::string ContextCountry(size_t k, int ignore_group, const std::vector<v1::Actor>* history,
                             int* from = nullptr) const;
  // The mention whose country `k` took, -1 when it had its own or took a place's.
  int InheritedFrom(size_t k) const { return mentions_[k].inherited_from; }
  // The main clause's subject: a mention index, kPronounSubject, or -1.
  int MainSubject() const;

 private:

  const Lexicon& lex_;
  std::string_view s_;
  const std::vector<Token>& toks_;
  CivilDate date_;
  size_t skip_;
  // The country the article is about so far: its actors' most named, the dateline's on a tie.
  std::string_view principal_country_;
  std::vector<Mention> mentions_;
  std::vector<int> covered_;  // token -> mention index or -1
  std::vector<int> clause_;   // token -> clause number (see MarkClauses)
  std::vector<Trigger> triggers_;
  std::vector<int> trigger_sources_;  // per trigger: chosen source mention
  int last_verb_source_ = -1;         // source of the last verbal trigger (for "... and killed")
  bool last_verb_carried_ = false;    // ... a pronoun subject resolved by the caller ("He thanked X and urged")
};

void SentenceCoder::FindMentions(const std::vector<v1::Actor>& history,
                                 const std::vector<std::pair<std::string, size_t>>& surnames) {
  covered_.assign(toks_.size(), -1);
  const size_t n = toks_.size();
  size_t i = skip_;
  while (i < n) {
    std::vector<const ActorEntry*> parts;
    size_t j = i, end = 0;
    while (j < n) {
      const std::vector<int>* values = lex_.actor_phrases.MatchAt(s_, toks_, j, &end);
      if (values == nullptr) break;
      const ActorEntry* e = PickActor(lex_, *values, date_);
      // A second country/capital/demonym starts a new mention ("Pakistan Afghanistan border").
      if (!parts.empty() && (e->kind == ActorKind::kCountry || e->kind == ActorKind::kCapital ||
                             e->kind == ActorKind::kDemonym))
        break;
      parts.push_back(e);
      j = end;
      size_t k = j;
      // "the National Liberation Army (ELN) rebel group": the group's own acronym in
      // brackets continues its name.
      size_t acronym_end = 0;
      if (k + 2 < n && toks_[k].lower == "(" && toks_[k + 2].lower == ")" && e->kind == ActorKind::kGroup) {
        const std::vector<int>* acronym = lex_.actor_phrases.MatchAt(s_, toks_, k + 1, &acronym_end);
        const ActorEntry* a = acronym != nullptr ? PickActor(lex_, *acronym, date_) : nullptr;
        if (a != nullptr && acronym_end == k + 2 && a->kind == ActorKind::kGroup && a->code == e->code) k += 3;
      }
      if (k < n && toks_[k].lower == "'s") ++k;
      while (k < n && In(toks_[k].lower, kModifiers)) ++k;
      if (k < n && k != j && lex_.actor_phrases.MatchAt(s_, toks_, k, &end) == nullptr) break;
      if (k >= n || (k == j && lex_.actor_phrases.MatchAt(s_, toks_, k, &end) == nullptr)) break;
      j = k;
    }
    if (parts.empty()) {
      ++i;
      continue;
    }
    // Trim a trailing possessive/modifier the loop may have stepped over.
    size_t mend = j;
    while (mend > i && (toks_[mend - 1].lower == "'s" || In(toks_[mend - 1].lower, kModifiers))) --mend;
    Mention m;
    m.begin = i;
    // A title before an unknown name: "Prime Minister Jane Doe".
    std::string person_name;
    if (parts.back()->title) {
      size_t k = mend;
      while (k < n && k < mend + 3 && toks_[k].capitalized && !toks_[k].punct &&
             lex_.actor_phrases.MatchAt(s_, toks_, k, &end) == nullptr)
        ++k;
      if (k > mend) {
        person_name = std::string(Slice(s_, toks_, mend, k));
        mend = k;
      }
    }
    m.end = mend;
    v1::Actor& a = m.actor;
    a.set_text(std::string(Slice(s_, toks_, m.begin, m.end)));
    std::string role_agent, role_other, country, group, group_name, country_name, person, office, org;
    std::vector<std::string> agents;
    bool only_places = true;
    for (const ActorEntry* p : parts) {
      if (p->kind != ActorKind::kCountry && p->kind != ActorKind::kCapital) only_places = false;
      switch (p->kind) {
        case ActorKind::kCountry:
        case ActorKind::kDemonym:
        case ActorKind::kCapital:
          if (country.empty()) {
            country = p->country;
            country_name = p->name;
          }
          if (p->kind == ActorKind::kCapital && role_other.empty()) role_other = "GOV";
          break;
        case ActorKind::kGroup:
          group = p->code;
          group_name = p->name;
          if (!p->country.empty()) country = p->country;
          role_other = p->role;
          break;
        case ActorKind::kAgent:
          if (role_agent.empty()) role_agent = p->role;
          agents.push_back(p->office);
          break;
        case ActorKind::kPerson:
          person = p->name;
          if (country.empty()) country = p->country;
          role_other = p->role;
          office = p->office;
          org = p->organization;
          break;
      }
    }
    if (!person_name.empty()) person = person_name;
    if (!agents.empty()) {
      if (office.empty()) office = agents.back();
      if (org.empty() && agents.size() > 1) org = agents.front();
    }
    std::string role = !role_agent.empty() ? role_agent : role_other;
    // "Tanzanian leaders", "the leaders of France": a country's leaders are its government.
    if (role.empty() && !country.empty() && group.empty() && person.empty() &&
        std::find_if(parts.begin(), parts.end(), [](const ActorEntry* p) {
          return p->kind == ActorKind::kAgent && (p->office == "leader" || p->office == "leaders");
        }) != parts.end())
      role = "GOV";
    a.set_country_code(country);
    a.set_role(role);
    a.set_known_group(group);
    if (!group.empty()) {
      a.set_code(group);
    } else {
      a.set_code(country + role);
    }
    if (!person.empty()) {
      a.set_name(person);
      a.set_person(person);
    } else if (!group_name.empty()) {
      a.set_name(group_name);
    } else if (!country_name.empty()) {
      a.set_name(agents.empty() ? country_name : country_name + " " + agents.back());
    } else if (!agents.empty()) {
      a.set_name(agents.back());
    }
    if (!person.empty() || !agents.empty()) {
      a.set_office(office);
      a.set_organization(org.empty() && !country_name.empty() && !person.empty() ? country_name : org);
    }
    if (only_places) {
      size_t k = m.begin;
      while (k > 0 && (toks_[k - 1].lower == "the" || In(toks_[k - 1].lower, kPlaceNouns))) --k;
      m.place_only = k > 0 && In(toks_[k - 1].lower, kLocationPrepositions);
    }
    bool adjective_use = parts.size() == 1 && parts[0]->kind == ActorKind::kAgent && mend < n &&
                         In(toks_[mend].lower, kAgentAsAdjective);
    // Part of another name: "RKO General", "the London Exchange", "Washington Post".
    if (parts.size() == 1 && mend < n && toks_[mend].capitalized && !toks_[mend].punct &&
        (parts[0]->kind == ActorKind::kCapital || parts[0]->kind == ActorKind::kAgent))
      adjective_use = true;
    // "American Motors", "British Airways", "Canadian Pacific": a demonym opening a
    // name that is no actor phrase names a firm or club, not the state.
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kDemonym && mend < n && toks_[mend].capitalized &&
        !toks_[mend].punct && !toks_[mend].all_caps && !In(toks_[mend].lower, kMonths) &&
        !In(toks_[mend].lower, kNotNameStarts) && !In(toks_[mend].lower, kPrepositions) &&
        lex_.place_phrases.MatchAt(s_, toks_, mend, &end) == nullptr)
      adjective_use = true;
    // "Real Madrid", "Inter Milan", "Paris Saint-Germain": a capital after another
    // capitalised word (not a month or weekday) is part of a club's or firm's name.
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kCapital && m.begin > skip_ &&
        toks_[m.begin - 1].capitalized && !toks_[m.begin - 1].punct && covered_[m.begin - 1] < 0 &&
        !In(toks_[m.begin - 1].lower, kMonths) && !In(toks_[m.begin - 1].lower, kNotNameStarts) &&
        !In(toks_[m.begin - 1].lower, kPrepositions) && !In(toks_[m.begin - 1].lower, kDeterminers) &&
        lex_.actor_phrases.MatchAt(s_, toks_, m.begin - 1, &end) == nullptr)
      adjective_use = true;
    // "Bank of New England", "Air Canada": a country name after a capitalised word
    // inside the sentence (not its first word, not a compass point: "West Germany")
    // is part of another name.
    constexpr std::string_view kCompass[] = {"north", "south", "east", "west", "northern", "southern",
                                             "eastern", "western", "central", "upper", "lower"};
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kCountry && m.begin > skip_ + 1 &&
        !In(toks_[m.begin - 1].lower, kCompass) && !toks_[m.begin].all_caps &&  // "Deputy U.S. envoy"
        toks_[m.begin - 1].capitalized && !toks_[m.begin - 1].all_caps && !toks_[m.begin - 1].punct &&
        covered_[m.begin - 1] < 0 && !In(toks_[m.begin - 1].lower, kMonths) &&
        !In(toks_[m.begin - 1].lower, kNotNameStarts) && !In(toks_[m.begin - 1].lower, kPrepositions) &&
        !In(toks_[m.begin - 1].lower, kDeterminers) && lex_.actor_phrases.MatchAt(s_, toks_, m.begin - 1, &end) == nullptr)
      adjective_use = true;
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kAgent && toks_[m.begin].capitalized && m.begin > skip_ &&
        !parts[0]->title && m.begin > 0 && toks_[m.begin - 1].capitalized)
      adjective_use = true;
    // "Chinese territory", "the Chadian border", "Malian soil": a place, not a party.
    constexpr std::string_view kTerritory[] = {"territory", "territories", "soil", "airspace", "waters", "border",
                                               "borders", "coast", "coastline", "skies", "land", "lands"};
    // "Al-Shabaab's Kenyan wing": the possessor is the actor.
    constexpr std::string_view kBranches[] = {"branch", "wing", "affiliate", "faction", "offshoot", "chapter", "arm"};
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kDemonym && mend < n && In(toks_[mend].lower, kBranches) &&
        i > 0 && toks_[i - 1].lower == "'s" && i > 1 && covered_[i - 2] >= 0)
      adjective_use = true;
    const bool territory =
        parts.size() == 1 && parts[0]->kind == ActorKind::kDemonym && mend < n && In(toks_[mend].lower, kTerritory);
    if (territory) m.place_only = m.territory = true;
    // "the Iran arms sale", "the Paris meeting", "the failed London talks": a country's or
    // capital's name after an article and before a common noun qualifies that noun (its
    // topic or place); the state is no party. Verbs, auxiliaries and possessives after it
    // keep it an actor ("the United States signed", "the Philippines will offer").
    if (parts.size() == 1 && (parts[0]->kind == ActorKind::kCapital || parts[0]->kind == ActorKind::kCountry) &&
        !toks_[m.begin].all_caps && m.begin > skip_ && mend < n) {
      const std::string_view before = toks_[m.begin - 1].lower;
      const Token& next = toks_[mend];
      const std::string_view w = next.lower;
      const bool noun = !next.punct && !next.capitalized && !next.number && !IsQuote(w) && !w.ends_with("ed") &&
                        !w.ends_with("ly") && !lex_.lemmas.IsIrregularPast(w) && !In(w, kAuxiliaries) &&
                        !In(w, kSpeech) && !In(w, kStanceVerbs) && !In(w, kPrepositions) && !In(w, kClauseStops) &&
                        !In(w, kTimeAdverbs) && w != "of" && w != "or" && w != "'s" && w != "'";
      if ((before == "the" || before == "a" || before == "an") && noun) m.place_only = true;
    }
    if ((a.code().empty() && person.empty()) || adjective_use) {  // "officials" alone, "military aid": not actors
      i = mend > i ? mend : i + 1;
      continue;
    }
    // "hundreds of Palestinians", "2,000 Afghans": a counted plural demonym names people, not a state;
    // so does a demonym before civilians or their property ("Palestinian homes", "Afghan interpreters").
    if (parts.size() == 1 && parts[0]->kind == ActorKind::kDemonym && a.role().empty() &&
        ((mend == i + 1 && toks_[i].lower.ends_with("s") && i > 0 &&
          (toks_[i - 1].lower == "of" || toks_[i - 1].number)) ||
         (mend < n && In(toks_[mend].lower, kCivilianObjects) && toks_[mend].lower != "city"))) {
      a.set_role("CVL");
      a.set_code(a.country_code() + "CVL");
    }
    m.adjectival = parts.size() == 1 && (parts[0]->kind == ActorKind::kDemonym ||
                                         (parts[0]->kind == ActorKind::kCountry && m.end - m.begin == 1 &&
                                          toks_[m.begin].all_caps && toks_[m.begin].end - toks_[m.begin].begin <= 4));
    const int idx = static_cast<int>(mentions_.size());
    for (size_t k = m.begin; k < m.end; ++k) covered_[k] = idx;
    mentions_.push_back(std::move(m));
    i = mend > i ? mend : i + 1;
  }
  AddSurnames(surnames, history);
  ResolveReferences(history);
  GroupCoordinated();
  InheritCountries(history);
}

// Definite references to an actor named before: "the group" / "the movement"
// is the last armed or political group, "the country" the last country, and
// "the militants" / "the rebels" the last insurgent group when none is named
// in the sentence. The antecedent is searched in the sentence before the
// reference, then in earlier sentences, most recent first.
void SentenceCoder::ResolveReferences(const std::vector<v1::Actor>& history) {
  constexpr std::string_view kGroupNouns[] = {"group", "organisation", "organization", "movement", "outfit",
                                              "militia", "faction"};
  constexpr std::string_view kCountryNouns[] = {"country", "nation", "kingdom", "republic"};
  auto is_group = [](const v1::Actor& a) {
    return !a.known_group().empty() && a.role() != "IGO" && a.role() != "GOV" && a.role() != "BUS";
  };
  auto antecedent = [&](size_t pos, auto&& fits) -> const v1::Actor* {
    for (size_t k = mentions_.size(); k-- > 0;)
      if (mentions_[k].end <= pos && !mentions_[k].place_only && fits(mentions_[k].actor)) return &mentions_[k].actor;
    for (size_t k = history.size(); k-- > 0;)
      if (fits(history[k])) return &history[k];
    return nullptr;
  };
  bool group_named = false;
  for (const Mention& m : mentions_) group_named = group_named || is_group(m.actor);
  // "The militants": the group named before, unless the sentence names one.
  for (Mention& m : mentions_) {
    const std::string& r = m.actor.role();
    if (group_named || !Stateless(m.actor) || !m.actor.person().empty() || (r != "INS" && r != "REB")) continue;
    if (m.end - m.begin != 1 || m.begin == 0 || toks_[m.begin - 1].lower != "the") continue;
    const v1::Actor* a = antecedent(m.begin, [&](const v1::Actor& x) { return is_group(x) && x.role() == r; });
    if (a == nullptr) continue;
    const std::string text = m.actor.text();
    m.actor = *a;
    m.actor.set_text(text);
  }
  std::vector<Mention> added;
  for (size_t i = std::max<size_t>(skip_, 1); i < toks_.size(); ++i) {
    if (covered_[i] >= 0 || toks_[i - 1].lower != "the") continue;
    const bool possessive = i + 1 < toks_.size() && (toks_[i + 1].lower == "'s" || toks_[i + 1].lower == "'");
    // "the group of seven", "the country director": not a reference.
    if (i + 1 < toks_.size() && !toks_[i + 1].punct && !possessive && !In(toks_[i + 1].lower, kAuxiliaries) &&
        !In(toks_[i + 1].lower, kPrepositions) && toks_[i + 1].lower != "and" && !toks_[i + 1].lower.ends_with("ed") &&
        !toks_[i + 1].lower.ends_with("s"))
      continue;
    if (i + 1 < toks_.size() && toks_[i + 1].lower == "of") continue;
    const v1::Actor* a = nullptr;
    v1::Actor country;
    if (In(toks_[i].lower, kGroupNouns)) {
      a = antecedent(i, is_group);
    } else if (In(toks_[i].lower, kCountryNouns) && !possessive) {
      // "closed the country's borders": a possessive country is the setting, not a party.
      // As an object ("Canada imposed sanctions on the country") it is not the subject's own country.
      std::string subject_country;
      const bool object = i + 1 >= toks_.size() || toks_[i + 1].punct || In(toks_[i + 1].lower, kPrepositions) ||
                          toks_[i + 1].lower == "and";
      // "across the country", "throughout the country": the setting is the subject's own.
      const bool setting = i >= 2 && (toks_[i - 2].lower == "across" || toks_[i - 2].lower == "throughout");
      if (const int subj = SubjectBefore(i - 1); object && !setting && subj >= 0)
        subject_country = mentions_[subj].actor.country_code();
      const v1::Actor* c = antecedent(i, [&](const v1::Actor& x) {
        // Any national actor names its country ("Myanmar's military ... sanctions on the country").
        return !x.country_code().empty() && x.country_code() != subject_country && x.known_group().empty();
      });
      if (c != nullptr) {
        country.set_country_code(c->country_code());
        country.set_code(c->country_code());
        country.set_name(c->country_code());
        a = &country;
      }
    }
    if (a == nullptr) continue;
    Mention m;
    m.begin = i;
    m.end = i + 1;
    m.actor = *a;
    m.actor.set_text(std::string(Slice(s_, toks_, i - 1, i + 1)));
    added.push_back(std::move(m));
  }
  InsertMentions(std::move(added));
}

void SentenceCoder::InsertMentions(std::vector<Mention> added) {
  if (added.empty()) return;
  for (Mention& m : added) mentions_.push_back(std::move(m));
  std::stable_sort(mentions_.begin(), mentions_.end(),
                   [](const Mention& x, const Mention& y) { return x.begin < y.begin; });
  covered_.assign(toks_.size(), -1);
  for (size_t k = 0; k < mentions_.size(); ++k)
    for (size_t t = mentions_[k].begin; t < mentions_[k].end; ++t) covered_[t] = static_cast<int>(k);
}

// "Mujahid said" after "Taliban spokesman Zabihullah Mujahid": a person named in
// full earlier in the article is later called by the last word of the name.
void SentenceCoder::AddSurnames(const std::vector<std::pair<std::string, size_t>>& surnames,
                                const std::vector<v1::Actor>& history) {
  if (surnames.empty()) return;
  std::vector<Mention> added;
  for (size_t i = skip_; i < toks_.size(); ++i) {
    if (covered_[i] >= 0 || !toks_[i].capitalized || toks_[i].punct) continue;
    // "Mujahid" alone, not part of another name ("Mujahid Khan").
    if ((i + 1 < toks_.size() && toks_[i + 1].capitalized && !toks_[i + 1].punct && i + 1 > skip_) ||
        (i > skip_ && toks_[i - 1].capitalized && !toks_[i - 1].punct))
      continue;
    for (auto it = surnames.rbegin(); it != surnames.rend(); ++it) {
      if (it->first != toks_[i].lower) continue;
      Mention m;
      m.begin = i;
      m.end = i + 1;
      m.actor = history[it->second];
      m.actor.set_text(std::string(Slice(s_, toks_, i, i + 1)));
      added.push_back(std::move(m));
      break;
    }
  }
  InsertMentions(std::move(added));
}

// Coordination: mentions separated only by "and", ",", "&", "as well as", "both".
void SentenceCoder::GroupCoordinated() {
  int next_group = 0;
  for (Mention& m : mentions_) m.group = -1;
  for (size_t k = 0; k < mentions_.size(); ++k) {
    if (mentions_[k].group < 0) mentions_[k].group = next_group++;
    if (k + 1 >= mentions_.size()) break;
    const size_t b = mentions_[k].end, e = mentions_[k + 1].begin;
    bool joins = e > b && e - b <= 4;
    bool has_and = false;
    for (size_t t = b; t < e && joins; ++t) {
      const std::string_view w = toks_[t].lower;
      // "the government and communist rebels": an adjective may open the second conjunct.
      const bool adjective = has_and && t + 2 >= e && !toks_[t].punct && !toks_[t].capitalized &&
                             toks_[t].lemma < 0 && !In(w, kPrepositions) && !In(w, kAuxiliaries) &&
                             !In(w, kClauseStops) && !In(w, kSpeech) && !w.ends_with("ed");
      if (w == "and" || w == "&") has_and = true;
      joins = w == "and" || w == "," || w == "&" || w == "as" || w == "well" || w == "the" || w == "both" ||
              adjective;
    }
    // "closed a Russian consulate, and Estonia said ...", "delivered tanks to
    // Ukraine, officials said": a mention followed by a speech verb starts a clause.
    const size_t after = mentions_[k + 1].end;
    bool new_clause = after < toks_.size() && In(toks_[after].lower, kSpeech) && toks_[b].lower == ",";
    // "After stops in France and Italy, the minister flew": a comma alone joins only
    // inside a list that goes on ("France, Italy and Spain").
    if (!has_and && k + 2 < mentions_.size()) {
      const size_t nb = mentions_[k + 1].end, ne = mentions_[k + 2].begin;
      bool list = ne > nb && ne - nb <= 4;
      for (size_t t = nb; t < ne && list; ++t)
        list = toks_[t].lower == "and" || toks_[t].lower == "," || toks_[t].lower == "the" || toks_[t].lower == "&";
      new_clause = new_clause || !list;
    } else if (!has_and) {
      new_clause = true;
    }
    if (joins && !new_clause && (has_and || toks_[b].lower == ",") && !mentions_[k].place_only &&
        !mentions_[k + 1].place_only)
      mentions_[k + 1].group = mentions_[k].group;
  }
}

void SentenceCoder::SetRole(Mention* m, const v1::Actor& from) const {
  v1::Actor& a = m->actor;
  a.set_role(from.role());
  a.set_office(from.office());
  a.set_organization(from.organization());
  if (a.known_group().empty()) a.set_code(a.country_code() + from.role());
  if (!from.office().empty() && !a.name().empty()) a.set_name(a.name() + " " + from.office());
}

// The country of the place or national actor at `pos` ("in Lagos", "of Armenia").
std::string SentenceCoder::PlaceCountryAt(size_t pos) const {
  while (pos < toks_.size() && toks_[pos].lower == "the") ++pos;
  if (pos >= toks_.size()) return "";
  if (covered_[pos] >= 0) return mentions_[covered_[pos]].actor.country_code();
  size_t e = 0;
  const std::vector<int>* values = lex_.place_phrases.MatchAt(s_, toks_, pos, &e);
  if (values == nullptr) return "";
  const PlaceEntry* best = nullptr;
  for (int v : *values) {
    const PlaceEntry& p = lex_.places[v];
    if (best == nullptr || p.rank + (p.has_coordinates ? 2 : 0) > best->rank + (best->has_coordinates ? 2 : 0))
      best = &p;
  }
  return best->country;
}

// Clauses for attaching agents to their context: a new one starts at ";", ":",
// a subordinator or relative pronoun, and at ", and" / ", but".
void SentenceCoder::MarkClauses() {
  constexpr std::string_view kBoundaries[] = {";", ":", "but", "while", "although", "whereas", "though",
                                              "because", "since", "when", "if", "unless", "until", "which",
                                              "who", "whom", "where"};
  clause_.assign(toks_.size(), 0);
  int clause = 0;
  for (size_t i = 0; i < toks_.size(); ++i) {
    if (In(toks_[i].lower, kBoundaries) || (toks_[i].lower == "and" && i > 0 && toks_[i - 1].lower == ","))
      ++clause;
    clause_[i] = clause;
  }
}

std::string SentenceCoder::ContextCountry(size_t k, int ignore_group, const std::vector<v1::Actor>* history,
                                          int* from) const {
  const Mention& a = mentions_[k];
  if (from != nullptr) *from = -1;
  // "police in Lagos", "rebels from Tigray", "officials of Armenia".
  if (a.end + 1 < toks_.size() &&
      (toks_[a.end].lower == "in" || toks_[a.end].lower == "from" || toks_[a.end].lower == "of")) {
    std::string c = PlaceCountryAt(a.end + 1);
    if (!c.empty()) return c;
  }
  // Civilians and refugees belong where the event happens more often than to the
  // nearest actor (who is often the one attacking them); police, protesters,
  // fighters, courts and firms belong where their clause happens; officials,
  // diplomats and troops travel, so a place tells less about them than the
  // national actors around them.
  const std::string& role = a.actor.role();
  const bool victims = role == "CVL" || role == "REF";
  const bool mobile = role == "GOV" || role == "MIL" || role == "SPY" || role == "IGO" || role == "NGO";
  // ... but a person in office (a former vice-president granted asylum in an
  // embassy abroad) is no more from that place than an official on a visit.
  const bool no_place = ignore_group >= 0 && (role == "ELI" || (role == "GOV" && PersonLike(a.actor)));
  // The sentence's place, looked up only when needed (it scans the sentence).
  size_t pb = 0, pe = 0;
  bool place_done = false;
  std::string place;
  auto get_place = [&]() -> const std::string& {
    if (!place_done && !no_place && Place(a.begin, a.end, "", &pb, &pe) != nullptr) place = PlaceCountryAt(pb);
    place_done = true;
    return place;
  };
  auto place_in_clause = [&]() { return !get_place().empty() && clause_[pb] == clause_[a.begin]; };
  if (victims && !get_place().empty()) return place;
  // "The government rejected a statement issued by Washington": a bare definite body is
  // the state the article is about, or one named before it in the sentence; never one
  // named after it (the other party, more often than not).
  constexpr std::string_view kStateBodies[] = {"government", "authorities", "regime", "administration", "cabinet"};
  const bool bare_body = ignore_group < 0 && a.end == a.begin + 1 && a.begin > 0 &&
                         toks_[a.begin - 1].lower == "the" && In(toks_[a.begin].lower, kStateBodies);
  // The nearest national actor (not a place), in the same clause first.
  int near_in_clause = -1, near_anywhere = -1;
  size_t best_in = kNone, best_any = kNone;
  for (size_t o = 0; o < mentions_.size(); ++o) {
    const Mention& m = mentions_[o];
    if (o == k || m.place_only || m.actor.country_code().empty() ||
        (ignore_group >= 0 && (m.group == ignore_group || m.inherited)) || (bare_body && m.begin > a.begin))
      continue;
    const size_t dist = m.begin > a.begin ? m.begin - a.begin : a.begin - m.begin;
    if (dist < best_any) {
      best_any = dist;
      near_anywhere = static_cast<int>(o);
    }
    if (clause_[m.begin] == clause_[a.begin] && dist < best_in) {
      best_in = dist;
      near_in_clause = static_cast<int>(o);
    }
  }
  // A second country for a party of the source's own act: where the act happens
  // says most ("fired missiles at Israel", "the junta ... in Yangon").
  if (ignore_group >= 0 && place_in_clause()) return place;
  // "Kidnappers seized a French aid worker in Bangui": an agent that is not mobile
  // belongs where its clause happens rather than to an actor after it (its object).
  if (near_in_clause >= 0 && !mobile && mentions_[near_in_clause].begin > a.begin && place_in_clause()) return place;
  const int near = near_in_clause >= 0 ? near_in_clause
                   : (!mobile && place_in_clause()) || (ignore_group >= 0 && !get_place().empty()) ? -1
                                                                                                 : near_anywhere;
  if (near >= 0) {
    if (from != nullptr) *from = near;
    return mentions_[near].actor.country_code();
  }
  if (bare_body) return std::string(principal_country_);
  if (!get_place().empty()) return place;
  // Places named as bare countries or capitals ("in Turkey").
  for (const Mention& m : mentions_)
    if (m.place_only && !m.actor.country_code().empty() && !no_place) return m.actor.country_code();
  // The dateline may be only where talks are held: the country the article is about
  // (its actors', the dateline's on a tie) says more ("The rebels said they would release
  // three hostages" in a story datelined at the talks' venue).
  if (!principal_country_.empty()) return std::string(principal_country_);
  // Last, the country of the article's latest national actor ("Police had used tear gas" in a Sri Lanka story).
  for (size_t h = history != nullptr ? history->size() : 0; h-- > 0;)
    if (!(*history)[h].country_code().empty()) return (*history)[h].country_code();
  return "";
}

// Agents without a country take it from the sentence, most specific first:
// "the foreign ministers of Armenia and Azerbaijan" (the countries take the
// role), "police in Lagos", "U.S. and Afghan officials" (shared head), then
// their context (ContextCountry): the national actors and places of their
// clause, of the sentence, the article's principal country (else its latest national actor).
// Domestic actors are the usual reading of news.
void SentenceCoder::InheritCountries(const std::vector<v1::Actor>& history) {
  std::vector<bool> drop(mentions_.size(), false);
  for (size_t k = 0; k + 1 < mentions_.size(); ++k) {
    Mention& a = mentions_[k];
    if (!Stateless(a.actor) || !a.actor.person().empty() || a.end >= toks_.size() || toks_[a.end].lower != "of")
      continue;
    const int b = MentionAt(a.end + 1);
    if (b < 0 || !Bare(mentions_[b].actor) || mentions_[b].actor.country_code().empty()) continue;
    for (Mention& o : mentions_)
      if (o.group == mentions_[b].group && Bare(o.actor) && !o.actor.country_code().empty()) SetRole(&o, a.actor);
    drop[k] = true;
  }
  for (size_t k = 0; k + 1 < mentions_.size(); ++k) {
    Mention& a = mentions_[k];
    const Mention& b = mentions_[k + 1];
    if (a.adjectival && Bare(a.actor) && b.begin == a.end + 1 && toks_[a.end].lower == "and" &&
        !b.actor.role().empty() && !b.actor.country_code().empty() &&
        // "Saudi and Houthi officials": a group's officials share the head noun too.
        (b.actor.known_group().empty() || (b.actor.role() == "GOV" && !b.actor.office().empty())) &&
        b.actor.person().empty())
      SetRole(&a, b.actor);
  }
  for (size_t k = 0; k < mentions_.size(); ++k) {
    Mention& a = mentions_[k];
    if (drop[k] || !Stateless(a.actor)) continue;
    if (clause_.size() != toks_.size()) MarkClauses();  // only sentences with such agents need clauses
    int from = -1;
    const std::string country = ContextCountry(k, -1, &history, &from);
    if (country.empty()) continue;
    a.actor.set_country_code(country);
    a.actor.set_code(country + a.actor.role());
    a.inherited = true;
    a.inherited_from = from;
  }
  if (std::find(drop.begin(), drop.end(), true) == drop.end()) return;
  std::vector<Mention> kept;
  std::vector<int> index(mentions_.size(), -1);
  for (size_t k = 0; k < mentions_.size(); ++k) {
    if (drop[k]) continue;
    index[k] = static_cast<int>(kept.size());
    kept.push_back(std::move(mentions_[k]));
  }
  for (Mention& m : kept)
    if (m.inherited_from >= 0) m.inherited_from = index[m.inherited_from];
  mentions_ = std::move(kept);
  covered_.assign(toks_.size(), -1);
  for (size_t k = 0; k < mentions_.size(); ++k)
    for (size_t t = mentions_[k].begin; t < mentions_[k].end; ++t) covered_[t] = static_cast<int>(k);
  GroupCoordinated();
}

void SentenceCoder::FindTriggers() {
  for (size_t i = skip_; i < toks_.size(); ++i) {
    if (toks_[i].lemma < 0 || IsCovered(i)) continue;
    // Capitalised mid-sentence words are names ("March", "Court of Appeals").
    if (toks_[i].capitalized && i > skip_ && !toks_[i].all_caps) continue;
    // "a Qatar-brokered ceasefire", "Saudi-led strikes": the participle is an adjective.
    if (i > 0 && covered_[i - 1] >= 0 && mentions_[covered_[i - 1]].end == i && Compound(mentions_[covered_[i - 1]]))
      continue;
    size_t end = 0;
    const Pattern* p = lex_.triggers.MatchAt(toks_, i, &end);
    if (p == nullptr) continue;
    Trigger t;
    t.begin = i;
    t.end = end;
    t.span_begin = i;
    t.code = p->value;
    t.literal_count = p->literal_count;
    t.noun = p->noun || (i > 0 && In(toks_[i - 1].lower, kDeterminers)) ||
             (i > 1 && In(toks_[i - 2].lower, kDeterminers) && !toks_[i - 1].punct && covered_[i - 1] < 0 &&
              lex_.triggers.StartingAt(toks_[i - 1]) == nullptr);
    // News reports events in the past tense; a base or -s form ("target",
    // "offers", "demand") is a verb only after its subject or an auxiliary
    // ("Rebels attack", "will visit", "to expel"), otherwise a noun.
    const std::string_view w = toks_[i].lower;
    const bool past = (w.size() > 3 && w.substr(w.size() - 2) == "ed") || lex_.lemmas.IsIrregularPast(w);
    if (!t.noun && !past && i > 0) {
      // ... but not after a modifier inside a noun phrase ("the Chinese offer").
      const int prev = covered_[i - 1];
      size_t pre = prev >= 0 ? mentions_[prev].begin : 0;
      while (pre > 0 && (In(toks_[pre - 1].lower, kDeterminers) || In(toks_[pre - 1].lower, kModifiers))) --pre;
      bool after_verb = false;  // "struck Houthi targets": the mention is an object
      for (const Trigger& o : triggers_) after_verb = after_verb || (!o.noun && o.end == pre);
      // "Irish yields", "American demand": a lone adjectival demonym ("Irish", not
      // "Afghans") heads no clause; the word after it is a noun.
      const bool adjective = prev >= 0 && mentions_[prev].adjectival && mentions_[prev].end - mentions_[prev].begin == 1 &&
                             !toks_[mentions_[prev].begin].lower.ends_with("s") && !toks_[mentions_[prev].begin].all_caps;
      const bool in_noun_phrase = prev >= 0 && ((mentions_[prev].adjectival && pre < mentions_[prev].begin) ||
                                                // "the reimposition of United Nations sanctions"
                                                (pre > 0 && (In(toks_[pre - 1].lower, kPrepositions) ||
                                                             toks_[pre - 1].lower == "of")) ||
                                                after_verb || ObjectPosition(pre) ||
                                                // "strikes on more than a dozen Houthi targets"
                                                (pre > 0 && (Quantity(toks_[pre - 1]) || toks_[pre - 1].lower == "dozen")) ||
                                                adjective);
      const bool after_subject = prev >= 0 && !mentions_[prev].place_only && !in_noun_phrase;
      // ", accusing Congo of ...": a participle clause after a comma is a verb too.
      const bool gerund = w.ends_with("ing") && (In(toks_[i - 1].lower, kAspectual) || toks_[i - 1].lower == ",");
      const bool after_aux = gerund || In(toks_[i - 1].lower, kAuxiliaries) ||
                             (toks_[i - 1].lower.size() > 3 && toks_[i - 1].lower.substr(toks_[i - 1].lower.size() - 2) == "ly");
      if (!after_subject && !after_aux) t.noun = true;
    }
    // A verb pattern read as a noun is an event only when the noun is one
    // ("the attack", not "a pound", "the target", "an appeal").
    if (t.noun && !p->noun && !lex_.triggers.HasNominal(toks_[i].lemma)) continue;
    // "domestic demand", "demand for natural gas": a market's demand is no
    // political demand; "a demand for talks", "demands for the release of" are.
    if (t.noun && t.code.starts_with("10") && end == i + 1) {
      constexpr std::string_view kMarket[] = {"domestic", "strong", "weak", "world", "consumer", "import", "export",
                                              "oil", "gas", "energy", "global", "internal", "external", "seasonal",
                                              "firm", "heavy", "increased", "increasing", "rising", "growing", "slack", "sluggish",
                                              "good", "poor", "higher", "lower", "steady", "credit", "loan", "fuel"};
      // ... also before a demonym: "increasing Soviet demand".
      const size_t before = i > 0 && covered_[i - 1] >= 0 && mentions_[covered_[i - 1]].adjectival
                                ? mentions_[covered_[i - 1]].begin
                                : i;
      const bool market_word = (i > 0 && In(toks_[i - 1].lower, kMarket)) || (before > 0 && In(toks_[before - 1].lower, kMarket));
      const bool for_goods = end + 1 < toks_.size() && toks_[end].lower == "for" &&
                             !In(toks_[end + 1].lower, kDeterminers) && toks_[end + 1].lemma < 0 &&
                             covered_[end + 1] < 0;
      if (market_word || for_goods) continue;
    }
    // "agreed that the real obstacle is ...": concurring in a view is no commitment;
    // "agreed (in principle) to buy a stake", "offered to acquire": a deal of firms.
    if (t.code.starts_with("03") && end < toks_.size()) {
      constexpr std::string_view kCommerce[] = {"buy", "acquire", "sell", "purchase", "merge", "invest", "lend",
                                                "borrow", "underwrite", "repurchase", "buy_back"};
      size_t k = end;
      if (k + 2 < toks_.size() && toks_[k].lower == "in" &&
          (toks_[k + 1].lower == "principle" || toks_[k + 1].lower == "principal"))
        k += 2;
      if (k < toks_.size() && toks_[k].lower == "that" && w.starts_with("agree") && end == i + 1) continue;
      if (k + 1 < toks_.size() && toks_[k].lower == "to" && In(toks_[k + 1].lower, kCommerce)) continue;
    }
    // "warned that copper revenues would fall": a warning whose clause names no actor
    // (no one who would act) is a pessimistic comment (012), not a threat.
    if (t.code == "130" && end == i + 1 && w.starts_with("warn") && end + 1 < toks_.size() &&
        toks_[end].lower == "that") {
      bool actor = false;
      for (size_t k = end + 1; k < toks_.size() && k < end + 6 && !actor && !toks_[k].punct; ++k)
        actor = covered_[k] >= 0 || In(toks_[k].lower, kSubjectPronouns) || toks_[k].lower == "we" ||
                toks_[k].lower == "i";
      if (!actor) t.code = "012";
    }
    // "attack helicopters", "strike aircraft": a violent noun before a weapon names the weapon.
    constexpr std::string_view kWeapons[] = {"helicopter", "helicopters", "aircraft", "jet", "jets", "plane",
                                             "planes", "submarine", "submarines", "boat", "boats", "drone",
                                             "drones", "craft", "fighter", "fighters", "rifle", "rifles", "dog",
                                             "dogs", "group", "force", "forces", "capability", "capabilities"};
    if (t.noun && Violent(t.code) && end < toks_.size() && In(toks_[end].lower, kWeapons)) continue;
    // "seized power", "took power": a coup, not a seizure of property (17x) or ground.
    if ((t.code.starts_with("17") || t.code.starts_with("19")) && end < toks_.size() &&
        (w.starts_with("seiz") || w == "took" || w == "take" || w == "taken" || w.starts_with("grab")) &&
        toks_[end].lower == "power")
      continue;
    // A match ending on a capitalised word is part of a name ("ended March 1").
    if (end - 1 > i && toks_[end - 1].capitalized && !toks_[end - 1].all_caps) continue;
    // Passive: "were killed by", "was reportedly attacked".
    if (!t.noun && i > 0) {
      size_t k = i - 1;
      while (k > 0 && toks_[k].lower.size() > 3 && toks_[k].lower.substr(toks_[k].lower.size() - 2) == "ly") --k;
      const std::string_view head = toks_[i].lower;
      t.passive = In(toks_[k].lower, kBeForms) && head.size() > 3 && head.substr(head.size() - 3) != "ing";
      const bool participle = head.size() > 3 && head.substr(head.size() - 2) == "ed";
      // Reduced relative: "the mediation offered by Brazil".
      if (!t.passive && end < toks_.size() && toks_[end].lower == "by" && end == i + 1 && participle)
        t.passive = true;
      // A counted group before a participle is its object, not its subject:
      // "reported 23 soldiers killed", "Three policemen wounded in blast".
      const int prev = covered_[i - 1];
      // ... unless a direct object follows: "Three hundred protesters stormed the parliament".
      const bool has_object = (end > i + 1 && In(toks_[i + 1].lower, kDeterminers)) ||
                              (end < toks_.size() && (In(toks_[end].lower, kDeterminers) || covered_[end] >= 0));
      if (!t.passive && participle && prev >= 0 && mentions_[prev].begin > 0 &&
          toks_[mentions_[prev].begin - 1].number && !has_object)
        t.passive = true;
      // "individuals arrested in raids": a plural noun, then a participle and a
      // preposition, is a reduced relative for acts done to someone.
      const bool done_to = p->value.rfind("11", 0) == 0 || p->value.rfind("17", 0) == 0 ||
                           p->value.rfind("18", 0) == 0 ||
                           p->value.rfind("19", 0) == 0 || p->value.rfind("20", 0) == 0;
      const std::string_view before = toks_[i - 1].lower;
      // The participle is followed by a preposition, inside its pattern or not ("accused of").
      const bool then_prep = i + 1 < toks_.size() && (In(toks_[i + 1].lower, kPrepositions) || toks_[i + 1].lower == "of");
      if (!t.passive && participle && done_to && then_prep && prev < 0 &&
          ((before.size() > 3 && before.back() == 's') ||
                                                  In(before, kCivilianObjects)) &&
          !toks_[i - 1].punct && !In(before, kAuxiliaries) && lex_.triggers.StartingAt(toks_[i - 1]) == nullptr)
        t.passive = t.reduced_relative = true;
      // "dozens of activists arrested in raids", "photos of Sudanese soldiers detained in":
      // after an actor inside a prepositional phrase, too (a description, see reduced_relative).
      if (!t.passive && participle && done_to && then_prep && prev >= 0 && mentions_[prev].end == i) {
        size_t q = mentions_[prev].begin;
        while (q > 0 && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers))) --q;
        if (q > 0 && (toks_[q - 1].lower == "of" || In(toks_[q - 1].lower, kPrepositions)))
          t.passive = t.reduced_relative = true;
      }
      // "... free the protesters detained in Yangon": after an actor that is a verb's
      // object, a participle and a preposition are a reduced relative too.
      if (!t.passive && participle && done_to && then_prep && prev >= 0 && mentions_[prev].end == i) {
        size_t q = mentions_[prev].begin;
        while (q > 0 && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers) ||
                         toks_[q - 1].number))
          --q;
        for (const Trigger& o : triggers_)
          t.passive = t.passive || (!o.noun && (o.end == q || (o.begin < q && o.end == mentions_[prev].end)));
      }
    }
    triggers_.push_back(std::move(t));
    i = end - 1;
  }
}

// Between a frame and its complement only adverbs, determiners and an
// adjective after a determiner may stand ("called for an immediate ceasefire").
bool SentenceCoder::FillersOnly(size_t from, size_t to) const {
  for (size_t k = from; k < to; ++k) {
    const std::string_view w = toks_[k].lower;
    const bool adverb = w.size() > 3 && w.substr(w.size() - 2) == "ly";
    const bool after_det = k > from && In(toks_[k - 1].lower, kDeterminers);
    if (!In(w, kFrameFillers) && !adverb && !after_det && !IsQuote(w)) return false;
  }
  return true;
}

bool SentenceCoder::Negated(size_t at) const {
  for (size_t back = 1; back <= 3 && back <= at; ++back) {
    const Token& t = toks_[at - back];
    if (t.punct) return false;
    if (covered_[at - back] >= 0) continue;  // "Doctors Without Borders opened ..."
    if (t.lower == "not" || t.lower == "never" || t.lower == "no" || t.lower == "neither" || t.lower == "nor" ||
        t.lower == "without")
      return true;
  }
  return false;
}

// A nominal trigger inside a clause that only supposes it: "could trigger
// the reimposition of sanctions", "until sanctions are lifted", "if the
// strikes resume". The verb frames of modals.tsv sit right before their
// trigger; a noun sits deeper in the clause, so look back to its start.
// A verb only counts "if", "unless" and "whether" ("if the administration did decide to
// offer wheat"): its modals are frames, and "until troops withdrew" happened.
bool SentenceCoder::HypotheticalNominal(size_t at, bool verb) const {
  for (size_t back = 1; back <= 10 && back <= at; ++back) {
    const Token& t = toks_[at - back];
    if (t.punct) return false;
    if (covered_[at - back] >= 0) continue;
    const std::string_view w = t.lower;
    // "May" capitalised inside a sentence is the month.
    if (w == "may" && t.capitalized && at - back > 0) continue;
    if (w == "unless" || w == "if" || w == "whether") return true;  // "would not say whether he would attend
    if (!verb && (w == "would" || w == "could" || w == "might" || w == "may" || w == "until")) return true;
    if (w == "that" || w == "which" || w == "who" || w == "because" || w == "after" || w == "when") return false;
  }
  return false;
}

void SentenceCoder::ApplyModals() {
  for (size_t ti = 0; ti < triggers_.size(); ++ti) {
    Trigger& t = triggers_[ti];
    if (t.dropped) continue;
    size_t found_begin = kNone, found_end = 0;
    const Pattern* found = nullptr;
    for (size_t back = 1; back <= 8 && back <= t.begin && found == nullptr; ++back) {
      const size_t j = t.begin - back;
      if (toks_[j].punct && toks_[j].lower != "'s" && !IsQuote(toks_[j].lower)) break;
      const std::vector<int>* cands = lex_.modals.StartingAt(toks_[j]);
      if (cands == nullptr) continue;
      for (int idx : *cands) {
        const Pattern& p = lex_.modals.at(idx);
        size_t e = 0;
        const size_t slack = p.value == "deny" ? 0 : 2;  // "denied attacking", not "denied that the talks"
        if (lex_.modals.Matches(p, toks_, j, &e) && e <= t.begin && t.begin - e <= slack &&
            FillersOnly(e, t.begin)) {
          found = &p;
          found_begin = j;
          found_end = e;
          break;
        }
      }
    }
    // The frame word may head a more specific pattern ("rejected the mediation"):
    // then it is not a frame for a later trigger.
    for (const Trigger& other : triggers_)
      if (found != nullptr && &other != &t && !other.dropped && other.begin >= found_begin &&
          other.begin < found_end && other.end > found_end)
        found = nullptr;
    if (found != nullptr) {
      std::string cls = found->value;
      // "said it would allow aid": in reported speech "would" is the
      // future of the past, an intent, not a hypothesis.
      if (cls == "drop" && toks_[found_begin].lower == "would") {
        for (size_t k = found_begin; k-- > 0 && k + 8 > found_begin;) {
          if (In(toks_[k].lower, kSpeech) || toks_[k].lower == "announced" || toks_[k].lower == "promised") {
            cls = "intent";
            break;
          }
          if (toks_[k].punct) break;
        }
      }
      if (cls == "negate" || cls == "drop") {
        t.dropped = true;
        continue;
      }
      std::string code;
      if (!lex_.modal_codes.Derive(cls, t.code, &code) || code == "-") {
        t.dropped = true;
        continue;
      }
      // The frame's own verb ("refused", "threatened") is absorbed into this event.
      for (Trigger& other : triggers_)
        if (&other != &t && other.begin >= found_begin && other.begin < found_end) other.dropped = true;
      t.code = code;
      t.modal_class = cls;
      t.span_begin = found_begin;
      t.modal_end = found_end;
      t.frame_word = toks_[found_begin].lower;
      t.noun = false;
      t.passive = false;
      static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
          {"reject", "refused"}, {"threaten", "threatened"}, {"intent", "planned"},
          {"appeal", "appealed"}, {"demand", "demanded"}, {"deny", "denied"}};
      for (const auto& [c, label] : kLabels)
        if (c == cls) t.modality = std::string(label);
    } else if (t.code.rfind("13", 0) == 0) {
      t.modality = "threatened";  // "threatened sanctions": the threat itself is the event
    }
    // "denied on Monday that it had supplied drones": the act is denied, not reported.
    for (size_t back = 1; found == nullptr && back <= 15 && back <= t.begin; ++back) {
      const size_t j = t.begin - back;
      const std::string_view w = toks_[j].lower;
      if (w == ";" || w == "but" || w == "while" || w == "although" || w == "though" || w == "whereas") break;
      if (w != "deny" && w != "denies" && w != "denied" && w != "denying") continue;
      std::string code;
      bool deny_is_event = false;
      for (const Trigger& other : triggers_)
        if (&other != &t && !other.dropped && other.begin == j) deny_is_event = true;
      if (deny_is_event || !lex_.modal_codes.Derive("deny", t.code, &code) || code == "-") {
        t.dropped = true;
        break;
      }
      t.code = code;
      t.modal_class = "deny";
      t.modality = "denied";
      t.span_begin = j;
      t.modal_end = j + 1;
      t.frame_word = w;
      t.noun = false;
      t.passive = false;
      break;
    }
    if (t.dropped) continue;
    if (Negated(t.span_begin)) t.dropped = true;
    if (t.noun && found == nullptr && HypotheticalNominal(t.begin)) t.dropped = true;
    if (!t.noun && HypotheticalNominal(t.span_begin, true)) t.dropped = true;
    // "will not support", "has refused not to": negation inside the frame.
    for (size_t k = t.span_begin; k < t.begin && !t.dropped; ++k)
      if (toks_[k].lower == "not" || toks_[k].lower == "never" || toks_[k].lower == "no") t.dropped = true;
    // A bare infinitive outside any known frame ("their commitment to fight
    // terrorism", "sent troops to attack") is a purpose, not an event.
    if (found == nullptr && !t.noun && t.begin > 0 && toks_[t.begin - 1].lower == "to") t.dropped = true;
    // ", killing four civilians", ", freeing 40 hostages" after another event
    // elaborate it (casualties are attached to that event); a verbal act of
    // another kind is its own event (", accusing Congo of backing the rebels",
    // ", pledging aid" after a recall or a visit).
    const std::string_view head = toks_[t.begin].lower;
    const std::string_view root = std::string_view(t.code).substr(0, 2);
    const bool verbal = root <= "05" || (root >= "10" && root <= "13");
    if (found == nullptr && ti > 0 && t.begin > 0 && toks_[t.begin - 1].lower == "," && head.size() > 4 &&
        head.substr(head.size() - 3) == "ing" && !triggers_[ti - 1].dropped &&
        (!verbal || SameFamily(t.code, triggers_[ti - 1].code)))
      t.dropped = true;
  }
  // A nominal in the object of a reported act ("criticized the Russian
  // offer", "condemned the attack") names an earlier or proposed act that is
  // not itself reported here; the verb's event is the one coded.
  for (Trigger& t : triggers_) {
    if (t.dropped || !t.noun) continue;
    for (Trigger& v : triggers_) {
      // A verb dropped itself ("an EU statement criticising China's crackdown": the
      // participle elaborates) still makes its object a reference, not a new act.
      if (&v == &t || v.noun || v.passive || v.end > t.begin || t.begin - v.end > 4) continue;
      bool same_phrase = true;
      for (size_t k = v.end; k < t.begin && same_phrase; ++k)
        same_phrase = (!toks_[k].punct || toks_[k].lower == "'s") && toks_[k].lower != "and";
      if (!same_phrase) continue;
      t.dropped = true;
      // Unless the phrase names them, the parties of "the attack" are those of the attack reported before.
      // Only actors inside the phrase or linked to it count ("the attack on Kabul"), not
      // a setting ("mocked the visit on social media").
      bool named = false;
      for (size_t k = v.end; k < t.end && !named; ++k) named = IsCovered(k);
      auto links = [&](std::string_view w) {
        return w == "of" || w == "by" || w == "against" || w == "with" || w == "to" || w == "between" ||
               (w == "on" && Violent(t.code));
      };
      if (!named && t.end < toks_.size()) {
        // The link may end the nominal's own pattern ("talks with").
        const size_t from = links(toks_[t.end - 1].lower) ? t.end : links(toks_[t.end].lower) ? t.end + 1 : kNone;
        for (size_t k = from; from != kNone && k < from + 3 && k < toks_.size() && !named; ++k) named = IsCovered(k);
      }
      // "approved the agreement" refers to one reported before; "demanded a ceasefire" asks for a new one.
      const bool agreement = In(toks_[t.end - 1].lower, kAgreementNouns) && t.end >= 2 &&
                             (toks_[t.end - 2].lower == "the" || toks_[t.end - 2].lower == "this");
      if (!named) v.object_event = agreement ? std::string(kAgreementRef) : t.code;
    }
  }
  // "condemned the detentions", "welcomed the decision": a reaction whose
  // object is an event noun that is no trigger of its own refers to an act
  // reported before (generic nouns such as "decision": the article's lead act).
  for (Trigger& v : triggers_) {
    if (v.dropped || v.noun || !v.object_event.empty()) continue;
    // "The deal was mediated by Qatar": a passive's subject may be the agreement.
    if (v.passive) {
      size_t k = v.span_begin;
      while (k > 0 && (In(toks_[k - 1].lower, kBeForms) || toks_[k - 1].lower == "has" ||
                       toks_[k - 1].lower == "had" || toks_[k - 1].lower.ends_with("ly")))
        --k;
      if (k >= 2 && In(toks_[k - 1].lower, kAgreementNouns) &&
          (toks_[k - 2].lower == "the" || toks_[k - 2].lower == "this"))
        v.object_event = std::string(kAgreementRef);
      continue;
    }
    // Reactions and inquiries ("investigated the killings") refer to any act; other
    // verbs only to an agreement ("approved the agreement").
    const bool any_act = Reaction(v.code) || v.code.starts_with("09");
    // The pattern itself may end on the noun ("approved the agreement").
    if (v.end > v.begin + 1 && In(toks_[v.end - 1].lower, kAgreementNouns) &&
        (toks_[v.end - 2].lower == "the" || toks_[v.end - 2].lower == "this")) {
      v.object_event = std::string(kAgreementRef);
      continue;
    }
    // "hosted the meeting", "hosted this round": a meeting reported before, whose
    // parties are the host's guests.
    if (v.code.starts_with("04") && v.end > v.begin + 1 &&
        (toks_[v.end - 2].lower == "the" || toks_[v.end - 2].lower == "this") &&
        ReferredRoot(toks_[v.end - 1].lower) == "04") {
      v.object_event = "04";
      continue;
    }
    for (size_t k = v.end; k < toks_.size() && k < v.end + 6; ++k) {
      const std::string_view w = toks_[k].lower;
      if (covered_[k] >= 0) break;
      if (IsQuote(w) || In(w, kDeterminers) || w == "about" || w == "over" || w == "at") continue;
      const bool definite = toks_[k - 1].lower == "the" || toks_[k - 1].lower == "this";
      const std::string_view ref = In(w, kAgreementNouns) ? (definite ? kAgreementRef : "")
                                   : any_act              ? ReferredRoot(w)
                                                          : "";
      if (!ref.empty()) {
        // "the decision to expel X", "the strikes on Y": the phrase names its parties
        // ("... on social media" is a setting, not a party).
        bool named = false;
        for (size_t q = k + 1; q < toks_.size() && q < k + 5 && !named && !toks_[q].punct; ++q)
          named = IsCovered(q) && mentions_[covered_[q]].begin == q && SettingBefore(q, k + 1).empty();
        if (!named) v.object_event = std::string(ref);
        break;
      }
      if (toks_[k].punct || In(w, kPrepositions) || w == "and") break;
    }
  }
  // "demanded that Pakistan arrest and hand over the militants": the acts of a
  // demanded, urged or promised "that" clause are what is asked, not done.
  for (const Trigger& v : triggers_) {
    const std::string_view root = std::string_view(v.code).substr(0, 2);
    if (v.dropped || v.noun || !(root == "02" || root == "10" || root == "03") || v.end >= toks_.size() ||
        toks_[v.end].lower != "that")
      continue;
    for (Trigger& t : triggers_) {
      if (t.dropped || t.begin <= v.end) continue;
      bool same_clause = true;
      for (size_t k = v.end + 1; k < t.begin && same_clause; ++k)
        same_clause = toks_[k].lower != ";" && toks_[k].lower != "but" && toks_[k].lower != "while" &&
                      !(toks_[k].lower == "," && k + 1 < toks_.size() && In(toks_[k + 1].lower, kSpeech));
      if (same_clause) t.dropped = true;
    }
  }
  // "Oman, which has mediated between the group and Saudi Arabia, criticised ...", "The
  // Taliban, who seized power two weeks ago, condemned ...", "Russia, whose peacekeepers are
  // deployed there, urged ...": a relative clause set off by
  // commas inside the sentence describes its actor with an act reported before.
  for (Trigger& t : triggers_) {
    if (t.dropped) continue;
    size_t rel = kNone;
    for (size_t k = t.span_begin; k-- > 1;) {
      if (toks_[k].lower == "," || toks_[k].lower == ";") break;
      if ((In(toks_[k].lower, kRelativePronouns) || toks_[k].lower == "whose") && toks_[k].lower != "that" &&
          toks_[k - 1].lower == ",") {
        rel = k;
        break;
      }
    }
    if (rel == kNone || rel < 2 || covered_[rel - 2] < 0 || mentions_[covered_[rel - 2]].place_only) continue;
    // Only a past or perfect act is background; "the government, which threatens to
    // expel them, ..." is what it does now.
    const std::string_view head = toks_[t.span_begin].lower;
    if (!(head.size() > 3 && head.ends_with("ed")) && !lex_.lemmas.IsIrregularPast(head)) continue;
    for (size_t k = t.end; k + 1 < toks_.size(); ++k) {
      if (toks_[k].lower == ";" || In(toks_[k].lower, kRelativePronouns)) break;
      if (toks_[k].lower == ",") {
        t.dropped = true;
        break;
      }
    }
  }
  // "A roadside bomb killed three soldiers", "Israeli air strikes killed 30
  // people": the nominal names the act and its agent, the verb the victims.
  for (Trigger& nominal : triggers_) {
    if (nominal.dropped || !nominal.noun || !Violent(nominal.code)) continue;
    // "Clashes between the army and RSF fighters killed 40": the nominal has its parties.
    if (nominal.end < toks_.size() && toks_[nominal.end].lower == "between") continue;
    // "Airstrikes by the Sudanese air force hit a market": skip the by-phrase.
    size_t after = nominal.end;
    int by_agent = -1;
    if (after + 1 < toks_.size() && toks_[after].lower == "by" && (by_agent = MentionAt(after + 1)) >= 0)
      after = mentions_[by_agent].end;
    for (Trigger& v : triggers_) {
      // "An airstrike destroyed a tower": destruction (1712) by a violent act is that act.
      const bool destroyed = v.code == "1712";
      if (v.dropped || v.noun || v.passive || !(Violent(v.code) || destroyed) || v.begin < after ||
          v.begin > after + 2)
        continue;
      bool clause = true;
      for (size_t k = after; k < v.begin && clause; ++k) clause = !toks_[k].punct;
      if (!clause) continue;
      v.agent = by_agent >= 0 ? by_agent : NominalSource(nominal);
      v.instrument = v.agent < 0;
      if ((v.code.size() == 3 && v.code.back() == '0') || destroyed) v.code = nominal.code;  // the more specific act
      nominal.dropped = true;
      break;
    }
  }
}

// The preposition of setting that the phrase at `pos` follows, if any ("on social
// media", "at the consulate", "in Kabul"), looking back no further than `floor`.
// Adjectives may stand between ("on Chinese social media").
std::string_view SentenceCoder::SettingBefore(size_t pos, size_t floor) const {
  size_t q = pos;
  while (q > floor && q + 3 > pos && !toks_[q - 1].punct && covered_[q - 1] < 0 &&
         !In(toks_[q - 1].lower, kPrepositions) && !In(toks_[q - 1].lower, kLocationPrepositions) &&
         toks_[q - 1].lower != "and")
    --q;
  if (q == 0) return {};
  const std::string_view w = toks_[q - 1].lower;
  // "the highway between Mexico and Guatemala" describes a place.
  if (w == "between" && q >= 2 && In(toks_[q - 2].lower, kRouteNouns)) return w;
  const bool setting = w == "on" || w == "in" || w == "at" || w == "near" || w == "during" || w == "via" ||
                       w == "through" || w == "over" || w == "from";
  return setting ? w : std::string_view();
}

// "the killing of X", "the displacement of Palestinians": a mention after an
// act noun and "of", at or after `floor`.
bool SentenceCoder::VictimOfNoun(const Mention& m, size_t floor) const {
  constexpr std::string_view kActNouns[] = {"killing", "killings", "death", "deaths", "displacement", "shelling",
                                            "bombing", "bombings", "bombardment", "attack", "attacks", "siege",
                                            "blockade", "occupation", "shooting",
                                            "deportation", "deportations", "murder", "abduction", "kidnapping",
                                            "torture", "expulsion", "persecution", "suffering", "plight"};
  size_t q = m.begin;
  while (q > floor && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers) ||
                       toks_[q - 1].number))
    --q;
  return q >= floor + 2 && toks_[q - 1].lower == "of" && In(toks_[q - 2].lower, kActNouns);
}

// "the release of X", "X's (immediate) release".
bool SentenceCoder::ReleasedPerson(const Mention& m) const {
  size_t q = m.begin;
  while (q > 0 && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers) ||
                   toks_[q - 1].lower.ends_with("ed")))
    --q;
  if (q >= 2 && toks_[q - 1].lower == "of" && toks_[q - 2].lower == "release") return true;
  size_t e = m.end;
  if (e < toks_.size() && toks_[e].lower == "'s") ++e;
  if (e < toks_.size() && toks_[e].lower.ends_with("ly")) ++e;
  if (e < toks_.size() && (toks_[e].lower == "immediate" || toks_[e].lower == "unconditional")) ++e;
  return e < toks_.size() && toks_[e].lower == "release" && e > m.end;
}

// "hosted the talks with Egyptian officials in attendance": present, not a party.
bool SentenceCoder::Witness(const Mention& m) const {
  constexpr std::string_view kPresent[] = {"attendance", "present", "attending", "observers", "observer", "looking"};
  size_t q = m.begin;
  while (q > 0 && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers))) --q;
  if (q == 0 || toks_[q - 1].lower != "with") return false;
  for (size_t k = m.end; k < toks_.size() && k < m.end + 3; ++k)
    if (In(toks_[k].lower, kPresent)) return true;
  return false;
}

// "a UN-backed mission", "Houthi-run media": an actor joined by a hyphen to a
// participle qualifies the noun after it and is no party of the event.
bool SentenceCoder::Compound(const Mention& m) const {
  if (m.end >= toks_.size() || toks_[m.end].begin != toks_[m.end - 1].end + 1 || s_[toks_[m.end - 1].end] != '-')
    return false;
  constexpr std::string_view kParticiples[] = {"backed", "led", "brokered", "run", "funded", "sponsored",
                                               "controlled", "held", "allied", "aligned", "based", "made",
                                               "supported", "owned", "linked", "born", "style"};
  return In(toks_[m.end].lower, kParticiples);
}

// The actor heading a direct object at `pos`, past up to three adjectives
// ("electoral officials"); not across punctuation, prepositions or triggers.
int SentenceCoder::DirectObject(size_t pos) const {
  for (size_t p = pos; p < toks_.size() && p < pos + 4; ++p) {
    if (covered_[p] >= 0) return !mentions_[covered_[p]].place_only && mentions_[covered_[p]].begin == p ? covered_[p] : -1;
    if (toks_[p].punct || In(toks_[p].lower, kPrepositions) || In(toks_[p].lower, kClauseStops) ||
        toks_[p].lower == "of" || lex_.triggers.StartingAt(toks_[p]) != nullptr)
      return -1;
  }
  return -1;
}

// A phrase starting at `pos` is an object, not a clause subject, after a modal or
// "to" and a bare verb ("would trigger United Nations sanctions": "sanctions" is
// then a noun, not the United Nations' verb). A noun before a name may open a
// relative clause instead ("a charge Kabul denies"), so only a verb counts.
bool SentenceCoder::ObjectPosition(size_t pos) const {
  constexpr std::string_view kModals[] = {"will", "would", "could", "might", "may", "can", "should", "must", "to"};
  if (pos < skip_ + 2) return false;
  const Token& w = toks_[pos - 1];
  return In(toks_[pos - 2].lower, kModals) && !w.punct && !w.capitalized && !w.number &&
         !In(w.lower, kAuxiliaries) && !In(w.lower, kDeterminers) && !w.lower.ends_with("ly");
}

int SentenceCoder::MentionAt(size_t pos) const {
  size_t p = pos;
  while (p < toks_.size() && p < pos + 3 && (In(toks_[p].lower, kDeterminers) || In(toks_[p].lower, kModifiers))) ++p;
  if (p < toks_.size() && covered_[p] >= 0 && !mentions_[covered_[p]].place_only &&
      mentions_[covered_[p]].begin == p)
    return covered_[p];
  return -1;
}

// "Taliban attack", "Israeli airstrikes", "the army's offensive".
int SentenceCoder::NominalSource(const Trigger& t) const {
  for (size_t k = mentions_.size(); k-- > 0;) {
    const Mention& m = mentions_[k];
    if (m.end > t.begin || m.place_only) continue;
    // "a Qatar-brokered ceasefire": the broker is no party of the truce.
    if (Compound(m)) return -1;
    // A possessive, adjectives or a light verb between ("Israel's offensive",
    // "Russian heavy shelling", "X issued an arrest warrant"), not a
    // preposition or infinitive ("the Taliban to enter talks", "X in an ambush").
    bool adjacent = t.begin - m.end <= 2;
    for (size_t q = m.end; q < t.begin && adjacent; ++q) {
      const std::string_view w = toks_[q].lower;
      adjacent = w == "'s" || (!toks_[q].punct && !In(w, kPrepositions) && !In(w, kAuxiliaries) && w != "or" &&
                               !In(w, kSpeech) && !In(w, kStanceVerbs));
    }
    return adjacent ? static_cast<int>(k) : -1;
  }
  return -1;
}

// The subject of the sentence's main clause: an actor (or subject pronoun) at its
// start, after a leading phrase closed by a comma ("On Monday, the minister ...").
// -1 when the sentence does not open with one.
int SentenceCoder::MainSubject() const {
  size_t p = skip_;
  for (int pass = 0; pass < 2 && p < toks_.size(); ++pass) {
    if (In(toks_[p].lower, kSubjectPronouns)) return kPronounSubject;
    size_t q = p;
    while (q < toks_.size() && q < p + 3 && (In(toks_[q].lower, kDeterminers) || In(toks_[q].lower, kModifiers))) ++q;
    if (q < toks_.size() && covered_[q] >= 0 && !mentions_[covered_[q]].place_only && mentions_[covered_[q]].begin == q)
      return covered_[q];
    // A leading adverbial ("In a statement on Monday, ..."): the subject follows its comma.
    size_t comma = p;
    while (comma < toks_.size() && comma < p + 10 && toks_[comma].lower != ",") ++comma;
    if (comma >= toks_.size() || toks_[comma].lower != ",") return -1;
    p = comma + 1;
  }
  return -1;
}

int SentenceCoder::SubjectBefore(size_t pos) const {
  // "After travelling to France and Italy, Funaro hopes to visit ...", "said Montedison
  // has agreed": a name no dictionary knows right before the verb is its subject; an
  // actor in a prepositional phrase or another clause before it is not.
  size_t p = pos;
  while (p > skip_ && (In(toks_[p - 1].lower, kAuxiliaries) || In(toks_[p - 1].lower, kTimeAdverbs) ||
                       toks_[p - 1].lower.ends_with("ly")) &&
         !In(toks_[p - 1].lower, kSubjectPronouns) && !In(toks_[p - 1].lower, kRelativePronouns) &&
         toks_[p - 1].lower != "and")
    --p;
  const bool unknown_name =
      p > skip_ && covered_[p - 1] < 0 && toks_[p - 1].capitalized && !toks_[p - 1].punct &&
      !IsQuote(toks_[p - 1].lower) && !In(toks_[p - 1].lower, kMonths) && !In(toks_[p - 1].lower, kNotNameStarts) &&
      !In(toks_[p - 1].lower, kDeterminers) && !In(toks_[p - 1].lower, kPrepositions) && p - 1 > skip_;
  const size_t name = p - 1;  // the unknown name's token when `unknown_name`
  int fallback = -1;
  for (size_t k = mentions_.size(); k-- > 0;) {
    const Mention& m = mentions_[k];
    if (m.end > pos || m.place_only) continue;
    if (pos - m.end > 25) break;
    // "Oman, which has mediated between the group and Saudi Arabia, criticised":
    // a mention inside a closed relative clause is not the main verb's subject.
    bool closed_clause = false;
    for (size_t q = m.end; q < pos && !closed_clause; ++q) closed_clause = toks_[q].lower == ",";
    if (closed_clause) {
      bool relative = false;
      for (size_t q = m.begin; q-- > 1 && !relative;) {
        if (toks_[q].lower == ",") break;
        relative = In(toks_[q].lower, kRelativePronouns) && toks_[q - 1].lower == ",";
      }
      if (relative) continue;
    }
    size_t prev = m.begin;
    while (prev > 0 && (In(toks_[prev - 1].lower, kDeterminers) || In(toks_[prev - 1].lower, kModifiers))) --prev;
    // "after Chadian troops withdrew": a conjunction, not a preposition, when the
    // mention is directly followed by the verb.
    const bool clause_subject = prev > 0 && In(toks_[prev - 1].lower, kSubordinators) && m.end == pos;
    if (prev > 0 && In(toks_[prev - 1].lower, kPrepositions) && !clause_subject) {
      if (fallback < 0) fallback = static_cast<int>(k);
      continue;
    }
    // "X spoke two days after a U.S. diplomat, Jane Doe, visited": the verb is in
    // the clause the subordinator opens; its subject is the actor after it.
    if (fallback >= 0 && !unknown_name) {
      const size_t sub = mentions_[fallback].begin;
      for (size_t q = m.end; q < sub; ++q)
        if (In(toks_[q].lower, kSubordinators) && sub <= q + 4) return fallback;
    }
    for (size_t q = m.end; unknown_name && q < name; ++q)
      if (toks_[q].punct || In(toks_[q].lower, kSpeech) || toks_[q].lower == "that") return -1;
    return static_cast<int>(k);
  }
  return unknown_name ? -1 : fallback;
}

void SentenceCoder::Roles(size_t ti, std::vector<int>* sources, std::vector<int>* targets, bool* mutual,
                          bool* carried) {
  const Trigger& t = triggers_[ti];
  *mutual = false;
  *carried = false;
  int source = -1, target = -1;
  const size_t n = toks_.size();
  // "clashes between X and Y", "talks between X and Y".
  for (size_t k = t.end; k < n && k < t.end + 6; ++k) {
    if (toks_[k].punct) break;
    if (toks_[k].lower != "between" || In(toks_[k - 1].lower, kRouteNouns)) continue;
    int a = MentionAt(k + 1);
    if (a >= 0 && mentions_[a].end + 1 < n && toks_[mentions_[a].end].lower == "and") {
      int b = MentionAt(mentions_[a].end + 1);
      // "X mediated between A and B": X is the source, A and B the targets.
      if (b >= 0 && !t.noun && SubjectBefore(t.span_begin) >= 0) {
        target = a;
        break;
      }
      if (b >= 0) {
        sources->push_back(a);
        targets->push_back(b);
        trigger_sources_.push_back(a);
        return;
      }
    }
  }
  // The agent of a passive or a nominal: "killed by X", "an attack by X".
  int by_agent = -1;
  if (t.passive || t.noun) {
    for (size_t k = t.end; k < n && k < t.end + 10; ++k) {
      if (toks_[k].punct || In(toks_[k].lower, kClauseStops)) break;
      if (toks_[k].lower == "by") {
        by_agent = MentionAt(k + 1);
        break;
      }
      // "the ceasefire brokered by Qatar": the by-phrase is the participle's agent
      // (the broker), not the nominal's; "soldiers killed in the north were denied by
      // the army": the later verb's, not the passive's.
      bool verb = false;
      for (const Trigger& o : triggers_) verb = verb || (&o != &t && !o.noun && !o.dropped && o.begin == k);
      if (verb) break;
    }
  }
  if (t.passive && by_agent < 0) {
    // "were killed in an Israeli airstrike": the nominal names the agent and
    // the kind of act; it is the same event, coded once.
    for (size_t o = ti + 1; o < triggers_.size(); ++o) {
      Trigger& nominal = triggers_[o];
      if (nominal.dropped || !nominal.noun || nominal.begin > t.end + 6) continue;
      bool linked = false, clause = true;
      for (size_t k = t.end; k < nominal.begin && clause; ++k) {
        clause = !toks_[k].punct;
        linked = linked || toks_[k].lower == "in" || toks_[k].lower == "during" || toks_[k].lower == "by";
      }
      const int agent = NominalSource(nominal);
      if (!linked || !clause || agent < 0) continue;
      by_agent = agent;
      nominal.dropped = true;
      const bool violent = t.code.rfind("18", 0) == 0 || t.code.rfind("19", 0) == 0 || t.code.rfind("20", 0) == 0;
      if (violent && t.code.size() == 3 && t.code.back() == '0' && nominal.code.substr(0, 2) == t.code.substr(0, 2))
        triggers_[ti].code = nominal.code;  // "killed in an airstrike": 190 -> 195
      break;
    }
  }
  if (t.noun) {
    source = NominalSource(t);
    if (source < 0) source = by_agent;
    for (size_t k = t.end; k < n && k < t.end + 5 && target < 0; ++k) {
      if (toks_[k].punct) break;
      const std::string_view w = toks_[k].lower;
      if (w == "on" || w == "against" || w == "with" || w == "targeting" || w == "at" || w == "to") target = MentionAt(k + 1);
    }
    // An appeal or demand names its addressee right after: "the U.S. call for Pakistan to act".
    if (target < 0 && (t.code.rfind("02", 0) == 0 || t.code.rfind("10", 0) == 0) && t.end < n)
      target = MentionAt(t.end);
    // A nominal with no attached actor takes the sentence subject only when it
    // heads the clause's verb phrase ("X carried out airstrikes" is in the patterns).
  } else if (t.passive) {
    source = by_agent;
    target = SubjectBefore(t.span_begin);
    // "troops were deployed": forces deployed are the actor, not a target.
    if (source < 0 && t.code.rfind("15", 0) == 0) std::swap(source, target);
  } else {
    // "... and killed", ", accusing X of ...": the previous verb's subject.
    const bool verb_coordination =
        t.span_begin > 0 && ti > 0 && last_verb_source_ >= 0 &&
        (toks_[t.span_begin - 1].lower == "and" ||
         (toks_[t.span_begin - 1].lower == "," && toks_[t.span_begin].lower.ends_with("ing")));
    source = t.agent != -2 ? t.agent : verb_coordination ? last_verb_source_ : SubjectBefore(t.span_begin);
    // "He thanked Oman and urged ...": the second verb has the same pronoun subject, not the object.
    const bool carried_coordination = t.agent == -2 && !verb_coordination && last_verb_carried_ && ti > 0 &&
                                      t.span_begin > 0 && toks_[t.span_begin - 1].lower == "and";

    // "..., offering talks", "while warning that ...": a participle clause has the
    // main clause's subject, never a noun in between ("He described the traders
    // as partners while warning ...": not the traders).
    const bool participle = t.agent == -2 && !verb_coordination && t.span_begin > skip_ &&
                            toks_[t.span_begin].lower.ends_with("ing") &&
                            In(toks_[t.span_begin - 1].lower, kParticipleLinks);
    if (participle) {
      source = last_verb_source_ >= 0 ? last_verb_source_ : MainSubject();
      if (source == kPronounSubject) {
        source = -1;
        *carried = true;
      }
    }
    // "Islamabad denies the accusations, although it promises": a subject
    // pronoun refers back to the last clause's subject, not its object.
    size_t pk = t.span_begin;
    while (pk > 0 &&
           (In(toks_[pk - 1].lower, kAuxiliaries) || In(toks_[pk - 1].lower, kTimeAdverbs) ||
            toks_[pk - 1].lower.ends_with("ly")) &&
           !In(toks_[pk - 1].lower, kSubjectPronouns))
      --pk;
    // "Estonia said it would recall ...": a pronoun right after a speech verb is
    // that verb's subject.
    const bool after_speech = pk > 1 && In(toks_[pk - 1].lower, kSubjectPronouns) &&
                              (In(toks_[pk - 2].lower, kSpeech) ||
                               (toks_[pk - 2].lower == "that" && pk > 2 && In(toks_[pk - 3].lower, kSpeech)));
    const int speaker = after_speech ? SubjectBefore(toks_[pk - 2].lower == "that" ? pk - 3 : pk - 2) : -1;
    // "A Pakistani official said ..., while another denied": "another" (one, others)
    // is one more of the main subject's kind, not a noun in between.
    const bool another = t.agent == -2 && !verb_coordination && pk > skip_ + 1 &&
                         (toks_[pk - 1].lower == "another" || toks_[pk - 1].lower == "others") &&
                         (toks_[pk - 2].punct || In(toks_[pk - 2].lower, kClauseStops));
    if (participle) {
      // resolved above
    } else if (carried_coordination) {
      source = -1;
      *carried = true;
    } else if (another) {
      const int subject = MainSubject();
      source = subject >= 0 && subject != kPronounSubject ? subject : -1;
    } else if (t.agent == -2 && !verb_coordination && speaker >= 0) {
      source = speaker;
    } else if (t.agent == -2 && !verb_coordination && pk > 0 && In(toks_[pk - 1].lower, kSubjectPronouns) &&
               last_verb_source_ >= 0) {
      source = last_verb_source_;
    } else if (t.agent == -2 && !verb_coordination && pk == skip_ + 1 && In(toks_[skip_].lower, kSubjectPronouns)) {
      source = -1;
      *carried = true;
    }
    // "the Pakistani government, which threatens": the antecedent of a relative pronoun.
    size_t rel = t.span_begin;  // "that has conducted": skip auxiliaries back to the pronoun
    while (rel > 1 && In(toks_[rel - 1].lower, kAuxiliaries) && !In(toks_[rel - 1].lower, kRelativePronouns)) --rel;
    if (t.agent == -2 && !verb_coordination && rel >= 2 && In(toks_[rel - 1].lower, kRelativePronouns)) {
      size_t k = rel - 1;
      if (toks_[k - 1].lower == ",") --k;
      // The antecedent, allowing a head noun after the actor ("a separatist
      // group that"); "the earthquake that killed ..." has no actor.
      source = -1;
      for (size_t q = k; q > 0 && q + 2 >= k && source < 0 && !toks_[q - 1].punct; --q)
        if (covered_[q - 1] >= 0 && !mentions_[covered_[q - 1]].place_only) source = covered_[q - 1];
      // Apposition: "the TTP, a militant organization that ...": the named actor.
      if (source >= 0) {
        size_t q = mentions_[source].begin;
        while (q > 0 && In(toks_[q - 1].lower, kDeterminers)) --q;
        if (q > 1 && toks_[q - 1].lower == ",") {
          size_t r = q - 1;
          if (r > 2 && toks_[r - 1].lower == ")") {  // "Tehreek-e-Taliban Pakistan (TTP), a ..."
            while (r > 0 && toks_[r - 1].lower != "(") --r;
            if (r > 0) --r;
          }
          const int named = r > 0 ? covered_[r - 1] : -1;
          if (named >= 0 && !mentions_[named].place_only && mentions_[source].actor.known_group().empty() &&
              (!mentions_[named].actor.known_group().empty() || mentions_[source].actor.country_code().empty() ||
               mentions_[named].actor.country_code() == mentions_[source].actor.country_code()))
            source = named;
        }
      }
    }
    // Appeals and demands name their addressee between frame and complement: "urged Pakistan to".
    if (t.modal_end != kNone) {
      for (size_t k = t.span_begin + 1; k < t.begin && target < 0; ++k)
        if (covered_[k] >= 0 && !mentions_[covered_[k]].place_only) target = covered_[k];
    }
    const std::string_view root = std::string_view(t.code).substr(0, 2);
    const bool force = root == "18" || root == "19" || root == "20";
    // Deployments and deliveries name one's own forces as the object ("deployed troops").
    const bool own_object = root == "15" || root == "07";
    // Statements (01x: comment, deny, claim) are about something, not aimed at
    // someone named in their complement: only a direct object is a target.
    const bool statement = root == "01";
    if (statement && target < 0 && t.modal_end == kNone && t.end < n) target = MentionAt(t.end);
    // ... or its addressee after "to" in the object phrase ("expressed condolences to Ecuador").
    for (size_t k = t.end > 0 ? t.end - 1 : 0; statement && target < 0 && t.modal_end == kNone && k + 1 < n &&
                                              k < t.end + 5;
         ++k) {
      if (k >= t.end && (toks_[k].punct || In(toks_[k].lower, kClauseStops) || toks_[k].lower == "that")) break;
      if (toks_[k].lower == "to") {
        target = MentionAt(k + 1);
        break;
      }
    }
    // An inquiry is aimed at whom it investigates: its direct object
    // ("investigated electoral officials") or the agent of the act under
    // inquiry ("killings of civilians by security forces"), not the victims
    // or places inside its object ("into the killing of a journalist").
    const bool inquiry = root == "09";
    if (inquiry && target < 0) {
      target = DirectObject(t.end);
      for (size_t k = t.end; target < 0 && k + 1 < n && k < t.end + 10; ++k) {
        if (toks_[k].punct || In(toks_[k].lower, kClauseStops) || toks_[k].lower == "that") break;
        if (toks_[k].lower == "by") target = MentionAt(k + 1);
      }
    }
    if (target < 0 && !statement) {
      int route_group = -2;
      int of_links = 0;
      for (size_t k = t.begin + 1; k < n && k < t.end + 12; ++k) {
        if (k >= t.end && (In(toks_[k].lower, kClauseStops) || toks_[k].lower == ",")) break;
        // "refused to give commitments regarding the hideouts of militant groups": what an act
        // is about names no party of it; a refusal "on" a matter neither.
        if (k >= t.end && (toks_[k].lower == "regarding" || toks_[k].lower == "concerning" ||
                           toks_[k].lower == "about" || (root == "12" && toks_[k].lower == "on")))
          break;
        // "an end to ... and the prevention of the dispatch of groups": an actor two
        // "of"s deep belongs to a nominal inside the object, not to this event.
        if (k >= t.end && toks_[k].lower == "of" && !Quantity(toks_[k - 1]) && ++of_links >= 2) break;
        // "expel them": an unresolved object ("met US envoy ..." is a name, not "us").
        if (k == t.end && In(toks_[k].lower, kObjectPronouns) && covered_[k] < 0) break;
        if (inquiry && k >= t.end && toks_[k].lower == "that") break;  // "the strike that killed ...": the act
        // "visited the two countries and reiterated ...": a second verb ends the object.
        if (k >= t.end && toks_[k].lower == "and" && k + 1 < n &&
            (toks_[k + 1].lower.ends_with("ed") || In(toks_[k + 1].lower, kSpeech)))
          break;
        bool other_trigger = false;
        // A participle before its noun is an adjective, not a new clause ("tortured detained activists").
        const bool adjective = k == t.end && toks_[k].lower.ends_with("ed") && k + 1 < n && covered_[k + 1] >= 0;
        for (size_t o = ti + 1; o < triggers_.size() && !adjective; ++o)
          if (triggers_[o].begin == k && !triggers_[o].dropped) other_trigger = true;
        if (other_trigger) break;
        if (covered_[k] < 0 || mentions_[covered_[k]].begin != k) continue;
        const Mention& m = mentions_[covered_[k]];
        if (Compound(m)) continue;
        // Force is aimed at countries and cities: "fired missiles at Israel".
        // ... and so is land named by its people's adjective ("seized Armenian territory").
        if (m.place_only && !(force && k > 0 && In(toks_[k - 1].lower, kAttackPrepositions)) &&
            !(force && m.territory) &&
            !(!t.object_event.empty() && t.object_event != kAgreementRef && k >= t.end && m.actor.role().empty() &&
              m.actor.known_group().empty() && SettingBefore(k, t.end) == "in"))
          continue;
        if (source >= 0 && m.actor.code() == mentions_[source].actor.code()) continue;
        if (Witness(m)) continue;
        // "the crossing between A and B": neither A nor B is a party.
        if (SettingBefore(k, t.end) == "between") route_group = m.group;
        if (m.group == route_group) continue;
        // "protested against the killing of X", "to stop the displacement of X": the
        // victims of an act named in the object are not the target of this one.
        if (VictimOfNoun(m, t.end)) continue;
        // "demanded the release of X": X is held by the target, not the target.
        if ((t.code == "1053" || t.code == "0253") && ReleasedPerson(m)) continue;
        // Victims and places of the act under inquiry are not its target.
        const std::string& role = m.actor.role();
        if (inquiry && (SettingBefore(k, t.end) == "at" || role == "CVL" || role == "MED" || role == "NGO" || role == "REF" ||
                        role == "HRI"))
          continue;
        // After an event noun object, a setting is no party: "mocked the visit on social media".
        // ... except the country of the act: "criticised the coup attempt in Guinea".
        const bool country_of_act = !t.object_event.empty() && t.object_event != kAgreementRef && m.place_only &&
                                    m.actor.role().empty() &&
                                    m.actor.known_group().empty() && SettingBefore(k, t.end) == "in";
        if (!t.object_event.empty() && k >= t.end && !SettingBefore(k, t.end).empty() && !country_of_act) continue;
        if (source >= 0 && own_object && m.actor.country_code() == mentions_[source].actor.country_code()) continue;
        target = covered_[k];
        break;
      }
    }
    // Cues in the object phrase that name the party better than its first actor:
    // "rejected a compromise proposed by X" (the proposer), "accepted an invitation
    // from Y to talks with X" (the other side of the talks), "handed the suspects
    // over to X" (the recipient of a transfer).
    const bool transfer = root == "06" || root == "07";
    for (size_t k = t.end > 0 ? t.end - 1 : 0; !statement && source >= 0 && k + 2 < n && k < t.end + 12; ++k) {
      const std::string_view w = toks_[k].lower;
      if (k >= t.end && (In(w, kClauseStops) || w == ";" || w == "that")) break;
      int cue = -1;
      if (w == "by" && toks_[k - 1].lower.ends_with("ed") && (Reaction(t.code) || root == "03"))
        cue = MentionAt(k + 1);
      else if (w == "with" && (toks_[k - 1].lower == "talks" || toks_[k - 1].lower == "negotiations" ||
                               toks_[k - 1].lower == "dialogue"))
        cue = MentionAt(k + 1);
      else if (w == "to" && transfer && k >= t.end)
        cue = MentionAt(k + 1);
      if (cue < 0 || cue == source || mentions_[cue].actor.code() == mentions_[source].actor.code() ||
          Witness(mentions_[cue]))
        continue;
      target = cue;
      break;
    }
    // "X said Togo had turned down its request", "... had seized its ships": in
    // reported speech a possessive object is the speaker's.
    for (size_t k = t.begin + 1; target < 0 && source >= 0 && k <= t.end && k < n; ++k) {
      if (toks_[k].lower != "its" && toks_[k].lower != "their") continue;
      for (size_t sp = mentions_[source].begin; sp-- > 0;) {
        if (!In(toks_[sp].lower, kSpeech)) continue;
        const int speaker = SubjectBefore(sp);
        if (speaker >= 0 && speaker != source &&
            mentions_[speaker].actor.country_code() != mentions_[source].actor.country_code())
          target = speaker;
        break;
      }
      break;
    }
    // "shelled the city, killing at least nine civilians": the victims.
    for (size_t k = t.end; force && target < 0 && k + 1 < n && k < t.end + 25; ++k) {
      const std::string_view w = toks_[k].lower;
      if (w == ";" || In(w, kRelativePronouns)) break;
      if (w != "killing" && w != "wounding" && w != "injuring") continue;
      for (size_t q = k + 1; q < n && q < k + 6 && target < 0; ++q) {
        if (covered_[q] >= 0 && !mentions_[covered_[q]].place_only) target = covered_[q];
        if (toks_[q].punct) break;
      }
      break;
    }
  }
  if (source >= 0 && target >= 0 && mentions_[source].actor.code() == mentions_[target].actor.code()) target = -1;
  trigger_sources_.push_back(source);
  if (!t.noun && !t.passive) {
    last_verb_source_ = source;
    last_verb_carried_ = *carried;
  }
  // "Kabul and the Taliban met": symmetric verbs with coordinated subjects and
  // no object code one party as source and the other as target.
  bool joint = false;  // "joint exercise", "each other", "agreed to ...", "traded accusations"
  size_t jb = t.span_begin;  // "began a joint verification": the marker may precede the trigger
  while (jb > 0 && jb + 3 > t.span_begin && !toks_[jb - 1].punct && covered_[jb - 1] < 0) --jb;
  for (size_t k = jb; k < n && k < t.end + 3 && !joint; ++k) {
    const std::string_view w = toks_[k].lower;
    joint = w == "joint" || w == "jointly" || w == "each" || w == "mutual" || w == "exchanged" || w == "traded" ||
            w == "exchange" || w == "swapped";
  }
  if (t.frame_word.starts_with("agree") || toks_[t.begin].lower.starts_with("agree")) joint = true;
  const std::string& c = t.code;
  const bool symmetric = joint || c == "040" || c == "041" || c == "044" || c == "046" || c == "019" ||
                         c == "057" || c.rfind("06", 0) == 0 || c == "0871" || c.rfind("19", 0) == 0;
  // A joint act of coordinated subjects is between them even when it has an
  // object ("X and Y conducted joint patrols off the coast of Z", "agreed to share
  // intelligence on Z"); only a partner named with "with"/"to" stays the target.
  bool joint_object = false;
  if (target >= 0 && (joint || c.rfind("06", 0) == 0) && mentions_[target].begin > t.begin) {
    size_t q = mentions_[target].begin;
    while (q > t.end && (In(toks_[q - 1].lower, kDeterminers) || In(toks_[q - 1].lower, kModifiers))) --q;
    joint_object = q > 0 && toks_[q - 1].lower != "with" && toks_[q - 1].lower != "to";
  }
  // ... and so do talks they hold ("U.S. and Canadian negotiators opened talks").
  if (symmetric && source >= 0 && (target < 0 || joint_object) && (!t.noun || c.starts_with("04"))) {
    for (size_t k = 0; k < mentions_.size(); ++k) {
      if (static_cast<int>(k) != source && mentions_[k].group == mentions_[source].group &&
          mentions_[k].end <= t.span_begin && !mentions_[k].place_only) {
        // Both directions, as a dyad: X met Y and Y met X.
        sources->push_back(source < static_cast<int>(k) ? source : static_cast<int>(k));
        targets->push_back(source < static_cast<int>(k) ? static_cast<int>(k) : source);
        *mutual = true;
        return;
      }
    }
  }
  auto expand = [&](int m, std::vector<int>* out, bool before_trigger) {
    if (m < 0) return;
    for (size_t k = 0; k < mentions_.size() && out->size() < 3; ++k) {
      const Mention& o = mentions_[k];
      if (o.group != mentions_[m].group || o.place_only) continue;
      if (before_trigger && o.end > t.span_begin) continue;
      out->push_back(static_cast<int>(k));
    }
  };
  expand(source, sources, !t.passive && !t.noun);
  expand(target, targets, false);
  if (source >= 0 && sources->empty()) sources->push_back(source);
  if (target >= 0 && targets->empty()) targets->push_back(target);
}

const std::vector<int>* SentenceCoder::Place(size_t trigger, size_t trigger_end, std::string_view code,
                                             size_t* begin, size_t* end) const {
  const std::vector<int>* best = nullptr;
  size_t best_dist = kNone;
  // Visits, deliveries and deployments end where they go: "flew to New Delhi".
  const bool movement = code == "042" || code.starts_with("07") || code.starts_with("15");
  const bool force = Violent(code) || code.starts_with("17");
  for (size_t i = 0; i < toks_.size(); ++i) {
    const std::string_view w = toks_[i].lower;
    const bool cue = In(w, kLocationPrepositions) || (movement && w == "to" && i > trigger) ||
                     // "areas of Kharkiv", "the outskirts of Khartoum"
                     (w == "of" && i > 0 && In(toks_[i - 1].lower, kPlaceHeads)) ||
                     // "shelled Kharkiv", "besieged the city of El Fasher"
                     (force && i + 1 == trigger_end);
    if (!cue) continue;
    size_t k = i + 1;
    // "destroyed a Kharkiv apartment block": an indefinite object may name its place.
    const bool direct_object = force && i + 1 == trigger_end;
    while (k < toks_.size() && k < i + 4 &&
           (In(toks_[k].lower, kPlaceNouns) || (direct_object && (toks_[k].lower == "a" || toks_[k].lower == "an"))))
      ++k;
    if (k >= toks_.size()) break;
    size_t e = 0;
    const std::vector<int>* values = lex_.place_phrases.MatchAt(s_, toks_, k, &e);
    if (values == nullptr) continue;
    // "the Red Sea", "the Gulf of Aden": waters are not event locations, even when a
    // province shares the name.
    constexpr std::string_view kWaters[] = {"sea", "ocean", "gulf", "strait", "straits", "channel"};
    if (In(toks_[e - 1].lower, kWaters) || (e < toks_.size() && In(toks_[e].lower, kWaters)) ||
        (k > 0 && In(toks_[k].lower, kWaters)))
      continue;
    // Prefer places after the trigger ("attacked a post in Kurram"), then the nearest.
    const size_t dist = k >= trigger ? k - trigger : 1000 + (trigger - k);
    if (dist < best_dist) {
      best = values;
      best_dist = dist;
      *begin = k;
      *end = e;
    }
  }
  return best;
}

bool SentenceCoder::Speaker(std::string* speaker) const {
  for (size_t i = 0; i < toks_.size(); ++i) {
    if (!In(toks_[i].lower, kSpeech)) continue;
    if (toks_[i].lower == "according") {
      int m = i + 2 < toks_.size() ? MentionAt(i + 2) : -1;
      *speaker = m >= 0 ? mentions_[m].actor.text() : "";
      return true;
    }
    for (size_t k = mentions_.size(); k-- > 0;) {
      const Mention& m = mentions_[k];
      if (m.end <= i && i - m.end <= 2) {
        *speaker = m.actor.text();
        return true;
      }
    }
    int after = i + 1 < toks_.size() ? MentionAt(i + 1) : -1;
    *speaker = after >= 0 ? mentions_[after].actor.text() : "";
    return true;
  }
  return false;
}

void FillLocation(const Lexicon& lex, const std::vector<int>& values, const std::vector<std::string>& context,
                  std::string_view text, std::string_view method, v1::Location* loc) {
  const PlaceEntry* best = nullptr;
  int best_score = -1;
  for (int v : values) {
    const PlaceEntry& p = lex.places[v];
    int score = p.rank + (p.has_coordinates ? 2 : 0);
    if (std::find(context.begin(), context.end(), p.country) != context.end()) score += 10;
    if (score > best_score) {
      best = &p;
      best_score = score;
    }
  }
  if (best == nullptr) return;
  loc->set_text(std::string(text));
  loc->set_name(best->name);
  loc->set_country_code(best->country);
  loc->set_admin1(best->admin1);
  loc->set_has_coordinates(best->has_coordinates);
  if (best->has_coordinates) {
    loc->set_latitude(best->lat);
    loc->set_longitude(best->lon);
  }
  loc->set_feature_type(best->type);
  loc->set_method(std::string(method));
}

std::string EventId(const CleanArticle& a, const v1::Story& story, const Span& s, const v1::Event& e) {
  std::string key = story.story_id() + "|" + a.id + "|" + std::to_string(s.begin) + "|" + std::to_string(s.end) +
                    "|" + e.cameo_code() + "|" + e.source().code() + "|" + e.target().code() + "|" +
                    e.evidence().trigger();
  char id[40];
  std::snprintf(id, sizeof id, "ev-%016llx", static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  return id;
}

bool LooksExplicit(std::string_view date_text) {
  for (char c : date_text)
    if (c >= '0' && c <= '9') return true;
  std::string lower(date_text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view m : kMonths)
    if (lower.find(m) != std::string::npos) return true;
  return false;
}

// "both sides", "the two sides", "the warring parties" in the clause after a trigger.
bool BothSides(const std::vector<Token>& toks, size_t from, size_t to) {
  for (size_t k = from; k + 1 < toks.size() && k < to; ++k) {
    if (toks[k].punct) return false;
    const std::string_view a = toks[k].lower, b = toks[k + 1].lower;
    if ((a == "both" || a == "two" || a == "warring") && (b == "sides" || b == "parties")) return true;
  }
  return false;
}

// "ISLAMABAD - ...", "KABUL, May 3 (Reuters) - ...": the dateline prefix of a
// first sentence, as a token count to skip (0 when none).
size_t DatelinePrefix(std::string_view sentence, const std::vector<Token>& toks) {
  if (toks.empty() || !toks[0].all_caps || toks[0].end - toks[0].begin < 3) return 0;
  size_t dash = std::string_view::npos;
  for (size_t i = 0; i < sentence.size() && i < 80; ++i) {
    if (sentence[i] == '-' && i > 0 && sentence[i - 1] == ' ') {
      dash = i;
      break;
    }
    if (sentence.compare(i, 3, "\xE2\x80\x94") == 0 || sentence.compare(i, 3, "\xE2\x80\x93") == 0) {
      dash = i;
      break;
    }
  }
  if (dash == std::string_view::npos) return 0;
  size_t k = 0;
  while (k < toks.size() && toks[k].begin < dash) ++k;
  return k;
}

// The date expression of the sentence `span` nearest the byte `at`, if any.
const DateMatch* NearestDate(const CleanArticle& a, const Span& span, size_t at) {
  const DateMatch* best = nullptr;
  size_t best_dist = kNone;
  for (const DateMatch& d : a.dates) {
    if (d.begin < span.begin || d.end > span.end) continue;
    const size_t dist = d.begin > at ? d.begin - at : at - d.begin;
    if (dist < best_dist) {
      best_dist = dist;
      best = &d;
    }
  }
  return best;
}

// No punctuation or clause opener between token `t` and the byte `at` (sentence at `base`).
bool SameClause(const std::vector<Token>& toks, size_t base, size_t t, size_t at) {
  for (size_t k = 0; k < toks.size(); ++k) {
    const size_t b = base + toks[k].begin;
    const bool between = (b > base + toks[t].begin && b < at) || (b < base + toks[t].begin && b >= at);
    if (between && (toks[k].punct || In(toks[k].lower, kClauseStops) || In(toks[k].lower, kSpeech))) return false;
  }
  return true;
}

// `d` lies wholly after the day `pub`, at its own precision ("next month" in May is June).
bool After(const ResolvedDate& d, const CivilDate& pub) {
  if (!pub.known() || !d.date.known()) return false;
  if (d.date.year != pub.year || d.precision == DatePrecision::kYear) return d.date.year > pub.year;
  if (d.date.month != pub.month || d.precision == DatePrecision::kMonth) return d.date.month > pub.month;
  return d.date.day > pub.day;
}

}  // namespace

std::vector<v1::Event> Coder::Code(const CleanArticle& a, const v1::Story& story, double min_confidence) const {
  std::vector<v1::Event> out;
  if (a.language != "en") return out;
  Tokens tokens;
  // Dateline place, resolved once.
  v1::Location dateline_loc;
  std::string dateline_text = a.dateline;
  std::vector<std::string> context;
  auto resolve_dateline = [&]() {
    if (dateline_text.empty()) return;
    Tokens dt;
    Tokenize(dateline_text, &dt);
    size_t e = 0;
    if (dt.tokens.empty()) return;
    const std::vector<int>* v = lex_.place_phrases.MatchAt(dateline_text, dt.tokens, 0, &e);
    if (v != nullptr) FillLocation(lex_, *v, {}, dateline_text, "dateline", &dateline_loc);
  };
  resolve_dateline();
  const CivilDate pub = a.publication_date;
  v1::Actor carry;            // subject of the last sentence with events, for "It also ..."
  std::vector<v1::Actor> history;  // actors of earlier sentences, for "the group", "the country"
  std::vector<size_t> person_subjects;  // sentence subjects that are one person (in `history`), for "he", "she"
  std::vector<std::pair<std::string, size_t>> surnames;  // lower-case last name -> person (in `history`)
  std::vector<std::pair<std::string, int>> country_counts;  // countries of `history`'s own actors: count, latest last
  size_t sentence_first = 0;  // first event of the previous sentence in `out`
  for (size_t si = 0; si < a.sentences.size(); ++si) {
    for (size_t k = sentence_first; k < out.size(); ++k) {
      if (out[k].source().code().empty()) continue;
      carry = out[k].source();
      break;
    }
    sentence_first = out.size();
    const Span& span = a.sentences[si];
    if (span.end <= span.begin || span.end > a.text.size()) continue;
    std::string_view sentence = std::string_view(a.text).substr(span.begin, span.end - span.begin);
    Tokenize(sentence, &tokens);
    if (tokens.tokens.size() < 4 || tokens.tokens.size() > kMaxTokens) continue;
    size_t words = 0;
    bool chrome = false;
    for (size_t i = 0; i < tokens.tokens.size() && !chrome; ++i) {
      size_t e = 0;
      if (!tokens.tokens[i].punct) ++words;
      chrome = lex_.chrome.MatchAt(sentence, tokens.tokens, i, &e) != nullptr;
    }
    if (chrome || words < 4) continue;
    size_t skip = si == 0 ? DatelinePrefix(sentence, tokens.tokens) : 0;
    if (skip > 0 && dateline_text.empty()) {
      dateline_text = std::string(sentence.substr(0, tokens.tokens[0].end));
      resolve_dateline();
    }
    for (Token& t : tokens.tokens)
      if (!t.punct) t.lemma = lex_.lemmas.Lemma(t.lower);

    // The article's principal country: the one its actors named so far belong to most
    // often, the dateline's counting once and winning ties, else the latest named.
    // A copy: `country_counts` changes while the sentence is coded.
    std::string principal = dateline_loc.country_code();
    int principal_count = principal.empty() ? 0 : 1;
    for (const auto& [country, count] : country_counts) {  // latest named last
      const int c = count + (country == dateline_loc.country_code() ? 1 : 0);
      if (c > principal_count || (c == principal_count && principal != dateline_loc.country_code())) {
        principal = country;
        principal_count = c;
      }
    }
    SentenceCoder sc(lex_, sentence, tokens, pub, skip, principal);
    sc.FindMentions(history, surnames);
    const size_t history_before = history.size();
    const size_t person_subjects_before = person_subjects.size();
    const int subject = sc.MainSubject();
    for (size_t k = 0; k < sc.mentions().size(); ++k) {
      const Mention& m = sc.mentions()[k];
      if (m.place_only) continue;
      if (static_cast<int>(k) == subject && PersonLike(m.actor)) person_subjects.push_back(history.size());
      if ((!m.inherited || m.inherited_from >= 0) && !m.actor.country_code().empty()) {
        auto it = std::find_if(country_counts.begin(), country_counts.end(),
                               [&](const auto& c) { return c.first == m.actor.country_code(); });
        const int count = it == country_counts.end() ? 1 : it->second + 1;
        if (it != country_counts.end()) country_counts.erase(it);
        country_counts.emplace_back(m.actor.country_code(), count);
      }
      history.push_back(m.actor);
      // A full personal name: its last word names the person later on.
      const std::string& name = m.actor.person();
      if (const size_t space = name.rfind(' '); space != std::string::npos && name.size() - space > 3) {
        std::string last = name.substr(space + 1);
        for (char& c : last) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        surnames.emplace_back(std::move(last), history.size() - 1);
      }
    }
    sc.FindTriggers();
    if (sc.triggers().empty()) continue;
    sc.ApplyModals();
    std::vector<CasualtyMention> casualties;
    bool casualties_done = false;
    std::string speaker;
    const bool quoted = sc.Speaker(&speaker);
    const auto& toks = tokens.tokens;
    for (size_t ti = 0; ti < sc.triggers().size(); ++ti) {
      if (sc.triggers()[ti].dropped) continue;
      // "when parliament meets next Tuesday", "the talks resume next month": an act dated
      // after publication has not happened; it is planned (036 for a meeting) or nothing.
      // A past form ("announced he is sending X for talks next month") was done; the date
      // is its complement's.
      // A participle clause (", accusing ...") is not dated by what it is about either.
      const size_t tb = sc.triggers()[ti].begin;
      const std::string_view head = toks[tb].lower;
      const bool past_form = (head.size() > 3 && head.ends_with("ed")) || lex_.lemmas.IsIrregularPast(head) ||
                             head == "was" || head == "were";
      const bool participle = head.ends_with("ing") && !sc.triggers()[ti].noun && (tb == 0 || !In(toks[tb - 1].lower, kBeForms));
      if (const DateMatch* d = NearestDate(a, span, span.begin + toks[tb].begin);
          d != nullptr && !past_form && !participle && sc.triggers()[ti].modal_class.empty() &&
          After(d->resolved, pub) && SameClause(toks, span.begin, tb, d->begin)) {
        Trigger& planned = sc.triggers()[ti];
        std::string code;
        if (!lex_.modal_codes.Derive("intent", planned.code, &code) || code == "-") continue;
        planned.code = code;
        planned.modal_class = "intent";
        planned.modality = "planned";
      }
      const Trigger& t = sc.triggers()[ti];
      std::vector<int> sources, targets;
      bool mutual = false, carried = false;
      sc.Roles(ti, &sources, &targets, &mutual, &carried);
      // A sentence-initial pronoun subject: "it"/"they" is the previous sentence's
      // subject; "he"/"she" the nearest person named before (an official, a
      // spokesman), never a state or a noun of this sentence. Unresolved: no event.
      const v1::Actor* carried_actor = &carry;
      if (carried && (toks[skip].lower == "he" || toks[skip].lower == "she")) {
        // The subject of an earlier sentence first (a pronoun continues the topic),
        // then any person named.
        carried_actor = person_subjects_before > 0 ? &history[person_subjects[person_subjects_before - 1]] : nullptr;
        for (size_t h = history_before; h-- > 0 && carried_actor == nullptr;)
          if (PersonLike(history[h])) carried_actor = &history[h];
      }
      if (carried && carried_actor != nullptr && !carried_actor->code().empty()) sources = {kCarried};
      // "the delegations of the two sides were negotiating": the parties of the latest
      // dyad reported, both ways.
      const v1::Actor* sides[2] = {nullptr, nullptr};
      if (sources.size() == 1 && sources.front() >= 0 && targets.empty() && !mutual &&
          (t.code.starts_with("04") || t.code.starts_with("06")) && t.code != "042" && t.code != "043") {
        const size_t after = sc.mentions()[sources.front()].end;
        if (after + 1 < toks.size() && (toks[after].lower == "of" || toks[after].lower == "from") &&
            BothSides(toks, after + 1, after + 4))
          for (size_t k = out.size(); k-- > 0 && sides[0] == nullptr;)
            if (!out[k].source().code().empty() && !out[k].target().code().empty()) {
              sides[0] = &out[k].source();
              sides[1] = &out[k].target();
            }
        if (sides[0] != nullptr) {
          sources = {kSideA};
          targets = {kSideB};
          mutual = true;
        }
      }
      // Without a source only a passive ("X was attacked") says who was affected.
      if (sources.empty() && (targets.empty() || !(t.passive || t.instrument))) continue;
      // "100 people were killed when a bomber struck": an agentless passive
      // next to another event is that event's toll, not an event of its own.
      bool other_event = false;
      for (size_t o = 0; o < sc.triggers().size(); ++o)
        other_event = other_event || (o != ti && !sc.triggers()[o].dropped);
      if (sources.empty() && t.passive && other_event) continue;
      // "documents about Afghan individuals arrested in recent incidents": with no
      // agent, a participle describing a noun is background, not a reported act.
      if (sources.empty() && t.reduced_relative) continue;
      // "X condemned the attack", "criticised the visit": the target is whoever
      // carried out the latest such event in the article (same CAMEO root).
      // A denial is about an act, not aimed at anyone ("denied backing the rebels").
      if (t.code == "016") targets.clear();
      std::vector<const v1::Actor*> object_actors;
      const v1::Actor* object_actor = nullptr;
      static const v1::Actor kNobody;
      const v1::Actor& own_actor = sources.empty()              ? kNobody
                                   : sources.front() == kCarried ? *carried_actor
                                   : sources.front() >= 0        ? sc.mentions()[sources.front()].actor
                                                                 : kNobody;
      if (targets.empty() && !t.object_event.empty() && !sources.empty() && t.code != "016") {
        const std::string& own = own_actor.code();
        if (t.object_event == kAgreementRef) {
          // The parties of the latest agreement between two actors, except the source's own side.
          const std::string own_country = sources.front() == kCarried ? carried_actor->country_code() : sources.front() >= 0
                                              ? sc.mentions()[sources.front()].actor.country_code()
                                              : std::string();
          for (size_t k = out.size(); k-- > 0 && object_actors.empty();) {
            const std::string_view r = out[k].cameo_root();
            // Agreements: intents and pledges (03), signing (057), cooperation (06), truces (08);
            // not the mediation or meetings around them.
            if (out[k].source().code().empty() || out[k].target().code().empty() ||
                !(r == "03" || out[k].cameo_code().starts_with("057") || r == "06" || r == "08"))
              continue;
            for (const v1::Actor* a : {&out[k].source(), &out[k].target()})
              if (a->code() != own && (own_country.empty() || a->country_code() != own_country))
                object_actors.push_back(a);
          }
        } else if (t.object_event == "*") {
          // "welcomed the decision": the parties acting in the article's lead event.
          for (size_t k = 0; k < out.size() && k < sentence_first && object_actors.size() < 3; ++k) {
            if (!object_actors.empty() && out[k].evidence().start() != out[0].evidence().start()) break;
            const v1::Actor& a = out[k].source();
            if (a.code().empty() || a.code() == own) continue;
            bool seen = false;
            for (const v1::Actor* o : object_actors) seen = seen || o->code() == a.code();
            if (!seen) object_actors.push_back(&a);
          }
        } else {
          // "Turkey hosted this round of talks": a host's guests are both sides of the
          // latest talks reported between two others.
          for (size_t k = out.size(); t.code == "043" && k-- > 0 && object_actors.empty();)
            if (out[k].cameo_root() == "04" && !out[k].source().code().empty() &&
                !out[k].target().code().empty() && !SameParty(out[k].source(), own_actor) &&
                !SameParty(out[k].target(), own_actor))
              object_actors = {&out[k].source(), &out[k].target()};
          // ... or, when the source did it itself ("met X", then "hosted the meeting"),
          // the other party of that act.
          for (size_t k = out.size(); object_actors.empty() && k-- > 0 && object_actor == nullptr;) {
            if (!SameFamily(out[k].cameo_root(), t.object_event) || out[k].source().code().empty()) continue;
            if (!SameParty(out[k].source(), own_actor))
              object_actor = &out[k].source();
            else if (!out[k].target().code().empty() && !SameParty(out[k].target(), own_actor))
              object_actor = &out[k].target();
          }
        }
      }
      // "urged both sides to stop": the two parties of the latest dyad reported before.
      if (targets.empty() && object_actors.empty() && object_actor == nullptr && !sources.empty() &&
          BothSides(toks, t.span_begin, t.end + 4)) {
        const std::string own = sources.front() == kCarried ? carried_actor->code() : sources.front() >= 0
                                                                                 ? sc.mentions()[sources.front()].actor.code()
                                                                                 : std::string();
        for (size_t k = out.size(); k-- > 0 && object_actors.empty();)
          if (!out[k].source().code().empty() && !out[k].target().code().empty() && out[k].source().code() != own &&
              out[k].target().code() != own) {
            object_actors.push_back(&out[k].source());
            object_actors.push_back(&out[k].target());
          }
      }
      if (object_actor == nullptr && !object_actors.empty()) object_actor = object_actors.front();
      // "The Houthis vowed to retaliate", "X condemned ..." with no object: a
      // reaction (11-13) is aimed at whoever last acted against its source.
      const std::string_view root2 = std::string_view(t.code).substr(0, 2);
      if (targets.empty() && object_actor == nullptr && !sources.empty() && sources.front() >= 0 &&
          (root2 == "11" || root2 == "12" || root2 == "13")) {
        const v1::Actor& own = sc.mentions()[sources.front()].actor;
        for (size_t k = out.size(); k-- > 0 && object_actor == nullptr;)
          if (!out[k].source().code().empty() && out[k].source().code() != own.code() &&
              (out[k].target().code() == own.code() ||
               (!own.known_group().empty() && out[k].target().known_group() == own.known_group())))
            object_actor = &out[k].source();
        // A refusal at talks answers the other side of the latest talks the source held
        // ("The delegation refused to give guarantees ...").
        for (size_t k = out.size(); root2 == "12" && k-- > 0 && object_actor == nullptr;)
          if (out[k].cameo_root() == "04" && !out[k].target().code().empty() && SameParty(out[k].source(), own) &&
              !SameParty(out[k].target(), own))
            object_actor = &out[k].target();
      }
      // Protests, demands and threats (14x, 10x, 13x) by a country's own people,
      // opposition, unions or gangs are aimed at its government when
      // the sentence names no one else (CAMEO practice); so are the appeals of its
      // opposition, parties and unions (02x).
      v1::Actor implied;
      if (targets.empty() && object_actor == nullptr && !sources.empty() && sources.front() >= 0 &&
          (root2 == "14" || root2 == "10" || root2 == "13" || root2 == "02" || root2 == "08")) {
        const v1::Actor& own = sc.mentions()[sources.front()].actor;
        const std::string& r = own.role();
        // Named armed groups often address a foreign enemy ("Hamas demanded a halt to the raids").
        const bool political = r == "OPP" || r == "PTY" || r == "LAB";
        // Yielding (08x: "called off their strike") by the opposition, unions or people, too.
        const bool fits = root2 == "02"   ? political
                          : root2 == "08" ? political || r == "CVL" || r == "EDU" || r == "AGR"
                          : root2 == "14" ? own.known_group().empty()
                                          : true;
        if (fits && !own.country_code().empty() && (own.known_group().empty() || political) &&
            r != "GOV" && r != "MIL" && r != "COP" && r != "LEG" && r != "JUD" && r != "SPY" && r != "IGO" &&
            r != "NGO" && r != "HRI" && r != "MED" && r != "BUS" && r != "ELI" && !r.empty()) {
          implied.set_country_code(own.country_code());
          implied.set_role("GOV");
          implied.set_code(own.country_code() + "GOV");
          object_actor = &implied;
        }
      }
      // "the cabinet meeting", "before the IMF meeting in Washington": a meeting noun with
      // no second party is a body's own session, no interaction between actors.
      if (t.noun && root2 == "04" && t.code != "042" && t.code != "043" && targets.empty() &&
          object_actor == nullptr && object_actors.empty() && !mutual)
        continue;
      // Company deals, market demand, club results: an event between businesses
      // (or a business and nobody) is not a political event.
      auto business = [&](int m) { return m < 0 || sc.mentions()[m].actor.role() == "BUS"; };
      if (!sources.empty() && sources.front() >= 0 && business(sources.front()) &&
          (targets.empty() || business(targets.front())))
        continue;
      // "No company has been targeted", "stakes targeted by banks": force with no
      // agent against no one or a firm is market language.
      if (Violent(t.code) && (sources.empty() || sources.front() == -1) &&
          (targets.empty() || business(targets.front())))
        continue;
      // Neither party named with a country or a group: nothing an analyst can use.
      auto usable = [&](const std::vector<int>& ms) {
        return !ms.empty() && ms.front() >= 0 &&
               (!sc.mentions()[ms.front()].actor.country_code().empty() ||
                !sc.mentions()[ms.front()].actor.known_group().empty());
      };
      if (!usable(sources) && !usable(targets) && !(!sources.empty() && sources.front() == kCarried) &&
          sides[0] == nullptr)
        continue;
      // A source that names no one a coder can use ("the president" of a firm with
      // no country in the article, "the vice chairman") is no source: such events
      // are the companies' news, not political events.
      if (!sources.empty() && sources.front() >= 0) {
        const v1::Actor& s = sc.mentions()[sources.front()].actor;
        if (s.code().empty() || (s.country_code().empty() && s.known_group().empty())) continue;
      }
      const CodeInfo* info = lex_.codebook.Find(t.code);
      if (info == nullptr) continue;
      if (sources.empty()) sources.push_back(-1);
      if (targets.empty()) targets.push_back(-1);
      std::vector<std::pair<int, int>> dyads;
      for (int src : sources)
        for (int tgt : targets) dyads.emplace_back(src, tgt);
      if (mutual) dyads.emplace_back(targets.front(), sources.front());
      // Further parties of a referred lead event: one event each, like coordinated targets.
      constexpr int kReferred = -10;
      for (size_t r = 1; r < object_actors.size() && targets.front() < 0; ++r)
        for (int src : sources) dyads.emplace_back(src, kReferred - static_cast<int>(r));
      for (const auto& [src, tgt] : dyads) {
        v1::Event e;
        e.set_article_id(a.id);
        e.set_story_id(story.story_id());
        e.set_cameo_code(info->code);
        e.set_cameo_base(info->code.substr(0, std::min<size_t>(3, info->code.size())));
        e.set_cameo_root(info->code.substr(0, 2));
        e.set_quad_class(info->quad_class);
        e.set_goldstein(info->goldstein);
        e.set_plover_type(info->plover_type);
        e.set_plover_mode(info->plover_mode);
        if (src >= 0) *e.mutable_source() = sc.mentions()[src].actor;
        if (src == kCarried) *e.mutable_source() = *carried_actor;
        if (src == kSideA || src == kSideB) *e.mutable_source() = *sides[src == kSideA ? 0 : 1];
        if (tgt == kSideA || tgt == kSideB) *e.mutable_target() = *sides[tgt == kSideA ? 0 : 1];
        if (tgt >= 0) *e.mutable_target() = sc.mentions()[tgt].actor;
        if (tgt == -1 && object_actor != nullptr) *e.mutable_target() = *object_actor;
        if (tgt <= kReferred) *e.mutable_target() = *object_actors[kReferred - tgt];
        // "The U.S. demanded ... bring the insurgents' leaders": an agent that took its
        // country from the context takes another country of its own context before
        // the source's; the source's only when the article names no other ("rights
        // groups urged the government": a domestic act).
        int from = tgt >= 0 ? sc.InheritedFrom(tgt) : -1;  // "drones and missiles": follow the chain
        for (size_t hops = 0; from >= 0 && sc.mentions()[from].inherited && hops < sc.mentions().size(); ++hops)
          from = sc.InheritedFrom(from);
        // Parties coordinated with each other ("the government and communist rebels") share
        // the country they took from one another.
        if (from >= 0 && src >= 0 && sc.mentions()[from].group == sc.mentions()[src].group &&
            sc.mentions()[tgt].group != sc.mentions()[src].group) {
          const std::string country = sc.ContextCountry(tgt, sc.mentions()[src].group, nullptr);
          if (!country.empty()) {
            v1::Actor* target = e.mutable_target();
            target->set_country_code(country);
            target->set_code(country + target->role());
          }
        }
        // A carried or referred actor can equal the source: no one acts on themselves here.
        if (!e.target().code().empty() && e.target().code() == e.source().code()) e.clear_target();
        e.set_modality(t.modality);
        e.set_negated(false);
        if (quoted) {
          e.mutable_quote()->set_quoted(true);
          e.mutable_quote()->set_speaker(speaker);
        }
        // Location: explicit place in the sentence, else the dateline.
        context.clear();
        if (!e.source().country_code().empty()) context.push_back(e.source().country_code());
        if (!e.target().country_code().empty()) context.push_back(e.target().country_code());
        if (!dateline_loc.country_code().empty()) context.push_back(dateline_loc.country_code());
        size_t pb = 0, pe = 0;
        if (const std::vector<int>* place = sc.Place(t.begin, t.end, t.code, &pb, &pe)) {
          FillLocation(lex_, *place, context, Slice(sentence, toks, pb, pe), "explicit", e.mutable_location());
        } else if (!dateline_loc.name().empty()) {
          *e.mutable_location() = dateline_loc;
        }
        // A government acting on its own country ("suspended internet across the
        // country") acts on its people.
        if (!e.target().country_code().empty() && Bare(e.target()) &&
            e.target().country_code() == e.source().country_code() && e.source().known_group().empty() &&
            (e.source().role() == "GOV" || e.source().role() == "MIL" || e.source().role() == "COP" ||
             e.source().role() == "JUD" || e.source().role() == "LEG" || e.source().role() == "SPY")) {
          e.mutable_target()->set_role("CVL");
          e.mutable_target()->set_code(e.target().country_code() + "CVL");
        }
        // Restrictions on political freedoms and their easing (1721, 0811: bans on
        // gatherings, internet shutdowns) by a state with no named target apply to its
        // people (curfews and emergencies, 1723/1724, are coded without target).
        if ((e.cameo_code() == "1721" || e.cameo_code() == "0811") && e.target().code().empty() &&
            !e.source().country_code().empty() && e.source().known_group().empty() &&
            (e.source().role() == "GOV" || e.source().role() == "MIL" || e.source().role() == "COP" ||
             e.source().role() == "JUD" || e.source().role() == "LEG")) {
          const std::string& c = e.source().country_code();
          e.mutable_target()->set_country_code(c);
          e.mutable_target()->set_role("CVL");
          e.mutable_target()->set_code(c + "CVL");
        }
        // Visits, aid, military moves and force abroad with no named target are aimed
        // at the country where they happen ("flew to Shanghai", "bombed villages near
        // Derna"); aid may take the dateline's country ("Spain sent rescue teams").
        const std::string_view code = e.cameo_code();
        const bool abroad_act = code == "042" || code.starts_with("07") || code.starts_with("033") ||
                                code.starts_with("15") || Violent(code);
        std::string here = e.location().country_code();
        // "seized a strip of Armenian territory", "drills near the Chadian border".
        bool explicit_place = e.location().method() == "explicit";
        for (const Mention& m : sc.mentions())
          if (m.territory && m.begin >= t.end && !explicit_place) {
            here = m.actor.country_code();
            explicit_place = true;
            break;
          }
        // International organisations have no country: all their aid is abroad.
        const bool aid = code.starts_with("07") || code.starts_with("033");
        const bool stateless_org = e.source().country_code().empty() && !e.source().known_group().empty();
        if (abroad_act && e.target().code().empty() && !here.empty() &&
            (here != e.source().country_code() || e.source().country_code().empty()) &&
            (!e.source().country_code().empty() || (aid && stateless_org)) &&
            (explicit_place || aid)) {
          v1::Actor* host = e.mutable_target();
          host->set_country_code(here);
          host->set_code(here);
          host->set_name(here);
        }
        // Force against (or destruction of) villages, homes or people that names no actor for
        // hits the civilians of the place where it happens.
        // Likewise aid delivered to villages or people, and threats of force against them.
        if ((Violent(code) || code == "1712" || code.starts_with("07") || code.starts_with("138")) &&
            (e.target().code().empty() || e.target().role().empty()) &&
            e.target().known_group().empty()) {
          bool civilian = false;
          for (size_t k = t.end > 0 ? t.end - 1 : 0; k < toks.size() && k < t.end + 10 && !civilian; ++k) {
            if (k >= t.end && (toks[k].lower == ";" || In(toks[k].lower, kRelativePronouns))) break;
            civilian = In(toks[k].lower, kCivilianObjects);
          }
          std::string country = e.target().country_code();
          if (country.empty()) country = here;
          if (civilian && !country.empty()) {
            v1::Actor* victims = e.mutable_target();
            victims->set_country_code(country);
            victims->set_role("CVL");
            victims->set_code(country + "CVL");
            if (victims->name().empty()) victims->set_name(country + " civilians");
          }
        }
        // No actor is the target of its own act: a party referred to from earlier
        // sentences must not be the source's own side ("Turkey hosted the talks"
        // after the Turkish government's own talks). Named objects stand ("Ecuador
        // granted asylum to its former vice-president").
        // ... nor one of its own government ("the Taliban ... warning that Kabul would").
        if ((tgt < 0 || (e.source().role() == "GOV" && e.target().role() == "GOV")) &&
            SameParty(e.source(), e.target()))
          e.clear_target();
        // Date: the date expression nearest the trigger, else publication date.
        const DateMatch* best_date = NearestDate(a, span, span.begin + toks[t.begin].begin);
        if (best_date != nullptr) {
          auto* ed = e.mutable_event_date();
          ed->set_date(best_date->resolved.Iso());
          ed->set_precision(std::string(DatePrecisionName(best_date->resolved.precision)));
          ed->set_text(best_date->text);
          ed->set_method(LooksExplicit(best_date->text) ? "explicit" : "relative");
        } else if (pub.known()) {
          auto* ed = e.mutable_event_date();
          ed->set_date(ResolvedDate{pub, DatePrecision::kDay}.Iso());
          ed->set_precision("day");
          ed->set_method("publication");
        }
        // Casualties belong to violent events (and arrests to coercion).
        const std::string& root = e.cameo_root();
        if (root == "17" || root == "18" || root == "19" || root == "20") {
          if (!casualties_done) {
            casualties = FindCasualties(sentence, toks);
            casualties_done = true;
          }
          auto* c = e.mutable_casualties();
          for (const CasualtyMention& m : casualties) {
            if ((m.kind == "arrested") != (root == "17")) continue;
            auto* cc = c->add_counts();
            cc->set_kind(m.kind);
            cc->set_count(m.count);
            cc->set_group(m.group);
            if (m.kind == "killed") c->set_killed(c->killed() + m.count);
            if (m.kind == "wounded") c->set_wounded(c->wounded() + m.count);
            if (m.kind == "missing") c->set_missing(c->missing() + m.count);
          }
          // "A police officer was killed", "the minister was assassinated": one victim.
          if (c->counts_size() == 0 && t.passive && tgt >= 0 && root != "17") {
            const Mention& victim = sc.mentions()[tgt];
            const bool single = !victim.actor.person().empty() ||
                                (victim.begin > 0 && (toks[victim.begin - 1].lower == "a" ||
                                                      toks[victim.begin - 1].lower == "an"));
            const std::string_view head = toks[t.begin].lower;
            const bool kill = head.starts_with("kill") || head.starts_with("assassinat") ||
                              head.starts_with("behead") || head.starts_with("murder") || head.starts_with("execut");
            const bool wound = head.starts_with("wound") || head.starts_with("injur");
            if (single && (kill || wound)) {
              auto* cc = c->add_counts();
              cc->set_kind(kill ? "killed" : "wounded");
              cc->set_count(1);
              cc->set_group(victim.actor.text());
              kill ? c->set_killed(1) : c->set_wounded(1);
            }
          }
        }
        auto* ev = e.mutable_evidence();
        ev->set_article_id(a.id);
        ev->set_url(a.url);
        ev->set_sentence(std::string(sentence));
        ev->set_start(static_cast<uint32_t>(CodePointOffset(a.text, span.begin)));
        ev->set_end(static_cast<uint32_t>(CodePointOffset(a.text, span.end)));
        ev->set_trigger(std::string(Slice(sentence, toks, t.span_begin, t.end)));
        double conf = 0.4 + (src >= 0 || sides[0] != nullptr ? 0.2 : 0) + (tgt >= 0 || sides[0] != nullptr ? 0.15 : 0) +
                      (t.literal_count >= 2 || !t.modal_class.empty() ? 0.1 : 0) - (t.noun ? 0.1 : 0) +
                      (e.location().name().empty() ? 0 : 0.05);
        e.set_confidence(std::clamp(conf, 0.05, 0.95));
        if (e.confidence() < min_confidence) continue;
        e.set_num_articles(story.num_articles());
        e.set_num_sources(story.num_sources());
        e.set_version(story.version());
        if (story.has_first_seen()) *e.mutable_first_seen() = story.first_seen();
        if (a.published_at != 0) e.mutable_published_at()->set_seconds(a.published_at);
        e.set_language(a.language);
        for (const std::string& src_name : story.sources()) e.add_sources(src_name);
        if (e.sources_size() == 0 && !a.source.empty()) e.add_sources(a.source);
        // The same act told again later in the article (a second "brokered by Qatar",
        // "the talks, mediated by Qatar, ...") is the event already coded: same code
        // and source, the same target or none named, the same day or no date of its
        // own, and no other place.
        bool repeated = false;
        for (v1::Event& prior : out) {
          if (prior.evidence().start() == e.evidence().start() || prior.cameo_code() != e.cameo_code() ||
              prior.source().code() != e.source().code() ||
              (prior.target().code() != e.target().code() && !e.target().code().empty()) ||
              (prior.event_date().date() != e.event_date().date() && e.event_date().method() != "publication") ||
              (!prior.location().name().empty() && !e.location().name().empty() &&
               prior.location().name() != e.location().name()))
            continue;
          if (prior.location().name().empty()) *prior.mutable_location() = e.location();
          repeated = true;
          break;
        }
        if (repeated) continue;
        e.set_event_id(EventId(a, story, span, e));
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

}  // namespace eventwire::extract_internal
