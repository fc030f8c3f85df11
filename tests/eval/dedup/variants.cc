#include "variants.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace eventwire::dedup_eval {
namespace {

constexpr std::array<const char*, 6> kSites = {"Daily Ledger", "Metro Wire", "Globe Courier",
                                               "Harbor Times", "Valley Post", "Northern Star"};
constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                 "May",     "June",     "July",      "August",
                                                 "September", "October", "November", "December"};

std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

Text Boilerplate(const Text& t, int site) {
  const std::string name = kSites[site % kSites.size()];
  Text v = t;
  v.text = name + " | Home | World | Business | Markets | Opinion\n\nAdvertisement\n\n" + t.text +
           "\n\nShare this article: Facebook | Twitter | Email\n\nSubscribe to the " + name +
           " newsletter for the day's top stories.\n\nCopyright 2026 " + name + " Media. All rights reserved.";
  return v;
}

Text Headline(const Text& t, int site, std::mt19937& rng) {
  Text v = t;
  std::string title = t.title;
  // Wire titles are upper case; sites re-case them and add their own marks.
  for (size_t i = 0; i < title.size(); ++i) {
    const bool word_start = i == 0 || title[i - 1] == ' ';
    title[i] = static_cast<char>(word_start ? std::toupper(static_cast<unsigned char>(title[i]))
                                            : std::tolower(static_cast<unsigned char>(title[i])));
  }
  switch (rng() % 3) {
    case 0: v.title = "UPDATE 1-" + title; break;
    case 1: v.title = title + " | " + kSites[site % kSites.size()]; break;
    default: v.title = "Breaking: " + title; break;
  }
  v.text = "(" + std::string(kSites[site % kSites.size()]) + ") - " + t.text;
  return v;
}

Text Truncate(const Text& t, std::mt19937& rng) {
  const double keep = std::uniform_real_distribution<double>(0.5, 0.9)(rng);
  std::vector<size_t> word_ends;
  for (size_t i = 1; i <= t.text.size(); ++i) {
    if (i == t.text.size() || t.text[i] == ' ' || t.text[i] == '\n') {
      if (t.text[i - 1] != ' ' && t.text[i - 1] != '\n') word_ends.push_back(i);
    }
  }
  Text v = t;
  if (word_ends.size() < 2) return v;
  const size_t n = std::max<size_t>(1, static_cast<size_t>(keep * word_ends.size()));
  v.text = t.text.substr(0, word_ends[n - 1]) + " ...";
  return v;
}

// Typographic punctuation, then UTF-8 bytes read as windows-1252: the most
// common encoding damage on the web ("’" -> "â€™").
Text Mojibake(const Text& t) {
  static const std::array<uint16_t, 32> kCp1252 = {
      0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
      0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};
  auto typographic = [](const std::string& s) {
    std::string out;
    bool open = true;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\'') {
        out += "\u2019";
      } else if (s[i] == '"') {
        out += open ? "\u201C" : "\u201D";
        open = !open;
      } else if (s.compare(i, 3, " - ") == 0) {
        out += " \u2014 ";
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  };
  auto damage = [&](const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        continue;
      }
      const uint32_t cp = c < 0xA0 ? kCp1252[c - 0x80] : c;
      if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    return out;
  };
  return Text{damage(typographic(t.title)), damage(typographic(t.text))};
}

Text Typos(const Text& t, std::mt19937& rng) {
  Text v = t;
  std::string& s = v.text;
  std::bernoulli_distribution hit(0.02);
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
    if (j - i >= 4 && hit(rng)) {
      const size_t k = i + 1 + rng() % (j - i - 2);
      switch (rng() % 3) {
        case 0: std::swap(s[k], s[k + 1]); break;          // transposition
        case 1: s.erase(k, 1); --j; break;                 // dropped letter
        default: s.insert(k, 1, s[k]); ++j; break;          // doubled letter
      }
    }
    i = j + 1;
  }
  return v;
}

// Sentences of a paragraph: a split after ". " only between a lower-case
// letter or digit and an upper-case letter, so "U.S. officials" stays whole.
std::vector<std::string> Sentences(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 1; i + 2 < p.size(); ++i) {
    const auto before = static_cast<unsigned char>(p[i - 1]);
    if (p[i] == '.' && p[i + 1] == ' ' && (std::islower(before) || std::isdigit(before)) &&
        std::isupper(static_cast<unsigned char>(p[i + 2]))) {
      out.push_back(p.substr(start, i + 1 - start));
      start = i + 2;
    }
  }
  out.push_back(p.substr(start));
  return out;
}

