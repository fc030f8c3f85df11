#include "evaluate.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_format.h>

#include "eventwire/clean.h"
#include "eventwire/json_lines.h"
#include "reuters.h"

namespace eventwire::dedup_eval {
namespace {

struct Item {
  std::string id, source;
  Text content;
  int64_t time = 0;
  int original = -1;  // index of the original item for variants
  int kind = -1;      // VariantKind for variants
};

// Label words: runs of ASCII letters/digits and non-punctuation non-ASCII
// characters, ASCII lower-cased. Deliberately simpler than (and independent
// of) the dedup tokenizer.
std::vector<uint64_t> LabelShingles(const std::string& text) {
  std::vector<std::string> words;
  std::string w;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    len = std::min(len, text.size() - i);
    bool word_char;
    if (c < 0x80) {
      word_char = std::isalnum(c);
    } else {
      // U+0080..U+00BF (C2 xx) and U+2000..U+206F (E2 80/81 xx) are punctuation.
      const auto c1 = len > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
      word_char = !(c == 0xC2 || (c == 0xE2 && (c1 == 0x80 || c1 == 0x81)));
    }
    if (word_char) {
      for (size_t k = 0; k < len; ++k) w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + k]))));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
    i += len;
  }
  if (!w.empty()) words.push_back(std::move(w));
  std::vector<uint64_t> out;
  if (words.empty()) return out;
  const size_t n = 5;
  for (size_t i = 0; i + n <= std::max(words.size(), n); ++i) {
    std::string g;
    for (size_t k = i; k < std::min(i + n, words.size()); ++k) g += words[k] + ' ';
    out.push_back(XXH3_64bits(g.data(), g.size()));
    if (words.size() < n) break;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 1;
  size_t i = 0, j = 0, inter = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (a[i] > b[j]) ++j;
    else { ++inter; ++i; ++j; }
  }
  return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

uint64_t PairKey(uint32_t a, uint32_t b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// All pairs with exact Jaccard >= t, by prefix filtering (Chaudhuri et al.
// 2006): such a pair shares a shingle among the first |A| - ceil(t|A|) + 1
// of each sorted set, so only those need indexing. Exact, not sampled.
absl::flat_hash_set<uint64_t> LabelPairs(const std::vector<std::vector<uint64_t>>& sets, double t) {
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> postings;
  absl::flat_hash_set<uint64_t> pairs;
  for (uint32_t d = 0; d < sets.size(); ++d) {
    const auto& s = sets[d];
    if (s.empty()) continue;
    const size_t prefix = s.size() - static_cast<size_t>(std::ceil(t * s.size())) + 1;
    absl::flat_hash_set<uint32_t> seen;
    for (size_t i = 0; i < prefix && i < s.size(); ++i) {
      auto& list = postings[s[i]];
      for (uint32_t other : list) {
        if (!seen.insert(other).second) continue;
        const auto& o = sets[other];
        const double ratio = static_cast<double>(std::min(o.size(), s.size())) / std::max(o.size(), s.size());
        if (ratio >= t && Jaccard(s, o) >= t) pairs.insert(PairKey(d, other));
      }
      list.push_back(d);
    }
  }
  return pairs;
}

// Figures (words with a digit, month names) in which a look-alike's cleaned
// text differs from its original's: position by position when the cleaner
// kept the same number of words, else those missing from the original.
int VisibleFigureChanges(const std::string& lookalike, const std::string& original) {
  auto words = [](const std::string& text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text + " ") {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!w.empty()) out.push_back(std::move(w));
        w.clear();
      } else {
        w.push_back(c);
      }
    }
    return out;
  };
  auto figure = [](const std::string& w) {
    if (std::any_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return true;
    return CountFigures(w) > 0;  // a month name
  };
  const std::vector<std::string> a = words(lookalike), b = words(original);
  int changes = 0;
  if (a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i) changes += a[i] != b[i] && (figure(a[i]) || figure(b[i]));
    return changes;
  }
  std::vector<std::string> rest;
  for (const std::string& w : b) {
    if (figure(w)) rest.push_back(w);
  }
  for (const std::string& w : a) {
    if (!figure(w)) continue;
    auto it = std::find(rest.begin(), rest.end(), w);
    if (it == rest.end()) {
      ++changes;
    } else {
      rest.erase(it);
    }
  }
  return changes;
}

