// Separates an article's body from the page around it. Works on paragraphs of
// plain text (a scrape, or HTML already reduced to text) with rules about
// structure, not about particular sites:
//   - the body is the run of sentence-like paragraphs; what comes before it is
//     the header (site chrome, headline, byline, page date), what comes after
//     it the footer (share/subscribe/comment widgets, credits);
//   - lines repeated on the page are chrome (headline shown twice, caption and
//     its alt text); the first copy of a repeated body paragraph stays;
//   - short lines made of web-interface vocabulary ("Subscribe", "Leave a
//     Comment", "Back to top") and link lists ("Home | World | Asia") are
//     chrome wherever they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventwire/dates.h"

namespace eventwire::clean_internal {

// Features of a line. Lines longer than 30 words are prose to every rule, so
// only their first 31 words are read: `words` stops at 31, and title case and
// handles/URLs are judged on that prefix.
struct LineFeatures {
  int words = 0;
  bool ends_sentence = false;
  int strong_chrome = 0;  // phrases that only web chrome uses ("subscribe", "ad blocker")
  int weak_chrome = 0;    // words chrome uses often and prose sometimes ("comments", "share")
  bool reader_address = false;  // "you", "your": the site talking to its reader
  bool quoted = false;          // has quotation marks (speech may say "you")
  bool link_list = false;  // "A | B | C", breadcrumbs, bullet-separated menus
  bool label = false;      // starts with a widget label: "Related: ...", "Tags: ..."
  bool caption = false;    // "Photo: ...", "... (AP Photo/Jane Doe)"
  bool handle_or_url = false;
  bool title_case = false;  // most words capitalised: a heading or a link label
};

LineFeatures AnalyzeLine(std::string_view line);

// A paragraph of body text: a sentence of some length, no chrome vocabulary.
bool IsBodyLike(const LineFeatures& f);

// A line that is chrome anywhere on the page, body included.
bool IsChromeAnywhere(const LineFeatures& f);

struct Layout {
  std::string title;
  std::string byline;
  std::string dateline;
  std::string credit;
  ResolvedDate page_date;    // precision day and date.known() when found
  std::vector<std::string> paragraphs;  // the body, in order
  uint32_t removed = 0;      // paragraphs dropped as boilerplate
};

// `title_hint`: the producer's title (or the HTML <title>/<h1>), may be empty.
Layout AnalyzeLayout(std::vector<std::string> paragraphs, std::string_view title_hint);

}  // namespace eventwire::clean_internal
