// The tokenizer against a straightforward per-byte reference written from
// its definition (sketch.h), over random ASCII / UTF-8 / mojibake /
// number-heavy texts and the Reuters corpus when present; and the sketches
// of signature version 2 pinned, so a faster tokenizer cannot change them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sketch.h"

namespace eventwire::dedup {
namespace {

// ---- Reference: one code point at a time, no fast paths. ----

enum class Class { kSeparator, kSentenceEnd, kDrop, kWord, kCjk };

Class ClassOf(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) return Class::kWord;
    if (cp == '\'') return Class::kDrop;
    if (cp == '.' || cp == '!' || cp == '?' || cp == '\n') return Class::kSentenceEnd;
    return Class::kSeparator;
  }
  if (cp == 0xA0) return Class::kSeparator;
  if (cp <= 0x24F) return Class::kDrop;
  if (cp == 0x2C6 || cp == 0x2DC) return Class::kDrop;
  if (cp >= 0x2000 && cp <= 0x200F) return Class::kSeparator;
  if (cp >= 0x2010 && cp <= 0x2015) return Class::kSeparator;
  if (cp >= 0x2016 && cp <= 0x206F) return Class::kDrop;
  if (cp == 0x20AC || cp == 0x2122 || cp == 0xFFFD) return Class::kDrop;
  if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F) return Class::kSentenceEnd;
  if (cp >= 0x3000 && cp <= 0x303F) return Class::kSeparator;
  if ((cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF)) {
    return Class::kCjk;
  }
  if (cp >= 0xFF00 && cp <= 0xFF0F) return Class::kSeparator;
  return Class::kWord;
}

// One UTF-8 sequence; an invalid or cut sequence is U+FFFD for one byte.
uint32_t Decode(const std::string& s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  const int len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 1) return s[(*i)++];
  if (len == 0 || *i + len > s.size()) return ++*i, 0xFFFD;
  uint32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return ++*i, 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsTemporal(const std::string& w) {
  static const char* const kWords[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december", "jan", "feb", "mar", "apr",
                                       "jun", "jul", "aug", "sep", "oct", "nov", "dec", "monday", "tuesday",
                                       "wednesday", "thursday", "friday", "saturday", "sunday"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

std::vector<Token> Reference(const std::string& text) {
  std::vector<Token> out;
  std::string word;
  bool has_digit = false, capital = false, sentence_start = true;
  auto flush = [&] {
    if (word.empty()) return;
    Token t;
    t.hash = WordHash(word);
    t.figure = has_digit || IsTemporal(word);
    t.name = capital && !sentence_start && !t.figure && word.size() >= 3;
    out.push_back(t);
    word.clear();
    has_digit = capital = sentence_start = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t at = i;
    const uint32_t cp = Decode(text, &i);
    // A point or comma between digits of a word belongs to the number ("5.2", "1,200" = "1200").
    if ((cp == '.' || cp == ',') && !word.empty() && IsDigit(word.back()) && i < text.size() && IsDigit(text[i])) {
      if (cp == '.') word.push_back('.');
      continue;
    }
    switch (ClassOf(cp)) {
      case Class::kWord:
        if (cp >= 0x80) {
          word.append(text, at, i - at);
        } else if (cp >= 'A' && cp <= 'Z') {
          capital = capital || word.empty();
          word.push_back(static_cast<char>(cp - 'A' + 'a'));
        } else {
          has_digit = has_digit || IsDigit(static_cast<char>(cp));
          word.push_back(static_cast<char>(cp));
        }
        break;
      case Class::kDrop:
        break;
      case Class::kCjk:
        flush();
        word.append(text, at, i - at);
        flush();
        break;
      case Class::kSentenceEnd:
        flush();
        sentence_start = true;
        break;
      case Class::kSeparator:
        flush();
        break;
    }
  }
  flush();
  return out;
}

// ---- Texts: pieces that exercise every rule, glued at random. ----

const char* const kPieces[] = {
    // ASCII words of every shape and case
    "the", "a", "of", "reuters", "Reuters", "REUTERS", "McDonald", "iPhone", "Officials", "said", "x",
    "abcdefghijklmnopqrstuvwxyz", "Abcdefghijklmnopqrstuvwxyzabcdefghijklmnop", "March", "may", "MAY", "Monday",
    "sept", "Oct", "dec", "DEC",
    // numbers and their punctuation
    "5.2", "1,200", "1.200,50", "3.", ".5", "1.2.3", "12,5,", "10pct", "a1b", "2024", "0", "99.9%", "$4.5", "5.a",
    "a.5", "a,5", "5,a", "1..2", "1,,2", "1.,2",
    // apostrophes, quotes, dashes
    "don't", "'quote'", "O'Neil", "5'.3", "'", "''", "rock'n'roll", "Ma'am",
    // separators and sentence ends
    " ", "  ", "\n", "\n\n", ".", ",", ";", "!", "?", "-", "\"", "(", ")", "\t", "/", "...", ". ", "\r\n", ":",
    // UTF-8: accents, other scripts, CJK, spaces, typographic punctuation
    "caf\u00e9", "na\u00efve", "Z\u00fcrich", "\u00fc", "\u2019", "\u201c", "\u201d", "\u2014", "\u00a0", "\u2002",
    "\u041c\u043e\u0441\u043a\u0432\u0430", "\u0391\u03b8\u03ae\u03bd\u03b1", "\u4e2d\u56fd\u3002", "\ud55c\uad6d",
    "\uff01", "\u20ac", "\u2122", "\ufffd", "\u02c6", "\u3001", "\uff0c", "\u0436",
    // mojibake (UTF-8 read as cp1252, then written as UTF-8 again)
    "\u00e2\u20ac\u2122", "\u00c3\u00a9", "\u00c3\u00bc", "don\u00e2\u20ac\u2122t",
    // invalid UTF-8: lone continuation bytes, cut sequences, overlong-looking leads
    "\x80", "\xbf\xbf", "\xe2\x80", "\xc3", "\xf0\x9f\x98", "\xff", "\xc0\xaf", "\xe2" "a",
};

std::string RandomText(std::mt19937_64& rng, size_t max_pieces) {
  std::string text;
  const size_t pieces = rng() % (max_pieces + 1);
  const int mode = static_cast<int>(rng() % 4);  // 0 prose, 1 numbers, 2 non-ASCII, 3 raw bytes
  for (size_t p = 0; p < pieces; ++p) {
    const uint64_t r = rng();
    if (mode == 3 && r % 5 == 0) {
      text.push_back(static_cast<char>(rng() & 0xFF));
      continue;
    }
    const size_t n = sizeof kPieces / sizeof kPieces[0];
    size_t k = (r >> 8) % n;
    if (mode == 1 && r % 2 == 0) k = (r >> 8) % 20 + 21;  // the number pieces
    if (mode == 2 && r % 2 == 0) k = n - 1 - (r >> 8) % 34;  // the non-ASCII pieces
    text += kPieces[k];
    if (r % 3 != 0) text.push_back(r % 17 == 0 ? '\n' : ' ');  // usually a space between pieces
  }
  return text;
}

void ExpectSameTokens(const std::string& text, const std::string& what) {
  std::vector<Token> got;
  Tokenize(text, &got);
  const std::vector<Token> want = Reference(text);
  ASSERT_EQ(got.size(), want.size()) << what << ": " << text;
  ASSERT_LE(got.size(), text.size() / 2 + 1) << "the token buffer's bound";
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].hash, want[i].hash) << what << ", token " << i << ": " << text;
    ASSERT_EQ(got[i].figure, want[i].figure) << what << ", token " << i << ": " << text;
    ASSERT_EQ(got[i].name, want[i].name) << what << ", token " << i << ": " << text;
  }
}

