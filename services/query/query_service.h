// The gRPC EventQuery service over the store: argument checking, paging
// tokens, deadlines and the live tail. Holds no data of its own.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "eventwire/store.h"
#include "eventwire/v1/query.grpc.pb.h"

namespace eventwire::query {

struct ServiceOptions {
  int default_page_size = 50;
  // Larger pages are refused; a page is built in memory and sent in one message.
  int max_page_size = 1000;
  // Live tails beyond this are refused with RESOURCE_EXHAUSTED: each holds a
  // server thread and a database reader while it runs.
  int max_streams = 64;
  // How long a live tail sleeps between checks for shutdown or cancellation.
  absl::Duration stream_poll = absl::Milliseconds(250);
};

// Called once per finished RPC with the method, the status code and the
// handling time; used for metrics. May be empty.
using RequestObserver = std::function<void(const char* method, grpc::StatusCode code, absl::Duration took)>;

// ListEvents is served through the callback API with raw bytes: the page's
// events go out as stored, never parsed into protobuf objects, and no sync
// server thread hand-off sits in the path of the busiest method. The other
// methods use the synchronous API.
class EventQueryService final : public v1::EventQuery::WithRawCallbackMethod_ListEvents<v1::EventQuery::Service> {
 public:
  EventQueryService(EventStore* store, ServiceOptions options, RequestObserver observer);

  // Ends live tails promptly (they finish with OK) so the server can stop.
  void BeginShutdown() { shutting_down_.store(true); }

  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::Status GetEvent(grpc::ServerContext* ctx, const v1::GetEventRequest* req,
                        v1::Event* resp) override;
  grpc::Status GetStory(grpc::ServerContext* ctx, const v1::GetStoryRequest* req,
                        v1::Story* resp) override;
  grpc::Status CountEvents(grpc::ServerContext* ctx, const v1::CountEventsRequest* req,
                           v1::CountEventsResponse* resp) override;
  grpc::Status StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                            grpc::ServerWriter<v1::Event>* writer) override;

 private:
  // Fills `wire` with the serialized ListEventsResponse.
  grpc::Status DoList(grpc::ServerContextBase* ctx, const v1::ListEventsRequest& req, std::string* wire);
  grpc::Status DoStream(grpc::ServerContext* ctx, const v1::StreamEventsRequest& req,
                        grpc::ServerWriter<v1::Event>* writer);
  grpc::Status Observe(const char* method, absl::Time start, grpc::Status status);

  EventStore* store_;
  ServiceOptions options_;
  RequestObserver observer_;
  std::atomic<int> active_streams_{0};
  std::atomic<bool> shutting_down_{false};
};

// "OK", "INVALID_ARGUMENT", ...: the canonical name, for metric labels.
const char* GrpcCodeName(grpc::StatusCode code);

// absl::Status -> grpc::Status with the same code and message.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace eventwire::query
