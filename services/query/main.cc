// eventwire-query: reads events.v1 and stories.v1 into a local SQLite store
// and answers the gRPC EventQuery API over it. Wiring only:
//   config -> store -> Kafka ingester (thread) -> gRPC server -> wait for SIGTERM -> drain.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/clock.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "eventwire/config.h"
#include "eventwire/health.h"
#include "eventwire/kafka_stats.h"
#include "eventwire/log.h"
#include "eventwire/metrics.h"
#include "eventwire/store.h"
#include "eventwire/telemetry.h"
#include "ingest.h"
#include "query_service.h"

namespace eventwire::query {
namespace {

struct Options {
  std::string brokers;
  std::string events_topic = "events.v1";
  std::string stories_topic = "stories.v1";
  std::string group_id;
  std::string grpc_host = "0.0.0.0";
  int64_t grpc_port = 50051;
  std::string port_file;
  std::string bootstrap_file;
  int64_t mock_partitions = 3;
  std::string db_path = "eventwire-query.db";
  int64_t retention_days = 30;
  int64_t max_streams = 64;
  int64_t ingest_batch = 5000;
  int64_t max_page_size = 1000;
  TelemetryOptions telemetry;
};

std::string Hostname() {
  char buf[256] = {0};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("local");
}

// Writes `text` to `path` atomically (readers never see half a file).
bool WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// librdkafka's in-process mock cluster: the embedded default when no broker
// is configured, so one command runs the service on a laptop.
struct MockCluster {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~MockCluster() {
    if (cluster) rd_kafka_mock_cluster_destroy(cluster);
    if (rk) rd_kafka_destroy(rk);
  }
};

absl::StatusOr<std::unique_ptr<MockCluster>> StartMockCluster(const Options& o) {
  auto mock = std::make_unique<MockCluster>();
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  mock->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!mock->rk) return absl::InternalError(absl::StrCat("mock cluster handle: ", err));
  mock->cluster = rd_kafka_mock_cluster_new(mock->rk, 1);
  if (!mock->cluster) return absl::InternalError("cannot start the mock Kafka cluster");
  for (const std::string& topic : {o.events_topic, o.stories_topic}) {
    rd_kafka_mock_topic_create(mock->cluster, topic.c_str(), static_cast<int>(o.mock_partitions), 1);
  }
  return mock;
}

int Main(int argc, char** argv) {
  // gRPC's locks are absl::Mutex, and Debian's abseil checks every acquisition
  // for lock-order cycles (a graph update per lock): ~2% of a ListEvents load's
  // CPU for a check whose report nobody would see in production.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Options o;
  Config config("eventwire-query",
                "Materialises events.v1 and stories.v1 into SQLite and serves gRPC EventQuery.");
  config.AddString("brokers", &o.brokers, "Kafka bootstrap servers; empty starts an in-process mock cluster");
  config.AddString("events-topic", &o.events_topic, "topic of Event records");
  config.AddString("stories-topic", &o.stories_topic, "topic of Story records");
  config.AddString("group-id", &o.group_id,
                   "group offsets are committed under, for lag monitoring only (every replica reads "
                   "every partition); default eventwire-query-<hostname>");
  config.AddString("grpc-host", &o.grpc_host, "interface the gRPC server binds to");
  config.AddInt("grpc-port", &o.grpc_port, "gRPC port; 0 picks a free one (see --port-file)", 0, 65535);
  config.AddString("port-file", &o.port_file, "write the gRPC port here once serving");
  config.AddString("bootstrap-file", &o.bootstrap_file,
                   "with the mock cluster: write its bootstrap servers here");
  config.AddInt("mock-partitions", &o.mock_partitions, "partitions per topic in the mock cluster", 1, 64);
  config.AddString("db-path", &o.db_path, "SQLite database file (kept across restarts)");
  config.AddInt("retention-days", &o.retention_days,
                "drop events first seen more than this many days ago; 0 keeps everything", 0, 36500);
  config.AddInt("max-streams", &o.max_streams, "concurrent StreamEvents calls", 1, 10000);
  config.AddInt("ingest-batch", &o.ingest_batch,
                "most records per store transaction (larger: more events/s when behind, later visibility)", 1,
                100000);
  config.AddInt("max-page-size", &o.max_page_size, "largest ListEvents page", 1, 100000);
  AddTelemetryFlags(config, &o.telemetry);
  if (absl::Status s = config.Parse(argc, argv); !s.ok()) {
    std::cerr << s.message() << "\n" << config.Usage();
    return 2;
  }
  if (config.help_requested()) {
    std::cout << config.Usage();
    return 0;
  }
  if (o.group_id.empty()) o.group_id = "eventwire-query-" + Hostname();

  // Signals are taken by sigwait below, so every thread started after this
  // inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LogFields start_fields;
  for (auto& [k, v] : config.Values()) start_fields.emplace_back(k, v);
  LogInfo("starting", start_fields);

  auto registry = std::make_shared<prometheus::Registry>();
  QueryMetrics metrics(*registry, BuildVersion());
  ConsumerLagGauges lag(metrics.process.consumer_lag);
  std::unique_ptr<MetricsServer> metrics_server;
  if (o.telemetry.metrics_port != 0) {
    auto m = MetricsServer::Start(absl::StrCat(o.telemetry.listen_host, ":", o.telemetry.metrics_port), registry);
    if (!m.ok()) {
      LogError("metrics server", {{"error", std::string(m.status().message())}});
      return 1;
    }
    metrics_server = *std::move(m);
  }
  Readiness readiness({"store_open", "partitions_assigned"});
  Liveness liveness(absl::Seconds(o.telemetry.liveness_stall_s));
  std::unique_ptr<HealthServer> health_server;
  if (o.telemetry.health_port != 0) {
    auto h = HealthServer::Start(o.telemetry.listen_host, static_cast<int>(o.telemetry.health_port),
                                 &readiness, &liveness);
    if (!h.ok()) {
      LogError("health server", {{"error", std::string(h.status().message())}});
      return 1;
    }
    health_server = *std::move(h);
  }

  // Opening migrates a store written by an older version (minutes per
  // million events). The main thread waits for it beating liveness, so
  // /healthz stays up (readiness stays false) and the orchestrator does not
  // kill the pod mid-migration and restart it from scratch, forever.
  auto opening = std::async(std::launch::async, [&o] { return EventStore::Open({.path = o.db_path}); });
  while (opening.wait_for(std::chrono::seconds(1)) != std::future_status::ready) liveness.Beat();
  auto store = opening.get();
  if (!store.ok()) {
    LogError("cannot open the store", {{"path", o.db_path}, {"error", std::string(store.status().message())}});
    return 1;
  }
  readiness.Set("store_open", true);

  std::unique_ptr<MockCluster> mock;
  if (o.brokers.empty()) {
    auto m = StartMockCluster(o);
    if (!m.ok()) {
      LogError("mock cluster", {{"error", std::string(m.status().message())}});
      return 1;
    }
    mock = *std::move(m);
    o.brokers = rd_kafka_mock_cluster_bootstraps(mock->cluster);
    LogInfo("no brokers configured: started an in-process mock cluster", {{"bootstrap", o.brokers}});
    if (!o.bootstrap_file.empty() && !WriteFileAtomically(o.bootstrap_file, o.brokers)) {
      LogError("cannot write the bootstrap file", {{"path", o.bootstrap_file}});
      return 1;
    }
  }

  IngestHooks hooks;
  hooks.on_applied = [&metrics](int events, int stories) {
    metrics.records_ingested.Get({"event"}).Increment(events);
    metrics.records_ingested.Get({"story"}).Increment(stories);
  };
  hooks.on_error = [&metrics](const std::string& kind) { metrics.process.errors.Get({kind}).Increment(); };
  hooks.on_assignment = [&readiness](bool assigned) { readiness.Set("partitions_assigned", assigned); };
  hooks.on_stats = [&lag](const std::string& json) {
    if (auto stats = ParseKafkaStats(json); stats.ok()) lag.Update(*stats);
  };
  hooks.on_loop = [&liveness] { liveness.Beat(); };
  IngestOptions ingest_options;
  ingest_options.brokers = o.brokers;
  ingest_options.events_topic = o.events_topic;
  ingest_options.stories_topic = o.stories_topic;
  ingest_options.group_id = o.group_id;
  ingest_options.max_batch = static_cast<size_t>(o.ingest_batch);
  auto ingester = Ingester::Create(ingest_options, store->get(), std::move(hooks));
  if (!ingester.ok()) {
    LogError("kafka consumer", {{"error", std::string(ingester.status().message())}});
    return 1;
  }

  ServiceOptions service_options;
  service_options.max_page_size = static_cast<int>(o.max_page_size);
  service_options.max_streams = static_cast<int>(o.max_streams);
  EventQueryService service(store->get(), service_options,
                            [&metrics](const char* method, grpc::StatusCode code, absl::Duration took) {
                              metrics.grpc_requests.Get({method, GrpcCodeName(code)}).Increment();
                              metrics.grpc_request_duration.Get({method}).Observe(absl::ToDoubleSeconds(took));
                            });
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::StrCat(o.grpc_host, ":", o.grpc_port), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  // Each live tail holds a thread of the synchronous server; leave room for unary calls.
  grpc::ResourceQuota quota("eventwire-query");
  quota.SetMaxThreads(static_cast<int>(o.max_streams) + 64);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    LogError("cannot serve gRPC", {{"address", absl::StrCat(o.grpc_host, ":", o.grpc_port)}});
    return 1;
  }
  auto set_serving = [&server](bool ready) { server->GetHealthCheckService()->SetServingStatus(ready); };
  set_serving(readiness.ready());
  readiness.OnChange([&](bool ready) {
    set_serving(ready);
    metrics.process.ready.Set(ready ? 1 : 0);
  });
  if (!o.port_file.empty() && !WriteFileAtomically(o.port_file, std::to_string(port))) {
    LogError("cannot write the port file", {{"path", o.port_file}});
    return 1;
  }
  LogInfo("serving", {{"grpc_port", std::to_string(port)}, {"db_path", o.db_path}});