Text Reorder(const Text& t, std::mt19937& rng) {
  Text v = t;
  // A wire sign-off after the last sentence ("... Basra. REUTER") stays at
  // the end: moved into the middle, it would make the cleaner cut the copy
  // there, a truncation rather than a reordering.
  std::string body = t.text, signoff;
  const size_t last = body.rfind(". ");
  if (last != std::string::npos && body.find_first_of(" .\n", last + 2) == std::string::npos &&
      body.size() - last - 2 <= 12) {
    signoff = body.substr(last + 1);
    body.resize(last + 1);
  }
  // The lead stays; the rest is re-arranged, as sites do when they re-edit:
  // paragraphs when there are enough, else the sentences after the first.
  std::vector<std::string> paras = Split(body, "\n\n");
  if (paras.size() >= 3) {
    std::shuffle(paras.begin() + 1, paras.end(), rng);
    v.text = Join(paras, "\n\n");
  } else {
    std::vector<std::string> sentences = Sentences(Join(paras, " "));
    if (sentences.size() >= 3) std::rotate(sentences.begin() + 1, sentences.begin() + 2, sentences.end());
    v.text = Join(sentences, " ");
  }
  v.text += signoff;
  return v;
}

// Same wording, different figures: every number gets new digits and every
// month moves, like next month's edition of a statistics report.
std::string ChangeFigures(const std::string& s, std::mt19937& rng) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) ||
                              ((s[i] == '.' || s[i] == ',') && i + 1 < s.size() &&
                               std::isdigit(static_cast<unsigned char>(s[i + 1]))))) {
        if (std::isdigit(static_cast<unsigned char>(s[i]))) {
          const int d = s[i] - '0';
          out.push_back(static_cast<char>('0' + (d + 1 + rng() % 9) % 10));
        } else {
          out.push_back(s[i]);
        }
        ++i;
      }
      continue;
    }
    bool replaced = false;
    if (std::isupper(static_cast<unsigned char>(s[i])) && (i == 0 || !std::isalpha(static_cast<unsigned char>(s[i - 1])))) {
      for (int m = 0; m < 12 && !replaced; ++m) {
        const std::string month = kMonths[m];
        if (s.compare(i, month.size(), month) == 0 &&
            (i + month.size() == s.size() || !std::isalpha(static_cast<unsigned char>(s[i + month.size()])))) {
          out += kMonths[(m + 1 + rng() % 11) % 12];
          i += month.size();
          replaced = true;
        }
      }
    }
    if (!replaced) out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

const char* VariantName(VariantKind kind) {
  switch (kind) {
    case VariantKind::kBoilerplate: return "boilerplate";
    case VariantKind::kHeadline: return "headline";
    case VariantKind::kTruncation: return "truncation";
    case VariantKind::kMojibake: return "mojibake";
    case VariantKind::kTypos: return "typos";
    case VariantKind::kReorder: return "reorder";
    case VariantKind::kLookalike: return "lookalike";
  }
  return "?";
}

int CountFigures(const std::string& text) {
  int n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // A number starts at a digit not preceded by a letter, digit or a
    // thousands/decimal separator that follows a digit ("9,277,520" is one).
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
    const bool inside = i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) ||
                                  ((text[i - 1] == ',' || text[i - 1] == '.') && i > 1 &&
                                   std::isdigit(static_cast<unsigned char>(text[i - 2]))));
    n += !inside;
  }
  for (const std::string m : kMonths) {
    for (size_t at = text.find(m); at != std::string::npos; at = text.find(m, at + 1)) {
      const size_t end = at + m.size();
      n += (at == 0 || !std::isalpha(static_cast<unsigned char>(text[at - 1]))) &&
           (end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end])));
    }
  }
  return n;
}

Text MakeVariant(const Text& original, VariantKind kind, int site, std::mt19937& rng) {
  switch (kind) {
    case VariantKind::kBoilerplate: return Boilerplate(original, site);
    case VariantKind::kHeadline: return Headline(original, site, rng);
    case VariantKind::kTruncation: return Truncate(original, rng);
    case VariantKind::kMojibake: return Mojibake(original);
    case VariantKind::kTypos: return Typos(original, rng);
    case VariantKind::kReorder: return Reorder(original, rng);
    case VariantKind::kLookalike:
      return Text{ChangeFigures(original.title, rng), ChangeFigures(original.text, rng)};
  }
  return original;
}

}  // namespace eventwire::dedup_eval
