#include "codegen/KernelBuilder.h"

#include <map>
#include <stdexcept>

#include "ops/Lowering.h"
#include "schedule/ApplySchedule.h"
#include "schedule/KernelFamily.h"

namespace kiln {
namespace {

// Fixes a buffer's shape and strides, so Halide checks them at entry and
// compiles for the exact sizes and layout (and autoschedulers see them as
// estimates).
template <typename Dimensions>
void constrain(Dimensions&& dim, const Shape& shape, TensorLayout layout = TensorLayout::Nchw) {
  std::vector<int64_t> strides = tensor_strides(shape, layout);
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    int extent = static_cast<int>(shape[shape.size() - 1 - i]);
    dim(i).set_bounds(0, extent).set_stride(static_cast<int>(strides[i])).set_estimate(0, extent);
  }
}

// The whole of each dimension, innermost first: what autoschedulers need.
Halide::Region estimates(const Shape& shape) {
  Halide::Region region;
  for (size_t i = 0; i < shape.size(); ++i) region.emplace_back(0, static_cast<int>(shape[shape.size() - 1 - i]));
  return region;
}

std::string param_name(const std::string& name) {
  std::string result = "p_" + name;
  for (char& c : result)
    if (c == '.') c = '_';
  return result;
}

Halide::Type halide_type(ElementType element) {
  switch (element) {
    case ElementType::F32: return Halide::Float(32);
    case ElementType::Bf16: return Halide::BFloat(16);
    case ElementType::S8: return Halide::Int(8);
    case ElementType::S32: return Halide::Int(32);
    case ElementType::U8: return Halide::UInt(8);
  }
  return Halide::Float(32);
}

// A weight argument's key: the weight's name, and what is derived from it.
std::string argument_key(const std::string& weight, WeightTransform transform) {
  switch (transform) {
    case WeightTransform::Int8Scales: return weight + "_scales";
    case WeightTransform::Int8Sums: return weight + "_sums";
    default: return weight;
  }
}

// Weights as kernel arguments in the layout the schedule chose, handed to the
// algorithm as Funcs indexed in the weight's own order.
class ParamWeights : public WeightBinder {
 public:
  explicit ParamWeights(const std::vector<KernelArgument>& arguments) {
    for (const KernelArgument& arg : arguments)
      if (arg.is_weight) {
        std::string key = argument_key(arg.weight, arg.transform);
        Halide::ImageParam param(halide_type(arg.element), static_cast<int>(arg.shape.size()), param_name(key));
        constrain([&](int i) { return param.dim(i); }, arg.shape);
        params_.emplace(key, std::make_pair(param, arg.layout));
      }
  }

  Halide::Func weight(const WeightSpec& spec) override { return in_order(spec.name, static_cast<int>(spec.shape.size())); }

  Halide::Func derived(const WeightSpec& spec, WeightTransform transform) override {
    return in_order(argument_key(spec.name, transform), 1);
  }

  const Halide::ImageParam& param(const std::string& key) const { return params_.at(key).first; }

 private:
  // The argument `key` indexed in its weight's own order (rank axes).
  Halide::Func in_order(const std::string& key, int rank) {
    const auto& [param, layout] = params_.at(key);
    int packed_rank = static_cast<int>(layout.size());
    // Halide lists dimensions innermost first: axis a is Var rank-1-a, and
    // the argument's dimension j is its axis packed_rank-1-j.
    std::vector<Halide::Var> v = dims(rank);
    std::vector<Halide::Expr> at(packed_rank);
    for (int i = 0; i < packed_rank; ++i) {
      const LayoutAxis& axis = layout[i];
      Halide::Expr index = v[rank - 1 - axis.axis];
      if (axis.factor != 1) index = index / static_cast<int>(axis.factor);
      bool outermost = true;  // of the pieces of its axis: no wrap-around needed
      for (const LayoutAxis& other : layout) outermost = outermost && !(other.axis == axis.axis && other.factor > axis.factor);
      if (!outermost) index = index % static_cast<int>(axis.extent);
      at[packed_rank - 1 - i] = index;
    }
    Halide::Func weight(param.name() + "_in_order");
    weight(v) = param(at);
    return weight;
  }

  std::map<std::string, std::pair<Halide::ImageParam, std::vector<LayoutAxis>>> params_;
};

}  // namespace

std::vector<int64_t> tensor_strides(const Shape& shape, TensorLayout layout) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    strides[i] = stride;
    stride *= shape[shape.size() - 1 - i];
  }
  if (layout == TensorLayout::Nhwc && shape.size() == 4) {
    int64_t channels = shape[1], width = shape[3], height = shape[2];
    strides = {channels, width * channels, 1, height * width * channels};
  }
  return strides;
}

Shape kernel_view(const Shape& tensor, const Shape& output, const KernelSchedule& schedule) {
  bool same_pixels = tensor.size() == 4 && output.size() == 4 && tensor[2] == output[2] && tensor[3] == output[3];
  return schedule.flatten_pixels && same_pixels ? pixel_row(tensor) : tensor;
}

