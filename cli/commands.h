// Subcommands of the `eventwire` tool. Each takes the arguments after its
// name and returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace eventwire::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

// Every registered subcommand, in the order `eventwire --help` lists them.
const std::vector<Command>& Commands();

int RunClean(const Args& args);
int RunDedup(const Args& args);
int RunExtract(const Args& args);
int RunMockBroker(const Args& args);
int RunProduce(const Args& args);
int RunTail(const Args& args);
int RunQuery(const Args& args);

}  // namespace eventwire::cli
