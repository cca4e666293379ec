#include "graph/Checker.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "graph/AttributeReader.h"

namespace kiln {
namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// What each op is given: its syntax, its operands and where to report.
struct LayerContext {
  const ast::Layer& syntax;
  std::vector<const Layer*> operands;
  Layer& layer;

  const Shape& in(size_t i = 0) const { return operands[i]->shape; }
  SourceLocation operand_where(size_t i = 0) const { return syntax.operands[i].where; }
  [[noreturn]] void fail(SourceLocation where, const std::string& message) const {
    throw SpecError(where, message);
  }
  void require_rank(size_t rank, const char* layout) const {
    if (in().size() != rank)
      fail(operand_where(), syntax.op.text + " expects a " + std::to_string(rank) + "-D " + layout +
                                " input, " + quoted(syntax.operands[0].text) + " has shape " +
                                to_string(in()));
  }
  void require_min_rank(size_t rank) const {
    if (in().size() < rank)
      fail(operand_where(), syntax.op.text + " expects an input of at least " +
                                std::to_string(rank) + " dimensions, " +
                                quoted(syntax.operands[0].text) + " has shape " + to_string(in()));
  }
  int axis(const AttributeReader& attrs, int fallback) const {
    int rank = static_cast<int>(in().size());
    int axis = attrs.integer("axis", fallback);
    if (axis < -rank || axis >= rank) {
      const ast::Value* written = attrs.find("axis");
      fail(written ? written->where : syntax.op.where,
           std::string(written ? "axis " : "the default axis ") + std::to_string(axis) +
               " is out of range for shape " + to_string(in()) + " (rank " + std::to_string(rank) +
               ")" + (written ? "" : ": write axis="));
    }
    return axis < 0 ? axis + rank : axis;
  }
  void weight(const std::string& suffix, Shape shape) const {
    layer.weights.push_back({layer.name + "." + suffix, std::move(shape)});
  }
};

// Output size of a sliding window along one axis, PyTorch's rule (including
// ceil_mode's "the last window must start inside the input or left padding").
int64_t window_output(const LayerContext& ctx, const char* axis, int64_t in, int kernel, int stride,
                      int dilation, int pad_begin, int pad_end, bool ceil_mode) {
  int64_t span = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  int64_t room = in + pad_begin + pad_end - span;
  if (room < 0)
    ctx.fail(ctx.syntax.op.where,
             std::string("kernel ") + (dilation > 1 ? "span " : "") + std::to_string(span) +
                 " is larger than the padded input " + axis + " " +
                 std::to_string(in + pad_begin + pad_end) + " (input " + to_string(ctx.in()) + ")");
  int64_t out = (ceil_mode ? (room + stride - 1) / stride : room / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

Window2d read_window(const LayerContext& ctx, const AttributeReader& attrs, bool pooling) {
  Window2d w;
  std::tie(w.kernel_h, w.kernel_w) = attrs.required_pair("kernel");
  std::pair<int, int> stride_default = pooling ? std::make_pair(w.kernel_h, w.kernel_w)
                                               : std::make_pair(1, 1);
  std::tie(w.stride_h, w.stride_w) = attrs.pair("stride", stride_default);
  std::tie(w.dilation_h, w.dilation_w) = attrs.pair("dilation", {1, 1});
  w.ceil_mode = attrs.boolean("ceil_mode", false);
  PaddingSpec padding = attrs.padding("padding", true);
  if (padding.same) {
    // ONNX SAME_UPPER: output ceil(in/stride), the odd pixel at the bottom/right.
    auto split = [](int64_t in, int k, int s, int d, int& begin, int& end) {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + static_cast<int64_t>(d) * (k - 1) + 1 - in, 0);
      begin = static_cast<int>(total / 2);
      end = static_cast<int>(total - total / 2);
    };
    split(ctx.in()[2], w.kernel_h, w.stride_h, w.dilation_h, w.padding.top, w.padding.bottom);
    split(ctx.in()[3], w.kernel_w, w.stride_w, w.dilation_w, w.padding.left, w.padding.right);
  } else {
    w.padding = padding.explicit_padding;
  }
  return w;
}

Shape window_shape(const LayerContext& ctx, const Window2d& w, int64_t channels) {
  const Shape& in = ctx.in();
  return {in[0], channels,
          window_output(ctx, "height", in[2], w.kernel_h, w.stride_h, w.dilation_h, w.padding.top,
                        w.padding.bottom, w.ceil_mode),
          window_output(ctx, "width", in[3], w.kernel_w, w.stride_w, w.dilation_w, w.padding.left,
                        w.padding.right, w.ceil_mode)};
}

void check_conv(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"filters", "kernel", "stride", "padding", "dilation", "groups",
                                     "bias", "activation", "weights"});
  ctx.require_rank(4, "NCHW");
  ConvAttrs conv;
  conv.filters = attrs.required_positive("filters");
  conv.window = read_window(ctx, attrs, false);
  conv.groups = attrs.positive("groups", 1);
  conv.bias = attrs.boolean("bias", true);
  conv.activation = attrs.activation("activation");
  int64_t channels = ctx.in()[1];
  if (channels % conv.groups != 0)
    ctx.fail(attrs.find("groups")->where, "groups=" + std::to_string(conv.groups) +
                                              " does not divide the " + std::to_string(channels) +
                                              " input channels of " + to_string(ctx.in()));
  if (conv.filters % conv.groups != 0)
    ctx.fail(attrs.find("groups")->where, "groups=" + std::to_string(conv.groups) +
                                              " does not divide filters=" +
                                              std::to_string(conv.filters));
  conv.channels_per_group = static_cast<int>(channels / conv.groups);
  ctx.layer.shape = window_shape(ctx, conv.window, conv.filters);
  Shape weight_shape = {conv.filters, conv.channels_per_group, conv.window.kernel_h, conv.window.kernel_w};
  if (attrs.has("weights")) {
    auto [values, shape] = attrs.tensor("weights");
    auto drop_leading_ones = [](Shape s) {
      while (s.size() > 1 && s.front() == 1) s.erase(s.begin());
      return s;
    };
    if (drop_leading_ones(shape) != drop_leading_ones(weight_shape))
      ctx.fail(attrs.find("weights")->where,
               "inline weights have shape " + to_string(shape) + " but " + ctx.layer.name +
                   ".weight needs " + to_string(weight_shape));
    if (conv.bias)
      ctx.fail(attrs.find("weights")->where,
               "a layer with inline weights reads nothing from the weights file: write bias=false");
    conv.inline_weights = std::move(values);
  } else {
    ctx.weight("weight", weight_shape);
  }
  if (conv.bias) ctx.weight("bias", {conv.filters});
  ctx.layer.flops = saturating_product({2, element_count(ctx.layer.shape), conv.channels_per_group,
                                        conv.window.kernel_h, conv.window.kernel_w});
  ctx.layer.attrs = std::move(conv);
}

