// CleanArticle -> coded events (CAMEO code, QuadClass, Goldstein, PLOVER type,
// source/target actors, location, event date, casualties, evidence).
//
//   auto extractor = eventwire::Extractor::Load({});        // dictionaries from data/
//   if (!extractor.ok()) Die(extractor.status());
//   for (v1::Event& e : (*extractor)->Extract(clean, story)) Publish(e);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "eventwire/clean.h"
#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire {

struct ExtractOptions {
  // Folder with the dictionaries (verbs, nouns, actors, agents, places). Empty:
  // $EVENTWIRE_DATA_DIR, else the data/ folder of the source tree.
  std::string data_dir;
  // Events below this confidence are not emitted.
  double min_confidence = 0.0;
  // Prefix of /usr/share where Debian's iso-codes and libgweather data are
  // read from; empty means the system's own.
  std::string system_root = "";
};

// The folder Load() will use for `options`.
std::string ResolveDataDir(const ExtractOptions& options);

class Extractor {
 public:
  // Loads and validates the dictionaries; errors name the file and line.
  static absl::StatusOr<std::unique_ptr<Extractor>> Load(const ExtractOptions& options);
  virtual ~Extractor() = default;

  // Events of one article. `story` supplies story_id and counts; events carry
  // deterministic ids so the same input always yields the same ids.
  virtual std::vector<v1::Event> Extract(const CleanArticle& article, const v1::Story& story) const = 0;
};

}  // namespace eventwire
