// HTML -> plain text with the block structure kept: one paragraph per block
// element, separated by blank lines. Parsed with gumbo (an HTML5 parser), so
// broken markup degrades the way browsers degrade it.
#pragma once

#include <string>
#include <string_view>

namespace eventwire::clean_internal {

struct HtmlText {
  std::string title;  // <title>, else the first <h1>; empty when neither
  std::string text;   // paragraphs separated by "\n\n"
};

// Drops script, style, template, forms, nav, aside, footer, header chrome,
// comments and elements whose class/id names them as chrome (menu, share,
// cookie, newsletter, related, comments, ad...). `html` must be valid UTF-8.
HtmlText HtmlToText(std::string_view html);

// Cheap sniff: does this plain-text body actually carry HTML markup?
bool LooksLikeHtml(std::string_view text);

}  // namespace eventwire::clean_internal
