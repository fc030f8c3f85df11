// Shared helpers of the librdkafka wrappers: configuration objects and the
// mapping of librdkafka errors to absl::Status codes (see kafka.h).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "eventwire/kafka.h"

namespace eventwire::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
using Error = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Builds a conf from `config`; JSON logs replace librdkafka's stderr logger.
absl::StatusOr<Conf> MakeConf(const ClientConfig& config);

// Creates a client handle, taking ownership of `conf` on success.
absl::StatusOr<Handle> MakeHandle(rd_kafka_type_t type, Conf conf);

PartitionList ToPartitionList(const std::vector<PartitionOffset>& offsets);

absl::Status FromErr(rd_kafka_resp_err_t err, const std::string& what);
// kAborted when the error requires a transaction abort, kUnavailable when
// retriable, kInternal when fatal (or anything else).
absl::Status FromError(const rd_kafka_error_t* error, const std::string& what);

}  // namespace eventwire::kafka::internal
