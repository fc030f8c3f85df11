// services/pipeline/pipeline_telemetry: what a committed batch adds to the
// metrics, what a failed one adds, readiness from librdkafka statistics, and
// SIGTERM handling. The served endpoints are covered by ops_test.py.
#include "pipeline_telemetry.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <absl/time/clock.h>

namespace eventwire::pipeline {
namespace {

std::string Scrape(const PipelineTelemetry& t) {
  return prometheus::TextSerializer().Serialize(t.registry().Collect());
}

// True when the exposition has the sample line `series value`.
bool Has(const std::string& text, const std::string& series, const std::string& value) {
  return text.find("\n" + series + " " + value + "\n") != std::string::npos;
}

TelemetryOptions Off() {
  TelemetryOptions o;
  o.metrics_port = 0;
  o.health_port = 0;
  return o;
}

kafka::Message Record(int64_t offset, int64_t timestamp_ms) {
  kafka::Message m;
  m.topic = "articles.raw";
  m.offset = offset;
  m.timestamp_ms = timestamp_ms;
  return m;
}

TEST(PipelineTelemetryTest, CommittedBatchCountsWhatEachRecordWentThrough) {
  auto t = PipelineTelemetry::Start(Off());
  ASSERT_TRUE(t.ok()) << t.status();
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());

  MessageSummary dead;  // dead-lettered at decode
  dead.dlq_reason = DlqReason::kEmpty;
  MessageSummary first;  // first article of its story, two events
  first.cameo_roots = {"14", "19"};
  first.events = 2;
  first.events_merged = 1;  // and a new version of another story's event
  MessageSummary duplicate;  // joined that story: no extraction
  duplicate.is_duplicate = true;
  MessageSummary quiet;  // new story, no events
  MessageSummary odd;    // an event with a root outside 01..20
  odd.cameo_roots = {"99"};

  std::vector<kafka::Message> batch = {Record(0, now_ms), Record(1, now_ms - 2000), Record(2, now_ms),
                                       Record(3, now_ms), Record(4, -1)};
  IndexStats dedup;
  dedup.stories_open = 3;
  dedup.index_bytes = 4096;
  (*t)->BatchCommitted(batch, {dead, first, duplicate, quiet, odd}, absl::Milliseconds(5), dedup);
  const std::string text = Scrape(**t);

