#pragma once

#include "graph/Layer.h"
#include "language/Ast.h"
#include "language/Diagnostics.h"

namespace kiln {

// Resolves names, validates every attribute, infers every shape, the weight
// tensors each layer needs and its FLOPs. Throws SpecError at the first error.
Graph check(const ast::Program& program);

}  // namespace kiln
