// Syndication variants of a news article, as they reach a news pipeline from
// many sites: site chrome, edited headlines, truncations, encoding damage,
// typos, reordered paragraphs — and template look-alikes (same wording,
// different figures), which must NOT be merged.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace eventwire::dedup_eval {

enum class VariantKind { kBoilerplate, kHeadline, kTruncation, kMojibake, kTypos, kReorder, kLookalike };
inline constexpr int kNumVariantKinds = 7;
const char* VariantName(VariantKind kind);

struct Text {
  std::string title;
  std::string text;  // paragraphs separated by "\n\n"
};

// Deterministic for a given rng state. `site` picks one of a few made-up sites.
Text MakeVariant(const Text& original, VariantKind kind, int site, std::mt19937& rng);

// Number of figures (numbers, month names) in the text. Look-alikes are made
// only from texts with several: with one figure, a look-alike cannot be told
// from a copy whose figure was corrected (which must be joined).
int CountFigures(const std::string& text);

}  // namespace eventwire::dedup_eval
