#include "plan/KernelFormation.h"

#include <algorithm>

#include "schedule/DefaultSchedule.h"
#include "schedule/ScheduleFile.h"

namespace kiln {
namespace {

// Halide's compile time grows faster than linearly with an expression's
// depth (1000 fused relus took two minutes); past a few layers fusion saves nothing.
constexpr size_t kMaxFusedLayers = 16;

// Whether `pool` joins `kernel` by default: the kernel's schedule as it
// would be resolved (a pooled kernel's pixels never flatten; whether its
// input is channel vectors is not known yet, and only moves 1x1
// convolutions from width tiles to channel tiles, which would pool too).
bool pool_fuses(const Graph& graph, const Kernel& kernel, const Layer& pool, const Schedule& schedule,
                const TargetTraits& target) {
  const Layer& anchor = graph.layers[kernel.layers.front()];
  KernelSchedule heuristic =
      default_schedule({anchor, graph.layers[kernel.output()].shape, kernel_flops(graph, kernel), target, false, false})
          .schedule;
  return pool_fuses_by_default(section_over(schedule, kernel.name, heuristic), anchor, pool, target);
}

}  // namespace

int64_t kernel_flops(const Graph& graph, const Kernel& kernel) {
  int64_t flops = 0;
  for (int layer : kernel.layers) flops += std::min(graph.layers[layer].flops, INT64_MAX - flops);
  return flops;
}

std::vector<size_t> last_readers(const Graph& graph, const std::vector<Kernel>& kernels) {
  std::vector<size_t> last(graph.layers.size(), 0);
  for (size_t k = 0; k < kernels.size(); ++k)
    for (int input : kernels[k].inputs) last[input] = k;
  return last;
}

std::vector<Kernel> form_kernels(const Graph& graph, const Schedule& schedule, const TargetTraits& target) {
  std::vector<std::vector<int>> consumers = graph.consumers();
  std::vector<Kernel> kernels;
  std::vector<int> kernel_of(graph.layers.size(), -1);
  for (int i = 0; i < static_cast<int>(graph.layers.size()); ++i) {
    const Layer& layer = graph.layers[i];
    if (is_given(layer.op)) continue;
    // A kernel is open to the layer reading its output where no other layer or the caller reads it.
    auto open_to = [&](int producer) {
      int k = kernel_of[producer];
      return k >= 0 && kernels[k].output() == producer && !kernels[k].pooled &&
             kernels[k].layers.size() < kMaxFusedLayers && consumers[producer].size() == 1 &&
             !graph.is_output(producer);
    };
    // An elementwise layer may join the kernel of any operand: a residual add
    // reads the convolution second in RegNet's x + f(x).
    int producer = layer.inputs[0];
    if (is_elementwise(layer.op) && !open_to(producer))
      for (int input : layer.inputs)
        if (open_to(input)) {
          producer = input;
          break;
        }
    int k = kernel_of[producer];
    bool open = open_to(producer);
    bool joins = false, pools = false;
    if (open) {
      auto found = schedule.kernels.find(kernels[k].name);
      bool section = found != schedule.kernels.end();
      // A layer that broadcasts its producer to a larger shape starts a kernel.
      joins = is_elementwise(layer.op) && layer.shape == graph.layers[producer].shape && (!section || found->second.fuse);
      // By default, a pool with a section of its own stays a kernel of its own.
      pools = (layer.op == OpKind::MaxPool || layer.op == OpKind::AvgPool) &&
              (section && schedule.sets(kernels[k].name, "fuse_pool")
                   ? found->second.fuse_pool
                   : !schedule.kernels.count(layer.name) && pool_fuses(graph, kernels[k], layer, schedule, target));
    }
    if (joins || pools) {
      kernels[k].layers.push_back(i);
      kernels[k].pooled = pools;
    } else {
      k = static_cast<int>(kernels.size());
      kernels.push_back(Kernel{layer.name, {i}, {}, false});
    }
    kernel_of[i] = k;
    for (int input : layer.inputs)
      if (kernel_of[input] != k &&
          std::find(kernels[k].inputs.begin(), kernels[k].inputs.end(), input) == kernels[k].inputs.end())
        kernels[k].inputs.push_back(input);
  }
  // A fused kernel runs once all its layers' inputs exist: at its last layer.
  std::stable_sort(kernels.begin(), kernels.end(),
                   [](const Kernel& a, const Kernel& b) { return a.output() < b.output(); });
  return kernels;
}

std::string flatten_problem(const Graph& graph, const Kernel& kernel) {
  if (kernel.pooled) return "flatten_pixels cannot go with a fused pool (set fuse_pool = false)";
  const Shape& output = graph.layers[kernel.output()].shape;
  if (output.size() != 4) return "flatten_pixels needs an NCHW output, the kernel's is " + to_string(output);
  for (int index : kernel.layers)
    for (int input : graph.layers[index].inputs) {
      const Shape& shape = graph.layers[input].shape;
      bool fits = shape.size() == 4 && ((shape[2] == output[2] && shape[3] == output[3]) || (shape[2] == 1 && shape[3] == 1));
      if (!fits)
        return "flatten_pixels needs every tensor of the kernel to be of the output's H x W or [N, C, 1, 1]; " +
               graph.layers[input].name + " is " + to_string(shape) + " (set fuse = false, or flatten_pixels = false)";
    }
  return "";
}

}  // namespace kiln
