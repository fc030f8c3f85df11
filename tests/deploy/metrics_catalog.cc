// Prints, in Prometheus text format, every metric family libs/telemetry
// declares for the pipeline and the query service, with one sample series of
// each dynamic label. tests/deploy checks the dashboard and the alerts against
// it (and `promtool check metrics` lints it) until a live scrape is possible.
#include <iostream>
#include <string>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "eventwire/kafka_stats.h"
#include "eventwire/metrics.h"

// Usage: metrics_catalog pipeline|query
int main(int argc, char** argv) {
  const std::string service = argc > 1 ? argv[1] : "";
  if (service != "pipeline" && service != "query") {
    std::cerr << "usage: metrics_catalog pipeline|query\n";
    return 2;
  }
  prometheus::Registry pipeline_registry;
  eventwire::PipelineMetrics pipeline(pipeline_registry, "catalog", {"oversize"});
  pipeline.process.errors.Get({"kafka"}).Increment();
  eventwire::ConsumerLagGauges lag(pipeline.process.consumer_lag);
  eventwire::KafkaStats stats;
  stats.lags = {{"articles.raw", 0, 0}};
  lag.Update(stats);

  prometheus::Registry query_registry;
  eventwire::QueryMetrics query(query_registry, "catalog");
  query.grpc_requests.Get({"ListEvents", "OK"}).Increment();
  query.grpc_request_duration.Get({"ListEvents"}).Observe(0.001);
  query.store_rows.Add({{"table", "events"}}).Set(0);

  prometheus::TextSerializer serializer;
  std::cout << serializer.Serialize(service == "pipeline" ? pipeline_registry.Collect()
                                                          : query_registry.Collect());
  return 0;
}
