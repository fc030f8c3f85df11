#include "pipeline_telemetry.h"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <string>
#include <utility>

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include "eventwire/decode.h"
#include "eventwire/log.h"

namespace eventwire::pipeline {
namespace {

std::vector<std::string> DlqReasonNames() {
  std::vector<std::string> names;
  for (DlqReason r : AllDlqReasons()) names.emplace_back(DlqReasonName(r));
  return names;
}

}  // namespace

PipelineTelemetry::PipelineTelemetry(const TelemetryOptions& options)
    : registry_(std::make_shared<prometheus::Registry>()),
      metrics_(*registry_, BuildVersion(), DlqReasonNames()),
      readiness_({ConsumerStatsObserver::kPartitionsAssigned, kStateRestored,
                  ConsumerStatsObserver::kBrokerReachable}),
      liveness_(absl::Seconds(options.liveness_stall_s)),
      stats_(metrics_.process, readiness_) {
  readiness_.OnChange([this](bool ready) { metrics_.process.ready.Set(ready ? 1 : 0); });
}

absl::StatusOr<std::unique_ptr<PipelineTelemetry>> PipelineTelemetry::Start(
    const TelemetryOptions& options) {
  std::unique_ptr<PipelineTelemetry> t(new PipelineTelemetry(options));
  absl::StatusOr<TelemetryServers> servers =
      StartTelemetryServers(options, t->registry_, &t->readiness_, &t->liveness_);
  if (!servers.ok()) return servers.status();
  t->servers_ = std::move(*servers);
  return t;
}

kafka::StatisticsCallback PipelineTelemetry::StatisticsCallback() {
  return [this](std::string_view json) {
    if (absl::Status s = stats_.OnStatistics(json); !s.ok()) {
      metrics_.process.errors.Get({"kafka"}).Increment();
      LogWarn("unreadable librdkafka statistics", {{"error", std::string(s.message())}});
    }
  };
}

void PipelineTelemetry::BatchCommitted(const std::vector<kafka::Message>& batch,
                                       const std::vector<MessageSummary>& summaries,
                                       absl::Duration publish, const IndexStats& dedup) {
  PipelineMetrics& m = metrics_;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  auto observe = [&m](std::string_view stage, absl::Duration d) {
    m.stage_duration.Get({stage}).Observe(absl::ToDoubleSeconds(d));
  };
  for (size_t i = 0; i < batch.size() && i < summaries.size(); ++i) {
    const MessageSummary& s = summaries[i];
    m.articles_consumed.Increment();
    observe("decode", s.durations.decode);
    if (s.dlq_reason != DlqReason::kNone) {
      m.dlq.Get({DlqReasonName(s.dlq_reason)}).Increment();
      continue;
    }
    observe("clean", s.durations.clean);
    observe("dedup", s.durations.dedup);
    m.stories_produced.Increment();
    if (s.is_duplicate) {
      m.duplicates.Increment();
      continue;  // a duplicate is not extracted again
    }
    observe("extract", s.durations.extract);
    for (const std::string& root : s.cameo_roots) m.events_produced.Get({root}).Increment();
    metrics_.events_merged.Increment(static_cast<double>(s.events_merged));
    // Publish-to-event latency; records without a timestamp (or from a clock
    // ahead of ours) say nothing about it.
    const int64_t ts = batch[i].timestamp_ms;
    if ((!s.cameo_roots.empty() || s.events_merged > 0) && ts > 0 && ts <= now_ms) {
      m.event_latency.Observe(static_cast<double>(now_ms - ts) / 1000.0);
    }
  }
  observe("publish", publish);
  m.transactions.Get({"committed"}).Increment();
  m.stories_open.Set(static_cast<double>(dedup.stories_open));
  m.dedup_index_bytes.Set(static_cast<double>(dedup.index_bytes));
  m.dedup_story_bytes.Set(static_cast<double>(dedup.story_bytes));
  m.dedup_exact_cache_bytes.Set(static_cast<double>(dedup.exact_cache_bytes));
  // The index counts since it was made (restore included): the counter
  // takes what is new since the last batch.
  if (dedup.old_version_records > old_signatures_counted_) {
    metrics_.dedup_old_signatures.Increment(static_cast<double>(dedup.old_version_records - old_signatures_counted_));
    old_signatures_counted_ = dedup.old_version_records;
  }
}

void PipelineTelemetry::BatchFailed(bool aborted) {
  metrics_.process.errors.Get({"kafka"}).Increment();
  if (aborted) metrics_.transactions.Get({"aborted"}).Increment();
}

ShutdownSignal::ShutdownSignal(absl::Duration budget) : watchdog_(budget) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  thread_ = std::thread([this, signals] {
    // Wakes up now and then to notice that the process is ending on its own.
    const timespec tick = {0, 200 * 1000 * 1000};
    while (!done_.load()) {
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig < 0) continue;  // timeout or EINTR
      if (!requested_.exchange(true)) {
        LogInfo("shutting down", {{"signal", absl::StrCat(sig)}});
        watchdog_.Arm();
      }
    }
  });
}

ShutdownSignal::~ShutdownSignal() {
  done_.store(true);
  thread_.join();
}

}  // namespace eventwire::pipeline
