// The cleaning stage, top to bottom: bytes -> repaired UTF-8 -> text
// (from HTML if need be) -> paragraphs -> body and fields -> language,
// sentences, dates. Each step lives in its own file in this folder.
#include "eventwire/clean.h"

#include <algorithm>

#include "boilerplate.h"
#include "encoding.h"
#include "html_text.h"
#include "language.h"
#include "paragraphs.h"
#include "sentences.h"
#include "text_util.h"
#include "eventwire/utf8.h"

namespace eventwire {
namespace {

using namespace clean_internal;

std::string CleanInline(std::string_view s, uint32_t* repairs) {
  std::string out;
  for (char c : RepairAndNormalize(s, repairs)) {
    if (IsSpace(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return std::string(Trim(out));
}

}  // namespace

CleanArticle Clean(const v1::RawArticle& raw, const CleanOptions& options) {
  CleanArticle a;
  a.id = raw.id();
  a.url = raw.url();
  a.source = raw.source();

  uint32_t repairs = 0;
  std::string title_hint = CleanInline(raw.title(), &repairs);
  const bool has_text = !Trim(raw.text()).empty();
  std::string body = RepairAndNormalize(has_text ? raw.text() : raw.html(), &repairs);
  if (!has_text || LooksLikeHtml(body)) {
    HtmlText html = HtmlToText(body);
    if (title_hint.empty()) title_hint = CleanInline(html.title, &repairs);
    body = NormalizeText(html.text);  // entities such as &nbsp; only appear now
  }

  Layout layout = AnalyzeLayout(SplitParagraphs(body), title_hint);
  a.title = std::move(layout.title);
  a.byline = std::move(layout.byline);
  a.dateline = std::move(layout.dateline);
  a.credit = std::move(layout.credit);
  a.boilerplate_lines_removed = layout.removed;
  for (std::string& p : layout.paragraphs) {
    if (!a.text.empty()) a.text += "\n\n";
    a.text += p;
  }
  a.encoding_repairs = repairs;

  if (raw.has_published_at() && raw.published_at().seconds() != 0) {
    a.published_at = raw.published_at().seconds();
    a.publication_date = CivilDateFromUnixSeconds(a.published_at);
  }
  if (layout.page_date.date.known()) {
    a.page_date = layout.page_date.Iso();
    // The page's own date stands in for a publication date the producer did not send.
    if (!a.publication_date.known()) a.publication_date = layout.page_date.date;
  }

  // Language id reads only the start of the text; do not copy the rest.
  size_t head_size = std::min<size_t>(a.text.size(), 1024);
  while (head_size < a.text.size() && (static_cast<unsigned char>(a.text[head_size]) & 0xC0) == 0x80) --head_size;
  const std::string_view head = std::string_view(a.text).substr(0, head_size);
  a.language = DetectLanguage(a.title.empty() ? std::string(head) : a.title + "\n" + std::string(head), raw.language());
  a.language_supported = std::find(options.supported_languages.begin(), options.supported_languages.end(),
                                   a.language) != options.supported_languages.end();
  a.sentences = SplitSentences(a.text);
  a.dates = FindDates(a.text, a.publication_date);
  return a;
}

v1::CleanArticle ToProto(const CleanArticle& a) {
  v1::CleanArticle p;
  p.set_article_id(a.id);
  p.set_url(a.url);
  p.set_source(a.source);
  p.set_title(a.title);
  p.set_text(a.text);
  p.set_dateline(a.dateline);
  p.set_credit(a.credit);
  p.set_byline(a.byline);
  p.set_language(a.language);
  if (a.published_at != 0) p.mutable_published_at()->set_seconds(a.published_at);
  p.set_page_date(a.page_date);
  for (const Span& s : a.sentences) {
    auto* out = p.add_sentences();
    out->set_start(static_cast<uint32_t>(CodePointOffset(a.text, s.begin)));
    out->set_end(static_cast<uint32_t>(CodePointOffset(a.text, s.end)));
  }
  for (const DateMatch& d : a.dates) {
    auto* out = p.add_dates();
    out->set_start(static_cast<uint32_t>(CodePointOffset(a.text, d.begin)));
    out->set_end(static_cast<uint32_t>(CodePointOffset(a.text, d.end)));
    out->set_text(d.text);
    out->set_date(d.resolved.Iso());
    out->set_precision(std::string(DatePrecisionName(d.resolved.precision)));
  }
  p.set_encoding_repairs(a.encoding_repairs);
  p.set_boilerplate_lines_removed(a.boilerplate_lines_removed);
  return p;
}

}  // namespace eventwire
