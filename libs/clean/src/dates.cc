// Date expressions in news text, resolved against the publication date.
//
// A hand-written token matcher rather than regular expressions: one pass over
// the text, a handful of token shapes, and each rule reads as the phrase it
// recognises. Cheap enough to run on every article (see bench/clean).
#include "eventwire/dates.h"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <unicode/calendar.h>
#include <unicode/locid.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace eventwire {
namespace {

enum class Kind : uint8_t { kWord, kNumber, kPunct };

// 16 bytes: a token per word of every article, so size matters. Offsets are
// 32-bit; FindDates reads at most the first 4 GiB of a text.
struct Token {
  uint32_t begin = 0, end = 0;
  int32_t value = 0;     // numbers: the value (capped); ordinal suffix allowed
  Kind kind = Kind::kPunct;
  bool capital = false;  // words: first letter upper-case
  char punct = 0;        // kPunct: the ASCII character, '\n', or 0 for a non-ASCII character
  uint8_t lex = 0;       // kWord: its entry in the lexicon (1-based), 0 for other words
};

Token MakeToken(size_t begin, size_t end, Kind kind, long value = 0, bool capital = false, char punct = 0) {
  Token t;
  t.begin = static_cast<uint32_t>(begin);
  t.end = static_cast<uint32_t>(end);
  t.value = static_cast<int32_t>(value);
  t.kind = kind;
  t.capital = capital;
  t.punct = punct;
  return t;
}

constexpr bool Upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool Lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool Digit(char c) { return c >= '0' && c <= '9'; }
// A table, not two range tests: the tokeniser asks this of every byte of every article.
constexpr std::array<bool, 256> kAlpha = [] {
  std::array<bool, 256> t{};
  for (int b = 0; b < 256; ++b) t[b] = Upper(static_cast<char>(b)) || Lower(static_cast<char>(b));
  return t;
}();
bool Alpha(char c) { return kAlpha[static_cast<unsigned char>(c)]; }

constexpr std::array<std::string_view, 12> kMonths = {"january", "february", "march", "april",
                                                      "may", "june", "july", "august",
                                                      "september", "october", "november", "december"};
constexpr std::array<std::string_view, 12> kMonthAbbrevs = {"jan", "feb", "mar", "apr", "may", "jun",
                                                            "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"monday", "tuesday", "wednesday", "thursday",
                                                       "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kWeekdayAbbrevs = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
// Solar Hijri months, with the common alternative spellings.
struct PersianMonth {
  std::string_view name;
  int month;  // 1..12
};
constexpr std::array<PersianMonth, 15> kPersianMonths = {{{"farvardin", 1}, {"ordibehesht", 2},
    {"khordad", 3}, {"tir", 4}, {"mordad", 5}, {"amordad", 5}, {"shahrivar", 6}, {"mehr", 7},
    {"aban", 8}, {"azar", 9}, {"dey", 10}, {"dei", 10}, {"bahman", 11}, {"esfand", 12},
    {"esfund", 12}}};

struct NumberWord {
  std::string_view word;
  int value;
};
constexpr std::array<NumberWord, 15> kNumberWords = {{{"a", 1}, {"an", 1}, {"one", 1}, {"two", 2},
    {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6}, {"seven", 7}, {"eight", 8}, {"nine", 9},
    {"ten", 10}, {"eleven", 11}, {"twelve", 12}, {"several", 0}}};

// Words the rules read besides month, weekday and number names.
constexpr std::array<std::string_view, 20> kRuleWords = {
    "sept", "today", "tonight", "yesterday", "tomorrow", "last", "past", "this", "next", "coming",
    "early", "late", "mid", "ago", "day", "days", "week", "weeks", "month", "months"};
constexpr std::array<std::string_view, 2> kMoreRuleWords = {"year", "years"};
// Words that put the rest of a sentence in the future.
// Verbs only: "plan", "hope" and "aim" are as often nouns ("the plan agreed in January").
constexpr std::array<std::string_view, 15> kFutureWords = {
    "will", "shall", "next", "scheduled", "due", "upcoming", "plans", "expected", "expect",
    "expects", "intend", "intends", "ll", "tomorrow", "would"};
// A bare month name is a date after one of these ("in May", not "May I").
constexpr std::array<std::string_view, 11> kMonthPrepositions = {
    "in", "since", "until", "by", "during", "from", "through", "of", "before", "after", "throughout"};
// A bare year is a date after one of these ("in 2013"; bare numbers are quantities).
constexpr std::array<std::string_view, 14> kYearPrepositions = {
    "in", "since", "until", "by", "during", "from", "through", "of", "before", "after", "early", "late", "mid", "year"};
// Words that can start a rule.
constexpr std::array<std::string_view, 13> kStarterWords = {
    "sept", "today", "tonight", "yesterday", "tomorrow", "last", "past", "this", "next", "coming", "early", "late", "mid"};

// Every word any rule looks at, with what it means to the rules. Tokenize
// looks each word up once (a hash of its shape, then one comparison), so the
// rules compare small integers instead of strings, and the many words that
// mean nothing to them are skipped at once.
struct LexInfo {
  std::string_view word;
  int month = 0;            // 1..12: full month name
  int month_abbrev = 0;     // 1..12: "jan", "sept", ...
  int weekday = -1;         // 0..6 (Monday = 0): full name
  int weekday_abbrev = -1;  // 0..6: "mon", ...
  int persian_month = 0;    // 1..12: Solar Hijri month
  int number = -1;          // "two" -> 2 ("several" -> 0)
  bool starter = false;     // some rule can start at this word
  bool future = false;
  bool month_preposition = false;
  bool year_preposition = false;
};

class Lexicon {
 public:
  Lexicon() {
    entries_.emplace_back();  // id 0: not in the lexicon
    for (size_t m = 0; m < 12; ++m) {
      Add(kMonths[m]).month = static_cast<int>(m) + 1;
      Add(kMonthAbbrevs[m]).month_abbrev = static_cast<int>(m) + 1;
    }
    Add("sept").month_abbrev = 9;
    for (size_t d = 0; d < 7; ++d) {
      Add(kWeekdays[d]).weekday = static_cast<int>(d);
      Add(kWeekdayAbbrevs[d]).weekday_abbrev = static_cast<int>(d);
    }
    for (const PersianMonth& p : kPersianMonths) Add(p.name).persian_month = p.month;
    for (const NumberWord& n : kNumberWords) Add(n.word).number = n.value;
    for (std::string_view w : kRuleWords) Add(w);
    for (std::string_view w : kMoreRuleWords) Add(w);
    for (std::string_view w : kFutureWords) Add(w).future = true;
    for (std::string_view w : kMonthPrepositions) Add(w).month_preposition = true;
    for (std::string_view w : kYearPrepositions) Add(w).year_preposition = true;
    for (LexInfo& e : entries_) {
      e.starter = e.month != 0 || e.month_abbrev != 0 || e.weekday >= 0 || e.weekday_abbrev >= 0 ||
                  e.persian_month != 0 || e.number >= 0;
    }
    for (std::string_view w : kStarterWords) Add(w).starter = true;
  }

  // The id of the letters-only word text[begin, end), case-insensitively; 0 if none.
  uint8_t Find(std::string_view text, size_t begin, size_t end) const {
    const size_t len = end - begin;
    if (len > kMaxLength) return 0;
    for (size_t h = Hash(text.data() + begin, len); slots_[h] != 0; h = (h + 1) % kSlots) {
      const std::string_view w = entries_[slots_[h]].word;
      if (w.size() != len) continue;
      size_t k = 0;
      while (k < len && (text[begin + k] | 0x20) == w[k]) ++k;
      if (k == len) return slots_[h];
    }
    return 0;
  }

  const LexInfo& Info(uint8_t id) const { return entries_[id]; }

 private:
  static constexpr size_t kSlots = 1024;  // a power of two, several times the number of words
  static constexpr size_t kMaxLength = 12;

  // Letters only; | 0x20 lower-cases them.
  static size_t Hash(const char* w, size_t len) {
    const size_t first = static_cast<unsigned char>(w[0] | 0x20), second = static_cast<unsigned char>(w[len > 1 ? 1 : 0] | 0x20);
    const size_t last = static_cast<unsigned char>(w[len - 1] | 0x20);
    return (first * 961 + second * 31 + last + len * 7919) % kSlots;
  }

  LexInfo& Add(std::string_view w) {
    size_t h = Hash(w.data(), w.size());
    for (; slots_[h] != 0; h = (h + 1) % kSlots) {
      if (entries_[slots_[h]].word == w) return entries_[slots_[h]];
    }
    slots_[h] = static_cast<uint8_t>(entries_.size());
    entries_.push_back(LexInfo{w});
    return entries_.back();
  }

  std::vector<LexInfo> entries_;  // fewer than 256: ids are bytes
  std::array<uint8_t, kSlots> slots_{};
};

const Lexicon& Lex() {
  static const Lexicon* lexicon = new Lexicon();
  return *lexicon;
}

const LexInfo& InfoOf(const Token& t) { return Lex().Info(t.lex); }

// Whether token t is the (lower-case, lexicon) word w, in any case.
bool Is(const Token& t, std::string_view lower_word) { return t.lex != 0 && Lex().Info(t.lex).word == lower_word; }

std::vector<Token> Tokenize(std::string_view text) {
  text = text.substr(0, UINT32_MAX);
  const Lexicon& lexicon = Lex();
  std::vector<Token> tokens;
  tokens.reserve(text.size() / 3 + 8);
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (Alpha(c)) {
      size_t j = i;
      while (j < text.size() && Alpha(text[j])) ++j;
      Token t = MakeToken(i, j, Kind::kWord, 0, Upper(c));
      t.lex = lexicon.Find(text, i, j);
      tokens.push_back(t);
      i = j;
    } else if (Digit(c)) {
      size_t j = i;
      long value = 0;
      while (j < text.size() && Digit(text[j])) {
        if (value < 100000) value = value * 10 + (text[j] - '0');
        ++j;
      }
      size_t k = j;
      while (k < text.size() && Alpha(text[k])) ++k;
      const std::string_view suffix = text.substr(j, k - j);
      if (k == j || suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") {
        tokens.push_back(MakeToken(i, k, Kind::kNumber, value));
      } else {
        tokens.push_back(MakeToken(i, k, Kind::kWord));  // "10am", "5G"
      }
      i = k;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      // A non-ASCII character (dash, quote, letter of another script): one token.
      size_t j = i + 1;
      while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
      tokens.push_back(MakeToken(i, j, Kind::kPunct));
      i = j;
    } else {
      tokens.push_back(MakeToken(i, i + 1, Kind::kPunct, 0, false, c));  // '\n' ends a sentence too
      ++i;
    }
  }
  return tokens;
}

absl::CivilDay ToCivil(CivilDate d) { return absl::CivilDay(d.year, d.month, d.day); }
CivilDate FromCivil(absl::CivilDay d) {
  return {static_cast<int>(d.year()), d.month(), d.day()};
}

bool ValidDay(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const absl::CivilDay d(year, month, day);
  return d.month() == month && d.day() == day;  // rejects Feb 30 (CivilDay normalises)
}

class Matcher {
 public:
  Matcher(std::string_view text, CivilDate reference)
      : text_(text), ref_(reference), tokens_(Tokenize(text)) {}

