#include "eventwire/health.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "eventwire/telemetry.h"
#include "http_get.h"

namespace eventwire {
namespace {

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(ReadinessTest, ReadyOnlyWhenEveryConditionHoldsAndNotifiesFlips) {
  Readiness readiness({"partitions_assigned", "state_restored", "broker_reachable"});
  std::vector<bool> flips;
  readiness.OnChange([&flips](bool ready) { flips.push_back(ready); });
  EXPECT_FALSE(readiness.ready());
  readiness.Set("partitions_assigned", true);
  readiness.Set("state_restored", true);
  EXPECT_FALSE(readiness.ready());
  readiness.Set("broker_reachable", true);
  EXPECT_TRUE(readiness.ready());
  readiness.Set("no_such_condition", false);
  EXPECT_TRUE(readiness.ready());
  readiness.Set("broker_reachable", false);  // broker outage
  EXPECT_FALSE(readiness.ready());
  EXPECT_EQ(readiness.Describe(), "partitions_assigned=yes state_restored=yes broker_reachable=no");
  readiness.Set("broker_reachable", true);
  EXPECT_EQ(flips, (std::vector<bool>{true, false, true}));
}

TEST(HealthResponseTest, AnswersProbesAndRejectsTheRest) {
  Readiness readiness({"partitions_assigned"});
  Liveness liveness(absl::Seconds(60));
  auto get = [&](const std::string& head) { return HealthResponse(head, &readiness, &liveness); };
  EXPECT_TRUE(StartsWith(get("GET /healthz HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK"));
  std::string not_ready = get("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(StartsWith(not_ready, "HTTP/1.1 503"));
  EXPECT_NE(not_ready.find("partitions_assigned=no"), std::string::npos);
  readiness.Set("partitions_assigned", true);
  EXPECT_TRUE(StartsWith(get("GET /readyz?verbose=1 HTTP/1.0\r\n\r\n"), "HTTP/1.1 200 OK"));
  std::string head = get("HEAD /readyz HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(StartsWith(head, "HTTP/1.1 200 OK"));
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
  EXPECT_TRUE(StartsWith(get("GET /metrics HTTP/1.1\r\n\r\n"), "HTTP/1.1 404"));
  EXPECT_TRUE(StartsWith(get("POST /readyz HTTP/1.1\r\n\r\n"), "HTTP/1.1 405"));
  EXPECT_TRUE(StartsWith(get("garbage"), "HTTP/1.1 400"));
  EXPECT_TRUE(StartsWith(get(""), "HTTP/1.1 400"));
  EXPECT_TRUE(StartsWith(get("GET /readyz SMTP\r\n\r\n"), "HTTP/1.1 400"));
}

TEST(LivenessTest, FailsWhenTheLoopStopsBeating) {
  Liveness liveness(absl::Milliseconds(50));
  EXPECT_TRUE(liveness.alive());
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_FALSE(liveness.alive());
  EXPECT_TRUE(StartsWith(HealthResponse("GET /healthz HTTP/1.1\r\n\r\n", nullptr, &liveness),
                         "HTTP/1.1 503"));
  liveness.Beat();
  EXPECT_TRUE(liveness.alive());
}

TEST(HealthServerTest, ServesProbesOverTcpAndStops) {
  Readiness readiness({"state_restored"});
  auto server = HealthServer::Start("127.0.0.1", 0, &readiness, nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  EXPECT_TRUE(StartsWith(testing::HttpGet(port, "/healthz"), "HTTP/1.1 200 OK"));
  EXPECT_TRUE(StartsWith(testing::HttpGet(port, "/readyz"), "HTTP/1.1 503"));
  readiness.Set("state_restored", true);
  EXPECT_TRUE(StartsWith(testing::HttpGet(port, "/readyz"), "HTTP/1.1 200 OK"));
  server->reset();
  EXPECT_EQ(testing::HttpGet(port, "/healthz"), "");  // nobody listens any more
}

TEST(HealthServerTest, RejectsBadAddressesAndBusyPorts) {
  Readiness readiness({});
  EXPECT_FALSE(HealthServer::Start("not-an-ip", 0, &readiness, nullptr).ok());
  auto first = HealthServer::Start("127.0.0.1", 0, &readiness, nullptr);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(HealthServer::Start("127.0.0.1", (*first)->port(), &readiness, nullptr).ok());
}

TEST(TelemetryServersTest, StartsBothOrNoneAndReportsBusyPorts) {
  auto registry = std::make_shared<prometheus::Registry>();
  Readiness readiness({"state_restored"});
  TelemetryOptions off;
  off.metrics_port = 0;
  off.health_port = 0;
  auto none = StartTelemetryServers(off, registry, &readiness, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->metrics, nullptr);
  EXPECT_EQ(none->health, nullptr);

  auto taken = HealthServer::Start("127.0.0.1", 0, &readiness, nullptr);
  ASSERT_TRUE(taken.ok());
  TelemetryOptions busy;
  busy.listen_host = "127.0.0.1";
  busy.metrics_port = 0;
  busy.health_port = (*taken)->port();
  auto failed = StartTelemetryServers(busy, registry, &readiness, nullptr);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find(std::to_string((*taken)->port())), std::string::npos);
  EXPECT_FALSE(BuildVersion().empty());
}

TEST(ShutdownWatchdogTest, DisarmedWhenShutdownFinishesInTime) {
  ShutdownWatchdog watchdog(absl::Seconds(30));
  watchdog.Arm();
  watchdog.Arm();
  // Destruction must return at once, not after the budget.
}

TEST(ShutdownWatchdogDeathTest, ExitsWhenTheBudgetIsOverrun) {
  EXPECT_EXIT(
      {
        ShutdownWatchdog watchdog(absl::Milliseconds(50));
        watchdog.Arm();
        std::this_thread::sleep_for(std::chrono::seconds(10));
      },
      ::testing::ExitedWithCode(3), "overran its budget");
}

TEST(TelemetryFlagsTest, ParsesAndValidates) {
  TelemetryOptions options;
  Config config("t", "test");
  AddTelemetryFlags(config, &options);
  std::vector<std::string> args = {"t", "--metrics-port=0", "--shutdown-timeout-s", "5"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ASSERT_TRUE(config.Parse(static_cast<int>(argv.size()), argv.data()).ok());
  EXPECT_EQ(options.metrics_port, 0);
  EXPECT_EQ(options.shutdown_timeout_s, 5);
  EXPECT_EQ(options.health_port, 8080);

  TelemetryOptions bad_options;
  Config bad("t", "test");
  AddTelemetryFlags(bad, &bad_options);
  std::vector<std::string> bad_args = {"t", "--shutdown-timeout-s=0"};
  std::vector<char*> bad_argv;
  for (auto& a : bad_args) bad_argv.push_back(a.data());
  EXPECT_FALSE(bad.Parse(static_cast<int>(bad_argv.size()), bad_argv.data()).ok());
}

}  // namespace
}  // namespace eventwire
