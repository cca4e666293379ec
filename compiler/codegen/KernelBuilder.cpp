#include "codegen/KernelBuilder.h"

#include <map>

#include "ops/Lowering.h"
#include "schedule/ApplySchedule.h"

namespace kiln {
namespace {

// Fixes a buffer's shape and dense strides, so Halide checks them at entry
// and compiles for the exact sizes.
template <typename Dimensions>
void constrain(Dimensions&& dim, const Shape& shape) {
  int stride = 1;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    int extent = static_cast<int>(shape[shape.size() - 1 - i]);
    dim(i).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
}

std::string param_name(const std::string& name) {
  std::string result = "p_" + name;
  for (char& c : result)
    if (c == '.') c = '_';
  return result;
}

class ParamWeights : public WeightBinder {
 public:
  Halide::Func weight(const WeightSpec& spec) override {
    auto found = params_.find(spec.name);
    if (found == params_.end()) {
      Halide::ImageParam param(Halide::Float(32), static_cast<int>(spec.shape.size()), param_name(spec.name));
      constrain([&](int i) { return param.dim(i); }, spec.shape);
      found = params_.emplace(spec.name, param).first;
    }
    return found->second;
  }
  Halide::ImageParam param(const WeightSpec& spec) {
    weight(spec);
    return params_.at(spec.name);
  }

 private:
  std::map<std::string, Halide::ImageParam> params_;
};

}  // namespace

std::vector<KernelArgument> kernel_arguments(const Graph& graph, const Kernel& kernel) {
  std::vector<KernelArgument> arguments;
  for (int input : kernel.inputs) arguments.push_back({false, input, ""});
  for (int layer : kernel.layers)
    for (const WeightSpec& w : graph.layers[layer].weights) arguments.push_back({true, -1, w.name});
  arguments.push_back({false, kernel.output(), ""});
  return arguments;
}

BuiltKernel build_kernel(const Graph& graph, const Kernel& kernel, const KernelSchedule& schedule) {
  BuiltKernel built;
  std::map<int, TensorFunc> tensors;
  for (int input : kernel.inputs) {
    const Layer& layer = graph.layers[input];
    Halide::ImageParam param(Halide::Float(32), static_cast<int>(layer.shape.size()), param_name(layer.name));
    constrain([&](int i) { return param.dim(i); }, layer.shape);
    tensors[input] = TensorFunc{param, layer.shape};
    built.halide_arguments.push_back(param);
  }
  ParamWeights weights;
  std::vector<Halide::Func> reductions;
  for (int index : kernel.layers) {
    const Layer& layer = graph.layers[index];
    LayerInput in{layer, index, {}, weights};
    for (int input : layer.inputs) in.inputs.push_back(tensors.at(input));
    LayerFuncs funcs = lower_layer(in);
    tensors[index] = TensorFunc{funcs.output, layer.shape};
    reductions.insert(reductions.end(), funcs.reductions.begin(), funcs.reductions.end());
  }
  // In the order of kernel_arguments(), whatever order the algorithms asked in.
  for (int index : kernel.layers)
    for (const WeightSpec& spec : graph.layers[index].weights) built.halide_arguments.push_back(weights.param(spec));

  const Layer& last = graph.layers[kernel.output()];
  Halide::Func output = tensors.at(kernel.output()).func;
  constrain([&](int i) { return output.output_buffer().dim(i); }, last.shape);
  apply_schedule(schedule, output, reductions);
  built.pipeline = Halide::Pipeline(output);
  built.arguments = kernel_arguments(graph, kernel);
  return built;
}

}  // namespace kiln
