#pragma once

#include <Halide.h>

#include "ops/Lowering.h"
#include "schedule/Schedule.h"

namespace kiln {

// Applies a kernel's schedule to its Funcs: the output's loops, and where and
// how the first layer's reductions are computed. Other intermediate Funcs
// (padding, fused layers, weights in their layout) stay inlined. `layer` is
// the first layer, whose Funcs `anchor` are. `tail_in_place`: the output
// shares the memory of an operand of the layers fused after the first
// (InPlaceOutputs), so the kernel computes each of its elements once.
void apply_schedule(const KernelSchedule& schedule, Halide::Func output, const LayerFuncs& anchor, const Layer& layer,
                    bool tail_in_place = false);

// Whether the kernel is computed slice by slice of a concat's operands (a
// concat along channels in channel vectors, whose vectors would otherwise
// gather every lane from every operand): its output is then
// by_concat_operands(...), whose updates apply_schedule schedules.
bool computes_by_slices(const KernelSchedule& schedule, const LayerFuncs& anchor, const Layer& layer);

// A kernel with a pooling fused in (fuse_pool): `conv` is what the first
// layer's schedule computes (the convolution and its elementwise layers),
// in channel tiles; `output` pools it (its Funcs `pool`, its shape
// `pooled`) in channel windows of up to tile_width pixels, threads taking
// rows_per_task of its rows. Each pool row computes the convolution's rows it
// reads that the rows before it did not (Halide's sliding window), into a
// buffer of the rows the window spans.
void apply_pooled_schedule(const KernelSchedule& schedule, Halide::Func output, const LayerFuncs& pool,
                           Halide::Func conv, const LayerFuncs& anchor, const Shape& pooled);

}  // namespace kiln
