// eventwire query: a client of the query service for people (tables) and
// scripts (--json). Filters are flags; --follow turns the query into a live
// tail; --count-by, --event and --story-detail ask the other methods.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>

#include "commands.h"
#include "eventwire/json_lines.h"
#include "eventwire/v1/query.grpc.pb.h"

namespace eventwire::cli {
namespace {

struct QueryFlags {
  std::string server = "127.0.0.1:50051";
  v1::EventFilter filter;
  std::string since, until;
  std::string time_field = "event_date";
  std::string order;
  int64_t limit = 20;
  bool json = false;
  bool follow = false;
  std::string count_by;
  std::string event_id;
  std::string story_id;
  int64_t timeout_s = 10;
};

void PrintHelp() {
  std::cout << R"(usage: eventwire query [--server HOST:PORT] [filters] [--json] [--limit N]
       eventwire query ... --follow              live tail of matching events
       eventwire query ... --count-by day|cameo_root|actor_pair|country
       eventwire query --event ID | --story-detail ID

filters (all must match):
  --actor X            actor code prefix, known group or name, source or target ("TAL", "PAK")
  --source X, --target X   the same for one side only
  --since T, --until T     T is a duration back from now (7d, 12h, 30m, 2w) or a date/time
                           (2026-11-20, 2026-11-20T08:00:00Z); [since, until)
  --time-field F       what --since/--until limit: event_date (default) or first_seen
  --cameo PREFIX       CAMEO code prefix ("19", "1231")
  --plover TYPE        PLOVER type ("REJECT", "ASSAULT")
  --country ISO3       country of the place or either actor
  --place NAME         place name
  --story ID           story id
  --min-confidence C   in [0, 1]
  --text "words"       every word must occur in the evidence sentence
output:
  --limit N            events to print (default 20; pages through the results)
  --order O            event_date desc (default) | event_date asc | first_seen desc | first_seen asc | confidence desc
  --json               JSON lines instead of a table
  --server HOST:PORT   default 127.0.0.1:50051 or $EVENTWIRE_QUERY_SERVER
  --timeout S          seconds per call (default 10; not applied to --follow)
)";
}

// "7d" -> now - 7 days; otherwise an absolute RFC 3339 time or a date (UTC).
std::optional<absl::Time> ParseWhen(const std::string& text, std::string* error) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    char unit = text.back();
    int64_t n = 0;
    if (std::string("smhdw").find(unit) != std::string::npos &&
        absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) && n >= 0) {
      absl::Duration d = unit == 's'   ? absl::Seconds(n)
                         : unit == 'm' ? absl::Minutes(n)
                         : unit == 'h' ? absl::Hours(n)
                         : unit == 'd' ? absl::Hours(24 * n)
                                       : absl::Hours(24 * 7 * n);
      return absl::Now() - d;
    }
  }
  absl::Time t;
  std::string err;
  for (const char* fmt : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    if (absl::ParseTime(fmt, text, absl::UTCTimeZone(), &t, &err)) return t;
  }
  *error = absl::StrCat("cannot read time \"", text, "\": use 7d, 12h, 2026-11-20 or 2026-11-20T08:00:00Z");
  return std::nullopt;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

