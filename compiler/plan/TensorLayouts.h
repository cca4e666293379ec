#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/KernelFormation.h"
#include "schedule/Schedule.h"

namespace kiln {

// Each tensor kept in memory, by its producing layer, in the layout its
// kernel's schedule stores it in; tensors not listed (network inputs) are NCHW.
using TensorLayouts = std::map<int, TensorLayout>;

TensorLayouts tensor_layouts(const std::vector<Kernel>& kernels, const std::map<std::string, KernelSchedule>& schedules);

// The layout of the tensor `layer` computes.
TensorLayout layout_of(const TensorLayouts& layouts, int layer);

}  // namespace kiln
