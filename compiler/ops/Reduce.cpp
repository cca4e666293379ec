// reduce_mean, reduce_sum, reduce_max, reduce_l2 over any axes.
#include <algorithm>
#include <limits>

#include "ops/Lowering.h"

namespace kiln {

LayerFuncs lower_reduce(const LayerInput& in) {
  const ReduceAttrs& reduce = in.layer.get<ReduceAttrs>();
  const TensorFunc& input = in.inputs[0];
  int rank = input.rank();
  std::vector<Halide::Var> v = dims(static_cast<int>(in.layer.shape.size()));
  // The reduced axes, innermost first, make the domain; the others (and the
  // kept size-1 axes, which read nothing) come from the output's dimensions.
  auto reduced = [&](int d) { return std::binary_search(reduce.axes.begin(), reduce.axes.end(), rank - 1 - d); };
  Halide::Region extents;
  int64_t count = 1;
  for (int d = 0; d < rank; ++d)
    if (reduced(d)) {
      extents.push_back({0, input.extent(d)});
      count *= input.extent(d);
    }
  Halide::RDom r(extents, in.name("r"));
  std::vector<Halide::Expr> at;
  int next_r = 0, next_v = 0;
  for (int d = 0; d < rank; ++d) {
    if (reduced(d)) {
      at.push_back(r[next_r++]);
      if (reduce.keepdims) ++next_v;
    } else {
      at.push_back(v[next_v++]);
    }
  }
  Halide::Expr x = input.func(at);
  Halide::Func acc(in.name("acc"));
  bool is_max = reduce.kind == ReduceKind::Max;
  acc(v) = is_max ? Halide::Expr(-std::numeric_limits<float>::infinity()) : Halide::Expr(0.0f);
  switch (reduce.kind) {
    case ReduceKind::Max: acc(v) = Halide::max(acc(v), x); break;
    case ReduceKind::L2: acc(v) = acc(v) + x * x; break;
    default: acc(v) = acc(v) + x; break;
  }
  Halide::Func out(in.name());
  switch (reduce.kind) {
    case ReduceKind::Mean: out(v) = acc(v) / static_cast<float>(count); break;
    case ReduceKind::L2: out(v) = Halide::sqrt(acc(v)); break;
    default: out(v) = acc(v); break;
  }
  return {out, {acc}};
}

}  // namespace kiln
