// matmul: [..., M, K] by [..., K, N], batch dimensions broadcast.
#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_matmul(const LayerInput& in) {
  const TensorFunc &a = in.inputs[0], &b = in.inputs[1];
  std::vector<Halide::Var> v = dims(static_cast<int>(in.layer.shape.size()));  // (n, m, batch...)
  Halide::RDom r(0, a.extent(0), in.name("r"));
  // An operand's batch dimensions (Halide's 2 and up) broadcast.
  auto operand = [&](const TensorFunc& t, Halide::Expr inner, Halide::Expr outer) {
    std::vector<Halide::Expr> at = {inner, outer}, batch = broadcast_at(t, v, 2);
    at.insert(at.end(), batch.begin(), batch.end());
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
