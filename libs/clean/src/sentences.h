// Sentence segmentation: ICU's sentence BreakIterator (Unicode UAX #29 rules)
// run directly over the UTF-8 text, then news-specific repairs: no break after
// abbreviations and titles ("U.S.", "Gen.", "Jan."), initials ("J. Smith") or
// inside a quotation that continues in lower case. Paragraph breaks always end
// a sentence, so a headline-like line without a period is a sentence of its own.
#pragma once

#include <string_view>
#include <vector>

#include "eventwire/clean.h"

namespace eventwire::clean_internal {

// Byte spans of the sentences of `text` (valid UTF-8), whitespace trimmed.
std::vector<Span> SplitSentences(std::string_view text);

}  // namespace eventwire::clean_internal
