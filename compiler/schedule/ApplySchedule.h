#pragma once

#include <Halide.h>

#include "ops/Lowering.h"
#include "schedule/Schedule.h"

namespace kiln {

// Applies a kernel's schedule to its Funcs: the output's loops, where the
// first layer's reductions and padded input are computed, and how. Other
// intermediate Funcs (fused layers, weights in their layout) stay inlined.
void apply_schedule(const KernelSchedule& schedule, Halide::Func output, const LayerFuncs& anchor);

}  // namespace kiln
