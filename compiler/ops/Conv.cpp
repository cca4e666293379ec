// conv2d: direct convolution over an NCHW input, with groups, dilation,
// asymmetric padding, bias and a fused activation.
#include <cstring>

#include "ops/Lowering.h"

namespace kiln {
namespace {

Halide::Func inline_weights(const LayerInput& in, const ConvAttrs& conv, int channels_per_group) {
  const Window2d& w = conv.window;
  Halide::Buffer<float> values(w.kernel_w, w.kernel_h, channels_per_group, conv.filters,
                               in.name("inline_weight"));
  std::memcpy(values.data(), conv.inline_weights.data(), conv.inline_weights.size() * sizeof(float));
  std::vector<Halide::Var> v = dims(4);
  Halide::Func weight(in.name("weight"));
  weight(v) = values(as_exprs(v));
  return weight;
}

}  // namespace

LayerFuncs lower_conv(const LayerInput& in) {
  const ConvAttrs& conv = in.layer.get<ConvAttrs>();
  const Window2d& w = conv.window;
  const TensorFunc& input = in.inputs[0];
  int channels_per_group = conv.channels_per_group;
  int filters_per_group = conv.filters / conv.groups;

  const Padding2d& pad = w.padding;
  bool padded = pad.any();
  Halide::Func source = padded ? spatially_padded(input, 0.0f, in.name("padded")) : input.func;
  Halide::Func weight = conv.inline_weights.empty() ? in.weight("weight")
                                                    : inline_weights(in, conv, channels_per_group);

  std::vector<Halide::Var> v = dims(4);
  const Halide::Var &x = v[0], &y = v[1], &k = v[2], &n = v[3];
  Halide::RDom r(0, w.kernel_w, 0, w.kernel_h, 0, channels_per_group, in.name("r"));
  Halide::Expr channel = conv.groups == 1 ? Halide::Expr(r.z) : (k / filters_per_group) * channels_per_group + r.z;

  Halide::Func acc(in.name("acc"));
  acc(v) = conv.bias ? in.weight("bias")(k) : Halide::Expr(0.0f);
  acc(v) += source(x * w.stride_w + r.x * w.dilation_w - pad.left,
                   y * w.stride_h + r.y * w.dilation_h - pad.top, channel, n) *
            weight(r.x, r.y, r.z, k);

  Halide::Func out(in.name());
  out(v) = activate(acc(v), conv.activation);
  return {out, {acc}, padded ? source : Halide::Func()};
}

}  // namespace kiln
