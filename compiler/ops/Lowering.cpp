#include "ops/Lowering.h"

#include <stdexcept>

namespace kiln {

const WeightSpec& LayerInput::weight_spec(const std::string& suffix) const {
  std::string full = layer.name + "." + suffix;
  for (const WeightSpec& spec : layer.weights)
    if (spec.name == full) return spec;
  throw std::logic_error("layer " + layer.name + " has no weight " + full);
}

Halide::Expr product(Halide::Expr a, Halide::Expr w, bool bf16) {
  if (!bf16) return a * w;
  auto rounded = [](Halide::Expr e) {
    return Halide::cast<float>(e.type() == Halide::BFloat(16) ? e : Halide::cast(Halide::BFloat(16), e));
  };
  return rounded(a) * rounded(w);
}

LayerFuncs lower_layer(const LayerInput& in) {
  switch (in.layer.op) {
    case OpKind::Conv2d: return in.winograd ? lower_winograd_conv(in) : lower_conv(in);
    case OpKind::ConvTranspose2d: return lower_conv_transpose(in);
    case OpKind::MaxPool:
    case OpKind::AvgPool: return lower_pool(in);
    case OpKind::GlobalAvgPool:
    case OpKind::GlobalMaxPool: return lower_global_pool(in);
    case OpKind::Dense: return lower_dense(in);
    case OpKind::Activation:
    case OpKind::Clip:
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Sub:
    case OpKind::Div:
    case OpKind::Max:
    case OpKind::Min:
    case OpKind::Pow: return lower_elementwise(in);
    case OpKind::BatchNorm:
    case OpKind::LayerNorm:
    case OpKind::L2Norm:
    case OpKind::Scale: return lower_normalization(in);
    case OpKind::Flatten:
    case OpKind::Concat:
    case OpKind::Pad:
    case OpKind::Slice:
    case OpKind::ChannelShuffle:
    case OpKind::Transpose:
    case OpKind::Reshape: return lower_reshape(in);
    case OpKind::Reduce: return lower_reduce(in);
    case OpKind::MatMul: return lower_matmul(in);
    case OpKind::Resize: return lower_resize(in);
    case OpKind::Softmax:
    case OpKind::LogSoftmax: return lower_softmax(in);
    case OpKind::Input:
    case OpKind::Constant: break;
  }
  throw std::logic_error("lower_layer: inputs and constants are not lowered");
}

}  // namespace kiln
