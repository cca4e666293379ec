// Activation layers, clip, and add/mul with NumPy's broadcasting.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_elementwise(const LayerInput& in) {
  const Layer& layer = in.layer;
  std::vector<Halide::Var> v = dims(static_cast<int>(layer.shape.size()));
  // Halide's dimension 0 is the last axis, so operands of lower rank align
  // there; their size-1 dimensions read index 0.
  auto broadcast = [&](const TensorFunc& t) {
    std::vector<Halide::Expr> at;
    for (int i = 0; i < t.rank(); ++i) at.push_back(t.extent(i) == 1 ? Halide::Expr(0) : Halide::Expr(v[i]));
    return t.func(at);
  };
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
    default: {
      Halide::Expr y = broadcast(in.inputs[1]);
      Halide::Expr combined = layer.op == OpKind::Add ? x + y : x * y;
      out(v) = activate(combined, layer.get<BinaryAttrs>().activation);
    }
  }
  return {out, {}};
}

}  // namespace kiln
