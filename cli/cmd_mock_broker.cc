// eventwire mock-broker: librdkafka's mock cluster as a standalone process on
// 127.0.0.1, for the demo and for tests. Prints the bootstrap address on
// stdout, optionally writes it to a file, pre-creates topics, and runs until
// SIGTERM/SIGINT. Not durable, and its transactions are incomplete
// (docs/semantics.md); use a real broker for exactly-once tests.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <absl/strings/str_split.h>

#include "commands.h"
#include "eventwire/kafka.h"

namespace eventwire::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct MockFlags {
  std::string bootstrap_file;
  // The pipeline's default topics: the mock has no CreateTopics API, so clients cannot create them.
  std::vector<std::string> topics = {"articles.raw", "events.v1", "stories.v1", "articles.dlq"};
  int partitions = 3;
  int brokers = 1;
};

void PrintHelp() {
  std::cout << "usage: eventwire mock-broker [--bootstrap-file F] [--topics a,b,c] [--partitions N]"
               " [--brokers N]\n"
            << "  Runs librdkafka's mock Kafka cluster on 127.0.0.1 (random port) until SIGTERM,\n"
            << "  printing its bootstrap address on stdout.\n"
            << "  --bootstrap-file F  also write the address to F (atomically) once ready\n"
            << "  --topics a,b,c      topics to create (default articles.raw,events.v1,stories.v1,articles.dlq);\n"
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
  if (!flags.bootstrap_file.empty()) {
    const std::string tmp = flags.bootstrap_file + ".tmp";
    std::ofstream(tmp, std::ios::trunc) << (*mock)->bootstrap() << '\n';
    std::error_code ec;
    std::filesystem::rename(tmp, flags.bootstrap_file, ec);
    if (ec) {
      std::cerr << "eventwire mock-broker: cannot write " << flags.bootstrap_file << ": " << ec.message() << "\n";
      return 1;
    }
  }
  std::cout << (*mock)->bootstrap() << std::endl;
  while (!g_stop) usleep(100 * 1000);
  return 0;
}

}  // namespace eventwire::cli
