#include "eventwire/metrics.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <google/protobuf/descriptor.h>
#include <prometheus/exposer.h>

#include "eventwire/v1/query.pb.h"

namespace eventwire {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Registry;

constexpr char kOther[] = "other";

// Bounds for first-come label values beyond the known ones: enough for reasons
// or error kinds a newer stage adds, far too few to hurt Prometheus.
constexpr size_t kExtraSeries = 16;

std::string SeriesKey(const std::vector<std::string_view>& values) {
  std::string key;
  for (std::string_view v : values) key.append(v).push_back('\x1f');
  return key;
}

prometheus::Family<Counter>& CounterFamily(Registry& r, const std::string& name,
                                           const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

// One family, three parts; the registry merges the repeated registration.
prometheus::Family<Gauge>& DedupMemoryFamily(Registry& r) {
  return prometheus::BuildGauge()
      .Name("eventwire_dedup_memory_bytes")
      .Help("Memory of the dedup window by part: index (signatures + LSH tables), stories, exact_cache")
      .Register(r);
}

BoundedCounter MakeCounter(Registry& r, const std::string& name, const std::string& help,
                           std::vector<std::string> labels,
                           const std::vector<std::vector<std::string>>& known,
                           size_t max_series = 0) {
  auto& family = CounterFamily(r, name, help);
  return BoundedCounter(
      std::move(labels), [&family](const prometheus::Labels& l) -> Counter& { return family.Add(l); },
      known, std::max(max_series, known.size() + kExtraSeries));
}

BoundedHistogram MakeHistogram(Registry& r, const std::string& name, const std::string& help,
                               std::vector<std::string> labels,
                               const std::vector<std::vector<std::string>>& known,
                               const Histogram::BucketBoundaries& buckets) {
  auto& family = prometheus::BuildHistogram().Name(name).Help(help).Register(r);
  return BoundedHistogram(
      std::move(labels),
      [&family, &buckets](const prometheus::Labels& l) -> Histogram& { return family.Add(l, buckets); },
      known, known.size() + kExtraSeries);
}

// One-label known value lists.
std::vector<std::vector<std::string>> Each(const std::vector<std::string>& values) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& v : values) out.push_back({v});
  return out;
}

// The methods of the gRPC EventQuery service, from its descriptor in query.proto.
std::vector<std::string> QueryMethods() {
  std::vector<std::string> methods;
  const google::protobuf::ServiceDescriptor* service =
      v1::ListEventsRequest::descriptor()->file()->FindServiceByName("EventQuery");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    methods.push_back(service->method(i)->name());
  }
  return methods;
}

// gRPC has 17 status codes.
constexpr size_t kGrpcCodes = 17;

std::vector<std::string> CameoRoots() {
  std::vector<std::string> roots;
  for (int i = 1; i <= 20; ++i) roots.push_back(absl::StrCat(i < 10 ? "0" : "", i));
  return roots;
}

}  // namespace

template <typename T>
BoundedFamily<T>::BoundedFamily(std::vector<std::string> label_names, Factory add,
                                const std::vector<std::vector<std::string>>& known,
                                size_t max_series)
    : label_names_(std::move(label_names)), add_(std::move(add)), max_series_(max_series) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& values : known) {
    std::vector<std::string_view> views(values.begin(), values.end());
    AddLocked(views, SeriesKey(views));
  }
}

template <typename T>
T& BoundedFamily<T>::Get(const std::vector<std::string_view>& values) {
  std::string key = SeriesKey(values);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = series_.find(key); it != series_.end()) return *it->second;
  if (values.size() == label_names_.size() && series_.size() < max_series_) {
    return AddLocked(values, key);
  }
  std::vector<std::string_view> other(label_names_.size(), kOther);
  std::string other_key = SeriesKey(other);
  if (auto it = series_.find(other_key); it != series_.end()) return *it->second;
  return AddLocked(other, other_key);
}

template <typename T>
T& BoundedFamily<T>::AddLocked(const std::vector<std::string_view>& values,
                               const std::string& key) {
  prometheus::Labels labels;
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    labels[label_names_[i]] = std::string(values[i]);
  }
  T& metric = add_(labels);
  series_[key] = &metric;
  return metric;
}

template class BoundedFamily<Counter>;
template class BoundedFamily<Histogram>;

const Histogram::BucketBoundaries& StageDurationBuckets() {
  static const Histogram::BucketBoundaries buckets = {
      1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5};
  return buckets;
}

const Histogram::BucketBoundaries& LatencyBuckets() {
  static const Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return buckets;
}

const std::vector<std::string>& ErrorKinds() {
  static const std::vector<std::string> kinds = {"kafka", "produce", "decode", "store"};
  return kinds;
}

const std::vector<std::string>& PipelineStages() {
  static const std::vector<std::string> stages = {"decode", "clean", "dedup", "extract", "publish"};
  return stages;
}

