#include "lexicon.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <nlohmann/json.hpp>

namespace eventwire::extract_internal {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

absl::Status Invalid(std::string_view what) { return absl::InvalidArgumentError(AV(what)); }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

// ---- helpers ----------------------------------------------------------------

absl::Status ReadTsv(const std::string& path, size_t min_fields,
                     const std::function<absl::Status(size_t, const std::vector<std::string_view>&)>& row) {
  std::string text;
  if (!ReadFile(path, &text)) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  size_t line_no = 0;
  std::vector<std::string_view> fields;
  for (absl::string_view line : absl::StrSplit(AV(text), '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || stripped.front() == '#') continue;
    fields.clear();
    for (absl::string_view f : absl::StrSplit(line, '\t')) fields.push_back(SV(absl::StripAsciiWhitespace(f)));
    absl::Status st;
    if (fields.size() < min_fields) {
      st = Invalid(absl::StrCat("expected at least ", min_fields, " tab-separated fields, got ", fields.size()));
    } else {
      st = row(line_no, fields);
    }
    if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": ", st.message()));
  }
  return absl::OkStatus();
}

bool ParseIsoDate(std::string_view s, CivilDate* out) {
  *out = {};
  if (s.empty() || s == "-") return true;
  std::vector<absl::string_view> parts = absl::StrSplit(AV(s), '-');
  if (parts.size() > 3) return false;
  int v[3] = {0, 1, 1};
  for (size_t i = 0; i < parts.size(); ++i)
    if (!absl::SimpleAtoi(parts[i], &v[i])) return false;
  if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) return false;
  *out = {v[0], v[1], v[2]};
  return true;
}

std::string FoldToAscii(std::string_view utf8) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  icu::UnicodeString dst = U_SUCCESS(err) ? nfd->normalize(src, err) : src;
  std::string decomposed;
  dst.toUTF8String(decomposed);
  std::string out;
  for (char c : decomposed)
    if (static_cast<unsigned char>(c) < 0x80) out.push_back(c);
  return out;
}

// ---- Codebook ---------------------------------------------------------------

absl::Status Codebook::Load(const std::string& path) {
  absl::Status st = ReadTsv(path, 6, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    CodeInfo c;
    c.code = std::string(f[0]);
    if (!AllDigits(c.code) || c.code.size() < 2 || c.code.size() > 4)
      return Invalid(absl::StrCat("CAMEO code must be 2-4 digits, got '", c.code, "'"));
    if (codes_.contains(c.code)) return Invalid(absl::StrCat("duplicate code ", c.code));
    if (c.code.size() == 2) {
      if (!absl::SimpleAtoi(AV(f[1]), &c.quad_class) || c.quad_class < 1 || c.quad_class > 4)
        return Invalid("a root needs a quad class 1-4");
    } else if (f[1] != "-") {
      return Invalid("quad class is given on roots only; write '-'");
    } else if (!codes_.contains(c.code.substr(0, 2))) {
      return Invalid(absl::StrCat("root ", c.code.substr(0, 2), " of ", c.code, " is not defined above"));
    }
    if (!absl::SimpleAtod(AV(f[2]), &c.goldstein) || c.goldstein < -10 || c.goldstein > 10)
      return Invalid("Goldstein score must be a number in [-10, 10]");
    c.plover_type = f[3] == "-" ? "" : std::string(f[3]);
    c.plover_mode = f[4] == "-" ? "" : std::string(f[4]);
    c.name = std::string(f[5]);
    codes_.emplace(c.code, std::move(c));
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  for (int root = 1; root <= 20; ++root) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02d", root);
    if (!codes_.contains(buf)) return Invalid(absl::StrCat(path, ": CAMEO root ", buf, " is missing"));
  }
  // Inherit quad class and PLOVER fields from the nearest parent; parents
  // first, so every parent is complete when its children read it.
  std::vector<std::string> order;
  for (const auto& [code, info] : codes_) order.push_back(code);
  std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const std::string& code : order) {
    CodeInfo& info = codes_[code];
    for (size_t len = code.size() - 1; len >= 2; --len) {
      auto it = codes_.find(code.substr(0, len));
      if (it == codes_.end()) continue;
      const CodeInfo& parent = it->second;
      if (info.quad_class == 0) info.quad_class = parent.quad_class;
      if (info.plover_type.empty()) {
        info.plover_type = parent.plover_type;
        if (info.plover_mode.empty()) info.plover_mode = parent.plover_mode;
      } else if (info.plover_mode.empty() && info.plover_type == parent.plover_type) {
        info.plover_mode = parent.plover_mode;
      }
      break;
    }
  }
  return absl::OkStatus();
}

