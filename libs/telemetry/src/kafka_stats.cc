#include "eventwire/kafka_stats.h"

#include <absl/status/status.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <nlohmann/json.hpp>

namespace eventwire {
namespace {

using nlohmann::json;

int64_t IntField(const json& object, const char* name, int64_t fallback) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Lag of one partition object, or -1 when unknown. Offsets below zero are
// librdkafka's "not known yet" sentinels (-1001 and friends).
int64_t PartitionLagOf(const json& p) {
  // The application's position; before the first record of an assignment it
  // is unknown, and consumption starts at the committed offset, or (none
  // committed) where the active fetcher was reset to.
  int64_t position = IntField(p, "app_offset", -1);
  if (position < 0) position = IntField(p, "committed_offset", -1);
  if (position < 0 && StringField(p, "fetch_state") == "active") {
    position = IntField(p, "next_offset", -1);
  }
  int64_t end = IntField(p, "ls_offset", -1);
  if (end < 0) end = IntField(p, "hi_offset", -1);
  if (position >= 0 && end >= 0) return end > position ? end - position : 0;
  int64_t stored = IntField(p, "consumer_lag_stored", -1);
  if (stored >= 0) return stored;
  return IntField(p, "consumer_lag", -1);
}

}  // namespace

absl::StatusOr<KafkaStats> ParseKafkaStats(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::InvalidArgumentError("librdkafka statistics are not a JSON object");
  KafkaStats stats;
  stats.type = StringField(doc, "type");
  stats.client_id = StringField(doc, "client_id");

  if (auto brokers = doc.find("brokers"); brokers != doc.end() && brokers->is_object()) {
    for (const auto& [name, broker] : brokers->items()) {
      // Bootstrap entries (nodeid -1) and internal brokers are placeholders.
      if (!broker.is_object() || IntField(broker, "nodeid", -1) < 0) continue;
      ++stats.brokers_known;
      if (StringField(broker, "state") == "UP") ++stats.brokers_up;
    }
  }

  if (auto topics = doc.find("topics"); topics != doc.end() && topics->is_object()) {
    for (const auto& [topic, t] : topics->items()) {
      auto partitions = t.find("partitions");
      if (!t.is_object() || partitions == t.end() || !partitions->is_object()) continue;
      for (const auto& [id, p] : partitions->items()) {
        int32_t partition = 0;
        // Partition -1 is librdkafka's internal "unassigned" queue.
        if (!absl::SimpleAtoi(id, &partition) || partition < 0 || !p.is_object()) continue;
        auto desired = p.find("desired");
        if (desired == p.end() || !desired->is_boolean() || !desired->get<bool>()) continue;
        int64_t lag = PartitionLagOf(p);
        if (lag >= 0) stats.lags.push_back({topic, partition, lag});
      }
    }
  }

  if (auto cgrp = doc.find("cgrp"); cgrp != doc.end() && cgrp->is_object()) {
    stats.group_state = StringField(*cgrp, "state");
    stats.join_state = StringField(*cgrp, "join_state");
    stats.rebalance_count = IntField(*cgrp, "rebalance_cnt", 0);
    stats.assignment_size = IntField(*cgrp, "assignment_size", 0);
  }
  return stats;
}

void ConsumerLagGauges::Update(const KafkaStats& stats) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::pair<std::string, int32_t>, prometheus::Gauge*> next;
  for (const PartitionLag& l : stats.lags) {
    auto key = std::make_pair(l.topic, l.partition);
    auto it = series_.find(key);
    prometheus::Gauge* gauge =
        it != series_.end()
            ? it->second
            : &family_.Add({{"topic", l.topic}, {"partition", absl::StrCat(l.partition)}});
    gauge->Set(static_cast<double>(l.lag));
    next[key] = gauge;
  }
  for (const auto& [key, gauge] : series_) {
    if (next.find(key) == next.end()) family_.Remove(gauge);
  }
  series_ = std::move(next);
}

absl::Status ConsumerStatsObserver::OnStatistics(std::string_view json) {
  absl::StatusOr<KafkaStats> stats = ParseKafkaStats(json);
  if (!stats.ok()) return stats.status();
  if (stats->type != "consumer") return absl::OkStatus();
  lag_.Update(*stats);
  {
    // A new consumer client restarts librdkafka's count: a lower value is a new baseline.
    std::lock_guard<std::mutex> lock(mu_);
    if (stats->rebalance_count > last_rebalance_count_) {
      rebalances_.Increment(static_cast<double>(stats->rebalance_count - last_rebalance_count_));
    }
    last_rebalance_count_ = stats->rebalance_count;
  }
  readiness_.Set(kBrokerReachable, stats->brokers_up > 0);
  readiness_.Set(kPartitionsAssigned, stats->group_state == "up" && stats->join_state == "steady");
  return absl::OkStatus();
}

}  // namespace eventwire
