#pragma once

#include <cstdint>

#include "schedule/TargetTraits.h"

// The default heuristic's thresholds, one place for all of them. Each rule
// that reads one is in docs/default-schedule.md with the measurements
// behind the value; the caches' sizes are the target's (TargetTraits).
namespace kiln::heuristic {

// parallel rows: about 16 tasks balance two to eight cores, and threads pay
// off only past this much work (FLOPs, or output values where larger).
constexpr int kTasksPerKernel = 16;
constexpr int64_t kMinParallelWork = int64_t{1} << 16;

// Register tiles take 16 of AVX-512's 32 vector registers as accumulators
// and 12 of AVX2's 16; the others hold loads and broadcasts. Two FMAs a
// cycle of 4-5 cycles' latency need 8-10 independent sums.
constexpr int kAccumulatorsWide = 16, kAccumulatorsNarrow = 12;
// Reductions this short (multiply-adds an output: a stem's 27): AVX2
// channel tiles of a window keep 8 accumulators, and strided padded rows
// of any length unroll their tiles (unroll_channel_tiles).
constexpr int64_t kShortReduction = 32;
constexpr int kAccumulatorsShortReduction = 8;
inline int register_tile_accumulators(const TargetTraits& target) {
  return target.wide_register_file() ? kAccumulatorsWide : kAccumulatorsNarrow;
}
// channel tiles on AVX2: three vectors by fewer pixels where they compute at
// most this many eighths of the outputs two vectors would (rows of 7).
constexpr int kThirdsWorkEighths = 7;
// row tile: a tile at least this fraction of the widest that fits (in
// quarters) may replace it where it divides the row better.
constexpr int kRowTileLeastQuarters = 3;

// depthwise channel windows over rows of at most two of these pixels take a
// tile of the row or of its half (7x7 and 14x14 images), not a quarter of
// AVX2's registers (docs/default-schedule.md, rule 1).
constexpr int kNarrowRowWindowTile = 7;

// channel windows and width vectors: windows up to this wide unroll their
// taps; channel tiles unroll up to kUnrollTapsChannelTiles.
constexpr int kUnrollTapsWindows = 5;
constexpr int kUnrollTapsChannelTiles = 11;

// flat width-channel tiles: 1x1 convolutions of at most this many input
// channels, whose tiles cover the pixels with at most 1/20 overlap, or with
// more where vectors of this many lanes do not divide the output channels.
constexpr int64_t kFlatMaxInputChannels = 128;
constexpr int kFlatOverlapTwentieths = 1;
constexpr int kFlatChannelVectorLanes = 8;

// width-channel tiles: channel vectors leaving more than this fraction
// (eighths) of their lanes idle lose to width tiles.
constexpr int kIdleLaneEighths = 1;

// winograd: over at least this many 4x4 blocks, with filter transforms of at
// most this size unless over this many blocks in the batch (a 28x28 image:
// many blocks amortize reading them); beyond L2 its tasks take output
// channels (channel_tasks).
constexpr int64_t kWinogradMinBlocks = 16;
constexpr int64_t kWinogradFilterBytes = int64_t{4} << 20;
constexpr int64_t kWinogradManyBlocks = 49;

// channel tiles: strided 4 x 4 tiles only while a block's weights are this
// close (the 1x1 layer's 64 KB, the stem's 37 KB).
constexpr int64_t kNearWeightBytes = 64 * 1024;
// unrolled tiles: padded rows of at most this many tiles (strided: twice),
// unrolled rows of taps at most kUnrollTapRowsTiles.
constexpr int64_t kUnrollTilesMax = 4;
constexpr int64_t kUnrollTapRowsTiles = 2;

// wide tiles: 14 pixels by 2 vectors where a block's weights lie beyond
// this (beyond L1 and most of L2), unless more than kPixelsPerSet of the
// tile's pixels would share one of L1's sets.
constexpr int64_t kFarWeightBytes = 256 * 1024;
constexpr int kWideTile = 14;
constexpr int kPixelsPerSet = 8;

// row tasks: channel tiles go row by row where their output takes at least
// an eighth of L2 (smaller outputs lose) and all their weights, which every
// row then reads again, at most half of L2 or of the input and output
// together: each core then keeps to its own rows, where tiles going down the
// image have every core read all of the input (docs/default-schedule.md, rule 6).
constexpr int64_t kRowTasksOutputL2Share = 8;
constexpr int64_t kRowTasksWeightsL2Share = 2;
constexpr int64_t kRowTasksWeightsTensorsShare = 2;

// channels innermost: NHWC pixels this far apart (channels times stride)
// fall into few of L1's sets.
constexpr int64_t kFewSetsBytes = 512;
// ... and windows at least this wide, whatever their channels: their taps
// span as many more pixels a row.
constexpr int kWideWindowTaps = 5;

// pool-fusion: only convolutions whose weights take less than 1/2 of L2.
constexpr int64_t kPoolFusionL2Share = 2;

// channel tiles on images one tile wide (7x7): where a tile's weights exceed
// this (L1's share), the image's pixels become one row of tiles and each pass
// over kSmallImageReductionBlock input channels serves all of them from L1.
constexpr int64_t kL1WeightBytes = 32 * 1024;
constexpr int kSmallImageReductionBlock = 128;

// channel tiles: ungrouped convolutions whose channels only half vectors
// divide take half vectors up to this many of them (24, 40 channels with
// AVX-512: one tile covers them), native ones over a flat block of weights
// beyond.
constexpr int64_t kMostHalfVectors = 5;

// row tiles: stride-1 windows over at least this many channel planes.
constexpr int64_t kRowTileMinPlanes = 16;

// width vectors: dense layers take up to this many native vectors of units.
constexpr int kDenseVectors = 4;

}  // namespace kiln::heuristic
