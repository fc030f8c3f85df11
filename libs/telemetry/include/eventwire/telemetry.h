// Operational flags both services share (metrics and health ports, the
// graceful-shutdown budget) and the watchdog that enforces that budget.
//
//   eventwire::TelemetryOptions telemetry;
//   eventwire::AddTelemetryFlags(config, &telemetry);
//   auto servers = eventwire::StartTelemetryServers(telemetry, registry, &readiness, &liveness);
//   ...
//   // on SIGTERM, before draining:
//   eventwire::ShutdownWatchdog watchdog(absl::Seconds(telemetry.shutdown_timeout_s));
//   watchdog.Arm();   // exits the process if draining takes longer
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <prometheus/registry.h>

#include "eventwire/config.h"
#include "eventwire/health.h"
#include "eventwire/metrics.h"

namespace eventwire {

struct TelemetryOptions {
  // Interface the metrics and health servers bind to. 0.0.0.0 so the
  // kubelet and Prometheus reach them from outside the pod.
  std::string listen_host = "0.0.0.0";
  // 9464 is the port registered for Prometheus exporters of OpenTelemetry-style
  // services; 0 disables /metrics.
  int64_t metrics_port = 9464;
  // /healthz and /readyz; 0 disables them.
  int64_t health_port = 8080;
  // Graceful shutdown budget: stop fetching, finish or abort the open
  // transaction, commit, flush and leave the group within this time. Below
  // Kubernetes' default terminationGracePeriodSeconds (30) so the process,
  // not the kubelet's SIGKILL, decides how it ends.
  int64_t shutdown_timeout_s = 25;
  // /healthz fails when the main loop has not beaten for this long.
  int64_t liveness_stall_s = 60;
};

// Registers --listen-host, --metrics-port, --health-port, --shutdown-timeout-s
// and --liveness-stall-s (and their EVENTWIRE_* variables).
void AddTelemetryFlags(Config& config, TelemetryOptions* options);

// The project version this binary was built from (eventwire_build_info).
std::string_view BuildVersion();

// The /metrics and /healthz+/readyz servers of one process; either is null
// when its port is 0. Destroying this stops both.
struct TelemetryServers {
  std::unique_ptr<MetricsServer> metrics;
  std::unique_ptr<HealthServer> health;
};

// Starts both servers on options.listen_host. `readiness` and `liveness` must
// outlive the result. Fails (naming host and port) when a port is taken.
absl::StatusOr<TelemetryServers> StartTelemetryServers(const TelemetryOptions& options,
                                                       std::shared_ptr<prometheus::Registry> registry,
                                                       const Readiness* readiness,
                                                       const Liveness* liveness);

// Ends the process if a graceful shutdown overruns its budget: once armed, a
// thread waits `budget` and then logs an error and calls std::_Exit(3). With
// exactly-once delivery that loses nothing: the open transaction is aborted
// by the broker and its input re-read by the next owner. Disarmed when
// destroyed.
class ShutdownWatchdog {
 public:
  explicit ShutdownWatchdog(absl::Duration budget) : budget_(budget) {}
  ~ShutdownWatchdog();
  ShutdownWatchdog(const ShutdownWatchdog&) = delete;
  ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  // Starts the countdown; later calls do nothing.
  void Arm();

 private:
  absl::Duration budget_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace eventwire
