// Activation layers, clip, fake_quantize, and the binary ops with NumPy's broadcasting.
#include <stdexcept>

#include "ops/Lowering.h"

namespace kiln {
namespace {

Halide::Expr combine(OpKind op, Halide::Expr x, Halide::Expr y) {
  switch (op) {
    case OpKind::Add: return x + y;
    case OpKind::Sub: return x - y;
    case OpKind::Mul: return x * y;
    case OpKind::Div: return x / y;
    case OpKind::Max: return Halide::max(x, y);
    case OpKind::Min: return Halide::min(x, y);
    case OpKind::Pow: return Halide::pow(x, y);  // C's pow: NaN for a negative base and a fractional power
    default: throw std::logic_error("combine: not a binary op");
  }
}

}  // namespace

LayerFuncs lower_elementwise(const LayerInput& in) {
  const Layer& layer = in.layer;
  std::vector<Halide::Var> v = dims(static_cast<int>(layer.shape.size()));
  auto broadcast = [&](const TensorFunc& t) { return t.func(broadcast_at(t, v)); };
  Halide::Expr x = broadcast(in.inputs[0]);
  Halide::Func out(in.name());
  switch (layer.op) {
    case OpKind::Activation:
      out(v) = activate(x, layer.get<ActivationAttrs>().activation);
      break;
    case OpKind::Clip: {
      // min(max(x, lo), hi): when lo > hi the result is hi, as torch.clamp.
      const ClipAttrs& clip = layer.get<ClipAttrs>();
      if (clip.min) x = Halide::max(x, *clip.min);
      if (clip.max) x = Halide::min(x, *clip.max);
      out(v) = x;
      break;
    }
    case OpKind::FakeQuantize: {
      // x times f32(1 / scale), rounded half to even, as PyTorch's
      // fake_quantize: ONNX divides, which differs only at ties and costs
      // int8 kernels' epilogues more than their products (docs/precision.md).
      // The zero point moves into the bounds: whole numbers, exact in f32.
      const FakeQuantizeAttrs& q = layer.get<FakeQuantizeAttrs>();
      Halide::Expr level = Halide::clamp(Halide::round(x * (1.0f / q.scale)), static_cast<float>(q.min - q.zero_point),
                                         static_cast<float>(q.max - q.zero_point));
      // Stored as u8 levels, the values' zero point the u8's zero point.
      if (in.output_levels)
        out(v) = Halide::cast<uint8_t>(level + static_cast<float>(in.output_levels->zero_point));
      else
        out(v) = level * q.scale;
      break;
    }
    default: {
      out(v) = activate(combine(layer.op, x, broadcast(in.inputs[1])), layer.get<BinaryAttrs>().activation);
    }
  }
  return {out, {}};
}

}  // namespace kiln
