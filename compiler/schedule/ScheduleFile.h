#pragma once

#include <string>
#include <vector>

#include "language/Diagnostics.h"
#include "schedule/Schedule.h"

namespace kiln {

// The schedule file: one [KERNEL] section per kernel with `key = value` lines,
// `#` comments. Unknown keys and bad values are UserErrors "FILE:LINE: ...".
Schedule read_schedule_file(const std::string& path);
Schedule parse_schedule(const std::string& text, const std::string& path);
// The schedule of `kernel`: the keys its section in `file` sets, over `base`
// (the default heuristic's schedule) for the keys it leaves out; `base`
// itself without a section. A section with `autoschedule` starts from that
// autoscheduler's schedule, keeping `base`'s fuse and layout.
KernelSchedule section_over(const Schedule& file, const std::string& kernel, KernelSchedule base);

struct ScheduleEntry {
  std::string kernel;
  std::vector<std::string> layers;  // written as a comment, for the reader
  KernelSchedule schedule;
};
std::string format_schedule(const std::vector<ScheduleEntry>& entries, const std::string& target);
// One kernel's `key = value` lines, as in a section of the file.
std::string format_kernel_schedule(const KernelSchedule& schedule);

}  // namespace kiln
