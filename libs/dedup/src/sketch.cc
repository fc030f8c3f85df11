#include "sketch.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <absl/strings/string_view.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace eventwire::dedup {
namespace {

enum class CharClass { kSeparator, kSentenceEnd, kDrop, kWord, kCjk };

// Classifies a code point for tokenising. Latin-1 and Latin Extended letters
// and cp1252 punctuation are dropped inside words: that is what mojibake is
// made of ("Ã©", "â€™"), so dropping them makes damaged and repaired copies
// tokenise alike, at the cost of folding "résumé" to "rsum" (harmless for
// comparing two texts).
CharClass Classify(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      return CharClass::kWord;
    }
    if (cp == '\'') return CharClass::kDrop;  // "don't" -> "dont"
    if (cp == '.' || cp == '!' || cp == '?' || cp == '\n') return CharClass::kSentenceEnd;
    return CharClass::kSeparator;
  }
  if (cp == 0xA0) return CharClass::kSeparator;                 // no-break space
  if (cp <= 0x24F) return CharClass::kDrop;                     // C1, Latin-1, Latin Ext-A/B
  if (cp == 0x2C6 || cp == 0x2DC) return CharClass::kDrop;      // cp1252 ˆ ˜
  if (cp >= 0x2000 && cp <= 0x200F) return CharClass::kSeparator;  // spaces
  if (cp >= 0x2010 && cp <= 0x2015) return CharClass::kSeparator;  // dashes
  if (cp >= 0x2016 && cp <= 0x206F) return CharClass::kDrop;       // quotes, bullets
  if (cp == 0x20AC || cp == 0x2122 || cp == 0xFFFD) return CharClass::kDrop;
  if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F) return CharClass::kSentenceEnd;
  if (cp >= 0x3000 && cp <= 0x303F) return CharClass::kSeparator;  // CJK punctuation
  if ((cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
      (cp >= 0xF900 && cp <= 0xFAFF)) {
    return CharClass::kCjk;
  }
  if (cp >= 0xFF00 && cp <= 0xFF0F) return CharClass::kSeparator;  // fullwidth punctuation
  return CharClass::kWord;  // letters of other scripts, kept as written
}

// Decodes one UTF-8 sequence at text[*i]; invalid bytes decode as U+FFFD.
uint32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto b0 = static_cast<unsigned char>(text[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || *i + len > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The high and low halves of the 128-bit product, folded (wyhash's "mum").
uint64_t MulFold(uint64_t a, uint64_t b) {
  __extension__ using U128 = unsigned __int128;
  const U128 r = static_cast<U128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// The last 1-8 bytes of a word as a little-endian value, zero-padded: one
// masked load when 8 bytes can be read from p (the usual case: the word
// sits inside the text or a padded buffer), else byte by byte.
inline __attribute__((always_inline)) uint64_t LoadTail(const char* p, size_t n, const char* readable_end) {
  if (p + 8 <= readable_end) return Load64(p) & (~0ULL >> (64 - 8 * n));
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  return v;
}

// The word hash of signature version 2 (dedup::kSignatureVersion): a word
// is read 8 bytes at a time, each 8 bytes one multiplication (wyhash-style),
// so a word of up to 8 letters costs one masked load and one multiply. It
// replaced xxHash, whose general-purpose set-up per call (branches on the
// length) was most of a short word's cost. Only distinctness matters here:
// each shingle hash is mixed again (Mix) before it picks a bin.
// `readable_end`: bytes up to there may be loaded (and masked off).
inline __attribute__((always_inline)) uint64_t WordHash(const char* p, size_t n, const char* readable_end) {
  constexpr uint64_t k0 = 0xA0761D6478BD642FULL, k1 = 0xE7037ED1A0B428DBULL, k2 = 0x8EBC6AF09C88C6E3ULL;
  if (n == 0) return k2;
  uint64_t h = n;
  for (; n > 8; p += 8, n -= 8) h = MulFold(Load64(p) ^ k0, h ^ k1);
  return MulFold(LoadTail(p, n, readable_end) ^ k0, h ^ k2);
}

uint64_t HashBytes(absl::string_view s) { return WordHash(s.data(), s.size(), s.data() + s.size()); }

// splitmix64 finaliser: cheap, well-mixed 64-bit permutation.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// The end of the run of lowercase ASCII letters that goes on at text[i]:
// 16 bytes per step (a byte loop paid a mispredicted exit per word and most
// of the tokeniser's time).
inline __attribute__((always_inline)) size_t LowercaseRunEnd(absl::string_view text, size_t i) {
  const char* const t = text.data();
  const size_t n = text.size();
#ifdef __SSE2__
  const __m128i before_a = _mm_set1_epi8('a' - 1), after_z = _mm_set1_epi8('z' + 1);
  for (; i + 16 <= n; i += 16) {
    // Signed compares: bytes >= 0x80 are negative, so never letters.
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + i));
    const auto letters = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z))));
    if (letters != 0xFFFF) return i + static_cast<size_t>(__builtin_ctz(~letters));
  }
