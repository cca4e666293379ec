#include "ops/Tensor.h"

namespace kiln {

std::vector<Halide::Var> dims(int rank) {
  std::vector<Halide::Var> vars;
  for (int i = 0; i < rank; ++i) vars.emplace_back("d" + std::to_string(i));
  return vars;
}

std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var>& vars) {
  return std::vector<Halide::Expr>(vars.begin(), vars.end());
}

std::vector<Halide::Expr> broadcast_at(const TensorFunc& t, const std::vector<Halide::Var>& v, int from) {
  std::vector<Halide::Expr> at;
  for (int i = from; i < t.rank(); ++i) at.push_back(t.extent(i) == 1 ? Halide::Expr(0) : Halide::Expr(v[i]));
  return at;
}

Halide::Func spatially_padded(const TensorFunc& in, Halide::Expr value, const std::string& name) {
  // Halide's boundary condition marks the inside as likely, so loops over
  // the interior are split off free of bounds tests. Only W and H are
  // bounded, one at a time, so that a test of one never hides the other
  // from loop partitioning and simplification.
  Halide::Func bounded = in.func;
  for (int d = 0; d < 2; ++d) {
    Halide::Region bounds(in.rank(), Halide::Range(Halide::Expr(), Halide::Expr()));
    bounds[d] = Halide::Range(0, in.extent(d));
    bounded = Halide::BoundaryConditions::constant_exterior(bounded, value, bounds);
  }
  std::vector<Halide::Var> v = dims(in.rank());
  Halide::Func padded(name);
  padded(v) = bounded(v);
  return padded;
}

TensorFunc levels_tensor(Halide::Func levels, const Shape& shape, const TensorQuant& quant, const std::string& name) {
  std::vector<Halide::Var> v = dims(static_cast<int>(shape.size()));
  Halide::Func values(name + "_values");
  // The zero point subtracted in integers: Halide would distribute a float
  // subtraction over the product, off the grid by a rounding.
  values(v) = Halide::cast<float>(Halide::cast<int32_t>(levels(v)) - quant.zero_point) * static_cast<float>(quant.scale);
  return TensorFunc{values, shape, levels, &quant};
}

std::string func_name(const Layer& layer, int index, const std::string& suffix) {
  std::string name = layer.name;
  bool dotted = false;
  for (char& c : name) {
    if (c == '.') {
      c = '_';
      dotted = true;
    }
  }
  // A dotted name could collide with an undotted one once dots become '_'.
  if (dotted) name += "_" + std::to_string(index);
  return suffix.empty() ? name : name + "_" + suffix;
}

}  // namespace kiln
