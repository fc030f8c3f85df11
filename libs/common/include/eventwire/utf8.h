// UTF-8 helpers shared by stages: byte offsets (what C++ slices with) versus
// code-point offsets (what eventwire.v1 messages publish).
#pragma once

#include <cstddef>
#include <string_view>

namespace eventwire {

// Number of code points in text[0, byte_offset). Counts lead bytes, so it is
// well defined on any byte string.
size_t CodePointOffset(std::string_view text, size_t byte_offset);

// Byte offset of the code point with index `code_point_offset` (clamped to size).
size_t ByteOffset(std::string_view text, size_t code_point_offset);

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace eventwire
