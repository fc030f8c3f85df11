// Prometheus metrics of the eventwire services, each service's metrics declared
// in one struct (PipelineMetrics, QueryMetrics) so every name is visible at a
// glance; docs/metrics.md describes them for operators.
//
// Naming follows Prometheus conventions: eventwire_ prefix, base units
// (seconds), _total for counters. Cardinality is bounded: a label only takes
// values from a set fixed at start-up plus at most a few more first-come
// values, after which further values are counted as "other". No per-article
// labels exist.
//
//   auto registry = std::make_shared<prometheus::Registry>();
//   eventwire::PipelineMetrics metrics(*registry, "0.1.0");
//   auto server = eventwire::MetricsServer::Start("0.0.0.0:9464", registry);
//   metrics.articles_consumed.Increment();
//   metrics.dlq.Get({"oversize"}).Increment();
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <absl/status/statusor.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace prometheus {
class Exposer;
}

namespace eventwire {

// A metric family whose label values come from a bounded set: the `known`
// combinations are created at start-up (so rate() and absent() alerts see a
// zero series before the first event), up to `max_series` further
// combinations are accepted as they come, and anything beyond is folded into
// one series whose labels are all "other".
// Thread-safe.
template <typename T>
class BoundedFamily {
 public:
  using Factory = std::function<T&(const prometheus::Labels&)>;

  BoundedFamily(std::vector<std::string> label_names, Factory add,
                const std::vector<std::vector<std::string>>& known, size_t max_series);

  // `values` are given in the order of the label names.
  T& Get(const std::vector<std::string_view>& values);

  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  T& AddLocked(const std::vector<std::string_view>& values, const std::string& key);

  std::vector<std::string> label_names_;
  Factory add_;
  size_t max_series_;
  std::mutex mu_;
  std::unordered_map<std::string, T*> series_;
};

using BoundedCounter = BoundedFamily<prometheus::Counter>;
using BoundedHistogram = BoundedFamily<prometheus::Histogram>;

// Bucket layouts shared by the services' latency histograms.
// Per-message stage work: 10 µs .. ~5 s.
const prometheus::Histogram::BucketBoundaries& StageDurationBuckets();
// Publish-to-event and request latency: 1 ms .. ~2 min.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// Kinds of eventwire_errors_total created up front: kafka (consumer or
// transaction trouble), produce (delivery failures), decode (unreadable
// records on an internal topic), store (the query service's database).
const std::vector<std::string>& ErrorKinds();

// Metrics every eventwire process exports.
struct ProcessMetrics {
  ProcessMetrics(prometheus::Registry& registry, std::string_view service, std::string_view version);

  // eventwire_build_info{service,version} = 1
  prometheus::Gauge& build_info;
  // eventwire_ready: 1 while the readiness probe answers 200.
  prometheus::Gauge& ready;
  // eventwire_consumer_lag_messages{topic,partition}: see ConsumerLagGauges.
  prometheus::Family<prometheus::Gauge>& consumer_lag;
  // eventwire_rebalances_total: consumer group rebalances this process took
  // part in (librdkafka's cgrp.rebalance_cnt, see ConsumerStatsObserver).
  prometheus::Counter& rebalances;
  // eventwire_errors_total{kind}: errors that did not stop the service
  // (kafka, produce, store, ...); rate > 0 deserves a look.
  BoundedCounter errors;
};

// Pipeline stages timed by eventwire_stage_duration_seconds{stage}.
const std::vector<std::string>& PipelineStages();

struct PipelineMetrics {
  // `dlq_reasons` are created at zero up front (e.g. decode's DlqReasonName of
  // each AllDlqReasons()); other reasons are still counted when they occur.
  PipelineMetrics(prometheus::Registry& registry, std::string_view version,
                  const std::vector<std::string>& dlq_reasons = {});

  ProcessMetrics process;
  // eventwire_articles_consumed_total: input records read (including DLQ'd ones).
  prometheus::Counter& articles_consumed;
  // eventwire_events_produced_total{cameo_root}: "01".."20", or "other".
  BoundedCounter events_produced;
  // eventwire_stories_produced_total: Story records published.
  prometheus::Counter& stories_produced;
  // eventwire_events_merged_total: new versions of earlier events published
  // because another story reported the same event.
  prometheus::Counter& events_merged;
  // eventwire_dlq_total{reason}: records dead-lettered, by reason.
  BoundedCounter dlq;
  // eventwire_duplicates_total: articles that joined an existing story.
  prometheus::Counter& duplicates;
  // eventwire_dedup_old_signatures_total: signature records (topic or
  // snapshot) of an earlier signature version, dropped after an upgrade.
  prometheus::Counter& dedup_old_signatures;
  // eventwire_stories_open: stories in the dedup window.
  prometheus::Gauge& stories_open;
  // eventwire_dedup_memory_bytes{part=index|stories|exact_cache}: the dedup
  // window's memory: signatures + LSH tables, story state, recent shingle sets.
  prometheus::Gauge& dedup_index_bytes;
  prometheus::Gauge& dedup_story_bytes;
  prometheus::Gauge& dedup_exact_cache_bytes;
  // eventwire_stage_duration_seconds{stage}: time per article in each stage.
  BoundedHistogram stage_duration;
  // eventwire_event_latency_seconds: article publish time (record timestamp)
  // to event produced.
  prometheus::Histogram& event_latency;
  // eventwire_transactions_total{outcome=committed|aborted}
  BoundedCounter transactions;
};

struct QueryMetrics {
  QueryMetrics(prometheus::Registry& registry, std::string_view version);

  ProcessMetrics process;
  // eventwire_query_grpc_requests_total{method,code}: method is an EventQuery
  // method (each created with code "OK" up front), code a gRPC status name.
  BoundedCounter grpc_requests;
  // eventwire_query_grpc_request_duration_seconds{method}
  BoundedHistogram grpc_request_duration;
  // eventwire_query_records_ingested_total{kind=event|story}
  BoundedCounter records_ingested;
  // eventwire_query_store_rows{table}: rows in the local store.
  prometheus::Family<prometheus::Gauge>& store_rows;
};

// Serves a registry on http://<bind_address>/metrics (prometheus-cpp's
// civetweb-based Exposer). Stops serving when destroyed.
class MetricsServer {
 public:
  // `bind_address` is "host:port"; port 0 picks a free port (see port()).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& bind_address, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  int port_ = 0;
};

}  // namespace eventwire
