#include "eventwire/health.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>


namespace eventwire {

Readiness::Readiness(std::vector<std::string> conditions) {
  for (std::string& c : conditions) conditions_.emplace_back(std::move(c), false);
}

void Readiness::Set(std::string_view condition, bool ok) {
  std::function<void(bool)> listener;
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool before = true;
    for (const auto& [name, value] : conditions_) before = before && value;
    for (auto& [name, value] : conditions_) {
      if (name == condition) value = ok;
    }
    now = true;
    for (const auto& [name, value] : conditions_) now = now && value;
    if (now == before) return;
    listener = listener_;
  }
  if (listener) listener(now);
}

bool Readiness::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, value] : conditions_) {
    if (!value) return false;
  }
  return true;
}

std::string Readiness::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  return absl::StrJoin(conditions_, " ", [](std::string* out, const auto& c) {
    absl::StrAppend(out, c.first, "=", c.second ? "yes" : "no");
  });
}

void Readiness::OnChange(std::function<void(bool)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

bool Liveness::alive() const {
  int64_t last = last_beat_ns_.load(std::memory_order_relaxed);
  return absl::Nanoseconds(absl::GetCurrentTimeNanos() - last) <= stall_timeout_;
}

namespace {

std::string Reply(int code, std::string_view reason, std::string_view body, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) +
                    "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head_only) out.append(body);
  return out;
}

}  // namespace

std::string HealthResponse(std::string_view head, const Readiness* readiness,
                           const Liveness* liveness) {
  // Request line: METHOD SP TARGET SP VERSION
  std::string_view line = head.substr(0, head.find("\r\n"));
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0) {
    return Reply(400, "Bad Request", "bad request\n", false);
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) return Reply(405, "Method Not Allowed", "use GET\n", false);
  if (target == "/healthz" || target == "/livez") {
    if (liveness != nullptr && !liveness->alive()) {
      return Reply(503, "Service Unavailable", "main loop stalled\n", head_only);
    }
    return Reply(200, "OK", "ok\n", head_only);
  }
  if (target == "/readyz") {
    bool ready = readiness != nullptr && readiness->ready();
    std::string body = absl::StrCat(ready ? "ready" : "not ready", " ",
                                    readiness ? readiness->Describe() : "", "\n");
    return ready ? Reply(200, "OK", body, head_only)
                 : Reply(503, "Service Unavailable", body, head_only);
  }
  return Reply(404, "Not Found", "try /healthz or /readyz\n", head_only);
}

absl::StatusOr<std::unique_ptr<HealthServer>> HealthServer::Start(const std::string& host,
                                                                  int port,
                                                                  const Readiness* readiness,
                                                                  const Liveness* liveness) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("health server: bad IPv4 address '", host, "'"));
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("health server: socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0) {
    std::string error = strerror(errno);
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("health server: cannot listen on ", host, ":", port, ": ", error));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);

  std::unique_ptr<HealthServer> server(new HealthServer());
  server->readiness_ = readiness;
  server->liveness_ = liveness;
  server->listen_fd_ = fd;
  server->port_ = ntohs(addr.sin_port);
  server->thread_ = std::thread([s = server.get()] { s->Serve(); });
  return server;
}

HealthServer::~HealthServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
}

void HealthServer::Serve() {
  while (!stop_) {
    // Wake up every 200 ms to notice stop_.
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Answer(fd);
    close(fd);
  }
}

void HealthServer::Answer(int fd) {
  // A slow or silent client gets one second, so it cannot block the probes.
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  std::string head;
  char buf[1024];
  // Read until the end of the request head, bounded at 8 KiB.
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  if (head.empty()) return;
  std::string response = HealthResponse(head, readiness_, liveness_);
  size_t sent = 0;
  while (sent < response.size()) {
    ssize_t n = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace eventwire
