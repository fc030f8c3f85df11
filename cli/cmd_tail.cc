// eventwire tail: prints a topic's committed records as JSON lines.
//
// Each record is decoded by what it is: a DLQ record (any eventwire.dlq.*
// header) as {"key","headers","value_base64"}; otherwise an Event or a Story,
// chosen by the `eventwire.type` header (event|story) or else by the topic
// name; records of other topics as the RawArticle they decode to. Stops after
// --max records or --timeout-s seconds without a record.
#include <librdkafka/rdkafkacpp.h>

#include <absl/strings/escaping.h>
#include <absl/strings/match.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "eventwire/decode.h"
#include "eventwire/json_lines.h"
#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire::cli {
namespace {

using nlohmann::json;

struct TailFlags {
  std::string brokers;
  std::string topic;
  std::string group_id;  // empty: manual assignment, no offsets committed
  int64_t max_records = 0;  // 0: no limit
  int64_t timeout_s = 10;
  bool from_beginning = false;
};

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

void PrintHelp() {
  std::cout
      << "usage: eventwire tail --brokers HOST:PORT --topic TOPIC [--max N] [--timeout-s S]\n"
      << "                      [--from-beginning] [--group-id G]\n"
      << "  Prints committed records (read_committed) as JSON lines: events, stories, DLQ\n"
      << "  records {key, headers, value_base64}, or articles for other topics.\n"
      << "  --brokers B        bootstrap servers (default $EVENTWIRE_BROKERS)\n"
      << "  --max N            stop after N records (default 0: no limit)\n"
      << "  --timeout-s S      stop after S seconds without a record (default 10)\n"
      << "  --from-beginning   read every partition from its first offset (default: only new records)\n"
      << "  --group-id G       join consumer group G and commit offsets (default: no group, all partitions)\n";
}

bool ParseInt(const std::string& flag, const std::string& text, int64_t min, int64_t* out) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min) {
    std::cerr << "eventwire tail: " << flag << " needs an integer >= " << min << ", got '" << text << "'\n";
    return false;
  }
  *out = v;
  return true;
}

// Returns -1 to continue, else the exit status.
int ParseFlags(const Args& args, TailFlags* flags) {
  if (const char* env = std::getenv("EVENTWIRE_BROKERS")) flags->brokers = env;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto value = [&]() {
      if (i + 1 >= args.size()) {
        std::cerr << "eventwire tail: " << a << " needs a value\n";
        return false;
      }
      v = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      PrintHelp();
      return 0;
    } else if (a == "--brokers") {
      if (!value()) return 2;
      flags->brokers = v;
    } else if (a == "--topic") {
      if (!value()) return 2;
      flags->topic = v;
    } else if (a == "--group-id") {
      if (!value()) return 2;
      flags->group_id = v;
    } else if (a == "--max") {
      if (!value() || !ParseInt(a, v, 0, &flags->max_records)) return 2;
    } else if (a == "--timeout-s") {
      if (!value() || !ParseInt(a, v, 1, &flags->timeout_s)) return 2;
    } else if (a == "--from-beginning") {
      flags->from_beginning = true;
    } else {
      std::cerr << "eventwire tail: unexpected argument " << a << " (see --help)\n";
      return 2;
    }
  }
  if (flags->brokers.empty() || flags->topic.empty()) {
    std::cerr << "eventwire tail: --brokers (or $EVENTWIRE_BROKERS) and --topic are required\n";
    return 2;
  }
  return -1;
}

// JSON strings must be UTF-8; keys and headers are arbitrary bytes.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Header(RdKafka::Message& m, const std::string& name) {
  const RdKafka::Headers* headers = m.headers();
  if (headers == nullptr) return {};
  RdKafka::Headers::Header h = headers->get_last(name);
  if (h.err() != RdKafka::ERR_NO_ERROR || h.value() == nullptr) return {};
  return std::string(static_cast<const char*>(h.value()), h.value_size());
}

bool IsDlqRecord(RdKafka::Message& m) {
  const RdKafka::Headers* headers = m.headers();
  if (headers == nullptr) return false;
  for (const RdKafka::Headers::Header& h : headers->get_all()) {
    if (absl::StartsWith(h.key(), "eventwire.dlq.")) return true;
  }
  return false;
}

// The record as it is on the wire: for DLQ records and for anything undecodable.
std::string RecordJson(RdKafka::Message& m) {
  json headers = json::object();
  if (const RdKafka::Headers* hs = m.headers()) {
    for (const RdKafka::Headers::Header& h : hs->get_all()) {
      headers[h.key()] = h.value() ? std::string(static_cast<const char*>(h.value()), h.value_size()) : "";
    }
  }
  json out;
  out["key"] = m.key() ? json(*m.key()) : json(nullptr);
  out["headers"] = headers;
  out["value_base64"] = absl::Base64Escape(
      absl::string_view(static_cast<const char*>(m.payload()), m.payload() ? m.len() : 0));
  return Dump(out);
}

enum class Kind { kEvent, kStory, kArticle };

Kind KindOf(RdKafka::Message& m) {
  const std::string type = Header(m, "eventwire.type");
  if (type == "event") return Kind::kEvent;
  if (type == "story") return Kind::kStory;
  if (absl::StrContains(m.topic_name(), "event")) return Kind::kEvent;
  if (absl::StrContains(m.topic_name(), "stor")) return Kind::kStory;
  return Kind::kArticle;
}

