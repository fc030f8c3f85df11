#include "verify.h"

#include <algorithm>
#include <cmath>

namespace eventwire::dedup {

namespace {

int EqualBins(const Sketch& a, const Sketch& b) {
  int matches = 0;
  for (int i = 0; i < kBins; ++i) matches += a.bins[i] == b.bins[i];
  return matches;
}

// b-bit MinHash: unequal minima still collide on 8 bits with p = 1/256,
// so the raw match rate is corrected (Li & König 2010).
double EstimateJaccard(const Sketch& a, const Sketch& b) {
  const int matches = EqualBins(a, b);
  constexpr double kChance = 1.0 / 256;
  const double raw = static_cast<double>(matches) / kBins;
  return std::clamp((raw - kChance) / (1 - kChance), 0.0, 1.0);
}

}  // namespace

size_t Intersection(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  size_t i = 0, j = 0, n = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

Verdict Verify(const Sketch& a, const Sketch& b, const DedupOptions& options,
               const std::vector<uint32_t>* set_a, const std::vector<uint32_t>* set_b) {
  Verdict v;
  v.estimated = EstimateJaccard(a, b);
  v.exact = set_a && set_b && !set_a->empty() && !set_b->empty();
  double small, large;
  if (v.exact) {
    small = static_cast<double>(std::min(set_a->size(), set_b->size()));
    large = static_cast<double>(std::max(set_a->size(), set_b->size()));
    const auto inter = static_cast<double>(Intersection(*set_a, *set_b));
    v.similarity = inter / (small + large - inter);
    v.containment = inter / small;
  } else {
    // |A ∩ B| = J (|A| + |B|) / (1 + J); containment is relative to the smaller set.
    small = std::max<double>(1, std::min(a.shingles, b.shingles));
    large = std::max<double>(1, std::max(a.shingles, b.shingles));
    v.similarity = v.estimated;
    const double inter = v.similarity * (small + large) / (1 + v.similarity);
    v.containment = std::min(1.0, inter / small);
  }

  for (int i = 0; i < a.num_figures; ++i) {
    for (int j = 0; j < b.num_figures; ++j) {
      if (a.figures[i].key != b.figures[j].key) continue;
      ++v.aligned_figures;
      v.conflicting_figures += a.figures[i].value != b.figures[j].value;
    }
  }
  v.numbers_agree = v.conflicting_figures <= options.max_conflicting_figures;

  const double containment_threshold =
      v.exact ? options.exact_containment_threshold : options.containment_threshold;
  const bool truncated_copy = v.containment >= containment_threshold &&
                              small / large >= options.min_size_ratio &&
                              small / large <= options.max_size_ratio;
  v.similar = v.similarity >= options.similarity_threshold || truncated_copy;
  v.merge = v.similar && v.numbers_agree;
  if (!v.similar) {
    v.reason = "below threshold";
  } else if (!v.numbers_agree) {
    v.reason = "figures differ";
  } else if (v.similarity >= options.similarity_threshold) {
    v.reason = "near-duplicate";
  } else {
    v.reason = "truncated copy";
  }
  return v;
}

int HopelessMaxEqualBins(const DedupOptions& options) {
  // The lowest exact Jaccard that merges: the similarity threshold, or a copy
  // at the smallest allowed size ratio r that is exactly contained to c:
  // J = c r / (1 + r - c r).
  const double c = std::clamp(options.exact_containment_threshold, 0.0, 1.0);
  const double r = std::clamp(options.min_size_ratio, 0.0, 1.0);
  const double lowest = std::min(options.similarity_threshold, c * r / (1 + r - c * r));
  if (!(lowest > 0)) return -1;
  // Each bin of such a pair is equal with p = J + (1 - J)/256 (8-bit bins).
  const double p = std::min(1.0, lowest + (1 - lowest) / 256);
  constexpr double kMissProbability = 1e-7;
  double tail = 0;
  int max_equal = -1;
  for (int k = 0; k <= kBins; ++k) {
    // log of C(64, k) p^k (1-p)^(64-k)
    const double log_pmf = std::lgamma(kBins + 1.0) - std::lgamma(k + 1.0) - std::lgamma(kBins - k + 1.0) +
                           k * std::log(p) + (kBins - k) * std::log1p(-p);
    tail += std::exp(log_pmf);
    if (tail >= kMissProbability) break;
    max_equal = k;
  }
  return max_equal;
}

bool ExactCannotPass(const Sketch& a, const Sketch& b, const Verdict& estimated, int max_equal_bins) {
  constexpr int kMinShingles = 2 * kBins;
  return !estimated.similar && a.shingles >= kMinShingles && b.shingles >= kMinShingles &&
         EqualBins(a, b) <= max_equal_bins;
}

}  // namespace eventwire::dedup
