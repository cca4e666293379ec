// Ops that only move data: flatten, concat, pad, slice, channel_shuffle,
// transpose, reshape.
#include "ops/Lowering.h"

namespace kiln {
namespace {

Halide::Func flatten(const LayerInput& in) {
  const TensorFunc& input = in.inputs[0];
  std::vector<Halide::Var> v = dims(2);
  // Split the flat feature index back into the input's inner coordinates.
  std::vector<Halide::Expr> at;
  Halide::Expr rest = v[0];
  for (int i = 0; i + 1 < input.rank(); ++i) {
    at.push_back(rest % input.extent(i));
    rest = rest / input.extent(i);
  }
  at.push_back(v[1]);
  Halide::Func out(in.name());
  out(v) = input.func(at);
  return out;
}

Halide::Func concat(const LayerInput& in) {
  int rank = in.inputs[0].rank();
  int d = rank - 1 - in.layer.get<AxisAttrs>().axis;
  std::vector<Halide::Var> v = dims(rank);
  // Walk back from the last operand: each select picks its own slice, with
  // the coordinate clamped so bounds inference stays inside every operand.
  Halide::Expr value;
  int offset = 0;
  std::vector<int> offsets;
  for (const TensorFunc& t : in.inputs) {
    offsets.push_back(offset);
    offset += t.extent(d);
  }
  for (int i = static_cast<int>(in.inputs.size()) - 1; i >= 0; --i) {
    const TensorFunc& t = in.inputs[i];
    std::vector<Halide::Expr> at = as_exprs(v);
    at[d] = Halide::clamp(v[d] - offsets[i], 0, t.extent(d) - 1);
    value = value.defined() ? Halide::select(v[d] < offsets[i] + t.extent(d), t.func(at), value) : t.func(at);
  }
  Halide::Func out(in.name());
  out(v) = value;
  return out;
}

Halide::Func pad(const LayerInput& in) {
  const PadAttrs& pad = in.layer.get<PadAttrs>();
  const TensorFunc& input = in.inputs[0];
  Halide::Func padded = spatially_padded(input, pad.value, in.name("padded"));
  std::vector<Halide::Var> v = dims(input.rank());
  std::vector<Halide::Expr> at = as_exprs(v);
  at[0] = v[0] - pad.padding.left;
  at[1] = v[1] - pad.padding.top;
  Halide::Func out(in.name());
  out(v) = padded(at);
  return out;
}

Halide::Func slice(const LayerInput& in) {
  const SliceAttrs& slice = in.layer.get<SliceAttrs>();
  const TensorFunc& input = in.inputs[0];
  std::vector<Halide::Var> v = dims(input.rank());
  std::vector<Halide::Expr> at = as_exprs(v);
  int d = input.rank() - 1 - slice.axis;
  at[d] = static_cast<int>(slice.start) + v[d] * static_cast<int>(slice.step);
  Halide::Func out(in.name());
  out(v) = input.func(at);
  return out;
}

// ShuffleNet's channel shuffle: the channels as [groups, C / groups],
// transposed. Output channel c reads (c % groups) * (C / groups) + c / groups.
Halide::Func channel_shuffle(const LayerInput& in) {
  const TensorFunc& input = in.inputs[0];
  int groups = in.layer.get<ShuffleAttrs>().groups, per_group = input.extent(2) / groups;
  std::vector<Halide::Var> v = dims(4);
  std::vector<Halide::Expr> at = as_exprs(v);
  at[2] = (v[2] % groups) * per_group + v[2] / groups;
  Halide::Func out(in.name());
  out(v) = input.func(at);
  return out;
}

Halide::Func transpose(const LayerInput& in) {
  const std::vector<int>& perm = in.layer.get<TransposeAttrs>().perm;
  const TensorFunc& input = in.inputs[0];
  int rank = input.rank();
  std::vector<Halide::Var> v = dims(rank);
  std::vector<Halide::Expr> at(rank);
  for (int axis = 0; axis < rank; ++axis) at[rank - 1 - perm[axis]] = v[rank - 1 - axis];
  Halide::Func out(in.name());
  out(v) = input.func(at);
  return out;
}

// The output's row-major element index, read back in the input's shape.
Halide::Func reshape(const LayerInput& in) {
  const TensorFunc& input = in.inputs[0];
  const Shape& shape = in.layer.shape;
  std::vector<Halide::Var> v = dims(static_cast<int>(shape.size()));
  Halide::Expr index = 0;
  int stride = 1;
  for (size_t d = 0; d < v.size(); ++d) {
    index += v[d] * stride;
    stride *= static_cast<int>(shape[shape.size() - 1 - d]);
  }
  std::vector<Halide::Expr> at;
  for (int d = 0; d < input.rank(); ++d) {
    at.push_back(d + 1 < input.rank() ? index % input.extent(d) : index);
    index = index / input.extent(d);
  }
  Halide::Func out(in.name());
  out(v) = input.func(at);
  return out;
}

}  // namespace

Halide::Func by_concat_operands(Halide::Func result, const std::vector<int>& slices, const std::string& name) {
  std::vector<Halide::Var> v = dims(4);
  Halide::Func out(name + "_by_operand");
  out(v) = Halide::undef<float>();
  int offset = 0;
  for (int channels : slices) {
    Halide::RDom r(0, channels, name + "_operand");
    std::vector<Halide::Expr> at = as_exprs(v);
    at[2] = r + offset;
    out(at) = result(at);
    offset += channels;
  }
  return out;
}

LayerFuncs lower_reshape(const LayerInput& in) {
  switch (in.layer.op) {
    case OpKind::Flatten: return {flatten(in), {}};
    case OpKind::Concat: {
      LayerFuncs funcs{concat(in), {}};
      if (is_channel_concat(in.layer))
        for (const TensorFunc& t : in.inputs) funcs.slices.push_back(t.extent(2));
      return funcs;
    }
    case OpKind::Slice: return {slice(in), {}};
    case OpKind::ChannelShuffle: return {channel_shuffle(in), {}};
    case OpKind::Transpose: return {transpose(in), {}};
    case OpKind::Reshape: return {reshape(in), {}};
    default: return {pad(in), {}};
  }
}

}  // namespace kiln
