#pragma once

#include <string>

#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// Why `schedule` cannot compute this kernel, whose first layer is `anchor`
// and computes `output`, or "" if it can.
std::string schedule_problem(const KernelSchedule& schedule, const Layer& anchor, const Shape& output);

// Whether the schedule can compute a pooling of its output in its loops
// (fuse_pool): a conv2d's channel tiles, without Winograd.
bool pools_in_loops(const KernelSchedule& schedule, const Layer& anchor);

// Whether a kernel anchored at this layer can compute in bf16 or int8: a
// conv2d or dense with its weights in the weights file.
bool takes_low_precision(const Layer& anchor);

// Whether a kernel with this schedule may load a little outside the tensors
// it reads: Halide 14 turns some strided vector loads into dense loads one
// element before or after what they use. The runtime gives such kernels
// guarded copies of the network's inputs; the others read them in place.
bool may_read_past_inputs(const KernelSchedule& schedule, const Layer& anchor);

}  // namespace kiln