// A truncation in fact, which the Jaccard label calls distinct: Jaccard
// below the label cut, but the smaller set >= 90% inside the larger, which
// keeps at most twice as many shingles (the 50-90% cuts the design joins).
bool Contained(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, double label_cut) {
  const size_t small = std::min(a.size(), b.size()), large = std::max(a.size(), b.size());
  if (small == 0 || 2 * small < large) return false;
  const double j = Jaccard(a, b);
  if (j >= label_cut) return false;
  const double inter = j * static_cast<double>(a.size() + b.size()) / (1 + j);
  return inter >= 0.9 * static_cast<double>(small);
}

// Pairwise precision/recall of stories against gold clusters over the items
// in the universe, leaving contained pairs out (counted separately).
template <typename Find, typename InUniverse>
PairScore ScoreWithContained(const std::vector<std::string>& story_of, const std::vector<std::vector<uint64_t>>& sets,
                             double label_cut, Find& find, InUniverse in_universe) {
  PairScore p;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_story;
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> by_gold;
  for (uint32_t i = 0; i < story_of.size(); ++i) {
    if (!in_universe(i)) continue;
    ++p.items;
    by_story[story_of[i]].push_back(i);
    by_gold[find(i)].push_back(i);
  }
  for (const auto& [story, ids] : by_story) {
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = a + 1; b < ids.size(); ++b) {
        if (Contained(sets[ids[a]], sets[ids[b]], label_cut)) {
          ++p.contained_pairs;
          ++p.contained_joined;
          continue;
        }
        ++p.predicted_pairs;
        p.true_pairs += find(ids[a]) == find(ids[b]);
      }
    }
  }
  for (const auto& [gold, ids] : by_gold) {
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = a + 1; b < ids.size(); ++b) {
        if (!Contained(sets[ids[a]], sets[ids[b]], label_cut)) {
          ++p.gold_pairs;
        } else if (story_of[ids[a]] != story_of[ids[b]]) {
          ++p.contained_pairs;  // a labelled pair the product kept apart
        }
      }
    }
  }
  p.precision = p.predicted_pairs ? static_cast<double>(p.true_pairs) / static_cast<double>(p.predicted_pairs) : 1;
  p.recall = p.gold_pairs ? static_cast<double>(p.true_pairs) / static_cast<double>(p.gold_pairs) : 1;
  return p;
}

}  // namespace

