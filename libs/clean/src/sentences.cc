#include "sentences.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <array>
#include <memory>

#include "text_util.h"

namespace eventwire::clean_internal {
namespace {

// Abbreviations after which a capitalised word does not start a sentence:
// titles and ranks come before names, month abbreviations before numbers.
constexpr std::array<std::string_view, 40> kTitles = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "cmdr",
    "adm", "brig", "gov", "sen", "rep", "rev", "hon", "pres", "amb", "st", "mt", "ft", "no",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "cf"};

// Abbreviations that may end a sentence too: keep the break when the next word
// is capitalised, merge when it is lower case or a number.
constexpr std::array<std::string_view, 8> kSoftAbbrevs = {"inc", "corp", "co", "ltd", "jr", "sr", "etc", "approx"};

// Words that start sentences: after "U.S." a break before these is real.
constexpr std::array<std::string_view, 24> kSentenceStarters = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "but", "in", "this", "that", "there",
    "his", "her", "their", "its", "on", "at", "as", "after", "meanwhile", "however"};

bool InList(std::string_view word, const auto& list) {
  const std::string lower = AsciiLower(word);
  for (std::string_view w : list) {
    if (lower == w) return true;
  }
  return false;
}

// The token that ends just before byte `end` (which follows a '.').
std::string_view TokenBefore(std::string_view text, size_t end) {
  size_t b = end;
  while (b > 0 && !IsSpace(text[b - 1]) && text[b - 1] != '(' && text[b - 1] != '"') --b;
  return text.substr(b, end - b);
}

std::string_view WordAfter(std::string_view text, size_t pos) {
  while (pos < text.size() && (IsSpace(text[pos]) || text[pos] == '"' || text[pos] == '(')) ++pos;
  size_t e = pos;
  while (e < text.size() && IsWordByte(text[e])) ++e;
  return text.substr(pos, e - pos);
}

// Should the break at `pos` (start of the next sentence) be undone?
bool SuppressBreak(std::string_view text, size_t pos) {
  size_t end = pos;
  while (end > 0 && IsSpace(text[end - 1])) --end;
  if (end == 0) return false;
  for (size_t k = end; k < pos; ++k) {
    if (text[k] == '\n') return false;  // paragraph breaks always stand
  }
  const std::string_view next = WordAfter(text, pos);
  if (next.empty()) return false;
  const bool next_lower = IsAsciiLower(next.front());
  const bool next_digit = IsAsciiDigit(next.front());
  if (text[end - 1] != '.') {
    // '?' or '!' inside a quotation that the sentence carries on from:
    // "Why now?" he asked.
    return next_lower && (text[end - 1] == '"' || text.substr(0, end).ends_with("\u201D"));
  }
  std::string_view token = TokenBefore(text, end - 1);  // without the final '.'
  while (!token.empty() && (token.front() == '\'' || token.front() == '[')) token.remove_prefix(1);
  if (token.empty()) return next_lower;
  if (next_lower) return true;  // "U.S. officials", "approx. five"
  // Initials: "J. K. Rowling", "Gen. A. Smith".
  if (token.size() == 1 && IsAsciiUpper(token.front())) return true;
  if (InList(token, kTitles)) return true;
  if (InList(token, kSoftAbbrevs)) return next_digit;
  // Dotted acronyms "U.S.", "U.N.", "a.m.": a break only before a sentence starter.
  if (token.find('.') != std::string_view::npos && token.size() <= 6) {
    bool dotted = true;
    for (char c : token) dotted = dotted && (IsAsciiAlpha(c) || c == '.');
    if (dotted) return !InList(next, kSentenceStarters);
  }
  return false;
}

icu::BreakIterator* SentenceIterator() {
  // One iterator per thread: creating one costs far more than using it.
  static thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> b(icu::BreakIterator::createSentenceInstance(icu::Locale::getEnglish(), status));
    return U_SUCCESS(status) ? std::move(b) : nullptr;
  }();
  return it.get();
}

void AddTrimmed(std::string_view text, size_t begin, size_t end, std::vector<Span>* out) {
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  if (end > begin) out->push_back({begin, end});
}

}  // namespace

std::vector<Span> SplitSentences(std::string_view text) {
  std::vector<Span> out;
  icu::BreakIterator* it = SentenceIterator();
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (it == nullptr || U_FAILURE(status)) {
    if (ut != nullptr) utext_close(ut);
    AddTrimmed(text, 0, text.size(), &out);
    return out;
  }
  it->setText(ut, status);
  size_t start = 0;
  // For UTF-8 UText, ICU's native indices are byte offsets.
  for (int32_t b = it->next(); b != icu::BreakIterator::DONE; b = it->next()) {
    const size_t pos = static_cast<size_t>(b);
    if (pos >= text.size()) break;
    if (SuppressBreak(text, pos)) continue;
    AddTrimmed(text, start, pos, &out);
    start = pos;
  }
  AddTrimmed(text, start, text.size(), &out);
  it->setText(icu::UnicodeString());  // drop the reference to `ut` before closing it
  utext_close(ut);
  return out;
}

}  // namespace eventwire::clean_internal