#endif
  while (i < n && t[i] >= 'a' && t[i] <= 'z') ++i;
  return i;
}

// An ASCII character that ends a word where it stands: not a letter, digit
// or apostrophe (those continue it), nor a non-ASCII byte (which may).
bool EndsAsciiWord(char ch) {
  const auto b = static_cast<unsigned char>(ch);
  return b < 0x80 && b != '\'' && !(b >= 'a' && b <= 'z') && !(b >= 'A' && b <= 'Z') && !(b >= '0' && b <= '9');
}

// Month and weekday names, compared by word hash: one load and compare per
// word from a direct-mapped table whose slot bits are chosen (at start-up)
// so that the 30 names do not collide; no branch on the word.
class TemporalWords {
 public:
  TemporalWords() {
    const absl::string_view words[] = {"january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december", "jan", "feb", "mar", "apr",
                                       "jun", "jul", "aug", "sep", "oct", "nov", "dec", "monday", "tuesday",
                                       "wednesday", "thursday", "friday", "saturday", "sunday"};
    // 30 names in 1024 slots: about one shift in two is collision-free.
    for (shift_ = 0; shift_ < 54; ++shift_) {
      slots_.fill(0);
      bool clash = false;
      for (absl::string_view w : words) {
        const uint64_t h = HashBytes(w);
        uint64_t& slot = slots_[Slot(h)];
        clash = clash || slot != 0;
        slot = h;
      }
      if (!clash) return;
    }
    std::abort();  // no shift separates them: a changed word hash must pick another table size
  }
  bool Contains(uint64_t h) const { return slots_[Slot(h)] == h; }

 private:
  static constexpr size_t kSlots = 1024;
  size_t Slot(uint64_t h) const { return (h >> shift_) & (kSlots - 1); }
  std::array<uint64_t, kSlots> slots_{};
  int shift_ = 0;
};

const TemporalWords kTemporalWords;

// Positions of the first figure and name tokens, noted while tokenising so
// that FillFigures need not walk every token (twice) to find the few.
struct TokenMarks {
  static constexpr uint32_t kCap = 64;
  std::array<uint32_t, kCap> figures, names;
  uint32_t num_figures = 0, num_names = 0;  // may exceed kCap: then not all noted
};

