#include "schedule/DefaultSchedule.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include "ops/Winograd.h"
#include "schedule/HeuristicConstants.h"
#include "schedule/KernelFamily.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {
using namespace heuristic;

namespace {

// A grouped convolution that is not depthwise.
bool grouped(const Layer& anchor) {
  return width_channel_tiles_apply(anchor) && anchor.get<ConvAttrs>().groups > 1;
}

int64_t work_of(const KernelProblem& k) { return std::max<int64_t>(k.flops, element_count(k.output)); }

// parallel rows: about kTasksPerKernel tasks, once the kernel does enough work.
void spread_rows(KernelSchedule& s, int64_t rows, int64_t work) {
  s.parallel = rows >= 2 && work >= kMinParallelWork;
  s.rows_per_task = s.parallel ? static_cast<int>(std::max<int64_t>(1, rows / kTasksPerKernel)) : 1;
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

// The input a convolution reads for `output` (padding aside).
int64_t input_bytes(const Layer& anchor, const Shape& output) {
  const ConvAttrs& conv = anchor.get<ConvAttrs>();
  int64_t channels = int64_t{conv.channels_per_group} * conv.groups;
  return output[0] * channels * output[2] * conv.window.stride_h * output[3] * conv.window.stride_w *
         int64_t{sizeof(float)};
}

// What tiles of `tile` compute over `n` (the last shifted inwards, overlapping).
int64_t covered(int64_t n, int64_t tile) { return (n + tile - 1) / tile * tile; }

// row tile: the tile width, at most `most` and at least three quarters of
// that (fewer accumulators hide less latency), that computes the fewest
// pixels of a row (tiles at its end shift inwards and overlap); the wider of
// equals. A 14-wide row takes two tiles of 7, not two of 8.
int row_tile(int64_t width, int most) {
  if (width <= most) return static_cast<int>(width);
  int best = most;
  for (int tile = most - 1; tile >= std::max(1, (kRowTileLeastQuarters * most + 3) / 4); --tile)
    if (covered(width, tile) < covered(width, best)) best = tile;
  return best;
}

// Width tiles of (up to) 2 pixel vectors by half the accumulators' output
// channels, over the image's rows or, flattened, over its pixels in one row;
// a window's taps unrolled (a stem's 3x3 taps: 1.5x).
KernelSchedule width_channel_tiles(const KernelProblem& k, bool flat) {
  KernelSchedule s;
  const Shape& output = k.output;
  s.flatten_pixels = flat;
  const Window2d* window = window_of(k.anchor);
  s.unroll_taps = window && window->kernel_w > 1 && window->kernel_w <= kUnrollTapsWindows;
  int64_t width = flat ? output[2] * output[3] : output[3];
  s.vector_width = k.target.vector_width;
  while (s.vector_width > width) s.vector_width /= 2;
  s.tile_width = width >= 2 * s.vector_width ? 2 : 1;
  s.tile_channels = static_cast<int>(std::min<int64_t>(register_tile_accumulators(k.target) / 2, output[1]));
  int64_t tile = int64_t{s.vector_width} * s.tile_width;
  spread_rows(s, output[0] * (flat ? 1 : output[2]) * ((width + tile - 1) / tile), work_of(k));
  return s;
}

// unrolled tiles and unrolled rows of taps, for channel tiles tile_width
// wide along a row `width` wide, `reduction` multiply-adds an output. A row
// of few tiles has a border in most of them, where Halide's loop
// partitioning finds no interior: unrolled, each tile's tests fold away.
// Strided rows keep every tap's test in all their tiles: stems (3 input
// channels, 3x3 taps) unroll rows of any length, short as their code stays.
void unroll_channel_tiles(KernelSchedule& s, const Window2d& window, int64_t width, int64_t reduction) {
  bool padded = window.padding.any(), strided = window.stride_w > 1;
  int64_t tiles = (width + s.tile_width - 1) / s.tile_width;
  s.unroll_tiles = padded && (tiles <= kUnrollTilesMax ||
                              (strided && (tiles <= 2 * kUnrollTilesMax || reduction <= kShortReduction)));
  s.unroll_tap_rows = s.unroll_taps && padded && strided && tiles <= kUnrollTapRowsTiles;
}

// channel-windows: a pooling or depthwise convolution reading channel
// vectors (stored NHWC) takes channel vectors too, a quarter of the vector
// registers' pixels wide: each multiply-add loads its own input, so loads
// bound it, not latency, and wider tiles only spill. A depthwise
// convolution's rows of at most two narrow-row tiles take one or two tiles
// however many registers: AVX2's quarter tiles of 3 and 4 ran 5x5 ones at
// half the speed (docs/default-schedule.md, rule 1).
std::optional<KernelSchedule> channel_windows(const KernelProblem& k) {
  int lanes = k.target.vector_width;
  if (!channel_windows_apply(k.anchor, lanes) || !k.reads_channel_vectors) return std::nullopt;
  KernelSchedule s;
  s.vectorize = VectorAxis::Channels;
  s.vector_width = lanes;
  int most = k.target.vector_registers / 4;
  if (k.anchor.op == OpKind::Conv2d && k.output[3] <= 2 * kNarrowRowWindowTile)
    most = std::max(most, kNarrowRowWindowTile);
  s.tile_width = row_tile(k.output[3], most);
  s.unroll_taps = window_of(k.anchor)->kernel_w <= kUnrollTapsWindows;
  spread_rows(s, k.output[0] * k.output[2], work_of(k));
  return s;
}

// channel-vectors: an elementwise kernel or a global pool reading channel
// vectors (stored NHWC) takes them too, a pixel's channels at a time. A
// global pool's tasks are bands of its input's rows.
std::optional<KernelSchedule> channel_vectors(const KernelProblem& k) {
  int lanes = k.target.vector_width;
  if (!channel_vectors_apply(k.anchor) || !k.reads_channel_vectors || k.output.size() != 4 || k.output[1] < lanes)
    return std::nullopt;
  KernelSchedule s;
  s.vectorize = VectorAxis::Channels;
  s.vector_width = lanes;
  const Shape& rows = is_global_pool(k.anchor.op) && k.input ? *k.input : k.output;
  spread_rows(s, rows[0] * rows[2], work_of(k));
  return s;
}

// Whether the kernel may compute its image's pixels as one row
// (`flatten_pixels`): a 1x1 stride-1 convolution whose fused operands allow it.
bool flattens(const KernelProblem& k) { return k.may_flatten && pixels_flatten(k.anchor); }

// flat-width-channel-tiles: a 1x1 convolution not reading channel vectors
// as a matrix product over the image's pixels in one row, stored as it is,
// where few input channels keep the tile's column of input planes out of
// each other's cache sets and the tiles cover the pixels with little overlap,
// or with more where no channel vector of 8 lanes or more divides the channels
// (channel tiles would straddle the packed weights' blocks, or take 4 lanes).
std::optional<KernelSchedule> flat_width_channel_tiles(const KernelProblem& k) {
  if (!flattens(k) || !width_channel_tiles_apply(k.anchor)) return std::nullopt;
  int64_t pixels = k.output[2] * k.output[3];
  int64_t inputs = multiply_adds_per_output(k.anchor, k.output);  // 1x1: the input channels
  if (k.reads_channel_vectors || k.feeds_strided_windows) return std::nullopt;
  int tile = 2 * k.target.vector_width;
  int64_t tiles = (pixels + tile - 1) / tile;
  bool covered = tiles * tile * 20 <= pixels * (20 + kFlatOverlapTwentieths) ||
                 k.output[1] % kFlatChannelVectorLanes != 0;
  if (pixels < tile || !covered || k.output[1] < register_tile_accumulators(k.target) / 2 ||
      inputs > kFlatMaxInputChannels)
    return std::nullopt;
  return width_channel_tiles(k, true);
}

// Half vectors of channels, where only those divide a convolution's
// channels (24, 40, 72, 104, 120, 232 with AVX-512).
bool takes_half_vectors(const KernelProblem& k) {
  int native = k.target.vector_width;
  int64_t channels = k.output[1];
  return channels > native && channels % native != 0 && channels % (native / 2) == 0;
}

// width-channel-tiles: channel vectors that would leave lanes idle (24
// channels in 2 vectors of 16) lose to width tiles of channels, unless the
// input is channel vectors and half vectors divide the channels: the width
// tiles would gather it, or make its producer store NCHW a lane at a time.
std::optional<KernelSchedule> idle_lanes_width_channel_tiles(const KernelProblem& k) {
  int lanes = k.target.vector_width;
  const Shape& output = k.output;
  if (!width_channel_tiles_apply(k.anchor) || output[1] < lanes || output[3] < lanes ||
      (k.reads_channel_vectors && takes_half_vectors(k)))
    return std::nullopt;
  int64_t vector_lanes = (output[1] + lanes - 1) / lanes * lanes;
  if ((vector_lanes - output[1]) * 8 <= output[1] * kIdleLaneEighths) return std::nullopt;
  return width_channel_tiles(k, false);
}

// winograd: F(4x4, 3x3) for 3x3 stride-1 convolutions of a vector of
// channels or more, over enough blocks, whose filter transforms (36 C K
// floats, 4x the weights) stay small or serve many blocks. Tasks of a
// row of blocks where the transforms fit in L2, else tasks of output
// channels, which read each transform once a run.
std::optional<KernelSchedule> winograd(const KernelProblem& k) {
  if (!winograd_applies(k.anchor)) return std::nullopt;  // a conv2d: the output is [N, K, H, W]
  int lanes = k.target.vector_width;
  const Shape& output = k.output;
  int64_t filter_bytes = 4 * multiply_adds_per_output(k.anchor, output) * output[1] * int64_t{sizeof(float)};
  int64_t block_rows = output[0] * winograd_blocks(output[2]), blocks = block_rows * winograd_blocks(output[3]);
  if (output[1] < lanes || k.anchor.get<ConvAttrs>().channels_per_group < lanes || blocks < kWinogradMinBlocks ||
      (filter_bytes > kWinogradFilterBytes && blocks < kWinogradManyBlocks))
    return std::nullopt;
  KernelSchedule s;
  s.vectorize = VectorAxis::Channels;
  s.vector_width = lanes;
  s.winograd = true;
  s.tile_channels = output[1] >= 2 * lanes ? 2 : 1;
  s.tile_width = row_tile(winograd_blocks(output[3]), register_tile_accumulators(k.target) / s.tile_channels);
  s.parallel = block_rows >= 2;
  s.channel_tasks = s.parallel && filter_bytes > k.target.l2_bytes;
  s.rows_per_task = 1;
  return s;
}

// AVX2's tiles of two vectors by six or five pixels cover a 7-pixel row in
// two tiles that compute 10 or 12 pixels; three vectors by four compute 8.
// Tiles of three take over where they compute at most kThirdsWorkEighths of
// the outputs tiles of two do (rows of 7), not for the few percent elsewhere
// (docs/default-schedule.md).
void prefer_thirds(KernelSchedule& s, int64_t width, int64_t channels, int budget) {
  int lanes = s.vector_width, thirds_width = row_tile(width, budget / 3);
  int64_t twos = covered(width, s.tile_width) * covered(channels, 2 * lanes);
  int64_t thirds = covered(width, thirds_width) * covered(channels, 3 * lanes);
  if (thirds * 8 <= twos * kThirdsWorkEighths) {
    s.tile_channels = 3;
    s.tile_width = thirds_width;
  }
}

// Channel tiles of `lanes`-wide vectors: each tap is one broadcast input
// value times tile_channels weight vectors, for tile_width pixels at once,
// in half the registers. With a stride neighbouring pixels share no input
// values, so 4 x 4 tiles (more channel vectors, fewer pixels) load less per
// multiply-add, while a block's weights stay close and the width divides.
std::optional<KernelSchedule> channel_tiles_of(const KernelProblem& k, int lanes) {
  const Shape& output = k.output;
  if (!channel_tiles_apply(k.anchor, lanes) || output[1] < lanes || output.back() < 2) return std::nullopt;
  KernelSchedule s;
  s.vectorize = VectorAxis::Channels;
  s.vector_width = lanes;
  int64_t reduction = multiply_adds_per_output(k.anchor, output);
  const Window2d& window = k.anchor.get<ConvAttrs>().window;
  // A window over an image's few channels (a stem) keeps 8 accumulators on AVX2.
  bool stem = !k.target.wide_register_file() && reduction <= kShortReduction && window.kernel_w > 1;
  int budget = stem ? kAccumulatorsShortReduction : register_tile_accumulators(k.target);
  int64_t vectors = output[1] / s.vector_width;
  int64_t width = output.back();
  bool strided = window.stride_w > 1;
  bool wide_tiles = strided && vectors >= 4 && budget >= kAccumulatorsWide && width % (budget / 4) == 0 &&
                    block_weight_bytes(k.anchor, output, 4 * s.vector_width) <= kNearWeightBytes;
  // Three or five half vectors (24, 40 channels) in one tile cover the
  // channels once, where tiles of two would compute a shifted block again.
  bool every_vector = s.vector_width < k.target.vector_width && (vectors == 3 || vectors == 5);
  // Tiles of three native vectors where those cover the channels and twos
  // do not (9, 15 vectors: 144, 240 channels), over short reductions (expansions).
  bool thirds = s.vector_width == k.target.vector_width && output[1] % s.vector_width == 0 && vectors % 2 != 0 &&
                vectors % 3 == 0 && reduction <= kFlatMaxInputChannels;
  s.tile_channels = wide_tiles ? 4 : every_vector ? static_cast<int>(vectors) : thirds ? 3 : vectors >= 2 ? 2 : 1;
  s.tile_width = row_tile(width, budget / s.tile_channels);
  if (s.tile_channels == 2 && !stem && vectors >= 3 && !k.target.wide_register_file())
    prefer_thirds(s, width, output[1], budget);
  // Rows one tile wide (7x7 images) would read a tile's weights from L2 for
  // every row: the image's pixels as one row, in passes over the input
  // channels whose weights every tile reads from L1.
  int64_t rows = output[2];
  if (flattens(k) && width <= s.tile_width && rows > 1 && reduction > kSmallImageReductionBlock &&
      block_weight_bytes(k.anchor, output, s.vector_width * s.tile_channels) > kL1WeightBytes) {
    s.flatten_pixels = true;
    s.reduction_block = kSmallImageReductionBlock;
    width *= rows;
    rows = 1;
    s.tile_width = row_tile(width, budget / s.tile_channels);
  }
  s.unroll_taps = window.kernel_w <= kUnrollTapsChannelTiles;
  unroll_channel_tiles(s, window, width, reduction);
  // Rows of tiles: image rows times channel blocks times batch.
  int64_t blocks = (output[1] + s.vector_width * s.tile_channels - 1) / (s.vector_width * s.tile_channels);
  spread_rows(s, output[0] * blocks * rows, work_of(k));
  // Rows outermost write each row's NHWC pixels whole, and read a fused
  // residual so: that pays where the output is large, and every row can
  // read the weights again from L2, or they are small beside the tensors,
  // which then stay on the core that wrote their rows.
  int64_t weight_bytes = block_weight_bytes(k.anchor, output, output[1]);
  int64_t output_bytes = element_count(output) * int64_t{sizeof(float)};
  s.row_tasks = s.parallel && blocks > 1 && output_bytes >= k.target.l2_bytes / kRowTasksOutputL2Share &&
                (weight_bytes <= k.target.l2_bytes / kRowTasksWeightsL2Share ||
                 weight_bytes * kRowTasksWeightsTensorsShare <= input_bytes(k.anchor, output) + output_bytes);
  return s;
}

// channel-tiles: convolutions whose vectors of output channels lie in one
// group (every one with groups 1) take native vectors. Where only half
// vectors divide the channels, grouped ones (8 filters a group) and those of
// at most five half vectors (24, 40 with AVX-512: one tile of all of them)
// take half vectors; the others native ones, whose last tile, shifted
// inwards off the vectors, reads one flat block of weights (WeightLayout).
std::optional<KernelSchedule> channel_tiles(const KernelProblem& k) {
  if (!width_channel_tiles_apply(k.anchor)) return std::nullopt;  // a convolution: its output is [N, K, H, W]
  int native = k.target.vector_width;
  bool half = takes_half_vectors(k) && (grouped(k.anchor) || k.output[1] <= kMostHalfVectors * (native / 2));
  return channel_tiles_of(k, half ? native / 2 : native);
}

// narrow-channel-tiles: grouped convolutions whose groups hold half a vector
// of filters take half vectors, at any width: their NHWC output spares the
// 1x1 layers around them NCHW, which row tiles would keep.
std::optional<KernelSchedule> narrow_channel_tiles(const KernelProblem& k) {
  if (!grouped(k.anchor)) return std::nullopt;
  return channel_tiles_of(k, k.target.vector_width / 2);
}

// width-vectors: the widest power of two that the innermost extent can
// hold, up to a native vector (dense layers: up to kDenseVectors, whose
// independent sums hide the latency of their long reductions); small windows
// unroll their taps. A dense layer of one row (batch 1) is bound by reading
// its weights: tasks of vectors along the units stream them on every core.
KernelSchedule width_vectors(const KernelProblem& k) {
  KernelSchedule s;
  int64_t inner = k.output.back();
  bool dense = k.anchor.op == OpKind::Dense;
  int widest = dense ? kDenseVectors * k.target.vector_width : k.target.vector_width;
  s.vector_width = 1;
  while (s.vector_width * 2 <= std::min<int64_t>(inner, widest)) s.vector_width *= 2;
  if (k.output.size() >= 2) spread_rows(s, output_rows(k.output), work_of(k));
  if (dense && output_rows(k.output) == 1 && work_of(k) >= kMinParallelWork)
    s.vectors_per_task = static_cast<int>(std::max<int64_t>(1, inner / s.vector_width / kTasksPerKernel));
  if (const Window2d* window = window_of(k.anchor)) s.unroll_taps = window->kernel_w <= kUnrollTapsWindows;
  return s;
}

// row-tiles: depthwise and grouped stride-1 convolutions with planes enough
// to share among threads compute register tiles of a vector by several rows
// over padded planes, where a row at a time chains every tap through memory.
// Images 4 to 7 wide take 4-lane vectors.
std::optional<KernelSchedule> row_tiles(const KernelProblem& k) {
  const Shape& output = k.output;
  int64_t planes = k.anchor.op == OpKind::Conv2d ? output[0] * output[1] : 0;  // conv2d: NCHW
  if (planes < kRowTileMinPlanes || k.anchor.get<ConvAttrs>().window.stride_w != 1 || output[3] < 4 || output[2] < 2)
    return std::nullopt;
  int lanes = k.target.vector_width;
  KernelSchedule s = width_vectors(k);
  s.vector_width = output[3] >= 2 * lanes ? lanes : std::min(8, lanes);
  while (s.vector_width > output[3]) s.vector_width /= 2;
  s.tile_rows = static_cast<int>(std::min<int64_t>(output[2], s.vector_width >= 16 ? 8 : 4));
  spread_rows(s, planes, work_of(k));  // the tasks take planes
  return s;
}

// grouped-width-channel-tiles: grouped convolutions that no rule above
// takes (strided ones, groups of a few filters) take width tiles of output
// channels, each channel's taps broadcast over a vector of pixels.
std::optional<KernelSchedule> grouped_width_channel_tiles(const KernelProblem& k) {
  if (!grouped(k.anchor)) return std::nullopt;
  return width_channel_tiles(k, false);
}

struct NamedRule {
  const char* name;
  std::optional<KernelSchedule> (*rule)(const KernelProblem&);
};

// In the order they are tried (docs/default-schedule.md).
const NamedRule kRules[] = {
    {"channel-windows", channel_windows},
    {"channel-vectors", channel_vectors},
    {"flat-width-channel-tiles", flat_width_channel_tiles},
    {"width-channel-tiles", idle_lanes_width_channel_tiles},
    {"winograd", winograd},
    {"channel-tiles", channel_tiles},
    {"narrow-channel-tiles", narrow_channel_tiles},
    {"row-tiles", row_tiles},
    {"grouped-width-channel-tiles", grouped_width_channel_tiles},
};

}  // namespace

DefaultChoice default_schedule(const KernelProblem& kernel) {
  for (const NamedRule& rule : kRules)
    if (std::optional<KernelSchedule> s = rule.rule(kernel)) return {*s, rule.name};
  return {width_vectors(kernel), "width-vectors"};
}

bool widen_channel_tiles(KernelSchedule& s, const Layer& anchor, const Shape& output, int64_t apart,
                         const TargetTraits& target) {
  // Each weight vector a tile loads serves its tile_width pixels: wider
  // tiles load each less often where a block's weights lie far. Over NCHW
  // output, wide tiles transpose badly.
  if (s.vectorize != VectorAxis::Channels || s.winograd || s.fuse_pool || s.layout != TensorLayout::Nhwc ||
      s.tile_channels != 2 || s.reduction_block != 0 || !target.wide_register_file())
    return false;
  int64_t width = output.back();
  int wide = row_tile(width, kWideTile);
  // Where in a way of L1 the tile's pixels start: a way holds every pixel a way apart.
  int64_t offsets = target.l1_way_bytes / std::gcd(apart, target.l1_way_bytes);
  int64_t weights = block_weight_bytes(anchor, output, int64_t{s.tile_channels} * s.vector_width);
  if (weights <= kFarWeightBytes || wide <= s.tile_width || (wide + offsets - 1) / offsets > kPixelsPerSet)
    return false;
  s.tile_width = wide;
  unroll_channel_tiles(s, anchor.get<ConvAttrs>().window, width, multiply_adds_per_output(anchor, output));
  return true;
}

bool channels_innermost_by_default(int64_t apart, const ConvAttrs& conv, const TargetTraits& target) {
  // A tile's taps over a few rows of such pixels, or over a wide window's
  // many pixels, evict each other before the next input channel reuses
  // them; streaming through each pixel's channels first reuses them at once.
  // A grouped convolution's tiles read only their group's few channels of
  // each pixel: only pixels a multiple of an L1 way apart, all in one set,
  // evict each other so soon.
  if (conv.window.kernel_w >= kWideWindowTaps) return true;
  return conv.groups > 1 ? apart % target.l1_way_bytes == 0 : apart >= kFewSetsBytes;
}

bool pool_fuses_by_default(const KernelSchedule& conv, const Layer& anchor, const Layer& pool,
                           const TargetTraits& target) {
  // Overlapping windows make each task compute a row of the convolution
  // that the task before it computes too. A fused task computes every
  // output channel of its rows, so weights beyond half of L2 stream in again
  // for each task, where unfused tasks keep a block of them in cache.
  const Window2d& w = pool.get<PoolAttrs>().window;
  bool apart = w.stride_w >= (w.kernel_w - 1) * w.dilation_w + 1 && w.stride_h >= (w.kernel_h - 1) * w.dilation_h + 1;
  if (!apart || !pools_in_loops(conv, anchor)) return false;
  const ConvAttrs& c = anchor.get<ConvAttrs>();
  int64_t weight_bytes = int64_t{c.filters} * c.channels_per_group * c.window.kernel_h * c.window.kernel_w *
                         int64_t{sizeof(float)};
  return weight_bytes * kPoolFusionL2Share < target.l2_bytes;
}

}  // namespace kiln