const CodeInfo* Codebook::Find(std::string_view code) const {
  auto it = codes_.find(AV(code));
  return it == codes_.end() ? nullptr : &it->second;
}

// ---- Lemmatizer -----------------------------------------------------------

absl::Status Lemmatizer::LoadIrregular(const std::string& path) {
  return ReadTsv(path, 2, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    std::string form = absl::AsciiStrToLower(AV(f[0])), lemma = absl::AsciiStrToLower(AV(f[1]));
    if (form.empty() || lemma.empty()) return Invalid("empty form or lemma");
    irregular_[form] = lemma;
    return absl::OkStatus();
  });
}

int Lemmatizer::Intern(std::string_view lemma) {
  auto [it, inserted] = ids_.try_emplace(std::string(lemma), static_cast<int>(ids_.size()));
  return it->second;
}

int Lemmatizer::Find(std::string_view lemma) const {
  auto it = ids_.find(AV(lemma));
  return it == ids_.end() ? -1 : it->second;
}

void Lemmatizer::Finish() {
  irregular_ids_.clear();
  for (const auto& [form, lemma] : irregular_)
    if (int id = Find(lemma); id >= 0) irregular_ids_[form] = id;
}

bool Lemmatizer::IsIrregularPast(std::string_view w) const {
  auto it = irregular_.find(AV(w));
  // Present forms ("is", "are", "has", "goes") are listed too; they end in s or are "am"/"are".
  return it != irregular_.end() && w.back() != 's' && w != "am" && w != "are";
}

int Lemmatizer::Lemma(std::string_view w) const {
  if (w.size() < 2) return Find(w);
  if (auto it = irregular_ids_.find(AV(w)); it != irregular_ids_.end()) return it->second;
  char buf[64];
  if (w.size() + 2 > sizeof buf) return Find(w);
  auto with = [&](size_t keep, std::string_view add) {
    std::memcpy(buf, w.data(), keep);
    std::memcpy(buf + keep, add.data(), add.size());
    return Find(std::string_view(buf, keep + add.size()));
  };
  auto ends = [&](std::string_view suf) { return w.size() > suf.size() + 1 && w.substr(w.size() - suf.size()) == suf; };
  int id = -1;
  if (ends("ies") && (id = with(w.size() - 3, "y")) >= 0) return id;
  if (ends("ied") && (id = with(w.size() - 3, "y")) >= 0) return id;
  if (ends("es") && (id = with(w.size() - 2, "")) >= 0) return id;
  if (ends("s") && !ends("ss") && (id = with(w.size() - 1, "")) >= 0) return id;
  if (ends("ed")) {
    if ((id = with(w.size() - 2, "")) >= 0) return id;
    if ((id = with(w.size() - 1, "")) >= 0) return id;
    if (w.size() > 4 && w[w.size() - 3] == w[w.size() - 4] && (id = with(w.size() - 3, "")) >= 0) return id;
  }
  if (ends("ing")) {
    if ((id = with(w.size() - 3, "")) >= 0) return id;
    if ((id = with(w.size() - 3, "e")) >= 0) return id;
    if (w.size() > 5 && w[w.size() - 4] == w[w.size() - 5] && (id = with(w.size() - 4, "")) >= 0) return id;
  }
  return Find(w);
}

// ---- Patterns -----------------------------------------------------------------