void TokenizeMarked(absl::string_view text, std::vector<Token>* tokens, TokenMarks* marks) {
  tokens->clear();
  thread_local std::string word;  // reused: no allocation per call
  word.clear();
  bool has_digit = false, capital = false, sentence_start = true;
  // Inlined: it runs once per word (as a call it was a fifth of the sketch).
  auto emit = [&](const char* w, size_t len, const char* w_end) __attribute__((always_inline)) {
    Token t;
    t.hash = WordHash(w, len, w_end);
    t.figure = has_digit | kTemporalWords.Contains(t.hash);
    t.name = capital && !sentence_start && !t.figure && len >= 3;
    const auto at = static_cast<uint32_t>(tokens->size());
    tokens->push_back(t);
    if (t.figure) {
      if (marks->num_figures < TokenMarks::kCap) marks->figures[marks->num_figures] = at;
      ++marks->num_figures;
    } else if (t.name) {
      if (marks->num_names < TokenMarks::kCap) marks->names[marks->num_names] = at;
      ++marks->num_names;
    }
    has_digit = capital = sentence_start = false;
  };
  auto flush = [&] {
    if (word.empty()) return;
    emit(word.data(), word.size(), word.data() + word.size());
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    // Fast path for what most text is made of; the same outcome as below.
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 'a' && b <= 'z') {
      const size_t j = LowercaseRunEnd(text, i + 1);
      if (word.empty() && (j == text.size() || EndsAsciiWord(text[j]))) {
        // A whole lowercase word (no capital or digit is pending while the
        // word is empty, so a point or comma after it is no decimal point):
        // hashed where it stands, and a space after it consumed.
        emit(text.data() + i, j - i, text.data() + text.size());
        i = j + (j < text.size() && text[j] == ' ' ? 1 : 0);
        continue;
      }
      word.append(text.data() + i, j - i);
      i = j;
      continue;
    }
    if (b >= 'A' && b <= 'Z' && word.empty()) {
      // A capitalised word ("Officials"): lowercased into a small buffer
      // and hashed at once, the same token the word buffer would make.
      const size_t j = LowercaseRunEnd(text, i + 1);
      char lowered[32 + 8] = {};  // + 8: the hash may load (and mask) past the word
      if (j - i <= 32 && (j == text.size() || EndsAsciiWord(text[j]))) {
        lowered[0] = static_cast<char>(b - 'A' + 'a');
        std::memcpy(lowered + 1, text.data() + i + 1, j - i - 1);
        capital = true;
        emit(lowered, j - i, lowered + sizeof lowered);
        i = j + (j < text.size() && text[j] == ' ' ? 1 : 0);
        continue;
      }
    }
    if (b == ' ') {
      flush();
      ++i;
      continue;
    }
    const size_t at = i;
    const uint32_t cp = NextCodePoint(text, &i);
    CharClass c = Classify(cp);
    // Keep "5.2" and "1,200" whole: a point or comma between digits is part of the number.
    if ((cp == '.' || cp == ',') && has_digit && !word.empty() && word.back() >= '0' &&
        word.back() <= '9' && i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (cp == '.') word.push_back('.');
      continue;
    }
    switch (c) {
      case CharClass::kWord:
        if (cp < 0x80) {
          char ch = static_cast<char>(cp);
          if (ch >= 'A' && ch <= 'Z') {
            if (word.empty()) capital = true;
            ch = static_cast<char>(ch - 'A' + 'a');
          }
          if (ch >= '0' && ch <= '9') has_digit = true;
          word.push_back(ch);
        } else {
          word.append(text.data() + at, i - at);
        }
        break;
      case CharClass::kDrop:
        break;
      case CharClass::kCjk:
        flush();
        word.append(text.data() + at, i - at);
        flush();
        break;
      case CharClass::kSentenceEnd:
        flush();
        sentence_start = true;
        break;
      case CharClass::kSeparator:
        flush();
        break;
    }
  }
  flush();
}

}  // namespace

uint64_t WordHash(absl::string_view word) { return HashBytes(word); }

void Tokenize(absl::string_view text, std::vector<Token>* tokens) {
  TokenMarks marks;
  TokenizeMarked(text, tokens, &marks);
}