absl::StatusOr<EvalReport> RunEval(const EvalConfig& config) {
  absl::StatusOr<std::vector<CorpusArticle>> corpus = LoadReuters(config.corpus_dir);
  if (!corpus.ok()) return corpus.status();
  if (config.max_originals > 0 && corpus->size() > config.max_originals) corpus->resize(config.max_originals);

  std::mt19937 rng(config.seed);
  std::vector<Item> items;
  items.reserve(corpus->size() * 2);
  for (const CorpusArticle& a : *corpus) items.push_back(Item{a.id, "reuters", Text{a.title, a.text}, a.time});
  const size_t originals = items.size();

  // Variants of a random sample of originals with enough text to syndicate.
  std::vector<int> eligible;
  for (size_t i = 0; i < originals; ++i) {
    if (std::count(items[i].content.text.begin(), items[i].content.text.end(), ' ') >= 40) eligible.push_back(static_cast<int>(i));
  }
  std::shuffle(eligible.begin(), eligible.end(), rng);
  if (eligible.size() > config.variant_stories) eligible.resize(config.variant_stories);
  std::sort(eligible.begin(), eligible.end());
  std::uniform_int_distribution<int64_t> delay(60, 36 * 3600);
  for (int o : eligible) {
    for (int k = 0; k < kNumVariantKinds; ++k) {
      const auto kind = static_cast<VariantKind>(k);
      if (kind == VariantKind::kLookalike && CountFigures(items[o].content.text) < 3) continue;
      const int site = static_cast<int>(rng() % 6);
      Item v;
      v.id = items[o].id + "/" + VariantName(kind);
      v.source = kind == VariantKind::kLookalike ? "reuters" : "site-" + std::to_string(site);
      v.content = MakeVariant(items[o].content, kind, site, rng);
      v.time = items[o].time + delay(rng);
      v.original = o;
      v.kind = k;
      items.push_back(std::move(v));
    }
  }
  std::vector<uint32_t> order(items.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return items[a].time < items[b].time; });

  // Stream through the real stages, as `eventwire dedup` does.
  std::vector<std::string> story_of(items.size());
  std::vector<std::vector<uint64_t>> shingles(items.size());
  StoryIndex index(config.options);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> cleaned(items.size());
  std::vector<std::string> why(items.size());
  for (uint32_t i : order) {
    v1::RawArticle raw;
    raw.set_id(items[i].id);
    raw.set_source(items[i].source);
    raw.set_title(items[i].content.title);
    raw.set_text(items[i].content.text);
    raw.mutable_published_at()->set_seconds(items[i].time);
    raw.set_language("en");
    CleanArticle clean = Clean(raw);
    const Assignment a = index.Add(clean);
    story_of[i] = a.decision.story_id();
    if (std::getenv("DEDUP_EVAL_DEBUG")) why[i] = ToJsonLine(a.decision);
    cleaned[i] = std::move(clean.text);
  }
  EvalReport r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.originals = originals;
  r.items = items.size();
  for (size_t i = 0; i < items.size(); ++i) shingles[i] = LabelShingles(cleaned[i]);

  auto is_truncation = [&](uint32_t i) { return items[i].kind == static_cast<int>(VariantKind::kTruncation); };
  // Template look-alikes are judged by the false-merge rate, not by the
  // Jaccard label (their wording is the template's): kept out of the pairs.
  auto is_lookalike = [&](uint32_t i) { return items[i].kind == static_cast<int>(VariantKind::kLookalike); };
  std::vector<std::vector<uint64_t>> label_sets = shingles;
  for (uint32_t i = 0; i < items.size(); ++i) {
    if (is_lookalike(i)) label_sets[i].clear();
  }
  const absl::flat_hash_set<uint64_t> labels = LabelPairs(label_sets, config.label_threshold);
  r.label_edges = labels.size();

  // Gold clusters: connected components of the label graph (union-find).
  std::vector<uint32_t> parent(items.size());
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (uint64_t key : labels) {
    const uint32_t a = find(static_cast<uint32_t>(key >> 32)), b = find(static_cast<uint32_t>(key));
    if (a != b) parent[a] = b;
  }
  auto pairs = [](uint64_t n) { return n * (n - 1) / 2; };
  auto ratio = [](uint64_t a, uint64_t b) { return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b); };
  // Pair counting over a contingency table of (story, gold cluster).
  auto score = [&](auto in_universe) {
    PairScore p;
    absl::flat_hash_map<std::string, uint64_t> per_story;
    absl::flat_hash_map<uint32_t, uint64_t> per_gold;
    absl::flat_hash_map<std::pair<std::string, uint32_t>, uint64_t> per_cell;
    for (uint32_t i = 0; i < items.size(); ++i) {
      if (!in_universe(i)) continue;
      ++p.items;
      ++per_story[story_of[i]];
      ++per_gold[find(i)];
      ++per_cell[{story_of[i], find(i)}];
    }
    for (const auto& [k, n] : per_story) p.predicted_pairs += pairs(n);
    for (const auto& [k, n] : per_gold) p.gold_pairs += pairs(n);
    for (const auto& [k, n] : per_cell) p.true_pairs += pairs(n);
    p.precision = ratio(p.true_pairs, p.predicted_pairs);
    p.recall = ratio(p.true_pairs, p.gold_pairs);
    return p;
  };
  r.primary = ScoreWithContained(story_of, shingles, config.label_threshold, find, [&](uint32_t i) { return !is_lookalike(i) && !is_truncation(i); });
  r.strict = score([&](uint32_t i) { return !is_lookalike(i); });
  if (std::getenv("DEDUP_EVAL_DEBUG")) {
    // Stories that mix gold clusters (the primary false pairs), with the
    // label Jaccard of each member to the story's first member.
    absl::flat_hash_map<std::string, std::vector<uint32_t>> by_story;
    for (uint32_t i : order) {
      if (!is_lookalike(i) && !is_truncation(i)) by_story[story_of[i]].push_back(i);
    }
    for (const auto& [story, ids] : by_story) {
      bool mixed = false;
      for (uint32_t i : ids) mixed |= find(i) != find(ids[0]);
      if (!mixed) continue;
      std::fprintf(stderr, "=== mixed story %s\n", story.c_str());
      for (uint32_t i : ids) {
        std::fprintf(stderr, "  %-28s gold %6u  jaccard-to-first %.3f  %s\n", items[i].id.c_str(), find(i),
                     Jaccard(shingles[i], shingles[ids[0]]), why[i].substr(0, 400).c_str());
      }
    }
  }

  // Direct (non-transitive) pairs over the strict universe.
  absl::flat_hash_map<std::string, std::vector<uint32_t>> members;
  for (uint32_t i = 0; i < items.size(); ++i) {
    if (!is_lookalike(i)) members[story_of[i]].push_back(i);
  }
  r.direct.items = r.strict.items;
  r.direct.gold_pairs = labels.size();
  for (const auto& [story, ids] : members) {
    r.direct.predicted_pairs += pairs(ids.size());
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = a + 1; b < ids.size(); ++b) r.direct.true_pairs += labels.contains(PairKey(ids[a], ids[b]));
    }
  }
  r.direct.precision = ratio(r.direct.true_pairs, r.direct.predicted_pairs);
  r.direct.recall = ratio(r.direct.true_pairs, r.direct.gold_pairs);

  // Which story each item opened (to tell "joined another story" from "new").
  absl::flat_hash_set<std::string> opened;
  std::vector<bool> opened_story(items.size());
  for (uint32_t i : order) opened_story[i] = opened.insert(story_of[i]).second;
  const bool debug = std::getenv("DEDUP_EVAL_DEBUG") != nullptr;
  for (uint32_t i = 0; i < items.size(); ++i) {
    if (items[i].original < 0) continue;
    // A look-alike needs two figures that differ where dedup can see them
    // (the cleaned body): with one, it is a copy with a corrected figure,
    // which is joined by design; reported apart.
    if (is_lookalike(i) && VisibleFigureChanges(cleaned[i], cleaned[items[i].original]) < 2) {
      ++r.lookalike_indistinct;
      r.lookalike_indistinct_joined += story_of[i] == story_of[items[i].original];
      continue;
    }
    KindStats& k = r.kinds[items[i].kind];
    ++k.generated;
    const bool joined = story_of[i] == story_of[items[i].original];
    k.joined += joined;
    k.joined_other += !joined && !opened_story[i];
    const bool positive = Jaccard(shingles[i], shingles[items[i].original]) >= config.label_threshold;
    if (positive) {
      ++k.label_positive;
      k.label_positive_joined += joined;
    }
    // Debug: label and decision disagree (truncated copies join by design).
    if (debug && ((positive != joined && (!is_truncation(i) || positive)) || (joined && is_lookalike(i)))) {
      std::fprintf(stderr, "--- %s %s jaccard %.3f\n%s\n%s\n+++\n%s\n", joined ? "merged" : "missed",
                   items[i].id.c_str(), Jaccard(shingles[i], shingles[items[i].original]), why[i].c_str(),
                   cleaned[i].c_str(), cleaned[items[i].original].c_str());
    }
  }
  const KindStats& look = r.kinds[static_cast<int>(VariantKind::kLookalike)];
  r.lookalike_false_merge_rate = look.generated == 0 ? 0 : ratio(look.joined, look.generated);
  return r;
}

