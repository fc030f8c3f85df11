#include "ingest.h"

#include <librdkafka/rdkafka.h>

#include <map>
#include <thread>
#include <utility>

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

#include "eventwire/log.h"

namespace eventwire::query {
namespace {

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using TopicPartition = std::pair<std::string, int32_t>;

int StatsCallback(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* hooks = static_cast<IngestHooks*>(opaque);
  if (hooks->on_stats) hooks->on_stats(std::string(json, len));
  return 0;  // librdkafka frees json
}

}  // namespace

struct Ingester::Impl {
  IngestOptions options;
  EventStore* store = nullptr;
  IngestHooks hooks;
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk;
  // Next offset to read per assigned partition, advanced after each stored batch.
  std::map<TopicPartition, int64_t> positions;
  // Offsets the store had at start: where newly assigned partitions resume.
  std::map<TopicPartition, int64_t> stored;
  absl::Time next_metadata = absl::InfinitePast();

  void Error(const std::string& kind) {
    if (hooks.on_error) hooks.on_error(kind);
  }

  // Partition count of `topic`, 0 when it does not exist (yet).
  int PartitionCount(const std::string& topic) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    int n = 0;
    if (rd_kafka_metadata(rk.get(), 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && topic == md->topics[i].topic) {
          n = md->topics[i].partition_cnt;
        }
      }
      rd_kafka_metadata_destroy(md);
    } else {
      Error("kafka");
    }
    rd_kafka_topic_destroy(rkt);
    return n;
  }

  // Assigns every partition of both topics; partitions new to the assignment
  // start at the stored offset, or at the beginning.
  absl::Status RefreshAssignment() {
    next_metadata = absl::Now() + options.metadata_interval;
    std::map<TopicPartition, int64_t> wanted;
    bool complete = true;
    for (const std::string& topic : {options.events_topic, options.stories_topic}) {
      int n = PartitionCount(topic);
      if (n == 0) complete = false;
      for (int32_t p = 0; p < n; ++p) {
        auto it = positions.find({topic, p});
        auto st = stored.find({topic, p});
        wanted[{topic, p}] = it != positions.end()  ? it->second
                             : st != stored.end() ? st->second
                                                  : RD_KAFKA_OFFSET_BEGINNING;
      }
    }
    // A partition is never dropped (a failed metadata request must not unassign it).
    for (const auto& [tp, offset] : positions) wanted.emplace(tp, offset);
    if (hooks.on_assignment) hooks.on_assignment(complete);
    if (wanted.size() == positions.size()) return absl::OkStatus();
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(wanted.size())));
    for (const auto& [tp, offset] : wanted) {
      rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk.get(), list.get()); err) {
      return absl::UnavailableError(absl::StrCat("assign: ", rd_kafka_err2str(err)));
    }
    positions = std::move(wanted);
    LogInfo("partitions assigned", {{"count", std::to_string(positions.size())}});
    return absl::OkStatus();
  }

  // Adds one record to the batch; undecodable records are logged and skipped
  // (their offset still advances: a poison record must not stall the store).
  void Decode(const rd_kafka_message_t* m, StoreBatch* batch) {
    std::string topic = rd_kafka_topic_name(m->rkt);
    std::string key(static_cast<const char*>(m->key ? m->key : ""), m->key_len);
    const bool events = topic == options.events_topic;
    if (m->payload == nullptr) {  // tombstone: the record was withdrawn
      if (!key.empty()) (events ? batch->deleted_event_ids : batch->deleted_story_ids).push_back(key);
      return;
    }
    bool ok = events ? batch->events.emplace_back().ParseFromArray(m->payload, static_cast<int>(m->len))
                     : batch->stories.emplace_back().ParseFromArray(m->payload, static_cast<int>(m->len));
    if (!ok) {
      if (events) batch->events.pop_back(); else batch->stories.pop_back();
      Error("decode");
      LogWarn("record does not parse; skipped",
              {{"topic", topic}, {"partition", std::to_string(m->partition)},
               {"offset", std::to_string(m->offset)}});
    }
  }

  // Polls up to max_batch records. Returns the batch with the offsets to store.
  StoreBatch Poll() {
    StoreBatch batch;
    std::map<TopicPartition, int64_t> next;
    absl::Time deadline = absl::Now() + options.max_wait;
    for (size_t n = 0; n < options.max_batch; ++n) {
      int timeout_ms = static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
      MessagePtr m(rd_kafka_consumer_poll(rk.get(), n == 0 ? timeout_ms : std::min(timeout_ms, 5)));
      if (!m) break;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          Error("kafka");
          LogWarn("consume error", {{"error", rd_kafka_message_errstr(m.get())}});
        }
        continue;
      }
      Decode(m.get(), &batch);
      next[{rd_kafka_topic_name(m->rkt), m->partition}] = m->offset + 1;
    }
    for (const auto& [tp, offset] : next) batch.offsets.push_back({tp.first, tp.second, offset});
    return batch;
  }

  void CommitToKafka(const std::vector<KafkaOffset>& offsets) {
    if (options.group_id.empty() || offsets.empty()) return;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const KafkaOffset& o : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.next_offset;
    }
    rd_kafka_commit(rk.get(), list.get(), /*async=*/1);
  }
};