namespace {

// Calls f(hash) for each word 5-gram shingle of the tokens.
template <typename F>
void ForEachShingle(const std::vector<Token>& tokens, F&& f) {
  if (tokens.empty()) return;
  if (tokens.size() < static_cast<size_t>(kShingleWords)) {
    uint64_t h = 0;
    for (const Token& t : tokens) h = Mix(Rotl(h, 13) ^ t.hash);
    f(h);
    return;
  }
  // The window hash is rotl(t[i], 44) ^ rotl(t[i+1], 33) ^ ... ^ t[i+4];
  // rolled: rotate by 11, take the word leaving out (now at 55), add the new one.
  const Token* t = tokens.data();
  uint64_t h = 0;
  for (int k = 0; k < kShingleWords; ++k) h = Rotl(h, 11) ^ t[k].hash;
  f(Mix(h));
  for (size_t i = kShingleWords; i < tokens.size(); ++i) {
    h = Rotl(h, 11) ^ Rotl(t[i - kShingleWords].hash, 11 * kShingleWords) ^ t[i].hash;
    f(Mix(h));
  }
}

}  // namespace

void Shingles(const std::vector<Token>& tokens, std::vector<uint64_t>* out) {
  out->clear();
  ForEachShingle(tokens, [&](uint64_t h) { out->push_back(h); });
}

namespace {

// One-permutation MinHash with optimal densification (Shrivastava, ICML 2017):
// an empty bin copies the bin a per-bin hash sequence first lands on that is
// non-empty, which keeps the collision probability equal to Jaccard.
// Bins from the per-bin minima of the shingle hashes (~0 = empty bin).
void FillBins(const std::array<uint64_t, kBins>& mins, Sketch* sketch) {
  std::array<bool, kBins> filled;
  int nonempty = 0;
  for (int b = 0; b < kBins; ++b) {
    filled[b] = mins[b] != ~0ULL;
    nonempty += filled[b];
  }
  for (int b = 0; b < kBins; ++b) {
    uint64_t v = mins[b];
    if (!filled[b] && nonempty > 0) {
      // Bounded: with at least one filled bin each probe succeeds with
      // probability >= 1/64; after 4096 probes fall back to a linear scan.
      int found = -1;
      for (uint64_t attempt = 1; attempt <= 4096 && found < 0; ++attempt) {
        const int j = static_cast<int>(Mix((static_cast<uint64_t>(b) << 32) | attempt) & (kBins - 1));
        if (filled[j]) found = j;
      }
      for (int j = 0; found < 0; ++j) {
        if (filled[(b + j) % kBins]) found = (b + j) % kBins;
      }
      v = mins[found];
    }
    sketch->bins[b] = static_cast<uint8_t>(Mix(v) >> 56);
  }
}

// The first kMaxFigures figures (then names) in text order, each keyed by its
// context. Text order keeps the lead's figures, which truncated copies share.
// Figures come before names so site chrome full of capitalised words cannot
// crowd them out.
void FillFigures(const std::vector<Token>& tokens, const TokenMarks& marks, Sketch* sketch) {
  auto key_of = [&](size_t i) {
    auto ctx = [&](ptrdiff_t j) -> uint64_t {
      if (j < 0 || j >= static_cast<ptrdiff_t>(tokens.size())) return 0x51ED;
      // A neighbouring figure counts as "a figure", so one changed number
      // does not also misalign its neighbours' contexts.
      return tokens[j].figure ? 0xF16 : tokens[j].hash;
    };
    const auto p = static_cast<ptrdiff_t>(i);
    return static_cast<uint16_t>(Mix(ctx(p - 2) * 31 + Rotl(ctx(p - 1), 17) + Rotl(ctx(p + 1), 41)) >> 48);
  };
  // A context seen twice in one text is ambiguous (which value is "the"
  // figure there depends on paragraph order): such keys are left out.
  constexpr int kScan = 4 * kMaxFigures;
  std::array<FigureSlot, kScan> found;
  std::array<bool, kScan> ambiguous{};
  int m = 0;
  auto take = [&](size_t i) {
    const uint16_t key = key_of(i);
    bool seen = false;
    for (int k = 0; k < m && !seen; ++k) {
      if (found[k].key == key) seen = ambiguous[k] = true;
    }
    if (!seen) found[m++] = {key, static_cast<uint16_t>(tokens[i].hash >> 48)};
  };
  auto scan = [&](bool want_figure) {
    const uint32_t noted = want_figure ? marks.num_figures : marks.num_names;
    if (noted <= TokenMarks::kCap) {
      const uint32_t* at = want_figure ? marks.figures.data() : marks.names.data();
      for (uint32_t k = 0; k < noted && m < kScan; ++k) take(at[k]);
      return;
    }
    for (size_t i = 0; i < tokens.size() && m < kScan; ++i) {  // more than were noted
      if (want_figure ? tokens[i].figure : tokens[i].name) take(i);
    }
  };
  scan(/*want_figure=*/true);
  scan(/*want_figure=*/false);
  int n = 0;
  for (int k = 0; k < m && n < kMaxFigures; ++k) {
    if (!ambiguous[k]) sketch->figures[n++] = found[k];
  }
  sketch->num_figures = static_cast<uint8_t>(n);
}

}  // namespace

