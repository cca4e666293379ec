#pragma once

#include <Halide.h>

#include <string>
#include <vector>

namespace kiln {

// Halide's own autoschedulers, as baselines for Kiln's schedules and seeds
// for kiln tune: `--schedule auto:adams2019` (every kernel), or
// `autoschedule = adams2019` in a kernel's section; also mullapudi2016, li2018.
bool is_autoscheduler(const std::string& schedule);  // "auto:..."
// The plugin `auto:NAME` names; throws UserError for an unknown one.
std::string autoscheduler_of(const std::string& schedule);
bool known_autoscheduler(const std::string& name);
std::vector<std::string> autoscheduler_names();

// Schedules `pipeline` (whose inputs and output carry estimates) with the
// named plugin and returns the schedule it chose, as Halide C++ source.
// Halide 14's API: it changed in 15 and 16, so it stays in this one place.
std::string autoschedule(Halide::Pipeline& pipeline, const std::string& name, const Halide::Target& target);

}  // namespace kiln
