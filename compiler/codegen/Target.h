#pragma once

#include <Halide.h>

#include <string>

#include "schedule/Schedule.h"
#include "schedule/TargetTraits.h"

namespace kiln {

// The Halide target for `requested` ("" or "host": this CPU's real features,
// read with cpuid; anything else: a Halide target string). Kernels never carry
// Halide's runtime: one shared copy lives in libkiln_runtime.a.
Halide::Target choose_target(const std::string& requested);  // throws UserError

// What Halide 14's own host detection would say, minus what this CPU lacks:
// on Zen 4 it claims Sapphire Rapids features and can emit illegal instructions.
Halide::Target host_target();

// The target one kernel compiles for: f32 kernels without
// avx512_sapphirerapids, which brings them nothing (it is for bf16 and int8
// dot products) and compiles for another CPU model's tuning.
Halide::Target kernel_target(const Halide::Target& target, const KernelSchedule& schedule);

// What the schedule heuristic and the tuner need to know of `target`.
TargetTraits schedule_traits(const Halide::Target& target);

}  // namespace kiln
