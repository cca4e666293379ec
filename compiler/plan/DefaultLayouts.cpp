#include "plan/DefaultLayouts.h"

#include "plan/KernelFormation.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/KernelFamily.h"

namespace kiln {
namespace {

// The heuristic's schedule for `kernel` as if its input were not channel
// vectors, with the kernel's fusion: the layout rules' choice where a
// tensor stays NCHW after all.
KernelSchedule default_over_nchw(const Graph& graph, const Kernel& kernel, const TargetTraits& target,
                                 bool may_flatten, bool fuse) {
  const Layer& anchor = graph.layers[kernel.layers.front()];
  const Shape& shape = graph.layers[kernel.anchor_output()].shape;
  KernelSchedule s = default_schedule({anchor, shape, kernel_flops(graph, kernel), target, may_flatten, false}).schedule;
  s.fuse = fuse;
  return s;
}

}  // namespace

void choose_default_layouts(const Graph& graph, const KeptChoices& kept, const TargetTraits& target,
                            SchedulePlan& plan) {
  // nhwc-between-channel-kernels: NHWC spares a channel-vector kernel the
  // transposition of every register tile on its way out, and its readers'
  // broadcasts of one pixel's channels come from one cache line, where NCHW
  // puts them a plane apart. Kernels with width vectors would read it with gathers.
  auto channel_vectors = [&](const Kernel& kernel) {
    return plan.schedules.at(kernel.name).vectorize == VectorAxis::Channels;
  };
  std::map<int, bool> read_by_channel_vectors;  // by tensor: every reader so far
  for (const Kernel& kernel : plan.kernels)
    for (int input : kernel.inputs) {
      auto [it, first] = read_by_channel_vectors.emplace(input, channel_vectors(kernel));
      if (!first) it->second = it->second && channel_vectors(kernel);
    }
  for (const Kernel& kernel : plan.kernels) {
    if (kept.layouts.count(kernel.name)) continue;
    int output = kernel.output();
    auto readers = read_by_channel_vectors.find(output);
    bool nhwc = channel_vectors(kernel) && graph.layers[output].shape.size() == 4 && !graph.is_output(output) &&
                readers != read_by_channel_vectors.end() && readers->second;
    plan.schedules[kernel.name].layout = nhwc ? TensorLayout::Nhwc : TensorLayout::Nchw;
    if (nhwc) plan.rules[kernel.name].push_back("nhwc-between-channel-kernels");
  }
  // width-vectors-into-nchw: an elementwise or concat kernel of channel
  // vectors whose output stays NCHW would store it a lane at a time; width
  // vectors store it densely and gather their NHWC input (EfficientNet-B0's
  // 112x112 SE gate: 0.066 ms against 0.25).
  for (const Kernel& kernel : plan.kernels) {
    KernelSchedule& s = plan.schedules[kernel.name];
    const Layer& anchor = graph.layers[kernel.layers.front()];
    bool copies = is_elementwise(anchor.op) || anchor.op == OpKind::Concat;
    if (kept.sections.count(kernel.name) || s.layout != TensorLayout::Nchw || !copies ||
        family_of(s, anchor) != KernelFamily::ChannelVectors)
      continue;
    s = default_over_nchw(graph, kernel, target, false, s.fuse);
    plan.rules[kernel.name].push_back("width-vectors-into-nchw");
  }
  plan.layouts = tensor_layouts(plan.kernels, plan.schedules);
  // flat-over-nchw: a 1x1 convolution that took channel tiles for reading a
  // kernel of channel vectors reads NCHW after all where another reader (a
  // residual add) keeps that tensor NCHW; flattened width tiles then win
  // (docs/default-schedule.md). Its own output stays NCHW, so no layout changes.
  for (const Kernel& kernel : plan.kernels) {
    KernelSchedule& s = plan.schedules[kernel.name];
    const Layer& anchor = graph.layers[kernel.layers.front()];
    if (kept.sections.count(kernel.name) || s.layout != TensorLayout::Nchw || s.precision != Precision::F32 ||
        s.fuse_pool || family_of(s, anchor) != KernelFamily::ChannelTiles ||
        layout_of(plan.layouts, anchor.inputs.front()) != TensorLayout::Nchw)
      continue;
    KernelSchedule flat = default_over_nchw(graph, kernel, target, flatten_problem(graph, kernel).empty(), s.fuse);
    if (!flat.flatten_pixels) continue;
    s = flat;
    plan.rules[kernel.name] = {"flat-width-channel-tiles", "flat-over-nchw"};
  }
  // channels-innermost and wide-tiles, for channel tiles that read NHWC
  // pixels C floats times the stride apart.
  for (const Kernel& kernel : plan.kernels) {
    const Layer& anchor = graph.layers[kernel.layers.front()];
    KernelSchedule& s = plan.schedules[kernel.name];
    if (family_of(s, anchor) != KernelFamily::ChannelTiles) continue;
    int input = anchor.inputs.front();
    bool nhwc = layout_of(plan.layouts, input) == TensorLayout::Nhwc;
    int64_t apart = graph.layers[input].shape[1] * int64_t{sizeof(float)} * anchor.get<ConvAttrs>().window.stride_w;
    if (!kept.orders.count(kernel.name)) {
      s.channels_innermost = nhwc && channels_innermost_by_default(apart, anchor.get<ConvAttrs>(), target);
      if (s.channels_innermost) plan.rules[kernel.name].push_back("channels-innermost");
    }
    if (!kept.tiles.count(kernel.name) && nhwc &&
        widen_channel_tiles(s, anchor, graph.layers[kernel.anchor_output()].shape, apart, target))
      plan.rules[kernel.name].push_back("wide-tiles");
  }
}

}  // namespace kiln
