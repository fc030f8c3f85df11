#include "boilerplate.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "fields.h"
#include "text_util.h"

namespace eventwire::clean_internal {
namespace {

// The vocabulary of web interfaces: buttons, prompts, widgets. Prose uses these
// phrases so rarely that a short line containing one is chrome.
constexpr std::array<std::string_view, 46> kStrongChrome = {
    "subscribe", "subscribed", "subscription", "newsletter", "newsletters", "sign up", "sign in",
    "log in", "login", "follow us", "like us on", "ad blocker", "adblock", "ad-blocker",
    "advertisement", "advertisements", "read more", "also read", "read also", "show more",
    "load more", "see more", "click here", "tap here", "back to top", "all rights reserved",
    "cookie", "cookies", "privacy policy", "terms of use", "terms of service", "email address",
    "skip to", "accessibility links", "leave a comment", "leave a reply", "share this",
    "share on", "your inbox", "sent to your email", "disabling your", "javascript",
    "whitelist", "related articles", "related stories", "continue reading"};

// Words that chrome uses a lot but prose also uses; they only tip short lines.
// Words prose uses all the time ("home", "search", "watch") are left out.
constexpr std::array<std::string_view, 31> kWeakChrome = {
    "comment", "comments", "commenting", "reply", "replies", "share", "shares", "tweet", "facebook", "twitter",
    "whatsapp", "telegram", "instagram", "linkedin", "youtube", "trending", "breaking news",
    "most read", "most popular", "latest news", "top stories", "related", "download", "app",
    "print", "email", "podcast", "donate", "support us", "menu", "sponsored"};

// The reader addressed in the second person: sites talk to "you", news copy
// does so only in quotes.
constexpr std::array<std::string_view, 3> kReaderAddress = {"you", "your", "yourself"};

// Labels that open a line of page furniture ("Related: ...", "Tags: ...").
constexpr std::array<std::string_view, 14> kWidgetLabels = {
    "related", "see also", "read more", "read also", "also read", "more", "tags", "topics", "trending",
    "sponsored", "watch", "listen", "recommended", "filed under"};
// Labels of captions and media credits ("Photo: ...").
constexpr std::array<std::string_view, 15> kCaptionLabels = {
    "photo", "image", "picture", "caption", "photograph", "file photo", "illustration", "video", "graphic",
    "image caption", "image source", "media caption", "photo caption", "picture caption", "video caption"};

// The lower-cased label before a colon within the first three words, if any;
// a label of two or more words may end with a comma ("Image caption, ...").
std::string_view LineLabel(std::string_view line, char (&buf)[24]) {
  size_t n = 0;
  int spaces = 0;
  for (char c : line) {
    if (c == ':' || (c == ',' && spaces > 0)) return std::string_view(buf, n);
    if (c == ' ' && ++spaces >= 3) break;
    if (n == sizeof buf || !(IsAsciiAlpha(c) || c == ' ')) break;
    buf[n++] = static_cast<char>(IsAsciiUpper(c) ? c | 0x20 : c);
  }
  return {};
}

// A media credit in brackets closing the line: "(AP Photo/Jane Doe)",
// "(Photo by J. Doe/Agency via Getty Images)".
bool EndsWithMediaCredit(std::string_view line) {
  line = Trim(line);
  if (!line.ends_with(')')) return false;
  const size_t open = line.rfind('(');
  if (open == std::string_view::npos) return false;
  const std::string_view inner = line.substr(open);
  for (std::string_view w : {"Photo", "photo", "PHOTO", "Getty Images"}) {
    if (inner.find(w) != std::string_view::npos) return true;
  }
  return false;
}

// Longest line that is still judged by its vocabulary.
constexpr int kMaxChromeWords = 30;

// Both phrase lists indexed by the first letter and length of their first
// word, so a line is scanned once, word by word, and a word is compared only
// with the few phrases that start like it (no hashing, no lower-cased copy).
class PhraseIndex {
 public:
  PhraseIndex() {
    for (std::string_view p : kStrongChrome) Add(p, Kind::kStrong);
    for (std::string_view p : kWeakChrome) Add(p, Kind::kWeak);
    for (std::string_view p : kReaderAddress) Add(p, Kind::kReader);
  }

  struct Hits {
    int strong = 0;
    int weak = 0;
    int reader = 0;
  };