  std::vector<DateMatch> Run() {
    std::vector<DateMatch> out;
    for (size_t i = 0; i < tokens_.size();) {
      if (!MayStartDate(tokens_[i])) {
        ++i;
        continue;
      }
      Result r;
      if (Match(i, &r)) {
        DateMatch m;
        m.begin = tokens_[r.first].begin;
        m.end = tokens_[r.last].end;
        m.text = std::string(text_.substr(m.begin, m.end - m.begin));
        m.resolved = r.date;
        out.push_back(std::move(m));
        i = r.last + 1;
      } else {
        ++i;
      }
    }
    return out;
  }

 private:
  struct Result {
    size_t first = 0, last = 0;  // token range, inclusive
    ResolvedDate date;
  };

  const Token* At(size_t i) const { return i < tokens_.size() ? &tokens_[i] : nullptr; }
  bool IsWord(size_t i, std::string_view w) const { return i < tokens_.size() && Is(tokens_[i], w); }
  bool IsPunct(size_t i, char c) const {
    return i < tokens_.size() && tokens_[i].kind == Kind::kPunct && tokens_[i].punct == c;
  }
  bool Adjacent(size_t a, size_t b) const { return tokens_[a].end == tokens_[b].begin; }

  // Month name at token i (full names any case if capitalised; abbreviations
  // capitalised, optionally followed by "."). Sets *next to the token after it.
  int MonthAt(size_t i, size_t* next) const {
    const Token* t = At(i);
    if (t == nullptr || t->lex == 0 || !t->capital) return 0;
    const LexInfo& w = InfoOf(*t);
    if (w.month != 0) {
      *next = i + 1;
      return w.month;
    }
    if (w.month_abbrev != 0) {
      *next = IsPunct(i + 1, '.') && Adjacent(i, i + 1) ? i + 2 : i + 1;
      return w.month_abbrev;
    }
    return 0;
  }