// PyTorch's nn.ConvTranspose2d: H' = (H - 1) stride - top - bottom +
// dilation (kh - 1) + output_padding + 1.
void check_conv_transpose(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"filters", "kernel", "stride", "padding", "output_padding", "dilation",
                                     "groups", "bias", "activation"});
  ctx.require_rank(4, "NCHW");
  ConvTransposeAttrs conv;
  conv.filters = attrs.required_positive("filters");
  Window2d& w = conv.window;
  std::tie(w.kernel_h, w.kernel_w) = attrs.required_pair("kernel");
  std::tie(w.stride_h, w.stride_w) = attrs.pair("stride", {1, 1});
  std::tie(w.dilation_h, w.dilation_w) = attrs.pair("dilation", {1, 1});
  w.padding = attrs.padding("padding", false).explicit_padding;
  std::vector<int64_t> extra = attrs.integers("output_padding");
  if (extra.size() == 1) extra.push_back(extra[0]);
  if (!extra.empty()) {
    if (extra.size() != 2 || extra[0] < 0 || extra[1] < 0 || extra[0] >= std::max(w.stride_h, w.dilation_h) ||
        extra[1] >= std::max(w.stride_w, w.dilation_w))
      ctx.fail(attrs.find("output_padding")->where,
               "output_padding must be an integer or a pair (h, w), each at least 0 and smaller than the stride "
               "or the dilation along its axis (as in PyTorch)");
    conv.output_padding_h = static_cast<int>(extra[0]);
    conv.output_padding_w = static_cast<int>(extra[1]);
  }
  conv.groups = attrs.positive("groups", 1);
  conv.bias = attrs.boolean("bias", true);
  conv.activation = attrs.activation("activation");
  int64_t channels = ctx.in()[1];
  if (channels % conv.groups != 0 || conv.filters % conv.groups != 0)
    ctx.fail(attrs.find("groups")->where, "groups=" + std::to_string(conv.groups) + " must divide the " +
                                              std::to_string(channels) + " input channels and filters=" +
                                              std::to_string(conv.filters));
  auto extent = [&](const char* axis, int64_t in, int k, int s, int d, int begin, int end, int extra) {
    int64_t out = (in - 1) * s - begin - end + static_cast<int64_t>(d) * (k - 1) + extra + 1;
    if (out < 1)
      ctx.fail(ctx.syntax.op.where, std::string("padding leaves no output ") + axis + " (" + std::to_string(out) +
                                        ") of input " + to_string(ctx.in()));
    return out;
  };
  ctx.layer.shape = {ctx.in()[0], conv.filters,
                     extent("height", ctx.in()[2], w.kernel_h, w.stride_h, w.dilation_h, w.padding.top,
                            w.padding.bottom, conv.output_padding_h),
                     extent("width", ctx.in()[3], w.kernel_w, w.stride_w, w.dilation_w, w.padding.left,
                            w.padding.right, conv.output_padding_w)};
  ctx.weight("weight", {channels, conv.filters / conv.groups, w.kernel_h, w.kernel_w});
  if (conv.bias) ctx.weight("bias", {conv.filters});
  ctx.layer.flops = saturating_product({2, element_count(ctx.in()), conv.filters / conv.groups, w.kernel_h, w.kernel_w});
  ctx.layer.attrs = conv;
}