Sketch MakeSketch(absl::string_view text, std::vector<uint32_t>* shingle_set) {
  thread_local std::vector<Token> tokens;
  TokenMarks marks;
  TokenizeMarked(text, &tokens, &marks);
  // One pass over the shingles: per-bin minima (the top 6 bits pick the
  // bin; a branch-free min, as which shingle lowers a bin is random) and
  // the 32-bit set for exact verification.
  std::array<uint64_t, kBins> mins;
  mins.fill(~0ULL);
  const size_t count = tokens.size() < static_cast<size_t>(kShingleWords) ? std::min<size_t>(tokens.size(), 1)
                                                                             : tokens.size() - kShingleWords + 1;
  // Room for the shingles, written through a pointer (push_back kept the
  // loop from being unrolled).
  thread_local std::vector<uint32_t> unused;
  std::vector<uint32_t>& set = shingle_set ? *shingle_set : unused;
  set.clear();
  // A reused buffer much larger than needed would hold cache budget idle.
  if (set.capacity() > 2 * count) std::vector<uint32_t>().swap(set);
  set.reserve(count);
  set.resize(count);
  uint32_t* out = set.data();
  ForEachShingle(tokens, [&](uint64_t h) __attribute__((always_inline)) {
    uint64_t& m = mins[h >> 58];
    m = std::min<uint64_t>(m, h & ((uint64_t{1} << 58) - 1));
    *out++ = static_cast<uint32_t>(h >> 32);
  });
  Sketch sketch;
  sketch.shingles = static_cast<uint16_t>(std::min<size_t>(count, 0xFFFF));
  FillBins(mins, &sketch);
  FillFigures(tokens, marks, &sketch);
  return sketch;
}

void SortSet(std::vector<uint32_t>* shingles) {
  std::vector<uint32_t>& v = *shingles;
  if (v.size() < 128) {
    std::sort(v.begin(), v.end());
  } else {
    // LSD radix sort, 4 passes of 8 bits: about a third of std::sort's time
    // on the few hundred to few thousand shingles of an article.
    thread_local std::vector<uint32_t> scratch;
    scratch.resize(v.size());
    std::array<std::array<uint32_t, 256>, 4> count{};
    for (uint32_t x : v) {
      for (int d = 0; d < 4; ++d) ++count[d][(x >> (8 * d)) & 0xFF];
    }
    uint32_t* from = v.data();
    uint32_t* to = scratch.data();
    for (int d = 0; d < 4; ++d) {
      uint32_t sum = 0;
      for (uint32_t& c : count[d]) {
        const uint32_t n = c;
        c = sum;
        sum += n;
      }
      for (size_t k = 0; k < v.size(); ++k) to[count[d][(from[k] >> (8 * d)) & 0xFF]++] = from[k];
      std::swap(from, to);
    }
    // Four passes: the sorted values are back in v.
  }
  shingles->erase(std::unique(shingles->begin(), shingles->end()), shingles->end());
}

uint64_t BandKey(const Sketch& sketch, int band, int rows_per_band) {
  uint64_t h = Mix(static_cast<uint64_t>(band) + 1);
  for (int r = 0; r < rows_per_band; ++r) {
    h = Mix(h ^ sketch.bins[band * rows_per_band + r]);
  }
  return h;
}

}  // namespace eventwire::dedup