  int WeekdayAt(size_t i, bool allow_abbrev) const {
    const Token* t = At(i);
    if (t == nullptr || t->lex == 0 || !t->capital) return -1;
    const LexInfo& w = InfoOf(*t);
    if (w.weekday >= 0) return w.weekday;
    return allow_abbrev ? w.weekday_abbrev : -1;
  }

  int PersianMonthAt(size_t i) const {
    const Token* t = At(i);
    if (t == nullptr || t->lex == 0 || !t->capital) return 0;
    return InfoOf(*t).persian_month;
  }

  bool DayAt(size_t i, int* day) const {
    const Token* t = At(i);
    if (t == nullptr || t->kind != Kind::kNumber || t->value < 1 || t->value > 31 ||
        t->end - t->begin > 4) {
      return false;
    }
    *day = t->value;
    return true;
  }

  bool YearAt(size_t i, int* year) const {
    const Token* t = At(i);
    if (t == nullptr || t->kind != Kind::kNumber || t->end - t->begin != 4) return false;
    if (t->value < 1800 || t->value > 2199) return false;
    *year = t->value;
    return true;
  }

  // Optional ", 2024" or " 2024" after a date: returns the year and the last token used.
  bool OptionalYear(size_t i, int* year, size_t* last) const {
    size_t j = IsPunct(i, ',') ? i + 1 : i;
    if (YearAt(j, year)) {
      *last = j;
      return true;
    }
    return false;
  }