Ingester::Ingester(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ingester::~Ingester() = default;

absl::StatusOr<std::unique_ptr<Ingester>> Ingester::Create(const IngestOptions& options,
                                                           EventStore* store, IngestHooks hooks) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->store = store;
  impl->hooks = std::move(hooks);
  absl::StatusOr<std::vector<KafkaOffset>> stored = store->Offsets();
  if (!stored.ok()) return stored.status();
  for (const KafkaOffset& o : *stored) impl->stored[{o.topic, o.partition}] = o.next_offset;
  if (!impl->stored.empty()) {
    LogInfo("resuming from stored offsets", {{"partitions", std::to_string(impl->stored.size())}});
  }

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", options.brokers},
      // Each replica gets its own group id by default (see main.cc), so groups never share work.
      {"group.id", options.group_id.empty() ? "eventwire-query-nocommit" : options.group_id},
      {"isolation.level", "read_committed"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"},
      {"client.id", "eventwire-query"},
      {"statistics.interval.ms", "5000"},
  };
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat("kafka config ", name, ": ", err));
    }
  }
  rd_kafka_conf_set_stats_cb(conf, StatsCallback);
  rd_kafka_conf_set_opaque(conf, &impl->hooks);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return absl::UnavailableError(absl::StrCat("kafka consumer: ", err));
  }
  impl->rk.reset(rk);
  rd_kafka_poll_set_consumer(rk);
  return std::unique_ptr<Ingester>(new Ingester(std::move(impl)));
}

absl::Status Ingester::Run(const std::atomic<bool>& stop) {
  Impl& s = *impl_;
  while (!stop.load()) {
    if (s.hooks.on_loop) s.hooks.on_loop();
    if (absl::Now() >= s.next_metadata) {
      if (absl::Status st = s.RefreshAssignment(); !st.ok()) {
        s.Error("kafka");
        LogWarn("assignment failed; retrying", {{"error", std::string(st.message())}});
      }
    }
    StoreBatch batch = s.Poll();
    if (batch.offsets.empty()) continue;
    // The store is the source of truth: retry until it takes the batch.
    for (int attempt = 0; !stop.load(); ++attempt) {
      absl::StatusOr<ApplyResult> r = s.store->Apply(batch);
      if (r.ok()) {
        for (const KafkaOffset& o : batch.offsets) s.positions[{o.topic, o.partition}] = o.next_offset;
        if (s.hooks.on_applied) s.hooks.on_applied(r->events_written, r->stories_written);
        s.CommitToKafka(batch.offsets);
        break;
      }
      s.Error("store");
      LogError("store write failed; retrying", {{"error", std::string(r.status().message())},
                                                 {"attempt", std::to_string(attempt)}});
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5000, 100 << std::min(attempt, 6))));
    }
  }
  return absl::OkStatus();
}

}  // namespace eventwire::query
