// Text -> Sketch: the compact, comparable summary of one article that the
// index stores (MinHash bins, figure slots, shingle count).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <absl/strings/string_view.h>

namespace eventwire::dedup {

inline constexpr int kBins = 64;       // one-permutation MinHash bins
inline constexpr int kMaxFigures = 8;  // figure slots kept per article
inline constexpr int kShingleWords = 5;

// A figure or name seen in a context: key = hash(two words before, one
// after), value = hash(the figure). Two texts disagree on a figure when the
// same key carries different values.
struct FigureSlot {
  uint16_t key = 0;
  uint16_t value = 0;
};

// 100 bytes. Bins keep 8 bits of each densified per-bin minimum (b-bit
// MinHash, b = 8): unequal minima then collide with p = 1/256, which the
// Jaccard estimate corrects for, at an eighth of the memory.
struct Sketch {
  std::array<uint8_t, kBins> bins{};
  uint16_t shingles = 0;  // shingle count (saturating), for containment
  uint8_t num_figures = 0;
  std::array<FigureSlot, kMaxFigures> figures{};
};

// Tokens of normalised text: lowercase ASCII letters/digits, other scripts
// kept, Latin-1/cp1252 residue and accents dropped inside words (so
// "donâ€™t", "don’t" and "don't" are all "dont"), CJK one token per character.
struct Token {
  uint64_t hash = 0;
  bool figure = false;   // has a digit, or is a month / weekday name
  bool name = false;     // capitalised and not sentence-initial
};
void Tokenize(absl::string_view text, std::vector<Token>* tokens);

// Token::hash of a normalised (lowercased, dropped characters removed) word.
uint64_t WordHash(absl::string_view word);

// Tokenize classifies bytes with AVX2 when the CPU has it, else with the
// baseline (SSE2) code; tests run both. Not thread-safe: tests only.
void UseBaselineClassifierForTesting(bool baseline);

// Word 5-gram shingle hashes of the tokens (a single shingle of all tokens
// when there are fewer than five).
void Shingles(const std::vector<Token>& tokens, std::vector<uint64_t>* out);

// When `shingle_set` is given it receives the shingles (32-bit) for exact
// verification, unsorted and with repeats: most articles are never a
// candidate, so SortSet() runs only when a set is compared.
Sketch MakeSketch(absl::string_view text, std::vector<uint32_t>* shingle_set = nullptr);

// Makes shingles from MakeSketch a sorted set of distinct values.
void SortSet(std::vector<uint32_t>* shingles);

// Hash of band `band` (rows_per_band bins starting at band * rows_per_band).
// Built from the stored 8-bit bins, so a band key can be recomputed from a
// record; with 3 rows two unrelated articles share a band with p = 2^-24.
uint64_t BandKey(const Sketch& sketch, int band, int rows_per_band);

}  // namespace eventwire::dedup
