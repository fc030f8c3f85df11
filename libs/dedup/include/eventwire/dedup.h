// CleanArticle -> story assignment: online near-duplicate detection that
// groups syndicated copies, re-posts and corrections into stories.
//
//   eventwire::StoryIndex index;
//   eventwire::Assignment a = index.Add(clean);
//   if (a.decision.is_duplicate()) ...;   // a.story has the updated counts
#pragma once

#include <cstdint>
#include <memory>

#include "eventwire/clean.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire {

struct DedupOptions {
  // Articles whose estimated word-shingle Jaccard similarity reaches this join a story.
  double similarity_threshold = 0.8;
  // Event-time window: stories not seen for this long are expired.
  int64_t window_seconds = 7 * 24 * 3600;
};

struct Assignment {
  v1::DedupDecision decision;
  v1::Story story;             // the story after this article joined it
  bool story_is_new = false;
};

class StoryIndex {
 public:
  explicit StoryIndex(DedupOptions options = {});
  ~StoryIndex();
  StoryIndex(const StoryIndex&) = delete;
  StoryIndex& operator=(const StoryIndex&) = delete;

  // Assigns the article to an existing story or opens a new one.
  Assignment Add(const CleanArticle& article);

  size_t open_stories() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace eventwire