  std::atomic<bool> stop{false};
  std::thread ingest_thread([&] {
    if (absl::Status s = (*ingester)->Run(stop); !s.ok()) {
      LogError("ingest stopped", {{"error", std::string(s.message())}});
      readiness.Set("partitions_assigned", false);
    }
  });
  // Housekeeping: row gauges every few seconds; retention pruning and planner
  // statistics every few minutes.
  std::thread housekeeping([&] {
    absl::Time next_prune = absl::Now();
    while (!stop.load()) {
      if (auto stats = (*store)->Stats(); stats.ok()) {
        metrics.store_rows.Add({{"table", "events"}}).Set(static_cast<double>(stats->events));
        metrics.store_rows.Add({{"table", "stories"}}).Set(static_cast<double>(stats->stories));
      }
      if (absl::Now() >= next_prune) {
        next_prune = absl::Now() + absl::Minutes(5);
        if (o.retention_days > 0) {
          auto pruned = (*store)->Prune(absl::Now() - absl::Hours(24 * o.retention_days));
          if (!pruned.ok()) {
            metrics.process.errors.Get({"store"}).Increment();
            LogWarn("retention prune failed", {{"error", std::string(pruned.status().message())}});
          } else if (*pruned > 0) {
            LogInfo("retention pruned rows", {{"rows", std::to_string(*pruned)}});
          }
        }
        // Planner statistics and text-index merge, when the store has doubled or halved.
        if (auto optimized = (*store)->OptimizeIfStale(); !optimized.ok()) {
          metrics.process.errors.Get({"store"}).Increment();
          LogWarn("store statistics refresh failed", {{"error", std::string(optimized.status().message())}});
        } else if (*optimized) {
          LogInfo("store statistics refreshed");
        }
      }
      for (int i = 0; i < 50 && !stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  LogInfo("shutting down", {{"signal", std::to_string(sig)}});
  ShutdownWatchdog watchdog(absl::Seconds(o.telemetry.shutdown_timeout_s));
  watchdog.Arm();
  readiness.Set("store_open", false);
  stop.store(true);
  service.BeginShutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ingest_thread.join();
  housekeeping.join();
  ingester->reset();
  LogInfo("stopped");
  return 0;
}

}  // namespace
}  // namespace eventwire::query

int main(int argc, char** argv) { return eventwire::query::Main(argc, argv); }
