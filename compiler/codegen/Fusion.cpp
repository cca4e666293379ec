#include "codegen/Fusion.h"

#include <algorithm>

namespace kiln {
namespace {

// Halide's compile time grows faster than linearly with an expression's
// depth (1000 fused relus took two minutes); past a few layers fusion saves nothing.
constexpr size_t kMaxFusedLayers = 16;

bool fusable(OpKind op) {
  return op == OpKind::Activation || op == OpKind::Clip || op == OpKind::BatchNorm ||
         op == OpKind::Add || op == OpKind::Mul;
}

}  // namespace

std::vector<Kernel> form_kernels(const Graph& graph, const Schedule& schedule) {
  std::vector<std::vector<int>> consumers = graph.consumers();
  std::vector<Kernel> kernels;
  std::vector<int> kernel_of(graph.layers.size(), -1);
  for (int i = 0; i < static_cast<int>(graph.layers.size()); ++i) {
    const Layer& layer = graph.layers[i];
    if (layer.op == OpKind::Input) continue;
    int producer = layer.inputs[0];
    int k = kernel_of[producer];
    bool joins = fusable(layer.op) && k >= 0 && kernels[k].output() == producer &&
                 kernels[k].layers.size() < kMaxFusedLayers &&
                 consumers[producer].size() == 1 && !graph.is_output(producer);
    if (joins) {
      auto found = schedule.kernels.find(kernels[k].name);
      joins = found == schedule.kernels.end() || found->second.fuse;
    }
    if (joins) {
      kernels[k].layers.push_back(i);
    } else {
      k = static_cast<int>(kernels.size());
      kernels.push_back(Kernel{layer.name, {i}, {}});
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
