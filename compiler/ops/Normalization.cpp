// Normalizations along axis 1 (the channels): batchnorm in inference mode
// (running statistics), layer_norm and l2_norm over the channels at every
// other position, and scale (a per-channel affine).
#include "ops/Lowering.h"

namespace kiln {
namespace {

// Over the channels: the sums of (x - x0) and of its square, x0 the first
// channel's value (the shifted-data variance: as exact as two passes while x0
// is near the mean), for layer_norm; the sum of squares for l2_norm. Each
// reduction reads only the input: Halide 14 drops the vector index of a
// predicated reduction that reads another one (variance after mean).
LayerFuncs lower_channel_norm(const LayerInput& in) {
  const NormAttrs& norm = in.layer.get<NormAttrs>();
  const TensorFunc& input = in.inputs[0];
  int d = input.rank() - 2;  // tensor axis 1
  std::vector<Halide::Var> v = dims(input.rank());
  std::vector<Halide::Var> outer = v;
  outer.erase(outer.begin() + d);
  Halide::RDom r(0, input.extent(d), in.name("r"));
  std::vector<Halide::Expr> along = as_exprs(v), first = as_exprs(v);
  along[d] = r;
  first[d] = 0;
  Halide::Func out(in.name());
  if (in.layer.op == OpKind::L2Norm) {
    Halide::Func squares(in.name("squares"));
    squares(outer) = 0.0f;
    squares(outer) += input.func(along) * input.func(along);
    out(v) = input.func(v) / Halide::max(Halide::sqrt(squares(outer)), norm.eps);  // F.normalize
    return {out, {squares}};
  }
  Halide::Expr shifted = input.func(along) - input.func(first);
  Halide::Func sum(in.name("sum")), squares(in.name("squares"));
  sum(outer) = 0.0f;
  sum(outer) += shifted;
  squares(outer) = 0.0f;
  squares(outer) += shifted * shifted;
  float channels = static_cast<float>(input.extent(d));
  Halide::Expr mean_shift = sum(outer) / channels;
  Halide::Expr variance = Halide::max(squares(outer) / channels - mean_shift * mean_shift, 0.0f);
  Halide::Expr normalized = (input.func(v) - input.func(first) - mean_shift) / Halide::sqrt(variance + norm.eps);
  Halide::Expr c = v[d];
  if (norm.affine) normalized = normalized * in.weight("weight")(c) + in.weight("bias")(c);
  out(v) = normalized;
  return {out, {sum, squares}};
}

}  // namespace

LayerFuncs lower_normalization(const LayerInput& in) {
  if (in.layer.op == OpKind::LayerNorm || in.layer.op == OpKind::L2Norm) return lower_channel_norm(in);
  const TensorFunc& input = in.inputs[0];
  std::vector<Halide::Var> v = dims(input.rank());
  Halide::Expr c = v[input.rank() - 2];  // tensor axis 1
  Halide::Func out(in.name());
  if (in.layer.op == OpKind::Scale) {
    Halide::Expr scaled = input.func(v) * in.weight("weight")(c);
    if (in.layer.get<ScaleAttrs>().bias) scaled = scaled + in.weight("bias")(c);
    out(v) = scaled;
    return {out, {}};
  }
  const NormAttrs& bn = in.layer.get<NormAttrs>();
  Halide::Expr normalized = (input.func(v) - in.weight("running_mean")(c)) /
                            Halide::sqrt(in.weight("running_var")(c) + bn.eps);
  if (bn.affine) normalized = normalized * in.weight("weight")(c) + in.weight("bias")(c);
  out(v) = normalized;
  return {out, {}};
}

}  // namespace kiln
