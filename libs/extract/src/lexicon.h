// The coder's dictionaries, loaded from data/ files (formats in
// docs/extraction.md) and from Debian's iso-codes and libgweather:
// CAMEO codebook, verb/noun patterns, modal frames, actors, places.
// Every loader validates its file and names file:line in errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "eventwire/dates.h"
#include "tokenizer.h"

namespace eventwire::extract_internal {

// ---- CAMEO codebook ------------------------------------------------------

struct CodeInfo {
  std::string code;  // "0311", "190"
  std::string name;
  double goldstein = 0;
  int quad_class = 0;
  std::string plover_type, plover_mode;
};

class Codebook {
 public:
  // Reads `code quad goldstein plover_type plover_mode name`; quad only on roots.
  absl::Status Load(const std::string& path);
  // The entry for `code`, with quad class and PLOVER fields inherited from
  // its base / root when the row leaves them empty. Null when unknown.
  const CodeInfo* Find(std::string_view code) const;
  size_t size() const { return codes_.size(); }

 private:
  absl::flat_hash_map<std::string, CodeInfo> codes_;
};

// ---- Lemmas ----------------------------------------------------------------

// Lemma vocabulary: every word that appears in a pattern. A token's lemma is
// the first of (irregular form, the word, suffix-stripped variants) that is in
// the vocabulary, so "attacked" -> "attack", "airstrikes" -> "airstrike",
// "met" -> "meet", while words no pattern needs stay unresolved (-1).
class Lemmatizer {
 public:
  absl::Status LoadIrregular(const std::string& path);  // `form lemma`
  int Intern(std::string_view lemma);
  int Find(std::string_view lemma) const;
  int Lemma(std::string_view lower_word) const;
  // True for irregular past forms ("met", "fought", "struck").
  bool IsIrregularPast(std::string_view lower_word) const;
  // Maps irregular forms (after all patterns are loaded) to lemma ids.
  void Finish();

 private:
  absl::flat_hash_map<std::string, int> ids_;
  absl::flat_hash_map<std::string, std::string> irregular_;
  absl::flat_hash_map<std::string, int> irregular_ids_;
};

// ---- Patterns ----------------------------------------------------------------

// One pattern element: alternatives (each a sequence of lemma ids, written
// "carry_out" for two words), or a gap of 0..kMaxGap tokens.
struct PatternItem {
  std::vector<std::vector<int>> alternatives;
  bool gap = false;
};
inline constexpr int kMaxGap = 4;

struct Pattern {
  std::vector<PatternItem> items;  // first item is never a gap
  std::string value;               // CAMEO code, or modal class
  int literal_count = 0;           // specificity: non-gap items
  bool noun = false;               // a nominal trigger ("airstrikes", "ceasefire")
};

class PatternSet {
 public:
  // Reads `value<TAB>pattern` lines. Pattern words are lemmas separated by
  // spaces, `a|b` alternatives, `*` a gap. `validate` checks the value.
  absl::Status Load(const std::string& path, bool noun, Lemmatizer* lemmas,
                    const std::function<absl::Status(std::string_view)>& validate);
  // Longest pattern starting at token i; returns its end (exclusive) via `end`.
  const Pattern* MatchAt(const std::vector<Token>& tokens, size_t i, size_t* end) const;
  // All patterns starting at i (most specific first), for modal lookups.
  const std::vector<int>* StartingAt(const Token& t) const;
  const Pattern& at(int i) const { return patterns_[i]; }
  bool Matches(const Pattern& p, const std::vector<Token>& tokens, size_t i, size_t* end) const;
  size_t size() const { return patterns_.size(); }
  // True when a nominal pattern starts with `lemma` ("attack", "ceasefire").
  bool HasNominal(int lemma) const { return nominal_first_.contains(lemma); }

