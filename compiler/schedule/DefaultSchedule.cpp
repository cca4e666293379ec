#include "schedule/DefaultSchedule.h"

#include <algorithm>
#include <numeric>

namespace kiln {
namespace {

bool channel_tiles_apply(const Layer& anchor) {
  return anchor.op == OpKind::Conv2d && anchor.get<ConvAttrs>().groups == 1;
}

// Whether the schedule can compute a pooling of its output in its loops
// (fuse_pool): a conv2d's channel tiles, without Winograd (an
// autoscheduler's schedule has no channel tiles of Kiln's).
bool pools_in_loops(const KernelSchedule& s, const Layer& anchor) {
  return s.autoschedule.empty() && s.vectorize == VectorAxis::Channels && channel_tiles_apply(anchor) && !s.winograd;
}

// About 16 tasks balance two to eight cores; threads pay off only past some work.
void spread_rows(KernelSchedule& s, int64_t rows, int64_t work) {
  constexpr int64_t kMinParallelWork = 1 << 16;
  s.parallel = rows >= 2 && work >= kMinParallelWork;
  s.rows_per_task = s.parallel ? static_cast<int>(std::max<int64_t>(1, rows / 16)) : 1;
}

// The sliding window of a convolution or pooling (nullptr for other ops).
const Window2d* window_of(const Layer& anchor) {
  switch (anchor.op) {
    case OpKind::Conv2d: return &anchor.get<ConvAttrs>().window;
    case OpKind::MaxPool:
    case OpKind::AvgPool: return &anchor.get<PoolAttrs>().window;
    default: return nullptr;
  }
}

bool windowed(const Layer& anchor) { return window_of(anchor) != nullptr; }

// A windowed op's stride along the width (1 for the others).
int width_stride(const Layer& anchor) {
  const Window2d* window = window_of(anchor);
  return window ? window->stride_w : 1;
}

// Multiply-adds per output value: a convolution's input channels (of its
// group) times its taps.
int64_t multiply_adds_per_output(const Layer& anchor, const Shape& output) {
  return anchor.flops / std::max<int64_t>(1, 2 * element_count(output));
}

// The weights a register tile of `channels` output channels reads: those
// channels over every input channel and tap.
int64_t block_weight_bytes(const Layer& anchor, const Shape& output, int64_t channels) {
  return multiply_adds_per_output(anchor, output) * channels * int64_t{sizeof(float)};
}

// The tile width, at most `most` and at least three quarters of that (fewer
// accumulators hide less latency), that computes the fewest pixels of a row
// (tiles at its end shift inwards and overlap); the wider of equals. A
// 14-wide row takes two tiles of 7, not two of 8.
int row_tile(int64_t width, int most) {
  if (width <= most) return static_cast<int>(width);
  int best = most;
  auto computed = [&](int tile) { return (width + tile - 1) / tile * tile; };
  for (int tile = most - 1; tile >= std::max(1, (3 * most + 3) / 4); --tile)
    if (computed(tile) < computed(best)) best = tile;
  return best;
}

// Width tiles of (up to) 2 pixel vectors by budget / 2 output channels, over
// the image's rows or, flattened, over its pixels in one row.
void width_channel_tiles(KernelSchedule& s, const Shape& output, const TargetTraits& target, int budget, bool flat,
                         int64_t work) {
  s.flatten_pixels = flat;
  int64_t width = flat ? output[2] * output[3] : output[3];
  s.vector_width = target.vector_width;
  while (s.vector_width > width) s.vector_width /= 2;
  s.tile_width = width >= 2 * s.vector_width ? 2 : 1;
  s.tile_channels = static_cast<int>(std::min<int64_t>(budget / 2, output[1]));
  int64_t tile = int64_t{s.vector_width} * s.tile_width;
  spread_rows(s, output[0] * (flat ? 1 : output[2]) * ((width + tile - 1) / tile), work);
}

// The unrolling of channel tiles tile_width wide along a row `width` wide.
// A row of few tiles has a border in most of them, where Halide's loop
// partitioning finds no interior: unrolled, each tile's tests fold away
// (1.3-1.9x on ResNet-50's padded stride-2 3x3 layers, 7 tiles a row or
// fewer; its stem's 28 tiles unrolled ran 7-20% slower). Unrolled rows of
// taps pay off only with one or two tiles a row (1.2x there, 0.93x on a
// stride-1 layer of two tiles).
void unroll_channel_tiles(KernelSchedule& s, const Window2d& window, int64_t width) {
  bool padded = window.padding.any(), strided = window.stride_w > 1;
  int64_t tiles = (width + s.tile_width - 1) / s.tile_width;
  s.unroll_tiles = padded && (tiles <= 4 || (strided && tiles <= 8));
  s.unroll_tap_rows = s.unroll_taps && padded && strided && tiles <= 2;
}

}  // namespace

void widen_channel_tiles(KernelSchedule& s, const Layer& anchor, const Shape& output, int64_t apart,
                         const TargetTraits& target) {
  // Each weight vector a tile loads serves its tile_width pixels. Where a
  // block's weights (its channels over every input channel and tap) lie
  // beyond L1 and most of L2, 2 x 14 accumulators of 32 registers ran
  // 1.03-1.05x as fast as 2 x 7 on ResNet-50's 3x3 layers of 256 channels
  // (295 KB a block), stride 1 and 2; no faster with 128 (147 KB). Not where
  // the pixels would crowd into L1's sets (a 4 KB way holds every pixel
  // 4 KB apart): 14 pixels of 512 channels at stride 2 ran 0.8x.
  // Over NCHW output, tiles of 14 transpose badly (0.64x).
  constexpr int64_t kFarWeightBytes = 256 * 1024, kWayBytes = 4096;
  constexpr int kWideTile = 14, kPixelsPerSet = 8;
  if (s.vectorize != VectorAxis::Channels || s.winograd || s.fuse_pool || s.layout != TensorLayout::Nhwc ||
      s.tile_channels != 2 || s.reduction_block != 0 || target.vector_registers < 32)
    return;
  int64_t width = output.back();
  int wide = row_tile(width, kWideTile);
  int64_t offsets = kWayBytes / std::gcd(apart, kWayBytes);  // where in a way the tile's pixels start
  int64_t weights = block_weight_bytes(anchor, output, int64_t{s.tile_channels} * s.vector_width);
  if (weights <= kFarWeightBytes || wide <= s.tile_width || (wide + offsets - 1) / offsets > kPixelsPerSet)
    return;
  s.tile_width = wide;
  unroll_channel_tiles(s, anchor.get<ConvAttrs>().window, width);
}

bool pixels_flatten(const Layer& anchor) {
  if (anchor.op != OpKind::Conv2d) return false;
  const Window2d& w = anchor.get<ConvAttrs>().window;
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && !w.padding.any();
}

Shape pixel_row(const Shape& shape) { return {shape[0], shape[1], 1, shape[2] * shape[3]}; }

int64_t output_rows(const Shape& output) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < output.size(); ++i) rows *= output[i];
  return rows;
}

