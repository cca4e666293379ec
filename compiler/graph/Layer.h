#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "graph/Shape.h"
#include "language/SourceLocation.h"

namespace kiln {

enum class OpKind {
  Input,
  Constant,  // a weight read as a tensor: no kernel computes it
  Conv2d,
  ConvTranspose2d,
  MaxPool,
  AvgPool,
  GlobalAvgPool,
  GlobalMaxPool,
  Dense,
  Flatten,
  BatchNorm,
  Activation,
  Clip,
  FakeQuantize,
  Add,
  Mul,
  Sub,
  Div,
  Max,
  Min,
  Pow,
  Concat,
  Pad,
  Softmax,
  LogSoftmax,
  Slice,
  ChannelShuffle,
  Resize,
  LayerNorm,
  L2Norm,
  Scale,
  Reduce,
  Transpose,
  Reshape,
  MatMul,
};

enum class ActivationKind { None, Relu, Relu6, Sigmoid, Tanh, Silu, Hardswish, Hardsigmoid, Gelu, LeakyRelu, Exp, Sqrt, Erf };

struct Activation {
  ActivationKind kind = ActivationKind::None;
  float alpha = 0.01f;  // leaky_relu's slope; hardsigmoid's is set by the checker
  float beta = 0.5f;    // hardsigmoid's offset: clamp(alpha x + beta, 0, 1)
};

// Padding of the two spatial dimensions, already resolved from `same` etc.
struct Padding2d {
  int top = 0, left = 0, bottom = 0, right = 0;
  bool any() const { return top || left || bottom || right; }
};

// The sliding window shared by convolution and pooling.
struct Window2d {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  Padding2d padding;
  bool ceil_mode = false;
};

struct InputAttrs {};  // also a constant's
struct ConvAttrs {
  int filters = 0;
  Window2d window;
  int groups = 1;
  int channels_per_group = 1;  // input channels each filter reads
  bool bias = true;
  Activation activation;
  std::vector<float> inline_weights;  // empty: from the weights file
};
// conv_transpose2d: the gradient of a conv2d with this window; the padding is
// taken off the full output, output_padding added at its bottom and right.
struct ConvTransposeAttrs {
  int filters = 0;
  Window2d window;
  int output_padding_h = 0, output_padding_w = 0;
  int groups = 1;
  bool bias = true;
  Activation activation;
};
struct PoolAttrs {
  Window2d window;
  bool count_include_pad = true;  // avgpool only
};
struct GlobalPoolAttrs {};
struct DenseAttrs {
  int units = 0;
  bool bias = true;
  Activation activation;
};
struct FlattenAttrs {};
// batchnorm, layer_norm and l2_norm: normalized over axis 1 (the channels).
struct NormAttrs {
  float eps = 1e-5f;
  bool affine = true;
};
// scale: x * weight[c] (+ bias[c]) along axis 1.
struct ScaleAttrs {
  bool bias = false;
};
struct ActivationAttrs {
  Activation activation;
};
struct ClipAttrs {
  std::optional<float> min, max;
};
// fake_quantize: x rounded to the 8-bit grid scale * (q - zero_point), q in
// min..max, as a QuantizeLinear/DequantizeLinear pair computes it.
struct FakeQuantizeAttrs {
  float scale = 1.0f;
  int zero_point = 0;
  int min = 0, max = 255;
};
struct BinaryAttrs {
  Activation activation;
};
struct AxisAttrs {
  int axis = 0;  // normalized to 0..rank-1
};
struct PadAttrs {
  Padding2d padding;
  float value = 0.0f;
};

struct SliceAttrs {
  int axis = 0;  // normalized to 0..rank-1
  int64_t start = 0, step = 1;  // start resolved to 0..extent-1
};
struct ShuffleAttrs {
  int groups = 1;
};
// PyTorch's F.interpolate to a size: nearest reads floor(dst * in / out);
// bilinear reads (dst + 0.5) * in / out - 0.5 (at least 0), or with
// align_corners dst * (in - 1) / (out - 1).
struct ResizeAttrs {
  bool bilinear = false;
  bool align_corners = false;
};

// reduce_mean, reduce_sum, reduce_max, reduce_l2 over `axes`.
enum class ReduceKind { Mean, Sum, Max, L2 };
struct ReduceAttrs {
  ReduceKind kind = ReduceKind::Mean;
  std::vector<int> axes;  // normalized to 0..rank-1, ascending
  bool keepdims = false;
};
// transpose: output axis i is input axis perm[i].
struct TransposeAttrs {
  std::vector<int> perm;
};
// reshape: the elements in row-major order, into the layer's shape.
struct ReshapeAttrs {};

using LayerAttrs = std::variant<InputAttrs, ConvAttrs, PoolAttrs, GlobalPoolAttrs, DenseAttrs,
                                FlattenAttrs, NormAttrs, ActivationAttrs, ClipAttrs, BinaryAttrs,
                                AxisAttrs, PadAttrs, SliceAttrs, ShuffleAttrs, ResizeAttrs, ScaleAttrs,
                                ReduceAttrs, TransposeAttrs, ReshapeAttrs, ConvTransposeAttrs, FakeQuantizeAttrs>;

// A weight tensor the layer reads from the weights file, named as in a
// PyTorch state_dict (LAYER.weight, LAYER.bias, ...).
struct WeightSpec {
  std::string name;
  Shape shape;
};

// One checked layer: its inputs, inferred output shape, attributes and weights.
struct Layer {
  std::string name;
  std::string op_name;  // as written: "conv2d", "relu", ...
  OpKind op = OpKind::Input;
  SourceLocation where;
  std::vector<int> inputs;  // indices of producing layers
  Shape shape;
  LayerAttrs attrs;
  std::vector<WeightSpec> weights;
  int64_t flops = 0;

