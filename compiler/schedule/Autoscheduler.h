#pragma once

#include <Halide.h>

#include <string>

namespace kiln {

// Halide's own autoschedulers, as baselines for Kiln's schedules:
// `--schedule auto:adams2019`, `auto:mullapudi2016` or `auto:li2018`.
bool is_autoscheduler(const std::string& schedule);  // "auto:..."
void check_autoscheduler(const std::string& schedule);  // throws UserError

// Schedules `pipeline` (whose inputs and output carry estimates) with the
// named plugin and returns the schedule it chose, as Halide C++ source.
// Halide 14's API: it changed in 15 and 16, so it stays in this one place.
std::string autoschedule(Halide::Pipeline& pipeline, const std::string& schedule, const Halide::Target& target);

}  // namespace kiln
