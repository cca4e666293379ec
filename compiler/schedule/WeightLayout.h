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
  Winograd,    // winograd: each 3x3 filter g as the 6x6 tile G g G^T, [K, C, 6, 6]
  Int8Scales,  // int8: each output channel's scale, max |w| / 127, [K] (f32)
  Int8Sums,    // int8: the sum of each output channel's quantized weights, [K] (s32)
};

// How a weight argument's elements are stored.
enum class ElementType {
  F32,
  Bf16,  // rounded to nearest even at create
  S8,    // round(w / scale) per output channel (the first axis), at create
  S32,
  U8,    // tensors between kernels only: the levels of a network's grid (TensorLevels)
};
WeightTransform weight_transform(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// How a schedule wants the weight's elements: bf16 or s8 for the multiplied
// weight of a conv2d or dense in bf16 or int8 (an int8 weight's kernel also
// takes its Int8Scales and Int8Sums), f32 otherwise.
ElementType weight_element(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

// The layout a schedule wants a weight in (the identity for most), over the
// transformed weight's axes.
std::vector<LayoutAxis> weight_layout(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule);

}  // namespace kiln
