// softmax and log_softmax along any axis, with the max subtracted first.
#include <limits>

#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_softmax(const LayerInput& in) {
  const TensorFunc& input = in.inputs[0];
  int d = input.rank() - 1 - in.layer.get<AxisAttrs>().axis;
  std::vector<Halide::Var> v = dims(input.rank());
  // The reductions are indexed by every dimension but the axis.
  std::vector<Halide::Var> outer = v;
  outer.erase(outer.begin() + d);
  Halide::RDom r(0, input.extent(d), in.name("r"));
  std::vector<Halide::Expr> along = as_exprs(v);
  along[d] = r;

  Halide::Func peak(in.name("max"));
  peak(outer) = -std::numeric_limits<float>::infinity();
  peak(outer) = Halide::max(peak(outer), input.func(along));
  Halide::Func total(in.name("sum"));
  total(outer) = 0.0f;
  total(outer) += Halide::exp(input.func(along) - peak(outer));

  Halide::Expr shifted = input.func(v) - peak(outer);
  Halide::Func out(in.name());
  if (in.layer.op == OpKind::Softmax)
    out(v) = Halide::exp(shifted) / total(outer);
  else
    // Strict: the simplifier would otherwise rewrite (x - max) - log(sum) as
    // x - (max + log(sum)), losing the result's digits when x is large.
    out(v) = Halide::strict_float(shifted - Halide::log(total(outer)));
  return {out, {peak, total}};
}

}  // namespace kiln