void check_pool(LayerContext& ctx) {
  bool average = ctx.layer.op == OpKind::AvgPool;
  std::vector<std::string> keys = {"kernel", "stride", "padding", "ceil_mode"};
  keys.push_back(average ? "count_include_pad" : "dilation");
  AttributeReader attrs(ctx.syntax, keys);
  ctx.require_rank(4, "NCHW");
  PoolAttrs pool;
  pool.window = read_window(ctx, attrs, true);
  pool.count_include_pad = attrs.boolean("count_include_pad", true);
  ctx.layer.shape = window_shape(ctx, pool.window, ctx.in()[1]);
  ctx.layer.flops = saturating_product({element_count(ctx.layer.shape), pool.window.kernel_h, pool.window.kernel_w});
  ctx.layer.attrs = pool;
}

void check_global_pool(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {});
  ctx.require_rank(4, "NCHW");
  ctx.layer.shape = {ctx.in()[0], ctx.in()[1], 1, 1};
  ctx.layer.flops = element_count(ctx.in());
  ctx.layer.attrs = GlobalPoolAttrs{};
}

void check_dense(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"units", "bias", "activation"});
  if (ctx.in().size() != 2)
    ctx.fail(ctx.operand_where(), "dense expects a 2-D [N, F] input, " +
                                      quoted(ctx.syntax.operands[0].text) + " has shape " +
                                      to_string(ctx.in()) + " (use flatten first)");
  DenseAttrs dense;
  dense.units = attrs.required_positive("units");
  dense.bias = attrs.boolean("bias", true);
  dense.activation = attrs.activation("activation");
  ctx.layer.shape = {ctx.in()[0], dense.units};
  ctx.weight("weight", {dense.units, ctx.in()[1]});
  if (dense.bias) ctx.weight("bias", {dense.units});
  ctx.layer.flops = saturating_product({2, ctx.in()[0], dense.units, ctx.in()[1]});
  ctx.layer.attrs = dense;
}

void check_flatten(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {});
  ctx.require_min_rank(2);
  ctx.layer.shape = {ctx.in()[0], element_count(ctx.in()) / ctx.in()[0]};
  ctx.layer.attrs = FlattenAttrs{};
}

void check_batchnorm(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"eps", "affine"});
  ctx.require_min_rank(2);
  NormAttrs bn;
  bn.eps = attrs.number("eps", 1e-5f);
  if (bn.eps <= 0) ctx.fail(attrs.find("eps")->where, "eps must be positive");
  bn.affine = attrs.boolean("affine", true);
  int64_t channels = ctx.in()[1];
  ctx.weight("running_mean", {channels});
  ctx.weight("running_var", {channels});
  if (bn.affine) {
    ctx.weight("weight", {channels});
    ctx.weight("bias", {channels});
  }
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = 2 * element_count(ctx.in());
  ctx.layer.attrs = bn;
}

// layer_norm and l2_norm: over the channels (axis 1) at every other position.
void check_channel_norm(LayerContext& ctx) {
  bool layer_norm = ctx.layer.op == OpKind::LayerNorm;
  AttributeReader attrs(ctx.syntax, layer_norm ? std::vector<std::string>{"eps", "affine"}
                                               : std::vector<std::string>{"eps"});
  ctx.require_min_rank(2);
  NormAttrs norm;
  norm.eps = attrs.number("eps", layer_norm ? 1e-5f : 1e-12f);  // PyTorch's LayerNorm, F.normalize
  if (!(norm.eps > 0)) ctx.fail(attrs.find("eps")->where, "eps must be positive");
  norm.affine = layer_norm && attrs.boolean("affine", true);
  if (norm.affine) {
    ctx.weight("weight", {ctx.in()[1]});
    ctx.weight("bias", {ctx.in()[1]});
  }
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = (layer_norm ? 7 : 4) * element_count(ctx.in());
  ctx.layer.attrs = norm;
}

void check_scale(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"bias"});
  ctx.require_min_rank(2);
  ScaleAttrs scale{attrs.boolean("bias", false)};
  ctx.weight("weight", {ctx.in()[1]});
  if (scale.bias) ctx.weight("bias", {ctx.in()[1]});
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = (scale.bias ? 2 : 1) * element_count(ctx.in());
  ctx.layer.attrs = scale;
}

void check_activation(LayerContext& ctx) {
  Activation activation = *activation_named(ctx.syntax.op.text);
  std::vector<std::string> keys;
  if (activation.kind == ActivationKind::LeakyRelu) keys = {"alpha"};
  if (activation.kind == ActivationKind::Hardsigmoid) keys = {"alpha", "beta"};  // PyTorch's 1/6 and 0.5
  AttributeReader attrs(ctx.syntax, keys);
  activation.alpha = attrs.number("alpha", activation.alpha);
  activation.beta = attrs.number("beta", activation.beta);
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = element_count(ctx.in());
  ctx.layer.attrs = ActivationAttrs{activation};
}

