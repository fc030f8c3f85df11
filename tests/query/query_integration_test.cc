// services/query end to end: events and stories produced to a mock Kafka
// cluster, materialised by the real eventwire-query binary, read back through
// gRPC (C++ stub here, python client in query_client.py).
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/time/time.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include "eventwire/v1/query.grpc.pb.h"

namespace eventwire {
namespace {

namespace fs = std::filesystem;
using v1::Event;
using v1::EventFilter;

constexpr int64_t kBaseSeconds = 1'795'000'000;  // 2026-11-18T...; first_seen of ev-00

// ---------------------------------------------------------------- fixtures --

// librdkafka's mock cluster in this process, with a plain producer.
class Kafka {
 public:
  Kafka() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    mock_rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cluster_ = rd_kafka_mock_cluster_new(mock_rk_, 1);
    for (const char* t : {"events.v1", "stories.v1"}) rd_kafka_mock_topic_create(cluster_, t, 3, 1);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "1", err, sizeof err);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  }
  ~Kafka() {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(mock_rk_);
  }
  const std::string& bootstrap() const { return bootstrap_; }

  void Produce(const std::string& topic, const std::string& key, const std::string* value) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(value ? const_cast<char*>(value->data()) : nullptr, value ? value->size() : 0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  void ProduceEvent(const Event& e) {
    std::string bytes = e.SerializeAsString();
    Produce("events.v1", e.event_id(), &bytes);
  }
  void ProduceStory(const v1::Story& s) {
    std::string bytes = s.SerializeAsString();
    Produce("stories.v1", s.story_id(), &bytes);
  }
  void Flush() { ASSERT_EQ(rd_kafka_flush(producer_, 10000), RD_KAFKA_RESP_ERR_NO_ERROR); }

 private:
  rd_kafka_t* mock_rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  std::string bootstrap_;
};

// The eventwire-query binary as a child process.
class QueryProcess {
 public:
  QueryProcess(const fs::path& dir, const std::string& brokers, std::vector<std::string> extra = {}) {
    fs::remove(dir / "port");
    std::vector<std::string> args = {QUERY_BINARY,
                                     "--brokers=" + brokers,
                                     "--db-path=" + (dir / "query.db").string(),
                                     "--grpc-host=127.0.0.1",
                                     "--grpc-port=0",
                                     "--port-file=" + (dir / "port").string(),
                                     "--metrics-port=0",
                                     "--health-port=0",
                                     "--group-id=query-test"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log = (dir / "query.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      // The service dies with the test, even when the test is killed.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) dup2(fd, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    EXPECT_GT(pid_, 0);
    for (int i = 0; i < 200 && port_ == 0; ++i) {  // up to 20 s
      std::ifstream in(dir / "port");
      if (!(in >> port_)) port_ = 0;
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(port_, 0) << "eventwire-query did not write its port; see " << log;
  }
  ~QueryProcess() { Stop(); }

  // SIGTERM, then SIGKILL if it has not exited within 15 s. Returns the exit status.
  int Stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 150; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_status_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = 0;
    exit_status_ = 137;
    return exit_status_;
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  std::unique_ptr<v1::EventQuery::Stub> Stub() const {
    return v1::EventQuery::NewStub(grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
  int exit_status_ = -1;
};

// ------------------------------------------------------------ the data set --

struct ActorSpec {
  const char* code;
  const char* name;
  const char* group;
  const char* country;
};
constexpr ActorSpec kActors[] = {{"AFGINS", "Taliban", "TAL", "AFG"},
                                 {"PAKMIL", "Pakistan Army", "", "PAK"},
                                 {"USAGOV", "United States", "", "USA"},
                                 {"AFGGOV", "Afghanistan", "", "AFG"},
                                 {"IRNGOV", "Iran", "", "IRN"}};
struct PlaceSpec {
  const char* name;
  const char* country;
};
constexpr PlaceSpec kPlaces[] = {{"Kabul", "AFG"}, {"Islamabad", "PAK"}, {"Kandahar", "AFG"}, {"", ""}};
const char* const kCameo[] = {"190", "1231", "0311", "112", "1823", "040", "193"};
const char* const kPlover[] = {"ASSAULT", "REJECT", "COOPERATE", "ACCUSE", "ASSAULT", "CONSULT", "ASSAULT"};
const char* const kVerbs[] = {"fought", "rejected talks with", "pledged aid to", "accused", "attacked",
                              "met", "clashed with"};

Event MakeEvent(int i, uint64_t version = 1) {
  Event e;
  e.set_event_id(absl::StrCat("ev-", i < 10 ? "0" : "", i));
  e.set_version(version);
  int c = i % 7;
  e.set_cameo_code(kCameo[c]);
  e.set_cameo_base(std::string(kCameo[c]).substr(0, 3));
  e.set_cameo_root(std::string(kCameo[c]).substr(0, 2));
  e.set_plover_type(kPlover[c]);
  const ActorSpec& s = kActors[i % 5];
  const ActorSpec& t = kActors[(i / 5 + 1 + i % 5) % 5];
  for (auto [actor, spec] : {std::pair{e.mutable_source(), &s}, std::pair{e.mutable_target(), &t}}) {
    actor->set_code(spec->code);
    actor->set_name(spec->name);
    actor->set_known_group(spec->group);
    actor->set_country_code(spec->country);
  }
  const PlaceSpec& p = kPlaces[i % 4];
  e.mutable_location()->set_name(p.name);
  e.mutable_location()->set_text(p.name);
  e.mutable_location()->set_country_code(p.country);
  int day = 1 + (i * 3) % 20;
  e.mutable_event_date()->set_date(absl::StrCat("2026-11-", day < 10 ? "0" : "", day));
  e.mutable_event_date()->set_precision("day");
  e.mutable_first_seen()->set_seconds(kBaseSeconds + i * 3600);
  e.set_confidence(0.05 + (i % 10) / 10.0);
  e.set_story_id(absl::StrCat("story-", i % 6));
  std::string sentence = absl::StrCat(s.name, " ", kVerbs[c], " ", t.name, p.name[0] ? " near " : "",
                                      p.name, i % 4 == 0 ? " using drones" : "", ".");
  e.mutable_evidence()->set_sentence(sentence);
  e.mutable_evidence()->set_article_id(absl::StrCat("art-", i));
  return e;
}

constexpr int kEvents = 42;

int64_t DateSeconds(const std::string& ymd) {
  // Only November 2026 occurs in the data set.
  int day = std::stoi(ymd.substr(8, 2));
  return 1'793'491'200 + (day - 1) * 86400;  // 2026-11-01T00:00:00Z
}

bool ActorMatches(const v1::Actor& a, const std::string& q) {
  std::string upper = q;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return a.code().rfind(upper, 0) == 0 || (!a.known_group().empty() && a.known_group() == upper) ||
         absl::AsciiStrToLower(a.name()) == absl::AsciiStrToLower(q);
}

// The filter semantics, written independently of the store's SQL.
bool Matches(const Event& e, const EventFilter& f) {
  auto set = [](const google::protobuf::Timestamp& t) { return t.seconds() != 0; };
  int64_t date = DateSeconds(e.event_date().date());
  if (set(f.event_date_from()) && date < f.event_date_from().seconds()) return false;
  if (set(f.event_date_to()) && date >= f.event_date_to().seconds()) return false;
  if (set(f.first_seen_from()) && e.first_seen().seconds() < f.first_seen_from().seconds()) return false;
  if (set(f.first_seen_to()) && e.first_seen().seconds() >= f.first_seen_to().seconds()) return false;
  if (!f.actor().empty() && !ActorMatches(e.source(), f.actor()) && !ActorMatches(e.target(), f.actor())) return false;
  if (!f.source_actor().empty() && !ActorMatches(e.source(), f.source_actor())) return false;
  if (!f.target_actor().empty() && !ActorMatches(e.target(), f.target_actor())) return false;
  if (!f.cameo_prefix().empty() && e.cameo_code().rfind(f.cameo_prefix(), 0) != 0) return false;
  if (!f.plover_type().empty() && e.plover_type() != f.plover_type()) return false;
  if (!f.country_code().empty() && e.location().country_code() != f.country_code() &&
      e.source().country_code() != f.country_code() && e.target().country_code() != f.country_code()) {
    return false;
  }
  if (!f.place().empty() && absl::AsciiStrToLower(e.location().name()) != absl::AsciiStrToLower(f.place())) return false;
  if (!f.story_id().empty() && e.story_id() != f.story_id()) return false;
  if (e.confidence() < f.min_confidence()) return false;
  if (!f.text().empty() && e.evidence().sentence().find(f.text()) == std::string::npos) return false;
  return true;
}

std::vector<EventFilter> EveryFilter() {
  std::vector<EventFilter> filters;
  auto add = [&](std::function<void(EventFilter*)> set) { set(&filters.emplace_back()); };
  add([](EventFilter*) {});
  add([](EventFilter* f) { f->set_actor("TAL"); });
  add([](EventFilter* f) { f->set_actor("taliban"); });
  add([](EventFilter* f) { f->set_actor("AFG"); });
  add([](EventFilter* f) { f->set_source_actor("PAKMIL"); });
  add([](EventFilter* f) { f->set_target_actor("USAGOV"); });
  add([](EventFilter* f) { f->set_cameo_prefix("19"); });
  add([](EventFilter* f) { f->set_cameo_prefix("123"); });
  add([](EventFilter* f) { f->set_plover_type("ASSAULT"); });
  add([](EventFilter* f) { f->set_country_code("PAK"); });
  add([](EventFilter* f) { f->set_place("kabul"); });
  add([](EventFilter* f) { f->set_story_id("story-2"); });
  add([](EventFilter* f) { f->set_min_confidence(0.7); });
  add([](EventFilter* f) { f->set_text("drones"); });
  add([](EventFilter* f) {
    f->mutable_event_date_from()->set_seconds(DateSeconds("2026-11-05"));
    f->mutable_event_date_to()->set_seconds(DateSeconds("2026-11-12"));
  });
  add([](EventFilter* f) {
    f->mutable_first_seen_from()->set_seconds(kBaseSeconds + 10 * 3600);
    f->mutable_first_seen_to()->set_seconds(kBaseSeconds + 20 * 3600);
  });
  add([](EventFilter* f) {  // several at once: AND
    f->set_actor("TAL");
    f->set_cameo_prefix("19");
    f->set_min_confidence(0.3);
  });
  return filters;
}

// --------------------------------------------------------------- the tests --

class QueryServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / absl::StrCat("query_it_", getpid()));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    kafka_ = new Kafka();
    for (int i = 0; i < kEvents; ++i) kafka_->ProduceEvent(MakeEvent(i));
    for (int s = 0; s < 6; ++s) {
      v1::Story story;
      story.set_story_id(absl::StrCat("story-", s));
      story.set_version(1);
      story.set_title(absl::StrCat("Story ", s));
      story.set_num_articles(2);
      story.set_num_sources(2);
      story.add_sources("outlet-a");
      story.add_sources("outlet-b");
      story.add_articles()->set_article_id(absl::StrCat("art-", s));
      story.add_articles()->set_article_id(absl::StrCat("art-", s + 6));
      story.mutable_last_seen()->set_seconds(kBaseSeconds);
      kafka_->ProduceStory(story);
    }
    kafka_->Flush();
    query_ = new QueryProcess(*dir_, kafka_->bootstrap(), {"--max-streams=3"});
    ASSERT_TRUE(WaitForEvents(*query_, kEvents));
    // Stories come from their own topic and may land after the events.
    for (int s = 0; s < 6; ++s) ASSERT_TRUE(WaitForStory(*query_, absl::StrCat("story-", s)));
  }
  static void TearDownTestSuite() {
    delete query_;
    delete kafka_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  // Polls until GetStory finds the story (at most 20 s).
  static bool WaitForStory(const QueryProcess& q, const std::string& story_id) {
    auto stub = q.Stub();
    for (int i = 0; i < 200; ++i) {
      v1::GetStoryRequest req;
      req.set_story_id(story_id);
      v1::Story story;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      if (stub->GetStory(&ctx, req, &story).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Polls until the store holds `n` events (at most 20 s).
  static bool WaitForEvents(const QueryProcess& q, int n) {
    auto stub = q.Stub();
    for (int i = 0; i < 200; ++i) {
      v1::ListEventsRequest req;
      req.set_page_size(1000);
      v1::ListEventsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      if (stub->ListEvents(&ctx, req, &resp).ok() && resp.events_size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static grpc::Status List(v1::EventQuery::Stub* stub, const v1::ListEventsRequest& req,
                           v1::ListEventsResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return stub->ListEvents(&ctx, req, resp);
  }

  // Every event the filter selects, page by page (at most 100 pages).
  static std::vector<Event> ListAll(v1::EventQuery::Stub* stub, const EventFilter& f,
                                    const std::string& order, int page_size, int* pages) {
    std::vector<Event> out;
    v1::ListEventsRequest req;
    *req.mutable_filter() = f;
    req.set_order_by(order);
    req.set_page_size(page_size);
    for (*pages = 0; *pages < 100;) {
      v1::ListEventsResponse resp;
      grpc::Status s = List(stub, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      ++*pages;
      out.insert(out.end(), resp.events().begin(), resp.events().end());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return out;
  }

  static fs::path* dir_;
  static Kafka* kafka_;
  static QueryProcess* query_;
};

fs::path* QueryServiceTest::dir_ = nullptr;
Kafka* QueryServiceTest::kafka_ = nullptr;
QueryProcess* QueryServiceTest::query_ = nullptr;

std::set<std::string> IdsOf(const std::vector<Event>& events) {
  std::set<std::string> ids;
  for (const Event& e : events) ids.insert(e.event_id());
  return ids;
}

TEST_F(QueryServiceTest, EveryFilterSelectsWhatItSays) {
  auto stub = query_->Stub();
  for (const EventFilter& f : EveryFilter()) {
    std::set<std::string> want;
    for (int i = 0; i < kEvents; ++i) {
      if (Matches(MakeEvent(i), f)) want.insert(MakeEvent(i).event_id());
    }
    int pages = 0;
    std::vector<Event> got = ListAll(stub.get(), f, "", 1000, &pages);
    EXPECT_EQ(IdsOf(got), want) << "filter: " << f.ShortDebugString();
    EXPECT_EQ(got.size(), want.size()) << "duplicates for " << f.ShortDebugString();
    if (f.ByteSizeLong() > 0) {
      EXPECT_LT(want.size(), static_cast<size_t>(kEvents)) << "filter selects all: " << f.ShortDebugString();
    }
  }
}

TEST_F(QueryServiceTest, PagesToTheEndInEveryOrder) {
  auto stub = query_->Stub();
  struct OrderCase {
    const char* order;
    std::function<bool(const Event&, const Event&)> before_or_equal;
  };
  const OrderCase cases[] = {
      {"event_date desc", [](const Event& a, const Event& b) { return a.event_date().date() >= b.event_date().date(); }},
      {"event_date asc", [](const Event& a, const Event& b) { return a.event_date().date() <= b.event_date().date(); }},
      {"first_seen desc", [](const Event& a, const Event& b) { return a.first_seen().seconds() >= b.first_seen().seconds(); }},
      {"first_seen asc", [](const Event& a, const Event& b) { return a.first_seen().seconds() <= b.first_seen().seconds(); }},
      {"confidence desc", [](const Event& a, const Event& b) { return a.confidence() >= b.confidence(); }},
  };
  for (const OrderCase& c : cases) {
    int pages = 0;
    std::vector<Event> got = ListAll(stub.get(), EventFilter(), c.order, 5, &pages);
    EXPECT_EQ(got.size(), static_cast<size_t>(kEvents)) << c.order;
    EXPECT_EQ(IdsOf(got).size(), static_cast<size_t>(kEvents)) << c.order;
    EXPECT_EQ(pages, (kEvents + 4) / 5) << c.order;
    for (size_t i = 1; i < got.size(); ++i) {
      EXPECT_TRUE(c.before_or_equal(got[i - 1], got[i])) << c.order << " at " << i;
    }
  }
  // Paging with a filter.
  EventFilter f;
  f.set_cameo_prefix("19");
  int pages = 0;
  std::vector<Event> got = ListAll(stub.get(), f, "", 2, &pages);
  std::set<std::string> want;
  for (int i = 0; i < kEvents; ++i) {
    if (Matches(MakeEvent(i), f)) want.insert(MakeEvent(i).event_id());
  }
  EXPECT_EQ(IdsOf(got), want);
  EXPECT_EQ(pages, static_cast<int>((want.size() + 1) / 2));
}

TEST_F(QueryServiceTest, GetEventAndStory) {
  auto stub = query_->Stub();
  {
    grpc::ClientContext ctx;
    v1::GetEventRequest req;
    req.set_event_id("ev-07");
    Event e;
    ASSERT_TRUE(stub->GetEvent(&ctx, req, &e).ok());
    EXPECT_EQ(e.evidence().sentence(), MakeEvent(7).evidence().sentence());
    EXPECT_EQ(e.cameo_code(), MakeEvent(7).cameo_code());
  }
  {
    grpc::ClientContext ctx;
    v1::GetEventRequest req;
    req.set_event_id("no-such-event");
    Event e;
    EXPECT_EQ(stub->GetEvent(&ctx, req, &e).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext ctx;
    v1::GetStoryRequest req;
    req.set_story_id("story-3");
    v1::Story s;
    ASSERT_TRUE(stub->GetStory(&ctx, req, &s).ok());
    EXPECT_EQ(s.title(), "Story 3");
    ASSERT_EQ(s.articles_size(), 2);
    EXPECT_EQ(s.articles(1).article_id(), "art-9");
    EXPECT_THAT(s.sources(), ::testing::ElementsAre("outlet-a", "outlet-b"));
  }
  {
    grpc::ClientContext ctx;
    v1::GetStoryRequest req;
    req.set_story_id("story-99");
    v1::Story s;
    EXPECT_EQ(stub->GetStory(&ctx, req, &s).error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(QueryServiceTest, CountsByEveryGrouping) {
  auto stub = query_->Stub();
  std::map<std::string, std::map<std::string, uint64_t>> want;
  for (int i = 0; i < kEvents; ++i) {
    Event e = MakeEvent(i);
    want["day"][e.event_date().date()]++;
    want["cameo_root"][e.cameo_root()]++;
    want["actor_pair"][e.source().code() + "->" + e.target().code()]++;
    want["country"][e.location().country_code().empty() ? e.source().country_code()
                                                        : e.location().country_code()]++;
  }
  for (const auto& [group, buckets] : want) {
    grpc::ClientContext ctx;
    v1::CountEventsRequest req;
    req.set_group_by(group);
    v1::CountEventsResponse resp;
    ASSERT_TRUE(stub->CountEvents(&ctx, req, &resp).ok()) << group;
    std::map<std::string, uint64_t> got;
    for (const auto& b : resp.buckets()) got[b.key()] = b.count();
    EXPECT_EQ(got, buckets) << group;
  }
  // With a filter.
  grpc::ClientContext ctx;
  v1::CountEventsRequest req;
  req.set_group_by("cameo_root");
  req.mutable_filter()->set_actor("TAL");
  v1::CountEventsResponse resp;
  ASSERT_TRUE(stub->CountEvents(&ctx, req, &resp).ok());
  uint64_t total = 0;
  for (const auto& b : resp.buckets()) total += b.count();
  EventFilter f;
  f.set_actor("TAL");
  uint64_t expected = 0;
  for (int i = 0; i < kEvents; ++i) expected += Matches(MakeEvent(i), f);
  EXPECT_EQ(total, expected);
}

TEST_F(QueryServiceTest, BadArgumentsAreExplained) {
  auto stub = query_->Stub();
  auto list_error = [&](std::function<void(v1::ListEventsRequest*)> set) {
    v1::ListEventsRequest req;
    set(&req);
    v1::ListEventsResponse resp;
    grpc::Status s = List(stub.get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << req.ShortDebugString();
    return s.error_message();
  };
  EXPECT_THAT(list_error([](auto* r) { r->mutable_filter()->set_cameo_prefix("1x"); }), ::testing::HasSubstr("cameo_prefix"));
  EXPECT_THAT(list_error([](auto* r) { r->mutable_filter()->set_min_confidence(2); }), ::testing::HasSubstr("min_confidence"));
  EXPECT_THAT(list_error([](auto* r) { r->mutable_filter()->set_country_code("Afghanistan"); }), ::testing::HasSubstr("country_code"));
  EXPECT_THAT(list_error([](auto* r) {
                r->mutable_filter()->mutable_event_date_from()->set_seconds(2000);
                r->mutable_filter()->mutable_event_date_to()->set_seconds(1000);
              }),
              ::testing::HasSubstr("event_date_from"));
  EXPECT_THAT(list_error([](auto* r) { r->set_page_size(5000); }), ::testing::HasSubstr("page_size"));
  EXPECT_THAT(list_error([](auto* r) { r->set_page_size(-1); }), ::testing::HasSubstr("page_size"));
  EXPECT_THAT(list_error([](auto* r) { r->set_order_by("goldstein"); }), ::testing::HasSubstr("order_by"));
  EXPECT_THAT(list_error([](auto* r) { r->set_page_token("not-a-token"); }), ::testing::HasSubstr("page_token"));
  // A token is bound to its filter.
  v1::ListEventsRequest first;
  first.set_page_size(2);
  first.mutable_filter()->set_actor("TAL");
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(stub.get(), first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  EXPECT_THAT(list_error([&](auto* r) {
                r->set_page_token(page.next_page_token());
                r->mutable_filter()->set_actor("USAGOV");
              }),
              ::testing::HasSubstr("different filter"));

  grpc::ClientContext c1;
  v1::CountEventsRequest count;
  count.set_group_by("week");
  v1::CountEventsResponse counts;
  EXPECT_EQ(stub->CountEvents(&c1, count, &counts).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c2;
  Event e;
  EXPECT_EQ(stub->GetEvent(&c2, v1::GetEventRequest(), &e).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext c3;
  v1::StreamEventsRequest bad_stream;
  bad_stream.mutable_filter()->set_cameo_prefix("abc");
  auto reader = stub->StreamEvents(&c3, bad_stream);
  Event ignored;
  EXPECT_FALSE(reader->Read(&ignored));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(QueryServiceTest, HealthServiceServes) {
  auto channel = grpc::CreateChannel(query_->address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  // grpc.health.v1.HealthCheckRequest{service=""} is the empty message.
  grpc::ByteBuffer request;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = generic.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // HealthCheckResponse{status = SERVING (1)}: field 1, varint 1.
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(QueryServiceTest, StreamReceivesEventsProducedAfterItOpened) {
  auto stub = query_->Stub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamEventsRequest req;
  req.mutable_filter()->set_cameo_prefix("19");
  auto reader = stub->StreamEvents(&ctx, req);
  // The server sends initial metadata once the tail's starting point is fixed.
  reader->WaitForInitialMetadata();
  Event nonmatching = MakeEvent(100);
  nonmatching.set_event_id("live-other");
  nonmatching.set_cameo_code("040");
  Event matching = MakeEvent(101);
  matching.set_event_id("live-19");
  matching.set_cameo_code("193");
  kafka_->ProduceEvent(nonmatching);
  kafka_->ProduceEvent(matching);
  kafka_->Flush();
  Event got;
  ASSERT_TRUE(reader->Read(&got));
  EXPECT_EQ(got.event_id(), "live-19");
  // A later version of the same event is streamed again.
  matching.set_version(2);
  matching.mutable_evidence()->set_sentence("updated sentence");
  kafka_->ProduceEvent(matching);
  kafka_->Flush();
  ASSERT_TRUE(reader->Read(&got));
  EXPECT_EQ(got.event_id(), "live-19");
  EXPECT_EQ(got.evidence().sentence(), "updated sentence");
  ctx.TryCancel();
  while (reader->Read(&got)) {
  }
  reader->Finish();

  // `since` replays what was first seen after it, then follows.
  grpc::ClientContext replay_ctx;
  replay_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::StreamEventsRequest replay;
  replay.mutable_since()->set_seconds(kBaseSeconds + 40 * 3600);
  auto replay_reader = stub->StreamEvents(&replay_ctx, replay);
  std::set<std::string> replayed;
  for (int i = 0; i < 2 && replay_reader->Read(&got); ++i) replayed.insert(got.event_id());
  EXPECT_EQ(replayed, (std::set<std::string>{"ev-40", "ev-41"}));
  replay_ctx.TryCancel();
  while (replay_reader->Read(&got)) {
  }
  replay_reader->Finish();

  // Cleanup for the other tests: withdraw the live events (tombstones).
  kafka_->Produce("events.v1", "live-other", nullptr);
  kafka_->Produce("events.v1", "live-19", nullptr);
  kafka_->Flush();
  for (int i = 0; i < 100; ++i) {
    int pages = 0;
    if (ListAll(stub.get(), EventFilter(), "", 1000, &pages).size() == kEvents) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST_F(QueryServiceTest, ConcurrentStreamsAreBounded) {
  auto stub = query_->Stub();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<Event>>> readers;
  for (int i = 0; i < 3; ++i) {  // --max-streams=3
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    readers.push_back(stub->StreamEvents(contexts.back().get(), v1::StreamEventsRequest()));
    readers.back()->WaitForInitialMetadata();
  }
  grpc::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {  // the server counts a stream once its handler runs
    grpc::ClientContext extra;
    extra.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auto reader = stub->StreamEvents(&extra, v1::StreamEventsRequest());
    Event e;
    while (reader->Read(&e)) {
    }
    status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("too many live streams"));
  for (size_t i = 0; i < readers.size(); ++i) {
    contexts[i]->TryCancel();
    Event e;
    while (readers[i]->Read(&e)) {
    }
    readers[i]->Finish();
  }
}

TEST_F(QueryServiceTest, IndependentPythonClient) {
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0 ||
      std::system("/usr/bin/python3 -c 'import grpc, grpc_tools.protoc' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "needs /usr/bin/python3 with python3-grpcio and python3-grpc-tools";
  }
  std::string cmd = absl::StrCat(python, " ", EVENTWIRE_SOURCE_DIR, "/tests/query/query_client.py --server ",
                                 query_->address(), " --proto-dir ", EVENTWIRE_SOURCE_DIR, "/proto --events ",
                                 kEvents, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("python client: all checks passed"));
}

// Runs a shell command; returns its stdout and sets *rc to its exit status.
std::string RunCommand(const std::string& cmd, int* rc) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  *rc = -1;
  if (!p) return out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The event ids of JSON lines, in order.
std::vector<std::string> EventIdsOf(const std::string& json_lines) {
  std::vector<std::string> ids;
  const std::string key = "\"event_id\":\"";
  for (size_t at = json_lines.find(key); at != std::string::npos; at = json_lines.find(key, at)) {
    at += key.size();
    ids.push_back(json_lines.substr(at, json_lines.find('"', at) - at));
  }
  return ids;
}

std::vector<std::string> ExpectedIds(const EventFilter& f) {
  std::vector<std::string> ids;
  for (int i = 0; i < kEvents; ++i) {
    if (Matches(MakeEvent(i), f)) ids.push_back(MakeEvent(i).event_id());
  }
  return ids;
}

TEST_F(QueryServiceTest, CommandLineClient) {
  // `timeout` bounds every run, even a --follow that never receives anything.
  const std::string cli = absl::StrCat("timeout 30 ", EVENTWIRE_CLI, " query --server ", query_->address());
  int rc = -1;
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };

  // Filters as flags select what the filter says (JSON lines, paged with small pages).
  EventFilter f;
  f.set_actor("TAL");
  f.set_cameo_prefix("19");
  std::string json = RunCommand(cli + " --actor TAL --cameo 19 --json --limit 1000 --page-size 2", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(sorted(EventIdsOf(json)), ExpectedIds(f)) << json;
  EventFilter g;
  g.set_country_code("PAK");
  g.set_place("Islamabad");
  g.set_min_confidence(0.3);
  g.set_plover_type("ASSAULT");
  json = RunCommand(cli + " list --country PAK --place islamabad --min-confidence 0.3 --plover assault --json", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(sorted(EventIdsOf(json)), ExpectedIds(g)) << json;
  EventFilter h;
  h.set_source_actor("PAKMIL");
  h.set_story_id("story-1");
  h.set_text("drones");
  json = RunCommand(cli + " --source PAKMIL --story story-1 --text drones --json", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(sorted(EventIdsOf(json)), ExpectedIds(h)) << json;
  // Absolute dates: [since, until) on the event date; on first_seen with --time-field.
  EventFilter d;
  d.mutable_event_date_from()->set_seconds(DateSeconds("2026-11-05"));
  d.mutable_event_date_to()->set_seconds(DateSeconds("2026-11-12"));
  json = RunCommand(cli + " --since 2026-11-05 --until 2026-11-12 --all --json", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(sorted(EventIdsOf(json)), ExpectedIds(d)) << json;
  EventFilter fs_filter;
  fs_filter.mutable_first_seen_from()->set_seconds(kBaseSeconds + 10 * 3600);
  json = RunCommand(cli + " --time-field first_seen --since " +
                        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(kBaseSeconds + 10 * 3600),
                                         absl::UTCTimeZone()) +
                        " --target AFG --all --json",
                    &rc);
  fs_filter.set_target_actor("AFG");
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(sorted(EventIdsOf(json)), ExpectedIds(fs_filter)) << json;
  // A relative --since far back keeps everything; one in the future keeps nothing.
  json = RunCommand(cli + " --since 3650d --all --json", &rc);
  EXPECT_EQ(EventIdsOf(json).size(), static_cast<size_t>(kEvents));

  // --all pages to the end in the order asked for; --limit + --page-token continues exactly.
  std::string all = RunCommand(cli + " --all --json --order first_seen --page-size 5", &rc);
  EXPECT_EQ(rc, 0);
  std::vector<std::string> all_ids = EventIdsOf(all);
  ASSERT_EQ(all_ids.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(all_ids.front(), MakeEvent(kEvents - 1).event_id()) << "first_seen desc";
  std::string head = RunCommand(cli + " --order first_seen --limit 7", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(head, ::testing::HasSubstr("EVIDENCE"));
  EXPECT_THAT(head, ::testing::HasSubstr("(7 events)"));
  const std::string marker = "more: add --page-token ";
  size_t at = head.find(marker);
  ASSERT_NE(at, std::string::npos) << head;
  std::string token = head.substr(at + marker.size());
  token = token.substr(0, token.find_first_of(" \n"));
  std::string rest = RunCommand(cli + " --order first_seen --all --json --page-token " + token, &rc);
  EXPECT_EQ(rc, 0);
  std::vector<std::string> rest_ids = EventIdsOf(rest);
  EXPECT_EQ(rest_ids, std::vector<std::string>(all_ids.begin() + 7, all_ids.end()));
  // The token belongs to its filter: replayed with another one it is refused with the reason.
  std::string replay = RunCommand(cli + " --order first_seen --actor TAL --page-token " + token + " 2>&1", &rc);
  EXPECT_EQ(rc, 2) << replay;
  EXPECT_THAT(replay, ::testing::HasSubstr("INVALID_ARGUMENT"));

  // Counts, with CAMEO root names and a total; every grouping is accepted under its short name.
  std::string counts = RunCommand(cli + " count --by root", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(counts, ::testing::HasSubstr("19 Fight"));
  EXPECT_THAT(counts, ::testing::ContainsRegex(absl::StrCat("\\(total\\) +", kEvents, "\n")));
  for (const char* by : {"day", "actor-pair", "country"}) {
    std::string c = RunCommand(cli + " count --json --by " + by, &rc);
    EXPECT_EQ(rc, 0) << by;
    EXPECT_THAT(c, ::testing::HasSubstr("\"count\":")) << by;
  }
  counts = RunCommand(cli + " --count-by cameo_root --actor TAL --json", &rc);
  uint64_t total = 0;
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(counts, '\n', absl::SkipEmpty()))) {
    uint64_t n = 0;
    std::string num = line.substr(line.find("\"count\":") + 8);
    if (!num.empty() && num[0] == '"') num = num.substr(1);  // proto3 JSON prints uint64 as a string
    EXPECT_TRUE(absl::SimpleAtoi(num.substr(0, num.find_first_not_of("0123456789")), &n)) << line;
    total += n;
  }
  EventFilter tal;
  tal.set_actor("TAL");
  EXPECT_EQ(total, ExpectedIds(tal).size());

  // One story, one event.
  std::string story = RunCommand(cli + " get-story story-2", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(story, ::testing::HasSubstr("outlet-a, outlet-b"));
  EXPECT_THAT(story, ::testing::HasSubstr("art-8"));
  std::string event = RunCommand(cli + " get-event ev-03", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(event, ::testing::HasSubstr(MakeEvent(3).evidence().sentence()));
  EXPECT_THAT(event, ::testing::HasSubstr("AFGGOV Afghanistan"));
  event = RunCommand(cli + " --event ev-03 --json", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(EventIdsOf(event), std::vector<std::string>{"ev-03"});

  // Bad input: refused by the client or the server, exit 2 with the reason.
  std::string bad = RunCommand(cli + " --cameo 1x 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("cameo_prefix"));
  EXPECT_THAT(bad, ::testing::HasSubstr("INVALID_ARGUMENT"));
  bad = RunCommand(cli + " --order sideways 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("order_by"));
  bad = RunCommand(cli + " count --by hour 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("group_by"));
  bad = RunCommand(cli + " --since 2026-11-12 --until 2026-11-05 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("event_date_from"));
  bad = RunCommand(cli + " --since yesterday-ish 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("--since"));
  bad = RunCommand(cli + " --min-confidence 1.5 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  bad = RunCommand(cli + " get-event no-such-event 2>&1", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(bad, ::testing::HasSubstr("NOT_FOUND"));
  bad = RunCommand(absl::StrCat(EVENTWIRE_CLI, " query --server 127.0.0.1:1 --timeout 2 2>&1"), &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(bad, ::testing::HasSubstr("UNAVAILABLE"));
  std::string help = RunCommand(absl::StrCat(EVENTWIRE_CLI, " query --help"), &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(help, ::testing::HasSubstr("--follow"));
}

TEST_F(QueryServiceTest, CommandLineFollowPrintsNewEvents) {
  // follow --limit 2 exits after two matching events; events keep being produced
  // (bounded) until it has, since the stream only sees what arrives after it opened.
  std::atomic<bool> done{false};
  std::vector<std::string> produced;
  std::thread producer([&] {
    for (int i = 0; i < 100 && !done.load(); ++i) {
      Event other = MakeEvent(200 + i);
      other.set_event_id(absl::StrCat("cli-other-", i));
      other.set_cameo_code("040");
      Event e = MakeEvent(300 + i);
      e.set_event_id(absl::StrCat("cli-live-", i < 10 ? "0" : "", i));
      e.set_cameo_code("190");
      kafka_->ProduceEvent(other);
      kafka_->ProduceEvent(e);
      kafka_->Flush();
      produced.push_back(other.event_id());
      produced.push_back(e.event_id());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  int rc = -1;
  std::string out = RunCommand(
      absl::StrCat("timeout 30 ", EVENTWIRE_CLI, " query --server ", query_->address(),
                   " follow --cameo 19 --limit 2 --json"),
      &rc);
  done.store(true);
  producer.join();
  EXPECT_EQ(rc, 0) << out;
  std::vector<std::string> ids = EventIdsOf(out);
  ASSERT_EQ(ids.size(), 2u) << out;
  for (const std::string& id : ids) EXPECT_THAT(id, ::testing::StartsWith("cli-live-"));

  // Withdraw the live events for the tests that follow (tombstones).
  for (const std::string& id : produced) kafka_->Produce("events.v1", id, nullptr);
  kafka_->Flush();
  auto stub = query_->Stub();
  for (int i = 0; i < 100; ++i) {
    int pages = 0;
    if (ListAll(stub.get(), EventFilter(), "", 1000, &pages).size() == kEvents) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Runs last (gtest keeps declaration order): restarts the binary.
TEST_F(QueryServiceTest, RestartKeepsDataAndResumesFromStoredOffsets) {
  EXPECT_EQ(query_->Stop(), 0) << "graceful shutdown exit status";
  // Against a broker that is not there, the store alone answers.
  {
    QueryProcess offline(*dir_, "127.0.0.1:1", {"--group-id=offline"});
    auto stub = offline.Stub();
    int pages = 0;
    EXPECT_EQ(ListAll(stub.get(), EventFilter(), "", 1000, &pages).size(), static_cast<size_t>(kEvents));
    grpc::ClientContext ctx;
    v1::GetStoryRequest req;
    req.set_story_id("story-1");
    v1::Story s;
    EXPECT_TRUE(stub->GetStory(&ctx, req, &s).ok());
  }
  // Back on the cluster: resumes at the stored offsets and takes new records.
  delete query_;
  query_ = new QueryProcess(*dir_, kafka_->bootstrap());
  Event fresh = MakeEvent(200);
  fresh.set_event_id("after-restart");
  kafka_->ProduceEvent(fresh);
  kafka_->Flush();
  ASSERT_TRUE(WaitForEvents(*query_, kEvents + 1));
  auto stub = query_->Stub();
  int pages = 0;
  std::vector<Event> all = ListAll(stub.get(), EventFilter(), "", 1000, &pages);
  EXPECT_EQ(all.size(), static_cast<size_t>(kEvents + 1));
  std::ifstream log(*dir_ / "query.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, ::testing::HasSubstr("\"msg\":\"stopped\""));
  // The restarted consumer started from offsets the store recorded, not from the beginning.
  EXPECT_THAT(text, ::testing::ContainsRegex("resuming from stored offsets\",\"partitions\":\"[1-9]"));
}

}  // namespace
}  // namespace eventwire
