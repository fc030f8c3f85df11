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
#ifdef __x86_64__
#include <immintrin.h>
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
// sits inside the text or a padded buffer), else byte by byte. `fold` is
// ORed into every byte (see WordHash).
inline __attribute__((always_inline)) uint64_t LoadTail(const char* p, size_t n, const char* readable_end,
                                                        uint64_t fold) {
  if (p + 8 <= readable_end) return (Load64(p) | fold) & (~0ULL >> (64 - 8 * n));
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  return (v | fold) & (~0ULL >> (64 - 8 * n));
}

// The word hash of signature version 2 (dedup::kSignatureVersion): a word
// is read 8 bytes at a time, each 8 bytes one multiplication (wyhash-style),
// so a word of up to 8 letters costs one masked load and one multiply. It
// replaced xxHash, whose general-purpose set-up per call (branches on the
// length) was most of a short word's cost. Only distinctness matters here:
// each shingle hash is mixed again (Mix) before it picks a bin.
// `readable_end`: bytes up to there may be loaded (and masked off).
// kFoldCase: the word is ASCII letters and digits as written, hashed as its
// lowercase (OR 0x20 maps 'A'-'Z' to 'a'-'z' and keeps letters and digits).
template <bool kFoldCase = false>
inline __attribute__((always_inline)) uint64_t WordHash(const char* p, size_t n, const char* readable_end) {
  constexpr uint64_t k0 = 0xA0761D6478BD642FULL, k1 = 0xE7037ED1A0B428DBULL, k2 = 0x8EBC6AF09C88C6E3ULL;
  constexpr uint64_t fold = kFoldCase ? 0x2020202020202020ULL : 0;
  if (n == 0) return k2;
  uint64_t h = n;
  for (; n > 8; p += 8, n -= 8) h = MulFold((Load64(p) | fold) ^ k0, h ^ k1);
  return MulFold(LoadTail(p, n, readable_end, fold) ^ k0, h ^ k2);
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

// Tokens as the sketch reads them: word hashes, and per token a byte of
// flags (kFigureFlag, kNameFlag).
inline constexpr uint8_t kFigureFlag = 1, kNameFlag = 2;
struct TokenList {
  const uint64_t* hashes;
  const uint8_t* flags;
  size_t size;

  bool figure(size_t i) const { return flags[i] & kFigureFlag; }
  bool name(size_t i) const { return flags[i] & kNameFlag; }
};

// Where both tokenizer paths put tokens. The buffers have room for every
// token of the text: each token but the last takes at least two of its
// bytes (a word and the byte that ends it; a CJK character alone is three),
// so at most n / 2 + 1 (see TokenSinkFor).
struct TokenSink {
  uint64_t* hashes;
  uint8_t* flags;
  size_t size = 0;
  // True at the start and after a run that left a sentence start pending
  // (the exact path's state; the byte masks cover only sentence ends
  // between runs).
  bool sentence_after = true;

  inline __attribute__((always_inline)) void Emit(uint64_t hash, bool figure, bool name) {
    hashes[size] = hash;
    flags[size] = static_cast<uint8_t>(figure * kFigureFlag | name * kNameFlag);
    ++size;
    sentence_after = false;
  }
  // The flag rules for a word token of `len` bytes.
  inline __attribute__((always_inline)) void EmitWord(uint64_t hash, bool has_digit, bool capital,
                                                      bool sentence_start, size_t len) {
    const bool figure = has_digit | kTemporalWords.Contains(hash);
    Emit(hash, figure, capital & !sentence_start & !figure & (len >= 3));
  }
  TokenList Finish() const { return TokenList{hashes, flags, size}; }
};

TokenSink TokenSinkFor(absl::string_view text) {
  // Grow only: resizing zero-fills.
  thread_local std::vector<uint64_t> hashes;
  thread_local std::vector<uint8_t> flags;
  const size_t most = text.size() / 2 + 2;
  if (hashes.size() < most) {
    hashes.resize(most);
    flags.resize(most);
  }
  return TokenSink{hashes.data(), flags.data()};
}

// The exact rules, one code point at a time, over text[begin, end): a whole
// run (see ByteBlock) that the block scan leaves to it, so the word buffer
// starts and ends empty here. The sink goes in and out by value, so the
// caller's stays in registers.
TokenSink TokenizeRunExactly(absl::string_view text, size_t begin, size_t end, bool sentence_start, TokenSink sink) {
  thread_local std::string word;  // reused: no allocation per call
  word.clear();
  bool has_digit = false, capital = false;
  auto flush = [&] {
    if (word.empty()) return;
    sink.EmitWord(WordHash(word.data(), word.size(), word.data() + word.size()), has_digit, capital, sentence_start,
                  word.size());
    word.clear();
    has_digit = capital = sentence_start = false;
  };
  size_t i = begin;
  while (i < end) {
    const size_t at = i;
    const uint32_t cp = NextCodePoint(text, &i);
    // Keep "5.2" and "1,200" whole: a point or comma between digits is part of the number.
    if ((cp == '.' || cp == ',') && has_digit && !word.empty() && word.back() >= '0' && word.back() <= '9' &&
        i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (cp == '.') word.push_back('.');
      continue;
    }
    switch (Classify(cp)) {
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
  sink.sentence_after = sentence_start;
  return sink;
}

// The text's bytes in classes, one bit per byte, 64 bytes per block. A "run"
// is a maximal stretch of word-ish bytes: ASCII letters and digits,
// apostrophes, non-ASCII bytes, and a point or comma between a word-ish byte
// and a digit. Every other byte is ASCII and ends a word wherever it stands
// (the exact rules flush there), so tokens never span two runs and the word
// buffer is empty between runs. A run of letters and digits only is one
// token; a run with a "complex" byte (apostrophe, non-ASCII, point or comma)
// goes through TokenizeRunExactly. What the scan needs to know of a run is
// marked at the byte after it (`*_ends`), where the scan finds its end.
struct ByteBlock {
  uint64_t starts;           // the first byte of each run
  uint64_t ends;             // the byte after each run
  uint64_t complex_ends;     // ... of each run that holds a complex byte
  uint64_t digit_ends;       // ... of each run that holds a digit
  uint64_t name_ends;        // ... of each run that starts with 'A'-'Z' and no sentence end before it
  uint64_t sentence_starts;  // run starts with a sentence end ('.', '!', '?', '\n') between them and the run before
};

struct RawMasks {
  uint64_t wordish, odd, digit, upper, point_comma, sentence_end;
};

#ifdef __SSE2__
// 16 bytes -> 16-bit masks, OR-ed into the 64-bit masks at `shift`.
inline __attribute__((always_inline)) void Classify16(const char* p, int shift, RawMasks* m) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed compares: bytes >= 0x80 are negative, so never in a range here;
  // their sign bit is what marks them non-ASCII in a movemask.
  const __m128i upper =
      _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
  const __m128i lower =
      _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));
  const __m128i digit =
      _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  const __m128i point = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
  const __m128i comma = _mm_cmpeq_epi8(v, _mm_set1_epi8(','));
  const __m128i end = _mm_or_si128(_mm_or_si128(point, _mm_cmpeq_epi8(v, _mm_set1_epi8('!'))),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('?')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
  const __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')), v);  // v: its sign bit
  auto bits = [shift](__m128i x) { return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(x))) << shift; };
  m->wordish |= bits(_mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(digit, odd)));
  m->odd |= bits(odd);
  m->digit |= bits(digit);
  m->upper |= bits(upper);
  m->point_comma |= bits(_mm_or_si128(point, comma));
  m->sentence_end |= bits(end);
}
#endif

