// Extractor: loads the dictionaries once and codes articles sentence by sentence.
#include <cstdlib>

#include "coder.h"
#include "eventwire/extract.h"
#include "lexicon.h"

namespace eventwire {
namespace {

class RuleExtractor : public Extractor {
 public:
  RuleExtractor(std::unique_ptr<extract_internal::Lexicon> lexicon, double min_confidence)
      : lexicon_(std::move(lexicon)), coder_(*lexicon_), min_confidence_(min_confidence) {}

  std::vector<v1::Event> Extract(const CleanArticle& article, const v1::Story& story) const override {
    return coder_.Code(article, story, min_confidence_);
  }

 private:
  std::unique_ptr<extract_internal::Lexicon> lexicon_;
  extract_internal::Coder coder_;
  double min_confidence_;
};

}  // namespace

std::string ResolveDataDir(const ExtractOptions& options) {
  if (!options.data_dir.empty()) return options.data_dir;
  if (const char* env = std::getenv("EVENTWIRE_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return EVENTWIRE_DEFAULT_DATA_DIR;
}

absl::StatusOr<std::unique_ptr<Extractor>> Extractor::Load(const ExtractOptions& options) {
  auto lexicon = extract_internal::LoadLexicon(ResolveDataDir(options), options.system_root);
  if (!lexicon.ok()) return lexicon.status();
  return std::unique_ptr<Extractor>(new RuleExtractor(std::move(*lexicon), options.min_confidence));
}

}  // namespace eventwire
