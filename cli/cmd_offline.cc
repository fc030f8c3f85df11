// eventwire clean | dedup | extract: the offline contract used to evaluate
// the product on corpora. Output is JSON lines on stdout (proto3 JSON with
// snake_case names); per-article errors go to stderr and do not stop the run.
// Exit status: 0 when every PATH could be read (even if some records in them
// were skipped), 1 when a PATH does not exist or cannot be read (the others are
// still processed), 2 when the command line itself is wrong.
#include <iostream>
#include <unordered_map>

#include "commands.h"
#include "eventwire/clean.h"
#include "eventwire/dedup.h"
#include "eventwire/event_merger.h"
#include "eventwire/extract.h"
#include "eventwire/json_lines.h"
#include "input.h"

namespace eventwire::cli {
namespace {

struct OfflineFlags {
  std::vector<std::string> paths;
  std::string data_dir;
  double threshold = DedupOptions{}.similarity_threshold;
};

// Returns false (after printing why) when the arguments are wrong.
bool ParseFlags(const char* command, const Args& args, OfflineFlags* flags, bool* help) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        std::cerr << "eventwire " << command << ": " << name << " needs a value\n";
        return nullptr;
      }
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      *help = true;
    } else if (a == "--data-dir") {
      const std::string* v = value("--data-dir");
      if (!v) return false;
      flags->data_dir = *v;
    } else if (a == "--threshold") {
      const std::string* v = value("--threshold");
      if (!v) return false;
      try {
        flags->threshold = std::stod(*v);
      } catch (...) {
        flags->threshold = -1;
      }
      if (flags->threshold <= 0 || flags->threshold > 1) {
        std::cerr << "eventwire " << command << ": --threshold must be in (0, 1], got " << *v << "\n";
        return false;
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::cerr << "eventwire " << command << ": unknown option " << a << "\n";
      return false;
    } else {
      flags->paths.push_back(a);
    }
  }
  return true;
}

void PrintHelp(const char* command) {
  std::cout << "usage: eventwire " << command << " [--data-dir DIR] [--threshold T] [PATH...]\n"
            << "  PATH: a file (text, HTML, JSON or JSON lines) or a directory; none or '-' reads\n"
            << "        JSON lines from stdin. Prints JSON lines on stdout.\n"
            << "  --threshold T   dedup similarity threshold in (0, 1] (default "
            << DedupOptions{}.similarity_threshold << ")\n"
            << "  --data-dir DIR  dictionaries for extract (default $EVENTWIRE_DATA_DIR or data/)\n";
}

int ExitStatus(const InputErrors& errors) { return errors.unreadable_paths > 0 ? 1 : 0; }

// The contract promises every field group of an Event in `extract` output;
// proto3 JSON omits unset message fields, so mark them present (empty groups
// print with their default values).
void MaterializeContractFields(v1::Event* e) {
  e->mutable_source();
  e->mutable_target();
  e->mutable_location();
  e->mutable_event_date();
  e->mutable_casualties();
  e->mutable_evidence();
}

// Parses flags; returns -1 to continue, else the exit status.
int Prepare(const char* command, const Args& args, OfflineFlags* flags) {
  bool help = false;
  if (!ParseFlags(command, args, flags, &help)) return 2;
  if (help) {
    PrintHelp(command);
    return 0;
  }
  return -1;
}

}  // namespace

int RunClean(const Args& args) {
  OfflineFlags flags;
  if (int rc = Prepare("clean", args, &flags); rc >= 0) return rc;
  InputErrors errors;
  ForEachArticle(flags.paths, [](const v1::RawArticle& raw) {
    std::cout << ToJsonLine(ToProto(Clean(raw))) << '\n';
  }, &errors);
  return ExitStatus(errors);
}

int RunDedup(const Args& args) {
  OfflineFlags flags;
  if (int rc = Prepare("dedup", args, &flags); rc >= 0) return rc;
  StoryIndex index(DedupOptions{.similarity_threshold = flags.threshold});
  InputErrors errors;
  ForEachArticle(flags.paths, [&](const v1::RawArticle& raw) {
    std::cout << ToJsonLine(index.Add(Clean(raw)).decision) << '\n';
  }, &errors);
  return ExitStatus(errors);
}

int RunExtract(const Args& args) {
  OfflineFlags flags;
  if (int rc = Prepare("extract", args, &flags); rc >= 0) return rc;
  auto extractor = Extractor::Load({.data_dir = flags.data_dir});
  if (!extractor.ok()) {
    std::cerr << "eventwire extract: " << extractor.status().message() << "\n";
    return 2;
  }
  StoryIndex index(DedupOptions{.similarity_threshold = flags.threshold});
  InputErrors errors;
  // The same event reported by different stories merges into one; events are
  // printed once, at the end, in first-seen order with their merged sources.
  EventMerger merger;
  std::vector<v1::Event> events;
  std::unordered_map<std::string, size_t> position;
  ForEachArticle(flags.paths, [&](const v1::RawArticle& raw) {
    CleanArticle clean = Clean(raw);
    Assignment assignment = index.Add(clean);
    // Events are extracted once per story: duplicates only update its counts.
    if (assignment.decision.is_duplicate()) return;
    for (v1::Event& e : (*extractor)->Extract(clean, *assignment.story)) {
      EventMerger::Result r = merger.Add(std::move(e));
      auto [it, inserted] = position.try_emplace(r.event.event_id(), events.size());
      if (inserted) {
        events.push_back(std::move(r.event));
      } else {
        events[it->second] = std::move(r.event);
      }
    }
  }, &errors);
  for (v1::Event& e : events) {
    MaterializeContractFields(&e);
    std::cout << ToJsonLine(e) << '\n';
  }
  return ExitStatus(errors);
}

}  // namespace eventwire::cli
