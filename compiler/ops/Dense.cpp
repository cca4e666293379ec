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

  Halide::Func read = in.precision == Precision::Int8 ? quantized_input(in, input, false) : input.func;
  Halide::Func acc(in.name("acc"));
  acc(v) = initial_sum(in, u, dense.bias);
  acc(v) += product(in, read(r, n), weight(r, u));

  Halide::Func out(in.name());
  out(v) = activate(dequantized(in, acc(v), u, dense.bias), dense.activation);
  LayerFuncs funcs{out, {acc}};
  if (in.precision == Precision::Int8 && !reads_levels_in_place(in, input, false)) funcs.quantized = read;
  return funcs;
}

}  // namespace kiln
