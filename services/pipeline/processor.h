// The pipeline's per-message work, without Kafka: one consumed record in,
// the records to publish out (events, a story update, or a DLQ record), plus
// a summary of what happened for logs and metrics.
//
//   auto processor = eventwire::pipeline::Processor::Create(options);
//   ProcessResult r = (*processor)->Process(input);
//   for (OutputRecord& out : r.records) Produce(out);
//
// Stages: decode -> clean -> dedup (StoryIndex) -> extract. Events are
// extracted once per story, from its first article; a duplicate only emits the
// story update with its new counts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include "eventwire/clean.h"
#include "eventwire/decode.h"
#include "eventwire/dedup.h"
#include "eventwire/extract.h"

namespace eventwire::pipeline {

// Header names of published records.
inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kProtobufContentType = "application/x-protobuf";
inline constexpr std::string_view kTypeHeader = "eventwire.type";  // "event" or "story"
inline constexpr std::string_view kDlqStageHeader = "eventwire.dlq.stage";
inline constexpr std::string_view kDlqReasonHeader = "eventwire.dlq.reason";
inline constexpr std::string_view kDlqDetailHeader = "eventwire.dlq.detail";
inline constexpr std::string_view kDlqTruncatedHeader = "eventwire.dlq.original-bytes";
inline constexpr std::string_view kSourceTopicHeader = "eventwire.source.topic";
inline constexpr std::string_view kSourcePartitionHeader = "eventwire.source.partition";
inline constexpr std::string_view kSourceOffsetHeader = "eventwire.source.offset";
// On signature records: the transactional id of the instance that made them.
inline constexpr std::string_view kInstanceHeader = "eventwire.instance";

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A consumed record. The views must outlive the Process() call.
struct InputMessage {
  std::string_view payload;
  std::string_view key;
  HeaderList headers;
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: none
};

struct OutputRecord {
  std::string topic;
  std::string key;
  std::string value;
  HeaderList headers;
};

struct StageDurations {
  absl::Duration decode, clean, dedup, extract;
};

struct MessageSummary {
  DlqReason dlq_reason = DlqReason::kNone;  // kNone unless the message was dead-lettered
  std::string article_id;
  std::string story_id;
  bool is_duplicate = false;
  std::string language;
  size_t events = 0;
  std::vector<std::string> cameo_roots;  // of each event, "01".."20"
  StageDurations durations;
};

struct ProcessResult {
  std::vector<OutputRecord> records;
  MessageSummary summary;
};

struct ProcessorOptions {
  std::string events_topic = "events.v1";
  std::string stories_topic = "stories.v1";
  std::string dlq_topic = "articles.dlq";
  // Each assignment's signature record (StoryIndex) goes here, keyed
  // <story_id>/<article_id>, in the same transaction as the story update;
  // story_sync.h reads it back. Empty: no records (no restart or
  // cross-instance state from Kafka).
  std::string signatures_topic;
  std::string instance_id;  // sent in kInstanceHeader
  DecodeOptions decode;
  CleanOptions clean;
  DedupOptions dedup;
  ExtractOptions extract;
};

class Processor {
 public:
  // Fails when the extractor's dictionaries do not load.
  static absl::StatusOr<std::unique_ptr<Processor>> Create(ProcessorOptions options);

  // Never fails: input that cannot be processed becomes one DLQ record that
  // carries the original bytes (oversize payloads cut to decode.max_bytes).
  //
  // Results are remembered by (topic, partition, offset) until ForgetUncommitted():
  // a batch replayed after an aborted transaction gets exactly the outputs it
  // had, instead of its articles being found duplicates of themselves. The
  // reference stays valid until ForgetUncommitted() (no copy per message).
  const ProcessResult& Process(const InputMessage& input);

  // Call once the outputs of everything processed so far are committed.
  void ForgetUncommitted() { uncommitted_.clear(); }

  // For story_sync.h (restore, other instances' records) and the dedup metrics.
  StoryIndex& story_index() { return stories_; }

 private:
  Processor(ProcessorOptions options, std::unique_ptr<Extractor> extractor);
  ProcessResult Compute(const InputMessage& input);
  OutputRecord DeadLetter(const InputMessage& input, DlqReason reason, std::string_view detail) const;

  ProcessorOptions options_;
  std::unique_ptr<Extractor> extractor_;
  StoryIndex stories_;
  std::map<std::tuple<std::string, int32_t, int64_t>, ProcessResult> uncommitted_;
};

}  // namespace eventwire::pipeline
