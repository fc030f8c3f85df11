// The pipeline's per-message work, without Kafka: one consumed record in,
// the records to publish out (events, a story update, or a DLQ record), plus
// a summary of what happened for logs and metrics.
//
//   auto processor = eventwire::pipeline::Processor::Create(options);
//   ProcessResult r = (*processor)->Process(input);
//   for (OutputRecord& out : r.records) Produce(out);
//
// Stages: decode -> clean -> dedup (StoryIndex) -> extract -> merge
// (EventMerger). Events are extracted once per story, from its first article;
// a duplicate only emits the story update with its new counts. An event that
// another story reported already is published as a new version of that
// earlier event (its event_id, version + 1, this story in related_story_ids).
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
#include "eventwire/event_merger.h"
#include "eventwire/extract.h"

namespace eventwire::pipeline {

// Header names of published records.
inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kProtobufContentType = "application/x-protobuf";
inline constexpr std::string_view kTypeHeader = "eventwire.type";  // "event" or "story"
// kTypeHeader of an EventMerger record on the signatures topic (key event/<event_id>).
inline constexpr std::string_view kEventMergeType = "event-merge";
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
  size_t events = 0;                     // new events published
  size_t events_merged = 0;              // new versions of earlier events published instead
  std::vector<std::string> cameo_roots;  // of each new event, "01".."20"
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
  // <story_id>/<article_id>, in the same transaction as the story update,
  // and each published event's merge record (EventMerger), keyed
  // event/<event_id>, in the same transaction as the event; story_sync.h
  // reads them back. Empty: no records (no restart or cross-instance state
  // from Kafka).
  std::string signatures_topic;
  std::string instance_id;  // sent in kInstanceHeader
  DecodeOptions decode;
  CleanOptions clean;
  DedupOptions dedup;
  ExtractOptions extract;
  // Events of different stories merge when their dates are at most this many
  // days apart (event_merger.h); 0: no merging, every story its own events.
  EventMergerOptions event_merge;
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
  // Null when merging is off (event_merge.window_days == 0).
  EventMerger* event_merger() { return merger_.get(); }

 private:
  Processor(ProcessorOptions options, std::unique_ptr<Extractor> extractor);
  ProcessResult Compute(const InputMessage& input);
  // Appends an events.v1 record; a merged one is a new version, not a new event.
  void AddEvent(v1::Event event, ProcessResult* result, bool merged = false) const;
  OutputRecord DeadLetter(const InputMessage& input, DlqReason reason, std::string_view detail) const;

  ProcessorOptions options_;
  std::unique_ptr<Extractor> extractor_;
  StoryIndex stories_;
  std::unique_ptr<EventMerger> merger_;
  std::map<std::tuple<std::string, int32_t, int64_t>, ProcessResult> uncommitted_;
};

}  // namespace eventwire::pipeline
