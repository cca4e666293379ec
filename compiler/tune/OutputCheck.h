#pragma once

#include <vector>

namespace kiln {

// Whether a candidate schedule's network outputs agree with the default
// schedule's: every element within 1e-4 of the output's largest magnitude
// (schedules reassociate float sums). NaN never agrees. A candidate that
// fails is discarded however fast it was.
bool outputs_agree(const std::vector<std::vector<float>>& candidate, const std::vector<std::vector<float>>& reference);

}  // namespace kiln
