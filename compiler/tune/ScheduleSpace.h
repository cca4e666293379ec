#pragma once

#include <vector>

#include "graph/Layer.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/Schedule.h"

namespace kiln {

// The schedules one step from `from` in the space that schedule files
// describe: one field moved to another of its values (vector axis and width,
// register tile, tap unrolling, reduction block and order, parallelism and
// grain). Only schedules that can compute the kernel are returned. Fusion and
// the output's layout are kept, so that the kernels, and the tensors they
// read, stay the same.
// `may_flatten`: whether the kernel's tensors allow flatten_pixels.
std::vector<KernelSchedule> neighbours(const KernelSchedule& from, const Layer& anchor, const Shape& output,
                                       const TargetTraits& target, bool may_flatten = true);

}  // namespace kiln