void check_clip(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"min", "max"});
  ClipAttrs clip{attrs.optional_number("min"), attrs.optional_number("max")};
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = element_count(ctx.in());
  ctx.layer.attrs = clip;
}

// The grid's levels fit a byte (ONNX's uint8 0..255 or int8 -128..127, or
// fewer), so that an int8 kernel reading the tensor takes it as u8 exactly.
void check_fake_quantize(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"scale", "zero_point", "min", "max"});
  if (!attrs.has("scale")) ctx.fail(ctx.syntax.op.where, "fake_quantize needs attribute 'scale'");
  FakeQuantizeAttrs q{attrs.number("scale", 1.0f), attrs.integer("zero_point", 0), attrs.integer("min", 0),
                      attrs.integer("max", 255)};
  auto where = [&](const char* key) { return attrs.find(key)->where; };
  if (!(q.scale > 0.0f) || !std::isnormal(q.scale))
    ctx.fail(where("scale"), "scale must be a positive (normal) f32 number");
  if (q.min >= q.max || int64_t{q.max} - q.min > 255)
    ctx.fail(attrs.has("max") ? where("max") : where("min"),
             "min..max (" + std::to_string(q.min) + ".." + std::to_string(q.max) +
                 ") must hold 2 to 256 levels, an 8-bit grid");
  if (q.zero_point < q.min || q.zero_point > q.max)
    ctx.fail(where("zero_point"), "zero_point " + std::to_string(q.zero_point) + " is outside min..max (" +
                                      std::to_string(q.min) + ".." + std::to_string(q.max) + ")");
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = 4 * element_count(ctx.in());
  ctx.layer.attrs = q;
}

// NumPy's broadcasting: shapes aligned at their last dimension, where each
// pair of sizes is equal or one of them is 1. Nothing if they do not.
std::optional<Shape> broadcast(const Shape& a, const Shape& b) {
  Shape shape(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (x != y && x != 1 && y != 1) return std::nullopt;
    shape[shape.size() - 1 - i] = std::max(x, y);
  }
  return shape;
}

// matmul: torch.matmul of two tensors of at least 2 dimensions, [..., M, K]
// by [..., K, N], the dimensions before the last two broadcast.
void check_matmul(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"activation"});
  const Shape& a = ctx.in(0);
  const Shape& b = ctx.in(1);
  for (size_t i = 0; i < 2; ++i)
    if (ctx.in(i).size() < 2)
      ctx.fail(ctx.operand_where(i), "matmul needs operands of at least 2 dimensions, " +
                                         quoted(ctx.syntax.operands[i].text) + " is " + to_string(ctx.in(i)));
  if (a.back() != b[b.size() - 2])
    ctx.fail(ctx.operand_where(1), "matmul of " + to_string(a) + " by " + to_string(b) + ": " +
                                       quoted(ctx.syntax.operands[0].text) + " has " + std::to_string(a.back()) +
                                       " columns, " + quoted(ctx.syntax.operands[1].text) + " " +
                                       std::to_string(b[b.size() - 2]) + " rows");
  std::optional<Shape> shape = broadcast(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!shape)
    ctx.fail(ctx.operand_where(1), "matmul needs batch dimensions that broadcast (all but the last two): " +
                                       quoted(ctx.syntax.operands[0].text) + " is " + to_string(a) + ", " +
                                       quoted(ctx.syntax.operands[1].text) + " is " + to_string(b));
  shape->push_back(a[a.size() - 2]);
  shape->push_back(b.back());
  ctx.layer.shape = *shape;
  ctx.layer.flops = saturating_product({2, element_count(*shape), a.back()});
  ctx.layer.attrs = BinaryAttrs{attrs.activation("activation")};
}

void check_binary(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"activation"});
  const Shape& a = ctx.in(0);
  const Shape& b = ctx.in(1);
  std::optional<Shape> shape = broadcast(a, b);
  if (!shape)
    ctx.fail(ctx.operand_where(1),
             ctx.syntax.op.text + " needs shapes that broadcast (aligned at the last dimension, each pair of "
             "sizes equal or one of them 1): " + quoted(ctx.syntax.operands[0].text) + " is " + to_string(a) +
             ", " + quoted(ctx.syntax.operands[1].text) + " is " + to_string(b));
  ctx.layer.shape = *shape;
  ctx.layer.flops = element_count(*shape);
  ctx.layer.attrs = BinaryAttrs{attrs.activation("activation")};
}

