#include "fields.h"

#include <array>

#include "text_util.h"

namespace eventwire::clean_internal {
namespace {

// Length of the dash/colon separator at s[i] (with surrounding spaces), or 0.
size_t SeparatorAt(std::string_view s, size_t i, bool allow_colon) {
  size_t j = i;
  while (j < s.size() && s[j] == ' ') ++j;
  size_t k = j;
  if (s.substr(k).starts_with("--")) k += 2;
  else if (s.substr(k).starts_with("\u2014") || s.substr(k).starts_with("\u2013")) k += 3;
  else if (k < s.size() && s[k] == '-') k += 1;
  else if (allow_colon && k == i && k < s.size() && s[k] == ':') k += 1;
  else return 0;
  // A hyphen glued to the place ("KABUL-based") is a word, not a separator.
  if (k - j == 1 && s[j] == '-' && (j == i || k >= s.size() || s[k] != ' ')) return 0;
  while (k < s.size() && s[k] == ' ') ++k;
  return k - i;
}

// One word of an upper-case place: "NEW", "ST.", "BOGOTÁ", "AL-QAIM".
bool IsUpperPlaceWord(std::string_view w) {
  int upper = 0;
  for (char c : w) {
    if (IsAsciiLower(c) || IsAsciiDigit(c)) return false;
    if (IsAsciiUpper(c)) ++upper;
    else if (c != '.' && c != '-' && c != '\'' && static_cast<unsigned char>(c) < 0x80) return false;
  }
  return upper >= 1 && (upper >= 2 || w.size() <= 3);
}

bool IsTitlePlaceWord(std::string_view w) {
  if (w.empty()) return false;
  if (w == "de" || w == "del" || w == "al" || w == "el" || w == "es" || w == "of") return true;
  if (!IsAsciiUpper(w.front())) return false;
  for (char c : w.substr(1)) {
    if (!IsAsciiLower(c) && c != '-' && c != '.' && static_cast<unsigned char>(c) < 0x80) return false;
  }
  return true;
}

// Reads a word (up to a space, comma or '(') at s[i].
std::string_view WordAt(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '(' && s[j] != ':') ++j;
  return s.substr(i, j - i);
}

// "(Reuters)", "(AFP)": a short parenthesised name of capitalised words.
std::optional<std::string> AgencyAt(std::string_view s, size_t i, size_t* end) {
  if (i >= s.size() || s[i] != '(') return std::nullopt;
  const size_t close = s.find(')', i);
  if (close == std::string_view::npos || close - i > 40) return std::nullopt;
  std::string_view name = Trim(s.substr(i + 1, close - i - 1));
  if (name.empty() || !IsAsciiUpper(name.front()) || CountWords(name) > 4) return std::nullopt;
  for (char c : name) {
    if (IsAsciiDigit(c)) return std::nullopt;
  }
  *end = close + 1;
  return std::string(name);
}

// ", Oct 25", ", October 25", ", 25 Oct": a dateline's day. Returns bytes used.
size_t DatelineDayAt(std::string_view s, size_t i) {
  if (i >= s.size() || s[i] != ',') return 0;
  size_t j = i + 1;
  while (j < s.size() && s[j] == ' ') ++j;
  size_t k = j;
  int words = 0;
  bool has_digit = false, has_alpha = false;
  while (k < s.size() && words < 3) {
    size_t w = k;
    while (w < s.size() && (IsAsciiAlpha(s[w]) || IsAsciiDigit(s[w]) || s[w] == '.')) {
      has_digit = has_digit || IsAsciiDigit(s[w]);
      has_alpha = has_alpha || IsAsciiAlpha(s[w]);
      ++w;
    }
    if (w == k) break;
    ++words;
    k = w;
    if (k < s.size() && s[k] == ' ' && k + 1 < s.size() && (IsAsciiAlpha(s[k + 1]) || IsAsciiDigit(s[k + 1])) &&
        !has_digit) {
      ++k;
      continue;
    }
    break;
  }
  if (!has_digit || !has_alpha || k - j > 16) return 0;
  const std::vector<DateMatch> d = FindDates(s.substr(j, k - j), CivilDate{2000, 1, 1});
  if (d.empty()) return 0;
  return k - i;
}

std::string StripLeadingThe(std::string_view name) {
  name = Trim(name);
  if (name.starts_with("the ") || name.starts_with("The ")) name.remove_prefix(4);
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.remove_suffix(1);
  return std::string(name);
}

// A reporter's name for the byline; "Khartoum newsroom", "Staff" and the
// like sign for a desk, not a person, and give no byline.
std::string ReporterName(std::string_view name) {
  name = Trim(name);
  const std::string lower = AsciiLower(name);
  for (std::string_view desk : {"newsroom", "bureau", "staff", "desk", "team", "editors", "correspondents"}) {
    if (ContainsPhrase(lower, desk)) return "";
  }
  return std::string(name);
}

}  // namespace

