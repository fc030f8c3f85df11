// eventwire produce: articles from files, directories or JSON lines on stdin
// to a Kafka topic, one message per article keyed by its id. With --raw every
// file's bytes are sent as-is (keyed by file name), to exercise the DLQ.
// Waits for every delivery; exit 0 when all were delivered, 1 when a delivery
// failed or an input was unreadable/undecodable, 2 on a usage error.
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.h"
#include "eventwire/json_lines.h"
#include "eventwire/utf8.h"
#include "input.h"

namespace eventwire::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kJson = "application/json";
constexpr const char* kProtobuf = "application/x-protobuf";

struct ProduceFlags {
  std::string brokers;
  std::string topic;
  std::string content_type;  // empty: JSON for articles, no header for --raw
  bool raw = false;
  int64_t timeout_s = 30;  // per message, from send to acknowledged delivery
  std::vector<std::string> paths;
};

void PrintHelp() {
  std::cout
      << "usage: eventwire produce --brokers HOST:PORT --topic TOPIC [--content-type TYPE] [--raw]\n"
      << "                         [--timeout-s S] [PATH...]\n"
      << "  Sends one message per article (files, directories, JSON lines; none or '-' reads JSON\n"
      << "  lines from stdin), keyed by the article id, with a content-type header.\n"
      << "  --brokers B        bootstrap servers (default $EVENTWIRE_BROKERS)\n"
      << "  --topic T          topic to write to\n"
      << "  --content-type X   application/json (default: the article as proto3 JSON) or\n"
      << "                     application/x-protobuf (a serialized eventwire.v1.RawArticle)\n"
      << "  --raw              send each file's bytes unchanged, keyed by file name (no header\n"
      << "                     unless --content-type is given); for dead-letter tests\n"
      << "  --timeout-s S      give up on a message not delivered within S seconds (default 30)\n";
}

// Returns -1 to continue, else the exit status.
int ParseFlags(const Args& args, ProduceFlags* flags) {
  if (const char* env = std::getenv("EVENTWIRE_BROKERS")) flags->brokers = env;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) {
        std::cerr << "eventwire produce: " << a << " needs a value\n";
        return false;
      }
      *out = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      PrintHelp();
      return 0;
    } else if (a == "--brokers") {
      if (!value(&flags->brokers)) return 2;
    } else if (a == "--topic") {
      if (!value(&flags->topic)) return 2;
    } else if (a == "--content-type") {
      if (!value(&flags->content_type)) return 2;
    } else if (a == "--timeout-s") {
      std::string v;
      if (!value(&v)) return 2;
      char* end = nullptr;
      flags->timeout_s = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || flags->timeout_s < 1 || flags->timeout_s > 3600) {
        std::cerr << "eventwire produce: --timeout-s must be 1..3600, got '" << v << "'\n";
        return 2;
      }
    } else if (a == "--raw") {
      flags->raw = true;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::cerr << "eventwire produce: unknown option " << a << " (see --help)\n";
      return 2;
    } else {
      flags->paths.push_back(a);
    }
  }
  if (flags->brokers.empty() || flags->topic.empty()) {
    std::cerr << "eventwire produce: --brokers (or $EVENTWIRE_BROKERS) and --topic are required\n";
    return 2;
  }
  if (!flags->raw && !flags->content_type.empty() && flags->content_type != kJson &&
      flags->content_type != kProtobuf) {
    std::cerr << "eventwire produce: --content-type must be " << kJson << " or " << kProtobuf << "\n";
    return 2;
  }
  if (flags->raw && flags->paths.empty()) {
    std::cerr << "eventwire produce: --raw needs at least one PATH\n";
    return 2;
  }
  return -1;
}

// Counts delivery outcomes; librdkafka calls it from poll()/flush() on this thread.
class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      ++delivered;
      return;
    }
    ++failed;
    if (failed <= 5) {  // enough to diagnose, bounded for big inputs
      std::cerr << "eventwire produce: delivery failed for key "
                << (message.key() ? *message.key() : std::string("(null)")) << ": " << message.errstr() << "\n";
    }
  }
  size_t delivered = 0;
  size_t failed = 0;
};

