#include "commands.h"

namespace eventwire::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"clean", "clean articles from files, directories or JSON lines on stdin", RunClean},
      {"dedup", "assign articles to stories, printing each decision with its evidence", RunDedup},
      {"extract", "dedup, then print every coded event", RunExtract},
      {"mock-broker", "run an in-memory Kafka mock cluster on 127.0.0.1 until SIGTERM", RunMockBroker},
      {"produce", "send articles (files, directories, JSON lines) to a Kafka topic", RunProduce},
      {"tail", "print a topic's committed events, stories or DLQ records as JSON lines", RunTail},
      {"query", "ask the query service for events, counts or stories (table, --json, --follow)", RunQuery},
  };
  return commands;
}

}  // namespace eventwire::cli