void check_concat(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"axis"});
  int axis = ctx.axis(attrs, 1);
  Shape shape = ctx.in(0);
  for (size_t i = 1; i < ctx.operands.size(); ++i) {
    const Shape& other = ctx.in(i);
    bool fits = other.size() == shape.size();
    for (size_t d = 0; fits && d < shape.size(); ++d) fits = static_cast<int>(d) == axis || other[d] == shape[d];
    if (!fits)
      ctx.fail(ctx.operand_where(i), "concat along axis " + std::to_string(axis) +
                                         " needs equal other dimensions: " +
                                         quoted(ctx.syntax.operands[0].text) + " is " +
                                         to_string(ctx.in(0)) + ", " +
                                         quoted(ctx.syntax.operands[i].text) + " is " + to_string(other));
    shape[axis] += other[axis];
  }
  ctx.layer.shape = shape;
  ctx.layer.attrs = AxisAttrs{axis};
}

void check_pad(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"padding", "value"});
  ctx.require_min_rank(2);
  PadAttrs pad;
  pad.padding = attrs.padding("padding", false).explicit_padding;
  pad.value = attrs.number("value", 0.0f);
  Shape shape = ctx.in();
  shape[shape.size() - 2] += pad.padding.top + pad.padding.bottom;
  shape[shape.size() - 1] += pad.padding.left + pad.padding.right;
  ctx.layer.shape = shape;
  ctx.layer.attrs = pad;
}

void check_softmax(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"axis"});
  ctx.layer.attrs = AxisAttrs{ctx.axis(attrs, -1)};
  ctx.layer.shape = ctx.in();
  ctx.layer.flops = 3 * element_count(ctx.in());
}

// Python's slicing along one axis: negative start and end count from the
// end, both clamped to the extent.
void check_slice(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"axis", "start", "end", "step"});
  SliceAttrs slice;
  slice.axis = ctx.axis(attrs, 1);
  int64_t extent = ctx.in()[slice.axis];
  auto resolve = [&](const char* key, int64_t fallback) {
    int64_t at = attrs.has(key) ? attrs.integer(key, 0) : fallback;
    if (at < 0) at += extent;
    return std::clamp<int64_t>(at, 0, extent);
  };
  slice.start = resolve("start", 0);
  int64_t end = resolve("end", extent);
  slice.step = attrs.positive("step", 1);
  int64_t count = end > slice.start ? (end - slice.start + slice.step - 1) / slice.step : 0;
  if (count < 1)
    ctx.fail(ctx.syntax.op.where, "slice [" + std::to_string(slice.start) + ":" + std::to_string(end) + "] of axis " +
                                      std::to_string(slice.axis) + " (extent " + std::to_string(extent) + ") of " +
                                      to_string(ctx.in()) + " is empty");
  ctx.layer.shape = ctx.in();
  ctx.layer.shape[slice.axis] = count;
  ctx.layer.attrs = slice;
}

void check_channel_shuffle(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"groups"});
  ctx.require_rank(4, "NCHW");
  ShuffleAttrs shuffle{attrs.required_positive("groups")};
  if (ctx.in()[1] % shuffle.groups != 0)
    ctx.fail(attrs.find("groups")->where, "groups=" + std::to_string(shuffle.groups) + " does not divide the " +
                                              std::to_string(ctx.in()[1]) + " channels of " + to_string(ctx.in()));
  ctx.layer.shape = ctx.in();
  ctx.layer.attrs = shuffle;
}

// Axes as written (negative ones count from the end), each at most once.
std::vector<int> read_axes(const LayerContext& ctx, const AttributeReader& attrs, const std::string& key) {
  int rank = static_cast<int>(ctx.in().size());
  std::vector<int64_t> written = attrs.integers(key);
  std::vector<int> axes;
  for (size_t i = 0; i < written.size(); ++i) {
    if (written[i] < -rank || written[i] >= rank)
      ctx.fail(attrs.integer_where(key, i), "axis " + std::to_string(written[i]) + " is out of range for shape " +
                                                to_string(ctx.in()) + " (rank " + std::to_string(rank) + ")");
    int axis = static_cast<int>(written[i] < 0 ? written[i] + rank : written[i]);
    if (std::find(axes.begin(), axes.end(), axis) != axes.end())
      ctx.fail(attrs.integer_where(key, i), "axis " + std::to_string(axis) + " is listed twice in '" + key + "'");
    axes.push_back(axis);
  }
  return axes;
}