  // The words just before token i in the same sentence mention the future.
  bool FutureContext(size_t i) const {
    const size_t limit = i > 14 ? i - 14 : 0;
    for (size_t k = i; k-- > limit;) {
      const Token& t = tokens_[k];
      if (t.kind == Kind::kPunct && (t.punct == '.' || t.punct == ';' || t.punct == '\n')) return false;
      if (t.lex != 0 && InfoOf(t).future) return true;
    }
    return false;
  }

  ResolvedDate Day(absl::CivilDay d) const { return {FromCivil(d), DatePrecision::kDay}; }
  ResolvedDate Month(int year, int month) const {
    return {{year, month, 0}, DatePrecision::kMonth};
  }
  ResolvedDate Year(int year) const { return {{year, 0, 0}, DatePrecision::kYear}; }

  // Year for a month/day given without one: the occurrence nearest the reference.
  int NearestYear(int month, int day) const {
    int best = ref_.year;
    long best_distance = -1;
    for (int y = ref_.year - 1; y <= ref_.year + 1; ++y) {
      if (!ValidDay(y, month, day)) continue;
      const long distance = std::labs(static_cast<long>(absl::CivilDay(y, month, day) - ToCivil(ref_)));
      if (best_distance < 0 || distance < best_distance) best = y, best_distance = distance;
    }
    return best;
  }

  // A month named without a year: the latest one not after the reference
  // month, or the next one when the sentence speaks of the future.
  int MonthYear(int month, bool future) const {
    if (future) return month >= ref_.month ? ref_.year : ref_.year + 1;
    return month <= ref_.month ? ref_.year : ref_.year - 1;
  }

  // Most tokens start no rule: numbers and a few words (month and weekday
  // names, "last", "early", ...) can.
  static bool MayStartDate(const Token& t) {
    return t.kind == Kind::kNumber || (t.lex != 0 && InfoOf(t).starter);
  }

  bool Match(size_t i, Result* r) const {
    const Token& t = tokens_[i];  // Run checked MayStartDate
    // Each rule starts with a particular kind of token; try only those.
    if (t.kind == Kind::kNumber) {
      return MatchAbsolute(i, r) || MatchPersian(i, r) || MatchIso(i, r) || MatchAgo(i, r) || MatchYearAlone(i, r);
    }
    if (!t.capital) return MatchRelative(i, r) || MatchWeekday(i, r) || MatchMonthAlone(i, r);
    return MatchAbsolute(i, r) || MatchPersian(i, r) || MatchIso(i, r) || MatchRelative(i, r) ||
           MatchWeekday(i, r) || MatchMonthAlone(i, r) || MatchYearAlone(i, r);
  }

