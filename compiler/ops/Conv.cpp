// conv2d: direct convolution over an NCHW input, with groups, dilation,
// asymmetric padding, bias and a fused activation.
#include <cstring>

#include "ops/Lowering.h"

namespace kiln {
namespace {

Halide::Func inline_weights(const LayerInput& in, const ConvAttrs& conv, int channels_per_group) {
  const Window2d& w = conv.window;
  Halide::Buffer<float> values(w.kernel_w, w.kernel_h, channels_per_group, conv.filters,
                               in.name("inline_weight"));
  std::memcpy(values.data(), conv.inline_weights.data(), conv.inline_weights.size() * sizeof(float));
  std::vector<Halide::Var> v = dims(4);
  Halide::Func weight(in.name("weight"));
  weight(v) = values(as_exprs(v));
  return weight;
}

// Whether every output row reads at least one input row: then a
// convolution's taps on padded rows can be left out of the reduction
// (Halide trims the loop over the kernel's rows to those inside the input,
// where testing each tap's row cost ResNet-50's stride-2 3x3 layers 1.2x; a
// row of no taps at all would make bounds inference reach past the input).
// Taps as far apart as the input is high could straddle it.
bool rows_skip_padding(const Window2d& w, int input_h, int output_h) {
  const Padding2d& pad = w.padding;
  int last_tap = (w.kernel_h - 1) * w.dilation_h;
  return pad.top + pad.bottom > 0 && pad.top <= last_tap && (output_h - 1) * w.stride_h - pad.top < input_h &&
         w.dilation_h <= input_h;
}

// Which convolutions leave their padded rows' taps out (rows_skip_padding).
// Ungrouped ones all do. Grouped ones when strided: a stride-2 window
// reaching only the top and left padding leaves two one-sided tests, which
// Halide merges into one that it cannot split off any loop (RegNetX's first
// grouped layer tested every load, 0.42 ms where trimmed rows take 0.23).
// At stride 1 Halide splits the border rows off, and the trimmed loop's
// varying extent ran slower (RegNetX's 28x28 grouped layers 0.11 -> 0.16 ms),
// except over images of few rows, most of them at the border (RegNetX's 7x7
// grouped layers 0.094 -> 0.075 ms trimmed).
// Depthwise convolutions keep their tests: their register tiles of rows then
// test the taps' rows one by one, and ran slower on MobileNetV2 (0.4-0.8x in
// one noisy run, where untouched layers ran 0.65-0.9x).
bool trims_padded_rows(const ConvAttrs& conv, int output_h) {
  constexpr int kFewRows = 7;
  return conv.groups == 1 ||
         (conv.channels_per_group > 1 && (conv.window.stride_h > 1 || output_h <= kFewRows));
}

}  // namespace

LayerFuncs lower_conv(const LayerInput& in) {
  const ConvAttrs& conv = in.layer.get<ConvAttrs>();
  const Window2d& w = conv.window;
  const TensorFunc& input = in.inputs[0];
  int channels_per_group = conv.channels_per_group;
  int filters_per_group = conv.filters / conv.groups;

  const Padding2d& pad = w.padding;
  bool padded = pad.any();
  // int8 reads the padded input through its quantization, which schedules
  // stage instead (unless it reads stored levels in place).
  bool int8 = in.precision == Precision::Int8;
  Halide::Func read = int8     ? quantized_input(in, input, padded)
                      : padded ? spatially_padded(input, 0.0f, in.name("padded"))
                               : input.func;
  Halide::Func weight = conv.inline_weights.empty() ? in.weight("weight")
                                                    : inline_weights(in, conv, channels_per_group);

  std::vector<Halide::Var> v = dims(4);
  const Halide::Var &x = v[0], &y = v[1], &k = v[2], &n = v[3];
  // Taps (rx, ry) and input channels (rc), after the channel within a pair
  // or quad (dot_lanes).
  int dot = in.dot_lanes;
  Halide::RDom r = dot > 1 ? Halide::RDom({{0, dot}, {0, w.kernel_w}, {0, w.kernel_h}, {0, channels_per_group / dot}},
                                          in.name("r"))
                           : Halide::RDom(0, w.kernel_w, 0, w.kernel_h, 0, channels_per_group, in.name("r"));
  int first = dot > 1 ? 1 : 0;
  Halide::RVar rx = r[first], ry = r[first + 1];
  Halide::Expr rc = dot > 1 ? dot * r[3] + r[0] : Halide::Expr(r[2]);
  Halide::Expr channel = conv.groups == 1 ? rc : (k / filters_per_group) * channels_per_group + rc;

  // The input pixel each tap reads.
  Halide::Expr column = x * w.stride_w + rx * w.dilation_w - pad.left;
  Halide::Expr row = y * w.stride_h + ry * w.dilation_h - pad.top;
  // Not in int8: padding quantizes to the zero point, which the weights' sums undo.
  int output_h = static_cast<int>(in.layer.shape[2]);
  if (trims_padded_rows(conv, output_h) && !int8 && rows_skip_padding(w, input.extent(1), output_h))
    r.where(row >= 0 && row < input.extent(1));

  Halide::Func acc(in.name("acc"));
  acc(v) = initial_sum(in, k, conv.bias);
  acc(v) += product(in, read(column, row, channel, n), weight(rx, ry, rc, k));

  Halide::Func out(in.name());
  out(v) = activate(dequantized(in, acc(v), k, conv.bias), conv.activation);
  LayerFuncs funcs{out, {acc}, padded && !int8 ? read : Halide::Func()};
  if (int8 && !reads_levels_in_place(in, input, padded)) funcs.quantized = read;
  return funcs;
}

}  // namespace kiln
