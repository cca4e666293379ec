// batchnorm in inference mode: running statistics, optional affine.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_normalization(const LayerInput& in) {
  const BatchNormAttrs& bn = in.layer.get<BatchNormAttrs>();
  const TensorFunc& input = in.inputs[0];
  std::vector<Halide::Var> v = dims(input.rank());
  Halide::Expr c = v[input.rank() - 2];  // tensor axis 1
  Halide::Expr normalized = (input.func(v) - in.weight("running_mean")(c)) /
                            Halide::sqrt(in.weight("running_var")(c) + bn.eps);
  if (bn.affine) normalized = normalized * in.weight("weight")(c) + in.weight("bias")(c);
  Halide::Func out(in.name());
  out(v) = normalized;
  return {out, {}};
}

}  // namespace kiln