std::optional<Dateline> ParseDateline(std::string_view p) {
  // Place: up to five words, all upper-case, or title-case (then it must be
  // followed by a day or an agency, or "Islamabad has refused" would match).
  size_t i = 0;
  int words = 0;
  bool upper = true;
  size_t place_end = 0;
  while (i < p.size() && words < 5) {
    std::string_view w = WordAt(p, i);
    if (w.empty()) break;
    const bool u = IsUpperPlaceWord(w);
    const bool t = IsTitlePlaceWord(w);
    if (!(u || t) || (words > 0 && u != upper && !(w == "de" || w == "al" || w == "el"))) break;
    if (words == 0) upper = u;
    ++words;
    place_end = i + w.size();
    if (place_end >= p.size() || p[place_end] != ' ') break;
    // Stop before a separator or "(".
    const size_t next = place_end + 1;
    if (next >= p.size() || p[next] == '(' || p[next] == '-' || !IsWordByte(p[next])) break;
    i = next;
  }
  if (words == 0 || place_end > 40) return std::nullopt;
  std::string_view place = p.substr(0, place_end);
  if (!IsAsciiUpper(place.front())) return std::nullopt;

  size_t k = place_end;
  bool qualified = false;  // followed by a day or an agency
  // ", PAKISTAN" / ", Calif." country or state after the city, upper-case datelines only.
  if (k < p.size() && p[k] == ',' && upper) {
    size_t j = k + 1;
    while (j < p.size() && p[j] == ' ') ++j;
    // Up to three words: ", Lebanon", ", N.M.", ", New Mexico".
    size_t end = 0;
    for (int words_in_region = 0; words_in_region < 3 && DatelineDayAt(p, k) == 0; ++words_in_region) {
      std::string_view w = WordAt(p, j);
      if (w.empty() || !(IsUpperPlaceWord(w) || IsTitlePlaceWord(w)) || !IsAsciiUpper(w.front())) break;
      end = j + w.size();
      if (end >= p.size() || p[end] != ' ' || end + 1 >= p.size() || !IsAsciiUpper(p[end + 1])) break;
      j = end + 1;
    }
    if (end != 0) k = end;
  }
  if (size_t day = DatelineDayAt(p, k); day > 0) {
    k += day;
    qualified = true;
  }
  size_t j = k;
  while (j < p.size() && p[j] == ' ') ++j;
  Dateline d;
  size_t agency_end = 0;
  if (std::optional<std::string> agency = AgencyAt(p, j, &agency_end)) {
    d.agency = *agency;
    k = agency_end;
    qualified = true;
  }
  if (!upper && !qualified) return std::nullopt;
  // A lone short upper-case word ("US", "UN") opening a sentence is not a dateline
  // unless something else marks it.
  if (upper && words == 1 && place.size() < 4 && !qualified) return std::nullopt;
  const size_t sep = SeparatorAt(p, k, /*allow_colon=*/upper || qualified);
  if (sep == 0) return std::nullopt;
  const size_t rest = k + sep;
  if (rest >= p.size()) return std::nullopt;
  const char c = p[rest];
  if (!(IsAsciiUpper(c) || IsAsciiDigit(c) || c == '"' || c == '\'' ||
        static_cast<unsigned char>(c) >= 0x80)) {
    return std::nullopt;
  }
  d.place = std::string(place);
  d.length = rest;
  return d;
}