ProcessMetrics::ProcessMetrics(Registry& r, std::string_view service, std::string_view version)
    : build_info(prometheus::BuildGauge()
                     .Name("eventwire_build_info")
                     .Help("Always 1; labels name the service and its version")
                     .Register(r)
                     .Add({{"service", std::string(service)}, {"version", std::string(version)}})),
      ready(prometheus::BuildGauge()
                .Name("eventwire_ready")
                .Help("1 while the service reports ready (partitions assigned, state restored, "
                      "broker reachable)")
                .Register(r)
                .Add({})),
      consumer_lag(prometheus::BuildGauge()
                       .Name("eventwire_consumer_lag_messages")
                       .Help("Records on an assigned partition not yet consumed by this instance "
                             "(from librdkafka statistics)")
                       .Register(r)),
      rebalances(CounterFamily(r, "eventwire_rebalances_total",
                               "Consumer group rebalances this process took part in")
                     .Add({})),
      errors(MakeCounter(r, "eventwire_errors_total",
                         "Errors the service survived, by kind", {"kind"}, Each(ErrorKinds()))) {
  build_info.Set(1);
}

PipelineMetrics::PipelineMetrics(Registry& r, std::string_view version,
                                 const std::vector<std::string>& dlq_reasons)
    : process(r, "pipeline", version),
      articles_consumed(CounterFamily(r, "eventwire_articles_consumed_total",
                                      "Input records consumed, including dead-lettered ones")
                            .Add({})),
      events_produced(MakeCounter(r, "eventwire_events_produced_total",
                                  "Events published, by CAMEO root code", {"cameo_root"},
                                  Each(CameoRoots()))),
      stories_produced(CounterFamily(r, "eventwire_stories_produced_total",
                                     "Story updates published")
                           .Add({})),
      events_merged(CounterFamily(r, "eventwire_events_merged_total",
                                  "Reports of an event already published by another story, published as a new "
                                  "version of that event instead of a new event")
                        .Add({})),
      dlq(MakeCounter(r, "eventwire_dlq_total", "Records sent to the dead-letter topic, by reason",
                      {"reason"}, Each(dlq_reasons))),
      duplicates(CounterFamily(r, "eventwire_duplicates_total",
                               "Articles that joined an existing story")
                     .Add({})),
      dedup_old_signatures(CounterFamily(r, "eventwire_dedup_old_signatures_total",
                                         "Dedup signature records (topic or snapshot) of an earlier signature "
                                         "version, dropped as not comparable with this build's sketches")
                               .Add({})),
      stories_open(prometheus::BuildGauge()
                       .Name("eventwire_stories_open")
                       .Help("Stories held in the deduplication window")
                       .Register(r)
                       .Add({})),
      dedup_index_bytes(DedupMemoryFamily(r).Add({{"part", "index"}})),
      dedup_story_bytes(DedupMemoryFamily(r).Add({{"part", "stories"}})),
      dedup_exact_cache_bytes(DedupMemoryFamily(r).Add({{"part", "exact_cache"}})),
      stage_duration(MakeHistogram(r, "eventwire_stage_duration_seconds",
                                   "Time spent per article in each pipeline stage", {"stage"},
                                   Each(PipelineStages()), StageDurationBuckets())),
      event_latency(prometheus::BuildHistogram()
                        .Name("eventwire_event_latency_seconds")
                        .Help("Input record timestamp to event produced")
                        .Register(r)
                        .Add({}, LatencyBuckets())),
      transactions(MakeCounter(r, "eventwire_transactions_total",
                               "Kafka transactions ended, by outcome", {"outcome"},
                               Each({"committed", "aborted"}))) {}

QueryMetrics::QueryMetrics(Registry& r, std::string_view version)
    : process(r, "query", version),
      grpc_requests(MakeCounter(r, "eventwire_query_grpc_requests_total",
                                "gRPC requests served, by method and status code",
                                {"method", "code"}, [] {
                                  std::vector<std::vector<std::string>> ok;
                                  for (const std::string& m : QueryMethods()) ok.push_back({m, "OK"});
                                  return ok;
                                }(),
                                QueryMethods().size() * kGrpcCodes)),
      grpc_request_duration(MakeHistogram(r, "eventwire_query_grpc_request_duration_seconds",
                                          "gRPC request handling time, by method", {"method"},
                                          Each(QueryMethods()), LatencyBuckets())),
      records_ingested(MakeCounter(r, "eventwire_query_records_ingested_total",
                                   "Records materialised into the store, by kind", {"kind"},
                                   Each({"event", "story"}))),
      store_rows(prometheus::BuildGauge()
                     .Name("eventwire_query_store_rows")
                     .Help("Rows in the local store, by table")
                     .Register(r)) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& bind_address, std::shared_ptr<Registry> registry) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  try {
    // One worker thread: Prometheus scrapes a few times a minute.
    server->exposer_ = std::make_unique<prometheus::Exposer>(bind_address, 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve /metrics on ", bind_address, ": ", e.what()));
  }
  server->registry_ = std::move(registry);
  server->exposer_->RegisterCollectable(server->registry_);
  std::vector<int> ports = server->exposer_->GetListeningPorts();
  server->port_ = ports.empty() ? 0 : ports.front();
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace eventwire
