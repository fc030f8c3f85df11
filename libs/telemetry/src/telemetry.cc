#include "eventwire/telemetry.h"

#include <chrono>
#include <cstdlib>

#include <absl/strings/str_cat.h>

#include "eventwire/log.h"

namespace eventwire {

void AddTelemetryFlags(Config& config, TelemetryOptions* o) {
  config.AddString("listen-host", &o->listen_host,
                   "IPv4 address the metrics and health servers listen on");
  config.AddInt("metrics-port", &o->metrics_port, "HTTP port of /metrics (0: off)", 0, 65535);
  config.AddInt("health-port", &o->health_port, "HTTP port of /healthz and /readyz (0: off)", 0,
                65535);
  config.AddInt("shutdown-timeout-s", &o->shutdown_timeout_s,
                "Seconds a graceful shutdown (SIGTERM) may take before the process exits hard",
                1, 3600);
  config.AddInt("liveness-stall-s", &o->liveness_stall_s,
                "Seconds without main-loop progress after which /healthz fails", 1, 3600);
}

std::string_view BuildVersion() { return EVENTWIRE_VERSION; }

absl::StatusOr<TelemetryServers> StartTelemetryServers(const TelemetryOptions& options,
                                                       std::shared_ptr<prometheus::Registry> registry,
                                                       const Readiness* readiness,
                                                       const Liveness* liveness) {
  TelemetryServers servers;
  if (options.metrics_port > 0) {
    auto metrics = MetricsServer::Start(absl::StrCat(options.listen_host, ":", options.metrics_port),
                                        std::move(registry));
    if (!metrics.ok()) return metrics.status();
    servers.metrics = std::move(*metrics);
  }
  if (options.health_port > 0) {
    auto health = HealthServer::Start(options.listen_host, static_cast<int>(options.health_port),
                                      readiness, liveness);
    if (!health.ok()) return health.status();
    servers.health = std::move(*health);
  }
  return servers;
}

ShutdownWatchdog::~ShutdownWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    disarmed_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ShutdownWatchdog::Arm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || disarmed_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    auto budget = absl::ToChronoNanoseconds(budget_);
    if (cv_.wait_for(lock, budget, [this] { return disarmed_; })) return;
    LogError("graceful shutdown overran its budget; exiting",
             {{"budget_s", absl::StrCat(absl::ToDoubleSeconds(budget_))}});
    std::_Exit(3);
  });
}

}  // namespace eventwire
