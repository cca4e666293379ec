#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/Fusion.h"
#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// Sets the output layout of the kernels whose section in `file` does not
// set `layout`: NHWC where the kernel computes channel vectors, its output
// is not the network's, and every kernel that reads it computes channel
// vectors too; NCHW otherwise. Then sets the reduction order of those whose
// section does not set `channels_innermost`, for the layout they read.
void choose_default_layouts(const Graph& graph, const std::vector<Kernel>& kernels, const Schedule& file,
                            std::map<std::string, KernelSchedule>& schedules);

}  // namespace kiln
