#include "ops/Lowering.h"

#include <stdexcept>

namespace kiln {

const WeightSpec& LayerInput::weight_spec(const std::string& suffix) const {
  std::string full = layer.name + "." + suffix;
  for (const WeightSpec& spec : layer.weights)
    if (spec.name == full) return spec;
  throw std::logic_error("layer " + layer.name + " has no weight " + full);
}

Halide::Expr initial_sum(const LayerInput& in, Halide::Expr channel, bool bias) {
  if (in.precision == Precision::Int8) return Halide::Expr(0);
  return bias ? in.weight("bias")(channel) : Halide::Expr(0.0f);
}

Halide::Expr product(const LayerInput& in, Halide::Expr a, Halide::Expr w) {
  switch (in.precision) {
    case Precision::F32: return a * w;
    case Precision::Bf16: {
      auto rounded = [](Halide::Expr e) {
        return Halide::cast<float>(e.type() == Halide::BFloat(16) ? e : Halide::cast(Halide::BFloat(16), e));
      };
      return rounded(a) * rounded(w);
    }
    case Precision::Int8: return Halide::cast<int32_t>(a) * Halide::cast<int32_t>(w);
  }
  return a * w;
}

namespace {

bool stored_as_quantized(const LayerInput& in, const TensorFunc& input) {
  return input.quant && input.quant->scale == in.input_quant->scale &&
         input.quant->zero_point == in.input_quant->zero_point;
}

}  // namespace

bool reads_levels_in_place(const LayerInput& in, const TensorFunc& input, bool padded) {
  return stored_as_quantized(in, input) && !padded && (input.rank() == 2 || input.channels_last);
}

Halide::Func quantized_input(const LayerInput& in, const TensorFunc& input, bool padded) {
  const TensorQuant& q = *in.input_quant;
  if (reads_levels_in_place(in, input, padded)) return input.levels;
  std::vector<Halide::Var> v = dims(input.rank());
  Halide::Func quantized(in.name("quantized"));
  if (stored_as_quantized(in, input)) {
    TensorFunc levels{input.levels, input.shape};
    quantized(v) = padded ? spatially_padded(levels, Halide::cast<uint8_t>(q.zero_point), in.name("padded"))(v)
                          : input.levels(v);
    return quantized;
  }
  Halide::Func source = padded ? spatially_padded(input, 0.0f, in.name("padded")) : input.func;
  Halide::Expr level = Halide::round(source(v) * static_cast<float>(1.0 / q.scale)) + static_cast<float>(q.zero_point);
  quantized(v) = Halide::cast<uint8_t>(Halide::clamp(level, 0.0f, 255.0f));
  return quantized;
}

Halide::Expr dequantized(const LayerInput& in, Halide::Expr sum, Halide::Expr channel, bool bias) {
  if (in.precision != Precision::Int8) return sum;
  const TensorQuant& q = *in.input_quant;
  const WeightSpec& weight = in.weight_spec("weight");
  Halide::Expr scale = static_cast<float>(q.scale) * in.weights.derived(weight, WeightTransform::Int8Scales)(channel);
  Halide::Expr zero = Halide::cast<int32_t>(q.zero_point) * in.weights.derived(weight, WeightTransform::Int8Sums)(channel);
  Halide::Expr result = Halide::cast<float>(sum - zero) * scale;
  return bias ? result + in.weight("bias")(channel) : result;
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
    case OpKind::FakeQuantize:
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
