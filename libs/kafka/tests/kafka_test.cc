// libs/kafka against librdkafka's in-process mock cluster (127.0.0.1 only).
// Transactions are only exercised for their API flow here: the mock does not
// hide aborted records (docs/semantics.md); tests/reliability checks that on a
// real broker.
#include "eventwire/kafka.h"

#include <gtest/gtest.h>

#include <map>

namespace eventwire::kafka {
namespace {

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mock = MockCluster::Start();
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_ = std::move(*mock);
    ASSERT_TRUE(mock_->CreateTopic("in", 2).ok());
    ASSERT_TRUE(mock_->CreateTopic("out", 1).ok());
  }

  ClientConfig ConsumerConfig(const std::string& group) const {
    return {{"bootstrap.servers", mock_->bootstrap()}, {"group.id", group},
            {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
            {"partition.assignment.strategy", "cooperative-sticky"}, {"session.timeout.ms", "6000"}};
  }

  // Polls until `want` records arrived or ~20 s passed (bounded).
  std::vector<Message> ReadAll(Consumer& c, size_t want) {
    std::vector<Message> got;
    for (int i = 0; i < 100 && got.size() < want; ++i) {
      EXPECT_TRUE(c.PollBatch(want - got.size(), absl::Milliseconds(200), &got).ok());
    }
    return got;
  }

  std::unique_ptr<MockCluster> mock_;
};

TEST(OffsetsTest, NextAndFirstOffsetsPerPartition) {
  auto at = [](std::string topic, int32_t partition, int64_t offset) {
    Message m;
    m.topic = std::move(topic);
    m.partition = partition;
    m.offset = offset;
    return m;
  };
  std::vector<Message> batch = {at("a", 0, 5), at("a", 1, 7), at("a", 0, 6), at("b", 0, 2), at("a", 0, 4)};
  std::vector<PartitionOffset> next = NextOffsets(batch);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].topic, "a");
  EXPECT_EQ(next[0].partition, 0);
  EXPECT_EQ(next[0].offset, 7);
  EXPECT_EQ(next[1].offset, 8);
  EXPECT_EQ(next[2].topic, "b");
  EXPECT_EQ(next[2].offset, 3);
  std::vector<PartitionOffset> first = FirstOffsets(batch);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].offset, 4);
  EXPECT_EQ(first[1].offset, 7);
  EXPECT_EQ(first[2].offset, 2);
  EXPECT_TRUE(NextOffsets({}).empty());
}

TEST_F(KafkaTest, ProducedRecordsComeBackWithKeysAndHeaders) {
  auto producer = Producer::Create({{"bootstrap.servers", mock_->bootstrap()}}, /*transactional=*/false);
  ASSERT_TRUE(producer.ok()) << producer.status();
  for (int i = 0; i < 10; ++i) {
    Record r{"in", "key-" + std::to_string(i), "value " + std::to_string(i),
             {{"content-type", "text/plain"}, {"n", std::to_string(i)}}};
    ASSERT_TRUE((*producer)->Produce(r).ok());
  }
  ASSERT_TRUE((*producer)->Produce({"in", "", std::string("\0binary", 7), {}}).ok());
  ASSERT_TRUE((*producer)->Flush(absl::Seconds(10)).ok());

  auto consumer = Consumer::Create(ConsumerConfig("g1"), {"in"});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  std::vector<Message> got = ReadAll(**consumer, 11);
  ASSERT_EQ(got.size(), 11u);
  std::map<std::string, Message> by_key;
  for (const Message& m : got) by_key[m.key] = m;
  EXPECT_EQ(by_key.at("").payload, std::string("\0binary", 7));  // null key, bytes intact
  const Message& m3 = by_key.at("key-3");
  EXPECT_EQ(m3.topic, "in");
  EXPECT_EQ(m3.payload, "value 3");
  ASSERT_EQ(m3.headers.size(), 2u);
  EXPECT_EQ(m3.headers[0].name, "content-type");
  EXPECT_EQ(m3.headers[1].value, "3");
  EXPECT_GT(m3.timestamp_ms, 0);
  EXPECT_TRUE((*consumer)->Close().ok());
}

TEST_F(KafkaTest, CommittedOffsetsAreWhereTheGroupResumes) {
  auto producer = Producer::Create({{"bootstrap.servers", mock_->bootstrap()}}, false);
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*producer)->Produce({"out", "k", std::to_string(i), {}}).ok());
  ASSERT_TRUE((*producer)->Flush(absl::Seconds(10)).ok());

  {
    auto c = Consumer::Create(ConsumerConfig("g2"), {"out"});
    ASSERT_TRUE(c.ok());
    std::vector<Message> got = ReadAll(**c, 6);
    ASSERT_EQ(got.size(), 6u);
    // Commit after the first four only.
    ASSERT_TRUE((*c)->Commit({{"out", 0, got[3].offset + 1}}).ok());
    // Rewind to the start and read again: Seek moves the fetch position.
    ASSERT_TRUE((*c)->Seek(FirstOffsets(got)).ok());
    std::vector<Message> again = ReadAll(**c, 6);
    ASSERT_EQ(again.size(), 6u);
    EXPECT_EQ(again.front().payload, "0");
    ASSERT_TRUE((*c)->Close().ok());
  }
  auto c = Consumer::Create(ConsumerConfig("g2"), {"out"});
  ASSERT_TRUE(c.ok());
  std::vector<Message> rest = ReadAll(**c, 2);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].payload, "4");
  EXPECT_EQ(rest[1].payload, "5");
}

TEST_F(KafkaTest, TransactionalProducerRunsTheTransactionCalls) {
  auto producer = Producer::Create({{"bootstrap.servers", mock_->bootstrap()}, {"transactional.id", "t-1"}},
                                   /*transactional=*/true, absl::Seconds(20));
  ASSERT_TRUE(producer.ok()) << producer.status();
  auto consumer = Consumer::Create(ConsumerConfig("g3"), {"in"});
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*producer)->BeginTransaction().ok());
  ASSERT_TRUE((*producer)->Produce({"out", "k", "v", {}}).ok());
  ASSERT_TRUE((*producer)->CommitTransaction().ok());
  ASSERT_TRUE((*producer)->BeginTransaction().ok());
  ASSERT_TRUE((*producer)->Produce({"out", "k", "w", {}}).ok());
  EXPECT_TRUE((*producer)->AbortTransaction().ok());
}

TEST_F(KafkaTest, EnsureTopicsLeavesExistingTopicsAlone) {
  // The mock has no CreateTopics API: this passes only because nothing is missing.
  EXPECT_TRUE(EnsureTopics({{"bootstrap.servers", mock_->bootstrap()}}, {{"in", 5, {}}, {"out", 1, {}}},
                           absl::Seconds(10))
                  .ok());
}

TEST(KafkaConfigTest, BadPropertyIsAnErrorNotACrash) {
  auto consumer = Consumer::Create({{"no.such.property", "1"}, {"group.id", "g"}}, {"t"});
  EXPECT_FALSE(consumer.ok());
  EXPECT_NE(consumer.status().message().find("no.such.property"), std::string::npos);
  auto producer = Producer::Create({{"transactional.id", "x"}, {"bootstrap.servers", "127.0.0.1:1"}},
                                   /*transactional=*/true, absl::Seconds(1));
  EXPECT_FALSE(producer.ok());  // no broker answers init_transactions
}

}  // namespace
}  // namespace eventwire::kafka
