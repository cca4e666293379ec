#include "schedule/ScheduleValidity.h"

#include "ops/Winograd.h"
#include "schedule/KernelFamily.h"
#include "schedule/ScheduleKeys.h"

namespace kiln {
namespace {

// Why a schedule with winograd = true (and vectorize = channels) cannot
// compute this kernel, or "".
std::string winograd_problem(const KernelSchedule& s, const Layer& anchor, const Shape& output) {
  if (!winograd_applies(anchor))
    return "winograd needs a 3x3 conv2d with stride 1, dilation 1 and groups = 1, " + anchor.name + " is not one";
  if (s.unroll_taps || s.unroll_tap_rows || s.unroll_tiles || s.reduction_block != 0 || s.channels_innermost ||
      s.tile_rows != 0)
    return "winograd takes no unroll_taps, unroll_tap_rows, unroll_tiles, reduction_block, channels_innermost or tile_rows";
  int64_t tile = int64_t{s.vector_width} * s.tile_channels;
  if (tile > output[1])
    return "vector_width x tile_channels = " + std::to_string(tile) + " exceeds the " + std::to_string(output[1]) +
           " output channels";
  int channels = anchor.get<ConvAttrs>().channels_per_group;
  if (s.vector_width > channels)
    return "winograd transforms input tiles a vector of input channels at a time: vector_width " +
           std::to_string(s.vector_width) + " exceeds the " + std::to_string(channels) + " input channels";
  int64_t blocks = winograd_blocks(output[3]);
  if (s.tile_width > blocks)
    return "tile_width " + std::to_string(s.tile_width) + " exceeds the " + std::to_string(blocks) +
           " blocks of 4x4 pixels along a row";
  int64_t rows = output[0] * winograd_blocks(output[2]);
  if (s.parallel && s.rows_per_task > rows)
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the kernel's " + std::to_string(rows) +
           " rows of 4x4 blocks";
  return "";
}

// Why channel vectors of an elementwise op, a global pool or a norm cannot
// compute this kernel, or "".
std::string pointwise_channel_vector_problem(const KernelSchedule& s, const Layer& anchor, const Shape& output) {
  if (output.size() != 4)
    return "vectorize = channels needs an [N, C, H, W] output, " + anchor.name + " is " + to_string(output);
  if (s.winograd || s.tile_width != 1 || s.tile_channels != 1 || s.tile_rows != 0 || s.reduction_block != 0 ||
      s.unroll_taps || s.unroll_tap_rows || s.unroll_tiles || s.channels_innermost)
    return "channel vectors of an elementwise op, a global pool or a norm take tile_width = 1, tile_channels = 1 "
           "and no tile_rows, reduction_block, unroll_taps, unroll_tap_rows, unroll_tiles, channels_innermost or "
           "winograd";
  if (s.vector_width > output[1])
    return "vector_width " + std::to_string(s.vector_width) + " exceeds the " + std::to_string(output[1]) + " channels";
  // A global pool's tasks are bands of its input's rows, of any height.
  int64_t rows = output[0] * output[2];
  if (!is_global_pool(anchor.op) && s.parallel && s.rows_per_task > rows)
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the kernel's " + std::to_string(rows) +
           " rows";
  return "";
}

// Why channel vectors (channel tiles, channel windows, Winograd, or those of
// elementwise ops and global pools) cannot compute this kernel, or "".
std::string channel_vector_problem(const KernelSchedule& s, const Layer& anchor, const Shape& output) {
  if (channel_vectors_apply(anchor)) return pointwise_channel_vector_problem(s, anchor, output);
  bool windows = windows_per_channel(anchor);
  if (!channel_tiles_apply(anchor, s.vector_width) && !windows) {
    if (anchor.op != OpKind::Conv2d)
      return "vectorize = channels needs a conv2d, a pooling, an elementwise op, a global pool or a norm over the "
             "channels, " + anchor.name + " is " + anchor.op_name;
    const ConvAttrs& conv = anchor.get<ConvAttrs>();
    return "vectorize = channels needs each vector of output channels in one group: " + anchor.name + " has " +
           std::to_string(conv.filters / conv.groups) + " filters per group, not a multiple of vector_width " +
           std::to_string(s.vector_width);
  }
  if (s.winograd) return winograd_problem(s, anchor, output);
  if (windows && (s.tile_channels != 1 || s.reduction_block != 0 || s.unroll_tap_rows || s.unroll_tiles ||
               s.channels_innermost))
    return "channel vectors of a pooling or depthwise conv2d take no tile_channels, reduction_block, unroll_tap_rows, unroll_tiles or "
           "channels_innermost";
  int64_t tile = int64_t{s.vector_width} * s.tile_channels;
  if (tile > output[1])
    return "vector_width x tile_channels = " + std::to_string(tile) + " exceeds the " +
           std::to_string(output[1]) + " output channels";
  if (s.tile_width > output.back())
    return "tile_width " + std::to_string(s.tile_width) + " exceeds the output width " +
           std::to_string(output.back());
  if (s.reduction_block < 0) return "reduction_block must not be negative";
  if (s.tile_rows != 0) return "tile_rows needs vectorize = width";
  if (s.unroll_tap_rows && !s.unroll_taps) return "unroll_tap_rows needs unroll_taps";
  // Threads take rows of tiles: a pooling's rows hold every channel.
  int64_t rows = output[0] * output[2] * (windows ? 1 : (output[1] + tile - 1) / tile);
  if (s.parallel && s.rows_per_task > rows)
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the kernel's " + std::to_string(rows) +
           " rows of tiles";
  return "";
}

// Why width tiles of output channels cannot compute this kernel, or "".
std::string width_channel_tiles_problem(const KernelSchedule& s, const Layer& anchor, const Shape& output) {
  if (!width_channel_tiles_apply(anchor))
    return "tile_channels needs a conv2d that is not depthwise, " + anchor.name + " is " +
           (anchor.op == OpKind::Conv2d ? "depthwise" : anchor.op_name);
  int64_t width = int64_t{s.vector_width} * s.tile_width;
  if (width > output[3])
    return "vector_width x tile_width = " + std::to_string(width) + " exceeds the output width " +
           std::to_string(output[3]);
  if (s.tile_channels > output[1])
    return "tile_channels " + std::to_string(s.tile_channels) + " exceeds the " + std::to_string(output[1]) +
           " output channels";
  if (s.tile_rows != 0 || s.reduction_block != 0 || s.unroll_tap_rows || s.unroll_tiles)
    return "tile_rows, reduction_block, unroll_tap_rows and unroll_tiles do not apply to width tiles of channels";
  int64_t rows = output[0] * output[2] * ((output[3] + width - 1) / width);
  if (s.parallel && s.rows_per_task > rows)
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the kernel's " + std::to_string(rows) +
           " rows of tiles";
  return "";
}

// Why row tiles cannot compute this kernel, or "".
std::string row_tiles_problem(const KernelSchedule& s, const Layer& anchor, const Shape& output) {
  if (!window_of(anchor)) return "tile_rows needs a conv2d, maxpool or avgpool, " + anchor.name + " is " + anchor.op_name;
  // Halide 14 reads a padded plane with gaps through aligned vector loads
  // at addresses it cannot align: the kernel crashes (MobileNetV2's stride-2
  // depthwise layers, found by kiln tune).
  if (width_stride(anchor) > 1) return "tile_rows needs a window of stride 1 along the width";
  int64_t width = int64_t{s.vector_width} * s.tile_width;
  if (width > output[3])
    return "vector_width x tile_width = " + std::to_string(width) + " exceeds the output width " +
           std::to_string(output[3]);
  if (s.tile_rows > output[2])
    return "tile_rows " + std::to_string(s.tile_rows) + " exceeds the output height " + std::to_string(output[2]);
  if (s.tile_channels != 1 || s.reduction_block != 0) return "tile_channels and reduction_block need vectorize = channels";
  if (s.parallel && s.rows_per_task > output[0] * output[1])
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the output's " +
           std::to_string(output[0] * output[1]) + " channel planes";
  return "";
}

// Why width vectors a row at a time cannot compute this kernel, or "".
std::string width_vectors_problem(const KernelSchedule& s, const Shape& output) {
  if (s.tile_width != 1 || s.tile_channels != 1 || s.reduction_block != 0)
    return "tile_width needs vectorize = channels or tile_rows; tile_channels and reduction_block need vectorize = channels";
  if (s.vector_width > output.back())
    return "vector_width " + std::to_string(s.vector_width) + " exceeds the innermost extent " +
           std::to_string(output.back()) + " of the output " + to_string(output);
  if (s.parallel && output.size() < 2)
    return "parallel needs an output with at least 2 dimensions, the output is " + to_string(output);
  if (s.parallel && s.rows_per_task > output_rows(output))
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the output's " +
           std::to_string(output_rows(output)) + " rows";
  if (s.vectors_per_task > 0 && s.parallel)
    return "vectors_per_task spreads the innermost dimension over threads in place of the rows: it needs parallel = false";
  if (static_cast<int64_t>(s.vectors_per_task) * s.vector_width > output.back())
    return "vectors_per_task " + std::to_string(s.vectors_per_task) + " of " + std::to_string(s.vector_width) +
           " lanes exceeds the innermost extent " + std::to_string(output.back()) + " of the output " + to_string(output);
  return "";
}

}  // namespace

bool pools_in_loops(const KernelSchedule& s, const Layer& anchor) {
  return family_of(s, anchor) == KernelFamily::ChannelTiles && channel_tiles_apply(anchor, s.vector_width);
}

std::string schedule_problem(const KernelSchedule& s, const Layer& anchor, const Shape& shape) {
  if (!s.autoschedule.empty() && !(s == autoscheduled(s.autoschedule, s, s.layout)))
    return "autoschedule = " + s.autoschedule + " leaves the loops to Halide: only " + autoscheduler_key_list() +
           " go with it";
  std::string low = "precision = " + precision_name(s.precision);
  if (s.precision != Precision::F32 && !takes_low_precision(anchor))
    return low + " needs a conv2d or dense, " + anchor.name + " is " + anchor.op_name;
  if (s.precision != Precision::F32 && s.winograd) return low + " takes no winograd (its transforms need f32)";
  if (s.dot_products && dot_product_lanes(s, anchor) == 1)
    return "dot_products needs precision = bf16 (int8) and channel tiles of a conv2d with a multiple of 2 (4) input "
           "channels per group";
  if (s.channels_innermost && s.vectorize != VectorAxis::Channels) return "channels_innermost needs vectorize = channels";
  if (s.winograd && s.vectorize != VectorAxis::Channels) return "winograd needs vectorize = channels";
  if (s.channel_tasks && !(s.winograd && s.parallel)) return "channel_tasks needs winograd and parallel";
  if (s.row_tasks && !(family_of(s, anchor) == KernelFamily::ChannelTiles && s.parallel))
    return "row_tasks needs channel tiles (vectorize = channels, no winograd) and parallel";
  if (s.row_tasks && s.fuse_pool) return "row_tasks takes no fuse_pool (a fused pool's rows order the tasks)";
  if (s.fuse_pool && s.autoschedule.empty() && !pools_in_loops(s, anchor))
    return "fuse_pool needs a conv2d in channel tiles (vectorize = channels, no winograd)";
  if (s.layout == TensorLayout::Nhwc && shape.size() != 4)
    return "layout = nhwc needs a 4-D output, the output is " + to_string(shape);
  if (s.flatten_pixels && !pixels_flatten(anchor))
    return "flatten_pixels needs a 1x1 conv2d with stride 1 and no padding";
  // Tiles are checked against the output as the kernel sees it.
  const Shape output = s.flatten_pixels ? pixel_row(shape) : shape;
  KernelFamily family = family_of(s, anchor);
  if (family == KernelFamily::Autoscheduled) return "";
  if (s.vectors_per_task > 0 && family != KernelFamily::WidthVectors)
    return "vectors_per_task needs width vectors a row at a time (tile_rows = 0, tile_channels = 1)";
  if (s.vectorize == VectorAxis::Channels) return channel_vector_problem(s, anchor, output);
  if (s.unroll_taps && !window_of(anchor))
    return "unroll_taps needs a conv2d, maxpool or avgpool";
  if (family == KernelFamily::WidthChannelTiles) return width_channel_tiles_problem(s, anchor, output);
  if (s.unroll_tap_rows || s.unroll_tiles) return "unroll_tap_rows and unroll_tiles need vectorize = channels";
  return family == KernelFamily::RowTiles ? row_tiles_problem(s, anchor, output) : width_vectors_problem(s, output);
}

bool takes_low_precision(const Layer& anchor) {
  if (anchor.op == OpKind::Dense) return true;
  // A conv2d whose filters the spec gives inline has no weight to round at create.
  return anchor.op == OpKind::Conv2d && anchor.get<ConvAttrs>().inline_weights.empty();
}

bool may_read_past_inputs(const KernelSchedule& s, const Layer& anchor) {
  if (!s.autoschedule.empty()) return true;  // an autoscheduler's loads are not Kiln's to know
  // Channel tiles load the input one broadcast value at a time; width vectors
  // load it densely unless a window strides along the width.
  if (s.vectorize == VectorAxis::Channels || s.vector_width == 1) return false;
  return width_stride(anchor) > 1;
}

}  // namespace kiln
