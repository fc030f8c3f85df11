// Liveness and readiness for Kubernetes probes, served over plain HTTP/1.1:
//   GET /healthz  200 while the main loop keeps beating (503 once it stalls)
//   GET /readyz   200 when every readiness condition holds, else 503; the body
//                 names each condition ("partitions_assigned=yes ...").
// prometheus-cpp's embedded web server takes no custom handlers, hence this
// small responder (one thread, one connection at a time: probes are rare).
//
//   eventwire::Readiness readiness({"partitions_assigned", "state_restored", "broker_reachable"});
//   eventwire::Liveness liveness(absl::Seconds(30));
//   auto health = eventwire::HealthServer::Start("0.0.0.0", 8080, &readiness, &liveness);
//   readiness.Set("partitions_assigned", true);     // from the rebalance callback
//   liveness.Beat();                                // once per poll loop iteration
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>

namespace eventwire {

// Named conditions that must all hold for the service to take traffic.
// Every condition starts false. Thread-safe.
class Readiness {
 public:
  explicit Readiness(std::vector<std::string> conditions);

  // Sets a condition; unknown names are ignored (they cannot block readiness).
  void Set(std::string_view condition, bool ok);
  bool ready() const;
  // "name=yes|no" per condition, space separated.
  std::string Describe() const;
  // Called (outside the lock) whenever ready() changes; e.g. to flip gRPC
  // health or the eventwire_ready gauge. Replaces any previous listener.
  void OnChange(std::function<void(bool ready)> listener);

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, bool>> conditions_;
  std::function<void(bool)> listener_;
};

// Liveness from a heartbeat: the service is alive while Beat() was called
// within `stall_timeout`. A deadlocked or wedged loop makes /healthz fail and
// Kubernetes restart the pod. Thread-safe.
class Liveness {
 public:
  explicit Liveness(absl::Duration stall_timeout) : stall_timeout_(stall_timeout) { Beat(); }
  void Beat() { last_beat_ns_.store(absl::GetCurrentTimeNanos(), std::memory_order_relaxed); }
  bool alive() const;

 private:
  absl::Duration stall_timeout_;
  std::atomic<int64_t> last_beat_ns_{0};
};

class HealthServer {
 public:
  // Listens on host:port (port 0 picks a free one, see port()). `readiness`
  // and `liveness` must outlive the server; `liveness` may be null (then
  // /healthz is 200 while the process serves).
  static absl::StatusOr<std::unique_ptr<HealthServer>> Start(const std::string& host, int port,
                                                             const Readiness* readiness,
                                                             const Liveness* liveness);
  // Stops accepting and joins the serving thread (within ~200 ms).
  ~HealthServer();

  int port() const { return port_; }

 private:
  HealthServer() = default;
  void Serve();
  void Answer(int fd);

  const Readiness* readiness_ = nullptr;
  const Liveness* liveness_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The HTTP response for one request head ("GET /readyz HTTP/1.1\r\n..."),
// exposed for tests: status line, headers and body.
std::string HealthResponse(std::string_view request_head, const Readiness* readiness,
                           const Liveness* liveness);

}  // namespace eventwire
