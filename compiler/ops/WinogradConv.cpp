// conv2d 3x3, stride 1, by Winograd's minimal filtering F(4x4, 3x3) (Lavin
// and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015): the
// output in blocks of 4x4 pixels, each from its 6x6 input tile d as
// A^T [sum over channels of (G g G^T) * (B^T d B)] A. The filter transforms
// G g G^T arrive as the weight (made once, at create, by the runtime).
#include <functional>

#include "ops/Lowering.h"
#include "ops/Winograd.h"

namespace kiln {
namespace {

const float kBT[kWinogradTile][kWinogradTile] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                 {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
const float kAT[kWinogradBlock][kWinogradTile] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};

// mux(row, {sum over i of matrix[r][i] * term(i), for each row r}): one
// matrix-vector product, whose row index a schedule unrolls.
template <int Rows>
Halide::Expr transform(const float (&matrix)[Rows][kWinogradTile], Halide::Expr row,
                       const std::function<Halide::Expr(int)>& term) {
  std::vector<Halide::Expr> rows;
  for (int r = 0; r < Rows; ++r) {
    Halide::Expr sum;
    for (int i = 0; i < kWinogradTile; ++i) {
      if (matrix[r][i] == 0) continue;
      Halide::Expr product = matrix[r][i] == 1 ? term(i) : matrix[r][i] * term(i);
      sum = sum.defined() ? sum + product : product;
    }
    rows.push_back(sum);
  }
  return Halide::mux(row, rows);
}

}  // namespace

bool winograd_applies(const Layer& anchor) {
  if (anchor.op != OpKind::Conv2d) return false;
  const ConvAttrs& conv = anchor.get<ConvAttrs>();
  const Window2d& w = conv.window;
  return conv.groups == 1 && w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 && w.stride_w == 1 &&
         w.dilation_h == 1 && w.dilation_w == 1;
}

LayerFuncs lower_winograd_conv(const LayerInput& in) {
  const ConvAttrs& conv = in.layer.get<ConvAttrs>();
  const Padding2d& pad = conv.window.padding;
  const TensorFunc& input = in.inputs[0];
  // Zero outside the input, padded or not: the blocks at the image's far
  // edges reach past it when 4 does not divide the output.
  Halide::Func source = spatially_padded(input, 0.0f, in.name("padded"));
  Halide::Func filters = in.weight("weight");  // (column, row, c, k) of G g G^T

  // Blocks are (bx, by); a tile's rows i, columns j; transformed rows xi, columns nu.
  Halide::Var c("c"), k("k"), xi("xi"), nu("nu"), j("j"), bx("bx"), by("by"), n("n"), p("p"), b("b");
  Halide::Func rows_in(in.name("winograd_rows_in"));
  rows_in(c, xi, j, bx, by, n) = transform(kBT, xi, [&](int i) {
    return source(kWinogradBlock * bx + j - pad.left, kWinogradBlock * by + i - pad.top, c, n);
  });
  Halide::Func tiles(in.name("winograd_tiles"));
  tiles(c, xi, nu, bx, by, n) = transform(kBT, nu, [&](int jj) { return rows_in(c, xi, jj, bx, by, n); });

  Halide::RDom rc(0, conv.channels_per_group, in.name("rc"));
  Halide::Func sums(in.name("winograd_sums"));
  sums(k, xi, nu, bx, by, n) = 0.0f;
  sums(k, xi, nu, bx, by, n) += filters(nu, xi, rc, k) * tiles(rc, xi, nu, bx, by, n);

  Halide::Func rows_out(in.name("winograd_rows_out"));
  rows_out(k, p, nu, bx, by, n) = transform(kAT, p, [&](int a) { return sums(k, a, nu, bx, by, n); });

  std::vector<Halide::Var> v = dims(4);
  const Halide::Var &x = v[0], &y = v[1], &kk = v[2], &nn = v[3];
  Halide::Expr block = transform(kAT, x % kWinogradBlock, [&](int a) {
    return rows_out(kk, y % kWinogradBlock, a, x / kWinogradBlock, y / kWinogradBlock, nn);
  });
  Halide::Func out(in.name());
  out(v) = activate(conv.bias ? block + in.weight("bias")(kk) : block, conv.activation);
  return {out, {sums}, Halide::Func(), {rows_in, tiles, sums, rows_out}};
}

}  // namespace kiln
