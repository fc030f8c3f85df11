// Splits one sentence into word, number and punctuation tokens with byte
// offsets. Lower-casing is ASCII-only and in place, so offsets into the
// lowered copy equal offsets into the original sentence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eventwire::extract_internal {

struct Token {
  size_t begin = 0;         // byte offsets into the sentence
  size_t end = 0;
  std::string_view lower;   // view into Tokens::lowered (or a fixed literal for "not", "'s")
  int lemma = -1;           // vocabulary id of the lemma, -1 when not in the vocabulary
  bool capitalized = false; // first letter upper case
  bool all_caps = false;    // every letter upper case (acronyms: IS, UN, TTP)
  bool punct = false;
  bool number = false;
  double value = 0;         // for number tokens
};

struct Tokens {
  std::string lowered;
  std::vector<Token> tokens;
};

// Tokenises `sentence` into `out` (reusing its buffers). Hyphens and dashes
// separate words and are dropped ("Tehrik-i-Taliban" = "Tehrik i Taliban");
// "Pakistan's" gives "pakistan" + "'s"; "don't" gives "do" + "not";
// "U.S." stays one token.
void Tokenize(std::string_view sentence, Tokens* out);

// Value of a spelled-out number word ("twelve" -> 12), 0 when not one.
double NumberWordValue(std::string_view lower);

}  // namespace eventwire::extract_internal
