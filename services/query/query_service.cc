#include "query_service.h"

#include <chrono>
#include <iterator>
#include <memory>

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>

namespace eventwire::query {
namespace {

// Long queries poll this: the client hung up or its deadline passed.
CancelFn CancelOf(grpc::ServerContextBase* ctx) {
  return [ctx] { return ctx->IsCancelled() || std::chrono::system_clock::now() > ctx->deadline(); };
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

}  // namespace

const char* GrpcCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "UNKNOWN";
}

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

EventQueryService::EventQueryService(EventStore* store, ServiceOptions options,
                                     RequestObserver observer)
    : store_(store), options_(options), observer_(std::move(observer)) {}

grpc::Status EventQueryService::Observe(const char* method, absl::Time start, grpc::Status status) {
  if (observer_) observer_(method, status.error_code(), absl::Now() - start);
  return status;
}

grpc::ServerUnaryReactor* EventQueryService::ListEvents(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::Status status;
  v1::ListEventsRequest req;
  grpc::ByteBuffer copy(*request);  // Deserialize consumes its buffer
  if (status = grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::ListEventsRequest>(&copy, &req); status.ok()) {
    auto wire = std::make_unique<std::string>();
    status = DoList(ctx, req, wire.get());
    if (status.ok()) {
      // The page (~50 KB for 100 events) is handed to gRPC as it is, not copied:
      // the slice owns the string and frees it once sent.
      std::string* owned = wire.release();
      grpc::Slice slice(owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
      *response = grpc::ByteBuffer(&slice, 1);
    }
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(Observe("ListEvents", start, status));
  return reactor;
}

grpc::Status EventQueryService::DoList(grpc::ServerContextBase* ctx, const v1::ListEventsRequest& req,
                                       std::string* wire) {
  if (absl::Status s = ValidateFilter(req.filter()); !s.ok()) return ToGrpc(s);
  if (req.page_size() < 0 || req.page_size() > options_.max_page_size) {
    return Invalid(absl::StrCat("page_size must be between 1 and ", options_.max_page_size,
                                " (0 means ", options_.default_page_size, "), got ", req.page_size()));
  }
  absl::StatusOr<EventOrder> order = ParseEventOrder(req.order_by());
  if (!order.ok()) return ToGrpc(order.status());
  ListQuery q;
  q.filter = req.filter();
  q.order = *order;
  q.page_size = req.page_size() == 0 ? options_.default_page_size : req.page_size();
  q.wire_field = v1::ListEventsResponse::kEventsFieldNumber;
  if (!req.page_token().empty()) {
    absl::StatusOr<PageCursor> cursor = DecodePageToken(req.page_token(), *order, req.filter());
    if (!cursor.ok()) return ToGrpc(cursor.status());
    q.after = *cursor;
  }
  absl::StatusOr<ListResult> page = store_->List(q, CancelOf(ctx));
  if (!page.ok()) return ToGrpc(page.status());
  *wire = std::move(page->wire);
  if (page->next) {
    // The other field of ListEventsResponse, serialized on its own and appended.
    v1::ListEventsResponse tail;
    tail.set_next_page_token(EncodePageToken(*page->next, *order, req.filter()));
    tail.AppendToString(wire);
  }
  return grpc::Status::OK;
}

grpc::Status EventQueryService::GetEvent(grpc::ServerContext* ctx, const v1::GetEventRequest* req,
                                         v1::Event* resp) {
  absl::Time start = absl::Now();
  if (req->event_id().empty()) return Observe("GetEvent", start, Invalid("event_id is required"));
  absl::StatusOr<v1::Event> e = store_->GetEvent(req->event_id());
  if (e.ok()) *resp = *std::move(e);
  return Observe("GetEvent", start, ToGrpc(e.status()));
}

grpc::Status EventQueryService::GetStory(grpc::ServerContext* ctx, const v1::GetStoryRequest* req,
                                         v1::Story* resp) {
  absl::Time start = absl::Now();
  if (req->story_id().empty()) return Observe("GetStory", start, Invalid("story_id is required"));
  absl::StatusOr<v1::Story> s = store_->GetStory(req->story_id());
  if (s.ok()) *resp = *std::move(s);
  return Observe("GetStory", start, ToGrpc(s.status()));
}

grpc::Status EventQueryService::CountEvents(grpc::ServerContext* ctx,
                                            const v1::CountEventsRequest* req,
                                            v1::CountEventsResponse* resp) {
  absl::Time start = absl::Now();
  if (req->group_by().empty()) {
    return Observe("CountEvents", start,
                   Invalid("group_by is required: one of day, cameo_root, actor_pair, country"));
  }
  if (absl::Status s = ValidateFilter(req->filter()); !s.ok()) {
    return Observe("CountEvents", start, ToGrpc(s));
  }
  auto buckets = store_->Count(req->filter(), req->group_by(), CancelOf(ctx));
  if (buckets.ok()) {
    for (v1::CountBucket& b : *buckets) *resp->add_buckets() = std::move(b);
  }
  return Observe("CountEvents", start, ToGrpc(buckets.status()));
}

grpc::Status EventQueryService::StreamEvents(grpc::ServerContext* ctx,
                                             const v1::StreamEventsRequest* req,
                                             grpc::ServerWriter<v1::Event>* writer) {
  absl::Time start = absl::Now();
  if (active_streams_.fetch_add(1) >= options_.max_streams) {
    active_streams_.fetch_sub(1);
    return Observe("StreamEvents", start,
                   grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                absl::StrCat("too many live streams (limit ", options_.max_streams,
                                             "); retry later")));
  }
  grpc::Status status = DoStream(ctx, *req, writer);
  active_streams_.fetch_sub(1);
  return Observe("StreamEvents", start, status);
}

grpc::Status EventQueryService::DoStream(grpc::ServerContext* ctx, const v1::StreamEventsRequest& req,
                                         grpc::ServerWriter<v1::Event>* writer) {
  if (absl::Status s = ValidateFilter(req.filter()); !s.ok()) return ToGrpc(s);
  int64_t since = 0;
  int64_t cursor = store_->HeadSeq();  // from now
  const int64_t replay_until = cursor;
  if (req.has_since()) {
    if (req.since().seconds() <= 0 || req.since().nanos() < 0 || req.since().nanos() > 999999999) {
      return Invalid("since must be a valid time after 1970-01-01");
    }
    since = req.since().seconds() * 1000000 + req.since().nanos() / 1000;
    cursor = 0;  // replay what the store has first_seen >= since, then follow
  }
  // Tells the client the tail is open: whatever is stored from here on reaches it.
  writer->SendInitialMetadata();
  constexpr int kBatch = 500;
  // Only the client (cancel, deadline) or shutdown ends a tail.
  auto gone = [ctx, this] { return ctx->IsCancelled() || shutting_down_.load(); };
  while (!gone()) {
    const int64_t head = store_->HeadSeq();
    auto rows = store_->Tail(req.filter(), cursor, since, replay_until, kBatch, [&gone] { return gone(); });
    if (!rows.ok()) {
      if (gone()) break;
      return ToGrpc(rows.status());
    }
    for (const TailRow& row : *rows) {
      if (!writer->Write(row.event)) return grpc::Status::OK;  // the client went away
      cursor = row.seq;
    }
    if (static_cast<int>(rows->size()) == kBatch) continue;
    // Everything up to `head` has been looked at, matching or not.
    cursor = std::max(cursor, head);
    store_->WaitForChange(cursor, options_.stream_poll);
  }
  if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
  return grpc::Status::OK;
}

}  // namespace eventwire::query
