// First version: exact duplicates of the normalised text only. Replaced by
// MinHash-LSH with verification (issue: near-duplicate stories).
#include <xxhash.h>

#include <cctype>
#include <cstdio>
#include <set>
#include <string>
#include <unordered_map>

#include "eventwire/dedup.h"

namespace eventwire {

struct StoryIndex::State {
  DedupOptions options;
  struct Entry {
    v1::Story story;
    std::set<std::string> sources;
  };
  std::unordered_map<uint64_t, Entry> by_hash;
};

StoryIndex::StoryIndex(DedupOptions options) : state_(std::make_unique<State>()) {
  state_->options = options;
}
StoryIndex::~StoryIndex() = default;

size_t StoryIndex::open_stories() const { return state_->by_hash.size(); }

Assignment StoryIndex::Add(const CleanArticle& article) {
  std::string norm;
  for (unsigned char c : article.text) {
    if (std::isalnum(c)) norm.push_back(static_cast<char>(std::tolower(c)));
  }
  const uint64_t h = XXH3_64bits(norm.data(), norm.size());
  Assignment out;
  auto [it, inserted] = state_->by_hash.try_emplace(h);
  State::Entry& e = it->second;
  if (inserted) {
    char id[24];
    std::snprintf(id, sizeof id, "s-%016llx", static_cast<unsigned long long>(h));
    e.story.set_story_id(id);
    e.story.set_canonical_article_id(article.id);
    e.story.set_title(article.title);
    e.story.mutable_first_seen()->set_seconds(article.published_at);
    out.story_is_new = true;
  } else {
    out.decision.set_duplicate_of(e.story.canonical_article_id());
    out.decision.set_is_duplicate(true);
    out.decision.set_similarity(1.0);
  }
  if (!article.source.empty()) e.sources.insert(article.source);
  e.story.set_num_articles(e.story.num_articles() + 1);
  e.story.set_num_sources(static_cast<uint32_t>(e.sources.size()));
  e.story.set_version(e.story.version() + 1);
  e.story.mutable_last_seen()->set_seconds(article.published_at);
  auto* sa = e.story.add_articles();
  sa->set_article_id(article.id);
  sa->set_source(article.source);
  sa->set_url(article.url);
  sa->set_title(article.title);
  sa->set_duplicate_of(out.decision.duplicate_of());
  out.decision.set_article_id(article.id);
  out.decision.set_story_id(e.story.story_id());
  out.decision.set_source(article.source);
  out.decision.mutable_evidence()->set_reason(inserted ? "new story" : "exact duplicate");
  out.story = e.story;
  return out;
}

}  // namespace eventwire
