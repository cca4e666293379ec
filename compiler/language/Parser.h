#pragma once

#include "language/Ast.h"
#include "language/Diagnostics.h"

namespace kiln {

// Parses the text of a .kiln file into its syntax tree. Only the grammar is
// checked here; names, shapes and attributes are the checker's job.
ast::Program parse(const std::string& text);  // throws SpecError

}  // namespace kiln
