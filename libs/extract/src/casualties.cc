#include "casualties.h"

#include <algorithm>
#include <cctype>

namespace eventwire::extract_internal {
namespace {

// Surface forms -> casualty kind, and whether the form takes its victims
// after it ("killing 12 soldiers") as well as before ("12 soldiers were killed").
struct Keyword {
  std::string_view word;
  std::string_view kind;
  bool victims_follow;
};
constexpr Keyword kKeywords[] = {
    {"killed", "killed", true},      {"killing", "killed", true},     {"kills", "killed", true},
    {"dead", "killed", false},       {"died", "killed", false},       {"deaths", "killed", false},
    {"slain", "killed", false},      {"lives", "killed", false},      {"wounded", "wounded", true},
    {"wounding", "wounded", true},   {"injured", "wounded", true},    {"injuring", "wounded", true},
    {"hurt", "wounded", false},      {"injuries", "wounded", false},  {"missing", "missing", false},
    {"arrested", "arrested", true},  {"detained", "arrested", true},  {"arresting", "arrested", true},
    {"displaced", "displaced", true}, {"displacing", "displaced", true}};

const Keyword* FindKeyword(std::string_view w) {
  for (const Keyword& k : kKeywords)
    if (k.word == w) return &k;
  return nullptr;
}

// Words allowed between a number and what it counts ("at least", "some").
bool IsQuantifierWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {"at", "least", "some", "about", "around", "nearly", "almost",
                                                "more", "than", "over", "up", "to", "an", "estimated",
                                                "another", "a", "further", "roughly", "approximately"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

bool IsLinkWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {"were", "was", "have", "has", "had", "been", "be", "are", "is",
                                                "reportedly", "also", "later", "left", "being", "who", "all"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

// Words that cannot be part of a victim group.
bool EndsGroup(const Token& t) {
  static constexpr std::string_view kStops[] = {"in", "on", "at", "and", "or", "by", "when", "after", "as",
                                                "during", "near", "with", "from", "were", "was", "have",
                                                "had", "has", "are", "is", "the", "of", "while", "since"};
  return t.punct || t.number || FindKeyword(t.lower) != nullptr ||
         std::find(std::begin(kStops), std::end(kStops), t.lower) != std::end(kStops);
}

// A number that counts people, not a year, percentage or distance.
bool IsCount(const std::vector<Token>& toks, size_t i) {
  const Token& t = toks[i];
  if (!t.number || t.value < 1 || t.value > 1e6 || t.value != static_cast<double>(static_cast<uint32_t>(t.value)))
    return false;
  if (t.end - t.begin == 4 && t.value >= 1900 && t.value <= 2100) return false;
  if (i + 1 < toks.size()) {
    static constexpr std::string_view kUnits[] = {"%", "percent", "km", "kilometers", "kilometres", "miles",
                                                  "years", "days", "hours", "months", "weeks", "dollars",
                                                  "million", "billion", "metres", "meters"};
    if (std::find(std::begin(kUnits), std::end(kUnits), toks[i + 1].lower) != std::end(kUnits)) return false;
  }
  return true;
}

// Number words that combine with the one before: "twenty three" (the
// tokenizer splits "twenty-three"), "two dozen", "three hundred".
bool Combines(const Token& first, const Token& next) {
  if (!first.number || !next.number) return false;
  if (next.lower == "dozen" || next.lower == "hundred") return first.value < 100;
  const int v = static_cast<int>(first.value);
  return first.value == v && v >= 20 && v <= 90 && v % 10 == 0 && next.value < 10 && first.lower != next.lower &&
         std::isalpha(static_cast<unsigned char>(first.lower[0])) != 0;
}

// The value of the compound number starting at `i`; `*last` is its last token.
uint32_t CompoundValue(const std::vector<Token>& toks, size_t i, size_t* last) {
  double v = toks[i].value;
  size_t k = i;
  while (k + 1 < toks.size() && Combines(toks[k], toks[k + 1])) {
    const Token& next = toks[k + 1];
    v = (next.lower == "dozen" || next.lower == "hundred") ? v * next.value : v + next.value;
    ++k;
  }
  *last = k;
  return static_cast<uint32_t>(v);
}

std::string GroupAfter(std::string_view sentence, const std::vector<Token>& toks, size_t i) {
  size_t end = i;
  while (end < toks.size() && end < i + 3 && !EndsGroup(toks[end])) ++end;
  if (end == i) return "";
  return std::string(sentence.substr(toks[i].begin, toks[end - 1].end - toks[i].begin));
}

}  // namespace

std::vector<CasualtyMention> FindCasualties(std::string_view sentence, const std::vector<Token>& toks) {
  std::vector<CasualtyMention> out;
  std::vector<bool> used(toks.size(), false);
  std::string last_group;
  for (size_t k = 0; k < toks.size(); ++k) {
    const Keyword* kw = FindKeyword(toks[k].lower);
    if (kw == nullptr) continue;
    CasualtyMention m;
    m.kind = std::string(kw->kind);
    size_t num = toks.size();
    // Victims after the keyword: "killing at least 12 soldiers".
    if (kw->victims_follow) {
      size_t j = k + 1;
      while (j < toks.size() && j < k + 5 && IsQuantifierWord(toks[j].lower)) ++j;
      if (j < toks.size() && IsCount(toks, j) && !used[j]) {
        num = j;
        size_t last = j;
        CompoundValue(toks, j, &last);
        m.group = GroupAfter(sentence, toks, last + 1);
      }
    }
    // Victims before it: "50 civilians were killed", "447 wounded", "three people dead".
    if (num == toks.size()) {
      for (size_t back = 1; back <= 10 && back <= k; ++back) {  // "Nine Palestinians, including a woman, were killed"
        const size_t j = k - back;
        if (toks[j].punct && toks[j].lower != ",") break;
        if (IsCount(toks, j) && !used[j]) {
          num = j;
          while (num > 0 && Combines(toks[num - 1], toks[num])) --num;
          // The group sits between the number and the keyword, minus linking verbs.
          size_t g_end = j + 1;
          while (g_end < k && !IsLinkWord(toks[g_end].lower) && !EndsGroup(toks[g_end])) ++g_end;
          if (g_end > j + 1)
            m.group = std::string(sentence.substr(toks[j + 1].begin, toks[g_end - 1].end - toks[j + 1].begin));
          else if (j > 0 && toks[j - 1].lower == "and")
            m.group = last_group;  // "50 civilians were killed and 447 wounded"
          break;
        }
        if (toks[j].number || FindKeyword(toks[j].lower) != nullptr) break;
      }
    }
    if (num == toks.size()) continue;
    size_t last = num;
    m.count = CompoundValue(toks, num, &last);
    for (size_t u = num; u <= last; ++u) used[u] = true;
    if (m.group.empty() && kw->victims_follow == false && num + 1 < toks.size() && toks[num + 1].lower == "and")
      m.group = last_group;
    if (!m.group.empty()) last_group = m.group;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace eventwire::extract_internal
