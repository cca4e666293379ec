#pragma once

#include <cstdint>
#include <vector>

#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// One axis of a weight in a schedule's layout: its index j stands for index
// j * factor along the stored weight's axis `axis`; `extent` indices.
struct LayoutAxis {
  int axis;
  int64_t factor;
  int64_t extent;
};

// What a schedule wants computed from a stored weight before it is laid out.
enum class WeightTransform {
  AsStored,
  Winograd,  // winograd: each 3x3 filter g as the 6x6 tile G g G^T, [K, C, 6, 6]
};
WeightTransform weight_transform(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// Whether a schedule wants the weight as bf16 (rounded to nearest even at
// create): the multiplied weight of a conv2d or dense with precision = bf16.
bool weight_in_bf16(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// The layout a schedule wants a weight in (the identity for most), over the
// transformed weight's axes.
std::vector<LayoutAxis> weight_layout(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

}  // namespace kiln
