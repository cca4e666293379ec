#pragma once

#include <Halide.h>

#include "ops/Lowering.h"
#include "schedule/Schedule.h"

namespace kiln {

// Applies a kernel's schedule to its Funcs: the output's loops, and where and
// how the first layer's reductions are computed. Other intermediate Funcs
// (padding, fused layers, weights in their layout) stay inlined. `layer` is
// the first layer, whose Funcs `anchor` are.
void apply_schedule(const KernelSchedule& schedule, Halide::Func output, const LayerFuncs& anchor, const Layer& layer);

}  // namespace kiln