inline __attribute__((always_inline)) RawMasks Classify64(const char* p) {
  RawMasks m{};
#ifdef __SSE2__
  for (int k = 0; k < 4; ++k) Classify16(p + 16 * k, 16 * k, &m);
#else
  for (int k = 0; k < 64; ++k) {
    const auto b = static_cast<unsigned char>(p[k]);
    const uint64_t bit = uint64_t{1} << k;
    const bool upper = b >= 'A' && b <= 'Z', lower = b >= 'a' && b <= 'z', digit = b >= '0' && b <= '9';
    const bool odd = b == '\'' || b >= 0x80;
    if (upper || lower || digit || odd) m.wordish |= bit;
    if (odd) m.odd |= bit;
    if (digit) m.digit |= bit;
    if (upper) m.upper |= bit;
    if (b == '.' || b == ',') m.point_comma |= bit;
    if (b == '.' || b == '!' || b == '?' || b == '\n') m.sentence_end |= bit;
  }
#endif
  return m;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define EVENTWIRE_DEDUP_AVX2 1
// The same 64 bytes in two 32-byte steps, for CPUs with AVX2 (chosen at run
// time: the build's baseline is x86-64 without it).
__attribute__((target("avx2"), always_inline)) inline RawMasks Classify64Avx2(const char* p) {
  RawMasks m{};
  for (int k = 0; k < 2; ++k) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
    const __m256i upper = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('A' - 1)),
                                           _mm256_cmpgt_epi8(_mm256_set1_epi8('Z' + 1), v));
    const __m256i lower = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('a' - 1)),
                                           _mm256_cmpgt_epi8(_mm256_set1_epi8('z' + 1), v));
    const __m256i digit = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
                                           _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v));
    const __m256i point = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'));
    const __m256i comma = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(','));
    const __m256i end = _mm256_or_si256(
        _mm256_or_si256(point, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('!'))),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('?')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))));
    const __m256i odd = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\'')), v);  // v: its sign bit
    const int shift = 32 * k;
    auto bits = [shift](__m256i x) __attribute__((target("avx2"))) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(x))) << shift;
    };
    m.wordish |= bits(_mm256_or_si256(_mm256_or_si256(upper, lower), _mm256_or_si256(digit, odd)));
    m.odd |= bits(odd);
    m.digit |= bits(digit);
    m.upper |= bits(upper);
    m.point_comma |= bits(_mm256_or_si256(point, comma));
    m.sentence_end |= bits(end);
  }
  return m;
}
#endif

