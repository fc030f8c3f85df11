// Throughput of eventwire::Clean (encoding repair, boilerplate, fields,
// language id, sentence segmentation, date resolution) on Reuters-21578.
//
//   bench_clean [--benchmark_filter=...]
//
// Each Reuters story becomes a RawArticle as a scraper would deliver it: the
// dateline and the hard-wrapped body as text, the title and date as fields.
// Bytes processed = bytes of text handed to Clean.
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eventwire/clean.h"

namespace {

namespace fs = std::filesystem;

fs::path CorpusDir() {
  const char* env = std::getenv("EVENTWIRE_SHARED_DIR");
  return fs::path(env != nullptr ? env : EVENTWIRE_SHARED_DIR) / "corpora" / "reuters21578";
}

// The SGML files escape only &lt; &gt; &amp; and control characters (&#3;).
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 6) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = s.substr(i + 1, semi - i - 1);
    if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "amp") out.push_back('&');
    // numeric entities are control characters in this corpus: dropped
    i = semi;
  }
  return out;
}

std::string_view Element(std::string_view doc, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const size_t b = doc.find(open);
  if (b == std::string_view::npos) return {};
  const size_t e = doc.find(close, b);
  if (e == std::string_view::npos) return {};
  return doc.substr(b + open.size(), e - b - open.size());
}

// "26-FEB-1987 15:01:01.79" -> Unix seconds (day precision is all Clean uses), 0 if unreadable.
int64_t ReutersDate(std::string_view s) {
  static constexpr std::string_view kMonths = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
  int day = 0, year = 0;
  char mon[4] = {};
  const std::string text(s.substr(s.find_first_not_of(' ') == std::string_view::npos ? s.size() : s.find_first_not_of(' ')));
  if (std::sscanf(text.c_str(), "%d-%3c-%d", &day, mon, &year) != 3) return 0;
  const size_t m = kMonths.find(std::string_view(mon, 3));
  if (m == std::string_view::npos || m % 3 != 0) return 0;
  return absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(year, static_cast<int>(m / 3) + 1, day), absl::UTCTimeZone()));
}

const std::vector<eventwire::v1::RawArticle>& Corpus() {
  static const std::vector<eventwire::v1::RawArticle> articles = [] {
    std::vector<eventwire::v1::RawArticle> out;
    const fs::path dir = CorpusDir();
    if (!fs::is_directory(dir)) return out;
    for (int n = 0; n < 22; ++n) {
      char name[32];
      std::snprintf(name, sizeof name, "reut2-%03d.sgm", n);
      std::ifstream f(dir / name, std::ios::binary);
      if (!f) continue;
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string file = ss.str();
      for (size_t pos = file.find("<REUTERS"); pos != std::string::npos;) {
        const size_t end = file.find("</REUTERS>", pos);
        if (end == std::string::npos) break;
        const std::string_view doc = std::string_view(file).substr(pos, end - pos);
        const std::string body = Unescape(Element(doc, "BODY"));
        if (!body.empty()) {
          eventwire::v1::RawArticle a;
          a.set_id(std::to_string(out.size()));
          a.set_title(Unescape(Element(doc, "TITLE")));
          a.set_text(Unescape(Element(doc, "DATELINE")) + body);
          // Producers send the publication date; relative dates resolve against it.
          if (const int64_t t = ReutersDate(Element(doc, "DATE")); t != 0) a.mutable_published_at()->set_seconds(t);
          out.push_back(std::move(a));
        }
        pos = file.find("<REUTERS", end);
      }
    }
    return out;
  }();
  return articles;
}

void BM_CleanReuters(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty()) {
    state.SkipWithError(("Reuters-21578 not found under " + CorpusDir().string()).c_str());
    return;
  }
  size_t bytes = 0, articles = 0, sentences = 0;
  for (auto _ : state) {
    for (const auto& raw : corpus) {
      eventwire::CleanArticle a = eventwire::Clean(raw);
      benchmark::DoNotOptimize(a.text.data());
      bytes += raw.text().size();
      sentences += a.sentences.size();
      ++articles;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(articles));
  state.counters["sentences_per_article"] = static_cast<double>(sentences) / static_cast<double>(articles);
}
BENCHMARK(BM_CleanReuters)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_FindDatesReuters(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty()) {
    state.SkipWithError(("Reuters-21578 not found under " + CorpusDir().string()).c_str());
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& raw : corpus) {
      auto d = eventwire::FindDates(raw.text(), eventwire::CivilDate{1987, 3, 2});
      benchmark::DoNotOptimize(d.data());
      bytes += raw.text().size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_FindDatesReuters)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
