// Casualty counts stated in a sentence: "50 civilians were killed and 447
// wounded", "killing at least 12 soldiers", "left three people dead".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer.h"

namespace eventwire::extract_internal {

struct CasualtyMention {
  std::string kind;   // killed, wounded, missing, arrested, displaced
  uint32_t count = 0;
  std::string group;  // "civilians", "soldiers"; empty when not stated
};

std::vector<CasualtyMention> FindCasualties(std::string_view sentence, const std::vector<Token>& tokens);

}  // namespace eventwire::extract_internal
