// Verification of one candidate pair: similarity, containment and figure
// agreement -> a merge verdict with its evidence.
#pragma once

#include <array>
#include <cstdint>

#include "eventwire/dedup.h"
#include "sketch.h"

namespace eventwire::dedup {

struct Verdict {
  double similarity = 0;   // estimated Jaccard
  double containment = 0;  // of the smaller shingle set in the larger
  int conflicting_figures = 0;
  int aligned_figures = 0;
  bool similar = false;
  bool numbers_agree = true;
  bool merge = false;
  const char* reason = "";
};

Verdict Verify(const Sketch& a, const Sketch& b, const DedupOptions& options);

}  // namespace eventwire::dedup