  // Distinct phrases found in `line`, matched case-insensitively on word boundaries.
  Hits Count(std::string_view line) const {
    Hits hits;
    std::bitset<kPhrases> seen;  // each phrase counts once
    for (size_t i = 0; i < line.size();) {
      if (!IsAsciiAlpha(line[i])) {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < line.size() && IsAsciiAlpha(line[e])) ++e;
      const size_t len = e - i;
      if (len < kMaxWord &&
          (i == 0 || !IsWordByte(line[i - 1]) || (i >= 3 && static_cast<unsigned char>(line[i - 3]) == 0xE2))) {
        for (const uint8_t id : buckets_[static_cast<size_t>((line[i] | 0x20) - 'a')][len]) {
          const Phrase& p = phrases_[id];
          if (!seen[id] && MatchesAt(line, i, p.text)) {
            seen.set(id);
            ++(p.kind == Kind::kStrong ? hits.strong : p.kind == Kind::kWeak ? hits.weak : hits.reader);
          }
        }
      }
      i = e;
    }
    return hits;
  }

 private:
  static constexpr size_t kMaxWord = 16;
  static constexpr size_t kPhrases = kStrongChrome.size() + kWeakChrome.size() + kReaderAddress.size();
  enum class Kind : uint8_t { kStrong, kWeak, kReader };
  struct Phrase {
    std::string_view text;
    Kind kind;
  };

  void Add(std::string_view p, Kind kind) {
    size_t e = 0;
    while (e < p.size() && IsAsciiAlpha(p[e])) ++e;
    buckets_[static_cast<size_t>(p.front() - 'a')][e].push_back(static_cast<uint8_t>(phrases_.size()));
    phrases_.push_back({p, kind});
  }

  // `phrase` (lower case) at line[i], case-insensitively, ending on a word boundary.
  static bool MatchesAt(std::string_view line, size_t i, std::string_view phrase) {
    if (line.size() - i < phrase.size()) return false;
    for (size_t k = 0; k < phrase.size(); ++k) {
      char c = line[i + k];
      if (IsAsciiUpper(c)) c = static_cast<char>(c | 0x20);
      if (c != phrase[k]) return false;
    }
    const size_t end = i + phrase.size();
    return !IsWordByte(phrase.back()) || end == line.size() || !IsWordByte(line[end]) ||
           (end + 1 < line.size() && static_cast<unsigned char>(line[end]) == 0xE2 &&
            static_cast<unsigned char>(line[end + 1]) <= 0x81);  // ’ ” … after the word
  }

  std::vector<Phrase> phrases_;
  std::array<std::array<std::vector<uint8_t>, kMaxWord>, 26> buckets_;  // [first letter][first word length]
};
const PhraseIndex& ChromePhrases() {
  static const PhraseIndex* index = new PhraseIndex();
  return *index;
}

bool IsTitleCandidate(const LineFeatures& f, std::string_view line) {
  if (f.words < 3 || f.words > 30 || f.strong_chrome > 0 || f.link_list || f.handle_or_url) return false;
  if (f.words <= 5 && f.weak_chrome > 0) return false;
  std::string_view t = Trim(line);
  if (t.ends_with('.') || t.ends_with(':') || t.ends_with(',')) return false;
  return !ParsePageDate(line).has_value() && !ParseByline(line).has_value();
}

}  // namespace

namespace {

// What AnalyzeLine's token loop needs to know about a byte.
constexpr uint8_t kSpaceByte = 1, kWordByte = 2, kSpecialByte = 3;  // 0: other; special: ':' '.' '"' and leads of » › • “ ”
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (IsSpace(c)) t[b] = kSpaceByte;
    else if (IsWordByte(c)) t[b] = kWordByte;
  }
  t[':'] = t['.'] = t['"'] = t[0xC2] = t[0xE2] = kSpecialByte;
  return t;
}();

}  // namespace