  // "May 15", "May 15th, 2024", "15 May 2024", "15th of May", optionally led by
  // a weekday ("Wednesday, May 15th, 2024"); "October 2001" (month precision).
  bool MatchAbsolute(size_t i, Result* r) const {
    size_t start = i;
    size_t j = i;
    if (WeekdayAt(i, /*allow_abbrev=*/true) >= 0) {
      j = IsPunct(i + 1, ',') ? i + 2 : i + 1;
      if (IsPunct(i + 1, '.')) j = IsPunct(i + 2, ',') ? i + 3 : i + 2;
    }
    int month = 0, day = 0, year = 0;
    size_t after = 0, last = 0;
    if ((month = MonthAt(j, &after)) != 0) {
      if (DayAt(after, &day) && !YearAt(after, &year)) {
        last = after;
        if (!OptionalYear(after + 1, &year, &last)) year = 0;
      } else if (YearAt(after, &year) || (IsPunct(after, ',') && YearAt(after + 1, &year))) {
        if (j != start) return false;  // "Monday, May 2024" is not a thing
        r->first = start;
        r->last = IsPunct(after, ',') ? after + 1 : after;
        r->date = Month(year, month);
        return true;
      } else {
        return false;
      }
    } else if (DayAt(j, &day)) {
      size_t k = j + 1;
      if (IsWord(k, "of")) ++k;
      if ((month = MonthAt(k, &after)) == 0) return false;
      last = after - 1;
      if (!OptionalYear(after, &year, &last)) year = 0;
    } else {
      return false;
    }
    if (year == 0) {
      if (!ref_.known()) return false;
      year = NearestYear(month, day);
    }
    if (!ValidDay(year, month, day)) return false;
    r->first = start;
    r->last = last;
    r->date = Day(absl::CivilDay(year, month, day));
    return true;
  }

  // "Mehr 27", "27 Mehr", "Mehr 27, 1404": Solar Hijri dates, converted with
  // ICU's Persian calendar.
  bool MatchPersian(size_t i, Result* r) const {
    int month = 0, day = 0, year = 0;
    size_t last = 0;
    if ((month = PersianMonthAt(i)) != 0 && DayAt(i + 1, &day)) {
      last = i + 1;
    } else if (DayAt(i, &day) && (month = PersianMonthAt(i + 1)) != 0) {
      last = i + 1;
    } else {
      return false;
    }
    const size_t y = IsPunct(last + 1, ',') ? last + 2 : last + 1;
    if (PersianYearAt(y, &year)) last = y;
    std::optional<CivilDate> g = PersianToGregorian(year, month, day);
    if (!g) return false;
    r->first = i;
    r->last = last;
    r->date = {*g, DatePrecision::kDay};
    return true;
  }

  bool PersianYearAt(size_t i, int* year) const {
    const Token* t = At(i);
    if (t == nullptr || t->kind != Kind::kNumber || t->end - t->begin != 4) return false;
    if (t->value < 1300 || t->value > 1500) return false;
    *year = t->value;
    return true;
  }

  // year == 0: the occurrence nearest the reference date.
  std::optional<CivilDate> PersianToGregorian(int year, int month, int day) const {
    if (day < 1 || day > 31 || (month > 6 && day > 30)) return std::nullopt;
    static thread_local std::unique_ptr<icu::Calendar> persian = [] {
      UErrorCode status = U_ZERO_ERROR;
      std::unique_ptr<icu::Calendar> c(
          icu::Calendar::createInstance(*icu::TimeZone::getGMT(), icu::Locale("en@calendar=persian"), status));
      return U_SUCCESS(status) ? std::move(c) : nullptr;
    }();
    if (persian == nullptr) return std::nullopt;
    auto convert = [&](int y) -> std::optional<CivilDate> {
      UErrorCode status = U_ZERO_ERROR;
      persian->clear();
      persian->set(y, month - 1, day);
      const UDate ms = persian->getTime(status);
      if (U_FAILURE(status)) return std::nullopt;
      return CivilDateFromUnixSeconds(static_cast<int64_t>(ms / 1000));
    };
    if (year != 0) return convert(year);
    if (!ref_.known()) return std::nullopt;
    // Persian year of the reference: Gregorian year - 621 or - 622.
    std::optional<CivilDate> best;
    long best_distance = -1;
    for (int y = ref_.year - 623; y <= ref_.year - 620; ++y) {
      std::optional<CivilDate> g = convert(y);
      if (!g) continue;
      const long distance = std::labs(static_cast<long>(ToCivil(*g) - ToCivil(ref_)));
      if (best_distance < 0 || distance < best_distance) best = g, best_distance = distance;
    }
    return best;
  }

