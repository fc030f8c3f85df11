// First version: a handful of verbs coded to CAMEO roots, no actors.
// Replaced by the full coder (issue: event extraction).
#include <xxhash.h>

#include <absl/strings/ascii.h>
#include <cstdio>
#include <cstdlib>

#include "eventwire/extract.h"
#include "eventwire/utf8.h"

namespace eventwire {
namespace {

struct VerbCode {
  const char* word;
  const char* code;
  int quad;
  double goldstein;
  const char* plover;
};

constexpr VerbCode kVerbs[] = {
    {"rejected", "120", 3, -4.0, "REJECT"}, {"refused", "120", 3, -4.0, "REJECT"},
    {"killed", "190", 4, -10.0, "ASSAULT"}, {"attacked", "190", 4, -10.0, "ASSAULT"},
    {"met", "040", 1, 1.0, "CONSULT"},      {"urged", "100", 3, -5.0, "DEMAND"},
};

class KeywordExtractor : public Extractor {
 public:
  std::vector<v1::Event> Extract(const CleanArticle& a, const v1::Story& story) const override {
    std::vector<v1::Event> out;
    for (const Span& s : a.sentences) {
      std::string sentence = a.text.substr(s.begin, s.end - s.begin);
      std::string lower = absl::AsciiStrToLower(sentence);
      for (const VerbCode& v : kVerbs) {
        if (lower.find(std::string(" ") + v.word + " ") == std::string::npos) continue;
        v1::Event e;
        char id[40];
        std::string key = a.id + "|" + std::to_string(s.begin) + "|" + v.code;
        std::snprintf(id, sizeof id, "ev-%016llx",
                      static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
        e.set_event_id(id);
        e.set_article_id(a.id);
        e.set_story_id(story.story_id());
        e.set_cameo_code(v.code);
        e.set_cameo_base(std::string(v.code).substr(0, 3));
        e.set_cameo_root(std::string(v.code).substr(0, 2));
        e.set_quad_class(v.quad);
        e.set_goldstein(v.goldstein);
        e.set_plover_type(v.plover);
        e.set_modality("asserted");
        e.mutable_evidence()->set_article_id(a.id);
        e.mutable_evidence()->set_sentence(sentence);
        e.mutable_evidence()->set_start(static_cast<uint32_t>(CodePointOffset(a.text, s.begin)));
        e.mutable_evidence()->set_end(static_cast<uint32_t>(CodePointOffset(a.text, s.end)));
        e.mutable_evidence()->set_trigger(v.word);
        e.set_confidence(0.3);
        e.set_num_articles(story.num_articles());
        e.set_num_sources(story.num_sources());
        e.set_version(story.version());
        out.push_back(std::move(e));
        break;
      }
    }
    return out;
  }
};

}  // namespace

std::string ResolveDataDir(const ExtractOptions& options) {
  if (!options.data_dir.empty()) return options.data_dir;
  if (const char* env = std::getenv("EVENTWIRE_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return EVENTWIRE_DEFAULT_DATA_DIR;
}

absl::StatusOr<std::unique_ptr<Extractor>> Extractor::Load(const ExtractOptions& options) {
  return std::make_unique<KeywordExtractor>();
}

}  // namespace eventwire