LineFeatures AnalyzeLine(std::string_view line) {
  LineFeatures f;
  // One pass, a token (run of non-spaces) at a time, for the structural counts:
  // words, capitalised words, separators, handles and URLs. Past
  // kMaxChromeWords a line is prose for every rule here, so the scan stops
  // there: long paragraphs, most of the text, cost a prefix only.
  int alphabetic = 0, capitalised = 0, pipes = 0, arrows = 0, guillemets = 0, bullets = 0;
  bool url = false, quoted = false;
  const size_t n = line.size();
  for (size_t i = 0; i < n;) {
    if (IsSpace(line[i])) {
      ++i;
      continue;
    }
    const char first = line[i];
    if (IsAsciiAlpha(first)) {
      ++alphabetic;
      capitalised += IsAsciiUpper(first) ? 1 : 0;
    }
    url = url || first == '@';  // a handle
    bool has_text = false;
    size_t e = i;
    for (; e < n; ++e) {
      const auto b = static_cast<unsigned char>(line[e]);
      const uint8_t cls = kByteClass[b];
      if (cls == kSpaceByte) break;
      has_text = has_text || cls == kWordByte;
      if (cls != kSpecialByte) continue;
      has_text = has_text || b >= 0x80;  // the leads of » › • are word bytes too
      if (b == ':') {
        url = url || line.substr(e).starts_with("://");
      } else if (b == '.') {
        url = url || (e >= 3 && line.substr(e - 3, 4) == "www.");
      } else if (b == 0xC2) {
        guillemets += line.substr(e).starts_with("\u00BB") ? 1 : 0;  // »
      } else if (b == '"') {
        quoted = true;
      } else if (b == 0xE2) {
        const std::string_view rest = line.substr(e);
        guillemets += rest.starts_with("\u203A") ? 1 : 0;  // ›
        bullets += rest.starts_with("\u2022") ? 1 : 0;     // •
        quoted = quoted || rest.starts_with("\u201C") || rest.starts_with("\u201D");
      }
    }
    // Only free-standing separators count: "A | B", not "a|b" or "=>".
    if (e == i + 1 && (first == '|' || first == '>') && i > 0 && line[i - 1] == ' ' && e < n && line[e] == ' ') {
      ++(first == '|' ? pipes : arrows);
    }
    if (has_text && ++f.words > kMaxChromeWords) break;
    i = e;
  }
  f.ends_sentence = EndsSentence(line);
  // Chrome is short; a long paragraph is prose whatever words it uses, and
  // skipping the phrase scan there is most of the cleaner's speed.
  if (f.words <= kMaxChromeWords) {
    const PhraseIndex::Hits hits = ChromePhrases().Count(line);
    f.strong_chrome = hits.strong;
    f.weak_chrome = hits.weak;
    f.reader_address = hits.reader > 0;
    f.link_list = pipes >= 2 || arrows >= 2 || guillemets >= 2 || bullets >= 2;
  }
  f.title_case = alphabetic >= 3 && capitalised * 4 >= alphabetic * 3;
  f.handle_or_url = url;
  f.quoted = quoted;
  if (f.words <= kMaxChromeWords) {  // captions and labelled links are short
    char buf[24];
    const std::string_view label = LineLabel(line, buf);
    if (!label.empty()) {
      f.label = std::find(kWidgetLabels.begin(), kWidgetLabels.end(), label) != kWidgetLabels.end();
      f.caption = std::find(kCaptionLabels.begin(), kCaptionLabels.end(), label) != kCaptionLabels.end();
    }
    f.caption = f.caption || EndsWithMediaCredit(line);
  }
  return f;
}

namespace {

// "Please let us know if you're having trouble commenting.": the site talks to
// its reader about its widgets. News copy addresses "you" only in quotes.
bool IsCallToReader(const LineFeatures& f) { return f.reader_address && f.weak_chrome > 0 && !f.quoted; }

}  // namespace

bool IsBodyLike(const LineFeatures& f) {
  if (f.strong_chrome > 0 || f.link_list || f.caption || IsCallToReader(f)) return false;
  if (f.weak_chrome > 0 && f.words < 10) return false;  // "No comments yet. Be the first!"
  return (f.words >= 8 && f.ends_sentence) || f.words >= 20;
}

bool IsChromeAnywhere(const LineFeatures& f) {
  if (f.link_list || f.caption) return true;
  // "Related: Talks stall as tariffs rise" (a link under a label), not "More: The talks ended."
  if (f.label && !f.ends_sentence && f.words <= 20) return true;
  if ((f.strong_chrome > 0 || IsCallToReader(f)) && f.words <= 15) return true;
  // "ADVERTISEMENT", "Share", "Comments (3)": a few words of chrome, no sentence.
  return f.weak_chrome > 0 && f.words <= 3 && !f.ends_sentence;
}

