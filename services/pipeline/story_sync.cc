#include "story_sync.h"

#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <vector>

#include <absl/cleanup/cleanup.h>
#include <absl/strings/str_cat.h>

#include "eventwire/fixed_bytes.h"
#include "eventwire/log.h"
#include "processor.h"

namespace eventwire::pipeline {
namespace {

// Snapshot file: magic, XXH64 of everything after it, then
//   u32 topic length, topic, u32 n, n x (i32 partition, i64 next offset),
//   u64 index snapshot length, StoryIndex::Snapshot() bytes,
//   u64 merger snapshot length, EventMerger::Snapshot() bytes (0: no merger).
// A version 01 file (no merger part) is not read: the topic rebuilds both.
constexpr char kMagic[8] = {'E', 'W', 'S', 'Y', 'N', 'C', '0', '2'};
constexpr int kMetadataTimeoutMs = 10000;

struct SnapshotFile {
  std::string topic;
  std::map<int32_t, int64_t> offsets;
  std::string_view index;   // into the file's bytes
  std::string_view merger;  // into the file's bytes; empty: none
};

absl::StatusOr<SnapshotFile> ParseSnapshot(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return absl::InvalidArgumentError("not a story sync snapshot (bad magic)");
  }
  bytes.remove_prefix(sizeof kMagic);
  uint64_t sum = 0;
  GetFixed(&bytes, &sum);
  if (XXH64(bytes.data(), bytes.size(), 0) != sum) return absl::DataLossError("snapshot checksum mismatch");
  SnapshotFile f;
  uint32_t n = 0;
  if (!GetFixed(&bytes, &n) || bytes.size() < n) return absl::DataLossError("snapshot truncated");
  f.topic = std::string(bytes.substr(0, n));
  bytes.remove_prefix(n);
  if (!GetFixed(&bytes, &n)) return absl::DataLossError("snapshot truncated");
  for (uint32_t i = 0; i < n; ++i) {
    int32_t p = 0;
    int64_t o = 0;
    if (!GetFixed(&bytes, &p) || !GetFixed(&bytes, &o)) return absl::DataLossError("snapshot truncated");
    f.offsets[p] = o;
  }
  uint64_t len = 0;
  if (!GetFixed(&bytes, &len) || bytes.size() < len) return absl::DataLossError("snapshot truncated");
  f.index = bytes.substr(0, len);
  bytes.remove_prefix(len);
  if (!GetFixed(&bytes, &len) || bytes.size() != len) return absl::DataLossError("snapshot truncated");
  f.merger = bytes;
  return f;
}

absl::Status RestoreSnapshot(const SnapshotFile& file, StoryIndex* index, EventMerger* merger) {
  if (absl::Status s = index->Restore(absl::string_view(file.index.data(), file.index.size())); !s.ok()) return s;
  // A snapshot written with merging off has no merger part: the merger starts
  // empty, as it did then.
  if (merger == nullptr || file.merger.empty()) return absl::OkStatus();
  return merger->Restore(absl::string_view(file.merger.data(), file.merger.size()));
}

std::string_view HeaderOf(const rd_kafka_message_t& m, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR || !value) return {};
  return {static_cast<const char*>(value), size};
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

}  // namespace

