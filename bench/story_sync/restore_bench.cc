// Restart cost of the pipeline's dedup index through the real restore path
// (services/pipeline/story_sync.h), for N signature records (default 100,000):
//
//   BM_RestoreFromTopic     empty index; StorySync reads the signatures topic
//                           from the beginning to its end and applies every record
//   BM_RestoreFromSnapshot  empty index; StorySync loads the local snapshot file
//                           (taken at the topic's end) and reads the topic after it
//                           (nothing left to read)
//   BM_ApplyInMemory        the records applied from memory, no Kafka: the index's
//                           share of BM_RestoreFromTopic
//   BM_SaveSnapshot         writing the snapshot of the full index (what a
//                           periodic snapshot holds the batch loop for)
//
// The topic lives on librdkafka's in-process mock cluster unless
// EVENTWIRE_BENCH_BROKERS names a real broker (the topic is then created with
// a random name). Setup (sketching N articles, producing the records) is not
// timed. N from EVENTWIRE_BENCH_RECORDS.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <absl/strings/str_cat.h>

#include "eventwire/dedup.h"
#include "eventwire/kafka.h"
#include "story_sync.h"

namespace eventwire::pipeline {
namespace {

// librdkafka's mock keeps about 5 MB per partition (older segments are dropped):
// 12 partitions hold 100,000 records of ~300 bytes.
constexpr int kPartitions = 12;

// Synthetic articles: random-word paragraphs; one in four is a light edit of
// an earlier article (so stories have several members, as in news).
std::vector<CleanArticle> MakeArticles(size_t n) {
  std::mt19937_64 rng(7);
  std::vector<std::string> vocab;
  for (int i = 0; i < 20000; ++i) {
    std::string w;
    const int len = 2 + static_cast<int>(rng() % 9);
    for (int k = 0; k < len; ++k) w.push_back(static_cast<char>('a' + rng() % 26));
    vocab.push_back(std::move(w));
  }
  std::vector<CleanArticle> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CleanArticle a;
    a.id = absl::StrCat("article-", i);
    a.source = absl::StrCat("source-", i % 40);
    a.url = absl::StrCat("https://news.example/", i);
    a.language = "en";
    a.published_at = 1800000000 + static_cast<int64_t>(i) * 3;  // 100k articles span ~3.5 days
    if (i > 10 && rng() % 4 == 0) {
      const CleanArticle& orig = out[i - 1 - rng() % std::min<size_t>(i - 1, 500)];
      a.title = orig.title;
      a.text = orig.text + " Reporting by staff.";
    } else {
      a.title = absl::StrCat("Headline number ", i);
      for (int w = 0; w < 400; ++w) absl::StrAppend(&a.text, vocab[rng() % vocab.size()], w % 15 == 14 ? ". " : " ");
    }
    out.push_back(std::move(a));
  }
  return out;
}

struct Setup {
  std::unique_ptr<kafka::MockCluster> mock;
  std::string brokers, topic, state_dir;
  std::vector<std::string> records;
  uint64_t snapshot_bytes = 0;
  StoryIndex full;  // every record applied, as an instance that read the whole topic
  std::unique_ptr<StorySync> full_sync;

  Setup() {
    const char* n_env = std::getenv("EVENTWIRE_BENCH_RECORDS");
    const size_t n = n_env ? std::strtoull(n_env, nullptr, 10) : 100000;
    topic = absl::StrCat("signatures.bench.", std::random_device{}());
    if (const char* b = std::getenv("EVENTWIRE_BENCH_BROKERS"); b && *b) {
      brokers = b;
      Check(kafka::EnsureTopics({{"bootstrap.servers", brokers}}, {SignaturesTopicSpec(topic, kPartitions, 7 * 86400)}));
    } else {
      auto started = kafka::MockCluster::Start();
      Check(started.status());
      mock = std::move(*started);
      brokers = mock->bootstrap();
      Check(mock->CreateTopic(topic, kPartitions));
    }
    // Records as the pipeline makes them: StoryIndex::Add on each article.
    StoryIndex index;
    std::vector<kafka::Record> out;
    for (const CleanArticle& a : MakeArticles(n)) {
      Assignment as = index.Add(a);
      if (as.record.empty()) continue;
      out.push_back({topic, absl::StrCat(as.story->story_id(), "/", a.id), as.record, {{"eventwire.instance", "bench"}}});
      records.push_back(std::move(as.record));
    }
    auto producer = kafka::Producer::Create({{"bootstrap.servers", brokers}, {"linger.ms", "20"}, {"batch.num.messages", "1000"},
                                             {"enable.idempotence", "true"}}, false);
    Check(producer.status());
    for (const kafka::Record& r : out) Check((*producer)->Produce(r));
    Check((*producer)->Flush(absl::Minutes(2)));

    // The snapshot, taken by an instance that has read the whole topic.
    state_dir = (std::filesystem::temp_directory_path() / topic).string();
    auto sync = StorySync::Create(Options(state_dir), &full);
    Check(sync.status());
    full_sync = std::move(*sync);
    Check(full_sync->Restore().status());
    Check(full_sync->SaveSnapshot());
    snapshot_bytes = std::filesystem::file_size(full_sync->snapshot_path());
  }
  ~Setup() { std::filesystem::remove_all(state_dir); }

