#include "codegen/DefaultLayouts.h"

#include "codegen/KernelBuilder.h"

namespace kiln {

void choose_default_layouts(const Graph& graph, const std::vector<Kernel>& kernels, const KeptChoices& kept,
                            const TargetTraits& target, std::map<std::string, KernelSchedule>& schedules) {
  // NHWC spares a channel-vector kernel the transposition of every register
  // tile on its way out, and its readers' broadcasts of one pixel's channels
  // come from one cache line, where NCHW puts them a plane apart. Kernels
  // with width vectors would read it with gathers.
  auto channel_vectors = [&](const Kernel& kernel) {
    return schedules.at(kernel.name).vectorize == VectorAxis::Channels;
  };
  std::map<int, bool> read_by_channel_vectors;  // by tensor: every reader so far
  for (const Kernel& kernel : kernels)
    for (int input : kernel.inputs) {
      auto [it, first] = read_by_channel_vectors.emplace(input, channel_vectors(kernel));
      if (!first) it->second = it->second && channel_vectors(kernel);
    }
  for (const Kernel& kernel : kernels) {
    if (kept.layouts.count(kernel.name)) continue;
    int output = kernel.output();
    auto readers = read_by_channel_vectors.find(output);
    bool nhwc = channel_vectors(kernel) && graph.layers[output].shape.size() == 4 && !graph.is_output(output) &&
                readers != read_by_channel_vectors.end() && readers->second;
    schedules[kernel.name].layout = nhwc ? TensorLayout::Nhwc : TensorLayout::Nchw;
  }
  // In NHWC, the pixels a tile reads, C floats times the stride apart, fall
  // into few of L1's sets once that is 1 KB or more (4 of 64 sets on AMD
  // Zen 5), and a tile's taps over a few rows of them evict each other
  // before the next input channel reuses them. Those readers stream through
  // each pixel's channels before the next tap: 1.1x on ResNet-50's 3x3
  // layers of 256 channels, 1.3x on its stride-2 one of 512, 1.14x on its
  // stride-2 one of 128 (1.07x on ResNet-18's); with 128 channels and
  // stride 1 (512 bytes) the taps-outer order ran 1.3x faster.
  constexpr int64_t kFewSetsBytes = 1024;
  TensorLayouts layouts = tensor_layouts(kernels, schedules);
  for (const Kernel& kernel : kernels) {
    if (!channel_vectors(kernel) || schedules.at(kernel.name).winograd ||
        windows_per_channel(graph.layers[kernel.layers.front()]))
      continue;
    const Layer& anchor = graph.layers[kernel.layers.front()];
    int input = anchor.inputs.front();
    bool nhwc = layout_of(layouts, input) == TensorLayout::Nhwc;
    int64_t apart = graph.layers[input].shape[1] * int64_t{sizeof(float)} * anchor.get<ConvAttrs>().window.stride_w;
    KernelSchedule& s = schedules[kernel.name];
    if (!kept.orders.count(kernel.name)) s.channels_innermost = nhwc && apart >= kFewSetsBytes;
    if (!kept.tiles.count(kernel.name) && nhwc)
      widen_channel_tiles(s, anchor, graph.layers[kernel.anchor_output()].shape, apart, target);
  }
}

}  // namespace kiln