  // 2024-05-15
  bool MatchIso(size_t i, Result* r) const {
    int year = 0;
    if (!YearAt(i, &year) || !IsPunct(i + 1, '-') || !IsPunct(i + 3, '-')) return false;
    const Token* m = At(i + 2);
    const Token* d = At(i + 4);
    if (m == nullptr || d == nullptr || m->kind != Kind::kNumber || d->kind != Kind::kNumber) return false;
    if (m->end - m->begin != 2 || d->end - d->begin != 2) return false;
    if (!Adjacent(i, i + 1) || !Adjacent(i + 1, i + 2) || !Adjacent(i + 3, i + 4)) return false;
    if (!ValidDay(year, m->value, d->value)) return false;
    r->first = i;
    r->last = i + 4;
    r->date = Day(absl::CivilDay(year, m->value, d->value));
    return true;
  }

  // today, yesterday, tomorrow; last/this/next month|year; N days|weeks|months|years ago.
  bool MatchRelative(size_t i, Result* r) const {
    if (!ref_.known()) return false;
    const absl::CivilDay ref = ToCivil(ref_);
    if (IsWord(i, "today") || IsWord(i, "tonight")) return Set(i, i, Day(ref), r);
    if (IsWord(i, "yesterday")) return Set(i, i, Day(ref - 1), r);
    if (IsWord(i, "tomorrow")) return Set(i, i, Day(ref + 1), r);
    int shift = 0;
    if (IsWord(i, "last") || IsWord(i, "past")) shift = -1;
    else if (IsWord(i, "this")) shift = 0;
    else if (IsWord(i, "next")) shift = 1;
    else return MatchAgo(i, r);
    if (IsWord(i + 1, "month")) {
      const absl::CivilMonth m = absl::CivilMonth(ref) + shift;
      return Set(i, i + 1, Month(static_cast<int>(m.year()), m.month()), r);
    }
    if (IsWord(i + 1, "year")) return Set(i, i + 1, Year(ref_.year + shift), r);
    return false;
  }

  bool MatchAgo(size_t i, Result* r) const {
    if (!ref_.known()) return false;
    int n = -1;
    const Token& t = tokens_[i];
    if (t.kind == Kind::kNumber && t.value > 0 && t.value < 1000) n = t.value;
    if (t.lex != 0 && InfoOf(t).number > 0) n = InfoOf(t).number;
    if (n < 0 || !IsWord(i + 2, "ago")) return false;
    const absl::CivilDay ref = ToCivil(ref_);
    if (IsWord(i + 1, "day") || IsWord(i + 1, "days")) return Set(i, i + 2, Day(ref - n), r);
    if (IsWord(i + 1, "week") || IsWord(i + 1, "weeks")) return Set(i, i + 2, Day(ref - 7 * n), r);
    if (IsWord(i + 1, "month") || IsWord(i + 1, "months")) {
      const absl::CivilMonth m = absl::CivilMonth(ref) - n;
      return Set(i, i + 2, Month(static_cast<int>(m.year()), m.month()), r);
    }
    if (IsWord(i + 1, "year") || IsWord(i + 1, "years")) return Set(i, i + 2, Year(ref_.year - n), r);
    return false;
  }

  bool Set(size_t first, size_t last, ResolvedDate d, Result* r) const {
    r->first = first;
    r->last = last;
    r->date = d;
    return true;
  }

