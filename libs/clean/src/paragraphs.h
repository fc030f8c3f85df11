// Plain text -> paragraphs. Scrapes put one paragraph per line (or blank lines
// between paragraphs); wire copy such as Reuters hard-wraps paragraphs at a
// fixed width and indents the first line. Both become one string per paragraph
// with internal whitespace collapsed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eventwire::clean_internal {

std::vector<std::string> SplitParagraphs(std::string_view text);

}  // namespace eventwire::clean_internal
