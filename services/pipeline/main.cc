// eventwire-pipeline: consumes articles.raw, decodes, cleans, dedups and codes
// each article, and publishes protobuf Events (events.v1), Story updates
// (stories.v1) and dead letters (articles.dlq).
//
// The flow, top to bottom:
//   1. configuration (flags > EVENTWIRE_* environment > --config file > defaults);
//   2. the Kafka cluster: --brokers, or an embedded mock cluster when empty;
//   3. the topics, created when missing;
//   4. the processor (pure per-message work, processor.h);
//   5. consumer + producer; then, per batch:
//        exactly-once:  begin -> produce outputs -> send input offsets -> commit
//                       (abortable error: abort, rewind to the batch start, replay);
//        at-least-once: produce outputs -> flush -> commit input offsets;
//   6. SIGTERM/SIGINT: stop fetching, finish the batch, leave the group, flush,
//      all within --shutdown-timeout-s.
// Metrics (/metrics), /healthz and /readyz: pipeline_telemetry.h.
// Delivery semantics are described in docs/semantics.md.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <absl/strings/str_cat.h>

#include "eventwire/config.h"
#include "eventwire/kafka.h"
#include "eventwire/log.h"
#include "eventwire/telemetry.h"
#include "pipeline_telemetry.h"
#include "processor.h"
#include "story_sync.h"

