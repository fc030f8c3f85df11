#include <librdkafka/rdkafka.h>  // must precede rdkafka_mock.h
#include <librdkafka/rdkafka_mock.h>

#include <absl/strings/str_cat.h>

#include "client.h"
#include "eventwire/kafka.h"

namespace eventwire::kafka {

absl::StatusOr<std::unique_ptr<MockCluster>> MockCluster::Start(int num_brokers) {
  // The mock cluster needs a client handle to live in; a producer with no
  // brokers of its own is the lightest one.
  absl::StatusOr<internal::Conf> conf = internal::MakeConf({{"client.id", "eventwire-mock-cluster"}, {"log_level", "3"}});
  if (!conf.ok()) return conf.status();
  absl::StatusOr<Handle> rk = internal::MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  std::unique_ptr<MockCluster> mock(new MockCluster());
  mock->rk_ = std::move(*rk);
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->rk_.get(), num_brokers);
  if (mock->cluster_ == nullptr) return absl::InternalError("rd_kafka_mock_cluster_new failed");
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  return mock;
}

MockCluster::~MockCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

absl::Status MockCluster::CreateTopic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return absl::OkStatus();
  return internal::FromErr(err, absl::StrCat("mock topic ", name));
}

}  // namespace eventwire::kafka
