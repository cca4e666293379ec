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
// Whether the section of `kernel` describes the kernel afresh: it hands it
// to an autoscheduler, or sets a vector axis other than the default
// heuristic's (whose tiles and tasks would not fit that axis).
bool section_afresh(const Schedule& file, const std::string& kernel, const KernelSchedule& heuristic);
// The schedule of `kernel`: the keys its section in `file` sets, over the
// default heuristic's values for the keys it leaves out, or over
// KernelSchedule's own where the section is afresh; the heuristic's
// schedule itself without a section.
KernelSchedule section_over(const Schedule& file, const std::string& kernel, const KernelSchedule& heuristic);

struct ScheduleEntry {
  std::string kernel;
  std::vector<std::string> layers;  // written as a comment, for the reader
  KernelSchedule schedule;
  std::string origin;  // why it is this schedule (SchedulePlan), a comment too
};
std::string format_schedule(const std::vector<ScheduleEntry>& entries, const std::string& target);
// One kernel's `key = value` lines, as in a section of the file.
std::string format_kernel_schedule(const KernelSchedule& schedule);

}  // namespace kiln
