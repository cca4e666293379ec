// Activation layers, clip, and add/mul with broadcasting of size-1 dimensions.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_elementwise(const LayerInput& in) {
  const Layer& layer = in.layer;
  const TensorFunc& a = in.inputs[0];
  std::vector<Halide::Var> v = dims(a.rank());
  Halide::Expr x = a.func(v);
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
      const TensorFunc& b = in.inputs[1];
      std::vector<Halide::Expr> at = as_exprs(v);
      for (int i = 0; i < b.rank(); ++i)
        if (b.extent(i) == 1) at[i] = 0;
      Halide::Expr y = b.func(at);
      Halide::Expr combined = layer.op == OpKind::Add ? x + y : x * y;
      out(v) = activate(combined, layer.get<BinaryAttrs>().activation);
    }
  }
  return {out, {}};
}

}  // namespace kiln
