#include <absl/strings/str_cat.h>

#include "client.h"
#include "eventwire/kafka.h"
#include "eventwire/log.h"

namespace eventwire::kafka {
namespace {

// Transaction calls that fail with a retriable error (a timeout, a coordinator
// moving) are retried this many times before the caller sees kUnavailable.
constexpr int kTxnAttempts = 5;

int TimeoutMs(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

template <typename Call>
absl::Status WithRetries(const std::string& what, Call call) {
  absl::Status status;
  for (int attempt = 1; attempt <= kTxnAttempts; ++attempt) {
    internal::Error error(call());
    status = internal::FromError(error.get(), what);
    if (!absl::IsUnavailable(status)) return status;
    LogWarn("retrying transaction call", {{"call", what}, {"error", std::string(status.message())}});
  }
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ClientConfig& config,
                                                          bool transactional, absl::Duration timeout) {
  absl::StatusOr<internal::Conf> conf = internal::MakeConf(config);
  if (!conf.ok()) return conf.status();
  std::unique_ptr<Producer> producer(new Producer());
  producer->timeout_ = timeout;
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::OnDelivery);
  absl::StatusOr<Handle> rk = internal::MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  producer->rk_ = std::move(*rk);
  if (transactional) {
    rd_kafka_t* h = producer->rk_.get();
    if (absl::Status s = WithRetries("init_transactions",
                                     [&] { return rd_kafka_init_transactions(h, TimeoutMs(timeout)); });
        !s.ok()) {
      return s;
    }
  }
  return producer;
}

Producer::~Producer() {
  // Outside a transaction this delivers what is queued; inside one, records of
  // an uncommitted transaction are aborted by the broker when the handle goes.
  if (rk_) rd_kafka_flush(rk_.get(), TimeoutMs(timeout_));
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<Producer*>(opaque);
  if (self->failed_deliveries_++ == 0) {
    self->first_delivery_error_ = absl::StrCat(rd_kafka_topic_name(msg->rkt), ": ", rd_kafka_err2str(msg->err));
  }
}

absl::Status Producer::Produce(const Record& record) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
  for (const Header& h : record.headers) {
    rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  const absl::Time deadline = absl::Now() + timeout_;
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(record.topic.c_str()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(record.key.empty() ? nullptr : record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();  // headers now owned by the message
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && absl::Now() < deadline) {
      rd_kafka_poll(rk_.get(), 100);  // serve delivery reports to make room
      continue;
    }
    rd_kafka_headers_destroy(headers);
    char reason[512];
    if (rd_kafka_fatal_error(rk_.get(), reason, sizeof reason) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(absl::StrCat("produce to ", record.topic, ": fatal: ", reason));
    }
    // In a transaction, a failed produce makes the transaction abortable.
    return absl::AbortedError(absl::StrCat("produce to ", record.topic, ": ", rd_kafka_err2str(err)));
  }
}

absl::Status Producer::Flush(absl::Duration timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), TimeoutMs(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("flush: ", rd_kafka_err2str(err)));
  }
  if (failed_deliveries_ > 0) {
    absl::Status s = absl::UnavailableError(absl::StrCat(failed_deliveries_, " deliveries failed, first: ",
                                                         first_delivery_error_));
    failed_deliveries_ = 0;
    first_delivery_error_.clear();
    return s;
  }
  return absl::OkStatus();
}

absl::Status Producer::BeginTransaction() {
  internal::Error error(rd_kafka_begin_transaction(rk_.get()));
  return internal::FromError(error.get(), "begin_transaction");
}

absl::Status Producer::SendOffsets(const std::vector<PartitionOffset>& offsets, Consumer& consumer) {
  if (offsets.empty()) return absl::OkStatus();
  internal::PartitionList list = internal::ToPartitionList(offsets);
  rd_kafka_consumer_group_metadata_t* metadata = rd_kafka_consumer_group_metadata(consumer.handle());
  absl::Status s = WithRetries("send_offsets_to_transaction", [&] {
    return rd_kafka_send_offsets_to_transaction(rk_.get(), list.get(), metadata, TimeoutMs(timeout_));
  });
  rd_kafka_consumer_group_metadata_destroy(metadata);
  return s;
}

absl::Status Producer::CommitTransaction() {
  absl::Status s = WithRetries("commit_transaction",
                               [&] { return rd_kafka_commit_transaction(rk_.get(), TimeoutMs(timeout_)); });
  if (s.ok()) {
    // Delivery reports of committed records are served here so failures do
    // not pile up; a failed record already made the commit fail.
    rd_kafka_poll(rk_.get(), 0);
    failed_deliveries_ = 0;
  }
  return s;
}

absl::Status Producer::AbortTransaction() {
  absl::Status s = WithRetries("abort_transaction",
                               [&] { return rd_kafka_abort_transaction(rk_.get(), TimeoutMs(timeout_)); });
  rd_kafka_poll(rk_.get(), 0);
  failed_deliveries_ = 0;
  first_delivery_error_.clear();
  return s;
}

}  // namespace eventwire::kafka
