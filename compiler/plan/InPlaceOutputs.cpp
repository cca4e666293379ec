#include "plan/InPlaceOutputs.h"

#include <algorithm>
#include <set>

#include "schedule/KernelFamily.h"

namespace kiln {
namespace {

// Whether the kernel's schedule takes its tail in place: channel tiles over
// NHWC in f32 by rows (row_tasks) over the whole reduction, whose tiles
// divide the output channels (shifted ones would recompute channels of the
// tail's pass), no pool fused.
bool tail_may_run_in_place(const Graph& graph, const Kernel& kernel, const KernelSchedule& s) {
  const Layer& anchor = graph.layers[kernel.layers.front()];
  const Shape& shape = graph.layers[kernel.output()].shape;
  return kernel.layers.size() > 1 && !kernel.pooled && family_of(s, anchor) == KernelFamily::ChannelTiles &&
         s.layout == TensorLayout::Nhwc && s.precision == Precision::F32 && s.row_tasks && s.reduction_block == 0 &&
         shape.size() == 4 && shape[1] % (s.vector_width * s.tile_channels) == 0;
}

}  // namespace

InPlaceOutputs in_place_outputs(const Graph& graph, const std::vector<Kernel>& kernels,
                                const std::map<std::string, KernelSchedule>& schedules, const TensorLayouts& layouts,
                                const TensorLevels& levels) {
  std::vector<size_t> last_reader = last_readers(graph, kernels);
  std::set<int> produced;  // tensors in the arena: not the network's inputs
  for (const Kernel& kernel : kernels) produced.insert(kernel.output());
  InPlaceOutputs in_place;
  for (size_t k = 0; k < kernels.size(); ++k) {
    const Kernel& kernel = kernels[k];
    int output = kernel.output();
    if (graph.is_output(output) || !tail_may_run_in_place(graph, kernel, schedules.at(kernel.name))) continue;
    const std::vector<int>& anchor_inputs = graph.layers[kernel.layers.front()].inputs;
    auto operand_fits = [&](int t) {
      bool outside = std::find(kernel.layers.begin(), kernel.layers.end(), t) == kernel.layers.end();
      bool anchor_reads = std::find(anchor_inputs.begin(), anchor_inputs.end(), t) != anchor_inputs.end();
      return outside && !anchor_reads && produced.count(t) && !graph.is_output(t) && last_reader[t] == k &&
             graph.layers[t].shape == graph.layers[output].shape && layout_of(layouts, t) == TensorLayout::Nhwc &&
             !levels.count(t);
    };
    for (size_t i = 1; i < kernel.layers.size() && !in_place.count(output); ++i)
      for (int t : graph.layers[kernel.layers[i]].inputs)
        if (operand_fits(t)) {
          in_place[output] = t;
          break;
        }
  }
  return in_place;
}

}  // namespace kiln
