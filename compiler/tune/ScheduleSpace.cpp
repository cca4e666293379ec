#include "tune/ScheduleSpace.h"

#include <algorithm>

#include "ops/Winograd.h"
#include "schedule/HeuristicConstants.h"
#include "schedule/ScheduleKeys.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {

std::vector<KernelSchedule> neighbours(const KernelSchedule& from, const Layer& anchor, const Shape& output,
                                       const TargetTraits& target, bool may_flatten) {
  std::vector<KernelSchedule> found;
  auto add = [&](KernelSchedule candidate) {
    if (candidate == from || !schedule_problem(candidate, anchor, output).empty()) return;
    if (candidate.flatten_pixels && !may_flatten) return;
    if (std::find(found.begin(), found.end(), candidate) == found.end()) found.push_back(candidate);
  };
  int lanes = target.vector_width;
  // Each key the table gives moves (ScheduleKeys.cpp), one at a time: the
  // integer keys' values, then the flags toggled.
  for (const ScheduleKey& key : schedule_keys())
    if (auto* count = std::get_if<int KernelSchedule::*>(&key.field); count && key.moves)
      for (int value : key.moves(from.**count, lanes)) {
        if (value < key.least) continue;
        KernelSchedule candidate = from;
        candidate.**count = value;
        add(candidate);
      }
  for (const ScheduleKey& key : schedule_keys())
    if (auto* flag = std::get_if<bool KernelSchedule::*>(&key.field); flag && key.toggled) {
      KernelSchedule candidate = from;
      candidate.**flag = !(from.**flag);
      add(candidate);
    }
  KernelSchedule other_axis = from;
  other_axis.vectorize = from.vectorize == VectorAxis::Width ? VectorAxis::Channels : VectorAxis::Width;
  other_axis.tile_width = other_axis.tile_channels = 1;
  other_axis.reduction_block = other_axis.tile_rows = 0;
  other_axis.unroll_tap_rows = other_axis.unroll_tiles = other_axis.flatten_pixels = false;
  other_axis.channels_innermost = other_axis.winograd = other_axis.channel_tasks = other_axis.row_tasks = false;
  other_axis.dot_products = false;
  add(other_axis);
  // Winograd's algorithm (3x3 stride-1 conv2d) with this register tile,
  // where its blocks of 4x4 pixels allow it: fields it takes none of reset.
  KernelSchedule winograd = from;
  winograd.vectorize = VectorAxis::Channels;
  winograd.winograd = true;
  winograd.tile_width = std::min<int64_t>(from.tile_width, winograd_blocks(output.back()));
  winograd.unroll_taps = winograd.unroll_tap_rows = winograd.unroll_tiles = winograd.channels_innermost = false;
  winograd.reduction_block = winograd.tile_rows = 0;
  winograd.flatten_pixels = winograd.dot_products = winograd.row_tasks = false;
  winograd.rows_per_task = 1;
  add(winograd);
  // Width tiles of channels (conv2d) are a register tile of their own, two
  // fields away from the others.
  KernelSchedule width_tiles = from;
  width_tiles.vectorize = VectorAxis::Width;
  width_tiles.vector_width = lanes;
  width_tiles.tile_width = 2;
  width_tiles.tile_channels = heuristic::register_tile_accumulators(target) / 2;
  width_tiles.reduction_block = width_tiles.tile_rows = 0;
  width_tiles.unroll_tap_rows = width_tiles.unroll_tiles = width_tiles.channels_innermost = false;
  width_tiles.winograd = width_tiles.channel_tasks = width_tiles.row_tasks = width_tiles.dot_products = false;
  add(width_tiles);
  return found;
}

std::vector<KernelSchedule> untried_near(const KernelSchedule& from,
                                         const std::function<bool(const KernelSchedule&)>& tried,
                                         const Layer& anchor, const Shape& output, const TargetTraits& target,
                                         bool may_flatten) {
  std::vector<KernelSchedule> near = neighbours(from, anchor, output, target, may_flatten), untried;
  for (const KernelSchedule& s : near)
    if (!tried(s)) untried.push_back(s);
  if (!untried.empty()) return untried;
  for (const KernelSchedule& n : near)
    for (const KernelSchedule& s : neighbours(n, anchor, output, target, may_flatten))
      if (!(s == from) && !tried(s) && std::find(untried.begin(), untried.end(), s) == untried.end())
        untried.push_back(s);
  return untried;
}

}  // namespace kiln