std::vector<KernelArgument> kernel_arguments(const Graph& graph, const Kernel& kernel,
                                             const KernelSchedule& schedule, const TensorLayouts& layouts,
                                             const TensorLevels& levels) {
  std::vector<KernelArgument> arguments;
  const Shape& output = graph.layers[kernel.output()].shape;
  auto element = [&](int layer) { return levels.count(layer) ? ElementType::U8 : ElementType::F32; };
  for (int input : kernel.inputs)
    arguments.push_back({false, input, "", {}, kernel_view(graph.layers[input].shape, output, schedule),
                         layout_of(layouts, input), WeightTransform::AsStored, element(input)});
  for (int index : kernel.layers) {
    const Layer& layer = graph.layers[index];
    for (const WeightSpec& w : layer.weights) {
      KernelArgument arg{true, index, w.name, weight_layout(layer, w, schedule), {}};
      arg.transform = weight_transform(layer, w, schedule);
      arg.element = weight_element(layer, w, schedule);
      for (const LayoutAxis& axis : arg.layout) arg.shape.push_back(axis.extent);
      arguments.push_back(arg);
      if (arg.element == ElementType::S8)  // and what dequantizing its products needs, per output channel
        for (auto [transform, element] : {std::pair{WeightTransform::Int8Scales, ElementType::F32},
                                          std::pair{WeightTransform::Int8Sums, ElementType::S32}})
          arguments.push_back({true, index, w.name, {{0, 1, w.shape[0]}}, {w.shape[0]}, TensorLayout::Nchw, transform, element});
    }
  }
  arguments.push_back({false, kernel.output(), "", {}, kernel_view(output, output, schedule), schedule.layout,
                       WeightTransform::AsStored, element(kernel.output())});
  return arguments;
}

BuiltKernel build_kernel(const Graph& graph, const Kernel& kernel, const KernelSchedule& schedule,
                         const TensorLayouts& layouts, const QuantParams& quant, const TensorLevels& levels,
                         bool apply, bool tail_in_place) {
  BuiltKernel built;
  built.arguments = kernel_arguments(graph, kernel, schedule, layouts, levels);
  std::map<int, TensorFunc> tensors;
  ParamWeights weights(built.arguments);
  for (const KernelArgument& arg : built.arguments) {
    if (arg.is_weight) {
      built.halide_arguments.push_back(weights.param(argument_key(arg.weight, arg.transform)));
    } else if (arg.layer != kernel.output()) {
      Halide::ImageParam param(halide_type(arg.element), static_cast<int>(arg.shape.size()),
                               param_name(graph.layers[arg.layer].name));
      constrain([&](int i) { return param.dim(i); }, arg.shape, arg.tensor_layout);
      auto stored = levels.find(arg.layer);
      tensors[arg.layer] = stored == levels.end() ? TensorFunc{param, arg.shape}
                                                  : levels_tensor(param, arg.shape, stored->second, param.name());
      tensors[arg.layer].channels_last = arg.tensor_layout == TensorLayout::Nhwc;
      built.halide_arguments.push_back(param);
    }
  }
  LayerFuncs anchor, last;
  for (int index : kernel.layers) {
    const Layer& layer = graph.layers[index];
    LayerInput in{layer, index, {}, weights};
    in.winograd = schedule.winograd && index == kernel.layers.front();
    if (index == kernel.output() && levels.count(index)) in.output_levels = &levels.at(index);
    if (index == kernel.layers.front() && schedule.precision != Precision::F32) {
      in.precision = schedule.precision;
      in.dot_lanes = dot_product_lanes(schedule, layer);
      in.input_quant = quant.of_input(graph, layer);
      if (in.precision == Precision::Int8 && !in.input_quant)  // the planner refuses such a plan
        throw std::logic_error("int8 kernel " + kernel.name + " without its input's quantization");
    }
    for (int input : layer.inputs) in.inputs.push_back(tensors.at(input));
    LayerFuncs funcs = lower_layer(in);
    if (index == kernel.layers.front()) anchor = funcs;
    last = funcs;
    tensors[index] = TensorFunc{funcs.output, kernel_view(layer.shape, graph.layers[kernel.output()].shape, schedule)};
  }

  const KernelArgument& result = built.arguments.back();
  Halide::Func output = tensors.at(kernel.output()).func;
  if (apply && computes_by_slices(schedule, anchor, graph.layers[kernel.layers.front()]))
    output = by_concat_operands(output, anchor.slices, output.name());
  constrain([&](int i) { return output.output_buffer().dim(i); }, result.shape, result.tensor_layout);
  if (apply) {
    // Only the first layer of a kernel reduces: those fused after it are
    // elementwise, but for a pool that ends it.
    if (kernel.pooled)
      apply_pooled_schedule(schedule, output, last, tensors.at(kernel.anchor_output()).func, anchor, result.shape);
    else
      apply_schedule(schedule, output, anchor, graph.layers[kernel.layers.front()], tail_in_place);
  } else {
    output.set_estimates(estimates(result.shape));
  }
  built.pipeline = Halide::Pipeline(output);
  return built;
}

}  // namespace kiln
