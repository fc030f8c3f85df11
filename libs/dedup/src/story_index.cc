// StoryIndex: candidates from LSH generations, verification, story state and
// the event-time window. The flow of Add() reads top to bottom:
//   sketch -> advance window -> candidates -> verify -> join or open story -> index.
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>

#include "band_table.h"
#include "eventwire/dedup.h"
#include "eventwire/log.h"
#include "record.h"
#include "sketch.h"
#include "verify.h"

namespace eventwire {

using dedup::BandTable;
using dedup::Sketch;
using dedup::SignatureRecord;
using dedup::Verdict;

namespace {

// Every live generation costs each lookup one probe per band, so the tables
// start at 16 MiB (the band keys of 157k articles): from 64k slots a window
// ramping up to 1M articles went through nine doubling generations (a lookup
// walked 180 probe chains), from 1M slots five, from 4M three. The price is
// a 16 MiB floor, small next to the 112 MiB a 1M-article window takes.
constexpr size_t kInitialTableSlots = 1 << 22;
constexpr size_t kMaxTableSlots = size_t{1} << 30;
constexpr int kMaxHitsPerBand = 64;      // bounds the work a very common band can cause
constexpr size_t kMaxSourceHashes = 1024;
constexpr int kMaxSourceNames = 32;
// "EWSNAP0" + the signature version of the records inside.
constexpr char kSnapshotMagic[8] = {'E', 'W', 'S', 'N', 'A', 'P', '0', '0' + dedup::kSignatureVersion};

uint64_t Hash64(absl::string_view s) { return XXH3_64bits(s.data(), s.size()); }

// "s-" and 16 lowercase hex digits (what "s-%016llx" prints; snprintf was
// a tenth of opening a story).
std::string StoryIdOf(uint64_t key) {
  std::string id = "s-0000000000000000";
  for (int i = 17; i >= 2; --i, key >>= 4) id[i] = "0123456789abcdef"[key & 0xF];
  return id;
}

size_t NextPow2(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

struct StoryIndex::State {
  // What the window keeps per article: 112 bytes.
  struct Record {
    Sketch sketch;
    uint32_t article_key;
    uint32_t story_slot;
    int32_t time;  // seconds relative to time_base
  };
  struct Generation {
    BandTable table;
    uint64_t first_seq;
    uint64_t end_seq;
    int64_t start_time;
    bool rolled_full = false;
  };
  struct StoryState {
    uint64_t key = 0;
    // Shared with the Assignments that returned it, and copied before a
    // change while one of them still holds it (Write): a returned story
    // never changes, and none is copied per Add.
    std::shared_ptr<v1::Story> story;
    std::vector<uint64_t> source_hashes;
    uint32_t live_articles = 0;
  };
  struct Match {
    bool redelivery = false;
    bool found = false;       // a candidate verified as the same story
    int candidates = 0;
    int best_bands = 0;
    Verdict best;             // the verified match, or the closest rejected one
    uint32_t story_slot = 0;
    bool set_sorted = false;  // the article's shingle set was sorted for verification
  };

  DedupOptions options;
  int hopeless_max_equal_bins = -1;  // dedup::HopelessMaxEqualBins(options)
  IndexStats stats;
  std::deque<Record> records;  // arrival order; records[i] has seq base_seq + i
  uint64_t base_seq = 0;
  std::deque<Generation> generations;
  // Slots; key == 0 marks a free slot. A deque: growing it moves no story
  // (a vector's growth moved every Story message, a tenth of opening one).
  std::deque<StoryState> stories;
  std::vector<uint32_t> free_slots;
  absl::flat_hash_map<uint64_t, uint32_t> slot_of_story;
  // Shingle sets of seqs exact_base..., sorted when first compared (mutable:
  // sorting does not change what the set is).
  struct ExactEntry {
    std::vector<uint32_t> shingles;
    bool sorted = false;
  };
  mutable std::deque<ExactEntry> exact_sets;
  // The buffer of the set that left the cache last, reused by the next Add()
  // (a shingle set is a few KB: malloc and free of one per article showed).
  std::vector<uint32_t> spare_set;
  uint64_t exact_base = 0;
  size_t exact_bytes = 0;
  bool have_time = false;
  int64_t time_base = 0;
  // The window's "now": the lower median of the last kRecentTimes event
  // times, not the newest one. Publication times are noisy (a wrong year, a
  // future date, a feed replaying its archive): with the maximum, one such
  // article would push everything before it out of the window, and copies
  // that arrive next would open stories of their own.
  static constexpr size_t kRecentTimes = 32;
  std::array<int64_t, kRecentTimes> recent_times{};  // ring, in arrival order
  std::array<int64_t, kRecentTimes> recent_sorted{};  // the same times, sorted (first min(count, 32))
  size_t recent_count = 0;
  int64_t watermark = 0;

  uint64_t end_seq() const { return base_seq + records.size(); }
  int64_t horizon() const { return watermark - options.window_seconds; }
  int64_t TimeOf(const Record& r) const { return time_base + r.time; }

  void BandKeys(const Sketch& sketch, std::vector<uint64_t>* keys) const {
    keys->resize(options.bands);
    for (int b = 0; b < options.bands; ++b) (*keys)[b] = dedup::BandKey(sketch, b, options.rows_per_band);
  }

  // Moves the watermark forward and drops what fell out of the window.
  void Advance(int64_t t) {
    if (!have_time && t > 0) {
      have_time = true;
      time_base = t;
    }
    if (t <= 0) return;  // no time: nothing moves
    // The sorted copy is kept up to date (one time out, one in) rather than
    // re-selected per article.
    size_t n = std::min(recent_count, kRecentTimes);
    int64_t& slot = recent_times[recent_count++ % kRecentTimes];
    if (n == kRecentTimes) {
      const auto out = std::lower_bound(recent_sorted.begin(), recent_sorted.end(), slot);
      std::copy(out + 1, recent_sorted.end(), out);
      --n;
    }
    slot = t;
    const auto in = std::upper_bound(recent_sorted.begin(), recent_sorted.begin() + n, t);
    std::copy_backward(in, recent_sorted.begin() + n, recent_sorted.begin() + n + 1);
    *in = t;
    ++n;
    watermark = recent_sorted[(n - 1) / 2];
    // Arrival order approximates time order; an article that arrived early
    // but is older than its successors waits for them (bounded by disorder).
    while (!records.empty() && TimeOf(records.front()) < horizon()) {
      StoryState& st = stories[records.front().story_slot];
      if (--st.live_articles == 0) FreeStory(records.front().story_slot);
      records.pop_front();
      ++base_seq;
    }
    while (!generations.empty() && generations.front().end_seq <= base_seq &&
           (generations.size() > 1 || records.empty())) {
      generations.pop_front();
    }
  }

  Match FindMatch(const Sketch& sketch, uint32_t article_key, const std::vector<uint64_t>& keys,
                  std::vector<uint32_t>* set) const {
    Match m;
    for (const Generation& g : generations) {
      for (uint64_t key : keys) g.table.Prefetch(key);
    }
    // (seq, shared bands); small, so a linear scan beats hashing.
    thread_local std::vector<std::pair<uint64_t, int>> hits;
    hits.clear();
    for (auto g = generations.rbegin(); g != generations.rend(); ++g) {
      for (uint64_t key : keys) {
        int n = 0;
        g->table.Find(key, [&](uint32_t pos) {
          const uint64_t seq = g->first_seq + pos;
          if (seq < base_seq || seq >= end_seq() || ++n > kMaxHitsPerBand) return;
          for (auto& h : hits) {
            if (h.first == seq) {
              ++h.second;
              return;
            }
          }
          hits.emplace_back(seq, 1);
        });
      }
    }
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (hits.size() > static_cast<size_t>(options.max_candidates)) hits.resize(options.max_candidates);
    m.candidates = static_cast<int>(hits.size());

    struct Checked {
      uint32_t story_slot;
      int bands;
      Verdict verdict;
    };
    std::vector<Checked> checked;
    bool set_sorted = false;
    for (const auto& [seq, bands] : hits) {
      const Record& r = records[seq - base_seq];
      if (r.article_key == article_key && r.sketch.bins == sketch.bins) {
        m.redelivery = true;
        m.story_slot = r.story_slot;
        return m;
      }
      // Estimated first: the exact comparison only where it can change the outcome.
      Verdict v = dedup::Verify(sketch, r.sketch, options);
      if (!dedup::ExactCannotPass(sketch, r.sketch, v, hopeless_max_equal_bins)) {
        const std::vector<uint32_t>* other = ExactSet(seq);
        if (other && set && !set_sorted) {
          dedup::SortSet(set);
          set_sorted = true;
        }
        if (other && set_sorted) v = dedup::Verify(sketch, r.sketch, options, set, other);
      }
      checked.push_back({r.story_slot, bands, v});
    }
    // A story is vetoed when at least half of its members among the
    // candidates disagree on figures: one typo-ridden member cannot block a
    // story, but a template look-alike that happens to agree with a truncated
    // member (whose cut removed the differing figures) is still kept out.
    auto vetoed = [&](uint32_t slot) {
      int agree = 0, disagree = 0;
      for (const Checked& c : checked) {
        if (c.story_slot != slot) continue;
        (c.verdict.numbers_agree ? agree : disagree) += 1;
      }
      return disagree > 0 && disagree >= agree;
    };
    const Checked* best = nullptr;
    bool best_merge = false;
    for (const Checked& c : checked) {
      const bool merge = c.verdict.merge && !vetoed(c.story_slot);
      // Prefer a merge; among equals the most similar (hits are oldest-first on ties).
      if (!best || (merge && !best_merge) ||
          (merge == best_merge && c.verdict.similarity > best->verdict.similarity)) {
        best = &c;
        best_merge = merge;
      }
    }
    m.found = best_merge;
    m.set_sorted = set_sorted;
    if (best) {
      m.best = best->verdict;
      m.best_bands = best->bands;
      m.story_slot = best->story_slot;
      if (!m.found && best->verdict.merge) {
        m.best.numbers_agree = false;
        m.best.reason = "figures differ from another story member";
      }
    }
    return m;
  }

  const std::vector<uint32_t>* ExactSet(uint64_t seq) const {
    if (seq < exact_base || seq >= exact_base + exact_sets.size()) return nullptr;
    ExactEntry& e = exact_sets[seq - exact_base];
    if (!e.sorted) {
      dedup::SortSet(&e.shingles);
      e.sorted = true;
    }
    return &e.shingles;
  }

  // Keeps the article's shingle set for exact verification, oldest out first
  // beyond the byte budget. Every indexed article passes here (sets from
  // Apply are empty), so exact_sets stays aligned with record sequence numbers.
  void Remember(uint64_t seq, std::vector<uint32_t> set, bool sorted) {
    if (options.exact_cache_bytes == 0) return;
    if (exact_sets.empty()) exact_base = seq;
    exact_bytes += set.capacity() * sizeof(uint32_t);
    exact_sets.push_back(ExactEntry{std::move(set), sorted});
    while (!exact_sets.empty() && (exact_base < base_seq || exact_bytes > options.exact_cache_bytes)) {
      exact_bytes -= exact_sets.front().shingles.capacity() * sizeof(uint32_t);
      spare_set = std::move(exact_sets.front().shingles);  // the next Add() fills it
      exact_sets.pop_front();
      ++exact_base;
    }
  }

  uint32_t NewStory(uint64_t key) {
    uint32_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else {
      slot = static_cast<uint32_t>(stories.size());
      stories.emplace_back();
    }
    stories[slot].key = key;
    stories[slot].story = std::make_shared<v1::Story>();
    stories[slot].story->set_story_id(StoryIdOf(key));
    slot_of_story[key] = slot;
    return slot;
  }

  // The story to change: a copy first when an Assignment still holds it.
  static v1::Story& Write(StoryState& st) {
    if (st.story.use_count() > 1) st.story = std::make_shared<v1::Story>(*st.story);
    return *st.story;
  }

  void FreeStory(uint32_t slot) {
    slot_of_story.erase(stories[slot].key);
    stories[slot] = StoryState{};
    free_slots.push_back(slot);
  }

  // Story key from the canonical article: its id (or text) hash, made unique
  // among open stories deterministically.
  uint64_t StoryKeyFor(absl::string_view identity, const Sketch& sketch) const {
    uint64_t key = Hash64(identity);
    for (int i = 0; i < 8 && (key == 0 || slot_of_story.contains(key)); ++i) {
      key = XXH3_64bits_withSeed(sketch.bins.data(), sketch.bins.size(), key + i);
    }
    return key;
  }

  void AddSource(StoryState& st, const std::string& source) {
    if (source.empty()) return;
    const uint64_t h = Hash64(source);
    if (std::find(st.source_hashes.begin(), st.source_hashes.end(), h) != st.source_hashes.end()) return;
    if (st.source_hashes.size() < kMaxSourceHashes) st.source_hashes.push_back(h);
    if (st.story->sources_size() < kMaxSourceNames) Write(st).add_sources(source);
  }

  // One more article joined: counts, bounded article list, last_seen.
  void Join(StoryState& st, const SignatureRecord& a) {
    v1::Story& s = Write(st);
    AddSource(st, a.source);
    s.set_num_articles(std::max(s.num_articles() + 1, a.num_articles));
    s.set_num_sources(std::max(static_cast<uint32_t>(st.source_hashes.size()), std::max(s.num_sources(), a.num_sources)));
    s.set_version(std::max(s.version() + 1, a.version));
    if (s.canonical_article_id().empty()) {
      s.set_canonical_article_id(a.canonical_article_id.empty() ? a.article_id : a.canonical_article_id);
      s.set_title(a.story_title.empty() ? a.title : a.story_title);
      s.set_language(a.language);
      s.mutable_first_seen()->set_seconds(a.first_seen ? a.first_seen : a.event_time);
    }
    if (a.event_time > s.last_seen().seconds()) s.mutable_last_seen()->set_seconds(a.event_time);
    if (a.first_seen && a.first_seen < s.first_seen().seconds()) s.mutable_first_seen()->set_seconds(a.first_seen);
    if (a.article_id.empty()) return;  // restored without article details
    if (s.articles_size() >= std::max(1, options.max_story_articles)) {
      // Keep the canonical (first) entry; drop the oldest after it.
      s.mutable_articles()->DeleteSubrange(s.articles_size() > 1 ? 1 : 0, 1);
    }
    v1::StoryArticle* sa = s.add_articles();
    sa->set_article_id(a.article_id);
    sa->set_source(a.source);
    sa->set_url(a.url);
    sa->set_title(a.title);
    sa->mutable_published_at()->set_seconds(a.event_time);
    sa->set_duplicate_of(a.duplicate_of);
    sa->set_similarity(a.similarity);
  }

  // Puts an article into the window (not when it is already older than the window).
  void Index(const Sketch& sketch, uint32_t article_key, uint32_t story_slot, int64_t t,
             const std::vector<uint64_t>& keys, std::vector<uint32_t> set, bool set_sorted = false) {
    if (t < horizon()) return;
    // A date far ahead of the stream would hold its record (and, records
    // leaving in arrival order, all after it) in memory until the stream
    // caught up: such records leave as if dated one window after the
    // watermark, so memory stays within two windows' worth of articles.
    if (recent_count > 0) t = std::min(t, watermark + options.window_seconds);
    const uint64_t seq = end_seq();
    Remember(seq, std::move(set), set_sorted);
    const int64_t rel = std::clamp<int64_t>(t - time_base, std::numeric_limits<int32_t>::min(),
                                            std::numeric_limits<int32_t>::max());
    records.push_back(Record{sketch, article_key, story_slot, static_cast<int32_t>(rel)});
    ++stories[story_slot].live_articles;
    Generation* g = generations.empty() ? nullptr : &generations.back();
    const bool full = g && !g->table.HasRoomFor(keys.size());
    const bool old = g && t - g->start_time >= std::max<int64_t>(1, options.window_seconds / 4);
    if (!g || full || old || seq - g->first_seq >= BandTable::kMaxPositions) {
      size_t slots = kInitialTableSlots;
      if (g) {
        g->rolled_full = full;
        // Grow while the rate grows; otherwise size for the last generation's load.
        slots = full ? std::min(kMaxTableSlots, g->table.capacity() * 2)
                     : std::max(kInitialTableSlots, NextPow2(g->table.used() * 2));
      }
      generations.push_back(Generation{BandTable(slots), seq, seq, t});
      g = &generations.back();
    }
    for (uint64_t key : keys) g->table.Insert(key, static_cast<uint32_t>(seq - g->first_seq));
    g->end_seq = seq + 1;
  }

  // Records of an earlier signature version (from the topic or a snapshot
  // written by an older build) are not comparable with this build's
  // sketches: dropped and counted, logged once per index. Their stories
  // then start afresh; they would have left with the window anyway.
  void DropOlderVersion(uint64_t records, const char* what) {
    if (stats.old_version_records == 0) {
      LogWarn("dropping dedup signatures of an older version: not comparable with this build's sketches",
              {{"what", what}, {"records", std::to_string(records)},
               {"current_version", std::to_string(dedup::kSignatureVersion)}});
    }
    stats.old_version_records += records;
  }
};

StoryIndex::StoryIndex(DedupOptions options) : state_(std::make_unique<State>()) {
  options.bands = std::clamp(options.bands, 1, dedup::kBins);
  options.rows_per_band = std::clamp(options.rows_per_band, 1, dedup::kBins / options.bands);
  options.max_candidates = std::max(1, options.max_candidates);
  options.window_seconds = std::max<int64_t>(1, options.window_seconds);
  state_->options = options;
  state_->hopeless_max_equal_bins = dedup::HopelessMaxEqualBins(options);
}
StoryIndex::~StoryIndex() = default;

const DedupOptions& StoryIndex::options() const { return state_->options; }
size_t StoryIndex::open_stories() const { return state_->slot_of_story.size(); }

Assignment StoryIndex::Add(const CleanArticle& article) {
  State& s = *state_;
  ++s.stats.articles_seen;
  const absl::string_view text = article.text.empty() ? absl::string_view(article.title) : absl::string_view(article.text);
  std::vector<uint32_t> set = std::move(s.spare_set);
  s.spare_set = {};
  const Sketch sketch = dedup::MakeSketch(text, s.options.exact_cache_bytes > 0 ? &set : nullptr);
  const absl::string_view identity = !article.id.empty() ? absl::string_view(article.id)
                                     : !article.url.empty() ? absl::string_view(article.url) : text;
  const auto article_key = static_cast<uint32_t>(Hash64(identity));
  // Unknown publication time: the article is "now" for the window.
  const int64_t t = article.published_at > 0 ? article.published_at : s.watermark;
  s.Advance(t);

  thread_local std::vector<uint64_t> keys;
  s.BandKeys(sketch, &keys);
  const State::Match m = s.FindMatch(sketch, article_key, keys, &set);

  Assignment out;
  v1::DedupDecision& d = out.decision;
  v1::DedupEvidence& ev = *d.mutable_evidence();
  d.set_article_id(article.id);
  d.set_source(article.source);
  ev.set_candidates(static_cast<uint32_t>(m.candidates));
  if (m.redelivery) {
    // Seen before (a retry or replay): same story, nothing counted twice.
    const v1::Story& story = *s.stories[m.story_slot].story;
    // A duplicate even when it is the canonical article itself: its story
    // (and the story's events) already went out once.
    d.set_story_id(story.story_id());
    d.set_is_duplicate(true);
    d.set_duplicate_of(story.canonical_article_id());
    d.set_similarity(1.0);
    ev.set_estimated_similarity(1.0);
    ev.set_verified_similarity(1.0);
    ev.set_containment(1.0);
    ev.set_matched_bands(static_cast<uint32_t>(s.options.bands));
    ev.set_numbers_agree(true);
    ev.set_reason("redelivery");
    out.story = s.stories[m.story_slot].story;
    return out;
  }

  if (m.candidates > 0) {
    ev.set_estimated_similarity(m.best.estimated);
    // Exact when the candidate's shingles were still cached, else the estimate.
    ev.set_verified_similarity(m.best.similarity);
    ev.set_containment(m.best.containment);
    ev.set_matched_bands(static_cast<uint32_t>(m.best_bands));
    ev.set_numbers_agree(m.best.numbers_agree);
  } else {
    ev.set_numbers_agree(true);
  }

  uint32_t slot;
  if (m.found) {
    slot = m.story_slot;
    ++s.stats.duplicates;
    d.set_is_duplicate(true);
    d.set_duplicate_of(s.stories[slot].story->canonical_article_id());
    d.set_similarity(m.best.similarity);
    ev.set_reason(std::string(m.best.reason) + (m.best.exact ? " (exact)" : " (estimated)"));
  } else {
    slot = s.NewStory(s.StoryKeyFor(identity, sketch));
    out.story_is_new = true;
    ev.set_reason(m.candidates == 0 ? "new story"
                  : std::string("new story: ") + m.best.reason + (m.best.exact ? "" : " (estimated)"));
  }

  SignatureRecord rec;
  rec.article_key = article_key;
  rec.event_time = t;
  rec.sketch = sketch;
  rec.article_id = article.id;
  rec.source = article.source;
  rec.url = article.url;
  rec.title = article.title;
  rec.language = article.language;
  rec.first_seen = t;
  rec.duplicate_of = d.duplicate_of();
  rec.similarity = d.similarity();
  State::StoryState& st = s.stories[slot];
  s.Join(st, rec);
  d.set_story_id(st.story->story_id());
  out.story = st.story;

  rec.story_key = st.key;
  const v1::Story& story = *st.story;
  rec.num_articles = story.num_articles();
  rec.num_sources = story.num_sources();
  rec.version = story.version();
  rec.first_seen = story.first_seen().seconds();
  rec.canonical_article_id = story.canonical_article_id();
  rec.story_title = story.title();
  out.record = dedup::Encode(rec);

  s.Index(sketch, article_key, slot, t, keys, std::move(set), m.set_sorted);
  if (st.live_articles == 0) s.FreeStory(slot);  // too late for the window: nothing to keep
  return out;
}

absl::Status StoryIndex::Apply(absl::string_view bytes) {
  State& s = *state_;
  if (dedup::IsOlderVersionRecord(bytes)) {
    s.DropOlderVersion(1, "signature record");
    return absl::OkStatus();
  }
  absl::StatusOr<SignatureRecord> rec = dedup::Decode(bytes);
  if (!rec.ok()) return rec.status();
  s.Advance(rec->event_time);
  thread_local std::vector<uint64_t> keys;
  s.BandKeys(rec->sketch, &keys);
  const State::Match m = s.FindMatch(rec->sketch, rec->article_key, keys, nullptr);
  if (m.redelivery) return absl::OkStatus();
  if (rec->event_time < s.horizon()) return absl::OkStatus();  // outside the window
  if (m.found && s.stories[m.story_slot].key != rec->story_key) ++s.stats.twin_records;
  auto it = s.slot_of_story.find(rec->story_key);
  const uint32_t slot = it != s.slot_of_story.end() ? it->second : s.NewStory(rec->story_key);
  State::StoryState& st = s.stories[slot];
  const uint32_t counted = st.story->num_articles();
  s.Join(st, *rec);
  s.Index(rec->sketch, rec->article_key, slot, rec->event_time, keys, {});
  // Records of one story arrive in any order (several partitions and
  // instances): one behind a record already applied must not count its
  // article again. The distinct articles in the window are the floor when
  // two instances joined the story at the same time.
  s.Write(st).set_num_articles(std::max({counted, rec->num_articles, st.live_articles}));
  ++s.stats.records_applied;
  return absl::OkStatus();
}

std::string StoryIndex::Snapshot() const {
  const State& s = *state_;
  std::string out(kSnapshotMagic, sizeof kSnapshotMagic);
  auto put_u32 = [&](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  auto put_bytes = [&](const std::string& b) {
    put_u32(static_cast<uint32_t>(b.size()));
    out += b;
  };
  // Stories first (their counts include articles that already left the
  // window), then the records, which Restore() indexes without counting again.
  put_u32(static_cast<uint32_t>(s.slot_of_story.size()));
  for (const auto& [key, slot] : s.slot_of_story) put_bytes(s.stories[slot].story->SerializeAsString());
  put_u32(static_cast<uint32_t>(s.records.size()));
  for (const State::Record& r : s.records) {
    SignatureRecord rec;
    rec.story_key = s.stories[r.story_slot].key;
    rec.article_key = r.article_key;
    rec.event_time = s.TimeOf(r);
    rec.sketch = r.sketch;
    put_bytes(dedup::Encode(rec));
  }
  return out;
}

absl::Status StoryIndex::Restore(absl::string_view snapshot) {
  State& s = *state_;
  if (!s.records.empty() || !s.slot_of_story.empty()) {
    return absl::FailedPreconditionError("Restore needs an empty StoryIndex");
  }
  if (snapshot.size() < sizeof kSnapshotMagic ||
      std::memcmp(snapshot.data(), kSnapshotMagic, sizeof kSnapshotMagic - 1) != 0 ||
      snapshot[sizeof kSnapshotMagic - 1] < '1' || snapshot[sizeof kSnapshotMagic - 1] > kSnapshotMagic[7]) {
    return absl::InvalidArgumentError("not a dedup snapshot (bad magic)");
  }
  const bool older_version = snapshot[sizeof kSnapshotMagic - 1] < kSnapshotMagic[7];
  snapshot.remove_prefix(sizeof kSnapshotMagic);
  auto get_u32 = [&](uint32_t* v) {
    if (snapshot.size() < sizeof *v) return false;
    std::memcpy(v, snapshot.data(), sizeof *v);
    snapshot.remove_prefix(sizeof *v);
    return true;
  };
  auto get_bytes = [&](absl::string_view* b) {
    uint32_t n = 0;
    if (!get_u32(&n) || snapshot.size() < n) return false;
    *b = snapshot.substr(0, n);
    snapshot.remove_prefix(n);
    return true;
  };
  const absl::Status truncated = absl::InvalidArgumentError("dedup snapshot truncated");
  uint32_t n = 0;
  if (older_version) {
    // Same layout (stories, then records): counted and dropped whole.
    absl::string_view b;
    for (int part = 0; part < 2; ++part) {
      if (!get_u32(&n)) return truncated;
      for (uint32_t i = 0; i < n; ++i) {
        if (!get_bytes(&b)) return truncated;
      }
    }
    s.DropOlderVersion(n, "snapshot");
    return snapshot.empty() ? absl::OkStatus() : absl::InvalidArgumentError("dedup snapshot: trailing bytes");
  }
  if (!get_u32(&n)) return truncated;
  for (uint32_t i = 0; i < n; ++i) {
    absl::string_view b;
    v1::Story story;
    if (!get_bytes(&b) || !story.ParseFromArray(b.data(), static_cast<int>(b.size()))) return truncated;
    unsigned long long key = 0;
    if (std::sscanf(story.story_id().c_str(), "s-%16llx", &key) != 1 || key == 0) {
      return absl::InvalidArgumentError("dedup snapshot: bad story id " + story.story_id());
    }
    State::StoryState& st = s.stories[s.NewStory(key)];
    *st.story = std::move(story);
    for (const std::string& src : st.story->sources()) st.source_hashes.push_back(Hash64(src));
  }
  if (!get_u32(&n)) return truncated;
  for (uint32_t i = 0; i < n; ++i) {
    absl::string_view b;
    if (!get_bytes(&b)) return truncated;
    absl::StatusOr<SignatureRecord> rec = dedup::Decode(b);
    if (!rec.ok()) return rec.status();
    auto it = s.slot_of_story.find(rec->story_key);
    if (it == s.slot_of_story.end()) return absl::InvalidArgumentError("dedup snapshot: record of an unknown story");
    s.Advance(rec->event_time);
    std::vector<uint64_t> keys;
    s.BandKeys(rec->sketch, &keys);
    s.Index(rec->sketch, rec->article_key, it->second, rec->event_time, keys, {});
  }
  // Stories whose records all fell out of the window meanwhile.
  for (uint32_t slot = 0; slot < s.stories.size(); ++slot) {
    if (s.stories[slot].key != 0 && s.stories[slot].live_articles == 0) s.FreeStory(slot);
  }
  return snapshot.empty() ? absl::OkStatus() : absl::InvalidArgumentError("dedup snapshot: trailing bytes");
}

IndexStats StoryIndex::stats() const {
  const State& s = *state_;
  IndexStats st = s.stats;
  st.articles_indexed = s.records.size();
  st.stories_open = s.slot_of_story.size();
  st.exact_cache_bytes = s.exact_bytes + s.exact_sets.size() * sizeof(State::ExactEntry);
  st.index_bytes = s.records.size() * sizeof(State::Record);
  for (const auto& g : s.generations) st.index_bytes += g.table.bytes();
  st.story_bytes = s.stories.size() * sizeof(State::StoryState) +
                   s.slot_of_story.capacity() * (sizeof(uint64_t) + sizeof(uint32_t) + 1);
  // Story messages vary in size: measured on a bounded sample of slots and
  // scaled, so stats() stays cheap enough for every metrics scrape.
  constexpr size_t kSample = 64;
  const size_t step = std::max<size_t>(1, s.stories.size() / kSample);
  size_t sampled = 0, sampled_bytes = 0;
  for (size_t i = 0; i < s.stories.size() && sampled < kSample; i += step) {
    const State::StoryState& story = s.stories[i];
    if (story.key == 0) continue;
    ++sampled;
    sampled_bytes += story.story->SpaceUsedLong() + story.source_hashes.capacity() * sizeof(uint64_t);
  }
  if (sampled > 0) st.story_bytes += sampled_bytes * st.stories_open / sampled;
  return st;
}

}  // namespace eventwire
