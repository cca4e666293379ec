#pragma once

#include <algorithm>

namespace kiln {

// The least chance a kernel has of a candidate in a round: even a kernel of
// no weight is tried now and then, and a round never waits for it long.
constexpr double kLeastTrialChance = 0.125;

// How likely a kernel is to get a candidate in a round: in proportion to its
// share of the network's time, so that a kernel of the average share (1 /
// `kernels`) or more is tried every round and one of a tenth of that every
// eighth round. A round compiles and measures only the kernels it tries, so
// the budget goes where a faster schedule saves the most.
inline double trial_chance(double kernel_ms, double network_ms, int kernels) {
  if (network_ms <= 0 || kernels <= 0) return 1;
  return std::clamp(kernel_ms / network_ms * kernels, kLeastTrialChance, 1.0);
}

}  // namespace kiln
