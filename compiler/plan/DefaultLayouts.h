#pragma once

#include <set>
#include <string>

#include "graph/Layer.h"
#include "plan/SchedulePlan.h"
#include "schedule/TargetTraits.h"

namespace kiln {

// The kernels whose schedule file section decides a choice that depends on
// layouts.
struct KeptChoices {
  std::set<std::string> layouts;  // layout
  std::set<std::string> orders;   // channels_innermost
  std::set<std::string> tiles;    // tile_width, unroll_tiles, unroll_tap_rows
  std::set<std::string> sections;  // any key: the vector axis, with the rest of the section
};

// Sets the output layout of the kernels not in `kept.layouts`: NHWC where
// the kernel computes channel vectors, its output is not the network's, and
// every kernel that reads it computes channel vectors too; NCHW otherwise. An
// elementwise or concat kernel of channel vectors left NCHW (not in
// `kept.sections`) takes width vectors, and a 1x1 convolution of channel
// tiles whose input and output stay NCHW takes flattened width tiles where
// those apply. Then sets, for the layouts they read and write, the
// reduction order of those not in `kept.orders` and the register tiles of
// those not in `kept.tiles`, and the plan's layouts. Each rule that applies is added to
// the kernel's rules.
void choose_default_layouts(const Graph& graph, const KeptChoices& kept, const TargetTraits& target,
                            SchedulePlan& plan);

}  // namespace kiln