 private:
  std::vector<Pattern> patterns_;
  absl::flat_hash_set<int> nominal_first_;
  absl::flat_hash_map<int, std::vector<int>> by_first_;  // first lemma id -> pattern indexes
};

// Modal frames: `class complement_prefix code` ("reject 04 125").
class ModalCodes {
 public:
  absl::Status Load(const std::string& path, const Codebook& codebook);
  // The code for `modal_class` applied to a complement event coded `code`;
  // empty optional-like: found=false when the class has no rule; code "-" means
  // "no event" (e.g. "refused to attack" is not an event).
  bool Derive(std::string_view modal_class, std::string_view code, std::string* out) const;
  bool HasClass(std::string_view modal_class) const;

 private:
  // class -> (prefix, code), longest prefix first
  absl::flat_hash_map<std::string, std::vector<std::pair<std::string, std::string>>> rules_;
};

// ---- Phrases (actors, places) ----------------------------------------------

// Multi-token phrases keyed by their first lower-case token; longest match wins.
class PhraseTable {
 public:
  // Adds `phrase` -> value. Phrases written in capitals ("IS", "UN") match only
  // the same capitals; `proper` phrases need a capitalised first token.
  void Add(std::string_view phrase, int value, bool proper);
  // Longest phrase at token i of `sentence`; returns its values (all rows
  // for that phrase) and sets *end. Null when none.
  const std::vector<int>* MatchAt(std::string_view sentence, const std::vector<Token>& tokens,
                                  size_t i, size_t* end) const;
  size_t size() const { return count_; }

 private:
  struct Entry {
    std::vector<std::string> rest;      // tokens after the first, lower case
    std::vector<std::string> exact;     // original-case tokens when case must match
    bool proper = false;
    std::vector<int> values;
  };
  absl::flat_hash_map<std::string, std::vector<Entry>> by_first_;
  size_t count_ = 0;
  Tokens scratch_;
};

// ---- Actors ----------------------------------------------------------------

enum class ActorKind { kCountry, kDemonym, kCapital, kGroup, kAgent, kPerson };

struct ActorEntry {
  ActorKind kind = ActorKind::kCountry;
  std::string code;          // groups: "TAL"; countries: alpha-3
  std::string name;
  std::string country;       // alpha-3
  std::string role;          // GOV, MIL, INS, ...
  std::string group;         // known group code
  std::string office, organization;
  bool title = false;        // agents that precede a person's name ("President")
  CivilDate from, to;        // validity (people, groups whose role changes); unknown = open
};

struct PlaceEntry {
  std::string name;
  std::string country;  // alpha-3
  std::string admin1;   // ISO 3166-2
  double lat = 0, lon = 0;
  bool has_coordinates = false;
  std::string type;     // country, admin1, city, district
  int rank = 0;         // prefer countries > admin1 > cities > supplement on ties
};

struct Lexicon {
  Codebook codebook;
  Lemmatizer lemmas;
  PatternSet triggers;     // verbs.tsv + nouns.tsv
  PatternSet modals;       // modals.tsv
  ModalCodes modal_codes;  // modal_codes.tsv
  std::vector<ActorEntry> actors;
  PhraseTable actor_phrases;
  std::vector<PlaceEntry> places;
  PhraseTable place_phrases;
  PhraseTable chrome;      // phrases marking site chrome sentences
  absl::flat_hash_map<std::string, std::string> alpha2_to_alpha3;
  absl::flat_hash_map<std::string, std::string> country_names;  // alpha-3 -> name
};

// Loads everything from `data_dir` plus the Debian data files; `system_root`
// prefixes /usr/share (tests may point it elsewhere).
absl::StatusOr<std::unique_ptr<Lexicon>> LoadLexicon(const std::string& data_dir,
                                                     const std::string& system_root = "");

// Reads a tab-separated file: skips blank lines and '#' comments, calls `row`
// with 1-based line numbers; errors returned by `row` get "path:line: " prefixed.
absl::Status ReadTsv(const std::string& path, size_t min_fields,
                     const std::function<absl::Status(size_t line, const std::vector<std::string_view>&)>& row);

// Parses "YYYY-MM-DD" / "YYYY-MM" / "YYYY" / "" into a CivilDate.
bool ParseIsoDate(std::string_view s, CivilDate* out);

// ASCII folding for gazetteer names ("Bāmyān" -> "Bamyan").
std::string FoldToAscii(std::string_view utf8);

}  // namespace eventwire::extract_internal
