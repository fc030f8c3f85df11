// The query service's database: materialised events and stories in SQLite
// (WAL mode, secondary indexes, FTS5 over evidence sentences), plus the Kafka
// offsets that produced them, written in the same transaction.
//
//   auto store = eventwire::EventStore::Open({.path = "/var/lib/eventwire/query.db"});
//   eventwire::StoreBatch batch;
//   batch.events.push_back(event);
//   batch.offsets.push_back({"events.v1", 0, 42});
//   absl::Status s = (*store)->Apply(batch);          // upsert: higher version wins
//   auto page = (*store)->List({.filter = f, .page_size = 100});
//
// Thread safety: every method may be called from any thread. Writes are
// serialised on one connection; reads use a pool of connections, so readers
// never wait for the writer (WAL).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <google/protobuf/repeated_ptr_field.h>

#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/query.pb.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire {

struct StoreOptions {
  // SQLite database file; created when missing. ":memory:" is refused: the
  // store must survive a restart.
  std::string path;
  // Busy timeout for the rare moments two writers meet (checkpoint, prune).
  absl::Duration busy_timeout = absl::Seconds(5);
  // List first walks the order's index, filtering entry by entry, for at most
  // this many thousand SQLite steps (a fifth with a text filter), then lets
  // SQLite start from the filters' indexes instead. Both ways give the same
  // pages; only the cost differs (see event_store.cc). 0 never walks.
  int64_t walk_budget_thousand_steps = 50;
};

// Where consumption of one partition resumes: the offset of the next message.
struct KafkaOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
};

// One transaction: upserts, deletions (Kafka tombstones) and the offsets of
// the messages they came from.
struct StoreBatch {
  std::vector<v1::Event> events;
  std::vector<v1::Story> stories;
  std::vector<std::string> deleted_event_ids;
  std::vector<std::string> deleted_story_ids;
  std::vector<KafkaOffset> offsets;
};

struct ApplyResult {
  int events_written = 0;   // inserted or replaced by a higher version
  int events_stale = 0;     // ignored: the store already had this version or a later one
  int stories_written = 0;
  int stories_stale = 0;
  int deleted = 0;
};

enum class EventOrder { kEventDateDesc, kEventDateAsc, kFirstSeenDesc, kFirstSeenAsc, kConfidenceDesc };

// Parses "event_date desc" (the default, also for ""), "event_date asc",
// "first_seen desc", "first_seen asc", "confidence desc".
absl::StatusOr<EventOrder> ParseEventOrder(const std::string& text);
std::string EventOrderName(EventOrder order);

// Position after the last row of a page: its sort key and event id.
struct PageCursor {
  double sort_key = 0;      // micros since the epoch for dates, or the confidence
  std::string event_id;
};

struct ListQuery {
  v1::EventFilter filter;   // must have passed ValidateFilter
  EventOrder order = EventOrder::kEventDateDesc;
  int page_size = 50;
  std::optional<PageCursor> after;
  // > 0: the page's events are not parsed but appended to ListResult::wire as
  // this field number of the caller's message (the stored bytes, length-
  // delimited), so a response can be sent without building protobuf objects.
  int wire_field = 0;
};

struct ListResult {
  // Parsed straight from the stored bytes; a caller answering over gRPC swaps
  // them into its response (ListEventsResponse::mutable_events()->Swap) without a copy.
  google::protobuf::RepeatedPtrField<v1::Event> events;
  std::string wire;                 // instead, with ListQuery::wire_field
  int count = 0;                    // events in the page, in either form
  std::optional<PageCursor> next;   // set when more rows may follow
};

// Rows of a live tail, in materialisation order.
struct TailRow {
  int64_t seq = 0;
  v1::Event event;
};

struct StoreStats {
  int64_t events = 0;
  int64_t stories = 0;
  int64_t head_seq = 0;
};

// Returns true when the caller gave up (deadline passed, client cancelled);
// long queries poll it and then fail with DEADLINE_EXCEEDED.
using CancelFn = std::function<bool()>;

// Checks a filter for values the store cannot answer sensibly (ranges
// reversed, confidence outside [0, 1], non-digit CAMEO prefixes, ...).
// The message names the field and the value.
absl::Status ValidateFilter(const v1::EventFilter& filter);

class EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const StoreOptions& options);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Applies the batch atomically, then wakes WaitForChange callers.
  absl::StatusOr<ApplyResult> Apply(const StoreBatch& batch);

  // Offsets recorded by Apply, to resume consumption after a restart.
  absl::StatusOr<std::vector<KafkaOffset>> Offsets();

  absl::StatusOr<ListResult> List(const ListQuery& query, const CancelFn& cancelled = nullptr);
  // NOT_FOUND when absent.
  absl::StatusOr<v1::Event> GetEvent(const std::string& event_id);
  absl::StatusOr<v1::Story> GetStory(const std::string& story_id);

  // group_by: "day" (event date, UTC), "cameo_root", "actor_pair" ("SRC->TGT",
  // codes or else names), "country" (location's country, else the source
  // actor's). Days in ascending order, other keys by count descending.
  absl::StatusOr<std::vector<v1::CountBucket>> Count(const v1::EventFilter& filter,
                                                     const std::string& group_by,
                                                     const CancelFn& cancelled = nullptr);

  // Events changed after `after_seq` that match the filter, oldest change
  // first. With since_micros > 0, rows changed up to `replay_until_seq` must
  // also have first_seen >= since_micros (the replay part of a tail).
  absl::StatusOr<std::vector<TailRow>> Tail(const v1::EventFilter& filter, int64_t after_seq,
                                            int64_t since_micros, int64_t replay_until_seq,
                                            int limit, const CancelFn& cancelled = nullptr);

  // Latest change sequence number; 0 for an empty store.
  int64_t HeadSeq() const;
  // Blocks until HeadSeq() > after_seq or the timeout passes; returns HeadSeq().
  int64_t WaitForChange(int64_t after_seq, absl::Duration timeout) const;

  // Deletes events first seen and stories last seen before `cutoff`.
  absl::StatusOr<int64_t> Prune(absl::Time cutoff);

  absl::StatusOr<StoreStats> Stats();

  // Refreshes the planner's statistics (ANALYZE) and merges the text index
  // into one segment, when the number of events has doubled (or halved) since
  // the last time, or was never analysed, with at least `min_events` events;
  // merges the text index alone when writes have left it in more than a few
  // segments. Holds the write lock for a few seconds per million events, so it
  // is meant for a housekeeping thread. Returns whether it ran.
  absl::StatusOr<bool> OptimizeIfStale(int64_t min_events = 10000);

 private:
  struct Impl;
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opaque page tokens: web-safe base64 of the cursor, the order and a
// fingerprint of the filter, so a token is refused when replayed with a
// different filter or order (INVALID_ARGUMENT).
std::string EncodePageToken(const PageCursor& cursor, EventOrder order,
                            const v1::EventFilter& filter);
absl::StatusOr<PageCursor> DecodePageToken(const std::string& token, EventOrder order,
                                           const v1::EventFilter& filter);

}  // namespace eventwire
