// dense: a fully connected layer on [N, F], weights [units, F] as nn.Linear.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_dense(const LayerInput& in) {
  const DenseAttrs& dense = in.layer.get<DenseAttrs>();
  const TensorFunc& input = in.inputs[0];
  std::vector<Halide::Var> v = dims(2);
  const Halide::Var &u = v[0], &n = v[1];
  Halide::RDom r(0, input.extent(0), in.name("r"));
  Halide::Func weight = in.weight("weight");

  Halide::Func acc(in.name("acc"));
  acc(v) = dense.bias ? in.weight("bias")(u) : Halide::Expr(0.0f);
  acc(v) += product(input.func(r, n), weight(r, u), in.bf16);

  Halide::Func out(in.name());
  out(v) = activate(acc(v), dense.activation);
  return {out, {acc}};
}

}  // namespace kiln
