#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "codegen/Fusion.h"
#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// Sets the output layout of the kernels not in `kept_layouts` (those whose
// schedule file section decides it): NHWC where the kernel computes channel
// vectors, its output is not the network's, and every kernel that reads it
// computes channel vectors too; NCHW otherwise. Then sets the reduction
// order of those not in `kept_orders`, for the layout they read.
void choose_default_layouts(const Graph& graph, const std::vector<Kernel>& kernels,
                            const std::set<std::string>& kept_layouts, const std::set<std::string>& kept_orders,
                            std::map<std::string, KernelSchedule>& schedules);

}  // namespace kiln