namespace eventwire::pipeline {
namespace {

struct Flags {
  std::string brokers;
  std::string input_topic = "articles.raw";
  std::string events_topic = "events.v1";
  std::string stories_topic = "stories.v1";
  std::string dlq_topic = "articles.dlq";
  std::string group_id = "eventwire-pipeline";
  std::string transactional_id;
  std::string delivery = "exactly-once";
  int64_t batch_max_messages = 500;
  int64_t batch_max_ms = 100;
  int64_t max_message_bytes = 2 * 1024 * 1024;
  int64_t partitions = 3;
  std::string data_dir;
  std::string bootstrap_file;
  int64_t max_runtime_s = 0;
  int64_t exit_when_idle_s = 0;
  bool static_membership = true;
  int64_t session_timeout_ms = 10000;
  TelemetryOptions telemetry;  // --metrics-port, --health-port, --shutdown-timeout-s, ...
  int64_t test_pause_before_commit_ms = 0;  // test hook, see Register
  StorySyncFlags sync;  // --signatures-topic, --state-dir, ... (story_sync.h)
  int64_t event_merge_window_days = EventMergerOptions{}.window_days;
  int64_t event_merge_max_events = static_cast<int64_t>(EventMergerOptions{}.max_events);
};

void Register(Config& config, Flags& f) {
  config.AddString("brokers", &f.brokers, "Kafka bootstrap servers; empty starts an embedded mock cluster");
  config.AddString("input-topic", &f.input_topic, "topic of raw articles");
  config.AddString("events-topic", &f.events_topic, "topic of coded events (eventwire.v1.Event, key event_id)");
  config.AddString("stories-topic", &f.stories_topic, "topic of story updates (eventwire.v1.Story, key story_id)");
  config.AddString("dlq-topic", &f.dlq_topic, "dead-letter topic (original bytes, reason headers)");
  config.AddString("group-id", &f.group_id, "consumer group");
  config.AddString("transactional-id", &f.transactional_id,
                   "producer transactional.id; must be unique per instance and stable across its "
                   "restarts (default: <group-id>-<hostname>)");
  config.AddString("delivery", &f.delivery, "exactly-once (transactions) or at-least-once");
  config.AddInt("batch-max-messages", &f.batch_max_messages, "records per transaction at most", 1, 100000);
  config.AddInt("batch-max-ms", &f.batch_max_ms, "how long a poll waits for the first record of a batch; the batch then takes only "
                 "records already fetched, so it is committed as soon as the input has nothing more "
                 "ready (under load, batches grow by themselves up to --batch-max-messages)", 1, 60000);
  config.AddInt("max-message-bytes", &f.max_message_bytes, "larger articles are dead-lettered as oversize",
                1024, 64 * 1024 * 1024);
  config.AddInt("partitions", &f.partitions, "partitions of the topics this service creates", 1, 1024);
  config.AddString("data-dir", &f.data_dir, "extraction dictionaries (default $EVENTWIRE_DATA_DIR or data/)");
  config.AddString("bootstrap-file", &f.bootstrap_file, "write the broker address here once ready");
  config.AddInt("max-runtime-s", &f.max_runtime_s, "stop after this many seconds (0 = never)", 0, 1 << 30);
  config.AddInt("exit-when-idle-s", &f.exit_when_idle_s,
                "stop after this many seconds without input (0 = never)", 0, 1 << 30);
  config.AddBool("static-membership", &f.static_membership,
                 "join the group as static member <transactional-id>: a restarted instance gets its "
                 "partitions back at once, without a rebalance (a stopped one keeps them until the "
                 "session times out)");
  config.AddInt("session-timeout-ms", &f.session_timeout_ms,
                "how long the group waits for a silent member before reassigning its partitions",
                6000, 300000);
  AddTelemetryFlags(config, &f.telemetry);
  AddStorySyncFlags(config, &f.sync);
  config.AddInt("event-merge-window-days", &f.event_merge_window_days,
                "an event that another story reported already (same CAMEO root, actor codes and "
                "country, event dates at most this many days apart) is published as a new version "
                "of that earlier event (its event_id, more sources and related_story_ids) instead "
                "of a new event; 0: no merging. Restarts and other instances keep merging only with "
                "--signatures-topic (docs/dedup.md)",
                0, 365);
  config.AddInt("event-merge-max-events", &f.event_merge_max_events,
                "events remembered for merging at most (oldest forgotten first)", 1, 100000000);
  config.AddInt("test-pause-before-commit-ms", &f.test_pause_before_commit_ms,
                "TEST HOOK, keep 0: hold every transaction open this long after producing its "
                "outputs and input offsets, before committing (tests/reliability/eos_fence_test.py "
                "uses it to catch an instance with an open transaction and fence it)",
                0, 600000);
}

// Undelivered attempts of one batch before the service gives up (exit 1).
constexpr int kMaxFailedAttempts = 10;

std::string DefaultTransactionalId(const std::string& group_id) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return group_id;
  return absl::StrCat(group_id, "-", host);
}

// Writes atomically, so a reader never sees half an address.
absl::Status WriteBootstrapFile(const std::string& path, const std::string& brokers) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << brokers << '\n';
    if (!out.flush()) return absl::InternalError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return ec ? absl::InternalError("cannot rename to " + path + ": " + ec.message()) : absl::OkStatus();
}