class Sender {
 public:
  static std::unique_ptr<Sender> Create(const ProduceFlags& flags) {
    auto sender = std::unique_ptr<Sender>(new Sender(flags.topic, flags.timeout_s));
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    const std::pair<const char*, std::string> settings[] = {
        {"bootstrap.servers", flags.brokers},
        {"client.id", "eventwire-produce"},
        // Idempotence keeps retried sends from duplicating articles on the topic.
        {"enable.idempotence", "true"},
        // Large enough for oversize-DLQ tests; the broker's own limit still applies.
        {"message.max.bytes", std::to_string(32 << 20)},
        {"message.timeout.ms", std::to_string(flags.timeout_s * 1000)},
    };
    for (const auto& [name, value] : settings) {
      if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
        std::cerr << "eventwire produce: " << name << ": " << err << "\n";
        return nullptr;
      }
    }
    if (conf->set("dr_cb", &sender->deliveries_, err) != RdKafka::Conf::CONF_OK) {
      std::cerr << "eventwire produce: " << err << "\n";
      return nullptr;
    }
    sender->producer_.reset(RdKafka::Producer::create(conf.get(), err));
    if (!sender->producer_) {
      std::cerr << "eventwire produce: cannot create producer: " << err << "\n";
      return nullptr;
    }
    return sender;
  }

  // Enqueues one message; blocks while the local queue is full.
  void Send(const std::string& key, const std::string& value, const std::string& content_type) {
    for (int attempt = 0;; ++attempt) {
      RdKafka::Headers* headers = RdKafka::Headers::create();
      if (!content_type.empty()) headers->add("content-type", content_type);
      RdKafka::ErrorCode err = producer_->produce(
          topic_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return;  // librdkafka now owns the headers
      delete headers;
      // A full queue drains as deliveries complete (or time out after timeout_s).
      if (err == RdKafka::ERR__QUEUE_FULL && attempt < (timeout_s_ + 5) * 10) {
        producer_->poll(100);
        continue;
      }
      ++enqueue_failed_;
      std::cerr << "eventwire produce: cannot send key " << key << ": " << RdKafka::err2str(err) << "\n";
      return;
    }
  }

  // Waits for all deliveries. Returns the number of messages not delivered.
  size_t Finish() {
    // Every message times out by itself after timeout_s; the margin covers the last retries.
    producer_->flush(static_cast<int>((timeout_s_ + 5) * 1000));
    const size_t undelivered = static_cast<size_t>(std::max(0, producer_->outq_len()));
    if (undelivered > 0) {
      std::cerr << "eventwire produce: " << undelivered << " messages still undelivered\n";
    }
    return deliveries_.failed + enqueue_failed_ + undelivered;
  }

  void Poll() { producer_->poll(0); }
  size_t delivered() const { return deliveries_.delivered; }

 private:
  Sender(std::string topic, int64_t timeout_s) : topic_(std::move(topic)), timeout_s_(timeout_s) {}
  std::string topic_;
  int64_t timeout_s_;
  DeliveryCounter deliveries_;
  std::unique_ptr<RdKafka::Producer> producer_;
  size_t enqueue_failed_ = 0;
};

// --raw: every regular file under the paths, bytes unchanged. Returns the
// number of unreadable paths.
size_t SendRawFiles(const std::vector<std::string>& paths, const std::string& content_type, Sender* sender,
                    size_t* sent) {
  size_t errors = 0;
  auto send_file = [&](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "eventwire produce: cannot read " << path.string() << "\n";
      ++errors;
      return;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sender->Send(path.filename().string(), bytes, content_type);
    sender->Poll();
    ++*sent;
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::recursive_directory_iterator(p, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) send_file(f);
    } else if (fs::is_regular_file(p, ec)) {
      send_file(p);
    } else {
      std::cerr << "eventwire produce: no such file: " << p << "\n";
      ++errors;
    }
  }
  return errors;
}

}  // namespace

int RunProduce(const Args& args) {
  ProduceFlags flags;
  if (int rc = ParseFlags(args, &flags); rc >= 0) return rc;
  std::unique_ptr<Sender> sender = Sender::Create(flags);
  if (!sender) return 1;

  size_t sent = 0;
  size_t input_errors = 0;
  if (flags.raw) {
    input_errors = SendRawFiles(flags.paths, flags.content_type, sender.get(), &sent);
  } else {
    const std::string type = flags.content_type.empty() ? kJson : flags.content_type;
    input_errors = ForEachArticle(flags.paths, [&](const v1::RawArticle& article) {
      if (!IsValidUtf8(article.text()) || !IsValidUtf8(article.html())) {
        // A text or HTML file in a legacy encoding: JSON and protobuf strings
        // must be UTF-8, and the cleaner repairs encodings best from the
        // original bytes, so send those as text.
        const bool html = !article.html().empty();
        sender->Send(article.id(), html ? article.html() : article.text(), html ? "text/html" : "text/plain");
      } else {
        sender->Send(article.id(), type == kProtobuf ? article.SerializeAsString() : ToJsonLine(article), type);
      }
      sender->Poll();
      ++sent;
    });
  }
  const size_t failed = sender->Finish();
  std::cerr << "eventwire produce: " << sender->delivered() << " of " << sent << " messages delivered to "
            << flags.topic << " (" << failed << " failed, " << input_errors << " inputs skipped)\n";
  return failed > 0 || input_errors > 0 ? 1 : 0;
}

}  // namespace eventwire::cli