// reduce_*: PyTorch's torch.mean/sum/amax and torch.linalg.vector_norm over
// `axes` (every axis when absent), keepdims as keepdim.
void check_reduce(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"axes", "keepdims"});
  static const std::map<std::string, ReduceKind> kinds = {{"reduce_mean", ReduceKind::Mean},
                                                          {"reduce_sum", ReduceKind::Sum},
                                                          {"reduce_max", ReduceKind::Max},
                                                          {"reduce_l2", ReduceKind::L2}};
  ReduceAttrs reduce{kinds.at(ctx.syntax.op.text), read_axes(ctx, attrs, "axes"), attrs.boolean("keepdims", false)};
  if (!attrs.has("axes"))
    for (int axis = 0; axis < static_cast<int>(ctx.in().size()); ++axis) reduce.axes.push_back(axis);
  std::sort(reduce.axes.begin(), reduce.axes.end());
  Shape shape;
  for (int axis = 0; axis < static_cast<int>(ctx.in().size()); ++axis) {
    bool reduced = std::binary_search(reduce.axes.begin(), reduce.axes.end(), axis);
    if (!reduced) shape.push_back(ctx.in()[axis]);
    else if (reduce.keepdims) shape.push_back(1);
  }
  if (shape.empty())
    ctx.fail(ctx.syntax.op.where, ctx.syntax.op.text + " over every axis of " + to_string(ctx.in()) +
                                      " leaves a scalar, and Kiln tensors have at least one dimension: write keepdims=true");
  ctx.layer.shape = shape;
  ctx.layer.flops = (reduce.kind == ReduceKind::L2 ? 2 : 1) * element_count(ctx.in());
  ctx.layer.attrs = reduce;
}

void check_transpose(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"perm"});
  if (!attrs.has("perm")) ctx.fail(ctx.syntax.op.where, "transpose needs attribute 'perm'");
  TransposeAttrs transpose{read_axes(ctx, attrs, "perm")};
  if (transpose.perm.size() != ctx.in().size())
    ctx.fail(attrs.find("perm")->where, "perm must list each of the " + std::to_string(ctx.in().size()) +
                                            " axes of " + to_string(ctx.in()) + " once, found " +
                                            std::to_string(transpose.perm.size()));
  for (int axis : transpose.perm) ctx.layer.shape.push_back(ctx.in()[axis]);
  ctx.layer.attrs = transpose;
}

// reshape: PyTorch's, to `shape` with one -1 at most (the size that keeps the
// element count).
void check_reshape(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"shape"});
  if (!attrs.has("shape")) ctx.fail(ctx.syntax.op.where, "reshape needs attribute 'shape'");
  std::vector<int64_t> written = attrs.integers("shape");
  if (written.size() > 6)
    ctx.fail(attrs.find("shape")->where, "reshape to " + std::to_string(written.size()) +
                                             " dimensions; Kiln tensors have at most 6");
  int64_t count = element_count(ctx.in()), known = 1;
  std::optional<size_t> inferred;
  for (size_t i = 0; i < written.size(); ++i) {
    if (written[i] == -1 && !inferred) inferred = i;
    else if (written[i] < 1)
      ctx.fail(attrs.integer_where("shape", i), "reshape's sizes must be positive, with one -1 at most; found " +
                                                    std::to_string(written[i]));
    else known = saturating_product({known, written[i]});
  }
  if (inferred && count % known == 0) written[*inferred] = count / known;
  if ((inferred && count % known != 0) || (!inferred && known != count))
    ctx.fail(attrs.find("shape")->where, "reshape of " + to_string(ctx.in()) + " (" + std::to_string(count) +
                                             " elements) to " + to_string(Shape(written.begin(), written.end())) +
                                             " does not keep the element count");
  ctx.layer.shape = Shape(written.begin(), written.end());
  ctx.layer.attrs = ReshapeAttrs{};
}

// A constant is the weight of its own name (a PyTorch parameter or buffer
// keeps its state_dict name), read as a tensor.
void check_constant(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"shape"});
  if (!attrs.has("shape")) ctx.fail(ctx.syntax.op.where, "constant needs attribute 'shape'");
  std::vector<int64_t> shape = attrs.integers("shape");
  if (shape.empty() || shape.size() > 6)
    ctx.fail(attrs.find("shape")->where, "a constant needs 1 to 6 dimensions, found " + std::to_string(shape.size()));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 1)
      ctx.fail(attrs.integer_where("shape", i), "a constant's sizes must be positive, found " + std::to_string(shape[i]));
  ctx.layer.shape = Shape(shape.begin(), shape.end());
  ctx.layer.weights.push_back({ctx.layer.name, ctx.layer.shape});
  ctx.layer.attrs = InputAttrs{};
}

void check_resize(LayerContext& ctx) {
  AttributeReader attrs(ctx.syntax, {"size", "mode", "align_corners"});
  ctx.require_rank(4, "NCHW");
  auto [height, width] = attrs.required_pair("size");
  ResizeAttrs resize;
  resize.bilinear = attrs.choice("mode", {"nearest", "bilinear"}) == "bilinear";
  resize.align_corners = attrs.boolean("align_corners", false);
  if (resize.align_corners && !resize.bilinear)
    ctx.fail(attrs.find("align_corners")->where, "align_corners goes with mode=bilinear (as in PyTorch)");
  ctx.layer.shape = {ctx.in()[0], ctx.in()[1], height, width};
  ctx.layer.flops = element_count(ctx.layer.shape) * (resize.bilinear ? 8 : 0);
  ctx.layer.attrs = resize;
}

struct OpInfo {
  OpKind kind;
  size_t min_operands, max_operands;
  std::function<void(LayerContext&)> check;
};

