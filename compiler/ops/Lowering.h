#pragma once

#include <Halide.h>

#include <vector>

#include "graph/Layer.h"
#include "ops/Tensor.h"

namespace kiln {

// Hands a layer's weight tensors to its algorithm as Funcs, without the
// algorithm knowing where they live (a kernel argument, a constant, ...).
class WeightBinder {
 public:
  virtual ~WeightBinder() = default;
  virtual Halide::Func weight(const WeightSpec& spec) = 0;
};

// What one layer's algorithm defines: its output, and the reductions inside
// it, which a schedule must place (they cannot be inlined).
struct LayerFuncs {
  Halide::Func output;
  std::vector<Halide::Func> reductions;
  // A windowed op's input extended by its padding (undefined without
  // padding), which a schedule may compute into a buffer ahead of the window.
  Halide::Func padded = Halide::Func();
  // A Winograd convolution's stages: rows of input tiles transformed, the
  // tiles transformed, their products with the filters summed over the
  // channels (also the reduction), and rows of those sums transformed back.
  std::vector<Halide::Func> winograd = {};
  // Stages a schedule computes ahead of the reduction instead of inlining
  // them into it (conv_transpose2d's zero-inserted input).
  std::vector<Halide::Func> staged = {};
  // A concat along channels: each operand's channels, in order.
  std::vector<int> slices = {};
};

// Everything an op's algorithm needs, and nothing about its schedule.
struct LayerInput {
  const Layer& layer;
  int index;  // position in the graph, for unique Func names
  std::vector<TensorFunc> inputs;
  WeightBinder& weights;
  // The schedule chose Winograd's algorithm (a 3x3 conv2d): the weight then
  // arrives as filter transforms, [K, C, 6, 6].
  bool winograd = false;
  // precision = bf16 (conv2d, dense): the weight arrives as bf16, and the
  // products are of the input rounded to bf16 (see product).
  bool bf16 = false;
  // With bf16, a conv2d reduces its input channels in pairs: its reduction's
  // first dimension (extent 2) is the channel within the pair, which a
  // schedule vectorizes with the output channels (reduces_channel_pairs).
  bool channel_pairs = false;

  std::string name(const std::string& suffix = "") const { return func_name(layer, index, suffix); }
  const WeightSpec& weight_spec(const std::string& suffix) const;
  Halide::Func weight(const std::string& suffix) const { return weights.weight(weight_spec(suffix)); }
};

LayerFuncs lower_layer(const LayerInput& in);

// A kernel's [N, C, H, W] `result` computed slice by slice of the channels
// of its anchor's operands, a concat's `slices`: one update definition each,
// in which the concat's select resolves to that operand alone (as a select,
// it would load every operand at each element). Kiln's schedules take this form.
Halide::Func by_concat_operands(Halide::Func result, const std::vector<int>& slices, const std::string& name);

// One op family per file.
LayerFuncs lower_conv(const LayerInput& in);
LayerFuncs lower_winograd_conv(const LayerInput& in);
LayerFuncs lower_conv_transpose(const LayerInput& in);
LayerFuncs lower_pool(const LayerInput& in);
LayerFuncs lower_global_pool(const LayerInput& in);
LayerFuncs lower_dense(const LayerInput& in);
LayerFuncs lower_elementwise(const LayerInput& in);
LayerFuncs lower_normalization(const LayerInput& in);
LayerFuncs lower_reshape(const LayerInput& in);
LayerFuncs lower_softmax(const LayerInput& in);
LayerFuncs lower_resize(const LayerInput& in);
LayerFuncs lower_reduce(const LayerInput& in);
LayerFuncs lower_matmul(const LayerInput& in);

// a * w, or with `bf16` the product of both rounded to bf16 (to nearest
// even), in f32: exact, so summing such products in f32 is what
// vdpbf16ps computes.
Halide::Expr product(Halide::Expr a, Halide::Expr w, bool bf16);

// The unary activations, shared by activation layers and fused `activation=`.
Halide::Expr activate(Halide::Expr x, const Activation& activation);

}  // namespace kiln
