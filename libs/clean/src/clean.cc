// First version: text passthrough, first line as title, naive sentences.
// Replaced by the full cleaner (issue: cleaning).
#include "eventwire/clean.h"

#include "eventwire/utf8.h"

namespace eventwire {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<Span> SplitSentences(std::string_view text) {
  std::vector<Span> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool boundary = (text[i] == '.' || text[i] == '!' || text[i] == '?') &&
                          (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n');
    if (boundary || text[i] == '\n') {
      std::string_view s = text.substr(start, i + 1 - start);
      size_t lead = s.size() - Trim(s).size() - (s.size() - s.find_last_not_of(" \n\t") - 1);
      if (!Trim(s).empty()) out.push_back({start + lead, start + lead + Trim(s).size()});
      start = i + 1;
    }
  }
  if (start < text.size() && !Trim(text.substr(start)).empty()) {
    std::string_view s = text.substr(start);
    size_t lead = s.find_first_not_of(" \n\t");
    out.push_back({start + lead, start + lead + Trim(s).size()});
  }
  return out;
}

}  // namespace

CleanArticle Clean(const v1::RawArticle& raw, const CleanOptions& options) {
  CleanArticle a;
  a.id = raw.id();
  a.url = raw.url();
  a.source = raw.source();
  std::string_view body = Trim(raw.text().empty() ? raw.html() : raw.text());
  a.title = raw.title();
  if (a.title.empty()) {
    size_t nl = body.find('\n');
    a.title = std::string(Trim(body.substr(0, nl)));
    body = nl == std::string_view::npos ? std::string_view() : Trim(body.substr(nl + 1));
  }
  a.text = std::string(body);
  a.language = raw.language().empty() ? "en" : raw.language();
  a.published_at = raw.published_at().seconds();
  if (raw.has_published_at()) a.publication_date = CivilDateFromUnixSeconds(a.published_at);
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