// a + b + *carry, the carry out left in *carry.
inline uint64_t AddWithCarry(uint64_t a, uint64_t b, bool* carry) {
  uint64_t sum;
  const bool c1 = __builtin_add_overflow(a, b, &sum);
  const bool c2 = __builtin_add_overflow(sum, uint64_t{*carry}, &sum);
  *carry = c1 | c2;
  return sum;
}

// The raw masks of every block of the text, and of one zero block after.
// A macro, not a template: a function that inlines the AVX2 classifier
// must itself be compiled for AVX2.
#define EVENTWIRE_CLASSIFY_BLOCKS(classify64)                               \
  const size_t n = text.size(), num = (n + 63) / 64;                        \
  for (size_t k = 0; 64 * k + 64 <= n; ++k) out[k] = classify64(text.data() + 64 * k); \
  if (n % 64 != 0) {                                                        \
    char tail[64] = {}; /* zero bytes: separators, in no class */           \
    std::memcpy(tail, text.data() + 64 * (num - 1), n % 64);                \
    out[num - 1] = classify64(tail);                                        \
  }                                                                         \
  out[num] = out[num + 1] = RawMasks{};

void ClassifyBlocksBaseline(absl::string_view text, RawMasks* out) { EVENTWIRE_CLASSIFY_BLOCKS(Classify64) }

#ifdef EVENTWIRE_DEDUP_AVX2
__attribute__((target("avx2"))) void ClassifyBlocksAvx2(absl::string_view text, RawMasks* out) {
  EVENTWIRE_CLASSIFY_BLOCKS(Classify64Avx2)
}
#endif
#undef EVENTWIRE_CLASSIFY_BLOCKS

bool baseline_classifier_for_testing = false;

// Fills blocks[0, ceil(n / 64)]; the last block holds the end of a run
// that reaches the end of the text, if it ends on a block boundary.
void ClassifyBytes(absl::string_view text, std::vector<ByteBlock>* blocks) {
  const size_t n = text.size(), num = (n + 63) / 64;
  thread_local std::vector<RawMasks> raw;
  raw.resize(num + 2);
  // Both give the same masks; AVX2 in half the instructions.
#ifdef EVENTWIRE_DEDUP_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && !baseline_classifier_for_testing) {
    ClassifyBlocksAvx2(text, raw.data());
  } else {
    ClassifyBlocksBaseline(text, raw.data());
  }
#else
  ClassifyBlocksBaseline(text, raw.data());
