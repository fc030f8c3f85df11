#include "eventwire/kafka_stats.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <string>

namespace eventwire {
namespace {

// Shaped like librdkafka 2.0's statistics JSON (STATISTICS.md), trimmed.
constexpr char kConsumerStats[] = R"({
  "name": "rdkafka#consumer-1", "client_id": "eventwire-pipeline", "type": "consumer",
  "brokers": {
    "127.0.0.1:9092/bootstrap": {"nodeid": -1, "state": "UP"},
    "127.0.0.1:9092/1": {"nodeid": 1, "state": "UP"},
    "127.0.0.1:9093/2": {"nodeid": 2, "state": "DOWN"},
    "GroupCoordinator": {"nodeid": -1, "state": "UP"}
  },
  "topics": {
    "articles.raw": {"topic": "articles.raw", "partitions": {
      "0": {"partition": 0, "desired": true, "app_offset": 40, "hi_offset": 100, "ls_offset": 90,
            "consumer_lag": 100, "consumer_lag_stored": 60},
      "1": {"partition": 1, "desired": true, "app_offset": -1001, "hi_offset": 7, "ls_offset": 7,
            "consumer_lag": -1, "consumer_lag_stored": 5},
      "2": {"partition": 2, "desired": false, "app_offset": 0, "hi_offset": 50, "ls_offset": 50},
      "3": {"partition": 3, "desired": true, "app_offset": -1001, "hi_offset": -1001,
            "consumer_lag": -1, "consumer_lag_stored": -1},
      "4": {"partition": 4, "desired": true, "fetch_state": "active", "app_offset": -1001,
            "committed_offset": 3, "next_offset": 9, "hi_offset": 10, "ls_offset": 10,
            "consumer_lag": -1, "consumer_lag_stored": -1},
      "5": {"partition": 5, "desired": true, "fetch_state": "active", "app_offset": -1001,
            "committed_offset": -1001, "next_offset": 0, "hi_offset": 0, "ls_offset": 0,
            "consumer_lag": -1, "consumer_lag_stored": -1},
      "-1": {"partition": -1, "desired": false, "app_offset": -1001}
    }}
  },
  "cgrp": {"state": "up", "join_state": "steady", "rebalance_cnt": 3, "assignment_size": 3}
})";

TEST(ParseKafkaStatsTest, ReadsLagBrokersAndGroup) {
  auto stats = ParseKafkaStats(kConsumerStats);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->client_id, "eventwire-pipeline");
  EXPECT_EQ(stats->brokers_known, 2);
  EXPECT_EQ(stats->brokers_up, 1);
  EXPECT_EQ(stats->type, "consumer");
  EXPECT_EQ(stats->group_state, "up");
  EXPECT_EQ(stats->join_state, "steady");
  EXPECT_EQ(stats->rebalance_count, 3);
  EXPECT_EQ(stats->assignment_size, 3);
  ASSERT_EQ(stats->lags.size(), 4u);
  // Partition 0: last stable offset 90 minus position 40 (not the committed-offset lag of 100).
  EXPECT_EQ(stats->lags[0].topic, "articles.raw");
  EXPECT_EQ(stats->lags[0].partition, 0);
  EXPECT_EQ(stats->lags[0].lag, 50);
  // Partition 1: position unknown, falls back to the stored-offset lag.
  EXPECT_EQ(stats->lags[1].partition, 1);
  EXPECT_EQ(stats->lags[1].lag, 5);
  // Partition 4: nothing consumed since the assignment; it starts at the committed offset 3
  // (not at the prefetch position 9).
  EXPECT_EQ(stats->lags[2].partition, 4);
  EXPECT_EQ(stats->lags[2].lag, 7);
  // Partition 5: empty, nothing committed; the active fetcher's offset stands in: lag 0.
  EXPECT_EQ(stats->lags[3].partition, 5);
  EXPECT_EQ(stats->lags[3].lag, 0);
}

