// Dedup stage speed and memory (Google Benchmark).
//
//   BM_Sketch/M          the sketch alone (tokens, shingles, bins, figures and
//                        the shingle set for exact verification): the part
//                        of Add() that does not depend on the index
//   BM_AddSteadyState/M  sketch + lookup + insert of ~4 KB articles into an
//                        index that already holds 200,000
//   BM_FillWindow/N/M    fills an index with N ~4 KB articles; reports index
//                        bytes per article and the p50/p99 Add() latency of
//                        the last 10% (the "lookup p99" figure), also over
//                        the calls not interrupted by a context switch, and
//                        by neither a switch nor a timer interrupt
//   BM_Snapshot/Restore  restart from a local snapshot vs replaying the
//                        signature records one by one (what rebuilding from
//                        the compacted signatures.v1 topic costs, minus I/O)
//
// Articles are synthetic (no corpus needed), ~4 KB of Zipf-distributed words
// from a 30,000-word vocabulary, in three mixes (the last benchmark argument):
//   0 "unique": three paragraphs written for each article;
//   1 "shared": three paragraphs drawn from a pool of 60,000, so every article
//     shares a paragraph with ~45 others in a 300k window: a worst case of
//     LSH candidates, each verified exactly;
//   2 "unique, news-like words": as 0, but frequent words are short and rare
//     ones long, as in news text.
// Mixes 0 and 1 draw every word's length uniformly from 2-10 letters whatever
// its rank: ~7.3 bytes per token, ~560 tokens in 4 KB. News text has shorter
// frequent words (Reuters-21578: 5.9 bytes per token, ~700 tokens in 4 KB),
// and the sketch's cost is per token, so mix 2 (~5.8 bytes per token; the
// `bytes_per_token` counter) is closer to what a 4 KB news article costs.
#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>
#include <random>
#include <string>
#include <vector>

#include "eventwire/dedup.h"
#include "sketch.h"

namespace eventwire {
namespace {

// How long the vocabulary's words are (see the file comment).
enum class Words { kShort, kNewsLike };

class ArticleSource {
 public:
  explicit ArticleSource(Words words) {
    std::mt19937 rng(42);
    std::vector<std::string> vocab;
    for (int i = 0; i < 30000; ++i) {
      std::string w;
      // News-like: length grows with rank (Zipf's law of abbreviation), from
      // ~2.5 letters for the ten commonest words to ~8.5 for the rarest.
      const int len = words == Words::kShort
                          ? 2 + static_cast<int>(rng() % 9)
                          : std::clamp(static_cast<int>(std::lround(1.5 + 0.45 * std::log2(i + 2.0))) +
                                           static_cast<int>(rng() % 3) - 1,
                                       1, 14);
      for (int k = 0; k < len; ++k) w.push_back(static_cast<char>('a' + rng() % 26));
      vocab.push_back(w);
    }
    // Zipf-like word choice: common words are common.
    std::vector<double> weights(vocab.size());
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / static_cast<double>(i + 1);
    pick_ = std::discrete_distribution<size_t>(weights.begin(), weights.end());
    vocab_ = std::move(vocab);
    paragraphs_.resize(60000);
    for (auto& p : paragraphs_) p = Paragraph(rng);
  }

  std::string Paragraph(std::mt19937& rng) {
    std::string p;
    while (p.size() < 1350) {
      p += vocab_[pick_(rng)];
      p += rng() % 12 == 0 ? ". " : " ";
    }
    return p;
  }

  CleanArticle Get(uint64_t i, bool shared) {
    CleanArticle a;
    a.id = "bench-" + std::to_string(i);
    a.source = "source-" + std::to_string(i % 50);
    a.title = "Title " + std::to_string(i);
    const uint64_t h = i * 0x9E3779B97F4A7C15ULL;
    std::seed_seq seed{static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32)};
    std::mt19937 rng(seed);
    for (int k = 0; k < 3; ++k) {
      a.text += shared ? paragraphs_[(h >> (k * 20)) % paragraphs_.size()] : Paragraph(rng);
      a.text += "\n\n";
    }
    a.published_at = 1'700'000'000 + static_cast<int64_t>(i / 10);  // 10 articles per second
    return a;
  }

