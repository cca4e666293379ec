#pragma once

#include <Halide.h>

#include <vector>

#include "schedule/Schedule.h"

namespace kiln {

// Applies a kernel's schedule to its Funcs: the output's loops, and where the
// reductions inside it are computed. Other intermediate Funcs stay inlined.
void apply_schedule(const KernelSchedule& schedule, Halide::Func output,
                    const std::vector<Halide::Func>& reductions);

}  // namespace kiln
