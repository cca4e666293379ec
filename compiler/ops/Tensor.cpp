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

Halide::Func spatially_padded(const TensorFunc& in, Halide::Expr value, const std::string& name) {
  std::vector<Halide::Var> v = dims(in.rank());
  Halide::Expr inside = v[0] >= 0 && v[0] < in.extent(0) && v[1] >= 0 && v[1] < in.extent(1);
  // Clamped coordinates keep bounds inference inside the input.
  std::vector<Halide::Expr> at = as_exprs(v);
  at[0] = Halide::clamp(v[0], 0, in.extent(0) - 1);
  at[1] = Halide::clamp(v[1], 0, in.extent(1) - 1);
  Halide::Func padded(name);
  padded(v) = Halide::select(inside, in.func(at), value);
  return padded;
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