 private:
  std::vector<std::string> vocab_;
  std::discrete_distribution<size_t> pick_;
  std::vector<std::string> paragraphs_;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Context switches of this thread so far (voluntary + involuntary): an Add()
// during which this changes was taken off the CPU, and its CPU time then
// includes refilling caches that other processes evicted.
long ContextSwitches() {
  rusage r{};
  getrusage(RUSAGE_THREAD, &r);
  return r.ru_nvcsw + r.ru_nivcsw;
}

// Local timer interrupts taken so far by CPU `cpu` (the "LOC:" row of
// /proc/interrupts), or -1 when unreadable. On this VM a tick arrives every
// 4 ms and costs an Add() that it interrupts ~60 us of CPU time, so with
// Adds of ~40 us about 1% of them carry one: the p99 then measures the tick.
long LocalTimerInterrupts(int cpu) {
  std::ifstream in("/proc/interrupts");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name != "LOC:") continue;
    long count = -1;
    for (int c = 0; c <= cpu && fields >> count;) ++c;
    return count;
  }
  return -1;
}

ArticleSource& Source(Words words = Words::kShort) {
  if (words == Words::kNewsLike) {
    static ArticleSource news_like(Words::kNewsLike);
    return news_like;
  }
  static ArticleSource short_words(Words::kShort);
  return short_words;
}

// A mix (the file comment) from its benchmark argument.
struct Mix {
  bool shared;
  Words words;
};
Mix MixOf(int64_t arg) { return {arg == 1, arg == 2 ? Words::kNewsLike : Words::kShort}; }

// Bytes of text per token the sketch sees, over a batch (outside the timing).
double BytesPerToken(const std::vector<CleanArticle>& batch) {
  size_t bytes = 0, tokens = 0;
  std::vector<dedup::Token> t;
  for (const CleanArticle& a : batch) {
    dedup::Tokenize(a.text, &t);
    bytes += a.text.size();
    tokens += t.size();
  }
  return static_cast<double>(bytes) / static_cast<double>(std::max<size_t>(tokens, 1));
}

void BM_Sketch(benchmark::State& state) {
  const Mix mix = MixOf(state.range(0));
  std::vector<CleanArticle> batch;
  for (uint64_t i = 0; i < 1000; ++i) batch.push_back(Source(mix.words).Get(i, mix.shared));
  std::vector<uint32_t> set;
  for (auto _ : state) {
    for (const CleanArticle& a : batch) benchmark::DoNotOptimize(dedup::MakeSketch(a.text, &set));
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * 1000 * static_cast<int64_t>(batch.front().text.size()));
  state.counters["bytes_per_token"] = BytesPerToken(batch);
}
BENCHMARK(BM_Sketch)->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(200);

void BM_AddSteadyState(benchmark::State& state) {
  const Mix mix = MixOf(state.range(0));
  ArticleSource& source = Source(mix.words);
  StoryIndex index;
  uint64_t i = 0;
  for (; i < 200000; ++i) index.Add(source.Get(i, mix.shared));
  std::vector<CleanArticle> batch;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int k = 0; k < 1000; ++k) batch.push_back(source.Get(i++, mix.shared));
    state.ResumeTiming();
    for (const CleanArticle& a : batch) benchmark::DoNotOptimize(index.Add(a));
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * 1000 * static_cast<int64_t>(batch.front().text.size()));
  state.counters["bytes_per_token"] = BytesPerToken(batch);
}
BENCHMARK(BM_AddSteadyState)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(50);

