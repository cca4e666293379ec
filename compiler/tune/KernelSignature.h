#pragma once

#include <string>
#include <vector>

#include "graph/Layer.h"

namespace kiln {

// What makes two kernels the same tuning problem, in any network: each
// layer's op, input, output and weight shapes, window and groups, and the
// target. Names do not count.
std::string kernel_signature(const Graph& graph, const std::vector<int>& layers, const std::string& target);

}  // namespace kiln
