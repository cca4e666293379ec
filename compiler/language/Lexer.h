#pragma once

#include <vector>

#include "language/Diagnostics.h"
#include "language/Token.h"

namespace kiln {

// Splits a .kiln file into tokens with exact positions. Newlines end
// statements, except inside () and [], so inline weights may span lines.
std::vector<Token> tokenize(const std::string& text);  // throws SpecError

}  // namespace kiln
