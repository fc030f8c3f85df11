// Clean + extract throughput, one thread, on Reuters-21578 bodies read at run
// time from $EVENTWIRE_REUTERS_DIR or ../shared/corpora/reuters21578 (the
// corpus is never copied into the repository). Skips when absent.
//
//   extract_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eventwire/clean.h"
#include "eventwire/extract.h"

namespace eventwire {
namespace {

std::string Unescape(std::string s) {
  static const std::pair<std::string, std::string> kEntities[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  }
  return s;
}

// Articles with a <BODY>, as RawArticles (title, text, a fixed publication time).
const std::vector<v1::RawArticle>& Corpus() {
  static const std::vector<v1::RawArticle> corpus = [] {
    std::vector<v1::RawArticle> out;
    const char* env = std::getenv("EVENTWIRE_REUTERS_DIR");
    const std::filesystem::path dir = env != nullptr ? env : EVENTWIRE_SHARED_DIR "/corpora/reuters21578";
    for (int i = 0; i <= 21; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "reut2-%03d.sgm", i);
      std::ifstream in(dir / name, std::ios::binary);
      if (!in) continue;
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string sgm = ss.str();
      size_t pos = 0;
      while ((pos = sgm.find("<REUTERS", pos)) != std::string::npos) {
        const size_t end = sgm.find("</REUTERS>", pos);
        if (end == std::string::npos) break;
        const std::string_view doc(sgm.data() + pos, end - pos);
        pos = end;
        const size_t b = doc.find("<BODY>"), e = doc.find("</BODY>");
        if (b == std::string_view::npos || e == std::string_view::npos) continue;
        v1::RawArticle a;
        a.set_id("reuters-" + std::to_string(out.size()));
        a.set_text(Unescape(std::string(doc.substr(b + 6, e - b - 6))));
        const size_t tb = doc.find("<TITLE>"), te = doc.find("</TITLE>");
        if (tb != std::string_view::npos && te != std::string_view::npos)
          a.set_title(Unescape(std::string(doc.substr(tb + 7, te - tb - 7))));
        a.set_language("en");
        a.mutable_published_at()->set_seconds(541036800);  // 1987-02-26, the corpus' period
        out.push_back(std::move(a));
      }
    }
    return out;
  }();
  return corpus;
}

const Extractor& TheExtractor() {
  static const std::unique_ptr<Extractor> extractor = [] {
    auto e = Extractor::Load({.data_dir = EVENTWIRE_SOURCE_DIR "/data"});
    if (!e.ok()) {
      std::fprintf(stderr, "extract_bench: %s\n", std::string(e.status().message()).c_str());
      std::exit(2);
    }
    return std::move(*e);
  }();
  return *extractor;
}

void BM_CleanExtract(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty()) {
    state.SkipWithError("Reuters-21578 not found (set EVENTWIRE_REUTERS_DIR)");
    return;
  }
  const Extractor& extractor = TheExtractor();
  v1::Story story;
  story.set_story_id("bench");
  size_t i = 0, events = 0, bytes = 0;
  for (auto _ : state) {
    const v1::RawArticle& raw = corpus[i++ % corpus.size()];
    CleanArticle clean = Clean(raw);
    auto ev = extractor.Extract(clean, story);
    events += ev.size();
    bytes += raw.text().size();
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events_per_article"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_CleanExtract)->Unit(benchmark::kMicrosecond);

void BM_ExtractOnly(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty()) {
    state.SkipWithError("Reuters-21578 not found (set EVENTWIRE_REUTERS_DIR)");
    return;
  }
  const Extractor& extractor = TheExtractor();
  std::vector<CleanArticle> cleaned;
  for (size_t k = 0; k < corpus.size() && k < 4000; ++k) cleaned.push_back(Clean(corpus[k]));
  v1::Story story;
  story.set_story_id("bench");
  size_t i = 0;
  for (auto _ : state) {
    auto ev = extractor.Extract(cleaned[i++ % cleaned.size()], story);
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ExtractOnly)->Unit(benchmark::kMicrosecond);

void BM_LoadDictionaries(benchmark::State& state) {
  for (auto _ : state) {
    auto e = Extractor::Load({.data_dir = EVENTWIRE_SOURCE_DIR "/data"});
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_LoadDictionaries)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace eventwire

BENCHMARK_MAIN();
