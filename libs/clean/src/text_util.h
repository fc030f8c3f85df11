// Small text predicates shared by the cleaner's modules. ASCII-only on purpose:
// they look at structure (case, punctuation, digits), and every non-ASCII byte
// counts as a letter, which is what a word of any script needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eventwire::clean_internal {

constexpr bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAsciiAlpha(char c) { return IsAsciiUpper(c) || IsAsciiLower(c); }
constexpr bool IsWordByte(char c) {
  return IsAsciiAlpha(c) || IsAsciiDigit(c) || static_cast<unsigned char>(c) >= 0x80;
}
constexpr bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s);

// Lower-cased ASCII copy (non-ASCII bytes unchanged).
std::string AsciiLower(std::string_view s);

// Number of whitespace-separated tokens that contain a letter or digit.
int CountWords(std::string_view s);

// True when `needle` occurs in `haystack` with word boundaries on both sides
// (a boundary is the text edge or a non-word byte). Both lower-case.
bool ContainsPhrase(std::string_view haystack, std::string_view needle);

// Last character is ., !, ?, … possibly followed by closing quotes/brackets.
bool EndsSentence(std::string_view s);

// Hash of the letters and digits only, lower-cased: the identity of a line for
// repeat detection (case, spacing and punctuation ignored).
// 0 when the line has no letters or digits.
uint64_t LineKey(std::string_view s);

}  // namespace eventwire::clean_internal
