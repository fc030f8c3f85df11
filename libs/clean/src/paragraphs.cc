#include "paragraphs.h"

#include <algorithm>

#include "text_util.h"

namespace eventwire::clean_internal {
namespace {

struct RawLine {
  std::string_view text;  // right-trimmed
  size_t indent = 0;      // leading spaces
};

// Hard-wrapped text: most lines fill the wrap width and few end a sentence.
// Returns the wrap width, or 0 when the text is not hard-wrapped.
size_t WrapWidth(const std::vector<RawLine>& lines) {
  std::vector<size_t> lengths;
  size_t terminal = 0;
  for (const RawLine& l : lines) {
    if (l.text.empty()) continue;
    lengths.push_back(l.indent + l.text.size());
    if (EndsSentence(l.text)) ++terminal;
  }
  if (lengths.size() < 4) return 0;
  std::sort(lengths.begin(), lengths.end());
  // The 90th percentile ignores a few over-long lines (tables, URLs).
  const size_t width = lengths[lengths.size() * 9 / 10];
  if (width < 40 || width > 100) return 0;
  size_t full = 0;
  for (size_t len : lengths) full += len * 4 >= width * 3 ? 1 : 0;
  if (full * 2 < lengths.size()) return 0;
  if (terminal * 2 >= lengths.size()) return 0;
  return width;
}

void AppendCollapsed(std::string_view s, std::string* out) {
  for (char c : s) {
    if (IsSpace(c)) {
      if (!out->empty() && out->back() != ' ') out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
}

void Flush(std::string* current, std::vector<std::string>* out) {
  while (!current->empty() && current->back() == ' ') current->pop_back();
  if (!current->empty()) out->push_back(std::move(*current));
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
  size_t previous_length = 0;
  for (const RawLine& l : lines) {
    const bool starts_paragraph =
        l.text.empty() || l.indent >= 2 || previous_length * 5 < width * 3;
    if (starts_paragraph) Flush(&current, &out);
    if (!current.empty()) {
      // "peace-" at a wrap joins "keeping" without a space.
      const bool hyphen = current.size() >= 2 && current.back() == '-' &&
                          IsAsciiAlpha(current[current.size() - 2]) && !l.text.empty() &&
                          IsAsciiLower(l.text.front());
      if (!hyphen) current.push_back(' ');
    }
    AppendCollapsed(l.text, &current);
    previous_length = l.text.empty() ? 0 : l.indent + l.text.size();
  }
  Flush(&current, &out);
  return out;
}

}  // namespace eventwire::clean_internal
