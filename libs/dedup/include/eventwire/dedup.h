// CleanArticle -> story assignment: online near-duplicate detection that
// groups syndicated copies, re-posts, truncations and corrections into
// stories, inside a bounded event-time window.
//
//   eventwire::StoryIndex index;
//   eventwire::Assignment a = index.Add(clean);
//   if (a.decision.is_duplicate()) ...;   // a.story->num_articles() etc. updated
//   Publish(a.record);                    // signatures.v1: other instances Apply() it
//
// How a decision is made (details in docs/dedup.md): word 5-gram shingles of
// the normalised body -> one-permutation MinHash (64 bins, densified) -> LSH
// bands find candidates -> each candidate is verified (estimated Jaccard,
// containment for truncated copies, and agreement of figures/names that sit
// in the same context, so "rose 5.2 pct in March" and "rose 3.1 pct in April"
// stay apart while a copy with one corrected figure joins).
//
// REQUIRES: external synchronization (one StoryIndex per thread or a lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <absl/status/status.h>
#include <absl/strings/string_view.h>

#include "eventwire/clean.h"
#include "eventwire/v1/story.pb.h"

namespace eventwire {

struct DedupOptions {
  // Articles whose estimated word-5-gram Jaccard similarity to a story member
  // reaches this join that story. 0.8 is the usual near-duplicate cut.
  double similarity_threshold = 0.8;
  // Event-time window: articles older than (newest event time - window) leave
  // the index, and a story leaves memory when its last article does.
  int64_t window_seconds = 7 * 24 * 3600;
  // A shorter text whose shingles are at least this much contained in a longer
  // one joins it (truncated copies), if it keeps >= min_size_ratio of them.
  // Below 1 because containment is estimated from 64 bins (std ~0.07 at a
  // 60% cut); real follow-up stories that reuse paragraphs stay under ~0.7.
  // Only for size ratios in [min_size_ratio, max_size_ratio]: at similar sizes
  // containment says no more than Jaccard does.
  double containment_threshold = 0.75;
  double min_size_ratio = 0.4;
  double max_size_ratio = 0.9;
  // The same cut when both shingle sets are at hand (exact containment of a
  // truncated copy is ~1; 0.9 leaves room for an edited last sentence).
  double exact_containment_threshold = 0.9;
  // Shingle sets of the most recent articles are kept up to this many bytes,
  // so candidates among them are verified exactly rather than estimated.
  // Constant memory, outside the per-article index budget; 0 turns it off.
  size_t exact_cache_bytes = size_t{64} << 20;
  // Figures (numbers, months, weekdays) and names that appear in the same
  // context in both texts but with different values. More than this many
  // and the two are different reports of one template, not copies. A story
  // is not joined when at least half of its candidate members disagree so.
  int max_conflicting_figures = 1;
  // LSH banding over the 64 MinHash bins: bands * rows_per_band <= 64.
  // 20 x 3 finds pairs at Jaccard 0.5 with p ~0.92 and 0.8 with p ~1.
  int bands = 20;
  int rows_per_band = 3;
  // Candidates verified per article (the ones sharing most bands first).
  int max_candidates = 32;
  // Story messages list at most this many articles (the newest).
  int max_story_articles = 32;
};

struct Assignment {
  v1::DedupDecision decision;
  // The story after this article joined it. Shared with the index without a
  // copy; the index copies it before changing it while this is held, so it
  // never changes. Never null.
  std::shared_ptr<const v1::Story> story;
  bool story_is_new = false;
  // This article's index entry, for signatures.v1 and snapshots; another
  // StoryIndex replays it with Apply(). Empty when the article was a redelivery.
  std::string record;
};

// Gauges for /metrics and benchmarks.
struct IndexStats {
  uint64_t articles_seen = 0;     // Add() calls
  uint64_t duplicates = 0;        // Add() calls that joined an existing story
  uint64_t records_applied = 0;   // Apply() calls that changed the index
  // Applied records that verify against a story this index holds under
  // another id: two instances opened one report as two stories (the race
  // window, docs/dedup.md "Across instances"). Counted, not merged.
  uint64_t twin_records = 0;
  // Records (Apply) and snapshot records (Restore) of an earlier signature
  // version, written by an older build: not comparable, so dropped (logged
  // once). Their stories start afresh after an upgrade.
  uint64_t old_version_records = 0;
  size_t articles_indexed = 0;    // articles inside the window
  size_t stories_open = 0;
  size_t index_bytes = 0;         // signatures + LSH tables (excludes story state)
  size_t story_bytes = 0;         // story state (ids, titles, bounded article lists), estimated from a sample
  size_t exact_cache_bytes = 0;   // recent shingle sets (bounded by the option)
};

class StoryIndex {
 public:
  explicit StoryIndex(DedupOptions options = {});
  ~StoryIndex();
  StoryIndex(const StoryIndex&) = delete;
  StoryIndex& operator=(const StoryIndex&) = delete;

  // Assigns the article to an existing story or opens a new one. Adding the
  // same article id with the same text again (a redelivery) changes nothing
  // and returns its story as a duplicate (even for the canonical article: the
  // story went out already).
  Assignment Add(const CleanArticle& article);

  // Applies a record produced by Add() here or in another instance (restart,
  // signatures.v1). Idempotent. InvalidArgument on bytes that are not a record;
  // a record of an earlier signature version is dropped (OK, counted in stats).
  absl::Status Apply(absl::string_view record);

  // All records inside the window, in arrival order; Restore() = Apply() each.
  // A snapshot of an earlier signature version restores nothing (OK; its
  // records are counted in stats().old_version_records).
  std::string Snapshot() const;
  absl::Status Restore(absl::string_view snapshot);

  size_t open_stories() const;
  // Cheap (no walk over the window): fine for every metrics scrape.
  IndexStats stats() const;
  const DedupOptions& options() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace eventwire