// Parses protobuf, or proto3 JSON when the content-type header says so.
bool ParseMessage(RdKafka::Message& m, google::protobuf::Message* out) {
  std::string_view payload(static_cast<const char*>(m.payload()), m.payload() ? m.len() : 0);
  if (absl::StrContains(Header(m, "content-type"), "json")) return FromJson(payload, out).ok();
  return out->ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

// One JSON line for a record, or the raw form with a warning when it does not decode.
std::string Render(RdKafka::Message& m) {
  if (IsDlqRecord(m)) return RecordJson(m);
  std::string line;
  switch (KindOf(m)) {
    case Kind::kEvent: {
      v1::Event e;
      if (ParseMessage(m, &e)) line = ToJsonLine(e);
      break;
    }
    case Kind::kStory: {
      v1::Story s;
      if (ParseMessage(m, &s)) line = ToJsonLine(s);
      break;
    }
    case Kind::kArticle: {
      std::string_view payload(static_cast<const char*>(m.payload()), m.payload() ? m.len() : 0);
      DecodeResult r = DecodeArticle(payload, Header(m, "content-type"), m.key() ? *m.key() : "");
      if (r.ok()) line = ToJsonLine(*r.article);
      break;
    }
  }
  if (line.empty()) {
    std::cerr << "eventwire tail: " << m.topic_name() << "[" << m.partition() << "]@" << m.offset()
              << " does not decode; printing it raw\n";
    return RecordJson(m);
  }
  return line;
}

std::unique_ptr<RdKafka::KafkaConsumer> MakeConsumer(const TailFlags& flags) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  const bool grouped = !flags.group_id.empty();
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", flags.brokers},
      {"client.id", "eventwire-tail"},
      // A group id is required by the consumer API even for manual assignment.
      {"group.id", grouped ? flags.group_id : "eventwire-tail-unused"},
      {"isolation.level", "read_committed"},
      {"enable.auto.commit", grouped ? "true" : "false"},
      {"enable.auto.offset.store", "true"},
      {"auto.offset.reset", flags.from_beginning ? "earliest" : "latest"},
      {"enable.partition.eof", "false"},
      {"fetch.message.max.bytes", std::to_string(32 << 20)},
  };
  for (const auto& [name, value] : settings) {
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      std::cerr << "eventwire tail: " << name << ": " << err << "\n";
      return nullptr;
    }
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) std::cerr << "eventwire tail: cannot create consumer: " << err << "\n";
  return consumer;
}

// Assigns every partition of the topic, waiting (bounded by `deadline`) for the
// topic to exist: tail may start before the pipeline has created it.
bool AssignAllPartitions(RdKafka::KafkaConsumer* consumer, const TailFlags& flags,
                         std::chrono::steady_clock::time_point deadline) {
  std::string last_error;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(consumer, flags.topic, nullptr, last_error));
  if (!topic) {
    std::cerr << "eventwire tail: " << last_error << "\n";
    return false;
  }
  while (!g_stop && std::chrono::steady_clock::now() < deadline) {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode err = consumer->metadata(false, topic.get(), &raw, 2000);
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (err == RdKafka::ERR_NO_ERROR && metadata) {
      for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
        if (t->topic() != flags.topic) continue;
        if (t->err() != RdKafka::ERR_NO_ERROR || t->partitions()->empty()) {
          last_error = RdKafka::err2str(t->err());
          continue;
        }
        std::vector<RdKafka::TopicPartition*> parts;
        for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
          parts.push_back(RdKafka::TopicPartition::create(
              flags.topic, p->id(), flags.from_beginning ? RdKafka::Topic::OFFSET_BEGINNING : RdKafka::Topic::OFFSET_END));
        }
        err = consumer->assign(parts);
        RdKafka::TopicPartition::destroy(parts);
        if (err != RdKafka::ERR_NO_ERROR) {
          std::cerr << "eventwire tail: assign failed: " << RdKafka::err2str(err) << "\n";
          return false;
        }
        return true;
      }
    } else {
      last_error = RdKafka::err2str(err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::cerr << "eventwire tail: topic " << flags.topic << " not available: " << last_error << "\n";
  return false;
}

}  // namespace

int RunTail(const Args& args) {
  TailFlags flags;
  if (int rc = ParseFlags(args, &flags); rc >= 0) return rc;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer = MakeConsumer(flags);
  if (!consumer) return 1;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  using Clock = std::chrono::steady_clock;
  const auto idle_limit = std::chrono::seconds(flags.timeout_s);
  if (flags.group_id.empty()) {
    if (!AssignAllPartitions(consumer.get(), flags, Clock::now() + idle_limit)) {
      consumer->close();
      return 1;
    }
  } else if (RdKafka::ErrorCode err = consumer->subscribe({flags.topic}); err != RdKafka::ERR_NO_ERROR) {
    std::cerr << "eventwire tail: subscribe failed: " << RdKafka::err2str(err) << "\n";
    return 1;
  }

  int64_t printed = 0;
  auto last_record = Clock::now();
  while (!g_stop && (flags.max_records == 0 || printed < flags.max_records) &&
         Clock::now() - last_record < idle_limit) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR:
        std::cout << Render(*m) << '\n' << std::flush;
        ++printed;
        last_record = Clock::now();
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default:
        // Transient broker errors are retried by librdkafka; report and go on.
        std::cerr << "eventwire tail: " << m->errstr() << "\n";
        break;
    }
  }
  consumer->close();
  std::cerr << "eventwire tail: " << printed << " records from " << flags.topic << "\n";
  return 0;
}

}  // namespace eventwire::cli