TEST(TokenizerPropertyTest, MatchesThePerByteReferenceOnRandomTexts) {
  for (bool baseline : {false, true}) {  // AVX2 (where the CPU has it) and SSE2 byte classes
    UseBaselineClassifierForTesting(baseline);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20000; ++i) {
      // Mostly short (every alignment to a 64-byte block), some ~4 KB articles.
      ExpectSameTokens(RandomText(rng, i % 10 == 0 ? 900 : 40), "random text " + std::to_string(i));
      if (HasFatalFailure()) break;
    }
    UseBaselineClassifierForTesting(false);
    if (HasFatalFailure()) return;
  }
}

// Every piece before and after every other, at every offset around a 64-byte
// boundary: the rules that look at a neighbouring byte meet block edges.
TEST(TokenizerPropertyTest, MatchesThePerByteReferenceAcrossBlockEdges) {
  const size_t n = sizeof kPieces / sizeof kPieces[0];
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      const std::string pair = std::string(kPieces[a]) + kPieces[b];
      for (size_t pad : {0, 55, 60, 61, 62, 63, 64, 120, 126, 127}) {
        ExpectSameTokens(std::string(pad, 'w') + " " + pair + " 7", "pair");
        ExpectSameTokens(std::string(pad, ' ') + pair, "pair at the end");
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(TokenizerPropertyTest, MatchesThePerByteReferenceOnTheCorpus) {
  std::string corpus;
  for (int f = 0; f < 22; ++f) {
    char name[32];
    std::snprintf(name, sizeof name, "/reut2-%03d.sgm", f);
    std::ifstream in(std::string(EVENTWIRE_SHARED_DIR) + "/corpora/reuters21578" + name, std::ios::binary);
    if (!in) continue;
    std::ostringstream s;
    s << in.rdbuf();
    corpus += s.str();
  }
  if (corpus.empty()) GTEST_SKIP() << "Reuters-21578 not found under " << EVENTWIRE_SHARED_DIR << "/corpora";
  // The raw SGML in 4 KB chunks at odd offsets: prose, tables of figures, markup.
  for (size_t at = 0; at + 4096 <= corpus.size(); at += 4096 * 7 + 13) {
    ExpectSameTokens(corpus.substr(at, 4096), "corpus at " + std::to_string(at));
    if (HasFatalFailure()) return;
  }
}

// ---- Signature version 2 pinned ----

uint64_t Fnv(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ULL;
  return h;
}

// Sketches and shingle sets of fixed generated texts (std::mt19937_64's
// output is fixed by the standard) hash to the value signature version 2 had
// when it was introduced. A tokenizer or sketch change that moves it changes
// every record and snapshot: that needs a new kSignatureVersion (record.h).
TEST(SignatureVersionTest, SketchesOfVersion2AreUnchanged) {
  std::mt19937_64 rng(2);
  uint64_t h = 0xCBF29CE484222325ULL;
  std::vector<uint32_t> set;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = RandomText(rng, i % 5 == 0 ? 900 : 120);
    const Sketch s = MakeSketch(text, &set);
    h = Fnv(h, s.bins.data(), s.bins.size());
    h = Fnv(h, &s.shingles, sizeof s.shingles);
    h = Fnv(h, &s.num_figures, sizeof s.num_figures);
    for (const FigureSlot& f : s.figures) {
      h = Fnv(h, &f.key, sizeof f.key);
      h = Fnv(h, &f.value, sizeof f.value);
    }
    h = Fnv(h, set.data(), set.size() * sizeof(uint32_t));
  }
  EXPECT_EQ(h, 0x26777BF13CC64CBEULL) << std::hex << "digest 0x" << h;
}

}  // namespace
}  // namespace eventwire::dedup
