#pragma once

#include <string>
#include <vector>

#include "codegen/KernelBuilder.h"
#include "graph/Layer.h"

namespace kiln {

// What makes two kernels the same tuning problem, in any network: each
// layer's op, input, output and weight shapes, window and groups, the layout
// of the tensors it reads and writes in memory (marked where not NCHW), and
// the target. Names do not count.
std::string kernel_signature(const Graph& graph, const std::vector<int>& layers, const TensorLayouts& layouts,
                             const std::string& target);

}  // namespace kiln
