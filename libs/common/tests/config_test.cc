#include "eventwire/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace eventwire {
namespace {

struct Settings {
  std::string brokers;
  int64_t port = 9464;
  double threshold = 0.8;
  bool exactly_once = true;
};

Config Make(Settings* s) {
  Config c("prog", "test");
  c.AddString("brokers", &s->brokers, "bootstrap");
  c.AddInt("metrics-port", &s->port, "port", 0, 65535);
  c.AddDouble("threshold", &s->threshold, "t", 0, 1);
  c.AddBool("exactly-once", &s->exactly_once, "eos");
  return c;
}

absl::Status ParseArgs(Config& c, std::vector<std::string> args) {
  std::vector<char*> argv;
  static std::string prog = "prog";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  return c.Parse(static_cast<int>(argv.size()), argv.data());
}

TEST(Config, FlagsOverrideEnvironmentOverrideFile) {
  const std::string file = testing::TempDir() + "/eventwire.conf";
  std::ofstream(file) << "# comment\nbrokers = from-file:9092\nmetrics-port = 1000\nthreshold = 0.5\n";
  setenv("EVENTWIRE_METRICS_PORT", "2000", 1);
  Settings s;
  Config c = Make(&s);
  ASSERT_TRUE(ParseArgs(c, {"--config", file, "--threshold=0.9", "--no-exactly-once"}).ok());
  unsetenv("EVENTWIRE_METRICS_PORT");
  EXPECT_EQ(s.brokers, "from-file:9092");
  EXPECT_EQ(s.port, 2000);
  EXPECT_DOUBLE_EQ(s.threshold, 0.9);
  EXPECT_FALSE(s.exactly_once);
}

TEST(Config, RejectsBadValuesWithTheOptionName) {
  Settings s;
  Config c = Make(&s);
  absl::Status st = ParseArgs(c, {"--metrics-port", "99999"});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("metrics-port"), std::string::npos);
  Config c2 = Make(&s);
  EXPECT_FALSE(ParseArgs(c2, {"--bogus"}).ok());
  Config c3 = Make(&s);
  EXPECT_FALSE(ParseArgs(c3, {"--threshold", "abc"}).ok());
}

TEST(Config, HelpListsEveryOptionWithItsEnvironmentVariable) {
  Settings s;
  Config c = Make(&s);
  ASSERT_TRUE(ParseArgs(c, {"--help"}).ok());
  EXPECT_TRUE(c.help_requested());
  EXPECT_NE(c.Usage().find("EVENTWIRE_METRICS_PORT"), std::string::npos);
  EXPECT_NE(c.Usage().find("--exactly-once"), std::string::npos);
}

}  // namespace
}  // namespace eventwire
