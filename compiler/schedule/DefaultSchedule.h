#pragma once

#include <string>
#include <vector>

#include "graph/Layer.h"
#include "ops/Winograd.h"
#include "schedule/Schedule.h"

namespace kiln {

// What the schedule heuristic needs to know of the target.
struct TargetTraits {
  int vector_width = 8;      // floats in a native vector
  int vector_registers = 16; // 32 with AVX-512VL
};

// Picks a schedule for a kernel from its first layer, its output shape, its
// work and the target, without measuring anything. `may_flatten`: whether
// the kernel's tensors allow flatten_pixels (see flatten_problem);
// `reads_channel_vectors`: whether the first layer's input is computed by a
// kernel with vectorize = channels.
KernelSchedule default_schedule(const Layer& anchor, const Shape& output, int64_t flops, const TargetTraits& target,
                                bool may_flatten = true, bool reads_channel_vectors = false);

// Widens the register tiles of a channel-tile schedule that writes NHWC
// and reads NHWC pixels `apart` bytes apart (the input's channels times
// the stride), where the block of weights each tile reads is large.
// `output` is what the anchor computes.
void widen_channel_tiles(KernelSchedule& s, const Layer& anchor, const Shape& output, int64_t apart,
                         const TargetTraits& target);

// Whether a maxpool or avgpool `pool` joins (fuse_pool) the kernel before
// it, whose first layer is `anchor` and whose schedule would be `conv`
// (the heuristic's, under the kernel's section): where the pool's windows
// do not overlap and `conv` computes channel tiles without Winograd.
bool pool_fuses_by_default(const KernelSchedule& conv, const Layer& anchor, const Layer& pool);

// Why `schedule` cannot compute this kernel, or "" if it can.
std::string schedule_problem(const KernelSchedule& schedule, const Layer& anchor, const Shape& output);

// Whether a kernel with this schedule may load a little outside the tensors
// it reads: Halide 14 turns some strided vector loads into dense loads one
// element before or after what they use. The runtime gives such kernels
// guarded copies of the network's inputs; the others read them in place.
bool may_read_past_inputs(const KernelSchedule& schedule, const Layer& anchor);

// One axis of a weight in a schedule's layout: its index j stands for index
// j * factor along the stored weight's axis `axis`; `extent` indices.
struct LayoutAxis {
  int axis;
  int64_t factor;
  int64_t extent;
};

// What a schedule wants computed from a stored weight before it is laid out.
enum class WeightTransform {
  AsStored,
  Winograd,  // winograd: each 3x3 filter g as the 6x6 tile G g G^T, [K, C, 6, 6]
};
WeightTransform weight_transform(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// The layout a schedule wants a weight in (the identity for most), over the
// transformed weight's axes.
std::vector<LayoutAxis> weight_layout(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// Whether flatten_pixels applies: a 1x1 stride-1 conv2d without padding.
bool pixels_flatten(const Layer& anchor);

// An [N, C, H, W] shape with its pixels in one row: [N, C, 1, H * W].
Shape pixel_row(const Shape& shape);

// The output's rows: every dimension but the innermost, multiplied.
int64_t output_rows(const Shape& output);

}  // namespace kiln