absl::Status PatternSet::Load(const std::string& path, bool noun, Lemmatizer* lemmas,
                              const std::function<absl::Status(std::string_view)>& validate) {
  return ReadTsv(path, 2, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    if (absl::Status st = validate(f[0]); !st.ok()) return st;
    Pattern p;
    p.value = std::string(f[0]);
    p.noun = noun;
    for (absl::string_view word : absl::StrSplit(AV(f[1]), ' ', absl::SkipEmpty())) {
      PatternItem item;
      if (word == "*") {
        if (p.items.empty()) return Invalid("a pattern cannot start with '*'");
        item.gap = true;
      } else {
        for (absl::string_view alt : absl::StrSplit(word, '|')) {
          if (alt.empty()) return Invalid(absl::StrCat("empty alternative in '", word, "'"));
          for (char c : alt)
            if (absl::ascii_isupper(static_cast<unsigned char>(c)))
              return Invalid(absl::StrCat("pattern words are lower-case lemmas, got '", word, "'"));
          std::vector<int> seq;
          for (absl::string_view part : absl::StrSplit(alt, '_')) {
            if (part.empty()) return Invalid(absl::StrCat("empty word in '", alt, "'"));
            seq.push_back(lemmas->Intern(SV(part)));
          }
          item.alternatives.push_back(std::move(seq));
        }
        size_t longest = 0;
        for (const auto& alt : item.alternatives) longest = std::max(longest, alt.size());
        p.literal_count += static_cast<int>(longest);  // "military_aid" is more specific than "aid"
      }
      p.items.push_back(std::move(item));
    }
    if (p.items.empty()) return Invalid("empty pattern");
    if (p.items.back().gap) return Invalid("a pattern cannot end with '*'");
    const int index = static_cast<int>(patterns_.size());
    if (noun)
      for (const auto& alt : p.items.front().alternatives) nominal_first_.insert(alt.front());
    for (const auto& alt : p.items.front().alternatives) {
      auto& v = by_first_[alt.front()];
      if (std::find(v.begin(), v.end(), index) == v.end()) v.push_back(index);
    }
    patterns_.push_back(std::move(p));
    // Most specific first, so the first full match is the longest.
    for (const auto& alt : patterns_.back().items.front().alternatives) {
      auto& v = by_first_[alt.front()];
      std::stable_sort(v.begin(), v.end(), [&](int a, int b) {
        return patterns_[a].literal_count > patterns_[b].literal_count;
      });
    }
    return absl::OkStatus();
  });
}

bool PatternSet::Matches(const Pattern& p, const std::vector<Token>& tokens, size_t i, size_t* end) const {
  // Iterative matcher with a small explicit stack for the gaps.
  struct State {
    size_t item, pos;
  };
  State stack[64];
  int top = 0;
  stack[top++] = {0, i};
  int steps = 0;
  while (top > 0 && ++steps < 512) {
    State s = stack[--top];
    if (s.item == p.items.size()) {
      *end = s.pos;
      return true;
    }
    const PatternItem& item = p.items[s.item];
    if (item.gap) {
      // Push shorter gaps last so they are tried first.
      for (int g = kMaxGap; g >= 0; --g) {
        size_t pos = s.pos + static_cast<size_t>(g);
        if (pos > tokens.size()) continue;
        bool crosses = false;
        for (size_t k = s.pos; k < pos; ++k) {
          const std::string_view w = tokens[k].lower;
          // Gaps stop at punctuation and at negation ("concluded without agreement").
          if ((tokens[k].punct && w != "'s" && w != "\"") || w == "without" || w == "not" || w == "no" ||
              w == "never")
            crosses = true;
        }
        if (!crosses && top < 63) stack[top++] = {s.item + 1, pos};
      }
      continue;
    }
    for (const std::vector<int>& alt : item.alternatives) {
      if (s.pos + alt.size() > tokens.size() || top >= 63) continue;
      bool ok = true;
      for (size_t k = 0; k < alt.size() && ok; ++k) ok = tokens[s.pos + k].lemma == alt[k];
      if (ok) stack[top++] = {s.item + 1, s.pos + alt.size()};
    }
  }
  return false;
}

const std::vector<int>* PatternSet::StartingAt(const Token& t) const {
  if (t.lemma < 0) return nullptr;
  auto it = by_first_.find(t.lemma);
  return it == by_first_.end() ? nullptr : &it->second;
}

const Pattern* PatternSet::MatchAt(const std::vector<Token>& tokens, size_t i, size_t* end) const {
  const std::vector<int>* candidates = StartingAt(tokens[i]);
  if (candidates == nullptr) return nullptr;
  const Pattern* best = nullptr;
  size_t best_end = 0;
  for (int idx : *candidates) {
    const Pattern& p = patterns_[idx];
    if (best != nullptr && p.literal_count < best->literal_count) break;
    size_t e = 0;
    if (Matches(p, tokens, i, &e) && (best == nullptr || e > best_end)) {
      best = &p;
      best_end = e;
    }
  }
  if (best != nullptr) *end = best_end;
  return best;
}

