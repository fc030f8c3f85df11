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
  size_t label_positive = 0;  // exact 5-gram Jaccard with its original >= threshold
  size_t label_positive_joined = 0;
};

struct EvalReport {
  size_t originals = 0, items = 0;
  uint64_t label_pairs = 0, predicted_pairs = 0, true_pairs = 0;
  uint64_t false_pairs_with_truncation = 0;  // predicted pairs below the label cut that involve a truncated copy
  double precision = 0, recall = 0, f1 = 0;
  // The same, leaving out pairs that involve a truncated copy (which the
  // product joins by containment, while the Jaccard label cannot).
  double precision_wo_truncation = 0, recall_wo_truncation = 0;
  std::array<KindStats, kNumVariantKinds> kinds{};
  double lookalike_false_merge_rate = 0;
  double seconds = 0;  // wall time of clean + dedup, for orientation only
  std::string Format() const;
};

absl::StatusOr<EvalReport> RunEval(const EvalConfig& config);

}  // namespace eventwire::dedup_eval
