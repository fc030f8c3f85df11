// EventMerger as the pipeline runs it: synthetic events of news-like size
// (~600 bytes serialized), one story each; a share of them repeats the merge
// key of a recent event from another story (the reports that merge).
//
//   BM_Add         CPU per Add() into a merger held at its bound (100,000 events)
//   BM_HeldMemory  heap bytes per event held (mallinfo2 before/after filling)
//   BM_Restore     Restore() of a 100,000-event snapshot (a restart's local part)
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "eventwire/event_merger.h"

namespace eventwire {
namespace {

constexpr int kHeld = 100000;

struct Generator {
  std::mt19937_64 rng{42};
  int64_t seq = 0;
  std::vector<v1::Event> recent;  // events whose key a later report may repeat

  std::string Code(const char* prefix, int n) {
    return std::string(prefix) + std::to_string(std::uniform_int_distribution<int>(0, n - 1)(rng));
  }

  v1::Event Next(double repeat_share) {
    const int64_t id = seq++;
    v1::Event e;
    const bool repeat = !recent.empty() && std::uniform_real_distribution<double>(0, 1)(rng) < repeat_share;
    if (repeat) {
      e = recent[std::uniform_int_distribution<size_t>(0, recent.size() - 1)(rng)];
      e.clear_related_story_ids();
    } else {
      e.set_cameo_code(Code("1", 90));
      e.set_cameo_root(e.cameo_code().substr(0, 2));
      e.mutable_source()->set_code(Code("SRC", 400));
      e.mutable_source()->set_text("the country's interior ministry spokesman");
      e.mutable_source()->set_name("Interior Ministry");
      e.mutable_target()->set_code(Code("TGT", 400));
      e.mutable_target()->set_text("opposition supporters");
      e.mutable_location()->set_country_code(Code("C", 60));
      e.mutable_location()->set_name("Northern Province");
      e.mutable_event_date()->set_date("2026-11-2" + std::to_string(id % 3));
      e.mutable_evidence()->set_sentence(
          "Security forces detained dozens of opposition supporters in the provincial capital on "
          "Tuesday after a rally against the new tax law turned violent, officials said.");
      e.mutable_evidence()->set_trigger("detained");
      e.set_plover_type("ARREST");
      e.set_confidence(0.8);
    }
    e.set_event_id("ev-" + std::to_string(1000000000 + id));
    e.set_story_id("s-" + std::to_string(1000000000 + id));
    e.set_article_id("article-" + std::to_string(id));
    e.mutable_evidence()->set_article_id(e.article_id());
    e.mutable_evidence()->set_url("https://news.example/" + e.article_id());
    e.clear_sources();
    e.add_sources("outlet" + std::to_string(id % 50) + ".example");
    e.set_num_articles(1);
    e.set_num_sources(1);
    e.set_version(1);
    e.mutable_published_at()->set_seconds(1'795'000'000 + id);  // one report per second
    if (!repeat) {
      if (recent.size() < 1000) {
        recent.push_back(e);
      } else {
        recent[static_cast<size_t>(id) % recent.size()] = e;
      }
    }
    return e;
  }
};

void Fill(EventMerger& m, Generator& g, int n, double repeat_share) {
  for (int i = 0; i < n; ++i) m.Add(g.Next(repeat_share));
}

void BM_Add(benchmark::State& state) {
  const double repeat_share = static_cast<double>(state.range(0)) / 100.0;
  EventMerger m({.window_days = 2, .max_events = kHeld});
  Generator g;
  Fill(m, g, kHeld, repeat_share);
  std::vector<v1::Event> batch;
  int64_t merged = 0, added = 0;
  for (auto _ : state) {
    state.PauseTiming();
    batch.clear();
    for (int i = 0; i < 1000; ++i) batch.push_back(g.Next(repeat_share));
    state.ResumeTiming();
    for (v1::Event& e : batch) {
      EventMerger::Result r = m.Add(std::move(e));
      merged += r.merged;
      benchmark::DoNotOptimize(r.record.data());
    }
    added += 1000;
  }
  state.SetItemsProcessed(added);
  state.counters["merged_share"] = static_cast<double>(merged) / static_cast<double>(added);
  state.counters["held"] = static_cast<double>(m.size());
}
BENCHMARK(BM_Add)->Arg(5)->Arg(20)->Unit(benchmark::kMicrosecond)->MeasureProcessCPUTime();

void BM_HeldMemory(benchmark::State& state) {
  for (auto _ : state) {
    Generator g;
    for (int i = 0; i < 1000; ++i) g.Next(0.0);  // its own memory (recent events) at full size first
    const size_t before = mallinfo2().uordblks;
    {
      EventMerger m({.window_days = 2, .max_events = kHeld});
      for (int i = 0; i < kHeld; ++i) m.Add(g.Next(0.0));  // each event freed after Add()
      const size_t after = mallinfo2().uordblks;
      state.counters["bytes_per_event"] = static_cast<double>(after - before) / kHeld;
      state.counters["snapshot_bytes_per_event"] = static_cast<double>(m.Snapshot().size()) / kHeld;
    }
  }
}
BENCHMARK(BM_HeldMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Restore(benchmark::State& state) {
  EventMerger source({.window_days = 2, .max_events = kHeld});
  Generator g;
  Fill(source, g, kHeld, 0.05);
  const std::string snapshot = source.Snapshot();
  for (auto _ : state) {
    EventMerger m({.window_days = 2, .max_events = kHeld});
    if (!m.Restore(snapshot).ok()) state.SkipWithError("restore failed");
    benchmark::DoNotOptimize(m.size());
  }
  state.counters["events"] = static_cast<double>(source.size());
  state.counters["snapshot_mb"] = static_cast<double>(snapshot.size()) / 1e6;
}
BENCHMARK(BM_Restore)->Iterations(3)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace
}  // namespace eventwire

BENCHMARK_MAIN();
