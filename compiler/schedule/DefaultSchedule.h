#pragma once

#include <string>

#include "graph/Shape.h"
#include "schedule/Schedule.h"

namespace kiln {

// Picks a sane schedule from the kernel's output shape and the target's
// vector width, without measuring anything.
KernelSchedule default_schedule(const Shape& output, int64_t flops, int natural_vector_width);

// Why `schedule` cannot compute an output of this shape, or "" if it can.
std::string schedule_problem(const KernelSchedule& schedule, const Shape& output);

// The output's rows: every dimension but the innermost, multiplied.
int64_t output_rows(const Shape& output);

}  // namespace kiln
