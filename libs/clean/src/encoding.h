// Byte-level text repair: whatever bytes a scraper delivered become valid,
// NFC-normalised UTF-8 with mojibake undone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eventwire::clean_internal {

// Decodes `bytes` as UTF-8; every byte that is not part of a well-formed
// sequence is read as windows-1252 instead (covers latin-1 and cp1252 files and
// files that mix them with UTF-8). Adds one to *repairs per such byte.
std::string DecodeBytes(std::string_view bytes, uint32_t* repairs);

// Undoes UTF-8 that was decoded as windows-1252 (once or twice: "donâ€™t",
// "Ã¢â‚¬â„¢") and the partly damaged leftovers of it between letters ("donâÖt").
// `text` must be valid UTF-8. Adds the number of repaired sequences to *repairs.
std::string RepairMojibake(std::string_view text, uint32_t* repairs);

// ICU NFC, plus the whitespace policy of the cleaner: CRLF/CR -> LF, tabs and
// exotic spaces (NBSP, thin space...) -> ' ', zero-width and control characters
// and soft hyphens dropped. `text` must be valid UTF-8.
std::string NormalizeText(std::string_view text);

// All three, in order.
std::string RepairAndNormalize(std::string_view bytes, uint32_t* repairs);

}  // namespace eventwire::clean_internal