#endif
  blocks->resize(num + 1);
  ByteBlock* out = blocks->data();
  uint64_t wordish_before = 0, run_before = 0;  // bit 63 of the previous block's masks
  bool sentence_carry = false, complex_carry = false, digit_carry = false, name_carry = false;
  for (size_t k = 0; k <= num; ++k) {
    const RawMasks& m = raw[k];
    // A point or comma after a word-ish byte and before a digit may be a
    // decimal point or thousands separator ("5.2", "1,200"): inside the run.
    const uint64_t after_wordish = (m.wordish << 1) | wordish_before;
    const uint64_t before_digit = (m.digit >> 1) | (raw[k + 1].digit << 63);
    const uint64_t number_punct = m.point_comma & after_wordish & before_digit;
    const uint64_t run = m.wordish | number_punct;
    const uint64_t run_shifted = (run << 1) | run_before;
    const uint64_t starts = run & ~run_shifted;
    // A sentence end added to the bits that are not run starts carries up
    // to the next run start (in this block or a later one).
    const uint64_t sentence_starts = AddWithCarry(~starts, m.sentence_end & ~run, &sentence_carry) & starts;
    // Bits of a run added to the run carry up to the byte after it.
    const uint64_t outside = ~run;
    out[k] = ByteBlock{starts,
                       outside & run_shifted,
                       AddWithCarry(run, m.odd | number_punct, &complex_carry) & outside,
                       AddWithCarry(run, m.digit, &digit_carry) & outside,
                       AddWithCarry(run, starts & m.upper & ~sentence_starts, &name_carry) & outside,
                       sentence_starts};
    wordish_before = m.wordish >> 63;
    run_before = run >> 63;
  }
}

// WordHash<true> of a word of 1-8 letters and digits with 8 readable bytes
// at p: one load and one multiply.
inline __attribute__((always_inline)) uint64_t ShortWordHash(const char* p, size_t n) {
  constexpr uint64_t k0 = 0xA0761D6478BD642FULL, k2 = 0x8EBC6AF09C88C6E3ULL;
  return MulFold(((Load64(p) | 0x2020202020202020ULL) & (~0ULL >> (64 - 8 * n))) ^ k0, n ^ k2);
}

// Words found from the byte classes: each run from its start and end
// (trailing-zero counts) and three bits read where it ends, then one token
// per plain run (hashed where it stands, the case folded in the load) or
// the exact rules for a complex one. No branch per byte, and in plain text
// none per word that is not predictable. The outcome is the exact rules'
// (TokenizeRunExactly's) on the whole text; the property tests in
// tokenizer_test.cc check it.
TokenList TokenizeText(absl::string_view text) {
  thread_local std::vector<ByteBlock> blocks;
  ClassifyBytes(text, &blocks);
  const ByteBlock* const b = blocks.data();
  const char* const t = text.data();
  const char* const t_end = t + text.size();
  TokenSink sink = TokenSinkFor(text);
  size_t end_block = 0;
  uint64_t end_bits = b[0].ends;  // each start meets the end of its run, lowest first
  for (size_t k = 0; k + 1 < blocks.size(); ++k) {
    for (uint64_t starts = b[k].starts; starts != 0; starts &= starts - 1) {
      const size_t start = 64 * k + static_cast<size_t>(__builtin_ctzll(starts));
      while (end_bits == 0) end_bits = b[++end_block].ends;  // a run has an end
      const int e = __builtin_ctzll(end_bits);
      end_bits &= end_bits - 1;
      const ByteBlock& eb = b[end_block];
      const size_t end = 64 * end_block + static_cast<size_t>(e);
      if ((eb.complex_ends >> e) & 1) {
        const bool sentence_start = ((b[k].sentence_starts >> (start & 63)) & 1) | sink.sentence_after;
        sink = TokenizeRunExactly(text, start, end, sentence_start, sink);
        continue;
      }
      const char* const w = t + start;
      const size_t len = end - start;
      const uint64_t hash = len <= 8 && w + 8 <= t_end ? ShortWordHash(w, len) : WordHash<true>(w, len, t_end);
      const bool figure = ((eb.digit_ends >> e) & 1) | kTemporalWords.Contains(hash);
      sink.Emit(hash, figure, ((eb.name_ends >> e) & 1) & !sink.sentence_after & !figure & (len >= 3));
    }
  }
  return sink.Finish();
}

}  // namespace

uint64_t WordHash(absl::string_view word) { return HashBytes(word); }

void UseBaselineClassifierForTesting(bool baseline) { baseline_classifier_for_testing = baseline; }

void Tokenize(absl::string_view text, std::vector<Token>* tokens) {
  const TokenList list = TokenizeText(text);
  tokens->resize(list.size);
  for (size_t i = 0; i < list.size; ++i) (*tokens)[i] = Token{list.hashes[i], list.figure(i), list.name(i)};
}