absl::StatusOr<std::unique_ptr<StorySync>> StorySync::Create(StorySyncOptions options, StoryIndex* index,
                                                             EventMerger* merger) {
  std::unique_ptr<StorySync> sync(new StorySync(std::move(options), index, merger));
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Partitions are assigned by hand and no offsets are committed (the
  // position that matters is kept in the snapshot); librdkafka still wants a
  // group.id for assign(), which never joins that group.
  const std::vector<std::pair<const char*, std::string>> settings = {
      {"bootstrap.servers", sync->options_.brokers},
      {"group.id", absl::StrCat("eventwire-story-sync-", sync->options_.instance_id)},
      {"client.id", "eventwire-pipeline-story-sync"},
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      {"fetch.wait.max.ms", "50"},
      // Prefetch bound (per partition in librdkafka 2.0): the restore of a
      // 12-partition topic stays within ~100 MB next to the index.
      {"queued.max.messages.kbytes", "8192"}};
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("story sync reader: ", errstr));
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);  // owns conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(absl::StrCat("story sync reader: ", errstr));
  }
  sync->rk_.reset(rk);
  rd_kafka_poll_set_consumer(rk);

  // Partition count of the topic.
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, sync->options_.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, topic, &md, kMetadataTimeoutMs);
  rd_kafka_topic_destroy(topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("metadata of ", sync->options_.topic, ": ", rd_kafka_err2str(err)));
  }
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    sync->partitions_ = md->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  if (sync->partitions_ <= 0) {
    return absl::NotFoundError(absl::StrCat("signatures topic ", sync->options_.topic, " does not exist"));
  }
  return sync;
}

StorySync::~StorySync() {
  if (rk_) rd_kafka_consumer_close(rk_.get());
}

std::string StorySync::snapshot_path() const {
  if (options_.state_dir.empty()) return {};
  return (std::filesystem::path(options_.state_dir) / (options_.topic + ".snapshot")).string();
}

absl::Status StorySync::Assign(const std::map<int32_t, int64_t>& start) {
  PartitionList list(rd_kafka_topic_partition_list_new(partitions_));
  for (int32_t p = 0; p < partitions_; ++p) {
    auto it = start.find(p);
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p)->offset =
        it != start.end() ? it->second : RD_KAFKA_OFFSET_BEGINNING;
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::InternalError(absl::StrCat("assign: ", rd_kafka_err2str(err)));
  return absl::OkStatus();
}

bool StorySync::ApplyMessage(const rd_kafka_message_t& m, bool skip_own) {
  if (skip_own && !options_.instance_id.empty() &&
      HeaderOf(m, std::string(kInstanceHeader).c_str()) == options_.instance_id) {
    return true;
  }
  const absl::string_view record(static_cast<const char*>(m.payload), m.len);
  absl::Status s;
  if (HeaderOf(m, std::string(kTypeHeader).c_str()) == kEventMergeType) {
    if (merger_ == nullptr) return true;  // merging is off here: nothing to keep
    s = merger_->Apply(record);
  } else {
    s = index_->Apply(record);
  }
  if (!s.ok()) {
    LogWarn("skipping a record that is not a signature record",
            {{"topic", options_.topic}, {"partition", absl::StrCat(m.partition)},
             {"offset", absl::StrCat(m.offset)}, {"error", std::string(s.message())}});
    return false;
  }
  ++applied_;
  return true;
}

absl::StatusOr<RestoreStats> StorySync::Restore() {
  RestoreStats stats;
  std::map<int32_t, int64_t> start;
  if (const std::string path = snapshot_path(); !path.empty() && std::filesystem::exists(path)) {
    const absl::Time t0 = absl::Now();
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::StatusOr<SnapshotFile> file = ParseSnapshot(bytes);
    if (file.ok() && file->topic != options_.topic) {
      file = absl::FailedPreconditionError(absl::StrCat("snapshot of topic ", file->topic));
    }
    if (!file.ok()) {
      // Nothing was loaded: the topic alone rebuilds the index.
      LogWarn("ignoring the story snapshot; reading the signatures topic from the beginning",
              {{"path", path}, {"error", std::string(file.status().message())}});
    } else if (absl::Status s = RestoreSnapshot(*file, index_, merger_); !s.ok()) {
      // The checksum matched, so this is a format this build does not read
      // and the index may be half-filled: fail rather than guess.
      return absl::FailedPreconditionError(
          absl::StrCat("story snapshot ", path, " does not load (", s.message(), "); delete it to rebuild from ",
                       options_.topic));
    } else {
      stats.from_snapshot = true;
      stats.snapshot_bytes = bytes.size();
      start = file->offsets;
    }
    stats.snapshot_time = absl::Now() - t0;
  }

  // Read every partition to its end (partition EOF: for read_committed, the
  // last stable offset) as of now. Own records are applied too: the index
  // that made them is gone.
  const absl::Time t0 = absl::Now();
  if (absl::Status s = Assign(start); !s.ok()) return s;
  std::set<int32_t> pending;
  for (int32_t p = 0; p < partitions_; ++p) pending.insert(p);
  const absl::Time deadline = t0 + options_.restore_timeout;
  absl::Time next_progress = t0;
  while (!pending.empty()) {
    if (options_.progress && absl::Now() >= next_progress) {
      options_.progress();
      next_progress = absl::Now() + absl::Milliseconds(100);
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("signatures topic ", options_.topic, " not read to its end in ",
                                                      absl::FormatDuration(options_.restore_timeout), " (",
                                                      stats.records_read, " records read)"));
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      pending.erase(m->partition);
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      char reason[512];
      if (rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_message_destroy(m);
        return absl::InternalError(absl::StrCat("story sync reader: ", reason));
      }
      LogWarn("story sync reader error", {{"error", rd_kafka_message_errstr(m)}});
    } else {
      ++stats.records_read;
      if (ApplyMessage(*m, /*skip_own=*/false)) {
        ++stats.records_applied;
      } else {
        ++stats.bad_records;
      }
    }
    rd_kafka_message_destroy(m);
  }
  stats.topic_time = absl::Now() - t0;
  last_snapshot_ = absl::Now();
  twins_seen_ = index_->stats().twin_records;
  return stats;
}