// Returns false after printing why.
bool ParseFlags(const Args& args, QueryFlags* f, bool* help) {
  if (const char* env = std::getenv("EVENTWIRE_QUERY_SERVER"); env && *env) f->server = env;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "eventwire query: " << a << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    auto number = [&](int64_t* out, int64_t lo, int64_t hi) {
      const std::string* v = value();
      if (!v) return false;
      if (!absl::SimpleAtoi(*v, out) || *out < lo || *out > hi) {
        std::cerr << "eventwire query: " << a << " must be a whole number in [" << lo << ", " << hi
                  << "], got " << *v << "\n";
        return false;
      }
      return true;
    };
    const std::string* v = nullptr;
    auto text = [&](auto setter) {
      if (!(v = value())) return false;
      setter(*v);
      return true;
    };
    bool ok = true;
    v1::EventFilter& flt = f->filter;
    if (a == "--help" || a == "-h") *help = true;
    else if (a == "--json") f->json = true;
    else if (a == "--follow") f->follow = true;
    else if (a == "--server") ok = text([&](const std::string& s) { f->server = s; });
    else if (a == "--actor") ok = text([&](const std::string& s) { flt.set_actor(s); });
    else if (a == "--source") ok = text([&](const std::string& s) { flt.set_source_actor(s); });
    else if (a == "--target") ok = text([&](const std::string& s) { flt.set_target_actor(s); });
    else if (a == "--cameo") ok = text([&](const std::string& s) { flt.set_cameo_prefix(s); });
    else if (a == "--plover") ok = text([&](const std::string& s) { flt.set_plover_type(s); });
    else if (a == "--country") ok = text([&](const std::string& s) { flt.set_country_code(s); });
    else if (a == "--place") ok = text([&](const std::string& s) { flt.set_place(s); });
    else if (a == "--story") ok = text([&](const std::string& s) { flt.set_story_id(s); });
    else if (a == "--text") ok = text([&](const std::string& s) { flt.set_text(s); });
    else if (a == "--since") ok = text([&](const std::string& s) { f->since = s; });
    else if (a == "--until") ok = text([&](const std::string& s) { f->until = s; });
    else if (a == "--time-field") ok = text([&](const std::string& s) { f->time_field = s; });
    else if (a == "--order") ok = text([&](const std::string& s) { f->order = s; });
    else if (a == "--count-by") ok = text([&](const std::string& s) { f->count_by = s; });
    else if (a == "--event") ok = text([&](const std::string& s) { f->event_id = s; });
    else if (a == "--story-detail") ok = text([&](const std::string& s) { f->story_id = s; });
    else if (a == "--limit") ok = number(&f->limit, 1, 1'000'000);
    else if (a == "--timeout") ok = number(&f->timeout_s, 1, 3600);
    else if (a == "--min-confidence") {
      ok = (v = value()) != nullptr;
      double c = 0;
      if (ok && (!absl::SimpleAtod(*v, &c) || c < 0 || c > 1)) {
        std::cerr << "eventwire query: --min-confidence must be in [0, 1], got " << *v << "\n";
        ok = false;
      }
      flt.set_min_confidence(c);
    } else {
      std::cerr << "eventwire query: unknown option " << a << " (see --help)\n";
      ok = false;
    }
    if (!ok) return false;
  }
  if (f->time_field != "event_date" && f->time_field != "first_seen") {
    std::cerr << "eventwire query: --time-field must be event_date or first_seen\n";
    return false;
  }
  std::string error;
  const bool by_date = f->time_field == "event_date";
  if (!f->since.empty()) {
    auto t = ParseWhen(f->since, &error);
    if (!t) return std::cerr << "eventwire query: --since: " << error << "\n", false;
    *(by_date ? f->filter.mutable_event_date_from() : f->filter.mutable_first_seen_from()) =
        ToProto(by_date ? absl::FromUnixSeconds(absl::ToUnixSeconds(*t) / 86400 * 86400) : *t);
  }
  if (!f->until.empty()) {
    auto t = ParseWhen(f->until, &error);
    if (!t) return std::cerr << "eventwire query: --until: " << error << "\n", false;
    *(by_date ? f->filter.mutable_event_date_to() : f->filter.mutable_first_seen_to()) = ToProto(*t);
  }
  return true;
}

std::string Cut(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  size_t n = width - 1;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // keep UTF-8 whole
  return s.substr(0, n) + "~";
}

std::string ActorText(const v1::Actor& a) {
  if (!a.code().empty() && !a.name().empty()) return absl::StrCat(a.code(), " ", a.name());
  return a.code().empty() ? a.name() : a.code();
}

void PrintHeader() {
  std::cout << std::left << std::setw(11) << "DATE" << std::setw(6) << "CAMEO" << std::setw(12) << "PLOVER"
            << std::setw(24) << "SOURCE" << std::setw(24) << "TARGET" << std::setw(16) << "PLACE" << std::setw(5)
            << "CONF" << "  " << std::setw(18) << "EVENT" << "EVIDENCE\n";
}

void PrintRow(const v1::Event& e, bool json) {
  if (json) {
    std::cout << ToJsonLine(e) << "\n";
    return;
  }
  std::ostringstream conf;
  conf << std::fixed << std::setprecision(2) << e.confidence();
  std::cout << std::left << std::setw(11) << Cut(e.event_date().date(), 10) << std::setw(6)
            << Cut(e.cameo_code(), 5) << std::setw(12) << Cut(e.plover_type(), 11) << std::setw(24)
            << Cut(ActorText(e.source()), 23) << std::setw(24) << Cut(ActorText(e.target()), 23) << std::setw(16)
            << Cut(e.location().name(), 15) << std::setw(5) << conf.str() << "  " << std::setw(18)
            << Cut(e.event_id(), 17) << Cut(e.evidence().sentence(), 80) << "\n";
}

int Fail(const grpc::Status& s) {
  std::cerr << "eventwire query: " << s.error_message() << " (" << s.error_code() << ")\n";
  return s.error_code() == grpc::StatusCode::INVALID_ARGUMENT || s.error_code() == grpc::StatusCode::NOT_FOUND ? 2
                                                                                                              : 1;
}

void SetDeadline(grpc::ClientContext* ctx, const QueryFlags& f) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(f.timeout_s));
}

