#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/KernelFormation.h"
#include "plan/TensorLayouts.h"
#include "quant/QuantParams.h"
#include "schedule/Schedule.h"

namespace kiln {

// Kernels whose output takes the memory of an operand of their elementwise
// tail (a residual add's other tensor): output tensor -> operand tensor. The
// kernel is the operand's last reader and reads it at the very elements it
// writes, each once, so one line is read and written where two were (ONNX
// Runtime sums into the residual's buffer so). Only channel tiles over NHWC
// in f32 whose tiles of channels divide the channels, not fused with a pool:
// their tail then runs as a pass of its own over each row of tiles
// (apply_schedule), since shifted tiles compute some pixels twice.
using InPlaceOutputs = std::map<int, int>;

InPlaceOutputs in_place_outputs(const Graph& graph, const std::vector<Kernel>& kernels,
                                const std::map<std::string, KernelSchedule>& schedules, const TensorLayouts& layouts,
                                const TensorLevels& levels);

}  // namespace kiln
