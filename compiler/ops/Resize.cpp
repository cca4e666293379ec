// resize: nearest and bilinear interpolation of H and W, as PyTorch's
// F.interpolate to a size computes them (its float32 scale included, so
// that the pixels read are PyTorch's own).
#include "ops/Lowering.h"

namespace kiln {
namespace {

// Where output index `dst` reads along one axis of `in` pixels resized to `out`.
Halide::Expr source(Halide::Expr dst, int in, int out, const ResizeAttrs& resize) {
  Halide::Expr x = Halide::cast<float>(dst);
  if (!resize.bilinear) return x * (static_cast<float>(in) / static_cast<float>(out));
  if (resize.align_corners) return x * (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f);
  return Halide::max((x + 0.5f) * (static_cast<float>(in) / static_cast<float>(out)) - 0.5f, 0.0f);
}

}  // namespace

LayerFuncs lower_resize(const LayerInput& in) {
  const ResizeAttrs& resize = in.layer.get<ResizeAttrs>();
  const TensorFunc& input = in.inputs[0];
  int in_w = input.extent(0), in_h = input.extent(1);
  int out_w = static_cast<int>(in.layer.shape[3]), out_h = static_cast<int>(in.layer.shape[2]);
  std::vector<Halide::Var> v = dims(4);
  Halide::Expr sx = source(v[0], in_w, out_w, resize), sy = source(v[1], in_h, out_h, resize);
  Halide::Expr x0 = Halide::min(Halide::cast<int>(Halide::floor(sx)), in_w - 1);
  Halide::Expr y0 = Halide::min(Halide::cast<int>(Halide::floor(sy)), in_h - 1);
  Halide::Func out(in.name());
  if (!resize.bilinear) {
    out(v) = input.func(x0, y0, v[2], v[3]);
    return {out, {}};
  }
  Halide::Expr x1 = Halide::min(x0 + 1, in_w - 1), y1 = Halide::min(y0 + 1, in_h - 1);
  Halide::Expr lx = sx - Halide::cast<float>(x0), ly = sy - Halide::cast<float>(y0);
  auto at = [&](Halide::Expr x, Halide::Expr y) { return input.func(x, y, v[2], v[3]); };
  Halide::Expr top = (1.0f - lx) * at(x0, y0) + lx * at(x1, y0);
  Halide::Expr bottom = (1.0f - lx) * at(x0, y1) + lx * at(x1, y1);
  out(v) = (1.0f - ly) * top + ly * bottom;
  return {out, {}};
}

}  // namespace kiln
