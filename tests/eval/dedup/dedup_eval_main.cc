// dedup_eval: runs the dedup evaluation and prints the report. With
// --min-precision / --min-recall (the primary pairwise figures) /
// --max-lookalike-merges / --min-truncation-joined it exits 1 when a figure
// misses its bar (how ctest uses it). Exits 0 with a message when the
// corpus is absent, so checkouts without ../shared still pass.
#include <cstdlib>
#include <iostream>
#include <string>

#include "evaluate.h"

int main(int argc, char** argv) {
  eventwire::dedup_eval::EvalConfig config;
  double min_precision = 0, min_recall = 0, max_lookalike = 1, min_truncation_joined = 0;
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
    else if (a == "--min-truncation-joined") min_truncation_joined = std::stod(next());
    else if (a == "--max-lookalike-merges") max_lookalike = std::stod(next());
    else {
      std::cerr << "usage: dedup_eval --corpus DIR [--originals N] [--variant-stories N] [--seed S]\n"
                   "       [--threshold T] [--min-precision P] [--min-recall R] [--max-lookalike-merges F]\n"
                   "       [--min-truncation-joined T]\n";
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
  auto check = [&](bool pass, const std::string& what) {
    if (!pass) {
      std::cout << "FAIL: " << what << "\n";
      ok = false;
    }
  };
  const auto& r = *report;
  check(r.primary.precision >= min_precision, "primary precision below " + std::to_string(min_precision));
  check(r.primary.recall >= min_recall, "primary recall below " + std::to_string(min_recall));
  check(r.lookalike_false_merge_rate <= max_lookalike, "look-alike false merges above " + std::to_string(max_lookalike));
  const auto& trunc = r.kinds[static_cast<int>(eventwire::dedup_eval::VariantKind::kTruncation)];
  const double trunc_joined = trunc.generated ? static_cast<double>(trunc.joined) / trunc.generated : 1.0;
  check(trunc_joined >= min_truncation_joined, "truncated copies joined below " + std::to_string(min_truncation_joined));
  return ok ? 0 : 1;
}