int List(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::ListEventsRequest req;
  *req.mutable_filter() = f.filter;
  req.set_order_by(f.order);
  int64_t printed = 0;
  while (printed < f.limit) {
    req.set_page_size(static_cast<int32_t>(std::min<int64_t>(1000, f.limit - printed)));
    v1::ListEventsResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, f);
    grpc::Status s = stub->ListEvents(&ctx, req, &resp);
    if (!s.ok()) return Fail(s);
    if (!f.json && printed == 0) PrintHeader();
    for (const v1::Event& e : resp.events()) PrintRow(e, f.json);
    printed += resp.events_size();
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (!f.json) std::cout << "(" << printed << " event" << (printed == 1 ? "" : "s") << ")\n";
  return 0;
}

int Follow(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::StreamEventsRequest req;
  *req.mutable_filter() = f.filter;
  // With --since the tail replays what arrived since then: a first_seen window.
  if (req.filter().has_event_date_from()) {
    *req.mutable_since() = req.filter().event_date_from();
    req.mutable_filter()->clear_event_date_from();
  } else if (req.filter().has_first_seen_from()) {
    *req.mutable_since() = req.filter().first_seen_from();
    req.mutable_filter()->clear_first_seen_from();
  }
  grpc::ClientContext ctx;
  auto reader = stub->StreamEvents(&ctx, req);
  if (!f.json) PrintHeader();
  v1::Event e;
  while (reader->Read(&e)) {
    PrintRow(e, f.json);
    std::cout.flush();
  }
  grpc::Status s = reader->Finish();
  return s.ok() ? 0 : Fail(s);
}

int Count(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::CountEventsRequest req;
  *req.mutable_filter() = f.filter;
  req.set_group_by(f.count_by);
  v1::CountEventsResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, f);
  grpc::Status s = stub->CountEvents(&ctx, req, &resp);
  if (!s.ok()) return Fail(s);
  uint64_t total = 0;
  if (!f.json) std::cout << std::left << std::setw(32) << f.count_by << "COUNT\n";
  for (const v1::CountBucket& b : resp.buckets()) {
    total += b.count();
    if (f.json) std::cout << ToJsonLine(b) << "\n";
    else std::cout << std::left << std::setw(32) << (b.key().empty() ? "(none)" : Cut(b.key(), 31)) << b.count() << "\n";
  }
  if (!f.json) std::cout << std::left << std::setw(32) << "(total)" << total << "\n";
  return 0;
}

int Story(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::GetStoryRequest req;
  req.set_story_id(f.story_id);
  v1::Story story;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, f);
  grpc::Status s = stub->GetStory(&ctx, req, &story);
  if (!s.ok()) return Fail(s);
  if (f.json) {
    std::cout << ToJsonLine(story) << "\n";
    return 0;
  }
  std::cout << "story     " << story.story_id() << " (version " << story.version() << ")\n"
            << "title     " << story.title() << "\n"
            << "articles  " << story.num_articles() << " from " << story.num_sources() << " sources";
  for (int i = 0; i < story.sources_size(); ++i) std::cout << (i ? ", " : ": ") << story.sources(i);
  std::cout << "\n\n" << std::left << std::setw(24) << "ARTICLE" << std::setw(20) << "SOURCE" << std::setw(12)
            << "DUPLICATE" << "TITLE / URL\n";
  for (const v1::StoryArticle& a : story.articles()) {
    std::cout << std::left << std::setw(24) << Cut(a.article_id(), 23) << std::setw(20) << Cut(a.source(), 19)
              << std::setw(12) << (a.duplicate_of().empty() ? "-" : absl::StrCat(static_cast<int>(a.similarity() * 100), "%"))
              << Cut(a.title().empty() ? a.url() : a.title(), 80) << "\n";
  }
  return 0;
}

}  // namespace

int RunQuery(const Args& args) {
  QueryFlags f;
  bool help = false;
  if (!ParseFlags(args, &f, &help)) return 2;
  if (help) {
    PrintHelp();
    return 0;
  }
  auto stub = v1::EventQuery::NewStub(grpc::CreateChannel(f.server, grpc::InsecureChannelCredentials()));
  if (!f.event_id.empty()) {
    v1::GetEventRequest req;
    req.set_event_id(f.event_id);
    v1::Event e;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, f);
    grpc::Status s = stub->GetEvent(&ctx, req, &e);
    if (!s.ok()) return Fail(s);
    std::cout << (f.json ? ToJsonLine(e) : e.DebugString()) << "\n";
    return 0;
  }
  if (!f.story_id.empty()) return Story(stub.get(), f);
  if (!f.count_by.empty()) return Count(stub.get(), f);
  if (f.follow) return Follow(stub.get(), f);
  return List(stub.get(), f);
}

}  // namespace eventwire::cli
