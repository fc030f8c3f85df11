// eventwire query: a client of the query service for people (tables) and
// scripts (--json). Filters are flags; the first word picks the method:
// list (default), follow, count, get-event, get-story.
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
#include <absl/strings/str_join.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>

#include "commands.h"
#include "eventwire/json_lines.h"
#include "eventwire/v1/query.grpc.pb.h"

namespace eventwire::cli {
namespace {

enum class Mode { kList, kFollow, kCount, kGetEvent, kGetStory };

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kList: return "list";
    case Mode::kFollow: return "follow";
    case Mode::kCount: return "count";
    case Mode::kGetEvent: return "get-event";
    case Mode::kGetStory: return "get-story";
  }
  return "?";
}

struct QueryFlags {
  std::string server = "127.0.0.1:50051";
  std::optional<Mode> mode;
  v1::EventFilter filter;
  std::string since, until;
  std::string time_field = "event_date";
  std::string order;
  int64_t limit = 20;
  bool limit_given = false;
  bool all = false;
  int64_t page_size = 100;
  std::string page_token;
  bool json = false;
  std::string count_by;
  std::string id;  // get-event / get-story
  int64_t timeout_s = 10;
};

void PrintHelp() {
  std::cout << R"(usage: eventwire query [list] [filters] [--order O] [--limit N | --all] [--json]
       eventwire query follow [filters] [--since T] [--limit N]   live tail (or --follow)
       eventwire query count --by day|root|actor-pair|country [filters]   (or --count-by)
       eventwire query get-event ID                                (or --event ID)
       eventwire query get-story ID                                (or --story-detail ID)

filters (all must match):
  --actor X            actor code prefix, known group or name, source or target ("TAL", "PAK")
  --source X, --target X   the same for one side only
  --since T, --until T     T is a duration back from now (7d, 12h, 30m, 2w) or a date/time
                           (2026-11, 2026-11-20, 2026-11-20T08:00:00Z); the range is [since, until)
  --time-field F       what --since/--until limit: event_date (default; whole days) or first_seen
  --cameo PREFIX       CAMEO code prefix ("19", "1231")
  --plover TYPE        PLOVER type ("REJECT", "ASSAULT")
  --country ISO3       country of the place or either actor ("AFG")
  --place NAME         place name, as resolved or as written
  --story ID           story id
  --min-confidence C   in [0, 1]
  --text "words"       every word must occur in the evidence sentence (stemmed)
list:
  --order O            event_date desc (default) | event_date asc | first_seen desc |
                       first_seen asc | confidence desc   ("first_seen" alone means desc)
  --limit N            events to print (default 20); pages through the results as needed
  --all                every matching event (ignores --limit)
  --page-size N        events per call (default 100; the server allows up to its --max-page-size)
  --page-token T       continue where an earlier list stopped (same filters and order; it is
                       printed when more events remain)
follow:
  prints matching events as the service stores them, until interrupted (Ctrl-C) or --limit
  events were printed; --since T first replays events that arrived since T
output and connection:
  --json               JSON lines (one Event, CountBucket or Story per line) instead of tables
  --server HOST:PORT   default 127.0.0.1:50051 or $EVENTWIRE_QUERY_SERVER
  --timeout S          seconds per call (default 10; not applied to follow)
exit status: 0 ok, 1 service unreachable or failed, 2 bad arguments (the service's
INVALID_ARGUMENT message is shown) or no such event/story
)";
}

