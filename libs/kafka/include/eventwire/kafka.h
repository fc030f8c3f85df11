// Thin RAII wrappers over librdkafka's C API for the pipeline service and the
// CLI: a consumer that hands out batches, a (transactional) producer, topic
// creation, and librdkafka's in-process mock cluster.
//
// Errors are values. Producer and consumer calls return absl::Status with:
//   kAborted     the open transaction must be aborted (abortable error); the
//                caller aborts and rewinds the consumer to its last commit;
//   kUnavailable a retriable error that outlasted the wrapper's own retries;
//   other codes  fatal: the client is unusable (e.g. fenced by a newer
//                instance with the same transactional.id); exit non-zero.
//
//   auto consumer = eventwire::kafka::Consumer::Create(conf, {"articles.raw"});
//   auto producer = eventwire::kafka::Producer::Create(conf, /*transactional=*/true);
//   std::vector<eventwire::kafka::Message> batch;
//   (*consumer)->PollBatch(500, absl::Milliseconds(100), &batch);
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

struct rd_kafka_mock_cluster_s;  // rdkafka_mock.h, kept out of this header

namespace eventwire::kafka {

// librdkafka configuration properties ("bootstrap.servers", "group.id", ...).
using ClientConfig = std::vector<std::pair<std::string, std::string>>;

struct Header {
  std::string name;
  std::string value;
};

// A consumed record, copied out of librdkafka.
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1 when the record has none
  std::string key;
  std::string payload;
  std::vector<Header> headers;
};

// A record to produce. An empty key is sent as a null key.
struct Record {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

// `offset` is the next offset to read (Kafka's commit convention).
struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// Per partition, one past the highest offset in `batch`: what to commit after it.
std::vector<PartitionOffset> NextOffsets(const std::vector<Message>& batch);
// Per partition, the lowest offset in `batch`: where to rewind to after an abort.
std::vector<PartitionOffset> FirstOffsets(const std::vector<Message>& batch);

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// Receives librdkafka's statistics JSON (every statistics.interval.ms), on the
// thread that polls the consumer.
using StatisticsCallback = std::function<void(std::string_view json)>;

class Consumer {
 public:
  // Subscribes to `topics` with `config` (group.id required). The caller picks
  // isolation.level, enable.auto.commit and partition.assignment.strategy;
  // eager and cooperative rebalance protocols are both handled. With
  // `on_statistics`, set statistics.interval.ms in `config` to receive them.
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(const ClientConfig& config,
                                                          const std::vector<std::string>& topics,
                                                          StatisticsCallback on_statistics = nullptr);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Appends up to `max_messages` records to *batch: waits at most `max_wait`
  // for the first one, then takes only records already fetched (it returns as
  // soon as none is ready, without waiting out `max_wait`).
  // When a rebalance revokes partitions during the call, their records are
  // removed from *batch again: their new owner reads them from the last commit.
  // Transient consumer errors are logged; fatal ones returned.
  absl::Status PollBatch(size_t max_messages, absl::Duration max_wait, std::vector<Message>* batch);

  // Synchronous offset commit (at-least-once mode).
  absl::Status Commit(const std::vector<PartitionOffset>& offsets);
  // Moves the fetch positions (after an aborted transaction).
  absl::Status Seek(const std::vector<PartitionOffset>& offsets);
  // Partitions currently assigned, "topic[partition]" for logs.
  std::string AssignmentText();
  // Leaves the group cleanly (revokes, so a rebalance starts at once). Idempotent.
  absl::Status Close();

  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Consumer() = default;
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static int OnStatistics(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);
  StatisticsCallback on_statistics_;
  Handle rk_;
  std::vector<Message>* filling_ = nullptr;  // batch being filled by PollBatch, if any
  bool closed_ = false;
};

class Producer {
 public:
  // With `transactional`, config must hold transactional.id and this calls
  // init_transactions (which fences any older instance with the same id).
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ClientConfig& config,
                                                          bool transactional,
                                                          absl::Duration timeout = absl::Seconds(30));
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues one record (waits while the local queue is full).
  absl::Status Produce(const Record& record);
  // Waits for every enqueued record; fails if any delivery failed since the last Flush.
  absl::Status Flush(absl::Duration timeout);

  absl::Status BeginTransaction();
  // Adds the consumer group's next offsets to the open transaction.
  absl::Status SendOffsets(const std::vector<PartitionOffset>& offsets, Consumer& consumer);
  absl::Status CommitTransaction();
  absl::Status AbortTransaction();

  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Producer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  Handle rk_;
  absl::Duration timeout_;
  int64_t failed_deliveries_ = 0;
  std::string first_delivery_error_;
};

struct TopicSpec {
  std::string name;
  int partitions = 1;
  ClientConfig configs;  // topic configs, e.g. {"max.message.bytes", "2162688"}
};

// Creates the topics that do not exist yet (existing ones are left as they are).
absl::Status EnsureTopics(const ClientConfig& config, const std::vector<TopicSpec>& topics,
                          absl::Duration timeout = absl::Seconds(30));

// librdkafka's mock cluster: real Kafka protocol over TCP on 127.0.0.1, in this
// process. Its transactions are incomplete (docs/semantics.md).
class MockCluster {
 public:
  static absl::StatusOr<std::unique_ptr<MockCluster>> Start(int num_brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:port[,...]"
  const std::string& bootstrap() const { return bootstrap_; }
  absl::Status CreateTopic(const std::string& name, int partitions);

 private:
  MockCluster() = default;
  Handle rk_;  // the mock cluster lives in (and dies with) this handle
  ::rd_kafka_mock_cluster_s* cluster_ = nullptr;  // owned by rk_
  std::string bootstrap_;
};

}  // namespace eventwire::kafka
