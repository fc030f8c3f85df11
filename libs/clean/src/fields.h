// Recognisers for the fields a news page carries around its body: dateline,
// source credit, byline and the page's own date. Each looks at one paragraph
// and says what it found and which bytes to remove.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "eventwire/dates.h"

namespace eventwire::clean_internal {

struct Dateline {
  std::string place;   // "ISLAMABAD", "KABUL", "Rio de Janeiro"
  std::string agency;  // "Reuters" from "KABUL, Oct 25 (Reuters) -", else empty
  size_t length = 0;   // bytes of the paragraph the dateline occupies, separator included
};

// A dateline opening a paragraph: an upper-case place ("NEW YORK", "ISLAMABAD"),
// or a title-case place followed by a date or an agency; then optional
// ", Month Day", "(Agency)"; then a dash or colon before the sentence.
std::optional<Dateline> ParseDateline(std::string_view paragraph);

struct Credit {
  std::string name;     // "Prensa Latina", "Voice of America"
  size_t begin = 0;     // bytes [begin, end) of the paragraph to remove
  size_t end = 0;
  bool byline = false;  // "(Reporting by Jane Doe; Editing by ...)" names a reporter
};

// A credit at the end of a paragraph ("... Mansoor. (Prensa Latina)") or a
// credit line ("-- Reported by the Voice of America", "Source: Xinhua").
std::optional<Credit> ParseCredit(std::string_view paragraph);

// "By Jane Doe", "Written by Jane Doe | May 2, 2024" -> "Jane Doe".
std::optional<std::string> ParseByline(std::string_view line);

// A short line that carries a full date with a year (e.g. a site header
// "Editor: ...  Wednesday, May 15th, 2024", or "Published: 2024-05-15 10:32").
std::optional<ResolvedDate> ParsePageDate(std::string_view line);

}  // namespace eventwire::clean_internal
