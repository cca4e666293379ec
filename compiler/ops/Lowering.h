#pragma once

#include <Halide.h>

#include <vector>

#include "graph/Layer.h"
#include "ops/Tensor.h"
#include "quant/QuantParams.h"
#include "schedule/Schedule.h"
#include "schedule/WeightLayout.h"

namespace kiln {

// Hands a layer's weight tensors to its algorithm as Funcs, without the
// algorithm knowing where they live (a kernel argument, a constant, ...).
class WeightBinder {
 public:
  virtual ~WeightBinder() = default;
  virtual Halide::Func weight(const WeightSpec& spec) = 0;
  // What the kernel takes derived from an int8 weight: its scales or sums
  // per output channel (WeightTransform::Int8Scales, Int8Sums), Funcs of k.
  virtual Halide::Func derived(const WeightSpec& spec, WeightTransform transform) = 0;
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
  // int8: the input quantized to u8 (over its padding), which a schedule may
  // compute once, channels innermost, ahead of the reduction (undefined in
  // other precisions).
  Halide::Func quantized = Halide::Func();
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
  // The anchor's precision (conv2d, dense). bf16: the weight arrives as
  // bf16, and the products are of the input rounded to bf16 (see product).
  // int8: the weight arrives as s8 with its scales and sums, and the input is
  // quantized with `input_quant`; products are summed in s32 (see
  // quantized_sum) and scaled back to f32.
  Precision precision = Precision::F32;
  const TensorQuant* input_quant = nullptr;
  // dot_lanes > 1 (dot_product_lanes): a conv2d sums its input channels in
  // pairs or quads; its reduction's first dimension (of that extent) is the
  // channel within them, which a schedule vectorizes with the output channels.
  int dot_lanes = 1;
  // The kernel's result, a fake_quantize, stored as u8 levels (TensorLevels).
  const TensorQuant* output_levels = nullptr;

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

// What a conv2d's or dense's reduction starts from and adds, in the anchor's
// precision: f32, the bias (if any) and a * w. bf16, the same with both
// rounded to bf16 (to nearest even): exact in f32, so summing such products
// in f32 is what vdpbf16ps computes. int8, 0 and a * w in s32, `a` read from
// `quantized_input` (the bias joins in `dequantized`).
Halide::Expr initial_sum(const LayerInput& in, Halide::Expr channel, bool bias);
Halide::Expr product(const LayerInput& in, Halide::Expr a, Halide::Expr w);
// int8: `input` (spatially padded with 0 when `padded`) as u8 levels: those it
// is stored as where input_quant is their quantization, or quantized as
// input_quant says, clamp(round(x * (1 / scale)) + zero_point, 0, 255).
Halide::Func quantized_input(const LayerInput& in, const TensorFunc& input, bool padded);
// Whether that is the stored levels as they are, which a schedule need not
// stage (LayerFuncs::quantized): unpadded, each pixel's channels contiguous.
bool reads_levels_in_place(const LayerInput& in, const TensorFunc& input, bool padded);
// The reduction's `sum` as f32 for output channel `channel`: itself, or for
// int8 s_a * s_w (sum - z_a * sum_w) + bias, s_w and sum_w the weight's
// scale and quantized sum of that channel.
Halide::Expr dequantized(const LayerInput& in, Halide::Expr sum, Halide::Expr channel, bool bias);

// The unary activations, shared by activation layers and fused `activation=`.
Halide::Expr activate(Halide::Expr x, const Activation& activation);

}  // namespace kiln
