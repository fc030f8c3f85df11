// Materialises events.v1 and stories.v1 into the store. Every replica reads
// every partition (manual assignment, no consumer-group balancing); the
// position of each partition is stored in the database in the same
// transaction as the records, so a restart resumes exactly where the store
// left off and never applies a record twice. Offsets are also committed to
// Kafka under --group-id, after the store has the data, so lag is visible to
// the usual Kafka tooling.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <absl/status/status.h>
#include <absl/time/time.h>

#include "eventwire/store.h"

namespace eventwire::query {

struct IngestOptions {
  std::string brokers;
  std::string events_topic = "events.v1";
  std::string stories_topic = "stories.v1";
  std::string group_id;            // empty: no Kafka commits
  size_t max_batch = 5000;         // records per store transaction (a poll ends sooner after max_wait)
  absl::Duration max_wait = absl::Milliseconds(100);
  // How often new partitions (and topics that did not exist yet) are looked for.
  absl::Duration metadata_interval = absl::Seconds(10);
};

// What the ingester reports to metrics and readiness; any member may be empty.
struct IngestHooks {
  std::function<void(int events, int stories)> on_applied;
  std::function<void(const std::string& kind)> on_error;      // "kafka", "decode", "store"
  std::function<void(bool assigned)> on_assignment;            // partitions of both topics known
  std::function<void(const std::string& stats_json)> on_stats; // librdkafka statistics
  std::function<void()> on_loop;                               // once per poll loop (liveness)
};

class Ingester {
 public:
  static absl::StatusOr<std::unique_ptr<Ingester>> Create(const IngestOptions& options,
                                                          EventStore* store, IngestHooks hooks);
  ~Ingester();

  // Consumes until `stop` becomes true. Store failures are retried (the batch
  // is kept, offsets do not move); returns an error only for fatal Kafka errors.
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  struct Impl;
  explicit Ingester(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventwire::query
