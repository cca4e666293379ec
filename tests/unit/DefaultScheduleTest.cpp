// The default heuristic's rules, table-driven: a kernel's first layer, its
// input and the target in; the rule that decides and the fields it sets out.
#include <gtest/gtest.h>

#include <string>

#include "graph/Checker.h"
#include "language/Parser.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/KernelFamily.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {
namespace {

const TargetTraits kAvx512{16, 32}, kAvx2{8, 16};

struct RuleCase {
  const char* input;   // the network input's shape
  const char* layer;   // the layer over it, named l
  TargetTraits target;
  bool reads_channel_vectors;
  const char* rule;
  KernelFamily family;
  int vector_width, tile_width, tile_channels, tile_rows;
  bool flatten_pixels, channel_tasks;
};

const RuleCase kCases[] = {
    // ResNet-50's 64-channel 3x3 layer: Winograd, 7 blocks of a 14-block row by 2 vectors.
    {"[1, 64, 56, 56]", "conv2d(x, filters=64, kernel=3, padding=1)", kAvx512, true, "winograd",
     KernelFamily::Winograd, 16, 7, 2, 0, false, false},
    // AVX2: 12 accumulators, 5 blocks (the 14-block row in 3 tiles of 5, not 3 of 6).
    {"[1, 64, 56, 56]", "conv2d(x, filters=64, kernel=3, padding=1)", kAvx2, true, "winograd", KernelFamily::Winograd,
     8, 5, 2, 0, false, false},
    // A stem (27 multiply-adds an output) on AVX2: 8 accumulators, 4 pixels by 2 vectors; other tiles take 12.
    {"[1, 3, 224, 224]", "conv2d(x, filters=32, kernel=3, stride=2, padding=1)", kAvx2, false, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 4, 2, 0, false, false},
    {"[1, 32, 112, 112]", "conv2d(x, filters=32, kernel=3, stride=2, padding=1)", kAvx2, true, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 6, 2, 0, false, false},
    // Filter transforms beyond L2 (1 MB): tasks of output channels.
    {"[1, 128, 28, 28]", "conv2d(x, filters=128, kernel=3, padding=1)", kAvx512, true, "winograd",
     KernelFamily::Winograd, 16, 7, 2, 0, false, true},
    // Transforms beyond 4 MB (256 channels): channel tiles, 7 pixels by 2 vectors.
    {"[1, 256, 14, 14]", "conv2d(x, filters=256, kernel=3, padding=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 7, 2, 0, false, false},
    // Strided, a block's weights close (1x1 over 64 channels): 4 x 4 tiles.
    {"[1, 64, 56, 56]", "conv2d(x, filters=128, kernel=1, stride=2)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 4, 4, 0, false, false},
    // A 1x1 layer not reading channel vectors: width tiles over the flattened pixels.
    {"[1, 64, 56, 56]", "conv2d(x, filters=256, kernel=1)", kAvx512, false, "flat-width-channel-tiles",
     KernelFamily::WidthChannelTiles, 16, 2, 8, 0, true, false},
    // ... reading them: channel tiles.
    {"[1, 64, 56, 56]", "conv2d(x, filters=256, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 8, 2, 0, false, false},
    // AVX2, rows of 7: 3 vectors by 4 pixels compute 8 pixels a row where 2 by 5 compute 10 (MnasNet's last 1x1).
    {"[1, 320, 7, 7]", "conv2d(x, filters=1280, kernel=1)", kAvx2, true, "channel-tiles", KernelFamily::ChannelTiles,
     8, 4, 3, 0, false, false},
    // ... rows of 14: 3 tiles of 5 pixels by 2 vectors compute 15, tiles of 4 by 3 vectors 16 (nothing gained).
    {"[1, 256, 14, 14]", "conv2d(x, filters=1024, kernel=1)", kAvx2, true, "channel-tiles", KernelFamily::ChannelTiles,
     8, 5, 2, 0, false, false},
    // 3 vectors of output channels over a short reduction: one tile of all 3, 4 pixels wide.
    {"[1, 64, 56, 56]", "conv2d(x, filters=48, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 4, 3, 0, false, false},
    // ... over 256 input channels: tiles of 2 (the second shifted inwards), 8 pixels wide.
    {"[1, 256, 56, 56]", "conv2d(x, filters=48, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 8, 2, 0, false, false},
    // 14x14 pixels leave the last flat tile mostly idle, yet no vector of 8 lanes divides 116 channels (ShuffleNetV2).
    {"[1, 116, 14, 14]", "conv2d(x, filters=116, kernel=1)", kAvx512, false, "flat-width-channel-tiles",
     KernelFamily::WidthChannelTiles, 16, 2, 8, 0, true, false},
    {"[1, 116, 14, 14]", "conv2d(x, filters=116, kernel=1)", kAvx2, false, "flat-width-channel-tiles",
     KernelFamily::WidthChannelTiles, 8, 2, 6, 0, true, false},
    // ... while they divide 128: channel tiles.
    {"[1, 116, 14, 14]", "conv2d(x, filters=128, kernel=1)", kAvx512, false, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 7, 2, 0, false, false},
    // 72 channels, no multiple of 16 but of 8, more than 5 half vectors: native vectors (their weights one flat
    // block, which the last tile, shifted inwards off the vectors, reads without a gather).
    {"[1, 32, 56, 56]", "conv2d(x, filters=72, kernel=1)", kAvx512, true, "channel-tiles", KernelFamily::ChannelTiles,
     16, 8, 2, 0, false, false},
    // A 7x7 image is one tile a row, whose 400 input channels' weights (51 KB a tile) exceed L1: its 49 pixels as
    // one row of 7 tiles (RegNetX-400MF's last stage).
    {"[1, 400, 7, 7]", "conv2d(x, filters=400, kernel=1)", kAvx512, true, "channel-tiles", KernelFamily::ChannelTiles,
     16, 7, 2, 0, true, false},
    // ... not with 256 (32 KB), nor at 14x14 (two tiles a row).
    {"[1, 256, 7, 7]", "conv2d(x, filters=512, kernel=1)", kAvx512, true, "channel-tiles", KernelFamily::ChannelTiles,
     16, 7, 2, 0, false, false},
    {"[1, 1024, 14, 14]", "conv2d(x, filters=256, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 7, 2, 0, false, false},
    // ... SqueezeNet's 1000-class 1x1 layer at 13x13 alike.
    {"[1, 512, 13, 13]", "conv2d(x, filters=1000, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 7, 2, 0, false, false},
    // ... reading channel vectors of 24 channels (half vectors) alike: the projection before it stays NHWC.
    {"[1, 24, 56, 56]", "conv2d(x, filters=72, kernel=1)", kAvx512, true, "channel-tiles", KernelFamily::ChannelTiles,
     16, 8, 2, 0, false, false},
    // 24 channels would leave a quarter of 2 vectors' lanes idle: width tiles of 8 channels.
    {"[1, 144, 56, 56]", "conv2d(x, filters=24, kernel=3, padding=1)", kAvx512, false, "width-channel-tiles",
     KernelFamily::WidthChannelTiles, 16, 2, 8, 0, false, false},
    // ... reading channel vectors: a tile of all 3 half vectors, 4 pixels wide (MobileNets' projections).
    {"[1, 144, 56, 56]", "conv2d(x, filters=24, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 4, 3, 0, false, false},
    // ... 40 channels: all 5, 3 pixels wide.
    {"[1, 240, 28, 28]", "conv2d(x, filters=40, kernel=1)", kAvx512, true, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 3, 5, 0, false, false},
    // Depthwise reading channel vectors: channel windows of 8 pixels.
    {"[1, 32, 56, 56]", "conv2d(x, filters=32, kernel=3, padding=1, groups=32)", kAvx512, true, "channel-windows",
     KernelFamily::ChannelWindows, 16, 8, 1, 0, false, false},
    // ... AVX2: 4 pixels, as loads bound them, not the 12 accumulators of register tiles.
    {"[1, 32, 56, 56]", "conv2d(x, filters=32, kernel=3, padding=1, groups=32)", kAvx2, true, "channel-windows",
     KernelFamily::ChannelWindows, 8, 4, 1, 0, false, false},
    // ... but rows of 14 pixels or fewer take one or two tiles: 7 of 14 (MnasNet's 5x5 layers).
    {"[1, 480, 14, 14]", "conv2d(x, filters=480, kernel=5, padding=2, groups=480)", kAvx2, true, "channel-windows",
     KernelFamily::ChannelWindows, 8, 7, 1, 0, false, false},
    // ... not reading them: row tiles of 8 rows over padded planes.
    {"[1, 32, 56, 56]", "conv2d(x, filters=32, kernel=3, padding=1, groups=32)", kAvx512, false, "row-tiles",
     KernelFamily::RowTiles, 16, 1, 1, 8, false, false},
    // 7 wide: 4-lane vectors, 4 rows.
    {"[1, 960, 7, 7]", "conv2d(x, filters=960, kernel=3, padding=1, groups=960)", kAvx512, false, "row-tiles",
     KernelFamily::RowTiles, 4, 1, 1, 4, false, false},
    // Grouped, 32 filters a group (ResNeXt's 7x7 layers): native channel tiles.
    {"[1, 1024, 7, 7]", "conv2d(x, filters=1024, kernel=3, padding=1, groups=32)", kAvx512, false, "channel-tiles",
     KernelFamily::ChannelTiles, 16, 7, 2, 0, false, false},
    // 8 filters a group, 14 wide (RegNetY): half vectors; 8 lanes are native with AVX2.
    {"[1, 208, 14, 14]", "conv2d(x, filters=208, kernel=3, padding=1, groups=26)", kAvx512, false,
     "narrow-channel-tiles", KernelFamily::ChannelTiles, 8, 7, 2, 0, false, false},
    {"[1, 208, 14, 14]", "conv2d(x, filters=208, kernel=3, padding=1, groups=26)", kAvx2, false, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 5, 2, 0, false, false},
    // 13 groups of 8 filters (RegNetY-400MF's 104 channels): half vectors divide them and each group, 28 wide too.
    {"[1, 104, 28, 28]", "conv2d(x, filters=104, kernel=3, padding=1, groups=13)", kAvx512, false, "channel-tiles",
     KernelFamily::ChannelTiles, 8, 7, 2, 0, false, false},
    // ... and 6 groups, 56 wide: half vectors too, at any width.
    {"[1, 48, 56, 56]", "conv2d(x, filters=48, kernel=3, padding=1, groups=6)", kAvx512, false,
     "narrow-channel-tiles", KernelFamily::ChannelTiles, 8, 8, 2, 0, false, false},
    // ... strided (ResNeXt's 56-to-28 layer): tiles of 4 half vectors by 4 pixels.
    {"[1, 256, 56, 56]", "conv2d(x, filters=256, kernel=3, stride=2, padding=1, groups=32)", kAvx512, false,
     "narrow-channel-tiles", KernelFamily::ChannelTiles, 8, 4, 4, 0, false, false},
    // 4 filters a group, 56 wide (ResNeXt's first stage): row tiles.
    {"[1, 128, 56, 56]", "conv2d(x, filters=128, kernel=3, padding=1, groups=32)", kAvx512, false, "row-tiles",
     KernelFamily::RowTiles, 16, 1, 1, 8, false, false},
    // ... strided: width tiles of 8 output channels.
    {"[1, 128, 56, 56]", "conv2d(x, filters=128, kernel=3, stride=2, padding=1, groups=32)", kAvx512, false,
     "grouped-width-channel-tiles", KernelFamily::WidthChannelTiles, 16, 1, 8, 0, false, false},
    // Elementwise ops and global pools reading channel vectors: channel vectors, rows to threads.
    {"[1, 96, 112, 112]", "relu(x)", kAvx512, true, "channel-vectors", KernelFamily::ChannelVectors, 16, 1, 1, 0,
     false, false},
    {"[1, 480, 14, 14]", "global_avgpool(x)", kAvx512, true, "channel-vectors", KernelFamily::ChannelVectors, 16, 1,
     1, 0, false, false},
    {"[1, 64, 28, 28]", "concat(x, x)", kAvx512, true, "channel-vectors", KernelFamily::ChannelVectors, 16, 1, 1, 0,
     false, false},
    // A spatial pad of channel vectors (Inception's and DenseNet's before an average pool).
    {"[1, 288, 35, 35]", "pad(x, padding=1)", kAvx512, true, "channel-vectors", KernelFamily::ChannelVectors, 16, 1, 1,
     0, false, false},
    // ... but not a concat along another axis.
    {"[1, 64, 28, 28]", "concat(x, x, axis=3)", kAvx512, true, "width-vectors", KernelFamily::WidthVectors, 16, 1, 1,
     0, false, false},
    // Strided depthwise: width vectors a row at a time.
    {"[1, 32, 56, 56]", "conv2d(x, filters=32, kernel=3, stride=2, padding=1, groups=32)", kAvx512, false,
     "width-vectors", KernelFamily::WidthVectors, 16, 1, 1, 0, false, false},
    // A classifier: 4 vectors of units.
    {"[1, 2048]", "dense(x, units=1000)", kAvx512, false, "width-vectors", KernelFamily::WidthVectors, 64, 1, 1, 0,
     false, false},
    {"[1, 64, 112, 112]", "maxpool(x, kernel=3, stride=2, padding=1)", kAvx512, false, "width-vectors",
     KernelFamily::WidthVectors, 16, 1, 1, 0, false, false},
};

// A network of one layer `l` (its layers[1]) over an input x of shape `input`.
Graph one_layer(const std::string& input, const std::string& layer) {
  return check(parse("network t\ninput x: f32" + input + "\nl = " + layer + "\noutput l\n"));
}

TEST(DefaultSchedule, EachRuleDecidesItsKernels) {
  for (const RuleCase& c : kCases) {
    Graph graph = one_layer(c.input, c.layer);
    const Layer& layer = graph.layers[1];
    DefaultChoice chosen =
        default_schedule({layer, layer.shape, layer.flops, c.target, true, c.reads_channel_vectors});
    const KernelSchedule& s = chosen.schedule;
    SCOPED_TRACE(std::string(c.layer) + " over " + c.input);
    EXPECT_STREQ(chosen.rule, c.rule);
    EXPECT_EQ(family_of(s, layer), c.family);
    EXPECT_EQ(s.vector_width, c.vector_width);
    EXPECT_EQ(s.tile_width, c.tile_width);
    EXPECT_EQ(s.tile_channels, c.tile_channels);
    EXPECT_EQ(s.tile_rows, c.tile_rows);
    EXPECT_EQ(s.flatten_pixels, c.flatten_pixels);
    EXPECT_EQ(s.channel_tasks, c.channel_tasks);
    EXPECT_EQ(schedule_problem(s, layer, layer.shape), "");
  }
}

// Threads only past some work, about 16 tasks.
TEST(DefaultSchedule, ParallelRowsNeedWork) {
  Graph small = check(parse("network t\ninput x: f32[1, 8, 4, 4]\nl = relu(x)\noutput l\n"));
  EXPECT_FALSE(default_schedule({small.layers[1], small.layers[1].shape, small.layers[1].flops, kAvx512}).schedule.parallel);
  Graph big = check(parse("network t\ninput x: f32[1, 64, 128, 128]\nl = relu(x)\noutput l\n"));
  KernelSchedule s = default_schedule({big.layers[1], big.layers[1].shape, big.layers[1].flops, kAvx512}).schedule;
  EXPECT_TRUE(s.parallel);
  EXPECT_EQ(s.rows_per_task, 64 * 128 / 16);
}

// A dense layer at batch 1 spreads its units over threads (its one row
// cannot be); at batch 32, its rows.
TEST(DefaultSchedule, DenseLayersOfOneRowTakeTasksOfUnits) {
  Graph one = check(parse("network t\ninput x: f32[1, 9216]\nl = dense(x, units=4096)\noutput l\n"));
  KernelSchedule s = default_schedule({one.layers[1], one.layers[1].shape, one.layers[1].flops, kAvx512}).schedule;
  EXPECT_FALSE(s.parallel);
  EXPECT_EQ(s.vector_width, 64);
  EXPECT_EQ(s.vectors_per_task, 4096 / 64 / 16);
  EXPECT_EQ(schedule_problem(s, one.layers[1], one.layers[1].shape), "");
  Graph batch = check(parse("network t\ninput x: f32[32, 9216]\nl = dense(x, units=4096)\noutput l\n"));
  s = default_schedule({batch.layers[1], batch.layers[1].shape, batch.layers[1].flops, kAvx512}).schedule;
  EXPECT_TRUE(s.parallel);
  EXPECT_EQ(s.vectors_per_task, 0);
}

// A 1x1 expansion of NCHW input whose readers are all stride-2 depthwise
// layers takes channel tiles instead of flattened width tiles, so that it
// stores NHWC and they load dense channel vectors.
TEST(DefaultSchedule, ExpansionsFeedingStridedWindowsTakeChannelTiles) {
  Graph graph = check(parse("network t\ninput x: f32[1, 24, 56, 56]\nl = conv2d(x, filters=144, kernel=1)\noutput l\n"));
  const Layer& layer = graph.layers[1];
  DefaultChoice alone = default_schedule({layer, layer.shape, layer.flops, kAvx512, true, false, false});
  EXPECT_STREQ(alone.rule, "flat-width-channel-tiles");
  DefaultChoice feeding = default_schedule({layer, layer.shape, layer.flops, kAvx512, true, false, true});
  EXPECT_STREQ(feeding.rule, "channel-tiles");
  EXPECT_EQ(family_of(feeding.schedule, layer), KernelFamily::ChannelTiles);
  EXPECT_EQ(feeding.schedule.vector_width, 16);
}

// Channel tiles go row by row (row_tasks) where their output takes at least
// an eighth of L2 and all their weights at most half of it (every row reads
// them again) or of the input and output together; otherwise, or with one
// tile of channels, each tile goes down the image.
TEST(DefaultSchedule, ChannelTilesGoRowByRowWhereTheWeightsAreSmall) {
  TargetTraits l2_2mb = kAvx512;
  l2_2mb.l2_bytes = int64_t{2} << 20;
  struct Case {
    const char *input, *layer;
    TargetTraits target;
    bool row_tasks;
  };
  for (const Case& c : {Case{"[1, 64, 56, 56]", "conv2d(x, filters=256, kernel=1)", kAvx512, true},    // 64 KB
                        Case{"[1, 128, 28, 28]", "conv2d(x, filters=512, kernel=1)", kAvx512, true},   // 256 KB
                        // 1 MB, under half of the 1.6 MB input and 1.6 MB output
                        Case{"[1, 512, 28, 28]", "conv2d(x, filters=512, kernel=1)", kAvx512, true},
                        // 1 MB over 392 KB of input: each tile goes down the image
                        Case{"[1, 512, 14, 14]", "conv2d(x, filters=512, kernel=1)", kAvx512, false},
                        Case{"[1, 512, 14, 14]", "conv2d(x, filters=512, kernel=1)", l2_2mb, true},
                        // 2 MB over 1.6 MB of input (stride 2) and 800 KB of output
                        Case{"[1, 512, 28, 28]", "conv2d(x, filters=1024, kernel=1, stride=2)", kAvx512, false},
                        Case{"[1, 160, 14, 14]", "conv2d(x, filters=160, kernel=1)", l2_2mb, false},   // 125 KB out
                        Case{"[1, 64, 56, 56]", "conv2d(x, filters=32, kernel=1)", kAvx512, false},  // one tile
                        // 244 channels: the last tile, shifted off the vectors, reads one flat block of weights.
                        Case{"[1, 244, 28, 28]", "conv2d(x, filters=244, kernel=1)", l2_2mb, true}}) {
    Graph graph = one_layer(c.input, c.layer);
    const Layer& l = graph.layers[1];
    DefaultChoice chosen = default_schedule({l, l.shape, l.flops, c.target, true, true});
    SCOPED_TRACE(std::string(c.layer) + " over " + c.input);
    EXPECT_STREQ(chosen.rule, "channel-tiles");
    EXPECT_EQ(chosen.schedule.row_tasks, c.row_tasks);
    EXPECT_EQ(schedule_problem(chosen.schedule, l, l.shape), "");
  }
}

// Width tiles of output channels unroll a window's taps (a 24-channel stem,
// a strided grouped layer); a 1x1 layer has none to unroll.
TEST(DefaultSchedule, SmallImagesPassOverTheInputChannels) {
  for (const char* input : {"[1, 400, 7, 7]", "[1, 256, 7, 7]"}) {
    Graph graph = one_layer(input, "conv2d(x, filters=400, kernel=1)");
    const Layer& l = graph.layers[1];
    KernelSchedule s = default_schedule({l, l.shape, l.flops, kAvx512, true, true}).schedule;
    SCOPED_TRACE(input);
    EXPECT_EQ(s.reduction_block, s.flatten_pixels ? 128 : 0);
  }
  // Where the kernel may not flatten (a fused pool, or a fused operand of another H x W), rows stay.
  Graph graph = one_layer("[1, 400, 7, 7]", "conv2d(x, filters=400, kernel=1)");
  const Layer& l = graph.layers[1];
  KernelSchedule rows = default_schedule({l, l.shape, l.flops, kAvx512, false, true}).schedule;
  EXPECT_FALSE(rows.flatten_pixels);
  EXPECT_EQ(rows.reduction_block, 0);
}

TEST(DefaultSchedule, WidthChannelTilesUnrollAWindowsTaps) {
  struct Case {
    const char *input, *layer;
    bool unrolled;
  };
  for (const Case& c : {Case{"[1, 3, 224, 224]", "conv2d(x, filters=24, kernel=3, stride=2, padding=1)", true},
                        Case{"[1, 128, 56, 56]", "conv2d(x, filters=128, kernel=3, stride=2, padding=1, groups=32)", true},
                        Case{"[1, 64, 56, 56]", "conv2d(x, filters=256, kernel=1)", false}}) {
    Graph graph = one_layer(c.input, c.layer);
    const Layer& l = graph.layers[1];
    KernelSchedule s = default_schedule({l, l.shape, l.flops, kAvx512}).schedule;
    SCOPED_TRACE(c.layer);
    EXPECT_EQ(family_of(s, l), KernelFamily::WidthChannelTiles);
    EXPECT_EQ(s.unroll_taps, c.unrolled);
  }
}

TEST(DefaultSchedule, PoolsFuseOnlyWhereTheirWindowsDoNotOverlapAndWeightsAreNear) {
  Graph graph = check(parse("network t\ninput x: f32[1, 32, 56, 56]\n"
                            "c = conv2d(x, filters=64, kernel=3, stride=2, padding=1)\n"
                            "a = maxpool(c, kernel=2, stride=2)\nb = maxpool(c, kernel=3, stride=2, padding=1)\n"
                            "output a, b\n"));
  const Layer& conv = graph.layers[1];
  KernelSchedule tiles = default_schedule({conv, conv.shape, conv.flops, kAvx512, true, true}).schedule;
  ASSERT_EQ(family_of(tiles, conv), KernelFamily::ChannelTiles);
  EXPECT_TRUE(pool_fuses_by_default(tiles, conv, graph.layers[2], kAvx512));
  EXPECT_FALSE(pool_fuses_by_default(tiles, conv, graph.layers[3], kAvx512));
  KernelSchedule width;  // width vectors compute no channel tiles to pool in
  EXPECT_FALSE(pool_fuses_by_default(width, conv, graph.layers[2], kAvx512));
  // VGG's 256-channel 3x3 layer: 2.4 MB of weights, beyond half of a 1 MB L2.
  Graph vgg = check(parse("network v\ninput x: f32[1, 256, 56, 56]\n"
                          "c = conv2d(x, filters=256, kernel=3, padding=1)\np = maxpool(c, kernel=2, stride=2)\n"
                          "output p\n"));
  EXPECT_FALSE(pool_fuses_by_default(tiles, vgg.layers[1], vgg.layers[2], kAvx512));
  TargetTraits big_l2 = kAvx512;
  big_l2.l2_bytes = int64_t{8} << 20;
  EXPECT_TRUE(pool_fuses_by_default(tiles, vgg.layers[1], vgg.layers[2], big_l2));
}

}  // namespace
}  // namespace kiln