// "7d" -> now - 7 days; otherwise an absolute RFC 3339 time or a date (UTC).
std::optional<absl::Time> ParseWhen(const std::string& text, std::string* error) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    char unit = text.back();
    int64_t n = 0;
    if (std::string("smhdw").find(unit) != std::string::npos &&
        absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) && n >= 0 && n <= 1'000'000) {
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
  for (const char* fmt : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y-%m"}) {
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

// "first_seen" -> "first_seen desc"; "event-date asc" -> "event_date asc".
std::string NormaliseOrder(std::string order) {
  std::replace(order.begin(), order.end(), '-', '_');
  if (!order.empty() && order.find(' ') == std::string::npos) order += " desc";
  return order;
}

// "root" -> "cameo_root", "actor-pair" -> "actor_pair"; others are passed on
// so that the service names the accepted values when it refuses one.
std::string NormaliseGroupBy(std::string by) {
  std::replace(by.begin(), by.end(), '-', '_');
  if (by == "root" || by == "cameo") return "cameo_root";
  if (by == "pair") return "actor_pair";
  return by;
}

bool SetMode(QueryFlags* f, Mode m) {
  if (f->mode && *f->mode != m) {
    std::cerr << "eventwire query: choose one of list, follow, count, get-event, get-story (got "
              << ModeName(*f->mode) << " and " << ModeName(m) << ")\n";
    return false;
  }
  f->mode = m;
  return true;
}

// Returns false after printing why.
bool ParseFlags(const Args& args, QueryFlags* f, bool* help) {
  if (const char* env = std::getenv("EVENTWIRE_QUERY_SERVER"); env && *env) f->server = env;
  std::vector<std::string> words;
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
    auto text = [&](std::string* out) {
      const std::string* v = value();
      if (v) *out = *v;
      return v != nullptr;
    };
    bool ok = true;
    if (a == "--help" || a == "-h") *help = true;
    else if (a == "--json") f->json = true;
    else if (a == "--all") f->all = true;
    else if (a == "--follow") ok = SetMode(f, Mode::kFollow);
    else if (a == "--server") ok = text(&f->server);
    else if (a == "--actor") ok = text(f->filter.mutable_actor());
    else if (a == "--source") ok = text(f->filter.mutable_source_actor());
    else if (a == "--target") ok = text(f->filter.mutable_target_actor());
    else if (a == "--cameo") ok = text(f->filter.mutable_cameo_prefix());
    else if (a == "--plover") ok = text(f->filter.mutable_plover_type());
    else if (a == "--country") ok = text(f->filter.mutable_country_code());
    else if (a == "--place") ok = text(f->filter.mutable_place());
    else if (a == "--story") ok = text(f->filter.mutable_story_id());
    else if (a == "--text") ok = text(f->filter.mutable_text());
    else if (a == "--since") ok = text(&f->since);
    else if (a == "--until") ok = text(&f->until);
    else if (a == "--time-field") ok = text(&f->time_field);
    else if (a == "--order") ok = text(&f->order);
    else if (a == "--page-token") ok = text(&f->page_token);
    else if (a == "--count-by" || a == "--by") ok = SetMode(f, Mode::kCount) && text(&f->count_by);
    else if (a == "--event") ok = SetMode(f, Mode::kGetEvent) && text(&f->id);
    else if (a == "--story-detail") ok = SetMode(f, Mode::kGetStory) && text(&f->id);
    else if (a == "--limit") ok = number(&f->limit, 1, 1'000'000'000) && (f->limit_given = true);
    else if (a == "--page-size") ok = number(&f->page_size, 1, 100'000);
    else if (a == "--timeout") ok = number(&f->timeout_s, 1, 3600);
    else if (a == "--min-confidence") {
      const std::string* v = value();
      double c = 0;
      ok = v != nullptr;
      if (ok && (!absl::SimpleAtod(*v, &c) || !(c >= 0 && c <= 1))) {
        std::cerr << "eventwire query: --min-confidence must be a number in [0, 1], got " << *v << "\n";
        ok = false;
      }
      f->filter.set_min_confidence(c);
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "eventwire query: unknown option " << a << " (see eventwire query --help)\n";
      ok = false;
    } else {
      words.push_back(a);
    }
    if (!ok) return false;
  }
  if (*help) return true;

  // The first word picks the method; get-event / get-story take the id as the second.
  if (!words.empty()) {
    const std::string& w = words[0];
    std::optional<Mode> m;
    if (w == "list" || w == "events") m = Mode::kList;
    else if (w == "follow" || w == "tail") m = Mode::kFollow;
    else if (w == "count") m = Mode::kCount;
    else if (w == "get-event" || w == "event") m = Mode::kGetEvent;
    else if (w == "get-story" || w == "story") m = Mode::kGetStory;
    if (!m) {
      std::cerr << "eventwire query: unknown word \"" << w
                << "\": expected list, follow, count, get-event or get-story (see --help)\n";
      return false;
    }
    if (!SetMode(f, *m)) return false;
    const bool takes_id = *m == Mode::kGetEvent || *m == Mode::kGetStory;
    if (takes_id && words.size() == 2 && f->id.empty()) {
      f->id = words[1];
    } else if (words.size() > 1) {
      std::cerr << "eventwire query: unexpected argument \"" << words[1] << "\"\n";
      return false;
    }
  }
  if (!f->mode) f->mode = Mode::kList;
  if ((*f->mode == Mode::kGetEvent || *f->mode == Mode::kGetStory) && f->id.empty()) {
    std::cerr << "eventwire query: " << ModeName(*f->mode) << " needs an id\n";
    return false;
  }
  if (*f->mode == Mode::kCount && f->count_by.empty()) {
    std::cerr << "eventwire query: count needs --by day|root|actor-pair|country\n";
    return false;
  }
  f->count_by = NormaliseGroupBy(f->count_by);
  f->order = NormaliseOrder(f->order);

  if (f->time_field != "event_date" && f->time_field != "first_seen") {
    std::cerr << "eventwire query: --time-field must be event_date or first_seen, got " << f->time_field << "\n";
    return false;
  }
  std::string error;
  const bool by_date = f->time_field == "event_date";
  // Event dates are whole days: a relative --since starts at that day's midnight
  // (UTC), which also keeps the filter, and so page tokens, stable within a day.
  auto day_start = [](absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t) / 86400 * 86400); };
  if (!f->since.empty()) {
    auto t = ParseWhen(f->since, &error);
    if (!t) return std::cerr << "eventwire query: --since: " << error << "\n", false;
    *(by_date ? f->filter.mutable_event_date_from() : f->filter.mutable_first_seen_from()) =
        ToProto(by_date ? day_start(*t) : *t);
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

std::string Fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

// The 20 CAMEO root names, so that counts by root read as words.
const char* CameoRootName(const std::string& root) {
  static const char* const kNames[] = {
      "Make public statement", "Appeal", "Express intent to cooperate", "Consult",
      "Engage in diplomatic cooperation", "Engage in material cooperation", "Provide aid", "Yield",
      "Investigate", "Demand", "Disapprove", "Reject", "Threaten", "Protest", "Exhibit force posture",
      "Reduce relations", "Coerce", "Assault", "Fight", "Use unconventional mass violence"};
  int n = 0;
  if (root.size() != 2 || !absl::SimpleAtoi(root, &n) || n < 1 || n > 20) return "";
  return kNames[n - 1];
}

void PrintHeader() {
  std::cout << std::left << std::setw(11) << "DATE" << std::setw(6) << "CAMEO" << std::setw(12) << "PLOVER"
            << std::setw(24) << "SOURCE" << std::setw(24) << "TARGET" << std::setw(16) << "PLACE" << std::setw(5)
            << "CONF" << "  " << std::setw(21) << "EVENT" << "EVIDENCE\n";
}

void PrintRow(const v1::Event& e, bool json) {
  if (json) {
    std::cout << ToJsonLine(e) << "\n";
    return;
  }
  std::cout << std::left << std::setw(11) << Cut(e.event_date().date(), 10) << std::setw(6)
            << Cut(e.cameo_code(), 5) << std::setw(12) << Cut(e.plover_type(), 11) << std::setw(24)
            << Cut(ActorText(e.source()), 23) << std::setw(24) << Cut(ActorText(e.target()), 23) << std::setw(16)
            << Cut(e.location().name().empty() ? e.location().text() : e.location().name(), 15) << std::setw(5)
            // The id is never cut: it is what get-event takes.
            << Fixed(e.confidence(), 2) << "  " << std::setw(21) << e.event_id() << " "
            << Cut(e.evidence().sentence(), 80) << "\n";
}

std::string TimeText(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

// One event as "label  value" lines, for people.
void PrintEventDetail(const v1::Event& e) {
  auto line = [](const char* label, const std::string& value) {
    if (!value.empty()) std::cout << std::left << std::setw(12) << label << value << "\n";
  };
  auto actor = [](const v1::Actor& a) {
    std::string s = ActorText(a);
    std::vector<std::string> extra;
    for (const std::string* x : {&a.country_code(), &a.role(), &a.known_group()}) {
      if (!x->empty()) extra.push_back(*x);
    }
    if (!extra.empty()) absl::StrAppend(&s, " (", absl::StrJoin(extra, ", "), ")");
    if (!a.text().empty()) absl::StrAppend(&s, "  \"", a.text(), "\"");
    return s;
  };
  line("event", absl::StrCat(e.event_id(), "  (version ", e.version(), ")"));
  line("cameo", absl::StrCat(e.cameo_code(), "  root ", e.cameo_root(), " ", CameoRootName(e.cameo_root()),
                             ", quad class ", e.quad_class(), ", goldstein ", Fixed(e.goldstein(), 1)));
  line("plover", e.plover_mode().empty() ? e.plover_type() : absl::StrCat(e.plover_type(), " / ", e.plover_mode()));
  line("modality", e.negated() ? absl::StrCat(e.modality(), " (negated)") : e.modality());
  line("source", actor(e.source()));
  line("target", actor(e.target()));
  const v1::EventDate& d = e.event_date();
  line("date", d.date().empty() ? "" : absl::StrCat(d.date(), " (", d.precision(), ", ", d.method(),
                                                   d.text().empty() ? "" : absl::StrCat(", \"", d.text(), "\""), ")"));
  const v1::Location& l = e.location();
  line("place", l.name().empty() && l.text().empty()
                    ? ""
                    : absl::StrCat(l.name().empty() ? l.text() : l.name(), " ", l.country_code(),
                                   l.has_coordinates() ? absl::StrCat(" (", Fixed(l.latitude(), 3), ", ",
                                                                      Fixed(l.longitude(), 3), ")")
                                                       : ""));
  if (e.casualties().killed() + e.casualties().wounded() + e.casualties().missing() > 0) {
    line("casualties", absl::StrCat(e.casualties().killed(), " killed, ", e.casualties().wounded(), " wounded, ",
                                    e.casualties().missing(), " missing"));
  }
  line("confidence", Fixed(e.confidence(), 2));
  line("story", e.story_id());
  // A merged event: the other stories that reported it (docs/dedup.md).
  if (e.related_story_ids_size() > 0) line("also in", absl::StrJoin(e.related_story_ids(), ", "));
  line("article", e.article_id());
  line("sources", absl::StrCat(absl::StrJoin(e.sources(), ", "), e.num_articles() ? absl::StrCat(
                                                                     "  (", e.num_articles(), " articles)")
                                                                 : ""));
  line("first seen", TimeText(e.first_seen()));
  line("evidence", e.evidence().sentence());
  line("trigger", e.evidence().trigger());
  line("url", e.evidence().url());
}

int Fail(const grpc::Status& s, const QueryFlags& f) {
  std::cerr << "eventwire query: " << s.error_message() << " ("
            << absl::StrCat(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT    ? "INVALID_ARGUMENT"
                            : s.error_code() == grpc::StatusCode::NOT_FOUND         ? "NOT_FOUND"
                            : s.error_code() == grpc::StatusCode::UNAVAILABLE       ? "UNAVAILABLE"
                            : s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? "DEADLINE_EXCEEDED"
                            : s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
                                ? "RESOURCE_EXHAUSTED"
                                : absl::StrCat("code ", static_cast<int>(s.error_code())))
            << ")\n";
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::cerr << "eventwire query: is eventwire-query running at " << f.server
              << "? (--server HOST:PORT or $EVENTWIRE_QUERY_SERVER)\n";
  }
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
  req.set_page_token(f.page_token);
  int64_t printed = 0;
  std::string next;
  while (f.all || printed < f.limit) {
    const int64_t want = f.all ? f.page_size : std::min(f.page_size, f.limit - printed);
    req.set_page_size(static_cast<int32_t>(want));
    v1::ListEventsResponse resp;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, f);
    grpc::Status s = stub->ListEvents(&ctx, req, &resp);
    if (!s.ok()) return Fail(s, f);
    if (!f.json && printed == 0) PrintHeader();
    for (const v1::Event& e : resp.events()) PrintRow(e, f.json);
    printed += resp.events_size();
    next = resp.next_page_token();
    if (next.empty()) break;
    req.set_page_token(next);
  }
  // The last page asked for exactly what was left, so its token continues right after the last row.
  if (!f.json) std::cout << "(" << printed << " event" << (printed == 1 ? "" : "s") << ")\n";
  if (!next.empty()) {
    (f.json ? std::cerr : std::cout) << "more: add --page-token " << next
                                     << (f.time_field == "first_seen" && (!f.since.empty() || !f.until.empty())
                                             ? " (with the same --since/--until as absolute times)"
                                             : "")
                                     << "\n";
  }
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
  if (!f.json) {
    PrintHeader();
    std::cout.flush();
  }
  v1::Event e;
  int64_t printed = 0;
  while ((!f.limit_given || printed < f.limit) && reader->Read(&e)) {
    PrintRow(e, f.json);
    std::cout.flush();
    ++printed;
  }
  if (f.limit_given && printed >= f.limit) {
    ctx.TryCancel();
    while (reader->Read(&e)) {
    }
    reader->Finish();
    return 0;
  }
  grpc::Status s = reader->Finish();
  return s.ok() ? 0 : Fail(s, f);
}

int Count(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::CountEventsRequest req;
  *req.mutable_filter() = f.filter;
  req.set_group_by(f.count_by);
  v1::CountEventsResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, f);
  grpc::Status s = stub->CountEvents(&ctx, req, &resp);
  if (!s.ok()) return Fail(s, f);
  if (f.json) {
    for (const v1::CountBucket& b : resp.buckets()) std::cout << ToJsonLine(b) << "\n";
    return 0;
  }
  uint64_t total = 0, most = 0;
  for (const v1::CountBucket& b : resp.buckets()) {
    total += b.count();
    most = std::max(most, b.count());
  }
  const bool roots = f.count_by == "cameo_root";
  const int width = roots ? 40 : 32;
  std::cout << std::left << std::setw(width) << f.count_by << std::setw(10) << "COUNT" << "\n";
  for (const v1::CountBucket& b : resp.buckets()) {
    std::string key = b.key().empty() ? "(none)" : b.key();
    if (roots && *CameoRootName(b.key())) key = absl::StrCat(b.key(), " ", CameoRootName(b.key()));
    // A bar of up to 30 characters, proportional to the largest bucket.
    std::string bar(static_cast<size_t>(most ? (b.count() * 30 + most - 1) / most : 0), '#');
    std::cout << std::left << std::setw(width) << Cut(key, static_cast<size_t>(width - 1)) << std::setw(10)
              << b.count() << bar << "\n";
  }
  std::cout << std::left << std::setw(width) << "(total)" << total << "\n";
  return 0;
}

int GetEvent(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::GetEventRequest req;
  req.set_event_id(f.id);
  v1::Event e;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, f);
  grpc::Status s = stub->GetEvent(&ctx, req, &e);
  if (!s.ok()) return Fail(s, f);
  if (f.json) {
    std::cout << ToJsonLine(e) << "\n";
  } else {
    PrintEventDetail(e);
  }
  return 0;
}