KernelSchedule default_schedule(const Layer& anchor, const Shape& output, int64_t flops, const TargetTraits& target,
                                bool may_flatten, bool reads_channel_vectors) {
  KernelSchedule s;
  int64_t work = std::max<int64_t>(flops, element_count(output));
  int budget = target.vector_registers >= 32 ? 16 : 8;  // accumulators a register tile may take
  // What channel vectors compute is stored NHWC where its readers compute
  // channel vectors too (DefaultLayouts.h). A 1x1 convolution reading it
  // takes channel tiles, not flattened width tiles, which read NCHW:
  // 0.94-1.15x on ResNet-50's 1x1 layers of 64 and 128 input channels, 1.05x
  // on the whole network's kernel times (AMD Zen 5). A pooling or depthwise
  // convolution reading it takes channel vectors.
  if (windows_per_channel(anchor) && reads_channel_vectors && output[1] % target.vector_width == 0) {
    s.vectorize = VectorAxis::Channels;
    s.vector_width = target.vector_width;
    // Half the registers accumulate; the others hold the taps' loads.
    s.tile_width = row_tile(output[3], budget / 2);
    s.unroll_taps = window_of(anchor)->kernel_w <= 5;
    spread_rows(s, output[0] * output[2], work);
    return s;
  }
  if (may_flatten && !reads_channel_vectors && pixels_flatten(anchor) && channel_tiles_apply(anchor)) {
    // A 1x1 convolution as a matrix product over the image's pixels in one
    // row: tiles of 2 pixel vectors by 8 output channels, stored as they are,
    // where channel tiles transpose every tile on its way to NCHW. On
    // ResNet-50's 1x1 layers (AMD Zen 5, 2 threads, interleaved A/B) they ran
    // 1.0-1.2x as fast with 64 and 128 input channels, even with 512, and
    // 0.85-0.94x with 256 at 56x56, where the tile's column of input planes
    // 12.5 KB apart falls into a quarter of L1's sets. Only where the tiles
    // cover the pixels with little overlap.
    int64_t pixels = output[2] * output[3];
    int64_t inputs = multiply_adds_per_output(anchor, output);  // 1x1: the input channels
    int tile = 2 * target.vector_width;
    int64_t tiles = (pixels + tile - 1) / tile;
    if (pixels >= tile && tiles * tile * 20 <= pixels * 21 && output[1] >= budget / 2 && inputs <= 128) {
      width_channel_tiles(s, output, target, budget, true, work);
      return s;
    }
  }
  // Channel vectors that leave more than an eighth of their lanes idle (24
  // channels in 2 vectors of 16) lose to width tiles: 2.5-3.5x on
  // MobileNetV2's 144-to-24-channel 56x56 1x1 layer (found by kiln tune).
  if (channel_tiles_apply(anchor) && output[1] >= target.vector_width && output[3] >= target.vector_width) {
    int64_t lanes = (output[1] + target.vector_width - 1) / target.vector_width * target.vector_width;
    if ((lanes - output[1]) * 8 > output[1]) {
      width_channel_tiles(s, output, target, budget, false, work);
      return s;
    }
  }
  // Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions of a vector of
  // channels or more, over 16 blocks of 4x4 pixels or more, whose filter
  // transforms (36 C K floats, 4x the weights) take at most 4 MB. Alone (AMD
  // Zen 5, 2 threads, NHWC in and out), ResNet-50's 3x3 layers ran 2.4x as
  // fast as with channel tiles at 64 channels and 56x56, 2.4x at 128 and
  // 28x28, 1.4-1.7x at 256 and 14x14 and 0.2x at 512 and 7x7; inside
  // ResNet-18, where other kernels' weights evict the transforms from the
  // caches between runs, the 256-channel layers (9.4 MB) ran at 0.71-0.85 ms
  // against 0.50-0.54 with channel tiles, the 128-channel ones 1.2-1.9x as
  // fast as channel tiles. Tasks of a row of
  // blocks where the transforms fit in L2 (1 MB), else tasks of output
  // channels, which read each transform once a run.
  if (winograd_applies(anchor)) {  // a conv2d: the output is [N, K, H, W]
    constexpr int64_t kL2Bytes = int64_t{1} << 20, kWinogradFilterBytes = int64_t{4} << 20;
    int64_t filter_bytes = 4 * multiply_adds_per_output(anchor, output) * output[1] * int64_t{sizeof(float)};
    int64_t block_rows = output[0] * winograd_blocks(output[2]), blocks = block_rows * winograd_blocks(output[3]);
    if (output[1] >= target.vector_width && anchor.get<ConvAttrs>().channels_per_group >= target.vector_width &&
        blocks >= 16 && filter_bytes <= kWinogradFilterBytes) {
      s.vectorize = VectorAxis::Channels;
      s.vector_width = target.vector_width;
      s.winograd = true;
      s.tile_channels = output[1] >= 2 * target.vector_width ? 2 : 1;
      s.tile_width = row_tile(winograd_blocks(output[3]), budget / s.tile_channels);
      s.parallel = block_rows >= 2;
      s.channel_tasks = s.parallel && filter_bytes > kL2Bytes;
      s.rows_per_task = 1;
      return s;
    }
  }
  if (channel_tiles_apply(anchor) && output[1] >= target.vector_width && output.back() >= 2) {
    // Vectorize over output channels: each tap is one broadcast input value
    // times tile_channels weight vectors, for tile_width pixels at once. The
    // tile leaves registers for the weights and the broadcasts: on ResNet-50's
    // 3x3 64-channel layer (AVX-512, Intel, 2 threads) 2 x 8 = 16
    // accumulators ran at 290-310 GFLOP/s, 4 x 6 = 24 spilled and ran at 190-240.
    // With a stride, neighbouring pixels share no input values, so a tile
    // of more channel vectors and fewer pixels loads less per multiply-add:
    // 4 x 4 ran 30-35% faster than 2 x 8 on ResNet-50's stride-2 layers. Each
    // weight vector then serves only 4 pixels, which pays while a block's
    // weights stay close (the 1x1 layer's 64 KB, the stem's 37 KB): with 3x3
    // taps over 128 channels (295 KB) 2 x 7 ran 1.13x as fast (AMD Zen 4).
    s.vectorize = VectorAxis::Channels;
    s.vector_width = target.vector_width;
    int64_t vectors = output[1] / s.vector_width;
    // Tiles overlap at the end of a row whose width they do not divide:
    // 4 x 4 lost to 2 x 7 by 30-60% on ResNet-50's 7-wide stride-2 layers.
    int64_t width = output.back();
    const Window2d& window = anchor.get<ConvAttrs>().window;
    bool strided = window.stride_w > 1;
    constexpr int64_t kNearWeightBytes = 64 * 1024;
    bool wide_tiles = strided && vectors >= 4 && budget >= 16 && width % (budget / 4) == 0 &&
                      block_weight_bytes(anchor, output, 4 * s.vector_width) <= kNearWeightBytes;
    s.tile_channels = wide_tiles ? 4 : vectors >= 2 ? 2 : 1;
    s.tile_width = row_tile(width, budget / s.tile_channels);
    // Up to 7 taps along the width unroll: 1.1x on ResNet-50's 7x7 stem.
    s.unroll_taps = window.kernel_w <= 7;
    unroll_channel_tiles(s, window, width);
    // Rows of tiles: image rows times channel blocks times batch.
    int64_t blocks = (output[1] + s.vector_width * s.tile_channels - 1) / (s.vector_width * s.tile_channels);
    spread_rows(s, output[0] * blocks * output[2], work);
    return s;
  }
  // The widest power of two that the innermost extent can hold, up to a
  // native vector; dense layers take up to 4, whose independent sums hide the
  // multiply-add latency of their long reductions (1.46x on ResNet-50's
  // 2048-to-1000 classifier, AMD Zen 5).
  int64_t inner = output.back();
  int widest = anchor.op == OpKind::Dense ? 4 * target.vector_width : target.vector_width;
  s.vector_width = 1;
  while (s.vector_width * 2 <= std::min<int64_t>(inner, widest)) s.vector_width *= 2;
  if (output.size() >= 2) spread_rows(s, output_rows(output), work);
  // Depthwise and grouped convolutions, pooling: small windows unroll (1.7-1.9x
  // on ResNet-50's 3x3 max pool, found by kiln tune).
  if (const Window2d* window = window_of(anchor)) s.unroll_taps = window->kernel_w <= 5;
  // Register tiles over padded planes for stride-1 convolutions with planes
  // enough to share among threads: 2-3x faster than a row at a time on
  // MobileNetV2's 3x3 depthwise layers (AMD Zen 5, 2 threads), where rows
  // chain every tap through memory and border tiles test bounds. Strided
  // windows would load the padded plane with gaps, and ran slower.
  int64_t planes = anchor.op == OpKind::Conv2d ? output[0] * output[1] : 0;  // conv2d: NCHW
  // Images 4 to 7 wide take tiles of 4-lane vectors: 3.1-3.2x faster than a
  // row at a time on MobileNetV2's 960-channel 7x7 depthwise layers (tuned).
  if (planes >= 16 && anchor.get<ConvAttrs>().window.stride_w == 1 && output[3] >= 4 && output[2] >= 2) {
    s.vector_width = output[3] >= 2 * target.vector_width ? target.vector_width : std::min(8, target.vector_width);
    while (s.vector_width > output[3]) s.vector_width /= 2;
    s.tile_rows = static_cast<int>(std::min<int64_t>(output[2], s.vector_width >= 16 ? 8 : 4));
    spread_rows(s, planes, work);  // the tasks take planes
  }
  return s;
}

