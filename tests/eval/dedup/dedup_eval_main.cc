// dedup_eval: runs the dedup evaluation and prints the report. With
// --min-precision / --min-recall / --max-lookalike-merges it exits 1 when a
// figure misses its bar (how ctest uses it). Exits 0 with a message when the
// corpus is absent, so checkouts without ../shared still pass.
#include <cstdlib>
#include <iostream>
#include <string>

#include "evaluate.h"

int main(int argc, char** argv) {
  eventwire::dedup_eval::EvalConfig config;
  double min_precision = 0, min_recall = 0, max_lookalike = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "dedup_eval: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--corpus") config.corpus_dir = next();
    else if (a == "--originals") config.max_originals = std::stoul(next());
    else if (a == "--variant-stories") config.variant_stories = std::stoul(next());
    else if (a == "--seed") config.seed = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--threshold") config.options.similarity_threshold = std::stod(next());
    else if (a == "--min-precision") min_precision = std::stod(next());
    else if (a == "--min-recall") min_recall = std::stod(next());
    else if (a == "--max-lookalike-merges") max_lookalike = std::stod(next());
    else {
      std::cerr << "usage: dedup_eval --corpus DIR [--originals N] [--variant-stories N] [--seed S]\n"
                   "       [--threshold T] [--min-precision P] [--min-recall R] [--max-lookalike-merges F]\n";
      return 2;
    }
  }
  auto report = eventwire::dedup_eval::RunEval(config);
  if (!report.ok()) {
    if (report.status().code() == absl::StatusCode::kNotFound) {
      std::cout << "SKIPPED: " << report.status().message() << "\n";
      return 0;
    }
    std::cerr << "dedup_eval: " << report.status() << "\n";
    return 2;
  }
  std::cout << report->Format();
  bool ok = true;
  if (report->precision < min_precision) { std::cout << "FAIL: precision below " << min_precision << "\n"; ok = false; }
  if (report->recall < min_recall) { std::cout << "FAIL: recall below " << min_recall << "\n"; ok = false; }
  if (report->lookalike_false_merge_rate > max_lookalike) { std::cout << "FAIL: look-alike false merges above " << max_lookalike << "\n"; ok = false; }
  return ok ? 0 : 1;
}