  // "Saturday", "on Saturday", "last Saturday", "next Saturday": the most recent
  // such day on or before the publication date, or the coming one when the
  // sentence is about the future.
  bool MatchWeekday(size_t i, Result* r) const {
    if (!ref_.known()) return false;
    size_t first = i, at = i;
    int direction = 0;  // -1 past, +1 future, 0 decide from context
    if (IsWord(i, "last")) direction = -1, at = i + 1;
    else if (IsWord(i, "next") || IsWord(i, "coming")) direction = 1, at = i + 1;
    else if (IsWord(i, "this")) at = i + 1;
    const bool direction_word = direction != 0;
    const int weekday = WeekdayAt(at, /*allow_abbrev=*/false);
    if (weekday < 0) return false;
    if (direction == 0) direction = FutureContext(first) ? 1 : -1;
    const absl::CivilDay ref = ToCivil(ref_);
    const int ref_weekday = static_cast<int>(absl::GetWeekday(ref));  // Monday = 0
    absl::CivilDay d;
    if (direction < 0) {
      int back = (ref_weekday - weekday + 7) % 7;
      if (at != first && back == 0) back = 7;  // "last Friday" said on a Friday
      d = ref - back;
    } else {
      // "on Wednesday" in a story of that Wednesday is the same day; "next
      // Wednesday" said on a Wednesday is a week away.
      int ahead = (weekday - ref_weekday + 7) % 7;
      if (ahead == 0 && direction_word) ahead = 7;
      d = ref + ahead;
    }
    return Set(first, at, Day(d), r);
  }

  // "early October", "mid-October", "in late May", "since March", "last October".
  bool MatchMonthAlone(size_t i, Result* r) const {
    size_t first = i, at = i;
    bool modifier = false;
    int direction = 0;
    if (IsWord(i, "early") || IsWord(i, "late") || IsWord(i, "mid")) {
      modifier = true;
      at = IsPunct(i + 1, '-') ? i + 2 : i + 1;
    } else if (IsWord(i, "last")) {
      modifier = true, direction = -1, at = i + 1;
    } else if (IsWord(i, "next")) {
      modifier = true, direction = 1, at = i + 1;
    }
    const Token* t = At(at);
    if (t == nullptr) return false;
    const int month = t->capital && t->lex != 0 ? InfoOf(*t).month : 0;
    if (month == 0) return false;
    if (!modifier) {
      // A bare month needs a preposition before it: "in May", not "May I".
      if (i == 0) return false;
      if (tokens_[i - 1].lex == 0 || !InfoOf(tokens_[i - 1]).month_preposition) return false;
    }
    if (!ref_.known()) return false;
    const bool future = direction > 0 || (direction == 0 && FutureContext(first));
    int year = MonthYear(month, future);
    if (direction < 0 && month == ref_.month) year = ref_.year - 1;
    return Set(first, at, Month(year, month), r);
  }

  // "in 2013", "since 2001": a year after a preposition (bare numbers are too
  // often quantities).
  bool MatchYearAlone(size_t i, Result* r) const {
    int year = 0;
    if (i == 0 || !YearAt(i, &year)) return false;
    if (IsPunct(i + 1, '%')) return false;
    bool preposition = tokens_[i - 1].lex != 0 && InfoOf(tokens_[i - 1]).year_preposition;
    if (IsPunct(i - 1, '-') && i >= 2 && IsWord(i - 2, "mid")) preposition = true;
    if (!preposition) return false;
    return Set(i, i, Year(year), r);
  }

  std::string_view text_;
  CivilDate ref_;
  std::vector<Token> tokens_;
};

}  // namespace

std::string_view DatePrecisionName(DatePrecision p) {
  switch (p) {
    case DatePrecision::kDay: return "day";
    case DatePrecision::kMonth: return "month";
    case DatePrecision::kYear: return "year";
  }
  return "day";
}

CivilDate CivilDateFromUnixSeconds(int64_t seconds) {
  absl::CivilDay d = absl::ToCivilDay(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  return {static_cast<int>(d.year()), d.month(), d.day()};
}

std::string ResolvedDate::Iso() const {
  char buf[32];
  switch (precision) {
    case DatePrecision::kYear: std::snprintf(buf, sizeof buf, "%04d", date.year); break;
    case DatePrecision::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", date.year, date.month); break;
    case DatePrecision::kDay:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
      break;
  }
  return buf;
}

std::vector<DateMatch> FindDates(std::string_view text, CivilDate reference) {
  return Matcher(text, reference).Run();
}

}  // namespace eventwire