  EXPECT_TRUE(Has(text, "eventwire_articles_consumed_total", "5")) << text;
  EXPECT_TRUE(Has(text, "eventwire_dlq_total{reason=\"empty\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_dlq_total{reason=\"bad_json\"}", "0")) << text;  // created up front
  EXPECT_TRUE(Has(text, "eventwire_stories_produced_total", "4")) << text;
  EXPECT_TRUE(Has(text, "eventwire_duplicates_total", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_events_produced_total{cameo_root=\"14\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_events_produced_total{cameo_root=\"19\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_events_produced_total{cameo_root=\"01\"}", "0")) << text;
  EXPECT_TRUE(Has(text, "eventwire_events_produced_total{cameo_root=\"99\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_events_merged_total", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stage_duration_seconds_count{stage=\"decode\"}", "5")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stage_duration_seconds_count{stage=\"clean\"}", "4")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stage_duration_seconds_count{stage=\"dedup\"}", "4")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stage_duration_seconds_count{stage=\"extract\"}", "3")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stage_duration_seconds_count{stage=\"publish\"}", "1")) << text;
  // Latency only for records with events and a timestamp: `first` (2 s old); `odd` has none.
  EXPECT_TRUE(Has(text, "eventwire_event_latency_seconds_count", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_event_latency_seconds_bucket{le=\"1\"}", "0")) << text;
  EXPECT_TRUE(Has(text, "eventwire_event_latency_seconds_bucket{le=\"5\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_transactions_total{outcome=\"committed\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_stories_open", "3")) << text;
  EXPECT_TRUE(Has(text, "eventwire_dedup_memory_bytes{part=\"index\"}", "4096")) << text;
  EXPECT_TRUE(Has(text, "eventwire_dedup_old_signatures_total", "0")) << text;
}

// IndexStats::old_version_records counts since the index was made (a restore
// included); the counter adds what is new at each committed batch.
TEST(PipelineTelemetryTest, OldDedupSignaturesAreCountedOnce) {
  auto t = PipelineTelemetry::Start(Off());
  ASSERT_TRUE(t.ok()) << t.status();
  IndexStats dedup;
  dedup.old_version_records = 7;
  (*t)->BatchCommitted({}, {}, absl::Milliseconds(1), dedup);
  (*t)->BatchCommitted({}, {}, absl::Milliseconds(1), dedup);
  dedup.old_version_records = 9;
  (*t)->BatchCommitted({}, {}, absl::Milliseconds(1), dedup);
  EXPECT_TRUE(Has(Scrape(**t), "eventwire_dedup_old_signatures_total", "9"));
}

TEST(PipelineTelemetryTest, FailedBatchCountsAnAbortAndAnError) {
  auto t = PipelineTelemetry::Start(Off());
  ASSERT_TRUE(t.ok()) << t.status();
  (*t)->BatchFailed(/*aborted=*/true);
  (*t)->BatchFailed(/*aborted=*/false);  // at-least-once: no transaction to abort
  const std::string text = Scrape(**t);
  EXPECT_TRUE(Has(text, "eventwire_transactions_total{outcome=\"aborted\"}", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_transactions_total{outcome=\"committed\"}", "0")) << text;
  EXPECT_TRUE(Has(text, "eventwire_errors_total{kind=\"kafka\"}", "2")) << text;
  EXPECT_TRUE(Has(text, "eventwire_articles_consumed_total", "0")) << text;
}

TEST(PipelineTelemetryTest, ReadyOnlyWithStateAssignmentAndBroker) {
  auto t = PipelineTelemetry::Start(Off());
  ASSERT_TRUE(t.ok()) << t.status();
  kafka::StatisticsCallback stats = (*t)->StatisticsCallback();
  const std::string steady = R"({"type":"consumer","brokers":{"b/1":{"nodeid":1,"state":"UP"}},
      "topics":{"articles.raw":{"partitions":{"0":{"desired":true,"app_offset":5,"ls_offset":9}}}},
      "cgrp":{"state":"up","join_state":"steady","rebalance_cnt":1}})";
  stats(steady);
  EXPECT_FALSE((*t)->readiness().ready()) << "state not restored yet";
  EXPECT_TRUE(Has(Scrape(**t), "eventwire_ready", "0"));
  (*t)->readiness().Set(kStateRestored, true);
  EXPECT_TRUE((*t)->readiness().ready()) << (*t)->readiness().Describe();
  std::string text = Scrape(**t);
  EXPECT_TRUE(Has(text, "eventwire_ready", "1")) << text;
  EXPECT_TRUE(Has(text, "eventwire_consumer_lag_messages{partition=\"0\",topic=\"articles.raw\"}", "4")) << text;
  EXPECT_TRUE(Has(text, "eventwire_rebalances_total", "1")) << text;

  std::string down = steady;
  down.replace(down.find("\"UP\""), 4, "\"DOWN\"");
  stats(down);
  EXPECT_FALSE((*t)->readiness().ready());
  EXPECT_TRUE(Has(Scrape(**t), "eventwire_ready", "0"));

  stats("not json");  // counted, ignored
  EXPECT_TRUE(Has(Scrape(**t), "eventwire_errors_total{kind=\"kafka\"}", "1"));
}

TEST(ShutdownSignalTest, SigtermIsTakenAndRequestsShutdown) {
  // A long budget: the watchdog is disarmed when `shutdown` goes, well before it.
  ShutdownSignal shutdown(absl::Seconds(60));
  EXPECT_FALSE(shutdown.requested());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);  // the default action would end this test binary
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!shutdown.requested() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(shutdown.requested());
}

}  // namespace
}  // namespace eventwire::pipeline
