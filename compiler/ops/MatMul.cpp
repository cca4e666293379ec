// matmul: [..., M, K] by [..., K, N], batch dimensions broadcast.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_matmul(const LayerInput& in) {
  const TensorFunc &a = in.inputs[0], &b = in.inputs[1];
  std::vector<Halide::Var> v = dims(static_cast<int>(in.layer.shape.size()));  // (n, m, batch...)
  Halide::RDom r(0, a.extent(0), in.name("r"));
  // An operand's batch dimensions align at the last; its size-1 ones read index 0.
  auto operand = [&](const TensorFunc& t, Halide::Expr inner, Halide::Expr outer) {
    std::vector<Halide::Expr> at = {inner, outer};
    for (int i = 2; i < t.rank(); ++i) at.push_back(t.extent(i) == 1 ? Halide::Expr(0) : Halide::Expr(v[i]));
    return t.func(at);
  };
  Halide::Func acc(in.name("acc"));
  acc(v) = 0.0f;
  acc(v) += operand(a, r, v[1]) * operand(b, v[0], r);
  Halide::Func out(in.name());
  out(v) = activate(acc(v), in.layer.get<BinaryAttrs>().activation);
  return {out, {acc}};
}

}  // namespace kiln
