// Write cost of the query store: EventStore::Apply of synthetic events in the
// service's batch size (IngestOptions::max_batch, 5000: what a consumer that is behind takes), into a copy of a
// store (or a new one). Events are generated before the clock starts; the
// figures are for Apply and closing the store (its last WAL checkpoint), wall
// and CPU (user + system of the process).
//
//   query_ingest --db PATH [--base STORE-TO-COPY] [--events 20000] [--batch 5000]
//                [--mode uniform|live|update]
//
// Modes (synthetic.h): `uniform` dates spread over a year (the worst case: each
// key's rows land all over its posting range); `live` as a feed produces them
// (first seen increasing, dates mostly of the last days); `update` later
// versions of stored events that change only counts (num_articles), as a
// story's growth re-emits its events.
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include "eventwire/store.h"
#include "synthetic.h"

namespace eventwire {
namespace {

struct Flags {
  std::string db;
  std::string base;
  int64_t events = 20000;
  int batch = 5000;
  std::string mode = "live";
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The batches to apply; false (with a message) when the store cannot give them.
bool MakeBatches(const Flags& f, EventStore* store, int64_t stored, std::vector<StoreBatch>* batches) {
  std::mt19937_64 rng(7 + static_cast<uint64_t>(stored));
  const int64_t live_start = (bench::kFirstDay + bench::kDays) * 86400;
  for (int64_t i = 0; i < f.events;) {
    StoreBatch& b = batches->emplace_back();
    for (int k = 0; k < f.batch && i < f.events; ++k, ++i) {
      if (f.mode == "update") {
        if (stored == 0) {
          std::fprintf(stderr, "update mode needs a store with events (--base)\n");
          return false;
        }
        const int64_t j = static_cast<int64_t>(rng() % static_cast<uint64_t>(stored));
        absl::StatusOr<v1::Event> e = store->GetEvent(absl::StrCat("syn-", j));
        if (!e.ok()) {
          std::fprintf(stderr, "update mode: %s (a store from query_load's generator?)\n",
                       std::string(e.status().message()).c_str());
          return false;
        }
        e->set_version(e->version() + 1);
        e->set_num_articles(e->num_articles() + 1);
        b.events.push_back(*std::move(e));
      } else {
        const bench::DateMode mode = f.mode == "live" ? bench::DateMode::kLive : bench::DateMode::kUniform;
        b.events.push_back(bench::Synthetic(stored + i, rng, mode, live_start));
      }
    }
  }
  return true;
}

int Run(const Flags& f) {
  if (f.db.empty() || (f.mode != "uniform" && f.mode != "live" && f.mode != "update") || f.batch <= 0) {
    std::fprintf(stderr, "usage: query_ingest --db PATH [--base STORE] [--events N] [--batch N] [--mode uniform|live|update]\n");
    return 2;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(f.db + suffix);
  if (!f.base.empty()) std::filesystem::copy_file(f.base, f.db);
  auto store = EventStore::Open({.path = f.db});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  auto stats = (*store)->Stats();
  if (!stats.ok()) return 1;
  std::vector<StoreBatch> batches;
  if (!MakeBatches(f, store->get(), stats->events, &batches)) return 1;

  const double cpu0 = CpuSeconds();
  const absl::Time t0 = absl::Now();
  int64_t written = 0;
  for (const StoreBatch& b : batches) {
    absl::StatusOr<ApplyResult> r = (*store)->Apply(b);
    if (!r.ok()) {
      std::fprintf(stderr, "apply: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    written += r->events_written;
  }
  // Closing checkpoints the WAL into the file: writes the batches left for later count too.
  store->reset();
  const double wall = absl::ToDoubleSeconds(absl::Now() - t0);
  const double cpu = CpuSeconds() - cpu0;
  std::printf("mode %s: %lld events (%lld written) in batches of %d into a store of %lld events\n", f.mode.c_str(),
              static_cast<long long>(f.events), static_cast<long long>(written), f.batch,
              static_cast<long long>(stats->events));
  std::printf("wall %.2f s (%.0f events/s), cpu %.2f s (%.0f events/s per core)\n", wall,
              static_cast<double>(f.events) / wall, cpu, static_cast<double>(f.events) / cpu);
  return 0;
}

}  // namespace
}  // namespace eventwire

int main(int argc, char** argv) {
  eventwire::Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const char* v = argv[i + 1];
    if (name == "--db") f.db = v;
    else if (name == "--base") f.base = v;
    else if (name == "--events") f.events = std::atoll(v);
    else if (name == "--batch") f.batch = std::atoi(v);
    else if (name == "--mode") f.mode = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  return eventwire::Run(f);
}
