// Language identification with CLD2 (Compact Language Detector 2).
#pragma once

#include <string>
#include <string_view>

namespace eventwire::clean_internal {

// ISO 639-1 code of `text` (valid UTF-8). When CLD2 is not confident (short or
// mixed text), the producer's `hint` wins if given, else CLD2's best guess,
// else "und".
std::string DetectLanguage(std::string_view text, std::string_view hint);

}  // namespace eventwire::clean_internal
