#include <gtest/gtest.h>

#include "codegen/MemoryPlan.h"
#include "graph/Checker.h"
#include "language/Parser.h"
#include "plan/InPlaceOutputs.h"
#include "plan/KernelFormation.h"
#include "plan/SchedulePlanner.h"
#include "schedule/ScheduleFile.h"

namespace kiln {
namespace {

Graph graph_of(const std::string& text) { return check(parse(text)); }

TEST(Checker, SamePaddingPutsTheOddPixelLast) {
  Graph g = graph_of("network n\ninput x: f32[1, 1, 7, 7]\nc = conv2d(x, filters=1, kernel=4, stride=2, padding=same)\noutput c\n");
  const ConvAttrs& conv = g.layers[1].get<ConvAttrs>();
  EXPECT_EQ(conv.window.padding.top, 1);
  EXPECT_EQ(conv.window.padding.bottom, 2);
  EXPECT_EQ(g.layers[1].shape, (Shape{1, 1, 4, 4}));
}

TEST(Checker, CeilModeDropsWindowsStartingInPadding) {
  // PyTorch: 5 wide, kernel 2, stride 2, padding 1, ceil_mode gives 3, not 4.
  Graph g = graph_of("network n\ninput x: f32[1, 1, 5, 5]\np = maxpool(x, kernel=2, padding=1, ceil_mode=true)\noutput p\n");
  EXPECT_EQ(g.layers[1].shape, (Shape{1, 1, 3, 3}));
}

TEST(Checker, WeightsAndFlops) {
  Graph g = graph_of("network n\ninput x: f32[1, 4, 6, 6]\nc = conv2d(x, filters=8, kernel=3, groups=2)\n"
                     "b = batchnorm(c, affine=false)\noutput b\n");
  ASSERT_EQ(g.layers[1].weights.size(), 2u);
  EXPECT_EQ(g.layers[1].weights[0].name, "c.weight");
  EXPECT_EQ(g.layers[1].weights[0].shape, (Shape{8, 2, 3, 3}));
  EXPECT_EQ(g.layers[1].flops, 2 * 8 * 4 * 4 * 2 * 3 * 3);
  ASSERT_EQ(g.layers[2].weights.size(), 2u);
  EXPECT_EQ(g.layers[2].weights[1].name, "b.running_var");
}

TEST(Fusion, ElementwiseChainsJoinTheirProducer) {
  Graph g = graph_of("network n\ninput x: f32[1, 2, 4, 4]\nc = conv2d(x, filters=2, kernel=1)\n"
                     "b = batchnorm(c)\nr = relu(b)\ns = add(r, x)\np = maxpool(s, kernel=2)\noutput p\n");
  std::vector<Kernel> kernels = form_kernels(g, Schedule{}, TargetTraits{});
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].name, "c");
  EXPECT_EQ(kernels[0].layers, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(kernels[0].inputs, (std::vector<int>{0}));
  EXPECT_EQ(kernels[1].layers, (std::vector<int>{5}));
}

TEST(Fusion, NoFusionIntoATensorReadTwiceOrAnOutput) {
  Graph g = graph_of("network n\ninput x: f32[1, 4]\na = relu(x)\nb = sigmoid(a)\nc = add(a, b)\n"
                     "d = tanh(c)\noutput c, d\n");
  std::vector<Kernel> kernels = form_kernels(g, Schedule{}, TargetTraits{});
  // a is read by b and c: c joins b's kernel, its second operand's; c is an output: d does not.
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernels[1].name, "b");
  EXPECT_EQ(kernels[1].layers, (std::vector<int>{2, 3}));
  EXPECT_EQ(kernels[2].name, "d");
}

TEST(Fusion, KernelsRunAfterTheirLastLayersInputs) {
  // r fuses into a's kernel but reads b, defined after a: the kernel must run after b's.
  Graph g = graph_of("network n\ninput x: f32[1, 4]\na = relu(x)\nb = sigmoid(x)\nr = add(a, b)\noutput r\n");
  std::vector<Kernel> kernels = form_kernels(g, Schedule{}, TargetTraits{});
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].name, "b");
  EXPECT_EQ(kernels[1].name, "a");
  EXPECT_EQ(kernels[1].inputs, (std::vector<int>{0, 2}));
}

TEST(Fusion, LongChainsAreSplitIntoKernelsOfAtMost16Layers) {
  std::string spec = "network n\ninput x: f32[1, 4]\nl0 = relu(x)\n";
  for (int i = 1; i < 40; ++i) spec += "l" + std::to_string(i) + " = relu(l" + std::to_string(i - 1) + ")\n";
  Graph g = graph_of(spec + "output l39\n");
  std::vector<Kernel> kernels = form_kernels(g, Schedule{}, TargetTraits{});
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernels[0].layers.size(), 16u);
  EXPECT_EQ(kernels[1].name, "l16");
  EXPECT_EQ(kernels[2].layers.size(), 8u);
}

