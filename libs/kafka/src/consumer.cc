#include <algorithm>
#include <cstring>
#include <set>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include "client.h"
#include "eventwire/kafka.h"
#include "eventwire/log.h"

namespace eventwire::kafka {
namespace {

using internal::PartitionList;

std::string PartitionsText(const rd_kafka_topic_partition_list_t* list) {
  std::vector<std::string> parts;
  for (int i = 0; i < list->cnt; ++i) {
    parts.push_back(absl::StrCat(list->elems[i].topic, "[", list->elems[i].partition, "]"));
  }
  return absl::StrJoin(parts, ",");
}

Message CopyMessage(const rd_kafka_message_t* m) {
  Message out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  rd_kafka_timestamp_type_t type;
  out.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  if (m->key != nullptr) out.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) out.payload.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      out.headers.push_back({name, value ? std::string(static_cast<const char*>(value), size) : ""});
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ClientConfig& config,
                                                          const std::vector<std::string>& topics,
                                                          StatisticsCallback on_statistics) {
  absl::StatusOr<internal::Conf> conf = internal::MakeConf(config);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<Consumer> consumer(new Consumer());
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::OnRebalance);
  if (on_statistics) {
    consumer->on_statistics_ = std::move(on_statistics);
    rd_kafka_conf_set_stats_cb(conf->get(), &Consumer::OnStatistics);
  }
  absl::StatusOr<Handle> rk = internal::MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  consumer->rk_ = std::move(*rk);
  rd_kafka_poll_set_consumer(consumer->rk_.get());
  PartitionList subscription(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (absl::Status s = internal::FromErr(rd_kafka_subscribe(consumer->rk_.get(), subscription.get()),
                                         "subscribe");
      !s.ok()) {
    return s;
  }
  return consumer;
}

Consumer::~Consumer() {
  if (rk_ && !closed_) Close().IgnoreError();  // best effort; Close() reports errors to callers who care
}

int Consumer::OnStatistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<Consumer*>(opaque)->on_statistics_(std::string_view(json, json_len));
  return 0;  // librdkafka frees `json`
}

void Consumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    LogInfo("partitions assigned", {{"partitions", PartitionsText(partitions)}});
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
        LogError("incremental assign failed", {{"error", rd_kafka_error_string(e)}});
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, partitions);
    }
    return;
  }
  // Revoked or lost. Records of these partitions that were fetched but not yet
  // processed are dropped: no transaction is open while polling (the pipeline
  // polls only between transactions), so the new owner resumes from the last
  // committed offset and nothing is lost or done twice.
  const bool lost = rd_kafka_assignment_lost(rk);
  LogInfo(lost ? "partitions lost" : "partitions revoked", {{"partitions", PartitionsText(partitions)}});
  if (self->filling_ != nullptr) {
    std::set<std::pair<std::string, int32_t>> gone;
    for (int i = 0; i < partitions->cnt; ++i) {
      gone.insert({partitions->elems[i].topic, partitions->elems[i].partition});
    }
    std::erase_if(*self->filling_, [&](const Message& m) { return gone.count({m.topic, m.partition}) > 0; });
  }
  if (cooperative) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
      LogError("incremental unassign failed", {{"error", rd_kafka_error_string(e)}});
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

absl::Status Consumer::PollBatch(size_t max_messages, absl::Duration max_wait,
                                 std::vector<Message>* batch) {
  filling_ = batch;
  const absl::Time deadline = absl::Now() + max_wait;
  const size_t limit = batch->size() + max_messages;
  absl::Status status;
  bool got_one = false;
  while (batch->size() < limit) {
    // Only the first record is waited for; after it, the batch takes what is
    // already fetched and ends at the first empty poll, so an idle input does
    // not hold a batch back (under load, what arrived meanwhile is ready).
    const int64_t left_ms =
        got_one ? 0 : std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(left_ms));
    if (m == nullptr) {
      if (left_ms == 0) break;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      batch->push_back(CopyMessage(m));
      got_one = true;
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      char reason[512];
      if (rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        status = absl::InternalError(absl::StrCat("consumer fatal error: ", reason));
        rd_kafka_message_destroy(m);
        break;
      }
      LogWarn("consumer error", {{"error", rd_kafka_message_errstr(m)}});
    }
    rd_kafka_message_destroy(m);
  }
  filling_ = nullptr;
  return status;
}

absl::Status Consumer::Commit(const std::vector<PartitionOffset>& offsets) {
  if (offsets.empty()) return absl::OkStatus();
  PartitionList list = internal::ToPartitionList(offsets);
  return internal::FromErr(rd_kafka_commit(rk_.get(), list.get(), /*async=*/0), "commit");
}

absl::Status Consumer::Seek(const std::vector<PartitionOffset>& offsets) {
  if (offsets.empty()) return absl::OkStatus();
  PartitionList list = internal::ToPartitionList(offsets);
  internal::Error error(rd_kafka_seek_partitions(rk_.get(), list.get(), 10000));
  if (absl::Status s = internal::FromError(error.get(), "seek"); !s.ok()) return s;
  for (int i = 0; i < list->cnt; ++i) {
    // A partition revoked since the batch was read cannot be sought; its new owner resumes it.
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR &&
        list->elems[i].err != RD_KAFKA_RESP_ERR__STATE) {
      return internal::FromErr(list->elems[i].err, absl::StrCat("seek ", list->elems[i].topic));
    }
  }
  return absl::OkStatus();
}

std::string Consumer::AssignmentText() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_.get(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  PartitionList owned(list);
  return PartitionsText(owned.get());
}

absl::Status Consumer::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return internal::FromErr(rd_kafka_consumer_close(rk_.get()), "consumer close");
}

}  // namespace eventwire::kafka
