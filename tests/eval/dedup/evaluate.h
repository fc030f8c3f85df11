// The dedup evaluation: Reuters-21578 replayed in date order plus generated
// syndication variants and template look-alikes, through the real Clean() and
// StoryIndex, scored pairwise against exact word-5-gram Jaccard >= 0.8 labels.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <absl/status/statusor.h>

#include "eventwire/dedup.h"
#include "variants.h"

namespace eventwire::dedup_eval {

struct EvalConfig {
  std::string corpus_dir;
  size_t max_originals = 0;      // 0: the whole corpus
  size_t variant_stories = 2000; // originals that get one variant of each kind
  uint32_t seed = 1;
  double label_threshold = 0.8;
  DedupOptions options;
};

struct KindStats {
  size_t generated = 0;
  size_t joined = 0;          // same story as its original
  size_t joined_other = 0;    // joined an existing story that is not its original's
  size_t label_positive = 0;  // exact 5-gram Jaccard with its original >= threshold
  size_t label_positive_joined = 0;
};

// Pair counts of predicted stories against gold clusters over one set of items.
struct PairScore {
  size_t items = 0;
  uint64_t gold_pairs = 0, predicted_pairs = 0, true_pairs = 0;
  // Pairs left out as "contained" (see EvalReport::primary), and how many of
  // them the product joined.
  uint64_t contained_pairs = 0, contained_joined = 0;
  double precision = 1, recall = 1;
};

// How to read the figures: docs/dedup.md, "Evaluation".
struct EvalReport {
  size_t originals = 0, items = 0;
  uint64_t label_edges = 0;  // pairs with exact word-5-gram Jaccard >= the label cut
  // Gold clusters are the connected components of the label graph (the label
  // is pairwise and not transitive; stories are clusters).
  // Primary: all items except template look-alikes (judged below) and
  // generated truncated copies (joined by containment by design, while their
  // Jaccard with the full text is their kept fraction, mostly < 0.8); and
  // pairs where one text is a truncation of the other in fact (exact
  // containment >= 0.9 of the smaller at a size ratio >= 0.5: Reuters' own
  // cut-short repeats, or copies from which the cleaner dropped a paragraph)
  // count neither way: the label cannot say what the design says for them.
  PairScore primary;
  // Strict: truncated copies included, gold still Jaccard components.
  PairScore strict;
  // Non-transitive pairwise, as the label literally reads (for reference):
  // a predicted pair is true only when its own Jaccard >= the cut.
  PairScore direct;
  std::array<KindStats, kNumVariantKinds> kinds{};
  double lookalike_false_merge_rate = 0;  // look-alikes that joined their original's story
  // Look-alikes whose cleaned body differs from the original's in < 2 figures
  // (the changed ones sat in the title or in text the cleaner dropped):
  // indistinguishable from a corrected copy, so not in the rate above.
  size_t lookalike_indistinct = 0, lookalike_indistinct_joined = 0;
  double seconds = 0;  // wall time of clean + dedup, for orientation only
  std::string Format() const;
};

absl::StatusOr<EvalReport> RunEval(const EvalConfig& config);

}  // namespace eventwire::dedup_eval