absl::StatusOr<size_t> StorySync::Poll(size_t max_records) {
  size_t applied = 0;
  absl::Cleanup report_twins = [&] {
    if (applied == 0) return;
    const uint64_t twins = index_->stats().twin_records;
    if (twins > twins_seen_) {
      LogWarn("a report was opened as two stories by two instances (race window; not merged)",
              {{"new_twin_records", absl::StrCat(twins - twins_seen_)}, {"twin_records", absl::StrCat(twins)}});
      twins_seen_ = twins;
    }
  };
  for (size_t i = 0; i < max_records; ++i) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 0);
    if (m == nullptr) break;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const uint64_t before = applied_;
      ApplyMessage(*m, /*skip_own=*/true);
      applied += applied_ - before;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      char reason[512];
      if (rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_message_destroy(m);
        return absl::InternalError(absl::StrCat("story sync reader: ", reason));
      }
      LogWarn("story sync reader error", {{"error", rd_kafka_message_errstr(m)}});
    }
    rd_kafka_message_destroy(m);
  }
  return applied;
}

std::map<int32_t, int64_t> StorySync::Positions() {
  std::map<int32_t, int64_t> out;
  PartitionList list(rd_kafka_topic_partition_list_new(partitions_));
  for (int32_t p = 0; p < partitions_; ++p) rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p);
  if (rd_kafka_position(rk_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  for (int i = 0; i < list->cnt; ++i) {
    // No position yet (nothing read on that partition): the next restart
    // reads it from the beginning, which re-applies idempotently.
    if (list->elems[i].offset >= 0) out[list->elems[i].partition] = list->elems[i].offset;
  }
  return out;
}

absl::Status StorySync::SaveSnapshot() {
  const std::string path = snapshot_path();
  if (path.empty()) return absl::OkStatus();
  // Positions first: a record read after them is then in the index and also
  // re-read at restart (idempotent), never missing.
  const std::map<int32_t, int64_t> positions = Positions();
  std::string body;
  PutFixed<uint32_t>(&body, static_cast<uint32_t>(options_.topic.size()));
  body += options_.topic;
  PutFixed<uint32_t>(&body, static_cast<uint32_t>(positions.size()));
  for (const auto& [p, o] : positions) {
    PutFixed<int32_t>(&body, p);
    PutFixed<int64_t>(&body, o);
  }
  const std::string index = index_->Snapshot();
  PutFixed<uint64_t>(&body, index.size());
  body += index;
  const std::string merger = merger_ != nullptr ? merger_->Snapshot() : std::string();
  PutFixed<uint64_t>(&body, merger.size());
  body += merger;

  std::error_code ec;
  std::filesystem::create_directories(options_.state_dir, ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(kMagic, sizeof kMagic);
    const uint64_t sum = XXH64(body.data(), body.size(), 0);
    out.write(reinterpret_cast<const char*>(&sum), sizeof sum);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (!out.flush()) return absl::InternalError("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot rename to ", path, ": ", ec.message()));
  last_snapshot_ = absl::Now();
  return absl::OkStatus();
}

void AddStorySyncFlags(Config& config, StorySyncFlags* f) {
  config.AddString("signatures-topic", &f->signatures_topic,
                   "compacted topic of dedup signature records that every instance writes (in its "
                   "transactions) and reads: stories survive restarts and join across instances "
                   "(docs/dedup.md); empty: off, for a single instance whose stories may restart empty");
  config.AddString("state-dir", &f->state_dir,
                   "directory for snapshots of the dedup index (with --signatures-topic): a restart "
                   "loads the snapshot and reads only the topic after it; empty: read the whole topic");
  config.AddInt("snapshot-interval-s", &f->snapshot_interval_s,
                "write a dedup index snapshot at most this often (and at a clean stop); 0: only at stop",
                0, 1 << 24);
  config.AddInt("restore-timeout-s", &f->restore_timeout_s,
                "fail the start when the signatures topic is not read to its end by then", 1, 1 << 24);
}

kafka::TopicSpec SignaturesTopicSpec(const std::string& name, int partitions, int64_t window_seconds) {
  const int64_t retention_ms = (window_seconds + 24 * 3600) * 1000;
  return {name, partitions, {{"cleanup.policy", "compact,delete"}, {"retention.ms", absl::StrCat(retention_ms)}}};
}

absl::StatusOr<std::unique_ptr<StorySync>> StartStorySync(const StorySyncFlags& flags, const std::string& brokers,
                                                          const std::string& instance_id, StoryIndex* index,
                                                          EventMerger* merger, std::function<void()> progress) {
  if (flags.signatures_topic.empty()) {
    if (!flags.state_dir.empty()) LogWarn("--state-dir is ignored without --signatures-topic");
    return nullptr;
  }
  StorySyncOptions options;
  options.brokers = brokers;
  options.topic = flags.signatures_topic;
  options.instance_id = instance_id;
  options.state_dir = flags.state_dir;
  options.snapshot_interval = absl::Seconds(flags.snapshot_interval_s);
  options.restore_timeout = absl::Seconds(flags.restore_timeout_s);
  options.progress = std::move(progress);
  absl::StatusOr<std::unique_ptr<StorySync>> sync = StorySync::Create(std::move(options), index, merger);
  if (!sync.ok()) return sync.status();
  absl::StatusOr<RestoreStats> restored = (*sync)->Restore();
  if (!restored.ok()) return restored.status();
  LogInfo("dedup state restored",
          {{"signatures_topic", flags.signatures_topic},
           {"from_snapshot", restored->from_snapshot ? "true" : "false"},
           {"snapshot_bytes", absl::StrCat(restored->snapshot_bytes)},
           {"snapshot_ms", absl::StrCat(absl::ToInt64Milliseconds(restored->snapshot_time))},
           {"records_read", absl::StrCat(restored->records_read)},
           {"records_applied", absl::StrCat(restored->records_applied)},
           {"bad_records", absl::StrCat(restored->bad_records)},
           {"topic_ms", absl::StrCat(absl::ToInt64Milliseconds(restored->topic_time))},
           {"open_stories", absl::StrCat(index->open_stories())},
           {"merged_events_held", absl::StrCat(merger != nullptr ? merger->size() : 0)}});
  return sync;
}

absl::Status StorySync::MaybeSnapshot() {
  if (options_.state_dir.empty() || options_.snapshot_interval <= absl::ZeroDuration() ||
      absl::Now() - last_snapshot_ < options_.snapshot_interval) {
    return absl::OkStatus();
  }
  return SaveSnapshot();
}

}  // namespace eventwire::pipeline
