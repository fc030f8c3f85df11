// Service configuration from flags, environment variables and an optional
// config file, with --help and validation. Precedence: flag > environment >
// file > default. A flag --group-id maps to EVENTWIRE_GROUP_ID and to the
// file key group-id (file lines: "key = value", '#' comments).
//
//   std::string brokers;  int64_t port = 9464;
//   eventwire::Config config("eventwire-pipeline", "Cleans, dedups and codes articles.");
//   config.AddString("brokers", &brokers, "Kafka bootstrap servers; empty starts a mock cluster");
//   config.AddInt("metrics-port", &port, "HTTP port for /metrics", 0, 65535);
//   if (absl::Status s = config.Parse(argc, argv); !s.ok()) { std::cerr << s.message(); return 2; }
//   if (config.help_requested()) { std::cout << config.Usage(); return 0; }
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <absl/status/status.h>

namespace eventwire {

class Config {
 public:
  Config(std::string program, std::string summary);

  // Each Add* registers an option whose current value of *target is its default.
  void AddString(std::string name, std::string* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help, int64_t min, int64_t max);
  void AddDouble(std::string name, double* target, std::string help, double min, double max);
  void AddBool(std::string name, bool* target, std::string help);

  // Parses argv (--name=value, --name value, --flag / --no-flag, --config FILE),
  // then the environment, then the file. Errors name the option and the value.
  absl::Status Parse(int argc, char** argv);

  bool help_requested() const { return help_requested_; }
  std::string Usage() const;

  // Name and effective value of every option, for the start-up log line.
  std::vector<std::pair<std::string, std::string>> Values() const;

 private:
  struct Option {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<absl::Status(const std::string&)> set;
    std::function<std::string()> get;
  };
  absl::Status Set(const std::string& name, const std::string& value, const std::string& origin);
  Option* Find(const std::string& name);

  std::string program_;
  std::string summary_;
  std::vector<Option> options_;
  bool help_requested_ = false;
};

}  // namespace eventwire