const std::map<std::string, OpInfo>& op_table() {
  static const std::map<std::string, OpInfo> table = {
      {"constant", {OpKind::Constant, 0, 0, check_constant}},
      {"conv2d", {OpKind::Conv2d, 1, 1, check_conv}},
      {"conv_transpose2d", {OpKind::ConvTranspose2d, 1, 1, check_conv_transpose}},
      {"maxpool", {OpKind::MaxPool, 1, 1, check_pool}},
      {"avgpool", {OpKind::AvgPool, 1, 1, check_pool}},
      {"global_avgpool", {OpKind::GlobalAvgPool, 1, 1, check_global_pool}},
      {"global_maxpool", {OpKind::GlobalMaxPool, 1, 1, check_global_pool}},
      {"dense", {OpKind::Dense, 1, 1, check_dense}},
      {"flatten", {OpKind::Flatten, 1, 1, check_flatten}},
      {"batchnorm", {OpKind::BatchNorm, 1, 1, check_batchnorm}},
      {"layer_norm", {OpKind::LayerNorm, 1, 1, check_channel_norm}},
      {"l2_norm", {OpKind::L2Norm, 1, 1, check_channel_norm}},
      {"scale", {OpKind::Scale, 1, 1, check_scale}},
      {"relu", {OpKind::Activation, 1, 1, check_activation}},
      {"relu6", {OpKind::Activation, 1, 1, check_activation}},
      {"sigmoid", {OpKind::Activation, 1, 1, check_activation}},
      {"tanh", {OpKind::Activation, 1, 1, check_activation}},
      {"silu", {OpKind::Activation, 1, 1, check_activation}},
      {"hardswish", {OpKind::Activation, 1, 1, check_activation}},
      {"gelu", {OpKind::Activation, 1, 1, check_activation}},
      {"leaky_relu", {OpKind::Activation, 1, 1, check_activation}},
      {"hardsigmoid", {OpKind::Activation, 1, 1, check_activation}},
      {"exp", {OpKind::Activation, 1, 1, check_activation}},
      {"sqrt", {OpKind::Activation, 1, 1, check_activation}},
      {"erf", {OpKind::Activation, 1, 1, check_activation}},
      {"clip", {OpKind::Clip, 1, 1, check_clip}},
      {"fake_quantize", {OpKind::FakeQuantize, 1, 1, check_fake_quantize}},
      {"add", {OpKind::Add, 2, 2, check_binary}},
      {"mul", {OpKind::Mul, 2, 2, check_binary}},
      {"sub", {OpKind::Sub, 2, 2, check_binary}},
      {"div", {OpKind::Div, 2, 2, check_binary}},
      {"max", {OpKind::Max, 2, 2, check_binary}},
      {"min", {OpKind::Min, 2, 2, check_binary}},
      {"pow", {OpKind::Pow, 2, 2, check_binary}},
      {"concat", {OpKind::Concat, 1, 1024, check_concat}},
      {"pad", {OpKind::Pad, 1, 1, check_pad}},
      {"softmax", {OpKind::Softmax, 1, 1, check_softmax}},
      {"log_softmax", {OpKind::LogSoftmax, 1, 1, check_softmax}},
      {"slice", {OpKind::Slice, 1, 1, check_slice}},
      {"channel_shuffle", {OpKind::ChannelShuffle, 1, 1, check_channel_shuffle}},
      {"resize", {OpKind::Resize, 1, 1, check_resize}},
      {"reduce_mean", {OpKind::Reduce, 1, 1, check_reduce}},
      {"reduce_sum", {OpKind::Reduce, 1, 1, check_reduce}},
      {"reduce_max", {OpKind::Reduce, 1, 1, check_reduce}},
      {"reduce_l2", {OpKind::Reduce, 1, 1, check_reduce}},
      {"transpose", {OpKind::Transpose, 1, 1, check_transpose}},
      {"reshape", {OpKind::Reshape, 1, 1, check_reshape}},
      {"matmul", {OpKind::MatMul, 2, 2, check_matmul}},
  };
  return table;
}

class Checker {
 public:
  Graph run(const ast::Program& program) {
    graph_.name = program.network.text;
    // The name prefixes every generated C symbol.
    if (graph_.name.find('.') != std::string::npos)
      throw SpecError(program.network.where, "network name " + quoted(graph_.name) +
                                                 " must be a C identifier (letters, digits and _): "
                                                 "it prefixes every generated symbol");
    for (const ast::Input& input : program.inputs) add_input(input);
    if (program.inputs.empty())
      throw SpecError(program.network.where, "network " + quoted(graph_.name) + " has no 'input'");
    for (const ast::Layer& layer : program.layers) add_layer(layer);
    for (const ast::Name& output : program.outputs) add_output(output);
    return std::move(graph_);
  }

 private:
  void define(const ast::Name& name) {
    auto found = names_.find(name.text);
    if (found != names_.end())
      throw SpecError(name.where, quoted(name.text) + " is already defined at line " +
                                      std::to_string(graph_.layers[found->second].where.line));
    names_[name.text] = static_cast<int>(graph_.layers.size());
  }

