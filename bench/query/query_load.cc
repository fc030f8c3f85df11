// Load test of EventQuery.ListEvents: a store of synthetic events (1,000,000 by
// default, generated once and reused), the real service on 127.0.0.1, and
// concurrent clients (a forked process of their own) asking for filtered pages
// of 100 for a bounded time.
// Prints queries/s and latency percentiles, overall and per filter.
//
//   query_load [--events 1000000] [--db build/bench-query.db] [--seconds 10]
//              [--threads 4] [--page-size 100] [--only NAME-PART]
//              [--walk-budget THOUSAND-STEPS]   (StoreOptions::walk_budget_thousand_steps)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <time.h>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/clock.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "eventwire/store.h"
#include "query_service.h"
#include "synthetic.h"

namespace eventwire {
namespace {

struct Flags {
  int64_t events = 1'000'000;
  std::string db = "bench-query.db";
  int seconds = 10;
  int threads = 4;
  int page_size = 100;
  std::string only;  // run only the queries whose name contains this
  int64_t walk_budget = StoreOptions().walk_budget_thousand_steps;
};

// Fills the store up to `n` events (kept between runs: generation is the slow part).
bool Populate(EventStore* store, int64_t n) {
  auto stats = store->Stats();
  if (!stats.ok()) return false;
  if (stats->events >= n) {
    std::printf("store: %lld events already present\n", static_cast<long long>(stats->events));
    return true;
  }
  std::printf("store: generating %lld events (a million takes several minutes; the file is kept for later runs)\n",
              static_cast<long long>(n - stats->events));
  std::fflush(stdout);
  std::mt19937_64 rng(42 + static_cast<uint64_t>(stats->events));
  absl::Time start = absl::Now();
  for (int64_t i = stats->events; i < n;) {
    StoreBatch batch;
    for (int k = 0; k < 20000 && i < n; ++k, ++i) batch.events.push_back(bench::Synthetic(i, rng, bench::DateMode::kUniform, 0));
    if (auto r = store->Apply(batch); !r.ok()) {
      std::fprintf(stderr, "populate: %s\n", std::string(r.status().message()).c_str());
      return false;
    }
  }
  std::printf("store: generated %lld events in %.1f s\n", static_cast<long long>(n),
              absl::ToDoubleSeconds(absl::Now() - start));
  return true;
}

struct Query {
  const char* name;
  v1::EventFilter filter;
  std::string order;
};

google::protobuf::Timestamp Day(int64_t days) {
  google::protobuf::Timestamp t;
  t.set_seconds(days * 86400);
  return t;
}

std::vector<Query> Queries() {
  std::vector<Query> q;
  auto add = [&](const char* name, std::string order, auto set) {
    Query& x = q.emplace_back();
    x.name = name;
    x.order = std::move(order);
    set(&x.filter);
  };
  add("cameo 19, last 30 days", "", [](v1::EventFilter* f) {
    f->set_cameo_prefix("19");
    *f->mutable_event_date_from() = Day(bench::kFirstDay + bench::kDays - 30);
  });
  add("actor TAL", "", [](v1::EventFilter* f) { f->set_actor("TAL"); });
  add("country AFG, confidence >= 0.8", "", [](v1::EventFilter* f) {
    f->set_country_code("AFG");
    f->set_min_confidence(0.8);
  });
  add("source PAKMIL, target AFG*", "first_seen desc", [](v1::EventFilter* f) {
    f->set_source_actor("PAKMIL");
    f->set_target_actor("AFG");
  });
  add("plover PROTEST at a place", "", [](v1::EventFilter* f) {
    f->set_plover_type("PROTEST");
    f->set_place("PlaceIRQ3");
  });
  add("text 'ceasefire talks', 90 days", "", [](v1::EventFilter* f) {
    f->set_text("ceasefire talks");
    *f->mutable_event_date_from() = Day(bench::kFirstDay + bench::kDays - 90);
  });
  add("week window, by confidence", "confidence desc", [](v1::EventFilter* f) {
    *f->mutable_event_date_from() = Day(bench::kFirstDay + 100);
    *f->mutable_event_date_to() = Day(bench::kFirstDay + 107);
  });
  return q;
}

constexpr char kListEvents[] = "/eventwire.v1.EventQuery/ListEvents";

// ListEventsRequest.page_token (field 3, length-delimited) on the wire.
void AppendPageToken(const std::string& token, std::string* wire) {
  if (token.empty()) return;
  wire->push_back(static_cast<char>((v1::ListEventsRequest::kPageTokenFieldNumber << 3) | 2));
  for (uint64_t n = token.size(); ; n >>= 7) {
    if (n < 0x80) {
      wire->push_back(static_cast<char>(n));
      break;
    }
    wire->push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  wire->append(token);
}

struct Page {
  int events = 0;
  std::string next_page_token;
};

// What the load client needs of a ListEventsResponse, from a scan of its
// top-level fields: how many events (each skipped, not parsed) and the next
// page token. Anything but those two fields, an empty event or a truncated
// message is an error, so a broken page still counts as one.
absl::StatusOr<Page> ScanPage(grpc::ByteBuffer* buffer) {
  using google::protobuf::internal::WireFormatLite;
  constexpr uint32_t kEventTag = WireFormatLite::MakeTag(v1::ListEventsResponse::kEventsFieldNumber,
                                                         WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kTokenTag = WireFormatLite::MakeTag(v1::ListEventsResponse::kNextPageTokenFieldNumber,
                                                         WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const size_t size = buffer->Length();
  grpc::ProtoBufferReader reader(buffer);
  google::protobuf::io::CodedInputStream in(&reader);
  Page page;
  while (uint32_t tag = in.ReadTag()) {
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return absl::DataLossError("truncated field length");
    if (tag == kEventTag) {
      if (length == 0 || !in.Skip(static_cast<int>(length))) return absl::DataLossError("empty or truncated event");
      ++page.events;
    } else if (tag == kTokenTag) {
      if (!in.ReadString(&page.next_page_token, static_cast<int>(length))) {
        return absl::DataLossError("truncated page token");
      }
    } else {
      return absl::DataLossError(absl::StrCat("unexpected field tag ", tag));
    }
  }
  if (static_cast<size_t>(in.CurrentPosition()) != size) return absl::DataLossError("malformed response");
  return page;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The client process tells the server process when the measured window starts
// and ends, then what it measured (the server prints the CPU line).
struct WindowReport {
  int64_t queries = 0;
  double seconds = 0;
  double client_cpu = 0;
};

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// The load clients, in a process of their own: gRPC's poller threads of one
// process serve every connection in it, so in-process clients had the
// server's threads read their responses and wake them (futex hand-offs the
// client of a real deployment does not cause), and their CPU could only be
// estimated. Exits non-zero on any error.
int RunClients(const Flags& flags, int port_in, int ctl_out) {
  int port = 0;
  if (!ReadAll(port_in, &port, sizeof port) || port == 0) return 1;  // the server did not start
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<Query> queries = Queries();
  std::erase_if(queries, [&](const Query& q) { return std::string(q.name).find(flags.only) == std::string::npos; });
  struct Sample {
    size_t query;
    double ms;
    int rows;
  };
  std::atomic<bool> measuring{false};
  std::atomic<bool> done{false};
  std::atomic<int64_t> errors{0};
  std::vector<std::vector<Sample>> samples(static_cast<size_t>(flags.threads));
  // Requests are serialized once: a next-page request is the first page's bytes
  // with the page_token field appended (a later field of a message may follow
  // the others on the wire).
  std::vector<std::string> first_pages;
  for (const Query& q : queries) {
    v1::ListEventsRequest req;
    *req.mutable_filter() = q.filter;
    req.set_order_by(q.order);
    req.set_page_size(flags.page_size);
    first_pages.push_back(req.SerializeAsString());
  }
  std::vector<std::thread> clients;
  for (int t = 0; t < flags.threads; ++t) {
    clients.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per client thread
      // Raw bytes in and out: the client's CPU should be the transport's, not
      // protobuf's building and parsing of 100 events per page.
      grpc::GenericStub stub(
          grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args));
      grpc::CompletionQueue cq;  // this thread's own, polled by the thread itself
      std::vector<std::string> tokens(queries.size());
      std::string wire;
      // Bounded: at most 10 million requests per thread even if the clock misbehaves.
      for (int64_t n = t; n < 10'000'000 && !done.load(); ++n) {
        size_t k = static_cast<size_t>(n) % queries.size();
        wire = first_pages[k];
        // Every other request of a filter asks for its next page.
        if ((n / queries.size()) % 2 == 1) AppendPageToken(tokens[k], &wire);
        grpc::Slice slice(wire);
        grpc::ByteBuffer request(&slice, 1);
        grpc::ByteBuffer response;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        auto start = std::chrono::steady_clock::now();
        grpc::Status s;
        auto call = stub.PrepareUnaryCall(&ctx, kListEvents, request, &cq);
        call->StartCall();
        call->Finish(&response, &s, call.get());
        void* tag = nullptr;
        bool ok = false;
        if (!cq.Next(&tag, &ok) || tag != call.get() || !ok) s = grpc::Status(grpc::StatusCode::INTERNAL, "queue");
        absl::StatusOr<Page> page = s.ok() ? ScanPage(&response) : absl::InternalError(s.error_message());
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!page.ok()) {
          if (errors.fetch_add(1) < 5) {
            std::fprintf(stderr, "%s: %s\n", queries[k].name, std::string(page.status().message()).c_str());
          }
          continue;
        }
        tokens[k] = std::move(page->next_page_token);
        if (measuring.load()) samples[static_cast<size_t>(t)].push_back({k, ms, page->events});
      }
      cq.Shutdown();
      void* tag = nullptr;
      bool ok = false;
      while (cq.Next(&tag, &ok)) {
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // warm-up: page cache, prepared statements
  bool told = WriteAll(ctl_out, "S", 1);
  measuring.store(true);
  const double cpu_start = ProcessCpuSeconds();
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(flags.seconds));
  measuring.store(false);
  const double cpu_used = ProcessCpuSeconds() - cpu_start;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  told = told && WriteAll(ctl_out, "E", 1);
  done.store(true);
  for (auto& c : clients) c.join();

  std::vector<double> all;
  std::printf("\n%-34s %8s %9s %9s %9s %9s\n", "filter (page of 100)", "queries", "rows/q", "p50 ms",
              "p99 ms", "max ms");
  for (size_t k = 0; k < queries.size(); ++k) {
    std::vector<double> lat;
    int64_t rows = 0;
    for (const auto& per_thread : samples) {
      for (const Sample& s : per_thread) {
        if (s.query != k) continue;
        lat.push_back(s.ms);
        rows += s.rows;
      }
    }
    all.insert(all.end(), lat.begin(), lat.end());
    std::printf("%-34s %8zu %9.1f %9.2f %9.2f %9.2f\n", queries[k].name, lat.size(),
                lat.empty() ? 0.0 : static_cast<double>(rows) / static_cast<double>(lat.size()),
                Percentile(lat, 0.5), Percentile(lat, 0.99), Percentile(lat, 1.0));
  }
  std::printf("\nall: %zu queries in %.1f s = %.0f queries/s, p50 %.2f ms, p99 %.2f ms, errors %lld, "
              "%d client threads, %lld events in the store\n",
              all.size(), elapsed, static_cast<double>(all.size()) / elapsed, Percentile(all, 0.5),
              Percentile(all, 0.99), static_cast<long long>(errors.load()), flags.threads,
              static_cast<long long>(flags.events));
  std::fflush(stdout);
  const WindowReport report{static_cast<int64_t>(all.size()), elapsed, cpu_used};
  told = told && WriteAll(ctl_out, &report, sizeof report);
  return told && errors.load() == 0 ? 0 : 1;
}

// The store and the service, in this process; the clients in a child forked
// before anything here starts a thread.
int Run(const Flags& flags) {
  const std::vector<Query> queries = Queries();
  if (std::none_of(queries.begin(), queries.end(),
                   [&](const Query& q) { return std::string(q.name).find(flags.only) != std::string::npos; })) {
    std::fprintf(stderr, "no query name contains \"%s\"\n", flags.only.c_str());
    return 2;
  }
  int port_pipe[2], ctl_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(ctl_pipe) != 0) return 1;
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(port_pipe[1]);
    close(ctl_pipe[0]);
    std::_Exit(RunClients(flags, port_pipe[0], ctl_pipe[1]) == 0 ? 0 : 1);  // no static destructors twice
  }
  close(port_pipe[0]);
  close(ctl_pipe[1]);
  auto finish = [&](int code) {
    close(port_pipe[1]);  // a client still waiting for the port gives up
    close(ctl_pipe[0]);
    int status = 0;
    waitpid(child, &status, 0);
    const bool clients_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return code != 0 ? code : clients_ok ? 0 : 1;
  };

  auto store = EventStore::Open({.path = flags.db, .walk_budget_thousand_steps = flags.walk_budget});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return finish(1);
  }
  if (!Populate(store->get(), flags.events)) return finish(1);
  // What the service's housekeeping does once the store has grown: planner
  // statistics and a merged text index.
  absl::Time optimize_start = absl::Now();
  if (auto optimized = (*store)->OptimizeIfStale(); !optimized.ok()) {
    std::fprintf(stderr, "optimize: %s\n", std::string(optimized.status().message()).c_str());
    return finish(1);
  } else if (*optimized) {
    std::printf("store: statistics and text index refreshed in %.1f s\n",
                absl::ToDoubleSeconds(absl::Now() - optimize_start));
  }
  std::fflush(stdout);

  // As the service does (services/query/main.cc): gRPC's locks are absl::Mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  query::ServiceOptions options;
  query::EventQueryService service(store->get(), options, nullptr);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) return finish(1);
  if (!WriteAll(port_pipe[1], &port, sizeof port)) return finish(1);

