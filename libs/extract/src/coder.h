// The sentence coder: tokens -> actor mentions, triggers (verb and noun
// patterns), modal frames, source/target with direction, place, date,
// casualties -> v1::Event. Stateless after construction; safe to share
// between threads.
#pragma once

#include <vector>

#include "eventwire/clean.h"
#include "eventwire/v1/event.pb.h"
#include "eventwire/v1/story.pb.h"
#include "lexicon.h"

namespace eventwire::extract_internal {

class Coder {
 public:
  explicit Coder(const Lexicon& lexicon) : lex_(lexicon) {}
  std::vector<v1::Event> Code(const CleanArticle& article, const v1::Story& story, double min_confidence) const;

 private:
  const Lexicon& lex_;
};

}  // namespace eventwire::extract_internal
