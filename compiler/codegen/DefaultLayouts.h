#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "codegen/Fusion.h"
#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// Sets the output layout of the kernels in `defaulted` (those the schedule
// file leaves to the default heuristic): NHWC where the kernel computes
// channel vectors, its output is not the network's, and every kernel that
// reads it computes channel vectors too; NCHW otherwise. Then sets their
// reduction order (channels_innermost) for the layout they read.
void choose_default_layouts(const Graph& graph, const std::vector<Kernel>& kernels,
                            const std::set<std::string>& defaulted, std::map<std::string, KernelSchedule>& schedules);

}  // namespace kiln
