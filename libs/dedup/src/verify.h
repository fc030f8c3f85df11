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

}  // namespace eventwire::dedup
