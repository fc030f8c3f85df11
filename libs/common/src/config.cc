#include "eventwire/config.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/strip.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace eventwire {
namespace {

std::string EnvName(const std::string& name) {
  std::string env = "EVENTWIRE_";
  for (char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

absl::Status ParseBool(const std::string& value, bool* out) {
  if (value == "true" || value == "1" || value == "yes" || value == "on") *out = true;
  else if (value == "false" || value == "0" || value == "no" || value == "off") *out = false;
  else return absl::InvalidArgumentError("expected true or false");
  return absl::OkStatus();
}

}  // namespace

Config::Config(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void Config::AddString(std::string name, std::string* target, std::string help) {
  options_.push_back({name, std::move(help), *target, false,
                      [target](const std::string& v) { *target = v; return absl::OkStatus(); },
                      [target] { return *target; }});
}

void Config::AddInt(std::string name, int64_t* target, std::string help, int64_t min, int64_t max) {
  options_.push_back({name, std::move(help), std::to_string(*target), false,
                      [target, min, max](const std::string& v) {
                        int64_t parsed;
                        if (!absl::SimpleAtoi(v, &parsed)) return absl::InvalidArgumentError("expected an integer");
                        if (parsed < min || parsed > max) {
                          return absl::InvalidArgumentError(absl::StrCat("must be in [", min, ", ", max, "]"));
                        }
                        *target = parsed;
                        return absl::OkStatus();
                      },
                      [target] { return std::to_string(*target); }});
}

void Config::AddDouble(std::string name, double* target, std::string help, double min, double max) {
  options_.push_back({name, std::move(help), absl::StrCat(*target), false,
                      [target, min, max](const std::string& v) {
                        double parsed;
                        if (!absl::SimpleAtod(v, &parsed)) return absl::InvalidArgumentError("expected a number");
                        if (parsed < min || parsed > max) {
                          return absl::InvalidArgumentError(absl::StrCat("must be in [", min, ", ", max, "]"));
                        }
                        *target = parsed;
                        return absl::OkStatus();
                      },
                      [target] { return absl::StrCat(*target); }});
}

void Config::AddBool(std::string name, bool* target, std::string help) {
  options_.push_back({name, std::move(help), *target ? "true" : "false", true,
                      [target](const std::string& v) { return ParseBool(v, target); },
                      [target] { return std::string(*target ? "true" : "false"); }});
}

Config::Option* Config::Find(const std::string& name) {
  for (Option& o : options_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

absl::Status Config::Set(const std::string& name, const std::string& value, const std::string& origin) {
  Option* o = Find(name);
  if (o == nullptr) return absl::InvalidArgumentError(absl::StrCat(origin, ": unknown option '", name, "'"));
  absl::Status s = o->set(value);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": invalid value '", value, "' for ", name, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status Config::Parse(int argc, char** argv) {
  std::map<std::string, std::pair<std::string, std::string>> from_flags;  // name -> (value, origin)
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "config") {
      if (!has_value) {
        if (i + 1 >= argc) return absl::InvalidArgumentError("--config needs a file");
        value = argv[++i];
      }
      config_file = value;
      continue;
    }
    Option* o = Find(name);
    if (o == nullptr && name.rfind("no-", 0) == 0 && (o = Find(name.substr(3))) != nullptr && o->is_bool && !has_value) {
      from_flags[o->name] = {"false", "flag --" + name};
      continue;
    }
    if (o == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown option '--", name, "' (see --help)"));
    if (!has_value) {
      if (o->is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
    }
    from_flags[name] = {value, "flag --" + name};
  }
  if (help_requested_) return absl::OkStatus();

  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", config_file));
    std::string line;
    for (int line_no = 1; std::getline(in, line); ++line_no) {
      absl::string_view l = absl::StripAsciiWhitespace(line);
      if (l.empty() || l.front() == '#') continue;
      size_t eq = l.find('=');
      std::string origin = absl::StrCat(config_file, ":", line_no);
      if (eq == absl::string_view::npos) return absl::InvalidArgumentError(origin + ": expected 'key = value'");
      std::string key(absl::StripAsciiWhitespace(l.substr(0, eq)));
      std::string value(absl::StripAsciiWhitespace(l.substr(eq + 1)));
      if (absl::Status s = Set(key, value, origin); !s.ok()) return s;
    }
  }
  for (Option& o : options_) {
    if (const char* env = std::getenv(EnvName(o.name).c_str()); env != nullptr) {
      if (absl::Status s = Set(o.name, env, "environment " + EnvName(o.name)); !s.ok()) return s;
    }
  }
  for (const auto& [name, value_origin] : from_flags) {
    if (absl::Status s = Set(name, value_origin.first, value_origin.second); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string Config::Usage() const {
  std::ostringstream out;
  out << "usage: " << program_ << " [--option value ...] [--config FILE]\n" << summary_ << "\n\noptions:\n";
  for (const Option& o : options_) {
    out << "  --" << o.name << (o.is_bool ? "" : " VALUE") << "\n      " << o.help << " (default: "
        << (o.default_text.empty() ? "\"\"" : o.default_text) << "; env " << EnvName(o.name) << ")\n";
  }
  out << "  --config FILE\n      read 'key = value' lines; flags and environment override them\n";
  return out.str();
}

std::vector<std::pair<std::string, std::string>> Config::Values() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Option& o : options_) out.emplace_back(o.name, o.get());
  return out;
}

}  // namespace eventwire
