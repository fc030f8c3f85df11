// Reads the offline commands' inputs: files (bare text, HTML, one JSON article
// or JSON lines; detected), directories (every file in them, sorted, recursively),
// or JSON lines on stdin when no path or "-" is given.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "eventwire/v1/article.pb.h"

namespace eventwire::cli {

// What went wrong while reading, by kind: a bad record inside a file is the
// data's problem; a PATH that does not exist or cannot be read is the caller's.
struct InputErrors {
  size_t bad_records = 0;
  size_t unreadable_paths = 0;
};

// Calls `on_article` for every decodable article in input order. Errors (an
// unreadable path, an undecodable record) are printed to stderr and skipped.
// Returns the number of errors; `errors`, when given, receives them by kind.
size_t ForEachArticle(const std::vector<std::string>& paths,
                      const std::function<void(const v1::RawArticle&)>& on_article,
                      InputErrors* errors = nullptr);

}  // namespace eventwire::cli
