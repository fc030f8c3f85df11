// The pipeline's operational surface, kept out of main.cc: Prometheus metrics
// (docs/metrics.md), /healthz + /readyz, and the SIGTERM handling that bounds
// a graceful shutdown (docs/operations.md).
//
//   ShutdownSignal shutdown;                   // before any other thread starts
//   auto telemetry = PipelineTelemetry::Start(options);
//   consumer = Consumer::Create(conf, topics, telemetry->StatisticsCallback());
//   while (!shutdown.requested()) {
//     telemetry->liveness().Beat();
//     ... process a batch, deliver it ...
//     telemetry->BatchCommitted(batch, summaries, publish_time, index_stats);
//   }
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <prometheus/registry.h>

#include "eventwire/health.h"
#include "eventwire/kafka.h"
#include "eventwire/kafka_stats.h"
#include "eventwire/metrics.h"
#include "eventwire/telemetry.h"
#include "processor.h"

namespace eventwire::pipeline {

// Readiness conditions besides ConsumerStatsObserver's partitions_assigned and
// broker_reachable (from librdkafka statistics): the processor's state
// (extraction dictionaries, story index) is loaded.
inline constexpr char kStateRestored[] = "state_restored";

// How often librdkafka reports statistics (lag, broker state, group state):
// readiness follows a broker outage within about this long.
inline constexpr int kStatisticsIntervalMs = 1000;

class PipelineTelemetry {
 public:
  // Starts /metrics and /healthz+/readyz as `options` say (a port of 0 turns
  // its server off); fails naming the port when one is taken.
  static absl::StatusOr<std::unique_ptr<PipelineTelemetry>> Start(const TelemetryOptions& options);

  Readiness& readiness() { return readiness_; }
  Liveness& liveness() { return liveness_; }
  // What /metrics serves (for tests).
  const prometheus::Registry& registry() const { return *registry_; }

  // For kafka::Consumer::Create: lag per partition, rebalances, and the
  // partitions_assigned / broker_reachable conditions.
  kafka::StatisticsCallback StatisticsCallback();

  // A batch whose outputs and input offsets were committed. `summaries[i]`
  // describes `batch[i]`. Counting only committed batches means an aborted
  // and replayed batch is counted once.
  void BatchCommitted(const std::vector<kafka::Message>& batch,
                      const std::vector<MessageSummary>& summaries, absl::Duration publish,
                      const IndexStats& dedup);
  // A batch that was not delivered; `aborted` when its transaction was aborted.
  void BatchFailed(bool aborted);

 private:
  explicit PipelineTelemetry(const TelemetryOptions& options);

  std::shared_ptr<prometheus::Registry> registry_;
  PipelineMetrics metrics_;
  // IndexStats::old_version_records already in
  // metrics_.dedup_old_signatures (the index counts cumulatively).
  uint64_t old_signatures_counted_ = 0;
  Readiness readiness_;
  Liveness liveness_;
  ConsumerStatsObserver stats_;
  TelemetryServers servers_;
};

// Takes SIGTERM and SIGINT away from the default handlers. The first one sets
// requested() and arms a ShutdownWatchdog: a shutdown that overruns `budget`
// ends the process with exit code 3 (with exactly-once delivery, the broker
// then aborts the open transaction and the next owner re-reads its input).
// Construct before any other thread starts: the signals are blocked in this
// thread, inherited by later ones, and taken by a thread of its own.
class ShutdownSignal {
 public:
  explicit ShutdownSignal(absl::Duration budget);
  ~ShutdownSignal();
  ShutdownSignal(const ShutdownSignal&) = delete;
  ShutdownSignal& operator=(const ShutdownSignal&) = delete;

  bool requested() const { return requested_.load(std::memory_order_relaxed); }

 private:
  ShutdownWatchdog watchdog_;
  std::atomic<bool> requested_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace eventwire::pipeline
