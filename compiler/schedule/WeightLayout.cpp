#include "schedule/WeightLayout.h"

#include "ops/Winograd.h"
#include "schedule/KernelFamily.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {

WeightTransform weight_transform(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule) {
  bool filters = schedule.winograd && winograd_applies(layer) && weight.name == layer.name + ".weight";
  return filters ? WeightTransform::Winograd : WeightTransform::AsStored;
}

ElementType weight_element(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule) {
  if (!takes_low_precision(layer) || weight.name != layer.name + ".weight") return ElementType::F32;
  switch (schedule.precision) {
    case Precision::F32: return ElementType::F32;
    case Precision::Bf16: return ElementType::Bf16;
    case Precision::Int8: return ElementType::S8;
  }
  return ElementType::F32;
}

std::vector<LayoutAxis> weight_layout(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule) {
  const Shape& w = weight.shape;
  if (weight_transform(layer, weight, schedule) == WeightTransform::Winograd) {
    // [K, C, 6, 6] -> [6, 6, C, K]: each of the 36 matrix products reads its
    // [C, K] filters contiguously, a vector of output channels at a time.
    return {{3, 1, kWinogradTile}, {2, 1, kWinogradTile}, {1, 1, w[1]}, {0, 1, w[0]}};
  }
  if (is_depthwise(layer) && schedule.vectorize == VectorAxis::Channels && weight.name == layer.name + ".weight") {
    // [K, 1, kh, kw] -> [1, kh, kw, K]: each tap's vector of channels is one load.
    return {{1, 1, w[1]}, {2, 1, w[2]}, {3, 1, w[3]}, {0, 1, w[0]}};
  }
  bool channel_blocks = schedule.vectorize == VectorAxis::Channels || schedule.tile_channels > 1;
  if (channel_blocks && layer.op == OpKind::Conv2d && weight.name == layer.name + ".weight") {
    // [K, C, kh, kw] -> [K/B, C, kh, kw, B], B the tile's channels: a tile's
    // weights are contiguous, and each tap's are consecutive (vectors with
    // channel vectors, broadcast scalars with width vectors).
    int64_t block = schedule.vectorize == VectorAxis::Channels ? int64_t{schedule.vector_width} * schedule.tile_channels
                                                               : schedule.tile_channels;
    // Vectors that do not divide the channels: the last tile, shifted
    // inwards, starts off the vectors and would straddle two blocks (a
    // gather each tap). One block of all the channels, [kh, kw, C, K], keeps
    // every tile's vectors contiguous.
    if (schedule.vectorize == VectorAxis::Channels && w[0] % schedule.vector_width != 0) block = w[0];
    LayoutAxis blocks{0, block, (w[0] + block - 1) / block}, channels{1, 1, w[1]}, rows{2, 1, w[2]},
        columns{3, 1, w[3]}, lanes{0, 1, block};
    // In the order the reduction reads them: [K/B, kh, kw, C, B] with the
    // channels innermost. Blocks of one channel are no blocks: two pieces of
    // K with the same factor would leave the lanes' index unwrapped.
    // Channel pairs (bf16) or quads (int8) go innermost, [K/B, C/D, kh, kw,
    // B, D]: a tap's D channels for a vector of output channels are one load.
    int dot = dot_product_lanes(schedule, layer);
    if (dot > 1) channels = {1, dot, w[1] / dot};
    std::vector<LayoutAxis> order = {blocks, channels, rows, columns};
    if (schedule.channels_innermost) order = {blocks, rows, columns, channels};
    if (block > 1) order.push_back(lanes);
    if (dot > 1) order.push_back({1, 1, dot});
    return order;
  }
  if (layer.op == OpKind::Dense && schedule.vector_width > 1 && weight.name == layer.name + ".weight") {
    // [units, F] -> [units / V, F, V]: the vector of units a step of the
    // reduction multiplies is one contiguous load, and the steps over F of
    // one vector of units (a task's stream) are contiguous too.
    int block = schedule.vector_width;
    return {{0, block, (w[0] + block - 1) / block}, {1, 1, w[1]}, {0, 1, block}};
  }
  std::vector<LayoutAxis> identity;
  for (size_t a = 0; a < w.size(); ++a) identity.push_back({static_cast<int>(a), 1, w[a]});
  return identity;
}

}  // namespace kiln