namespace {

// Calls f(hash) for each word 5-gram shingle of the token hashes t[0, n).
template <typename F>
void ForEachShingle(const uint64_t* t, size_t n, F&& f) {
  if (n == 0) return;
  if (n < static_cast<size_t>(kShingleWords)) {
    uint64_t h = 0;
    for (size_t i = 0; i < n; ++i) h = Mix(Rotl(h, 13) ^ t[i]);
    f(h);
    return;
  }
  // The window hash is rotl(t[i], 44) ^ rotl(t[i+1], 33) ^ ... ^ t[i+4];
  // rolled: rotate by 11, take the word leaving out (now at 55), add the new one.
  uint64_t h = 0;
  for (int k = 0; k < kShingleWords; ++k) h = Rotl(h, 11) ^ t[k];
  f(Mix(h));
  for (size_t i = kShingleWords; i < n; ++i) {
    h = Rotl(h, 11) ^ Rotl(t[i - kShingleWords], 11 * kShingleWords) ^ t[i];
    f(Mix(h));
  }
}

}  // namespace

void Shingles(const std::vector<Token>& tokens, std::vector<uint64_t>* out) {
  std::vector<uint64_t> hashes;
  for (const Token& t : tokens) hashes.push_back(t.hash);
  out->clear();
  ForEachShingle(hashes.data(), hashes.size(), [&](uint64_t h) { out->push_back(h); });
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
void FillFigures(const TokenList& tokens, Sketch* sketch) {
  auto key_of = [&](size_t i) {
    auto ctx = [&](ptrdiff_t j) -> uint64_t {
      if (j < 0 || j >= static_cast<ptrdiff_t>(tokens.size)) return 0x51ED;
      // A neighbouring figure counts as "a figure", so one changed number
      // does not also misalign its neighbours' contexts.
      return tokens.figure(static_cast<size_t>(j)) ? 0xF16 : tokens.hashes[j];
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
    if (!seen) found[m++] = {key, static_cast<uint16_t>(tokens.hashes[i] >> 48)};
  };
  // The tokens with the flag, in order: eight flag bytes at a time (few
  // tokens are figures or names).
  auto scan = [&](uint8_t flag) {
    const uint64_t in_each = flag * 0x0101010101010101ULL;
    for (size_t i = 0; i < tokens.size && m < kScan; i += 8) {
      uint64_t v = 0;
      std::memcpy(&v, tokens.flags + i, std::min<size_t>(8, tokens.size - i));
      for (v &= in_each; v != 0 && m < kScan; v &= v - 1) take(i + static_cast<size_t>(__builtin_ctzll(v)) / 8);
    }
  };
  scan(kFigureFlag);
  scan(kNameFlag);
  int n = 0;
  for (int k = 0; k < m && n < kMaxFigures; ++k) {
    if (!ambiguous[k]) sketch->figures[n++] = found[k];
  }
  sketch->num_figures = static_cast<uint8_t>(n);
}

}  // namespace

Sketch MakeSketch(absl::string_view text, std::vector<uint32_t>* shingle_set) {
  const TokenList tokens = TokenizeText(text);
  // One pass over the shingles: per-bin minima (the top 6 bits pick the
  // bin; a branch-free min, as which shingle lowers a bin is random) and
  // the 32-bit set for exact verification.
  std::array<uint64_t, kBins> mins;
  mins.fill(~0ULL);
  const size_t count = tokens.size < static_cast<size_t>(kShingleWords) ? std::min<size_t>(tokens.size, 1)
                                                                           : tokens.size - kShingleWords + 1;
  // Room for the shingles, written through a pointer (push_back kept the
  // loop from being unrolled).
  thread_local std::vector<uint32_t> unused;
  std::vector<uint32_t>& set = shingle_set ? *shingle_set : unused;
  // A reused buffer much larger than needed would hold cache budget idle.
  if (set.capacity() > 2 * count) std::vector<uint32_t>().swap(set);
  // Not cleared first: every element is overwritten below, and resizing a
  // reused set of about this size zero-fills only the difference.
  set.resize(count);
  uint32_t* out = set.data();
  ForEachShingle(tokens.hashes, tokens.size, [&](uint64_t h) __attribute__((always_inline)) {
    uint64_t& m = mins[h >> 58];
    m = std::min<uint64_t>(m, h & ((uint64_t{1} << 58) - 1));
    *out++ = static_cast<uint32_t>(h >> 32);
  });
  Sketch sketch;
  sketch.shingles = static_cast<uint16_t>(std::min<size_t>(count, 0xFFFF));
  FillBins(mins, &sketch);
  FillFigures(tokens, &sketch);
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
