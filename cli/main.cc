// eventwire: the command-line tool. Offline modes (clean, dedup, extract) run
// the same stage libraries as the pipeline service, without Kafka.
#include <cstring>
#include <iostream>

#include "commands.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: eventwire <command> [options] [PATH...]\n\ncommands:\n";
  for (const auto& c : eventwire::cli::Commands()) {
    out << "  " << c.name << std::string(10 - std::min<size_t>(9, std::strlen(c.name)), ' ')
        << c.summary << "\n";
  }
  out << "\nRun 'eventwire <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : eventwire::cli::Commands()) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(eventwire::cli::Args(argv + 2, argv + argc));
  }
  std::cerr << "eventwire: unknown command '" << argv[1] << "'\n";
  PrintUsage(std::cerr);
  return 2;
}
