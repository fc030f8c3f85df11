#include "paragraphs.h"

#include <algorithm>

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

void AppendCollapsed(std::string_view s, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    // Text with single spaces is copied as it is, in one piece.
    size_t j = i;
    for (; j < s.size(); ++j) {
      const char c = s[j];
      if (c == ' ' ? j + 1 < s.size() && IsSpace(s[j + 1]) : IsSpace(c)) break;
    }
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
