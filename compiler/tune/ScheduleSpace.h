#pragma once

#include <functional>
#include <vector>

#include "graph/Layer.h"
#include "schedule/TargetTraits.h"
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

// The untried schedules nearest `from`: its neighbours that `tried` does not
// know, or, where it knows them all (a local optimum), the untried ones two
// moves away (a register tile's width for its channels, say, where each
// move alone ran slower).
std::vector<KernelSchedule> untried_near(const KernelSchedule& from,
                                         const std::function<bool(const KernelSchedule&)>& tried,
                                         const Layer& anchor, const Shape& output, const TargetTraits& target,
                                         bool may_flatten = true);

}  // namespace kiln
