#pragma once

#include <Halide.h>

#include <string>

namespace kiln {

// The Halide target for `requested` ("" or "host": this CPU's real features,
// read with cpuid; anything else: a Halide target string). Kernels never carry
// Halide's runtime: one shared copy lives in libkiln_runtime.a.
Halide::Target choose_target(const std::string& requested);  // throws UserError

// What Halide 14's own host detection would say, minus what this CPU lacks:
// on Zen 4 it claims Sapphire Rapids features and can emit illegal instructions.
Halide::Target host_target();

}  // namespace kiln
