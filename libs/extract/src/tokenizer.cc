#include "tokenizer.h"

#include <cctype>
#include <cstdlib>

namespace eventwire::extract_internal {
namespace {

bool IsAsciiAlnum(unsigned char c) { return std::isalnum(c) != 0; }

// UTF-8 punctuation we treat as separators: curly quotes, dashes, ellipsis,
// no-break space. Returns its byte length at `i`, 0 when not one.
size_t UnicodePunctLength(std::string_view s, size_t i) {
  if (i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xC2 &&
      static_cast<unsigned char>(s[i + 1]) == 0xA0)
    return 2;
  if (i + 2 >= s.size() || static_cast<unsigned char>(s[i]) != 0xE2 ||
      static_cast<unsigned char>(s[i + 1]) != 0x80)
    return 0;
  const unsigned char c = static_cast<unsigned char>(s[i + 2]);
  if ((c >= 0x90 && c <= 0x9F) || c == 0xA6 || c == 0xB2 || c == 0xB3) return 3;
  return 0;
}

bool IsApostropheAt(std::string_view s, size_t i, size_t* len) {
  if (s[i] == '\'') {
    *len = 1;
    return true;
  }
  if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) == 0x99) {
    *len = 3;
    return true;
  }
  return false;
}

bool IsWordByte(unsigned char c) { return IsAsciiAlnum(c) || c >= 0x80; }

constexpr std::string_view kNot = "not";
constexpr std::string_view kPossessive = "'s";

}  // namespace

double NumberWordValue(std::string_view w) {
  static constexpr struct {
    std::string_view word;
    double value;
  } kWords[] = {{"one", 1},       {"two", 2},        {"three", 3},     {"four", 4},
                {"five", 5},      {"six", 6},        {"seven", 7},     {"eight", 8},
                {"nine", 9},      {"ten", 10},       {"eleven", 11},   {"twelve", 12},
                {"thirteen", 13}, {"fourteen", 14},  {"fifteen", 15},  {"sixteen", 16},
                {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20},
                {"thirty", 30},   {"forty", 40},     {"fifty", 50},    {"sixty", 60},
                {"seventy", 70},  {"eighty", 80},    {"ninety", 90},   {"hundred", 100},
                {"dozen", 12}};
  for (const auto& n : kWords)
    if (n.word == w) return n.value;
  return 0;
}

void Tokenize(std::string_view s, Tokens* out) {
  out->lowered.assign(s.data(), s.size());
  for (char& c : out->lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out->tokens.clear();
  const std::string_view low = out->lowered;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t plen = UnicodePunctLength(s, i);
    if (std::isspace(c) || c == '-' || (plen > 0 && plen != 3) ||
        (plen == 3 && static_cast<unsigned char>(s[i + 2]) >= 0x90 &&
         static_cast<unsigned char>(s[i + 2]) <= 0x95)) {
      i += plen > 0 ? plen : 1;  // spaces, hyphens and dashes only separate
      continue;
    }
    size_t alen = 0;
    if (IsApostropheAt(s, i, &alen)) {
      // "'s" after a word is a possessive; any other apostrophe is a quote.
      if (!out->tokens.empty() && out->tokens.back().end == i && i + alen < s.size() &&
          (s[i + alen] == 's' || s[i + alen] == 'S') &&
          (i + alen + 1 == s.size() || !IsWordByte(static_cast<unsigned char>(s[i + alen + 1])))) {
        Token t;
        t.begin = i;
        t.end = i + alen + 1;
        t.lower = kPossessive;
        out->tokens.push_back(t);
        i = t.end;
        continue;
      }
      // "the rebels' offer": a plural possessive is a possessive too (a closing
      // quote is rarely followed by a lower-case word).
      if (!out->tokens.empty() && out->tokens.back().end == i && !out->tokens.back().punct &&
          (out->tokens.back().lower.ends_with("s")) && i + alen + 1 < s.size() && s[i + alen] == ' ' &&
          std::islower(static_cast<unsigned char>(s[i + alen + 1]))) {
        Token t;
        t.begin = i;
        t.end = i + alen;
        t.lower = kPossessive;
        out->tokens.push_back(t);
        i = t.end;
        continue;
      }
      Token t;
      t.begin = i;
      t.end = i + alen;
      t.lower = low.substr(i, alen);
      t.punct = true;
      out->tokens.push_back(t);
      i += alen;
      continue;
    }
    if (plen == 3 || !IsWordByte(c)) {
      Token t;
      t.begin = i;
      t.end = i + (plen > 0 ? plen : 1);
      t.lower = low.substr(t.begin, t.end - t.begin);
      t.punct = true;
      out->tokens.push_back(t);
      i = t.end;
      continue;
    }
    // A word or number: alphanumerics and non-ASCII letters; digits may hold
    // "," and "." ("1,200", "3.5"); single letters with dots stay together ("U.S.").
    size_t j = i;
    bool digits = std::isdigit(c) != 0;
    while (j < s.size()) {
      const unsigned char d = static_cast<unsigned char>(s[j]);
      if (UnicodePunctLength(s, j) > 0) break;
      if (IsWordByte(d)) {
        ++j;
        continue;
      }
      if ((d == ',' || d == '.') && digits && j + 1 < s.size() &&
          std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
        ++j;
        continue;
      }
      if (d == '.' && j + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[j + 1])) &&
          (j + 2 >= s.size() || s[j + 2] == '.') && (j - i == 1 || (j >= i + 3 && s[j - 2] == '.'))) {
        j += 2;  // "U.S": one letter, a dot, one letter
        continue;
      }
      break;
    }
    // Trailing dot of an initialism: "U.S." keeps its final dot.
    if (j < s.size() && s[j] == '.' && j >= i + 3 && s[j - 2] == '.') ++j;
    std::string_view word = low.substr(i, j - i);
    size_t word_end = j;
    bool negation = false;
    size_t alen2 = 0;
    // "don't", "didn't", "won't": split off the negation.
    if (j < s.size() && IsApostropheAt(s, j, &alen2) && j + alen2 < s.size() &&
        low[j + alen2] == 't' && word.size() > 1 && word.back() == 'n' &&
        (j + alen2 + 1 == s.size() || !IsWordByte(static_cast<unsigned char>(s[j + alen2 + 1])))) {
      word.remove_suffix(1);
      if (word == "ca") word = "can";
      if (word == "wo") word = "will";
      negation = true;
      word_end = j + alen2 + 1;
    }
    Token t;
    t.begin = i;
    t.end = negation ? j - 1 : j;
    t.lower = word;
    t.capitalized = std::isupper(c) != 0;
    t.all_caps = true;
    bool any_alpha = false;
    for (size_t k = i; k < j; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[k]);
      if (std::isalpha(d)) {
        any_alpha = true;
        if (!std::isupper(d)) t.all_caps = false;
      }
    }
    if (!any_alpha) t.all_caps = false;
    if (digits) {
      std::string clean;
      for (char d : word)
        if (d != ',') clean.push_back(d);
      char* endp = nullptr;
      t.value = std::strtod(clean.c_str(), &endp);
      t.number = endp != nullptr && *endp == '\0';
    } else if (double v = NumberWordValue(word); v > 0) {
      t.number = true;
      t.value = v;
    }
    out->tokens.push_back(t);
    if (negation) {
      Token n;
      n.begin = j - 1;
      n.end = word_end;
      n.lower = kNot;
      out->tokens.push_back(n);
    }
    i = word_end;
  }
}

}  // namespace eventwire::extract_internal
