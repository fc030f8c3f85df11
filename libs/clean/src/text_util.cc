#include "text_util.h"

#include <array>
#include <functional>

namespace eventwire::clean_internal {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (IsAsciiUpper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int CountWords(std::string_view s) {
  int words = 0;
  bool in_token = false, has_word_byte = false;
  for (char c : s) {
    if (IsSpace(c)) {
      if (in_token && has_word_byte) ++words;
      in_token = has_word_byte = false;
    } else {
      in_token = true;
      has_word_byte = has_word_byte || IsWordByte(c);
    }
  }
  if (in_token && has_word_byte) ++words;
  return words;
}

namespace {

// U+2000..U+206F (General Punctuation: quotes, dashes, ellipsis) is UTF-8
// E2 80..81 xx: punctuation, not a letter, for word boundaries.
bool PunctuationStartsAt(std::string_view s, size_t i) {
  return i + 1 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
         (static_cast<unsigned char>(s[i + 1]) == 0x80 || static_cast<unsigned char>(s[i + 1]) == 0x81);
}

bool BoundaryBefore(std::string_view s, size_t i) {
  return i == 0 || !IsWordByte(s[i - 1]) || (i >= 3 && PunctuationStartsAt(s, i - 3));
}

bool BoundaryAt(std::string_view s, size_t i) {
  return i == s.size() || !IsWordByte(s[i]) || PunctuationStartsAt(s, i);
}

}  // namespace

bool ContainsPhrase(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return false;
  for (size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + 1)) {
    const bool left = BoundaryBefore(haystack, pos) || !IsWordByte(needle.front());
    const size_t end = pos + needle.size();
    const bool right = BoundaryAt(haystack, end) || !IsWordByte(needle.back());
    if (left && right) return true;
  }
  return false;
}

bool EndsSentence(std::string_view s) {
  s = Trim(s);
  // Strip closing quotes and brackets: ASCII and the UTF-8 forms of ’ ” » ).
  while (!s.empty()) {
    const char c = s.back();
    if (c == '"' || c == '\'' || c == ')' || c == ']') {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && (s.ends_with("\u2019") || s.ends_with("\u201D"))) {
      s.remove_suffix(3);
    } else if (s.ends_with("\u00BB")) {
      s.remove_suffix(2);
    } else {
      break;
    }
  }
  if (s.empty()) return false;
  const char c = s.back();
  return c == '.' || c == '!' || c == '?' || s.ends_with("\u2026");
}

namespace {

// Byte -> what it contributes to a line key: letters lower-cased, digits and
// non-ASCII bytes as they are, 0 (skipped) for the rest.
constexpr std::array<char, 256> kKeyBytes = [] {
  std::array<char, 256> t{};
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (IsAsciiUpper(c)) t[b] = static_cast<char>(c | 0x20);
    else if (IsWordByte(c)) t[b] = c;
  }
  return t;
}();

}  // namespace

uint64_t LineKey(std::string_view s) {
  // The first 256 letters and digits identify a line well enough on one page
  // (lines that share them are copies for any purpose here). They are gathered
  // lower-cased, then hashed in one call: a byte-at-a-time hash would chain a
  // multiplication per byte. Collisions between lines of one page are negligible.
  char buf[256];
  size_t n = 0;
  for (size_t i = 0; i < s.size() && n < sizeof buf; ++i) {
    const char c = kKeyBytes[static_cast<unsigned char>(s[i])];
    buf[n] = c;
    n += c != 0 ? 1 : 0;
  }
  if (n == 0) return 0;
  const uint64_t h = std::hash<std::string_view>{}(std::string_view(buf, n));
  return h == 0 ? 1 : h;
}

}  // namespace eventwire::clean_internal
