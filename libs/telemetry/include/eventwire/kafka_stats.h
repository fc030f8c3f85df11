// librdkafka statistics (the JSON its stats_cb delivers every
// statistics.interval.ms) turned into what operators watch: consumer lag per
// assigned partition, whether any broker is reachable, and the group state.
//
//   // in the stats_cb, on librdkafka's thread:
//   absl::StatusOr<eventwire::KafkaStats> stats = eventwire::ParseKafkaStats(json);
//   if (stats.ok()) lag_gauges.Update(*stats);
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "eventwire/health.h"
#include "eventwire/metrics.h"

namespace eventwire {

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  // Records on the partition this consumer has not consumed yet: last stable
  // (or high watermark) offset minus the consumer's position. librdkafka's own
  // consumer_lag is measured from the committed offset, which it does not
  // learn about when offsets are committed inside a producer transaction, so
  // it is used only when the position is unknown.
  int64_t lag = 0;
};

struct KafkaStats {
  std::string type;  // "consumer" or "producer"
  std::string client_id;
  // Only partitions this consumer fetches (desired) with a known lag.
  std::vector<PartitionLag> lags;
  int brokers_known = 0;  // real brokers (bootstrap placeholders excluded)
  int brokers_up = 0;     // of which in state UP
  std::string group_state;   // cgrp.state, e.g. "up"; empty for producers
  std::string join_state;    // cgrp.join_state, "steady" once an assignment is in place
  int64_t rebalance_count = 0;  // cgrp.rebalance_cnt
  int64_t assignment_size = 0;  // cgrp.assignment_size
};

// Parses one statistics JSON document. Unknown or missing fields are skipped;
// only JSON that is not an object is an error.
absl::StatusOr<KafkaStats> ParseKafkaStats(std::string_view json);

// Keeps eventwire_consumer_lag_messages{topic,partition} equal to the latest
// statistics: sets the reported partitions and removes the series of
// partitions no longer reported (revoked), so cardinality follows the
// assignment. Thread-safe.
class ConsumerLagGauges {
 public:
  explicit ConsumerLagGauges(prometheus::Family<prometheus::Gauge>& family) : family_(family) {}
  void Update(const KafkaStats& stats);

 private:
  prometheus::Family<prometheus::Gauge>& family_;
  std::mutex mu_;
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> series_;
};

// Turns a consumer's statistics into metrics and readiness: the lag gauges,
// eventwire_rebalances_total (from the group's rebalance count),
// the readiness conditions "broker_reachable" (some broker is UP) and
// "partitions_assigned" (joined the group, assignment in place; with more
// replicas than partitions the assignment may be empty, which is still a
// steady member). Producer statistics are ignored. Thread-safe.
class ConsumerStatsObserver {
 public:
  static constexpr char kBrokerReachable[] = "broker_reachable";
  static constexpr char kPartitionsAssigned[] = "partitions_assigned";

  ConsumerStatsObserver(ProcessMetrics& metrics, Readiness& readiness)
      : lag_(metrics.consumer_lag), rebalances_(metrics.rebalances), readiness_(readiness) {}
  // For librdkafka's stats_cb. Malformed documents are counted as errors
  // {kind="stats"} by the caller if it cares; here they are skipped.
  absl::Status OnStatistics(std::string_view json);

 private:
  ConsumerLagGauges lag_;
  prometheus::Counter& rebalances_;
  Readiness& readiness_;
  std::mutex mu_;
  int64_t last_rebalance_count_ = 0;
};

}  // namespace eventwire
