#include "evaluate.h"

#include <xxhash.h>

#include <algorithm>
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
  for (uint32_t i : order) {
    v1::RawArticle raw;
    raw.set_id(items[i].id);
    raw.set_source(items[i].source);
    raw.set_title(items[i].content.title);
    raw.set_text(items[i].content.text);
    raw.mutable_published_at()->set_seconds(items[i].time);
    raw.set_language("en");
    CleanArticle clean = Clean(raw);
    story_of[i] = index.Add(clean).decision.story_id();
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

  absl::flat_hash_map<std::string, std::vector<uint32_t>> members;
  for (uint32_t i = 0; i < items.size(); ++i) {
    if (!is_lookalike(i)) members[story_of[i]].push_back(i);
  }
  uint64_t tp_wo = 0, pred_wo = 0, label_wo = 0;
  for (const auto& [story, ids] : members) {
    for (size_t a = 0; a < ids.size(); ++a) {
      for (size_t b = a + 1; b < ids.size(); ++b) {
        const bool trunc = is_truncation(ids[a]) || is_truncation(ids[b]);
        ++r.predicted_pairs;
        pred_wo += !trunc;
        if (labels.contains(PairKey(ids[a], ids[b]))) {
          ++r.true_pairs;
          tp_wo += !trunc;
        } else if (trunc) {
          ++r.false_pairs_with_truncation;
        }
      }
    }
  }
  r.label_pairs = labels.size();
  for (uint64_t key : labels) {
    label_wo += !(is_truncation(static_cast<uint32_t>(key >> 32)) || is_truncation(static_cast<uint32_t>(key)));
  }
  auto ratio = [](uint64_t a, uint64_t b) { return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b); };
  r.precision = ratio(r.true_pairs, r.predicted_pairs);
  r.recall = ratio(r.true_pairs, r.label_pairs);
  r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0;
  r.precision_wo_truncation = ratio(tp_wo, pred_wo);
  r.recall_wo_truncation = ratio(tp_wo, label_wo);

  for (uint32_t i = 0; i < items.size(); ++i) {
    if (items[i].original < 0) continue;
    KindStats& k = r.kinds[items[i].kind];
    ++k.generated;
    const bool joined = story_of[i] == story_of[items[i].original];
    k.joined += joined;
    if (joined && is_lookalike(i) && std::getenv("DEDUP_EVAL_DEBUG")) {
      std::fprintf(stderr, "--- lookalike merged:\n%s\n+++ original:\n%s\n", cleaned[i].c_str(),
                   cleaned[items[i].original].c_str());
    }
    if (Jaccard(shingles[i], shingles[items[i].original]) >= config.label_threshold) {
      ++k.label_positive;
      k.label_positive_joined += joined;
    }
  }
  const KindStats& look = r.kinds[static_cast<int>(VariantKind::kLookalike)];
  r.lookalike_false_merge_rate = ratio(look.joined, look.generated);
  if (look.generated == 0) r.lookalike_false_merge_rate = 0;
  return r;
}

std::string EvalReport::Format() const {
  std::string out = absl::StrFormat(
      "items %zu (originals %zu, generated %zu), clean+dedup %.1f s\n"
      "pairs: label %llu, predicted %llu, true %llu\n"
      "precision %.4f  recall %.4f  F1 %.4f   (labels: exact word-5-gram Jaccard >= 0.8)\n"
      "  predicted pairs below the label cut that involve a truncated copy: %llu\n"
      "  without truncated copies: precision %.4f  recall %.4f\n"
      "lookalike false merge rate %.4f\n"
      "per variant: joined its original (all) | joined when label >= 0.8\n",
      items, originals, items - originals, seconds, static_cast<unsigned long long>(label_pairs),
      static_cast<unsigned long long>(predicted_pairs), static_cast<unsigned long long>(true_pairs), precision,
      recall, f1, static_cast<unsigned long long>(false_pairs_with_truncation), precision_wo_truncation,
      recall_wo_truncation, lookalike_false_merge_rate);
  for (int k = 0; k < kNumVariantKinds; ++k) {
    const KindStats& s = kinds[k];
    out += absl::StrFormat("  %-12s n=%5zu  joined %.4f | label+ %5zu joined %.4f\n",
                           VariantName(static_cast<VariantKind>(k)), s.generated,
                           s.generated ? static_cast<double>(s.joined) / s.generated : 0.0, s.label_positive,
                           s.label_positive ? static_cast<double>(s.label_positive_joined) / s.label_positive : 0.0);
  }
  return out;
}

}  // namespace eventwire::dedup_eval
