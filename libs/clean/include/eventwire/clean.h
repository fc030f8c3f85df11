// RawArticle -> CleanArticle: encoding repair, HTML to text, boilerplate
// removal, title, dateline/credit/byline, language, sentences and dates.
//
//   eventwire::CleanArticle clean = eventwire::Clean(raw);
//   for (const auto& s : clean.sentences) Use(clean.text.substr(s.begin, s.end - s.begin));
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "eventwire/dates.h"
#include "eventwire/v1/article.pb.h"

namespace eventwire {

// Byte offsets into CleanArticle::text, half-open.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

struct CleanArticle {
  std::string id, url, source;
  std::string title;
  std::string text;            // cleaned body, UTF-8, NFC, paragraphs separated by "\n\n"
  std::string dateline;        // "ISLAMABAD"
  std::string credit;          // "Prensa Latina"
  std::string byline;
  std::string language;        // ISO 639-1, "und" when unknown
  bool language_supported = true;  // language is in CleanOptions::supported_languages
  int64_t published_at = 0;    // Unix seconds; 0 when unknown
  CivilDate publication_date;  // UTC date of published_at (or page date), for resolving relative dates
  std::string page_date;       // ISO date printed on the page, if any
  std::vector<Span> sentences;
  std::vector<DateMatch> dates;
  uint32_t encoding_repairs = 0;
  uint32_t boilerplate_lines_removed = 0;
};

struct CleanOptions {
  // Languages whose articles go on to extraction; others are cleaned and passed through.
  std::vector<std::string> supported_languages = {"en"};
};

CleanArticle Clean(const v1::RawArticle& raw, const CleanOptions& options = {});

// Converts to the published message (offsets become code points).
v1::CleanArticle ToProto(const CleanArticle& article);

}  // namespace eventwire
