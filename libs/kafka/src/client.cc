#include "client.h"

#include <algorithm>
#include <map>

#include <absl/strings/str_cat.h>

#include "eventwire/log.h"

namespace eventwire::kafka {

void HandleDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

std::vector<PartitionOffset> NextOffsets(const std::vector<Message>& batch) {
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const Message& m : batch) {
    int64_t& n = next[{m.topic, m.partition}];
    n = std::max(n, m.offset + 1);
  }
  std::vector<PartitionOffset> out;
  for (const auto& [tp, offset] : next) out.push_back({tp.first, tp.second, offset});
  return out;
}

std::vector<PartitionOffset> FirstOffsets(const std::vector<Message>& batch) {
  std::map<std::pair<std::string, int32_t>, int64_t> first;
  for (const Message& m : batch) {
    auto [it, inserted] = first.try_emplace({m.topic, m.partition}, m.offset);
    if (!inserted) it->second = std::min(it->second, m.offset);
  }
  std::vector<PartitionOffset> out;
  for (const auto& [tp, offset] : first) out.push_back({tp.first, tp.second, offset});
  return out;
}

namespace internal {
namespace {

void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
  LogLevel l = level <= 3 ? LogLevel::kError : level == 4 ? LogLevel::kWarn
             : level <= 6 ? LogLevel::kInfo : LogLevel::kDebug;
  Log(l, "librdkafka", {{"client", rd_kafka_name(rk)}, {"facility", facility}, {"detail", buf}});
}

}  // namespace

absl::StatusOr<Conf> MakeConf(const ClientConfig& config) {
  Conf conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : config) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka config ", name, "=", value, ": ", errstr));
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), OnLog);
  return conf;
}

absl::StatusOr<Handle> MakeHandle(rd_kafka_type_t type, Conf conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return absl::InvalidArgumentError(absl::StrCat("rd_kafka_new: ", errstr));
  conf.release();  // rd_kafka_new took it
  return Handle(rk);
}

PartitionList ToPartitionList(const std::vector<PartitionOffset>& offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const PartitionOffset& o : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
  }
  return list;
}

absl::Status FromErr(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", rd_kafka_err2str(err)));
}

absl::Status FromError(const rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", rd_kafka_error_name(error), ": ",
                                     rd_kafka_error_string(error));
  if (rd_kafka_error_is_fatal(error)) return absl::InternalError(message);
  if (rd_kafka_error_txn_requires_abort(error)) return absl::AbortedError(message);
  if (rd_kafka_error_is_retriable(error)) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

}  // namespace internal
}  // namespace eventwire::kafka
