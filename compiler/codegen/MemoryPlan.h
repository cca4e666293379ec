#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "graph/Layer.h"
#include "plan/InPlaceOutputs.h"
#include "plan/KernelFormation.h"

namespace kiln {

// Where each intermediate tensor lives in the one scratch arena allocated at
// create. Tensors whose lifetimes do not overlap share memory, and an output
// written in place takes its operand's.
struct MemoryPlan {
  std::map<int, int64_t> offsets;  // producing layer -> offset in floats
  int64_t arena_floats = 0;
};

MemoryPlan plan_memory(const Graph& graph, const std::vector<Kernel>& kernels, const InPlaceOutputs& in_place = {});

}  // namespace kiln
