#include "paragraphs.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "text_util.h"

namespace eventwire::clean_internal {
namespace {

struct RawLine {
  std::string_view text;  // right-trimmed
  size_t indent = 0;      // leading spaces
};

// A line that does not end a sentence, followed by an unindented line that
// starts in lower case or with a digit: the sentence was wrapped.
bool Continues(const RawLine& line, const RawLine& next) {
  if (line.text.empty() || next.text.empty() || next.indent >= 2 || EndsSentence(line.text)) return false;
  const char c = next.text.front();
  return IsAsciiLower(c) || IsAsciiDigit(c);
}

// Hard-wrapped text: lines stop at a fixed width, and sentences visibly carry
// on to the next line. Returns the wrap width, or 0 when not hard-wrapped.
size_t WrapWidth(const std::vector<RawLine>& lines) {
  std::vector<size_t> lengths;
  size_t pairs = 0, continued = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].text.empty()) continue;
    lengths.push_back(lines[i].indent + lines[i].text.size());
    if (i + 1 < lines.size() && !lines[i + 1].text.empty()) {
      ++pairs;
      continued += Continues(lines[i], lines[i + 1]) ? 1 : 0;
    }
  }
  if (lengths.size() < 3 || continued < 2 || continued * 10 < pairs * 3) return 0;
  std::sort(lengths.begin(), lengths.end());
  // The 90th percentile ignores a few over-long lines (tables, URLs).
  const size_t width = lengths[lengths.size() * 9 / 10];
  return width >= 30 && width <= 120 ? width : 0;
}

// Bytes equal to c get 0x80, others 0 (exact: no carries between bytes).
uint64_t BytesEqual(uint64_t w, char c) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
  const uint64_t x = w ^ (0x0101010101010101ull * static_cast<unsigned char>(c));
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

// Offset of the first byte that whitespace collapsing changes: a tab, CR or
// newline, or a space followed by a space. Eight bytes at a time.
static_assert(std::endian::native == std::endian::little, "FirstToCollapse reads the first byte in the low bits");
size_t FirstToCollapse(std::string_view s) {
  size_t i = 0;
  for (; i + 9 <= s.size(); i += 8) {
    uint64_t w, next;
    std::memcpy(&w, s.data() + i, 8);
    std::memcpy(&next, s.data() + i + 1, 8);
    const uint64_t hits = (BytesEqual(w, ' ') & BytesEqual(next, ' ')) | BytesEqual(w, '\t') |
                          BytesEqual(w, '\r') | BytesEqual(w, '\n');
    if (hits != 0) return i + static_cast<size_t>(std::countr_zero(hits)) / 8;
  }
  for (; i < s.size(); ++i) {
    if (s[i] == ' ' ? i + 1 < s.size() && s[i + 1] == ' ' : IsSpace(s[i])) return i;
  }
  return s.size();
}

void AppendCollapsed(std::string_view s, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    // Text with single spaces is copied as it is, in one piece.
    size_t j = i + FirstToCollapse(s.substr(i));
    out->append(s.substr(i, j - i));
    if (j == s.size()) break;
    if (!out->empty() && out->back() != ' ') out->push_back(' ');
    while (j < s.size() && IsSpace(s[j])) ++j;
    i = j;
  }
}

void Flush(std::string* current, std::vector<std::string>* out) {
  while (!current->empty() && current->back() == ' ') current->pop_back();
  // A copy of exactly the right size; `current` keeps its buffer for the next paragraph.
  if (!current->empty()) out->emplace_back(*current);
  current->clear();
}

}  // namespace

std::vector<std::string> SplitParagraphs(std::string_view text) {
  std::vector<RawLine> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    RawLine l;
    while (l.indent < line.size() && (line[l.indent] == ' ' || line[l.indent] == '\t')) ++l.indent;
    l.text = Trim(line.substr(l.indent));
    lines.push_back(l);
    start = end + 1;
  }

  std::vector<std::string> out;
  std::string current;
  const size_t width = WrapWidth(lines);
  if (width == 0) {
    for (const RawLine& l : lines) {
      AppendCollapsed(l.text, &current);
      Flush(&current, &out);
    }
    return out;
  }
  const RawLine* previous = nullptr;
  for (const RawLine& l : lines) {
    // A short previous line ended its paragraph unless this line visibly continues it.
    const bool previous_short =
        previous != nullptr && (previous->indent + previous->text.size()) * 5 < width * 3;
    const bool starts_paragraph = l.text.empty() || l.indent >= 2 || previous == nullptr ||
                                  previous->text.empty() || (previous_short && !Continues(*previous, l));
    if (starts_paragraph) Flush(&current, &out);
    if (!current.empty()) {
      // "peace-" at a wrap joins "keeping" without a space.
      const bool hyphen = current.size() >= 2 && current.back() == '-' &&
                          IsAsciiAlpha(current[current.size() - 2]) && !l.text.empty() &&
                          IsAsciiLower(l.text.front());
      if (!hyphen) current.push_back(' ');
    }
    AppendCollapsed(l.text, &current);
    previous = &l;
  }
  Flush(&current, &out);
  return out;
}

}  // namespace eventwire::clean_internal