// A conv of channel tiles (at least a vector of filters, not Winograd's 3x3) then relu and a pool.
Graph pooled_network(const std::string& pool) {
  return graph_of("network n\ninput x: f32[1, 4, 12, 12]\nc = conv2d(x, filters=16, kernel=5, padding=2)\n"
                  "r = relu(c)\np = " + pool + "\nq = conv2d(p, filters=16, kernel=1)\noutput q\n");
}

TEST(Fusion, APoolOfWindowsApartEndsTheConvolutionsKernel) {
  for (const char* pool : {"maxpool(r, kernel=2)", "avgpool(r, kernel=3, stride=3)"}) {
    std::vector<Kernel> kernels = form_kernels(pooled_network(pool), Schedule{}, TargetTraits{});
    ASSERT_EQ(kernels.size(), 2u) << pool;
    EXPECT_EQ(kernels[0].layers, (std::vector<int>{1, 2, 3})) << pool;
    EXPECT_TRUE(kernels[0].pooled);
    EXPECT_EQ(kernels[0].anchor_output(), 2);
    EXPECT_FALSE(kernels[1].pooled);
  }
}

TEST(Fusion, OverlappingWindowsPoolOnlyWhereTheScheduleSaysSo) {
  Graph g = pooled_network("maxpool(r, kernel=3, stride=2, padding=1)");
  EXPECT_EQ(form_kernels(g, Schedule{}, TargetTraits{}).size(), 3u);
  EXPECT_EQ(form_kernels(g, parse_schedule("[c]\nfuse_pool = true\n", "s"), TargetTraits{}).size(), 2u);
  // Windows apart, but a section says no, or the pool has a section of its own.
  Graph apart = pooled_network("maxpool(r, kernel=2)");
  EXPECT_EQ(form_kernels(apart, parse_schedule("[c]\nfuse_pool = false\n", "s"), TargetTraits{}).size(), 3u);
  EXPECT_EQ(form_kernels(apart, parse_schedule("[p]\nparallel = false\n", "s"), TargetTraits{}).size(), 3u);
  // Width vectors cannot pool in their loops: no fusion by default.
  EXPECT_EQ(form_kernels(apart, parse_schedule("[c]\nvectorize = width\n", "s"), TargetTraits{}).size(), 3u);
}

TEST(Checker, FlopsSaturateInsteadOfOverflowing) {
  EXPECT_EQ(saturating_product({int64_t{1} << 40, int64_t{1} << 30}), INT64_MAX);
  EXPECT_EQ(saturating_product({3, 0, INT64_MAX}), 0);
  EXPECT_EQ(saturating_product({6, 7}), 42);
}

TEST(MemoryPlan, ReusesMemoryOfDeadTensors) {
  Graph g = graph_of("network n\ninput x: f32[1, 64]\na = dense(x, units=64)\nb = dense(a, units=64)\n"
                     "c = dense(b, units=64)\nd = dense(c, units=64)\noutput d\n");
  std::vector<Kernel> kernels = form_kernels(g, Schedule{}, TargetTraits{});
  MemoryPlan plan = plan_memory(g, kernels);
  // a, b and c live in the arena; a is dead once b exists, so c takes its place.
  ASSERT_EQ(plan.offsets.size(), 3u);
  EXPECT_NE(plan.offsets.at(1), plan.offsets.at(2));
  EXPECT_EQ(plan.offsets.at(1), plan.offsets.at(3));
  EXPECT_EQ(plan.arena_floats, 128);
}

// A residual add's output takes the memory of its other operand where its
// kernel (channel tiles by rows, tiles dividing the channels) reads that
// operand last; not where a later kernel still reads it.
TEST(MemoryPlan, WritesInPlaceOfAnOperandReadLast) {
  const std::string block =
      "network n\ninput x: f32[1, 16, 28, 28]\ns = conv2d(x, filters=64, kernel=3, padding=1, activation=relu)\n"
      "a = conv2d(s, filters=32, kernel=1, activation=relu)\nc = conv2d(a, filters=64, kernel=1)\nr = add(c, s)\n"
      "o = relu(r)\nd = conv2d(o, filters=32, kernel=1)\n";
  TargetTraits target;
  target.l2_bytes = 512 * 1024;
  Graph g = graph_of(block + "output d\n");
  SchedulePlan plan = plan_schedules(g, Schedule{}, target);
  InPlaceOutputs in_place = in_place_outputs(g, plan.kernels, plan.schedules, plan.layouts, plan.levels);
  int s = 1, o = 5;
  ASSERT_EQ(in_place.size(), 1u);
  EXPECT_EQ(in_place.at(o), s);
  MemoryPlan memory = plan_memory(g, plan.kernels, in_place);
  EXPECT_EQ(memory.offsets.at(o), memory.offsets.at(s));
  EXPECT_NE(plan_memory(g, plan.kernels).offsets.at(o), memory.offsets.at(s));

  Graph read_later = graph_of(block + "p = maxpool(s, kernel=2)\noutput d, p\n");
  SchedulePlan later = plan_schedules(read_later, Schedule{}, target);
  EXPECT_TRUE(in_place_outputs(read_later, later.kernels, later.schedules, later.layouts, later.levels).empty());
}

}  // namespace
}  // namespace kiln
