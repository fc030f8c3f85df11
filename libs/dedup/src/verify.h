// Verification of one candidate pair: similarity, containment and figure
// agreement -> a merge verdict with its evidence.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "eventwire/dedup.h"
#include "sketch.h"

namespace eventwire::dedup {

struct Verdict {
  double estimated = 0;    // Jaccard estimated from the sketches
  bool exact = false;      // both shingle sets were at hand
  double similarity = 0;   // exact Jaccard when exact, else the estimate
  double containment = 0;  // of the smaller shingle set in the larger
  int conflicting_figures = 0;
  int aligned_figures = 0;
  bool similar = false;
  bool numbers_agree = true;
  bool merge = false;
  const char* reason = "";
};

// Sets are the sorted distinct shingles from MakeSketch, or null/empty when
// not kept (then similarity and containment are estimated from the bins).
Verdict Verify(const Sketch& a, const Sketch& b, const DedupOptions& options,
               const std::vector<uint32_t>* set_a = nullptr, const std::vector<uint32_t>* set_b = nullptr);

// Most LSH candidates share one band by chance (or only an 8-bit table
// fingerprint) and have a handful of equal bins. The exact comparison
// (sorting two shingle sets, intersecting them) is skipped for a pair with at
// most this many equal bins: a pair whose exact similarity or containment
// could still pass the thresholds shows so few equal bins with probability
// < 1e-7 (binomial tail over the 64 bins at the lowest Jaccard that can
// merge). -1 when no count is that safe.
int HopelessMaxEqualBins(const DedupOptions& options);

// True when the exact comparison can be skipped: both texts have enough
// shingles for the bins to be independent samples (densified bins of short
// texts are copies of each other), the bins agree in at most `max_equal_bins`
// places, and the estimate itself does not pass.
bool ExactCannotPass(const Sketch& a, const Sketch& b, const Verdict& estimated, int max_equal_bins);

}  // namespace eventwire::dedup