std::string EvalReport::Format() const {
  auto line = [](const char* name, const PairScore& p) {
    return absl::StrFormat("  %-8s items %6zu  pairs gold %7llu predicted %7llu true %7llu  precision %.4f  recall %.4f\n",
                           name, p.items, static_cast<unsigned long long>(p.gold_pairs),
                           static_cast<unsigned long long>(p.predicted_pairs),
                           static_cast<unsigned long long>(p.true_pairs), p.precision, p.recall);
  };
  std::string out = absl::StrFormat(
      "items %zu (originals %zu, generated %zu), clean+dedup %.1f s, label edges (exact word-5-gram Jaccard >= 0.8) %llu\n"
      "pairwise against gold clusters = connected components of the label graph:\n",
      items, originals, items - originals, seconds, static_cast<unsigned long long>(label_edges));
  out += line("primary", primary);
  out += absl::StrFormat(
      "           (template look-alikes and generated truncated copies left out: judged below; %llu pairs where\n"
      "            one text is a >= 50%% cut of the other (containment >= 0.9) not scored, %llu of them joined)\n",
      static_cast<unsigned long long>(primary.contained_pairs), static_cast<unsigned long long>(primary.contained_joined));
  out += line("strict", strict);
  out += "           (truncated copies included: joining them counts against precision)\n";
  out += line("direct", direct);
  out += "           (non-transitive: a pair is true only if its own Jaccard >= 0.8)\n";
  out += absl::StrFormat(
      "lookalike false merge rate %.4f   (look-alikes with >= 2 figures changed in the cleaned body; %zu more\n"
      "  with < 2 visible changes are corrected copies to dedup, not scored: %zu of them joined)\n",
      lookalike_false_merge_rate, lookalike_indistinct, lookalike_indistinct_joined);
  out += "per variant: joined its original | joined another story | joined when label >= 0.8\n";
  for (int k = 0; k < kNumVariantKinds; ++k) {
    const KindStats& s = kinds[k];
    auto frac = [](size_t a, size_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    out += absl::StrFormat("  %-12s n=%5zu  joined %.4f | other %.4f | label+ %5zu joined %.4f\n",
                           VariantName(static_cast<VariantKind>(k)), s.generated, frac(s.joined, s.generated),
                           frac(s.joined_other, s.generated), s.label_positive,
                           frac(s.label_positive_joined, s.label_positive));
  }
  return out;
}

}  // namespace eventwire::dedup_eval