Layout AnalyzeLayout(std::vector<std::string> paragraphs, std::string_view title_hint) {
  Layout layout;
  const size_t n = paragraphs.size();
  std::vector<LineFeatures> features(n);
  std::vector<bool> keep(n, true);
  for (size_t i = 0; i < n; ++i) features[i] = AnalyzeLine(paragraphs[i]);

  // Repeats. Keys of every paragraph; a repeated one whose copies sit next to
  // each other (headline twice, caption + alt text) goes entirely; otherwise
  // later copies go.
  std::vector<uint64_t> keys(n);
  std::vector<std::pair<uint64_t, size_t>> by_key;  // sorted: copies of a line are neighbours
  by_key.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = LineKey(paragraphs[i]);
    if (keys[i] != 0) by_key.emplace_back(keys[i], i);
  }
  std::sort(by_key.begin(), by_key.end());
  std::vector<size_t> copies(n, 1);  // how often paragraph i's line occurs on the page
  for (size_t g = 0; g < by_key.size();) {
    size_t end = g + 1;
    while (end < by_key.size() && by_key[end].first == by_key[g].first) ++end;
    if (end - g >= 2) {
      bool adjacent = false;
      for (size_t k = g + 1; k < end; ++k) adjacent = adjacent || by_key[k].second == by_key[k - 1].second + 1;
      for (size_t k = g; k < end; ++k) {
        copies[by_key[k].second] = end - g;
        if (adjacent || k > g) keep[by_key[k].second] = false;
      }
    }
    g = end;
  }
  uint64_t title_key = LineKey(title_hint);

  // Zones: the body runs from the first to the last body-like paragraph.
  size_t first_body = n, last_body = n;
  for (size_t i = 0; i < n; ++i) {
    if (keep[i] && IsBodyLike(features[i]) && keys[i] != title_key) {
      if (first_body == n) first_body = i;
      last_body = i;
    }
  }
  const bool has_body = first_body != n;
  if (!has_body) first_body = last_body = 0;  // no body-like text: judge lines alone

  // Header: page date, byline, title; everything else in it is chrome, except
  // a long standfirst under the headline.
  std::optional<size_t> title_at;
  for (size_t i = 0; i < first_body; ++i) {
    const std::string& line = paragraphs[i];
    if (!layout.page_date.date.known()) {
      if (std::optional<ResolvedDate> d = ParsePageDate(line)) layout.page_date = *d;
    }
    if (layout.byline.empty()) {
      if (std::optional<std::string> b = ParseByline(line)) layout.byline = *b;
    }
  }
  if (title_key != 0) {
    layout.title = std::string(Trim(title_hint));
  } else {
    // The headline: a repeated title-like line first (pages often print it
    // twice), else the first title-like line of at least four words, else any.
    std::optional<size_t> first_any, first_long;
    for (size_t i = 0; i < first_body; ++i) {
      if (!IsTitleCandidate(features[i], paragraphs[i]) || ParsePageDate(paragraphs[i])) continue;
      if (copies[i] >= 2) {
        title_at = i;
        break;
      }
      if (!first_any) first_any = i;
      if (!first_long && features[i].words >= 4) first_long = i;
    }
    if (!title_at) title_at = first_long ? first_long : first_any;
    if (title_at) {
      layout.title = paragraphs[*title_at];
      title_key = keys[*title_at];
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (title_key != 0 && keys[i] == title_key) keep[i] = false;  // the headline is not body text
  }
  for (size_t i = 0; i < first_body; ++i) {
    const LineFeatures& f = features[i];
    const bool standfirst = title_at && i > *title_at && f.words >= 10 && f.strong_chrome == 0 && !f.link_list;
    if (!standfirst) keep[i] = false;
  }

  // Footer: credits are read off; sentence-like lines without chrome stay.
  std::vector<std::string> body;
  for (size_t i = 0; i < n; ++i) {
    std::string& line = paragraphs[i];
    if (!keep[i]) continue;
    LineFeatures f = features[i];
    const bool footer = has_body && i > last_body;
    // Credit lines ("Reported by ...") stand alone; "(Outlet)" closes the last paragraph.
    std::optional<Credit> c = has_body && i >= first_body ? ParseCredit(line) : std::nullopt;
    if (c && c->begin != 0 && i < last_body) c.reset();
    if (c) {
      {
        if (c->byline) {
          if (layout.byline.empty()) layout.byline = c->name;
        } else if (layout.credit.empty()) {
          layout.credit = c->name;
        }
        line.erase(c->begin, c->end - c->begin);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (line.empty()) {
          keep[i] = false;
          continue;
        }
        f = AnalyzeLine(line);
      }
    }
    if (IsChromeAnywhere(f)) {
      keep[i] = false;
      continue;
    }
    if (footer) {
      // Title Case lines after the body are links and labels ("Our Standards: The Trust Principles.");
      // lines there that talk to the reader ("Thank you for reading.") are the site's.
      const bool sentence = f.ends_sentence && f.words >= 3 && f.weak_chrome == 0 &&
                            f.strong_chrome == 0 && !f.handle_or_url && !f.title_case &&
                            (!f.reader_address || f.quoted);
      if (!sentence) {
        keep[i] = false;
        continue;
      }
    }
    body.push_back(std::move(line));
  }
  for (size_t i = 0; i < n; ++i) layout.removed += keep[i] ? 0 : 1;

  // Dateline: the opening of the first body paragraph.
  if (!body.empty()) {
    if (std::optional<Dateline> d = ParseDateline(body.front())) {
      layout.dateline = d->place;
      if (layout.credit.empty()) layout.credit = d->agency;
      body.front().erase(0, d->length);
    }
  }
  layout.paragraphs = std::move(body);
  return layout;
}

}  // namespace eventwire::clean_internal