bool pool_fuses_by_default(const KernelSchedule& conv, const Layer& anchor, const Layer& pool) {
  // Overlapping windows make each task compute a row of the convolution
  // that the task before it computes too: ResNet-50's stem (3x3 stride 2)
  // ran 5% slower fused (AMD Zen 5).
  const Window2d& w = pool.get<PoolAttrs>().window;
  bool apart = w.stride_w >= (w.kernel_w - 1) * w.dilation_w + 1 && w.stride_h >= (w.kernel_h - 1) * w.dilation_h + 1;
  return apart && pools_in_loops(conv, anchor);
}

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

std::string schedule_problem(const KernelSchedule& s, const Layer& anchor, const Shape& shape) {
  if (!s.autoschedule.empty() && !(s == autoscheduled(s.autoschedule, s, s.layout)))
    return "autoschedule = " + s.autoschedule + " leaves the loops to Halide: only fuse, fuse_pool and layout go with it";
  if (s.channels_innermost && s.vectorize != VectorAxis::Channels) return "channels_innermost needs vectorize = channels";
  if (s.winograd && s.vectorize != VectorAxis::Channels) return "winograd needs vectorize = channels";
  if (s.channel_tasks && !(s.winograd && s.parallel)) return "channel_tasks needs winograd and parallel";
  if (s.fuse_pool && s.autoschedule.empty() && !pools_in_loops(s, anchor))
    return "fuse_pool needs a conv2d with groups = 1 in channel tiles (vectorize = channels, no winograd)";
  if (s.layout == TensorLayout::Nhwc && shape.size() != 4)
    return "layout = nhwc needs a 4-D output, the output is " + to_string(shape);
  if (s.flatten_pixels && !pixels_flatten(anchor))
    return "flatten_pixels needs a 1x1 conv2d with stride 1 and no padding";
  // Tiles are checked against the output as the kernel sees it.
  const Shape output = s.flatten_pixels ? pixel_row(shape) : shape;
  if (s.vectorize == VectorAxis::Channels) {
    bool windows = windows_per_channel(anchor);
    if (!channel_tiles_apply(anchor) && !windows)
      return "vectorize = channels needs a conv2d with groups = 1 or depthwise, a maxpool or an avgpool, " +
             anchor.name + " is " + (anchor.op == OpKind::Conv2d ? "a grouped conv2d" : anchor.op_name);
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
  if (s.unroll_taps && !windowed(anchor))
    return "unroll_taps needs a conv2d, maxpool or avgpool";
  if (s.tile_channels > 1) {
    if (!channel_tiles_apply(anchor))
      return "tile_channels needs a conv2d with groups = 1, " + anchor.name + " is " + anchor.op_name;
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
  if (s.unroll_tap_rows || s.unroll_tiles) return "unroll_tap_rows and unroll_tiles need vectorize = channels";
  if (s.tile_rows > 0) {
    if (!windowed(anchor)) return "tile_rows needs a conv2d, maxpool or avgpool, " + anchor.name + " is " + anchor.op_name;
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
  return "";
}

bool may_read_past_inputs(const KernelSchedule& s, const Layer& anchor) {
  if (!s.autoschedule.empty()) return true;  // an autoscheduler's loads are not Kiln's to know
  // Channel tiles load the input one broadcast value at a time; width vectors
  // load it densely unless a window strides along the width.
  if (s.vectorize == VectorAxis::Channels || s.vector_width == 1) return false;
  return width_stride(anchor) > 1;
}

WeightTransform weight_transform(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule) {
  bool filters = schedule.winograd && winograd_applies(layer) && weight.name == layer.name + ".weight";
  return filters ? WeightTransform::Winograd : WeightTransform::AsStored;
}

std::vector<LayoutAxis> weight_layout(const Layer& layer, const WeightSpec& weight, const KernelSchedule& schedule) {
  const Shape& w = weight.shape;
  if (weight_transform(layer, weight, schedule) == WeightTransform::Winograd) {
    // [K, C, 6, 6] -> [6, 6, C, K]: each of the 36 matrix products reads its
    // [C, K] filters contiguously, a vector of output channels at a time.
    return {{3, 1, kWinogradTile}, {2, 1, kWinogradTile}, {1, 1, w[1]}, {0, 1, w[0]}};
  }
  if (is_depthwise(layer) && schedule.vectorize == VectorAxis::Channels && weight.name == layer.name + ".weight") {
    // [K, 1, kh, kw] -> [1, kh, kw, K]: each tap's vector of channels is one load.
    return {{1, 1, w[1]}, {2, 1, w[2]}, {3, 1, w[3]}, {0, 1, w[0]}};
  }
  bool channel_blocks = schedule.vectorize == VectorAxis::Channels || schedule.tile_channels > 1;
  if (channel_blocks && layer.op == OpKind::Conv2d && weight.name == layer.name + ".weight") {
    // [K, C, kh, kw] -> [K/B, C, kh, kw, B], B the tile's channels: a tile's
    // weights are contiguous, and each tap's are consecutive (vectors with
    // channel vectors, broadcast scalars with width vectors).
    int64_t block = schedule.vectorize == VectorAxis::Channels ? int64_t{schedule.vector_width} * schedule.tile_channels
                                                               : schedule.tile_channels;
    LayoutAxis blocks{0, block, (w[0] + block - 1) / block}, channels{1, 1, w[1]}, rows{2, 1, w[2]},
        columns{3, 1, w[3]}, lanes{0, 1, block};
    // In the order the reduction reads them: [K/B, kh, kw, C, B] with the
    // channels innermost. Blocks of one channel are no blocks: two pieces of
    // K with the same factor would leave the lanes' index unwrapped.
    std::vector<LayoutAxis> order = {blocks, channels, rows, columns};
    if (schedule.channels_innermost) order = {blocks, rows, columns, channels};
    if (block > 1) order.push_back(lanes);
    return order;
  }
  if (layer.op == OpKind::Dense && schedule.vector_width > 1 && weight.name == layer.name + ".weight") {
    // [units, F] -> [F, units]: the vector of units a step of the reduction
    // multiplies is one contiguous load, not a gather.
    return {{1, 1, w[1]}, {0, 1, w[0]}};
  }
  std::vector<LayoutAxis> identity;
  for (size_t a = 0; a < w.size(); ++a) identity.push_back({static_cast<int>(a), 1, w[a]});
  return identity;
}

}  // namespace kiln