TEST(ParseKafkaStatsTest, ProducerStatsHaveNoGroupOrLag) {
  auto stats = ParseKafkaStats(R"({"type":"producer","brokers":{"b/1":{"nodeid":1,"state":"INIT"}}})");
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(stats->lags.empty());
  EXPECT_EQ(stats->brokers_known, 1);
  EXPECT_EQ(stats->brokers_up, 0);
  EXPECT_EQ(stats->group_state, "");
}

TEST(ParseKafkaStatsTest, RejectsNonObjectsAndSurvivesOddShapes) {
  EXPECT_FALSE(ParseKafkaStats("").ok());
  EXPECT_FALSE(ParseKafkaStats("[1,2]").ok());
  EXPECT_FALSE(ParseKafkaStats("{\"topics\":").ok());
  auto odd = ParseKafkaStats(
      R"({"brokers":[],"topics":{"t":{"partitions":{"x":{},"0":[],"1":{"desired":"yes"}}}},"cgrp":7})");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->lags.empty());
}

TEST(ConsumerStatsObserverTest, DrivesLagAndReadiness) {
  prometheus::Registry registry;
  ProcessMetrics metrics(registry, "test", "dev");
  Readiness readiness({"partitions_assigned", "broker_reachable", "state_restored"});
  readiness.Set("state_restored", true);
  ConsumerStatsObserver observer(metrics, readiness);
  // The fixture: a steady group member with one broker up.
  std::string steady = kConsumerStats;
  ASSERT_TRUE(observer.OnStatistics(steady).ok());
  EXPECT_TRUE(readiness.ready()) << readiness.Describe();
  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("eventwire_consumer_lag_messages{partition=\"0\",topic=\"articles.raw\"} 50"),
            std::string::npos) << text;
  EXPECT_NE(text.find("eventwire_rebalances_total 3"), std::string::npos) << text;

  // Every broker down: unready, lag series kept from the document.
  std::string down = steady;
  for (size_t at; (at = down.find("\"state\": \"UP\"")) != std::string::npos;) {
    down.replace(at, 13, "\"state\": \"DOWN\"");
  }
  ASSERT_TRUE(observer.OnStatistics(down).ok());
  EXPECT_EQ(readiness.Describe(), "partitions_assigned=yes broker_reachable=no state_restored=yes");

  // Rejoining the group (rebalance in progress): unready until steady again.
  std::string joining = steady;
  joining.replace(joining.find("\"steady\""), 8, "\"wait-join\"");
  ASSERT_TRUE(observer.OnStatistics(joining).ok());
  EXPECT_EQ(readiness.Describe(), "partitions_assigned=no broker_reachable=yes state_restored=yes");

  // The count only moves forward: the same document again adds nothing.
  text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("eventwire_rebalances_total 3"), std::string::npos) << text;

  // Producer statistics and garbage change nothing.
  EXPECT_TRUE(observer.OnStatistics(R"({"type":"producer","brokers":{}})").ok());
  EXPECT_FALSE(observer.OnStatistics("not json").ok());
  EXPECT_EQ(readiness.Describe(), "partitions_assigned=no broker_reachable=yes state_restored=yes");
}

TEST(ConsumerLagGaugesTest, FollowsTheAssignment) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildGauge().Name("lag").Help("h").Register(registry);
  ConsumerLagGauges gauges(family);
  KafkaStats stats;
  stats.lags = {{"in", 0, 10}, {"in", 1, 20}};
  gauges.Update(stats);
  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("lag{partition=\"0\",topic=\"in\"} 10"), std::string::npos) << text;
  EXPECT_NE(text.find("lag{partition=\"1\",topic=\"in\"} 20"), std::string::npos) << text;

  stats.lags = {{"in", 1, 3}};  // partition 0 revoked
  gauges.Update(stats);
  text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_EQ(text.find("partition=\"0\""), std::string::npos) << text;
  EXPECT_NE(text.find("lag{partition=\"1\",topic=\"in\"} 3"), std::string::npos) << text;
}

}  // namespace
}  // namespace eventwire
