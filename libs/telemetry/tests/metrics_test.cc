#include "eventwire/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <string>

#include "http_get.h"

namespace eventwire {
namespace {

std::string Exposition(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(PipelineMetricsTest, DeclaresTheDocumentedFamiliesWithZeroSeriesUpFront) {
  prometheus::Registry registry;
  PipelineMetrics metrics(registry, "1.2.3", {"oversize", "bad_json"});
  std::string text = Exposition(registry);
  for (const char* series : {
           "eventwire_build_info{service=\"pipeline\",version=\"1.2.3\"} 1",
           "eventwire_ready 0",
           "eventwire_articles_consumed_total 0",
           "eventwire_events_produced_total{cameo_root=\"01\"} 0",
           "eventwire_events_produced_total{cameo_root=\"20\"} 0",
           "eventwire_stories_produced_total 0",
           "eventwire_dlq_total{reason=\"oversize\"} 0",
           "eventwire_dlq_total{reason=\"bad_json\"} 0",
           "eventwire_duplicates_total 0",
           "eventwire_stories_open 0",
           "eventwire_stage_duration_seconds_count{stage=\"dedup\"} 0",
           "eventwire_event_latency_seconds_count 0",
           "eventwire_transactions_total{outcome=\"aborted\"} 0",
           "eventwire_rebalances_total 0",
       }) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
  EXPECT_EQ(text.find("cameo_root=\"21\""), std::string::npos);
}

TEST(PipelineMetricsTest, CountsAndObserves) {
  prometheus::Registry registry;
  PipelineMetrics metrics(registry, "dev");
  metrics.articles_consumed.Increment(3);
  metrics.events_produced.Get({"14"}).Increment();
  metrics.dlq.Get({"not_text"}).Increment();
  metrics.stage_duration.Get({"clean"}).Observe(0.002);
  metrics.transactions.Get({"committed"}).Increment(2);
  std::string text = Exposition(registry);
  EXPECT_NE(text.find("eventwire_articles_consumed_total 3"), std::string::npos);
  EXPECT_NE(text.find("eventwire_events_produced_total{cameo_root=\"14\"} 1"), std::string::npos);
  EXPECT_NE(text.find("eventwire_dlq_total{reason=\"not_text\"} 1"), std::string::npos);
  EXPECT_NE(text.find("eventwire_stage_duration_seconds_bucket{stage=\"clean\",le=\"0.0025\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("eventwire_transactions_total{outcome=\"committed\"} 2"), std::string::npos);
}

TEST(BoundedFamilyTest, FoldsValuesBeyondTheBoundIntoOther) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("t_total").Help("t").Register(registry);
  BoundedCounter bounded({"a", "b"},
                         [&family](const prometheus::Labels& l) -> prometheus::Counter& {
                           return family.Add(l);
                         },
                         {{"x", "y"}}, 3);
  bounded.Get({"x", "y"}).Increment();
  bounded.Get({"p", "q"}).Increment();
  bounded.Get({"r", "s"}).Increment();  // third series: still within the bound
  for (int i = 0; i < 100; ++i) bounded.Get({"id", std::to_string(i)}).Increment();
  bounded.Get({"too-few-values"}).Increment();
  std::string text = Exposition(registry);
  EXPECT_NE(text.find("t_total{a=\"x\",b=\"y\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("t_total{a=\"r\",b=\"s\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("t_total{a=\"other\",b=\"other\"} 101"), std::string::npos) << text;
  EXPECT_EQ(text.find("id"), std::string::npos) << text;
  EXPECT_EQ(family.Collect().front().metric.size(), 4u);
}

TEST(QueryMetricsTest, DeclaresItsFamilies) {
  prometheus::Registry registry;
  QueryMetrics metrics(registry, "dev");
  metrics.grpc_requests.Get({"ListEvents", "OK"}).Increment();
  metrics.grpc_request_duration.Get({"ListEvents"}).Observe(0.01);
  metrics.store_rows.Add({{"table", "events"}}).Set(42);
  std::string text = Exposition(registry);
  EXPECT_NE(text.find("eventwire_build_info{service=\"query\",version=\"dev\"} 1"), std::string::npos);
  EXPECT_NE(text.find("eventwire_query_grpc_requests_total{code=\"OK\",method=\"ListEvents\"} 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("eventwire_query_grpc_request_duration_seconds_count{method=\"ListEvents\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("eventwire_query_records_ingested_total{kind=\"story\"} 0"), std::string::npos);
  EXPECT_NE(text.find("eventwire_query_store_rows{table=\"events\"} 42"), std::string::npos);
  // Every EventQuery method has its series before the first request.
  for (const char* method : {"GetEvent", "GetStory", "CountEvents", "StreamEvents"}) {
    EXPECT_NE(text.find(std::string("eventwire_query_grpc_requests_total{code=\"OK\",method=\"") +
                        method + "\"} 0"),
              std::string::npos) << method << "\n" << text;
  }
  EXPECT_NE(text.find("eventwire_errors_total{kind=\"store\"} 0"), std::string::npos);
}

TEST(MetricsServerTest, ServesTheRegistryOverHttp) {
  auto registry = std::make_shared<prometheus::Registry>();
  PipelineMetrics metrics(*registry, "dev");
  metrics.duplicates.Increment(7);
  auto server = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  std::string response = testing::HttpGet((*server)->port(), "/metrics");
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("eventwire_duplicates_total 7"), std::string::npos) << response;
}

TEST(MetricsServerTest, ReportsAPortInUseAsAnError) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto first = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok());
  auto second = MetricsServer::Start("127.0.0.1:" + std::to_string((*first)->port()), registry);
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace eventwire
