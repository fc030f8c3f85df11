// Operational flags both services share (metrics and health ports, the
// graceful-shutdown budget) and the watchdog that enforces that budget.
//
//   eventwire::TelemetryOptions telemetry;
//   eventwire::AddTelemetryFlags(config, &telemetry);
//   ...
//   // on SIGTERM, before draining:
//   eventwire::ShutdownWatchdog watchdog(absl::Seconds(telemetry.shutdown_timeout_s));
//   watchdog.Arm();   // exits the process if draining takes longer
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <absl/time/time.h>

#include "eventwire/config.h"

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