std::optional<Credit> ParseCredit(std::string_view p) {
  const std::string_view trimmed = Trim(p);
  // "-- Reported by the Voice of America", "Source: Xinhua", "Courtesy: Dawn".
  std::string_view line = trimmed;
  while (!line.empty() && (line.front() == '-' || line.front() == ' ' || line.front() == '*')) {
    line.remove_prefix(1);
  }
  if (line.starts_with("\u2014") || line.starts_with("\u2013")) line = Trim(line.substr(3));
  static constexpr std::array<std::string_view, 8> kCreditLeads = {
      "reported by ", "source: ", "sources: ", "courtesy of ", "courtesy: ", "with inputs from ",
      "via ", "credit: "};
  // Syndication notes name the outlet: "This article was originally published on X."
  static constexpr std::array<std::string_view, 10> kSyndicationLeads = {
      "originally published on ", "originally published in ", "originally published by ",
      "first published on ", "first published in ", "first published by ", "first appeared on ",
      "first appeared in ", "republished from ", "republished with permission from "};
  // Wire sign-offs without brackets: "Reporting by Jane Doe; Editing by John Roe".
  static constexpr std::array<std::string_view, 3> kReporterLeads = {
      "reporting by ", "writing by ", "additional reporting by "};
  // Credit lines are short; only the start of one is lower-cased and compared.
  char head[64];
  size_t head_size = 0;
  for (; head_size < sizeof head && head_size < line.size(); ++head_size) {
    const char c = line[head_size];
    head[head_size] = IsAsciiUpper(c) ? static_cast<char>(c | 0x20) : c;
  }
  std::string_view lower(head, head_size);
  if (line.size() <= 160) {
    for (std::string_view lead : kReporterLeads) {
      if (!lower.starts_with(lead) || CountWords(line) > 16) continue;
      std::string_view rest = line.substr(lead.size());
      rest = Trim(rest.substr(0, rest.find_first_of(";,")));
      if (!rest.empty() && IsAsciiUpper(rest.front())) return Credit{ReporterName(rest), 0, p.size(), true};
    }
    // "This article was ...", "This story ...": the note's subject.
    size_t skipped = 0;
    for (std::string_view subject : {"this article was ", "this story was ", "this article ", "this story ", "it was "}) {
      if (lower.starts_with(subject)) {
        skipped = subject.size();
        break;
      }
    }
    for (std::string_view lead : kSyndicationLeads) {
      if (!lower.substr(skipped).starts_with(lead) || CountWords(line) > 14) continue;
      std::string name = StripLeadingThe(line.substr(skipped + lead.size()));
      // "... first published on Monday": a date, not an outlet.
      const std::vector<DateMatch> date = FindDates(name, CivilDate{2000, 1, 1});
      if (!date.empty() && date.front().begin == 0) continue;
      if (!name.empty() && (IsAsciiUpper(name.front()) || static_cast<unsigned char>(name.front()) >= 0x80)) {
        return Credit{name, 0, p.size(), false};
      }
    }
    for (std::string_view lead : kCreditLeads) {
      if (lower.starts_with(lead)) {
        if (CountWords(line) > 10) break;
        std::string name = StripLeadingThe(line.substr(lead.size()));
        if (name.empty() || !(IsAsciiUpper(name.front()) || static_cast<unsigned char>(name.front()) >= 0x80)) break;
        return Credit{name, 0, p.size(), false};
      }
    }
  }
  // Both other forms close the paragraph with a parenthesis.
  if (trimmed.empty() || trimmed.back() != ')') return std::nullopt;
  // "(Reporting by Jane Doe; Editing by John Roe)": a reporter, not an outlet.
  size_t reporting = p.rfind("(Reporting by ");
  if (reporting == std::string_view::npos) reporting = p.rfind("(Writing by ");
  if (reporting != std::string_view::npos && trimmed.ends_with(")") &&
      (Trim(p.substr(0, reporting)).empty() || EndsSentence(p.substr(0, reporting)))) {
    const size_t open = reporting;
    const size_t close = p.rfind(')');
    if (close != std::string_view::npos && close > open) {
      std::string_view inner = p.substr(open + 1, close - open - 1);
      const size_t by = inner.find(" by ");
      if (by == std::string_view::npos) return std::nullopt;
      inner.remove_prefix(by + 4);
      const size_t stop = inner.find_first_of(";,");
      size_t begin = open;
      while (begin > 0 && p[begin - 1] == ' ') --begin;
      return Credit{ReporterName(inner.substr(0, stop)), begin, p.size(), true};
    }
  }
  // "... last year. (Prensa Latina)": a parenthesised name closing the paragraph.
  if (!trimmed.empty() && trimmed.back() == ')') {
    const size_t close = p.rfind(')');
    const size_t open = p.rfind('(', close);
    if (open == std::string_view::npos) return std::nullopt;
    const std::string_view before = Trim(p.substr(0, open));
    // Either the whole line, or after a finished sentence ("... Mansoor. (X)").
    if (!before.empty() && !EndsSentence(before)) return std::nullopt;
    size_t end = 0;
    std::optional<std::string> name = AgencyAt(p, open, &end);
    if (!name) return std::nullopt;
    const std::string lower_name = AsciiLower(*name);
    // "(File photo)", "(AP Photo)" are captions; "(Reuters)" etc. are outlets.
    if (ContainsPhrase(lower_name, "photo") || ContainsPhrase(lower_name, "file") ||
        ContainsPhrase(lower_name, "video")) {
      return std::nullopt;
    }
    size_t begin = open;
    while (begin > 0 && p[begin - 1] == ' ') --begin;
    return Credit{*name, begin, p.size(), false};
  }
  return std::nullopt;
}

std::optional<std::string> ParseByline(std::string_view line) {
  line = Trim(line);
  std::string_view rest;
  for (std::string_view lead : {"By ", "BY ", "Written by ", "Story by ", "Words by "}) {
    if (line.starts_with(lead)) rest = line.substr(lead.size());
  }
  if (rest.empty() || CountWords(line) > 14) return std::nullopt;
  // Cut at what follows the name: " | date", ", Reuters", " - Jan 2", " on May 2".
  size_t cut = rest.size();
  for (std::string_view stop : {" | ", ",", " - ", " \u2014 ", " \u2013 ", " on ", " Updated", " Published", "\u00B7"}) {
    const size_t at = rest.find(stop);
    if (at != std::string_view::npos && at < cut) cut = at;
  }
  std::string_view name = Trim(rest.substr(0, cut));
  if (name.empty() || !IsAsciiUpper(name.front()) || CountWords(name) > 6) return std::nullopt;
  for (char c : name) {
    if (IsAsciiDigit(c)) return std::nullopt;
  }
  return std::string(name);
}

std::optional<ResolvedDate> ParsePageDate(std::string_view line) {
  if (CountWords(line) > 20) return std::nullopt;
  for (const DateMatch& m : FindDates(line, CivilDate{})) {
    if (m.resolved.precision == DatePrecision::kDay) return m.resolved;
  }
  return std::nullopt;
}

}  // namespace eventwire::clean_internal