  int lookup(const ast::Name& name) const {
    auto found = names_.find(name.text);
    if (found == names_.end()) throw SpecError(name.where, "undefined name " + quoted(name.text));
    return found->second;
  }

  void add_input(const ast::Input& input) {
    if (input.dtype.text != "f32")
      throw SpecError(input.dtype.where, "unsupported element type " + quoted(input.dtype.text) +
                                             " (Kiln tensors are f32)");
    if (input.dims.empty() || input.dims.size() > 6)
      throw SpecError(input.name.where, "an input needs 1 to 6 dimensions, " + quoted(input.name.text) +
                                            " has " + std::to_string(input.dims.size()));
    Layer layer;
    layer.name = input.name.text;
    layer.op_name = "input";
    layer.where = input.name.where;
    for (const ast::Value& dim : input.dims) {
      if (dim.kind != ast::Value::Kind::Integer || dim.integer < 1)
        throw SpecError(dim.where, "a dimension must be a positive integer, found " +
                                       std::string(ast::describe(dim.kind)) + " '" + dim.text + "'");
      if (dim.integer > kMaxElements)
        throw SpecError(dim.where, "dimension " + dim.text + " is too large");
      layer.shape.push_back(dim.integer);
    }
    check_size(layer, input.name.where);
    define(input.name);
    graph_.inputs.push_back(static_cast<int>(graph_.layers.size()));
    graph_.layers.push_back(std::move(layer));
  }

  void check_size(const Layer& layer, SourceLocation where) const {
    for (int64_t d : layer.shape)
      if (d < 1)
        throw SpecError(where, quoted(layer.name) + " would have the empty shape " + to_string(layer.shape));
    if (saturating_product(layer.shape) > kMaxElements)
      throw SpecError(where, quoted(layer.name) + " of shape " + to_string(layer.shape) +
                                 " has more than 2^31-1 elements, Kiln's limit per tensor");
  }

  void check_weights(const Layer& layer, SourceLocation where) const {
    for (const WeightSpec& weight : layer.weights)
      if (saturating_product(weight.shape) > kMaxElements)
        throw SpecError(where, "weight " + quoted(weight.name) + " of shape " + to_string(weight.shape) +
                                   " has more than 2^31-1 elements, Kiln's limit per tensor");
  }

  void add_layer(const ast::Layer& syntax) {
    auto op = op_table().find(syntax.op.text);
    if (op == op_table().end())
      throw SpecError(syntax.op.where, "unknown operation " + quoted(syntax.op.text));
    const OpInfo& info = op->second;
    size_t count = syntax.operands.size();
    if (count < info.min_operands || count > info.max_operands) {
      std::string expected = info.min_operands == info.max_operands
          ? std::to_string(info.min_operands)
          : "at least " + std::to_string(info.min_operands);
      throw SpecError(count > info.max_operands ? syntax.operands[info.max_operands].where : syntax.close,
                      syntax.op.text + " takes " + expected + " tensor operand" +
                          (info.max_operands == 1 ? "" : "s") + ", found " + std::to_string(count));
    }
    Layer layer;
    layer.name = syntax.name.text;
    layer.op_name = syntax.op.text;
    layer.op = info.kind;
    layer.where = syntax.name.where;
    std::vector<const Layer*> operands;
    for (const ast::Name& operand : syntax.operands) {
      if (operand.text == syntax.name.text && !names_.count(operand.text))
        throw SpecError(operand.where, quoted(operand.text) + " is used in its own definition");
      int index = lookup(operand);
      layer.inputs.push_back(index);
      operands.push_back(&graph_.layers[index]);
    }
    LayerContext ctx{syntax, operands, layer};
    info.check(ctx);
    check_size(layer, syntax.name.where);
    check_weights(layer, syntax.name.where);
    for (const WeightSpec& weight : layer.weights)
      if (!weight_readers_.emplace(weight.name, layer.name).second)
        throw SpecError(syntax.name.where, "weight " + quoted(weight.name) + " would be read by both " +
                                               quoted(weight_readers_[weight.name]) + " and " + quoted(layer.name));
    define(syntax.name);
    graph_.layers.push_back(std::move(layer));
  }

  void add_output(const ast::Name& output) {
    int index = lookup(output);
    OpKind op = graph_.layers[index].op;
    if (is_given(op))
      throw SpecError(output.where, quoted(output.text) + " is a network " +
                                        (op == OpKind::Input ? "input" : "constant") +
                                        "; an output must be computed by a layer");
    for (int existing : graph_.outputs)
      if (existing == index) throw SpecError(output.where, quoted(output.text) + " is listed as an output twice");
    graph_.outputs.push_back(index);
  }

  Graph graph_;
  std::map<std::string, int> names_;
  std::map<std::string, std::string> weight_readers_;  // weight name -> the layer that reads it
};

}  // namespace

Graph check(const ast::Program& program) { return Checker().run(program); }

}  // namespace kiln
