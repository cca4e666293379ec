#include "tune/OutputCheck.h"

#include <algorithm>
#include <cmath>

namespace kiln {

bool outputs_agree(const std::vector<std::vector<float>>& candidate, const std::vector<std::vector<float>>& reference) {
  if (candidate.size() != reference.size()) return false;
  for (size_t o = 0; o < reference.size(); ++o) {
    if (candidate[o].size() != reference[o].size()) return false;
    float scale = 1e-30f;
    for (float v : reference[o]) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < reference[o].size(); ++i)
      if (!(std::abs(candidate[o][i] - reference[o][i]) <= 1e-4f * scale)) return false;
  }
  return true;
}

}  // namespace kiln
