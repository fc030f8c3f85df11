// Reads the Reuters-21578 SGML files (latin-1) into articles in date order,
// for replaying the corpus through the dedup stage as if streamed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

namespace eventwire::dedup_eval {

struct CorpusArticle {
  std::string id;      // "reuters-<NEWID>"
  std::string title;
  std::string text;    // UTF-8, paragraphs separated by "\n\n"
  int64_t time = 0;    // Unix seconds from <DATE>
};

// Articles with a non-empty <BODY>, sorted by date (stable). NotFound when
// the directory has no reut2-*.sgm files.
absl::StatusOr<std::vector<CorpusArticle>> LoadReuters(const std::string& dir);

}  // namespace eventwire::dedup_eval
