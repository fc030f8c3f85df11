#include "language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <algorithm>
#include <cctype>

namespace eventwire::clean_internal {

std::string DetectLanguage(std::string_view text, std::string_view hint) {
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