int GetStory(v1::EventQuery::Stub* stub, const QueryFlags& f) {
  v1::GetStoryRequest req;
  req.set_story_id(f.id);
  v1::Story story;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, f);
  grpc::Status s = stub->GetStory(&ctx, req, &story);
  if (!s.ok()) return Fail(s, f);
  if (f.json) {
    std::cout << ToJsonLine(story) << "\n";
    return 0;
  }
  std::cout << "story       " << story.story_id() << "  (version " << story.version() << ")\n"
            << "title       " << story.title() << "\n"
            << "first seen  " << TimeText(story.first_seen()) << "\n"
            << "last seen   " << TimeText(story.last_seen()) << "\n"
            << "articles    " << story.num_articles() << " from " << story.num_sources() << " sources";
  for (int i = 0; i < story.sources_size(); ++i) std::cout << (i ? ", " : ": ") << story.sources(i);
  std::cout << "\n\n" << std::left << std::setw(24) << "ARTICLE" << std::setw(20) << "SOURCE" << std::setw(12)
            << "DUPLICATE" << "TITLE / URL\n";
  for (const v1::StoryArticle& a : story.articles()) {
    std::cout << std::left << std::setw(24) << Cut(a.article_id(), 23) << std::setw(20) << Cut(a.source(), 19)
              << std::setw(12)
              << (a.duplicate_of().empty() ? "-" : absl::StrCat(static_cast<int>(a.similarity() * 100), "%"))
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
  switch (*f.mode) {
    case Mode::kList: return List(stub.get(), f);
    case Mode::kFollow: return Follow(stub.get(), f);
    case Mode::kCount: return Count(stub.get(), f);
    case Mode::kGetEvent: return GetEvent(stub.get(), f);
    case Mode::kGetStory: return GetStory(stub.get(), f);
  }
  return 2;
}

}  // namespace eventwire::cli