  char mark = 0;
  if (!ReadAll(ctl_pipe[0], &mark, 1) || mark != 'S') return finish(1);
  const double cpu_start = ProcessCpuSeconds();
  if (!ReadAll(ctl_pipe[0], &mark, 1) || mark != 'E') return finish(1);
  const double cpu_used = ProcessCpuSeconds() - cpu_start;
  WindowReport report;
  const bool reported = ReadAll(ctl_pipe[0], &report, sizeof report);
  const int code = finish(0);  // the clients' table is printed by now
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (!reported) return 1;
  // CPU per query is what a shared machine cannot distort: it bounds the rate
  // on dedicated cores. Each process's own CPU in the window: the server's
  // (store, gRPC and its threads) and the clients'.
  const double n = static_cast<double>(std::max<int64_t>(1, report.queries));
  const double server_ms = 1000 * cpu_used / n;
  const double client_ms = 1000 * report.client_cpu / n;
  const double seconds = std::max(report.seconds, 1e-9);
  std::printf("cpu: %.1f s used in the window (%.2f of %u cores): %.2f ms per query, of which the server "
              "%.2f ms and the client %.2f ms; at that cost 2 dedicated server cores answer at most %.0f queries/s\n",
              cpu_used + report.client_cpu, (cpu_used + report.client_cpu) / seconds,
              std::thread::hardware_concurrency(), server_ms + client_ms, server_ms, client_ms,
              server_ms > 0 ? 2000 / server_ms : 0.0);
  return code;
}

}  // namespace
}  // namespace eventwire

