#pragma once

#include <cstdint>

#include "graph/Layer.h"
#include "schedule/Schedule.h"
#include "schedule/TargetTraits.h"

namespace kiln {

// What the default heuristic knows of a kernel: its first layer, what that
// layer computes, the kernel's work and the target. `may_flatten`: whether
// the kernel's tensors allow flatten_pixels (see flatten_problem);
// `reads_channel_vectors`: whether the anchor's input is computed by a kernel
// with vectorize = channels; `feeds_strided_windows`: whether every reader
// of the kernel's output is a depthwise convolution striding along the width
// over channels that native vectors divide.
struct KernelProblem {
  const Layer& anchor;
  const Shape& output;
  int64_t flops;
  const TargetTraits& target;
  bool may_flatten = true;
  bool reads_channel_vectors = false;
  bool feeds_strided_windows = false;
  const Shape* input = nullptr;  // the anchor's first input, where a rule needs it
};

// The heuristic's schedule for a kernel and the name of the rule that chose
// it (docs/default-schedule.md lists the rules by these names).
struct DefaultChoice {
  KernelSchedule schedule;
  const char* rule;
};

// Tries the heuristic's rules in order, without measuring anything; the
// first that applies decides.
DefaultChoice default_schedule(const KernelProblem& kernel);

// The `wide-tiles` refinement, once layouts are known: widens the register
// tiles of a channel-tile schedule that writes NHWC and reads NHWC pixels
// `apart` bytes apart (the input's channels times the stride), where the
// block of weights each tile reads is large. `output` is what the anchor
// computes. Returns whether it did.
bool widen_channel_tiles(KernelSchedule& s, const Layer& anchor, const Shape& output, int64_t apart,
                         const TargetTraits& target);

// The `channels-innermost` refinement: whether a channel-tile kernel reading
// NHWC pixels `apart` bytes apart reduces over the input channels innermost.
bool channels_innermost_by_default(int64_t apart, const ConvAttrs& conv, const TargetTraits& target);

// The `pool-fusion` rule: whether a maxpool or avgpool `pool` joins
// (fuse_pool) the kernel before it, whose first layer is `anchor` and whose
// schedule would be `conv` (the heuristic's, under the kernel's section):
// where the pool's windows do not overlap, `conv` computes channel tiles
// without Winograd, and the convolution's weights take less than half of L2.
bool pool_fuses_by_default(const KernelSchedule& conv, const Layer& anchor, const Layer& pool,
                           const TargetTraits& target);

}  // namespace kiln