void BM_FillWindow(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  const Mix mix = MixOf(state.range(1));
  for (auto _ : state) {
    StoryIndex index;
    std::vector<double> latency_us;
    latency_us.reserve(n / 10 + 1);
    std::vector<CleanArticle> batch;
    std::vector<double> cpu_latency_us, cpu_latency_unswitched_us, cpu_latency_untimed_us;
    cpu_latency_us.reserve(n / 10 + 1);
    cpu_latency_unswitched_us.reserve(n / 10 + 1);
    cpu_latency_untimed_us.reserve(n / 10 + 1);
    double add_seconds = 0, add_cpu_seconds = 0;
    for (uint64_t i = 0; i < n; i += batch.size()) {
      batch.clear();
      for (uint64_t k = i; k < std::min(n, i + 1000); ++k) batch.push_back(Source(mix.words).Get(k, mix.shared));
      for (size_t k = 0; k < batch.size(); ++k) {
        const bool measured = i + k >= n - n / 10;
        const int cpu = measured ? sched_getcpu() : -1;
        const long ticks = measured ? LocalTimerInterrupts(cpu) : -1;
        const long switches = ContextSwitches();
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = ThreadCpuSeconds();
        benchmark::DoNotOptimize(index.Add(batch[k]));
        const double dc = ThreadCpuSeconds() - c0;
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        add_seconds += dt;
        add_cpu_seconds += dc;
        if (measured) {
          latency_us.push_back(dt * 1e6);
          cpu_latency_us.push_back(dc * 1e6);
          const bool stayed = ContextSwitches() == switches;
          if (stayed) cpu_latency_unswitched_us.push_back(dc * 1e6);
          if (stayed && ticks >= 0 && sched_getcpu() == cpu && LocalTimerInterrupts(cpu) == ticks) {
            cpu_latency_untimed_us.push_back(dc * 1e6);
          }
        }
      }
    }
    std::sort(latency_us.begin(), latency_us.end());
    std::sort(cpu_latency_us.begin(), cpu_latency_us.end());
    std::sort(cpu_latency_unswitched_us.begin(), cpu_latency_unswitched_us.end());
    std::sort(cpu_latency_untimed_us.begin(), cpu_latency_untimed_us.end());
    const IndexStats st = index.stats();
    state.counters["articles"] = static_cast<double>(st.articles_indexed);
    state.counters["index_B_per_article"] = static_cast<double>(st.index_bytes) / static_cast<double>(st.articles_indexed);
    state.counters["story_B_per_article"] = static_cast<double>(st.story_bytes) / static_cast<double>(st.articles_indexed);
    state.counters["exact_cache_MiB"] = static_cast<double>(st.exact_cache_bytes) / (1 << 20);
    state.counters["adds_per_s"] = static_cast<double>(n) / add_seconds;
    state.counters["p50_us"] = latency_us[latency_us.size() / 2];
    state.counters["p99_us"] = latency_us[latency_us.size() * 99 / 100];
    state.counters["max_us"] = latency_us.back();
    // The same per Add() in this thread's CPU time: what the code costs when
    // the machine is shared (wall-clock figures then include waiting to run).
    state.counters["cpu_adds_per_s"] = static_cast<double>(n) / add_cpu_seconds;
    state.counters["cpu_p50_us"] = cpu_latency_us[cpu_latency_us.size() / 2];
    state.counters["cpu_p99_us"] = cpu_latency_us[cpu_latency_us.size() * 99 / 100];
    // The same over the Add() calls that kept the CPU throughout: the tail of
    // the code itself, without what sharing the machine adds.
    if (!cpu_latency_unswitched_us.empty()) {
      state.counters["cpu_p99_us_unswitched"] =
          cpu_latency_unswitched_us[cpu_latency_unswitched_us.size() * 99 / 100];
    }
    // ... and over the calls that no timer interrupt hit either.
    if (!cpu_latency_untimed_us.empty()) {
      state.counters["cpu_p99_us_no_tick"] = cpu_latency_untimed_us[cpu_latency_untimed_us.size() * 99 / 100];
      state.counters["tick_share"] =
          1 - static_cast<double>(cpu_latency_untimed_us.size()) / static_cast<double>(cpu_latency_unswitched_us.size());
    }
    state.counters["switched_share"] =
        1 - static_cast<double>(cpu_latency_unswitched_us.size()) / static_cast<double>(cpu_latency_us.size());
  }
}
BENCHMARK(BM_FillWindow)->Args({100000, 0})->Args({100000, 1})->Args({1000000, 0})->Args({1000000, 2})->Unit(benchmark::kSecond)->Iterations(1);

// One index of N articles shared by the restart benchmarks.
struct Restart {
  std::string snapshot;
  std::vector<std::string> records;
};
const Restart& RestartData(uint64_t n) {
  static Restart data;
  if (data.records.empty()) {
    StoryIndex index;
    for (uint64_t i = 0; i < n; ++i) data.records.push_back(index.Add(Source().Get(i, /*shared=*/false)).record);
    data.snapshot = index.Snapshot();
  }
  return data;
}

void BM_RestoreFromSnapshot(benchmark::State& state) {
  const Restart& data = RestartData(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    StoryIndex index;
    if (!index.Restore(data.snapshot).ok()) state.SkipWithError("restore failed");
    benchmark::DoNotOptimize(index.open_stories());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["snapshot_MiB"] = static_cast<double>(data.snapshot.size()) / (1 << 20);
}
BENCHMARK(BM_RestoreFromSnapshot)->Arg(200000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_RebuildFromRecords(benchmark::State& state) {
  const Restart& data = RestartData(static_cast<uint64_t>(state.range(0)));
  size_t bytes = 0;
  for (const auto& r : data.records) bytes += r.size();
  for (auto _ : state) {
    StoryIndex index;
    for (const std::string& r : data.records) {
      if (!index.Apply(r).ok()) state.SkipWithError("apply failed");
    }
    benchmark::DoNotOptimize(index.open_stories());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["records_MiB"] = static_cast<double>(bytes) / (1 << 20);
}
BENCHMARK(BM_RebuildFromRecords)->Arg(200000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace eventwire

BENCHMARK_MAIN();