int main(int argc, char** argv) {
  eventwire::Flags flags;
  for (int i = 1; i < argc; i += 2) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h" || i + 1 == argc) {
      // Anything else would fall through to generating a 1M-event store (minutes).
      if (name != "--help" && name != "-h") std::fprintf(stderr, "flag %s needs a value\n", argv[i]);
      std::fprintf(stderr,
                   "usage: query_load [--events 1000000] [--db build/bench-query.db] [--seconds 10]\n"
                   "                  [--threads 4] [--page-size 100] [--only NAME-PART] [--walk-budget K]\n");
      return name == "--help" || name == "-h" ? 0 : 2;
    }
    const char* v = argv[i + 1];
    if (name == "--events") flags.events = std::atoll(v);
    else if (name == "--db") flags.db = v;
    else if (name == "--seconds") flags.seconds = std::max(1, std::min(600, std::atoi(v)));
    else if (name == "--threads") flags.threads = std::max(1, std::min(64, std::atoi(v)));
    else if (name == "--page-size") flags.page_size = std::max(1, std::min(1000, std::atoi(v)));
    else if (name == "--only") flags.only = v;
    else if (name == "--walk-budget") flags.walk_budget = std::max<int64_t>(0, std::atoll(v));
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  return eventwire::Run(flags);
}