  StorySyncOptions Options(const std::string& dir) const {
    StorySyncOptions o;
    o.brokers = brokers;
    o.topic = topic;
    o.instance_id = "bench-restart";
    o.state_dir = dir;
    return o;
  }

  static void Check(const absl::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "restore_bench setup: %s\n", std::string(s.message()).c_str());
      std::exit(1);
    }
  }
};

Setup& TheSetup() {
  static Setup setup;  // destroyed at exit: the snapshot directory is removed
  return setup;
}

void Report(benchmark::State& state, const RestoreStats& last, size_t open_stories) {
  const Setup& s = TheSetup();
  state.counters["records"] = static_cast<double>(s.records.size());
  size_t bytes = 0;
  for (const std::string& r : s.records) bytes += r.size();
  state.counters["record_bytes"] = static_cast<double>(bytes) / static_cast<double>(s.records.size());
  state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(s.records.size()) * state.iterations(),
                                                       benchmark::Counter::kIsRate);
  state.counters["topic_records_read"] = static_cast<double>(last.records_read);
  state.counters["snapshot_MB"] = static_cast<double>(last.snapshot_bytes) / 1e6;
  // Of the last iteration: loading the snapshot file, then reading the topic.
  state.counters["snapshot_ms"] = absl::ToDoubleMilliseconds(last.snapshot_time);
  state.counters["topic_ms"] = absl::ToDoubleMilliseconds(last.topic_time);
  state.counters["open_stories"] = static_cast<double>(open_stories);
}

// Restores into an empty index once per iteration; returns the last run's
// stats and the open stories it left.
std::pair<RestoreStats, size_t> RestoreEach(benchmark::State& state, const std::string& state_dir) {
  Setup& s = TheSetup();
  RestoreStats last;
  size_t open = 0;
  for (auto _ : state) {
    StoryIndex index;
    auto sync = StorySync::Create(s.Options(state_dir), &index);
    Setup::Check(sync.status());
    auto stats = (*sync)->Restore();
    Setup::Check(stats.status());
    last = *stats;
    open = index.open_stories();
  }
  return {last, open};
}

void BM_RestoreFromTopic(benchmark::State& state) {
  auto [last, open] = RestoreEach(state, "");
  if (last.records_read != TheSetup().records.size()) state.SkipWithError("the topic was not read completely");
  Report(state, last, open);
}

void BM_RestoreFromSnapshot(benchmark::State& state) {
  auto [last, open] = RestoreEach(state, TheSetup().state_dir);
  if (!last.from_snapshot) state.SkipWithError("the snapshot was not used");
  Report(state, last, open);
}

void BM_ApplyInMemory(benchmark::State& state) {
  Setup& s = TheSetup();
  size_t open = 0;
  for (auto _ : state) {
    StoryIndex index;
    for (const std::string& r : s.records) Setup::Check(index.Apply(r));
    open = index.open_stories();
  }
  Report(state, RestoreStats{}, open);
}

void BM_SaveSnapshot(benchmark::State& state) {
  Setup& s = TheSetup();
  for (auto _ : state) Setup::Check(s.full_sync->SaveSnapshot());
  RestoreStats last;
  last.snapshot_bytes = std::filesystem::file_size(s.full_sync->snapshot_path());
  Report(state, last, s.full.open_stories());
}

BENCHMARK(BM_RestoreFromTopic)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_RestoreFromSnapshot)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_ApplyInMemory)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_SaveSnapshot)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace eventwire::pipeline

BENCHMARK_MAIN();
