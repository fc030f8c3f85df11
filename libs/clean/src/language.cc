#include "language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <algorithm>
#include <cctype>

namespace eventwire::clean_internal {

namespace {

// English function words. Running English prose is 20-40% these; other
// languages, even ones sharing the alphabet, almost never reach 12%.
bool IsFunctionWord(std::string_view w) {
  switch (w.size()) {
    case 2:
      return w == "of" || w == "to" || w == "in" || w == "is" || w == "on" || w == "it" || w == "by" || w == "as";
    case 3:
      return w == "the" || w == "and" || w == "was" || w == "for";
    case 4:
      return w == "that" || w == "with" || w == "said" || w == "from";
    default:
      return false;
  }
}

// Fast path for the common case: ASCII text that is plainly English prose.
// Anything else (accents, other scripts, few function words) goes to CLD2.
bool PlainlyEnglish(std::string_view text) {
  int words = 0, function_words = 0;
  char word[8];
  size_t len = 0;
  bool too_long = false;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (len < sizeof word) word[len] = static_cast<char>(c | 0x20);
      else too_long = true;
      ++len;
      continue;
    }
    if (len > 0) {
      ++words;
      if (!too_long && IsFunctionWord(std::string_view(word, len))) ++function_words;
      // Sixty words settle it; reading on only costs time.
      if (words >= 60 && function_words * 100 >= words * 15) return true;
    }
    len = 0;
    too_long = false;
  }
  return words >= 30 && function_words * 100 >= words * 15;
}

}  // namespace

std::string DetectLanguage(std::string_view text, std::string_view hint) {
  if (PlainlyEnglish(text.substr(0, 1024))) return "en";
  // A few hundred bytes of prose decide the language of a news article; CLD2's
  // cost grows with the input, and it is the largest cost of cleaning.
  constexpr size_t kProbe = 768;
  size_t len = std::min(text.size(), kProbe);
  // Do not cut a UTF-8 sequence in half.
  while (len > 0 && len < text.size() && (static_cast<unsigned char>(text[len]) & 0xC0) == 0x80) --len;
  bool reliable = false;
  const CLD2::Language lang = CLD2::DetectLanguage(text.data(), static_cast<int>(len), /*is_plain_text=*/true, &reliable);
  std::string code = lang == CLD2::UNKNOWN_LANGUAGE ? "" : CLD2::LanguageCode(lang);
  if (const size_t dash = code.find('-'); dash != std::string::npos) code.resize(dash);  // "zh-Hant"
  std::string hint_code(hint.substr(0, hint.find_first_of("-_")));
  std::transform(hint_code.begin(), hint_code.end(), hint_code.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (reliable && !code.empty()) return code;
  if (!hint_code.empty()) return hint_code;
  return code.empty() ? "und" : code;
}

}  // namespace eventwire::clean_internal