  template <typename T>
  const T& get() const { return std::get<T>(attrs); }
};

// Ops that compute each output value from the values at its own index (of
// inputs broadcast to the output's shape): they fuse into the kernel before them.
inline bool is_elementwise(OpKind op) {
  return op == OpKind::Activation || op == OpKind::Clip || op == OpKind::FakeQuantize || op == OpKind::BatchNorm ||
         op == OpKind::Scale || op == OpKind::Add || op == OpKind::Mul || op == OpKind::Sub || op == OpKind::Div ||
         op == OpKind::Max || op == OpKind::Min || op == OpKind::Pow;
}

// A tensor the network is given, an input or a constant: no kernel computes it.
inline bool is_given(OpKind op) { return op == OpKind::Input || op == OpKind::Constant; }

// maxpool and avgpool: windows without weights (not the global pools).
inline bool is_pooling(OpKind op) { return op == OpKind::MaxPool || op == OpKind::AvgPool; }

// global_avgpool and global_maxpool: one value per channel over the whole image.
inline bool is_global_pool(OpKind op) { return op == OpKind::GlobalAvgPool || op == OpKind::GlobalMaxPool; }

// A depthwise convolution: each output channel reads its own input channel.
inline bool is_depthwise(const Layer& layer) {
  if (layer.op != OpKind::Conv2d) return false;
  const ConvAttrs& conv = layer.get<ConvAttrs>();
  return conv.groups > 1 && conv.channels_per_group == 1 && conv.filters == conv.groups;
}

// Windows that each output channel takes over its own input channel alone:
// pooling and depthwise convolution.
inline bool windows_per_channel(const Layer& layer) { return is_pooling(layer.op) || is_depthwise(layer); }

// A concat of [N, C, H, W] tensors along their channels.
inline bool is_channel_concat(const Layer& layer) {
  return layer.op == OpKind::Concat && layer.shape.size() == 4 && layer.get<AxisAttrs>().axis == 1;
}

// A network after checking, layers in definition order (inputs included).
struct Graph {
  std::string name;
  std::vector<Layer> layers;
  std::vector<int> inputs;
  std::vector<int> outputs;

  std::vector<WeightSpec> weights() const;  // every weight the network needs
  std::vector<std::vector<int>> consumers() const;  // per layer, who reads it
  bool is_output(int layer) const;                  // an output of the network
};

}  // namespace kiln
