// eventwire mock-broker: librdkafka's mock cluster as a standalone process on
// 127.0.0.1, for the demo and for tests. Prints the bootstrap address on
// stdout, optionally writes it to a file, pre-creates topics, and runs until
// SIGTERM/SIGINT. Not durable, and its transactions are incomplete
// (docs/semantics.md); use a real broker for exactly-once tests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <absl/strings/str_split.h>

#include "commands.h"
#include "eventwire/kafka.h"

namespace eventwire::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct MockFlags {
  int port = 0;  // 0: only the mock's own random port
  std::string bootstrap_file;
  // The pipeline's default topics: the mock has no CreateTopics API, so clients cannot create them.
  std::vector<std::string> topics = {"articles.raw", "events.v1", "stories.v1", "articles.dlq", "signatures.v1"};
  int partitions = 3;
  int brokers = 1;
};

void PrintHelp() {
  std::cout << "usage: eventwire mock-broker [--port N] [--bootstrap-file F] [--topics a,b,c]"
               " [--partitions N] [--brokers N]\n"
            << "  Runs librdkafka's mock Kafka cluster on 127.0.0.1 (random port) until SIGTERM,\n"
            << "  printing its bootstrap address on stdout.\n"
            << "  --port N            also accept bootstrap connections on 127.0.0.1:N (forwarded to\n"
            << "                      the mock; clients then use the brokers' advertised ports)\n"
            << "  --bootstrap-file F  also write the address to F (atomically) once ready\n"
            << "  --topics a,b,c      topics to create (default articles.raw,events.v1,stories.v1,articles.dlq,\n"
            << "                      signatures.v1);\n"
            << "                      the mock cannot create topics on request, only auto-create on use\n"
            << "  --partitions N      partitions per created topic (default 3)\n"
            << "  --brokers N         number of mock brokers (default 1)\n";
}

// Returns -1 to continue, else the exit status.
int ParseFlags(const Args& args, MockFlags* flags) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      PrintHelp();
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::cerr << "eventwire mock-broker: " << (a.rfind("--", 0) == 0 ? a + " needs a value" : "unexpected " + a) << "\n";
      return 2;
    }
    const std::string& v = args[++i];
    if (a == "--bootstrap-file") {
      flags->bootstrap_file = v;
    } else if (a == "--topics") {
      flags->topics.clear();
      for (absl::string_view t : absl::StrSplit(v, ',', absl::SkipWhitespace())) flags->topics.emplace_back(t);
    } else if (a == "--port") {
      try {
        flags->port = std::stoi(v);
      } catch (...) {
        flags->port = -1;
      }
      if (flags->port < 1 || flags->port > 65535) {
        std::cerr << "eventwire mock-broker: --port must be in [1, 65535], got " << v << "\n";
        return 2;
      }
    } else if (a == "--partitions" || a == "--brokers") {
      int n = 0;
      try {
        n = std::stoi(v);
      } catch (...) {
      }
      if (n < 1 || n > 1024) {
        std::cerr << "eventwire mock-broker: " << a << " must be a number in [1, 1024], got " << v << "\n";
        return 2;
      }
      (a == "--partitions" ? flags->partitions : flags->brokers) = n;
    } else {
      std::cerr << "eventwire mock-broker: unknown option " << a << "\n";
      return 2;
    }
  }
  return -1;
}

// librdkafka 2.0.2's mock cluster always binds a random port. For a fixed
// bootstrap address, connections to --port are piped to the mock's first
// broker; Kafka clients bootstrap there and then connect to the addresses the
// metadata advertises.
class Forwarder {
 public:
  ~Forwarder() {
    stop_ = true;
    if (listener_ >= 0) shutdown(listener_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    for (std::thread& t : pipes_) t.join();  // each notices stop_ within 100 ms
    if (listener_ >= 0) close(listener_);
  }

  bool Start(int port, const std::string& bootstrap) {
    const std::string first = bootstrap.substr(0, bootstrap.find(','));
    target_port_ = std::stoi(first.substr(first.rfind(':') + 1));
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = Loopback(port);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener_, 64) != 0) {
      return false;
    }
    acceptor_ = std::thread([this] { Accept(); });
    return true;
  }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void Accept() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      pipes_.emplace_back([this, client] { Pipe(client); });
    }
  }

  // Copies bytes both ways until either side closes (or 100 ms polls see stop_).
  void Pipe(int client) {
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(target_port_);
    if (upstream >= 0 && connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
      char buf[64 * 1024];
      bool open = true;
      while (open && !stop_) {
        if (poll(fds, 2, 100) <= 0) continue;
        for (int i = 0; i < 2 && open; ++i) {
          if (fds[i].revents == 0) continue;
          ssize_t n = read(fds[i].fd, buf, sizeof buf);
          open = n > 0 && WriteAll(fds[1 - i].fd, buf, static_cast<size_t>(n));
        }
      }
    }
    if (upstream >= 0) close(upstream);
    close(client);
  }

  static bool WriteAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = write(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  std::atomic<bool> stop_{false};
  int listener_ = -1;
  int target_port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> pipes_;  // touched by the acceptor thread only, until joined
};

}  // namespace

int RunMockBroker(const Args& args) {
  MockFlags flags;
  if (int rc = ParseFlags(args, &flags); rc >= 0) return rc;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);

  auto mock = kafka::MockCluster::Start(flags.brokers);
  if (!mock.ok()) {
    std::cerr << "eventwire mock-broker: " << mock.status().message() << "\n";
    return 1;
  }
  for (const std::string& topic : flags.topics) {
    if (absl::Status s = (*mock)->CreateTopic(topic, flags.partitions); !s.ok()) {
      std::cerr << "eventwire mock-broker: " << s.message() << "\n";
      return 1;
    }
  }
  std::string bootstrap = (*mock)->bootstrap();
  Forwarder forwarder;
  if (flags.port > 0) {
    if (!forwarder.Start(flags.port, bootstrap)) {
      std::cerr << "eventwire mock-broker: cannot listen on 127.0.0.1:" << flags.port << "\n";
      return 1;
    }
    bootstrap = "127.0.0.1:" + std::to_string(flags.port);
  }
  if (!flags.bootstrap_file.empty()) {
    const std::string tmp = flags.bootstrap_file + ".tmp";
    std::ofstream(tmp, std::ios::trunc) << bootstrap << '\n';
    std::error_code ec;
    std::filesystem::rename(tmp, flags.bootstrap_file, ec);
    if (ec) {
      std::cerr << "eventwire mock-broker: cannot write " << flags.bootstrap_file << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::cout << bootstrap << std::endl;
  while (!g_stop) usleep(100 * 1000);
  return 0;
}

}  // namespace eventwire::cli
