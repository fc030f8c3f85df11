#include <set>

#include <absl/strings/str_cat.h>

#include "client.h"
#include "eventwire/kafka.h"
#include "eventwire/log.h"

namespace eventwire::kafka {
namespace {

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};

int TimeoutMs(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

absl::StatusOr<std::set<std::string>> ExistingTopics(rd_kafka_t* rk, absl::Duration timeout) {
  const struct rd_kafka_metadata* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, /*all_topics=*/1, nullptr, &metadata, TimeoutMs(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("list topics: ", rd_kafka_err2str(err)));
  }
  std::set<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) names.insert(metadata->topics[i].topic);
  }
  rd_kafka_metadata_destroy(metadata);
  return names;
}

absl::Status CreateTopics(rd_kafka_t* rk, const std::vector<TopicSpec>& topics, absl::Duration timeout);

}  // namespace

absl::Status EnsureTopics(const ClientConfig& config, const std::vector<TopicSpec>& topics,
                          absl::Duration timeout) {
  if (topics.empty()) return absl::OkStatus();
  absl::StatusOr<internal::Conf> conf = internal::MakeConf(config);
  if (!conf.ok()) return conf.status();
  absl::StatusOr<Handle> rk = internal::MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  absl::StatusOr<std::set<std::string>> existing = ExistingTopics(rk->get(), timeout);
  if (!existing.ok()) return existing.status();
  std::vector<TopicSpec> missing;
  for (const TopicSpec& t : topics) {
    if (existing->count(t.name) == 0) missing.push_back(t);
  }
  if (missing.empty()) return absl::OkStatus();
  return CreateTopics(rk->get(), missing, timeout);
}

namespace {

absl::Status CreateTopics(rd_kafka_t* rk, const std::vector<TopicSpec>& topics, absl::Duration timeout) {
  char errstr[512];
  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> owned;
  std::vector<rd_kafka_NewTopic_t*> requests;
  for (const TopicSpec& spec : topics) {
    // Replication factor -1: the broker's default (1 on a single-node cluster).
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, -1, errstr, sizeof errstr);
    if (t == nullptr) return absl::InvalidArgumentError(absl::StrCat("topic ", spec.name, ": ", errstr));
    owned.emplace_back(t);
    for (const auto& [name, value] : spec.configs) {
      if (absl::Status s = internal::FromErr(rd_kafka_NewTopic_set_config(t, name.c_str(), value.c_str()),
                                             absl::StrCat("topic ", spec.name, " config ", name));
          !s.ok()) {
        return s;
      }
    }
    requests.push_back(t);
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(absl::ToInt64Milliseconds(timeout)),
                                              errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk, requests.data(), requests.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);

  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(absl::ToInt64Milliseconds(timeout + absl::Seconds(5)))));
  if (!event) {
    return absl::DeadlineExceededError(
        "create topics: no answer (a broker without the CreateTopics API, such as librdkafka's "
        "mock cluster, needs its topics created beforehand)");
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("create topics: ", rd_kafka_event_error_string(event.get())));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    const char* name = rd_kafka_topic_result_name(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      LogInfo("topic created", {{"topic", name}});
    } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* detail = rd_kafka_topic_result_error_string(results[i]);
      return absl::UnavailableError(absl::StrCat("create topic ", name, ": ", detail ? detail : rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace eventwire::kafka
