// conv_transpose2d: each output pixel gathers the input pixels whose window
// covers it, over groups, dilation, padding and output padding, with bias
// and a fused activation.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_conv_transpose(const LayerInput& in) {
  const ConvTransposeAttrs& conv = in.layer.get<ConvTransposeAttrs>();
  const Window2d& w = conv.window;
  const TensorFunc& input = in.inputs[0];
  int width = input.extent(0), height = input.extent(1);
  int channels_per_group = input.extent(2) / conv.groups, filters_per_group = conv.filters / conv.groups;

  std::vector<Halide::Var> v = dims(4);
  const Halide::Var &x = v[0], &y = v[1], &k = v[2], &n = v[3];
  Halide::RDom r(0, w.kernel_w, 0, w.kernel_h, 0, channels_per_group, in.name("r"));
  Halide::Expr channel = conv.groups == 1 ? Halide::Expr(r.z) : (k / filters_per_group) * channels_per_group + r.z;

  // The input with stride - 1 zeros between pixels, and the padding the
  // full output would have around it: tap (rx, ry) of output (x, y) reads it
  // at (x + left - rx dilation, y + top - ry dilation). A stage of its own:
  // inlined, Halide 14 vectorizes its strided selects inside the reduction
  // with the vector's offset along the row lost.
  Halide::Func upsampled(in.name("upsampled"));
  Halide::Expr column = v[0], row = v[1];
  Halide::Expr inside = column >= 0 && column < width * w.stride_w && column % w.stride_w == 0 && row >= 0 &&
                        row < height * w.stride_h && row % w.stride_h == 0;
  upsampled(v) = Halide::select(inside, input.func(Halide::clamp(column / w.stride_w, 0, width - 1),
                                                   Halide::clamp(row / w.stride_h, 0, height - 1), v[2], v[3]),
                                0.0f);

  Halide::Func acc(in.name("acc"));
  acc(v) = conv.bias ? in.weight("bias")(k) : Halide::Expr(0.0f);
  acc(v) += upsampled(x + w.padding.left - r.x * w.dilation_w, y + w.padding.top - r.y * w.dilation_h, channel, n) *
            in.weight("weight")(r.x, r.y, k % filters_per_group, channel);

  Halide::Func out(in.name());
  out(v) = activate(acc(v), conv.activation);
  LayerFuncs funcs{out, {acc}};
  funcs.staged = {upsampled};
  return funcs;
}

}  // namespace kiln
