#pragma once

#include <string>

#include "graph/Layer.h"
#include "plan/SchedulePlan.h"
#include "schedule/Schedule.h"
#include "schedule/TargetTraits.h"

namespace kiln {

// The one place a network's schedules are decided: forms the kernels
// (fusion, pool fusion), gives each the default heuristic's schedule,
// overlays the file's section (section_over), chooses the layouts and the
// choices that depend on them, and validates every schedule. With an
// `autoscheduler` (auto:NAME's plugin) every kernel is left to it, over
// NCHW tensors, and Kiln's rules decide fusion only. With `precision` bf16
// (int8), every kernel that can (takes_low_precision, no Winograd; for int8
// dense, and conv2d without groups with input channels in quads) computes in it unless
// its section sets precision; int8 kernels need `quant` for their anchor's input. `kiln compile`, `kiln
// check --schedule`, the tuner and the spec fuzzer all plan through it.
// Throws UserError "FILE:LINE: error: [KERNEL]: ..." for a section that
// cannot compute its kernel or names none.
SchedulePlan plan_schedules(const Graph& graph, const Schedule& file, const TargetTraits& target,
                            const std::string& autoscheduler = "", Precision precision = Precision::F32,
                            const QuantParams& quant = {});

// The plan as a schedule file (the format `--emit schedule` writes), each
// section with its layers, the rules that chose it and its file section as a comment.
std::string format_plan(const Graph& graph, const SchedulePlan& plan, const std::string& target);

}  // namespace kiln