// A broker that is down at start is waited for (the process alive, /readyz
// 503) rather than crash-looping; only errors that are not transient, or a
// shutdown request, end the wait.
absl::Status EnsureTopicsPatiently(const std::string& brokers, const std::vector<kafka::TopicSpec>& topics,
                                   const ShutdownSignal& shutdown, Liveness& liveness) {
  while (true) {
    liveness.Beat();
    absl::Status s = kafka::EnsureTopics({{"bootstrap.servers", brokers}}, topics, absl::Seconds(10));
    if (s.ok() || (!absl::IsUnavailable(s) && !absl::IsDeadlineExceeded(s))) return s;
    LogWarn("brokers unreachable; retrying", {{"brokers", brokers}, {"error", std::string(s.message())}});
    const absl::Time retry_at = absl::Now() + absl::Seconds(2);
    while (absl::Now() < retry_at) {
      if (shutdown.requested()) return s;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
}

InputMessage ToInput(const kafka::Message& m) {
  InputMessage in{m.payload, m.key, {}, m.topic, m.partition, m.offset, m.timestamp_ms};
  for (const kafka::Header& h : m.headers) in.headers.emplace_back(h.name, h.value);
  return in;
}

kafka::Record ToRecord(const OutputRecord& out) {
  kafka::Record r{out.topic, out.key, out.value, {}};
  r.headers.reserve(out.headers.size());
  for (const auto& [name, value] : out.headers) r.headers.push_back({name, value});
  return r;
}

struct Totals {
  int64_t messages_in = 0, events_out = 0, events_merged = 0, stories_out = 0, dlq_out = 0, batches = 0, aborts = 0;
};

// One batch's outputs and offsets, delivered with the configured semantics.
// kAborted/kUnavailable: nothing of this batch counts; rewind and replay it.
absl::Status Deliver(bool exactly_once, kafka::Producer& producer, kafka::Consumer& consumer,
                     const std::vector<kafka::Record>& records,
                     const std::vector<kafka::PartitionOffset>& next_offsets,
                     absl::Duration pause_before_commit) {
  if (exactly_once) {
    if (absl::Status s = producer.BeginTransaction(); !s.ok()) return s;
  }
  for (const kafka::Record& r : records) {
    if (absl::Status s = producer.Produce(r); !s.ok()) return s;
  }
  if (exactly_once) {
    if (absl::Status s = producer.SendOffsets(next_offsets, consumer); !s.ok()) return s;
    // Test hook (--test-pause-before-commit-ms): an open transaction holding output.
    if (pause_before_commit > absl::ZeroDuration()) absl::SleepFor(pause_before_commit);
    return producer.CommitTransaction();
  }
  if (absl::Status s = producer.Flush(absl::Seconds(30)); !s.ok()) return s;
  // A failed commit (e.g. during a rebalance) only means the batch may be read again.
  if (absl::Status s = consumer.Commit(next_offsets); !s.ok()) {
    LogWarn("offset commit failed; the batch may be processed again", {{"error", std::string(s.message())}});
  }
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  // 1. Configuration.
  Flags flags;
  Config config("eventwire-pipeline", "Cleans, dedups and codes news articles from Kafka into CAMEO events.");
  Register(config, flags);
  if (absl::Status s = config.Parse(argc, argv); !s.ok()) {
    std::cerr << "eventwire-pipeline: " << s.message() << "\n";
    return 2;
  }
  if (config.help_requested()) {
    std::cout << config.Usage();
    return 0;
  }
  if (flags.delivery != "exactly-once" && flags.delivery != "at-least-once") {
    std::cerr << "eventwire-pipeline: --delivery must be exactly-once or at-least-once, got "
              << flags.delivery << "\n";
    return 2;
  }
  const bool exactly_once = flags.delivery == "exactly-once";
  if (flags.transactional_id.empty()) flags.transactional_id = DefaultTransactionalId(flags.group_id);
  LogFields start_fields;
  for (auto& [name, value] : config.Values()) start_fields.emplace_back(name, value);
  LogInfo("starting", start_fields);
  // Before any thread starts (they inherit its signal mask).
  ShutdownSignal shutdown(absl::Seconds(flags.telemetry.shutdown_timeout_s));
  absl::StatusOr<std::unique_ptr<PipelineTelemetry>> telemetry = PipelineTelemetry::Start(flags.telemetry);
  if (!telemetry.ok()) {
    LogError("cannot start the metrics/health servers", {{"error", std::string(telemetry.status().message())}});
    return 1;
  }

  // 2 + 3. Kafka cluster and topics. Topic limits leave room for oversize
  // input (so it can reach the DLQ) and for DLQ headers.
  const int64_t topic_max_bytes = 2 * flags.max_message_bytes + 64 * 1024;
  std::vector<kafka::TopicSpec> topics;
  for (const std::string* name : {&flags.input_topic, &flags.events_topic, &flags.stories_topic, &flags.dlq_topic}) {
    topics.push_back({*name, static_cast<int>(flags.partitions), {{"max.message.bytes", absl::StrCat(topic_max_bytes)}}});
  }
  if (!flags.sync.signatures_topic.empty()) {
    topics.push_back(SignaturesTopicSpec(flags.sync.signatures_topic, static_cast<int>(flags.partitions),
                                         DedupOptions{}.window_seconds));
  }
  std::unique_ptr<kafka::MockCluster> mock;
  if (flags.brokers.empty()) {
    absl::StatusOr<std::unique_ptr<kafka::MockCluster>> started = kafka::MockCluster::Start();
    if (!started.ok()) {
      LogError("cannot start the embedded mock cluster", {{"error", std::string(started.status().message())}});
      return 1;
    }
    mock = std::move(*started);
    flags.brokers = mock->bootstrap();
    for (const kafka::TopicSpec& t : topics) {
      if (absl::Status s = mock->CreateTopic(t.name, t.partitions); !s.ok()) {
        LogError("cannot create topic", {{"error", std::string(s.message())}});
        return 1;
      }
    }
    LogInfo("embedded mock cluster started (not durable; for demos and tests)", {{"bootstrap", flags.brokers}});
  } else if (absl::Status s = EnsureTopicsPatiently(flags.brokers, topics, shutdown, (*telemetry)->liveness());
             !s.ok()) {
    LogError("cannot create topics", {{"error", std::string(s.message())}});
    return 1;
  }

  // 4. The processor.
  ProcessorOptions options;
  options.events_topic = flags.events_topic;
  options.stories_topic = flags.stories_topic;
  options.dlq_topic = flags.dlq_topic;
  options.decode.max_bytes = static_cast<size_t>(flags.max_message_bytes);
  options.extract.data_dir = flags.data_dir;
  options.signatures_topic = flags.sync.signatures_topic;
  options.instance_id = flags.transactional_id;
  options.event_merge.window_days = static_cast<int>(flags.event_merge_window_days);
  options.event_merge.max_events = static_cast<size_t>(flags.event_merge_max_events);
  absl::StatusOr<std::unique_ptr<Processor>> processor = Processor::Create(options);
  if (!processor.ok()) {
    LogError("cannot load the extractor", {{"error", std::string(processor.status().message())}});
    return 1;
  }

  // 5. Clients. The transactional producer comes first: init_transactions
  // fences an older instance with the same id and ends its open transaction,
  // so the consumer then starts from offsets that are settled.
  kafka::ClientConfig producer_config = {
      {"bootstrap.servers", flags.brokers},
      {"client.id", "eventwire-pipeline"},
      {"enable.idempotence", "true"},
      {"message.max.bytes", absl::StrCat(topic_max_bytes)},
      {"linger.ms", "5"},
      // A transaction's AddOffsetsToTxn/EndTxn right after the previous commit
      // meets CONCURRENT_TRANSACTIONS until the broker has written the commit
      // markers (a few ms); the default 100 ms retry backoff made one commit in
      // ten take ~110 ms, which set the latency tail.
      {"retry.backoff.ms", "10"}};
  if (exactly_once) producer_config.emplace_back("transactional.id", flags.transactional_id);
  auto producer = kafka::Producer::Create(producer_config, exactly_once);
  if (!producer.ok()) {
    LogError("cannot create the producer", {{"error", std::string(producer.status().message())}});
    return 1;
  }
  // The dedup index gets every committed assignment (signatures topic, local
  // snapshot) before any input is read: after the producer has fenced an
  // older instance (its open transaction is aborted, never read), before
  // this one joins the group.
  absl::StatusOr<std::unique_ptr<StorySync>> sync =
      StartStorySync(flags.sync, flags.brokers, flags.transactional_id, &(*processor)->story_index(),
                     (*processor)->event_merger(), [&] { (*telemetry)->liveness().Beat(); });  // a long restore is not a stall
  if (!sync.ok()) {
    LogError("cannot restore the dedup state", {{"error", std::string(sync.status().message())}});
    return 1;
  }
  (*telemetry)->readiness().Set(kStateRestored, true);
  kafka::ClientConfig consumer_config = {
      {"bootstrap.servers", flags.brokers},
      {"group.id", flags.group_id},
      {"client.id", "eventwire-pipeline"},
      {"isolation.level", "read_committed"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", absl::StrCat(flags.session_timeout_ms)},
      {"statistics.interval.ms", absl::StrCat(kStatisticsIntervalMs)}};
  if (flags.static_membership) consumer_config.emplace_back("group.instance.id", flags.transactional_id);
  auto consumer = kafka::Consumer::Create(consumer_config, {flags.input_topic},
                                          (*telemetry)->StatisticsCallback());
  if (!consumer.ok()) {
    LogError("cannot create the consumer", {{"error", std::string(consumer.status().message())}});
    return 1;
  }
  if (!flags.bootstrap_file.empty()) {
    if (absl::Status s = WriteBootstrapFile(flags.bootstrap_file, flags.brokers); !s.ok()) {
      LogError("cannot write the bootstrap file", {{"error", std::string(s.message())}});
      return 1;
    }
  }
  LogInfo("ready", {{"bootstrap", flags.brokers}, {"delivery", flags.delivery},
                    {"transactional_id", exactly_once ? flags.transactional_id : ""}});

  Totals totals;
  int exit_code = 0;
  int failed_attempts = 0;  // consecutive undelivered attempts of the current batch
  const absl::Time started = absl::Now();
  absl::Time last_input = started;
  std::vector<kafka::Message> batch;
  while (!shutdown.requested()) {
    (*telemetry)->liveness().Beat();
    const absl::Time now = absl::Now();
    if (flags.max_runtime_s > 0 && now - started >= absl::Seconds(flags.max_runtime_s)) break;
    if (flags.exit_when_idle_s > 0 && now - last_input >= absl::Seconds(flags.exit_when_idle_s)) break;

    batch.clear();
    if (absl::Status s = (*consumer)->PollBatch(static_cast<size_t>(flags.batch_max_messages),
                                                absl::Milliseconds(flags.batch_max_ms), &batch);
        !s.ok()) {
      LogError("consumer failed", {{"error", std::string(s.message())}});
      exit_code = 1;
      break;
    }
    // Other instances' assignments, applied right before this batch is processed.
    if (*sync) {
      if (absl::StatusOr<size_t> applied = (*sync)->Poll(); !applied.ok()) {
        LogError("signatures reader failed", {{"error", std::string(applied.status().message())}});
        exit_code = 1;
        break;
      }
    }
    if (batch.empty()) continue;
    last_input = absl::Now();

    std::vector<kafka::Record> records;
    std::vector<MessageSummary> summaries;
    int64_t events = 0, merged = 0, stories = 0, dlq = 0;
    for (const kafka::Message& m : batch) {
      const ProcessResult& result = (*processor)->Process(ToInput(m));
      summaries.push_back(result.summary);
      if (result.summary.dlq_reason != DlqReason::kNone) {
        ++dlq;
        LogWarn("dead-lettered", {{"reason", std::string(DlqReasonName(result.summary.dlq_reason))},
                                  {"topic", m.topic}, {"partition", absl::StrCat(m.partition)},
                                  {"offset", absl::StrCat(m.offset)}});
      } else {
        events += static_cast<int64_t>(result.summary.events);
        merged += static_cast<int64_t>(result.summary.events_merged);
        ++stories;
      }
      for (const OutputRecord& out : result.records) records.push_back(ToRecord(out));
    }

    const absl::Time publish_start = absl::Now();
    absl::Status delivered = Deliver(exactly_once, **producer, **consumer, records, kafka::NextOffsets(batch),
                                     absl::Milliseconds(flags.test_pause_before_commit_ms));
    if (delivered.ok()) {
      failed_attempts = 0;
      (*processor)->ForgetUncommitted();
      if (*sync) {
        if (absl::Status s = (*sync)->MaybeSnapshot(); !s.ok()) {
          LogWarn("dedup snapshot failed", {{"error", std::string(s.message())}});
        }
      }
      (*telemetry)->BatchCommitted(batch, summaries, absl::Now() - publish_start,
                                   (*processor)->story_index().stats());
      ++totals.batches;
      totals.messages_in += static_cast<int64_t>(batch.size());
      totals.events_out += events;
      totals.events_merged += merged;
      totals.stories_out += stories;
      totals.dlq_out += dlq;
      LogDebug("batch committed", {{"messages", absl::StrCat(batch.size())},
                                   {"records", absl::StrCat(records.size())},
                                   {"process_ms", absl::StrCat(absl::ToDoubleMilliseconds(publish_start - last_input))},
                                   {"publish_ms", absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - publish_start))}});
      continue;
    }
    if (!absl::IsAborted(delivered) && !absl::IsUnavailable(delivered)) {
      LogError("fatal producer error", {{"error", std::string(delivered.message())}});
      exit_code = 1;
      break;
    }
    // Abortable: nothing of this batch is visible. Rewind and replay it, backing
    // off; a batch that keeps failing (e.g. a record the broker rejects) is
    // fatal rather than a silent hot loop.
    ++totals.aborts;
    ++failed_attempts;
    (*telemetry)->BatchFailed(exactly_once);
    LogWarn("batch not delivered; rewinding", {{"error", std::string(delivered.message())},
                                                {"attempt", absl::StrCat(failed_attempts)}});
    if (exactly_once) {
      if (absl::Status s = (*producer)->AbortTransaction(); !s.ok()) {
        LogError("abort failed", {{"error", std::string(s.message())}});
        exit_code = 1;
        break;
      }
    }
    if (absl::Status s = (*consumer)->Seek(kafka::FirstOffsets(batch)); !s.ok()) {
      LogError("rewind failed", {{"error", std::string(s.message())}});
      exit_code = 1;
      break;
    }
    if (failed_attempts >= kMaxFailedAttempts) {
      LogError("giving up: the same batch failed repeatedly", {{"attempts", absl::StrCat(failed_attempts)}});
      exit_code = 1;
      break;
    }
    // Backing off, but a SIGTERM meanwhile ends the wait (the batch was rewound: nothing is open).
    const absl::Time retry_at = absl::Now() + std::min(absl::Milliseconds(100) * (1 << failed_attempts), absl::Seconds(5));
    while (!shutdown.requested() && absl::Now() < retry_at) absl::SleepFor(absl::Milliseconds(50));
  }

  // 6. Shutdown (a watchdog ends it after --shutdown-timeout-s): no transaction
  // is open here; leaving the group hands the partitions over at once; the
  // producer flushes when destroyed. The dedup snapshot only when everything
  // the index holds is committed.
  if (*sync && exit_code == 0 && failed_attempts == 0) {
    if (absl::Status s = (*sync)->SaveSnapshot(); !s.ok()) {
      LogWarn("dedup snapshot failed", {{"error", std::string(s.message())}});
    }
  }
  if (absl::Status s = (*consumer)->Close(); !s.ok()) {
    LogWarn("consumer close", {{"error", std::string(s.message())}});
  }
  LogInfo("stopped", {{"exit_code", absl::StrCat(exit_code)},
                      {"messages_in", absl::StrCat(totals.messages_in)},
                      {"events_out", absl::StrCat(totals.events_out)},
                      {"events_merged", absl::StrCat(totals.events_merged)},
                      {"stories_out", absl::StrCat(totals.stories_out)},
                      {"dlq_out", absl::StrCat(totals.dlq_out)},
                      {"batches", absl::StrCat(totals.batches)},
                      {"aborts", absl::StrCat(totals.aborts)}});
  return exit_code;
}

}  // namespace
}  // namespace eventwire::pipeline

int main(int argc, char** argv) { return eventwire::pipeline::Run(argc, argv); }
