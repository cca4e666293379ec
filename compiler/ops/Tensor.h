#pragma once

#include <Halide.h>

#include <vector>

#include "graph/Layer.h"
#include "quant/QuantParams.h"

namespace kiln {

// A tensor as a Halide Func. Halide lists dimensions innermost first, so an
// NCHW tensor is indexed (x, y, c, n) and Halide dimension i is tensor axis
// rank-1-i. Every algorithm names its dimensions d0, d1, ... (innermost
// first), so that Funcs of one fused kernel share loop variables.
struct TensorFunc {
  Halide::Func func;
  Shape shape;
  // A tensor stored as u8 levels (TensorLevels): func dequantizes them,
  // `levels` reads them as they are, quantized as `quant` says.
  Halide::Func levels = Halide::Func();
  const TensorQuant* quant = nullptr;
  bool channels_last = false;  // levels: stored NHWC

  int rank() const { return static_cast<int>(shape.size()); }
  // The extent of Halide dimension i.
  int extent(int i) const { return static_cast<int>(shape[shape.size() - 1 - i]); }
};

std::vector<Halide::Var> dims(int rank);

// The tensor of u8 levels `levels` (of `shape`) as f32 values: (level - zero point) * scale.
TensorFunc levels_tensor(Halide::Func levels, const Shape& shape, const TensorQuant& quant, const std::string& name);
std::vector<Halide::Expr> as_exprs(const std::vector<Halide::Var>& vars);

// Where `t` is read for the output position `v` by NumPy's broadcasting, its
// Halide dimensions `from` and up: dimensions align innermost first (so a
// lower rank aligns at the last axis), and a size-1 dimension reads index 0.
std::vector<Halide::Expr> broadcast_at(const TensorFunc& t, const std::vector<Halide::Var>& v, int from = 0);

// `in` with its two innermost dimensions (W and H) extended by `value`
// outside the tensor, so that windows may reach into padding.
Halide::Func spatially_padded(const TensorFunc& in, Halide::Expr value, const std::string& name);

// A valid Halide name for a layer's Func ("layer1.0.conv1" -> "layer1_0_conv1_7").
std::string func_name(const Layer& layer, int index, const std::string& suffix = "");

}  // namespace kiln
