#include "processor.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <tuple>

#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire::pipeline {
namespace {

bool SameNameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) !=
        absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view HeaderValue(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (SameNameIgnoringCase(n, name)) return v;
  }
  return {};
}

// `type` tells readers (eventwire tail) which message the bytes hold.
OutputRecord Publish(const std::string& topic, const std::string& key, std::string_view type,
                     const google::protobuf::Message& message) {
  OutputRecord out{topic, key, message.SerializeAsString(), {}};
  out.headers.emplace_back(kContentTypeHeader, kProtobufContentType);
  out.headers.emplace_back(kTypeHeader, type);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Processor>> Processor::Create(ProcessorOptions options) {
  absl::StatusOr<std::unique_ptr<Extractor>> extractor = Extractor::Load(options.extract);
  if (!extractor.ok()) return extractor.status();
  return std::unique_ptr<Processor>(new Processor(std::move(options), std::move(*extractor)));
}

Processor::Processor(ProcessorOptions options, std::unique_ptr<Extractor> extractor)
    : options_(std::move(options)), extractor_(std::move(extractor)), stories_(options_.dedup) {
  if (options_.event_merge.window_days > 0) merger_ = std::make_unique<EventMerger>(options_.event_merge);
}

const ProcessResult& Processor::Process(const InputMessage& input) {
  auto position = std::make_tuple(std::string(input.topic), input.partition, input.offset);
  if (auto it = uncommitted_.find(position); it != uncommitted_.end()) return it->second;
  return uncommitted_.emplace(std::move(position), Compute(input)).first->second;
}

ProcessResult Processor::Compute(const InputMessage& input) {
  ProcessResult result;
  MessageSummary& summary = result.summary;

  absl::Time t = absl::Now();
  DecodeResult decoded =
      DecodeArticle(input.payload, HeaderValue(input.headers, kContentTypeHeader), input.key, options_.decode);
  summary.durations.decode = absl::Now() - t;
  if (!decoded.ok()) {
    summary.dlq_reason = decoded.reason;
    result.records.push_back(DeadLetter(input, decoded.reason, decoded.detail));
    return result;
  }
  v1::RawArticle& raw = *decoded.article;
  // Without a publication time, the record's timestamp is the best estimate
  // (relative dates such as "on Saturday" are resolved against it).
  if (!raw.has_published_at() && input.timestamp_ms > 0) {
    raw.mutable_published_at()->set_seconds(input.timestamp_ms / 1000);
  }

  t = absl::Now();
  CleanArticle clean = Clean(raw, options_.clean);
  summary.durations.clean = absl::Now() - t;
  summary.article_id = clean.id;
  summary.language = clean.language;

  t = absl::Now();
  Assignment assignment = stories_.Add(clean);
  summary.durations.dedup = absl::Now() - t;
  summary.story_id = assignment.story->story_id();
  summary.is_duplicate = assignment.decision.is_duplicate();

  if (!summary.is_duplicate) {
    t = absl::Now();
    std::vector<v1::Event> events = extractor_->Extract(clean, *assignment.story);
    summary.durations.extract = absl::Now() - t;
    for (v1::Event& e : events) {
      if (merger_ == nullptr) {
        AddEvent(std::move(e), &result);
        continue;
      }
      EventMerger::Result merged = merger_->Add(std::move(e));
      if (!merged.changed) continue;  // this event_id again: published already
      if (merged.merged) ++summary.events_merged;
      AddEvent(std::move(merged.event), &result, merged.merged);
      if (!options_.signatures_topic.empty()) {
        // In this transaction, so the merger state restored at restart or
        // read by other instances is exactly what was published.
        OutputRecord rec{options_.signatures_topic, absl::StrCat("event/", result.records.back().key),
                         std::move(merged.record), {}};
        rec.headers.emplace_back(kInstanceHeader, options_.instance_id);
        rec.headers.emplace_back(kTypeHeader, kEventMergeType);
        result.records.push_back(std::move(rec));
      }
    }
  }
  result.records.push_back(Publish(options_.stories_topic, assignment.story->story_id(), "story", *assignment.story));
  if (!options_.signatures_topic.empty() && !assignment.record.empty()) {
    // One key per article, so compaction keeps every member of a story.
    const std::string article = clean.id.empty() ? absl::StrCat(input.partition, "@", input.offset) : clean.id;
    OutputRecord sig{options_.signatures_topic, absl::StrCat(summary.story_id, "/", article),
                     std::move(assignment.record), {}};
    sig.headers.emplace_back(kInstanceHeader, options_.instance_id);
    result.records.push_back(std::move(sig));
  }
  return result;
}

void Processor::AddEvent(v1::Event event, ProcessResult* result, bool merged) const {
  if (!merged) {
    ++result->summary.events;
    result->summary.cameo_roots.push_back(event.cameo_root());
  }
  result->records.push_back(Publish(options_.events_topic, event.event_id(), "event", event));
}

OutputRecord Processor::DeadLetter(const InputMessage& input, DlqReason reason, std::string_view detail) const {
  OutputRecord out{options_.dlq_topic, std::string(input.key), std::string(input.payload), {}};
  // An oversize payload would not fit the DLQ either; its head is enough to investigate.
  if (out.value.size() > options_.decode.max_bytes) {
    out.value.resize(options_.decode.max_bytes);
    out.headers.emplace_back(kDlqTruncatedHeader, absl::StrCat(input.payload.size()));
  }
  out.headers.emplace_back(kDlqStageHeader, "decode");
  out.headers.emplace_back(kDlqReasonHeader, DlqReasonName(reason));
  out.headers.emplace_back(kDlqDetailHeader, detail);
  out.headers.emplace_back(kSourceTopicHeader, input.topic);
  out.headers.emplace_back(kSourcePartitionHeader, absl::StrCat(input.partition));
  out.headers.emplace_back(kSourceOffsetHeader, absl::StrCat(input.offset));
  if (std::string_view ct = HeaderValue(input.headers, kContentTypeHeader); !ct.empty()) {
    out.headers.emplace_back(kContentTypeHeader, ct);
  }
  return out;
}

}  // namespace eventwire::pipeline
