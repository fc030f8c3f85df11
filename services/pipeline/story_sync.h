// StorySync: keeps one pipeline instance's dedup index (StoryIndex) and event
// merger (EventMerger) in step with the signatures topic, so stories and
// merged events survive restarts, near-duplicates read by different instances
// of one consumer group join one story, and reports of one event read by
// different instances merge into one event.
//
// Every instance produces each assignment's signature record to the topic
// inside the transaction of the batch that made it (processor.h,
// ProcessorOptions::signatures_topic), so the topic holds exactly the
// committed assignments. This class is the reading side: a consumer outside
// the group, assigned every partition, read_committed.
//
//   StorySync sync(options, &processor->story_index());
//   sync.Restore();              // snapshot (if any) + topic up to its end
//   loop { sync.Poll(); process a batch; deliver; sync.MaybeSnapshot(); }
//   sync.SaveSnapshot();         // clean shutdown
//
// Records with header eventwire.type = event-merge (key event/<event_id>) go
// to the merger, every other record to the index.
// Design, record keys and the race window: docs/dedup.md, "Across instances".
// REQUIRES: external synchronization; the index is only touched from the
// thread that calls these methods (the pipeline's batch loop).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include "eventwire/config.h"
#include "eventwire/dedup.h"
#include "eventwire/event_merger.h"
#include "eventwire/kafka.h"

namespace eventwire::pipeline {

struct StorySyncOptions {
  std::string brokers;
  std::string topic = "signatures.v1";
  // This instance's id (the transactional id). Records carrying it in the
  // eventwire.instance header are already in the local index after a Poll();
  // at Restore() every record is applied, own ones included.
  std::string instance_id;
  // Directory for the local snapshot (<state_dir>/<topic>.snapshot); empty:
  // no snapshot, a restart reads the whole topic.
  std::string state_dir;
  // Restore() gives up (error) when the topic is not read to its end by then.
  absl::Duration restore_timeout = absl::Minutes(5);
  // MaybeSnapshot() writes at most this often; 0: only SaveSnapshot().
  absl::Duration snapshot_interval = absl::Minutes(5);
  // Called about every 100 ms while Restore() reads the topic (e.g. to beat
  // the liveness probe through a long restore).
  std::function<void()> progress;
};

struct RestoreStats {
  bool from_snapshot = false;
  uint64_t snapshot_bytes = 0;
  uint64_t records_read = 0;     // from the topic
  uint64_t records_applied = 0;  // of those, accepted by Apply() (a record already held changes nothing)
  uint64_t bad_records = 0;      // not signature records (skipped)
  absl::Duration snapshot_time, topic_time;
};

class StorySync {
 public:
  // Creates the reader and assigns every partition of the topic (which must
  // exist). `index` and `merger` (null: merge records are skipped) must
  // outlive this object.
  static absl::StatusOr<std::unique_ptr<StorySync>> Create(StorySyncOptions options, StoryIndex* index,
                                                           EventMerger* merger = nullptr);
  ~StorySync();
  StorySync(const StorySync&) = delete;
  StorySync& operator=(const StorySync&) = delete;

  // Loads the local snapshot when there is a valid one (it names the topic
  // offsets it covers), then applies the topic from there (else from the
  // beginning) up to its end as of now. Call once, before the first input
  // is processed, on an empty index. A missing or unreadable snapshot only
  // means a longer read of the topic (logged).
  absl::StatusOr<RestoreStats> Restore();

  // Applies other instances' records that arrived since, up to
  // `max_records`, without waiting. Returns the number applied.
  absl::StatusOr<size_t> Poll(size_t max_records = 10000);

  // Writes the index and the reader's positions to the snapshot file
  // atomically (temp file + rename). Call only when every input the index
  // holds is committed (between batches), so the snapshot never holds an
  // assignment the topic does not. No-op without a state_dir.
  absl::Status SaveSnapshot();
  // SaveSnapshot() when snapshot_interval has passed since the last one.
  absl::Status MaybeSnapshot();

  std::string snapshot_path() const;
  // Records applied since Create() (Restore() and Poll()), e.g. for a metric.
  uint64_t records_applied() const { return applied_; }

 private:
  StorySync(StorySyncOptions options, StoryIndex* index, EventMerger* merger)
      : options_(std::move(options)), index_(index), merger_(merger) {}
  absl::Status Assign(const std::map<int32_t, int64_t>& start);
  // Applies one consumed record (or skips this instance's own, with
  // skip_own); false when it was not a signature record.
  bool ApplyMessage(const rd_kafka_message_t& m, bool skip_own);
  std::map<int32_t, int64_t> Positions();

  StorySyncOptions options_;
  StoryIndex* index_;
  EventMerger* merger_;
  kafka::Handle rk_;
  int32_t partitions_ = 0;
  uint64_t applied_ = 0;
  uint64_t twins_seen_ = 0;  // IndexStats::twin_records already logged
  absl::Time last_snapshot_ = absl::Now();
};

// The pipeline's flags for this (--signatures-topic, --state-dir, ...).
struct StorySyncFlags {
  std::string signatures_topic;
  std::string state_dir;
  int64_t snapshot_interval_s = 300;
  int64_t restore_timeout_s = 300;
};
void AddStorySyncFlags(Config& config, StorySyncFlags* flags);

// The signatures topic as the pipeline creates it: compacted by key (one
// record per article) and deleted after the dedup window plus a day, since
// older records no longer enter the index.
kafka::TopicSpec SignaturesTopicSpec(const std::string& name, int partitions, int64_t window_seconds);

// Creates the reader and restores `index` (logging what it took); null when
// flags.signatures_topic is empty. Call before the consumer joins the group
// and before readiness: the index must hold every committed assignment
// before the first input is processed.
absl::StatusOr<std::unique_ptr<StorySync>> StartStorySync(const StorySyncFlags& flags, const std::string& brokers,
                                                          const std::string& instance_id, StoryIndex* index,
                                                          EventMerger* merger,
                                                          std::function<void()> progress = nullptr);

}  // namespace eventwire::pipeline