// ---- Modal codes ----------------------------------------------------------------

absl::Status ModalCodes::Load(const std::string& path, const Codebook& codebook) {
  absl::Status st = ReadTsv(path, 3, [&](size_t, const std::vector<std::string_view>& f) -> absl::Status {
    std::string prefix(f[1] == "*" ? "" : f[1]);
    if (!prefix.empty() && !AllDigits(prefix)) return Invalid("complement prefix must be digits or '*'");
    if (f[2] != "-" && f[2] != "=" && codebook.Find(f[2]) == nullptr)
      return Invalid(absl::StrCat("unknown CAMEO code ", AV(f[2])));
    rules_[std::string(f[0])].emplace_back(prefix, std::string(f[2]));
    return absl::OkStatus();
  });
  for (auto& [cls, rules] : rules_)
    std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return st;
}

bool ModalCodes::HasClass(std::string_view modal_class) const { return rules_.contains(AV(modal_class)); }

bool ModalCodes::Derive(std::string_view modal_class, std::string_view code, std::string* out) const {
  auto it = rules_.find(AV(modal_class));
  if (it == rules_.end()) return false;
  for (const auto& [prefix, result] : it->second) {
    if (code.substr(0, prefix.size()) == prefix) {
      *out = result == "=" ? std::string(code) : result;
      return true;
    }
  }
  return false;
}

// ---- Phrase table ------------------------------------------------------------------

void PhraseTable::Add(std::string_view phrase, int value, bool proper) {
  Tokenize(phrase, &scratch_);
  if (scratch_.tokens.empty()) return;
  bool has_lower = false, has_alpha = false;
  for (char c : phrase) {
    if (absl::ascii_isalpha(static_cast<unsigned char>(c))) has_alpha = true;
    if (absl::ascii_islower(static_cast<unsigned char>(c))) has_lower = true;
  }
  const bool exact = has_alpha && !has_lower && phrase.size() <= 6;  // acronyms: "IS", "US", "TTP"
  Entry e;
  std::vector<std::string> exact_tokens;
  for (size_t k = 0; k < scratch_.tokens.size(); ++k) {
    const Token& t = scratch_.tokens[k];
    if (k > 0) e.rest.emplace_back(t.lower);
    if (exact) exact_tokens.emplace_back(phrase.substr(t.begin, t.end - t.begin));
  }
  e.exact = std::move(exact_tokens);
  e.proper = proper;
  auto& bucket = by_first_[std::string(scratch_.tokens[0].lower)];
  for (Entry& old : bucket) {
    if (old.rest == e.rest && old.exact == e.exact) {
      if (std::find(old.values.begin(), old.values.end(), value) == old.values.end()) old.values.push_back(value);
      return;
    }
  }
  e.values.push_back(value);
  bucket.push_back(std::move(e));
  std::stable_sort(bucket.begin(), bucket.end(), [](const Entry& a, const Entry& b) { return a.rest.size() > b.rest.size(); });
  ++count_;
}

const std::vector<int>* PhraseTable::MatchAt(std::string_view sentence, const std::vector<Token>& tokens, size_t i,
                                             size_t* end) const {
  if (tokens[i].punct) return nullptr;
  auto it = by_first_.find(AV(tokens[i].lower));
  if (it == by_first_.end()) return nullptr;
  for (const Entry& e : it->second) {
    if (i + 1 + e.rest.size() > tokens.size()) continue;
    if (e.proper && !tokens[i].capitalized) continue;
    bool ok = true;
    for (size_t k = 0; k < e.rest.size() && ok; ++k) ok = tokens[i + 1 + k].lower == e.rest[k];
    for (size_t k = 0; k < e.exact.size() && ok; ++k) {
      const Token& t = tokens[i + k];
      ok = sentence.substr(t.begin, t.end - t.begin) == e.exact[k];
    }
    if (!ok) continue;
    *end = i + 1 + e.rest.size();
    return &e.values;
  }
  return nullptr;
}

}  // namespace eventwire::extract_internal
