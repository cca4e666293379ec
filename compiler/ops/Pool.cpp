// maxpool and avgpool over NCHW windows (PyTorch's semantics, any padding),
// and the global pools.
#include <limits>

#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_pool(const LayerInput& in) {
  const PoolAttrs& pool = in.layer.get<PoolAttrs>();
  const Window2d& w = pool.window;
  const TensorFunc& input = in.inputs[0];
  bool is_max = in.layer.op == OpKind::MaxPool;
  int height = input.extent(1), width = input.extent(0);

  // Padded positions never win a max, and add nothing to a sum.
  Halide::Expr fill = is_max ? Halide::Expr(-std::numeric_limits<float>::infinity()) : Halide::Expr(0.0f);
  Halide::Func source = spatially_padded(input, fill, in.name("padded"));

  std::vector<Halide::Var> v = dims(4);
  const Halide::Var &x = v[0], &y = v[1], &c = v[2], &n = v[3];
  Halide::RDom r(0, w.kernel_w, 0, w.kernel_h, in.name("r"));
  Halide::Expr x0 = x * w.stride_w - w.padding.left, y0 = y * w.stride_h - w.padding.top;
  Halide::Expr tap = source(x0 + r.x * w.dilation_w, y0 + r.y * w.dilation_h, c, n);

  Halide::Func acc(in.name("acc"));
  acc(v) = fill;
  acc(v) = is_max ? Halide::max(acc(v), tap) : acc(v) + tap;

  Halide::Func out(in.name());
  if (is_max) {
    out(v) = acc(v);
  } else {
    // PyTorch's divisor: the window clipped to the padded input, or, without
    // count_include_pad, to the input itself.
    Halide::Expr x1, y1;
    if (pool.count_include_pad) {
      x1 = Halide::min(x0 + w.kernel_w, width + w.padding.right);
      y1 = Halide::min(y0 + w.kernel_h, height + w.padding.bottom);
    } else {
      x1 = Halide::min(x0 + w.kernel_w, width);
      y1 = Halide::min(y0 + w.kernel_h, height);
      x0 = Halide::max(x0, 0);
      y0 = Halide::max(y0, 0);
    }
    // A window wholly in padding, not counted, is 0/0 = NaN, as in ONNX's reference.
    // Each clipped extent is clamped at 0: a window left of the input and
    // one above it would otherwise multiply two negatives into a count.
    Halide::Expr count = Halide::max(x1 - x0, 0) * Halide::max(y1 - y0, 0);
    out(v) = acc(v) / Halide::cast<float>(count);
  }
  return {out, {acc}, source};
}

LayerFuncs lower_global_pool(const LayerInput& in) {
  const TensorFunc& input = in.inputs[0];
  bool is_max = in.layer.op == OpKind::GlobalMaxPool;
  std::vector<Halide::Var> v = dims(4);
  Halide::RDom r(0, input.extent(0), 0, input.extent(1), in.name("r"));
  Halide::Func acc(in.name("acc"));
  Halide::Expr tap = input.func(r.x, r.y, v[2], v[3]);
  acc(v[2], v[3]) = is_max ? Halide::Expr(-std::numeric_limits<float>::infinity()) : Halide::Expr(0.0f);
  acc(v[2], v[3]) = is_max ? Halide::max(acc(v[2], v[3]), tap) : acc(v[2], v[3]) + tap;
  Halide::Func out(in.name());
  out(v) = is_max ? acc(v[2], v[3]) : acc(v[2], v[3]) / static_cast<float>(input.extent(0) * input.extent(1));
  return {out, {acc}};
}

}  // namespace kiln
