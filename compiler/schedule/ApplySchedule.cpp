#include "schedule/ApplySchedule.h"

#include <algorithm>

#include "ops/Winograd.h"
#include "schedule/KernelFamily.h"

namespace kiln {
namespace {

// Vectorizes the innermost dimension of a reduction's every stage, keeping
// the vector innermost so that each tap is one vector multiply-add. Tails
// shift inwards (pure) or are predicated (updates, which are not idempotent),
// never rounded up past what the consumer needs: that would read past the inputs.
void vectorize_reduction(Halide::Func f, int width) {
  Halide::Var d0("d0"), lanes("lanes");
  f.vectorize(d0, width, Halide::TailStrategy::ShiftInwards);
  for (int i = 0; i < f.num_update_definitions(); ++i) {
    std::vector<Halide::VarOrRVar> order = {lanes};
    for (const Halide::RVar& r : f.rvars(i)) order.emplace_back(r);
    order.emplace_back(d0);
    f.update(i).split(d0, d0, lanes, width, Halide::TailStrategy::Predicate).vectorize(lanes).reorder(order);
  }
}

// Fuses `dims` (innermost first) into one loop of rows and spreads it over
// threads; returns the loop level at which one row of work is done.
Halide::LoopLevel rows_of(Halide::Func output, const std::vector<Halide::Var>& dims, const KernelSchedule& s,
                          Halide::TailStrategy tasks_tail = Halide::TailStrategy::Auto) {
  Halide::Var row = dims.front();
  for (size_t i = 1; i < dims.size(); ++i) {
    Halide::Var fused("row" + std::to_string(i));
    output.fuse(row, dims[i], fused);
    row = fused;
  }
  if (s.parallel) {
    Halide::Var task("task"), row_in_task("row_in_task");
    output.split(row, task, row_in_task, s.rows_per_task, tasks_tail).parallel(task);
    row = row_in_task;
  }
  return Halide::LoopLevel(output, row);
}

// Channel vectors of a kernel over a concat along channels, slice by slice
// of its operands (by_concat_operands): each slice a vector of its
// channels at a time, its rows of pixels spread over threads (a parallel
// loop per slice).
void apply_concat_slices(const KernelSchedule& s, Halide::Func output) {
  const auto guard = Halide::TailStrategy::GuardWithIf;
  Halide::Var x("d0"), y("d1"), n("d3"), row("row"), task("task"), row_in_task("row_in_task");
  for (int u = 0; u < output.num_update_definitions(); ++u) {
    Halide::RVar r = output.rvars(u).front(), ro(r.name() + "o"), ri(r.name() + "i");
    Halide::Stage slice = output.update(u);
    slice.split(r, ro, ri, s.vector_width, guard).reorder(ri, ro, x, y, n).vectorize(ri).fuse(y, n, row);
    if (s.parallel) slice.split(row, task, row_in_task, s.rows_per_task, guard).parallel(task);
  }
}

// Whether `f` has `dim` among its dimensions.
bool indexed_by(Halide::Func f, const Halide::Var& dim) {
  std::vector<Halide::Var> own = f.args();
  return std::any_of(own.begin(), own.end(), [&](const Halide::Var& v) { return v.name() == dim.name(); });
}

// Whether a reduction is indexed by every row dimension of `shape` (those
// but the innermost) that is wider than 1: one a layer norm computes over
// the channels is not, and computed at each row it would be computed again
// for every channel.
bool per_row(Halide::Func reduction, const std::vector<Halide::Var>& args, const Shape& shape) {
  for (size_t i = 1; i < args.size() && i < shape.size(); ++i)
    if (!indexed_by(reduction, args[i]) && shape[shape.size() - 1 - i] > 1) return false;
  return true;
}

// A reduction computed once, before the output: its outer dimensions fused
// into rows spread over threads (for its pure and update definitions alike).
void compute_before(Halide::Func reduction, const KernelSchedule& s) {
  reduction.compute_root();
  std::vector<Halide::Var> own = reduction.args();
  if (!s.parallel || own.size() < 2) return;
  std::vector<Halide::Stage> stages = {reduction};
  for (int i = 0; i < reduction.num_update_definitions(); ++i) stages.push_back(reduction.update(i));
  for (Halide::Stage stage : stages) {
    Halide::Var rows = own[1];
    for (size_t i = 2; i < own.size(); ++i) {
      Halide::Var fused(reduction.name() + "_rows" + std::to_string(i));
      stage.fuse(rows, own[i], fused);
      rows = fused;
    }
    stage.parallel(rows);
  }
}

// Vector lanes along the output's innermost dimension; every other dimension
// fused into parallel rows, reductions computed a row at a time (or, where
// they lack a row dimension, once before the rows).
void apply_width_vectors(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor, const Shape& shape) {
  std::vector<Halide::Var> args = output.args();
  Halide::LoopLevel rows = Halide::LoopLevel(output, Halide::Var::outermost());
  if (args.size() >= 2) rows = rows_of(output, std::vector<Halide::Var>(args.begin() + 1, args.end()), s);
  if (s.vectors_per_task > 0) {
    // Tasks of vectors along each row; the reductions are computed per task.
    Halide::Var task("vector_task"), lanes("lanes_in_task");
    output.split(args[0], task, lanes, s.vector_width * s.vectors_per_task).parallel(task);
    if (s.vector_width > 1) output.vectorize(lanes, s.vector_width);
    rows = Halide::LoopLevel(output, task);
  } else if (s.vector_width > 1) {
    output.vectorize(args[0], s.vector_width);
  }
  for (Halide::Func stage : anchor.staged) {
    compute_before(stage, s);
    if (s.vector_width > 1) stage.vectorize(stage.args()[0], s.vector_width);
  }
  for (Halide::Func reduction : anchor.reductions) {
    // A reduction over the output's own innermost dimension is computed for a
    // whole row, at least vector_width wide; others may be narrower.
    std::vector<Halide::Var> own = reduction.args();
    if (s.vector_width > 1 && !own.empty() && own[0].name() == args[0].name())
      vectorize_reduction(reduction, s.vector_width);
    if (per_row(reduction, args, shape))
      reduction.compute_at(rows);
    else
      compute_before(reduction, s);
    if (s.unroll_taps && reduction.num_update_definitions() > 0) {
      std::vector<Halide::RVar> taps = reduction.rvars(0);
      for (size_t i = 0; i < taps.size() && i < 2; ++i) reduction.update(0).unroll(taps[i]);
    }
  }
}

// Register tiles along the width: the output split into tiles of
// tile_width vectors along x by `extent` of `across` (into `outer` and an
// unrolled inner loop); `order` lists the loops outside the tile, innermost first.
void tile_output(Halide::Func output, const KernelSchedule& s, Halide::Var across, Halide::Var outer, int extent,
                 std::vector<Halide::VarOrRVar> order) {
  Halide::Var x("d0"), xo("xo"), xi("xi"), xv("xv"), inner(outer.name() + "_in_tile");
  const auto shift = Halide::TailStrategy::ShiftInwards;
  output.split(x, xo, xi, s.vector_width * s.tile_width, shift).split(across, outer, inner, extent, shift);
  order.insert(order.begin(), {xi, inner});
  output.reorder(order).split(xi, xi, xv, s.vector_width).vectorize(xv).unroll(xi).unroll(inner);
}

// A register tile's accumulator, computed at `at` over the whole reduction:
// tile_width vectors along the width by the extent of `across`, each tap one
// multiply-add per vector.
void accumulate_tile(Halide::Func acc, const KernelSchedule& s, Halide::Var across, Halide::LoopLevel at) {
  Halide::Var x("d0"), xi("xi"), xv("xv");
  acc.compute_at(at).store_in(Halide::MemoryType::Register);
  acc.split(x, xi, xv, s.vector_width).vectorize(xv).unroll(xi).unroll(across);
  std::vector<Halide::RVar> taps = acc.rvars(0);  // rx, ry (, rc)
  Halide::Stage update = acc.update(0);
  // The tile is exactly covered: no tails inside it.
  update.split(x, xi, xv, s.vector_width, Halide::TailStrategy::RoundUp).vectorize(xv).unroll(xi).unroll(across);
  std::vector<Halide::VarOrRVar> order = {xv, xi, across};
  for (const Halide::RVar& r : taps) order.emplace_back(r);
  update.reorder(order);
  if (s.unroll_taps)
    for (size_t i = 0; i < taps.size() && i < 2; ++i) update.unroll(taps[i]);
}

// A windowed op (depthwise or grouped convolution, pooling) as register
// tiles of tile_width vectors along the width by tile_rows output rows,
// accumulated in registers over the window, so that the rows of a tile share
// the input rows they load. Threads take whole channel planes, which leaves
// the loops over the image free for Halide to split the padded border off.
void apply_width_tiles(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor) {
  Halide::Var x("d0"), y("d1"), c("d2"), n("d3"), xo("xo"), yo("yo");
  tile_output(output, s, y, yo, s.tile_rows, {xo, yo, c, n});
  Halide::LoopLevel plane = rows_of(output, {c, n}, s);
  // A padded plane in L1 spares every tile at the border its bounds tests.
  Halide::Func padded = anchor.padded;
  if (padded.defined()) padded.compute_at(plane).vectorize(x, s.vector_width);
  accumulate_tile(anchor.reductions.front(), s, y, Halide::LoopLevel(output, xo));
}

// A convolution as register tiles of tile_width vectors along the width by
// tile_channels output channels, accumulated in registers over every input
// channel and tap: each input vector loaded is multiplied by tile_channels
// broadcast weights (consecutive, in blocks of the tile's channels), and the
// tile is stored along the width as it is, untransposed. Threads take pixel
// tiles, so that a tile's input stays in L1 while every block of output
// channels reads it.
void apply_width_channel_tiles(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor) {
  Halide::Var y("d1"), k("d2"), n("d3"), xo("xo"), ko("ko");
  tile_output(output, s, k, ko, s.tile_channels, {ko, xo, y, n});
  rows_of(output, {xo, y, n}, s);
  accumulate_tile(anchor.reductions.front(), s, k, Halide::LoopLevel(output, ko));
}

// A channel tile's update loops, innermost first: `tile`, the reduction over
// the taps (rx, ry) and `channels` in the schedule's order, then `outer`.
std::vector<Halide::VarOrRVar> tile_reduction_order(std::vector<Halide::VarOrRVar> tile, Halide::RVar rx,
                                                    Halide::RVar ry, Halide::RVar channels,
                                                    const std::vector<Halide::VarOrRVar>& outer,
                                                    const KernelSchedule& s) {
  if (s.channels_innermost) tile.push_back(channels);
  tile.insert(tile.end(), {rx, ry});
  if (!s.channels_innermost) tile.push_back(channels);
  tile.insert(tile.end(), outer.begin(), outer.end());
  return tile;
}

// A convolution as register tiles: tile_width output pixels by tile_channels
// vectors of output channels, accumulated in registers over every input
// channel and tap (a broadcast input value times weight vectors, with the
// weights re-laid out in blocks of the tile's channels), then stored. Its
// rows of tiles are one loop (rows innermost, or with row_tasks the tiles of
// channels), or with `nested_rows` (a region whose extent is not known when
// compiling: a fused pool's rows) a loop per dimension, which keeps every
// tile's extent known.
void apply_channel_tiles(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor,
                         bool nested_rows = false) {
  Halide::Var x("d0"), y("d1"), k("d2"), n("d3");
  Halide::Var xo("xo"), xi("xi"), ko("ko"), ki("ki"), kv("kv"), kt("kt");
  int tile = s.vector_width * s.tile_channels;
  const auto shift = Halide::TailStrategy::ShiftInwards;
  output.split(k, ko, ki, tile, shift).split(x, xo, xi, s.tile_width, shift);
  std::vector<Halide::Var> rows = {y, ko, n};
  if (s.row_tasks) std::swap(rows[0], rows[1]);
  if (s.layout == TensorLayout::Nhwc) {
    // Stored as computed: each channel vector one dense store.
    output.reorder(ki, xi, xo, rows[0], rows[1], n).split(ki, kt, kv, s.vector_width);
    output.vectorize(kv).unroll(kt).unroll(xi);
  } else {
    // Stored along the width (the tile transposed in registers): storing
    // channel vectors into NCHW would scatter every lane.
    output.reorder(xi, ki, xo, rows[0], rows[1], n).vectorize(xi).unroll(ki);
  }
  Halide::LoopLevel row = nested_rows ? Halide::LoopLevel(output, y) : rows_of(output, rows, s);
  if (s.unroll_tiles) output.unroll(xo);

  Halide::Func acc = anchor.reductions.front();
  std::vector<Halide::RVar> taps = acc.rvars(0);  // rx, ry, rc (after the channel in a pair or quad, with dot_products)
  Halide::Stage update = acc.update(0);
  // Channel pairs (bf16) or quads (int8): each lane sums their products,
  // vectorized with the output channels into one vdpbf16ps or vpdpbusd
  // (atomic: the pair's lanes add into one accumulator).
  std::vector<Halide::VarOrRVar> pair;
  if (taps.size() == 4) {
    pair.push_back(taps.front());
    taps.erase(taps.begin());
    update.atomic();
  }
  auto in_tile = [&](std::vector<Halide::VarOrRVar> tile) {
    tile.insert(tile.begin(), pair.begin(), pair.end());
    return tile;
  };
  // Updates are not idempotent: their tails are guarded, never shifted.
  const auto guard = Halide::TailStrategy::GuardWithIf;
  acc.reorder_storage(k, x, y, n);
  acc.split(k, kt, kv, s.vector_width, shift).reorder(kv, kt, x).vectorize(kv).unroll(kt);
  if (s.reduction_block == 0) {
    // The whole reduction per tile: the tile never leaves registers.
    acc.compute_at(output, xo).store_in(Halide::MemoryType::Register).unroll(x);
    update.split(k, kt, kv, s.vector_width, guard)
        .reorder(tile_reduction_order(in_tile({kv, kt, x}), taps[0], taps[1], taps[2], {y, n}, s));
  } else {
    // A row of tiles at a time, reduction_block input channels per pass over
    // it, so that a pass's weights stay in L1; partial sums wait in the row.
    // With pairs (quads), a pass takes reduction_block / 2 (4) of them.
    Halide::RVar rco("rco"), rci("rci");
    acc.compute_at(row);
    int dot = pair.empty() ? 1 : dot_product_width(s.precision);
    int block = std::max(1, s.reduction_block / dot);
    update.split(taps[2], rco, rci, block, guard)
        .split(x, xo, xi, s.tile_width, guard)
        .split(k, ko, ki, tile, guard)
        .split(ki, kt, kv, s.vector_width, guard)
        .reorder(tile_reduction_order(in_tile({kv, kt, xi}), taps[0], taps[1], rci, {xo, ko, rco, y, n}, s));
  }
  if (!pair.empty()) update.vectorize(pair.front().rvar);
  update.vectorize(kv).unroll(kt).unroll(s.reduction_block == 0 ? x : xi);
  if (s.unroll_taps) update.unroll(taps[0]);
  if (s.unroll_tap_rows) update.unroll(taps[1]);
}

// Channel tiles whose output takes the memory of an operand of the tail (the
// layers fused after the anchor): the tiles compute the anchor's output one
// row of a tile of channels at a time, where shifted tiles compute some pixels
// twice, then the tail reads that row and the operand's, each element once,
// in vectors of channels. Such kernels go row by row (row_tasks: a row's
// tiles of channels in turn). Tasks that do not divide the rows are guarded,
// not shifted, for the same reason.
void apply_tail_in_place(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor) {
  Halide::Var x("d0"), y("d1"), k("d2"), n("d3"), ko("ko"), ki("ki"), kv("kv"), kt("kt");
  output.split(k, ko, ki, s.vector_width * s.tile_channels)
      .split(ki, kt, kv, s.vector_width)
      .reorder(kv, kt, x, ko, y, n)
      .vectorize(kv)
      .unroll(kt);
  Halide::LoopLevel row = rows_of(output, {ko, y, n}, s, Halide::TailStrategy::GuardWithIf);
  Halide::Func tiles = anchor.output;
  apply_channel_tiles(s, tiles, anchor, true);
  tiles.reorder_storage(k, x, y, n).compute_at(row);
}

// Pooling or a depthwise convolution as register tiles of tile_width pixels
// by one vector of channels, reduced over the window in registers: over NHWC
// each tap is one dense vector load (times one vector of weights, laid out
// [kh, kw, C]), and the tile stores as it is. The caller spreads the rows.
void tile_channel_windows(const KernelSchedule& s, Halide::Func output, Halide::Func acc) {
  Halide::Var x("d0"), y("d1"), c("d2"), n("d3"), xo("xo"), xi("xi"), co("co"), ci("ci");
  const auto shift = Halide::TailStrategy::ShiftInwards;
  output.split(c, co, ci, s.vector_width, shift)
      .split(x, xo, xi, s.tile_width, shift)
      .reorder(ci, xi, co, xo, y, n)
      .vectorize(ci)
      .unroll(xi);
  acc.compute_at(output, co).store_in(Halide::MemoryType::Register).reorder_storage(c, x, y, n);
  acc.vectorize(c).unroll(x);
  std::vector<Halide::RVar> taps = acc.rvars(0);  // rx, ry (, rc of extent 1)
  Halide::Stage update = acc.update(0);
  // The tile is exactly covered: no tails inside it.
  update.reorder(c, x, taps[0], taps[1]).vectorize(c).unroll(x);
  if (s.unroll_taps)
    for (const Halide::RVar& tap : taps) update.unroll(tap);
}

// Threads take output rows.
void apply_channel_windows(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor) {
  tile_channel_windows(s, output, anchor.reductions.front());
  rows_of(output, {Halide::Var("d1"), Halide::Var("d3")}, s);
}

// A norm's sums over a pixel's channels (sums(x, y, n)), computed at each
// pixel: vector_width partial sums a vector of channels at a time, then one
// horizontal sum of the lanes.
void sum_channels_at(Halide::Func sums, Halide::Func output, Halide::Var pixel, int lanes) {
  Halide::RVar r = sums.rvars(0).front(), ro("ro"), ri("ri");
  Halide::Var lane("lane");
  sums.compute_at(output, pixel);
  Halide::Func partial = sums.update(0).split(r, ro, ri, lanes, Halide::TailStrategy::GuardWithIf).rfactor(ri, lane);
  partial.compute_at(output, pixel).store_in(Halide::MemoryType::Register).vectorize(lane);
  partial.update(0).vectorize(lane);
  sums.update(0).atomic().vectorize(ri);
}

// A global pool's sums(c, n) over the image, every channel vector of a
// pixel in turn (NHWC pixels read in order). With tasks, threads sum bands
// of rows_per_task input rows apart (rfactor), then the bands are added.
void sum_image(Halide::Func sums, const KernelSchedule& s) {
  const auto guard = Halide::TailStrategy::GuardWithIf;
  Halide::Var channel = sums.args().front(), n = sums.args().back(), band("band"), task("task"), vo("vo"), vi("vi");
  Halide::RVar rx = sums.rvars(0)[0], ry = sums.rvars(0)[1], ryo("ryo"), ryi("ryi");
  sums.compute_root().vectorize(channel, s.vector_width, guard);
  Halide::Func partial = sums;
  if (s.parallel) {
    partial = sums.update(0).split(ry, ryo, ryi, s.rows_per_task).rfactor(ryo, band);
    partial.compute_root().vectorize(channel, s.vector_width, guard);
    sums.update(0).vectorize(channel, s.vector_width, guard);
    ry = ryi;
  }
  Halide::Stage update = partial.update(0);
  update.split(channel, vo, vi, s.vector_width, guard).vectorize(vi);
  if (s.parallel)
    update.reorder(vi, vo, rx, ry, band, n).fuse(band, n, task).parallel(task);
  else
    update.reorder(vi, vo, rx, ry, n);
}

// An elementwise kernel, a global pool or a norm over the channels a vector
// of channels at a time: over NHWC each vector is one dense load and store,
// a global pool sums its image first (sum_image), and a norm's sums over the
// channels are computed at each pixel. Threads take rows.
void apply_channel_vectors(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor) {
  Halide::Var x("d0"), y("d1"), c("d2"), n("d3"), co("co"), ci("ci");
  output.split(c, co, ci, s.vector_width, Halide::TailStrategy::ShiftInwards).reorder(ci, co, x, y, n).vectorize(ci);
  for (Halide::Func sums : anchor.reductions) {
    if (!indexed_by(sums, c)) {  // a norm's, over the channels: sums(x, y, n)
      sum_channels_at(sums, output, x, s.vector_width);
      continue;
    }
    sum_image(sums, s);
    return;  // its output is one pixel; its tasks were bands of the image
  }
  rows_of(output, {y, n}, s);
}

// Winograd F(4x4, 3x3) (see WinogradConv.cpp). Threads take tasks of
// rows_per_task rows of 4x4 output blocks: a task's input tiles are
// transformed into a buffer, a vector of input channels at a time; the 36
// matrix products with the filter transforms run in register tiles of
// tile_width blocks by tile_channels vectors of output channels, reduced over
// every input channel, into a buffer of the task's sums (each task reads
// every filter transform once); each block is then transformed back a vector
// of output channels at a time, and stored as channel vectors. With
// channel_tasks, threads take tiles of output channels over the whole image
// instead, after all input tiles are transformed (in tasks of rows).
void apply_winograd(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor, const Layer& layer) {
  Halide::Func rows_in = anchor.winograd[0], tiles = anchor.winograd[1], sums = anchor.winograd[2],
               rows_out = anchor.winograd[3];
  Halide::Var x("d0"), y("d1"), k("d2"), n("d3"), bx("bx"), by("by"), p("p"), q("q"), kb("kb");
  Halide::Var task("task"), tasks("tasks"), row("row");
  Halide::Var ko("ko"), ki("ki"), kt("kt"), kv("kv"), bxo("bxo"), bxi("bxi"), co("co"), cv("cv");
  const auto shift = Halide::TailStrategy::ShiftInwards;
  const auto guard = Halide::TailStrategy::GuardWithIf;  // blocks past the image's edge are not stored
  int tile = s.vector_width * s.tile_channels;
  int64_t block_rows = winograd_blocks(layer.shape[2]), blocks_per_row = winograd_blocks(layer.shape[3]);
  output.split(y, by, p, kWinogradBlock, guard).split(x, bx, q, kWinogradBlock, guard);
  Halide::LoopLevel at = Halide::LoopLevel(output, Halide::Var::outermost());
  int64_t blocks_at = layer.shape[0] * block_rows * blocks_per_row, channels_at = layer.shape[1];
  if (s.channel_tasks) {
    output.split(k, kb, ki, tile, shift).split(ki, ko, kv, s.vector_width, shift);
    output.reorder(kv, q, p, ko, bx, by, kb, n).fuse(kb, n, tasks).parallel(tasks);
    at = Halide::LoopLevel(output, tasks);
    blocks_at = block_rows * blocks_per_row;
    channels_at = tile;
  } else {
    output.split(k, ko, kv, s.vector_width, shift).reorder(kv, q, p, ko, bx, by, n);
    if (s.parallel) {
      // Split before fusing with the images, so that a task's rows stay an
      // interval that bounds inference can see.
      output.split(by, task, row, s.rows_per_task, shift).fuse(task, n, tasks).parallel(tasks);
      at = Halide::LoopLevel(output, tasks);
      blocks_at = s.rows_per_task * blocks_per_row;
    }
  }
  output.vectorize(kv).unroll(q).unroll(p);
  // Buffers up to 256 KB on the stack (two a task, well inside a thread's
  // stack): on the heap, those of 128 KB and more come from mmap, and their
  // pages fault in again at every task.
  auto buffer = [](int64_t floats) {
    return floats * 4 <= (256 << 10) ? Halide::MemoryType::Stack : Halide::MemoryType::Auto;
  };

  constexpr int64_t kProducts = kWinogradTile * kWinogradTile;  // a tile's values, each one matrix product
  std::vector<Halide::Var> t = tiles.args();  // c, xi, nu, bx, by, n
  int input_channels = layer.get<ConvAttrs>().channels_per_group;
  if (s.channel_tasks) {
    tiles.compute_root().split(t[4], task, row, s.rows_per_task, shift).fuse(task, t[5], tasks).parallel(tasks);
  } else {
    tiles.compute_at(at).store_in(buffer(kProducts * input_channels * blocks_at));
  }
  tiles.split(t[0], co, cv, s.vector_width, shift).reorder(cv, t[1], t[2], co, t[3]).vectorize(cv).unroll(t[1]).unroll(t[2]);
  std::vector<Halide::Var> r = rows_in.args();  // c, xi, j, bx, by, n
  rows_in.compute_at(tiles, co).vectorize(r[0], s.vector_width).unroll(r[1]).unroll(r[2]);

  std::vector<Halide::Var> m = sums.args();  // k, xi, nu, bx, by, n
  Halide::Func stored = sums.in();
  stored.compute_at(at)
      .store_in(buffer(kProducts * channels_at * blocks_at))
      .split(m[0], ko, ki, tile, shift)
      .split(ki, kt, kv, s.vector_width)
      .split(m[3], bxo, bxi, s.tile_width, shift)
      .reorder(kv, kt, bxi, ko, bxo, m[4], m[2], m[1], m[5])
      .vectorize(kv)
      .unroll(kt)
      .unroll(bxi);
  sums.compute_at(stored, ko).store_in(Halide::MemoryType::Register);
  sums.split(m[0], kt, kv, s.vector_width).vectorize(kv).unroll(kt).unroll(m[3]);
  Halide::RVar channels = sums.rvars(0).front();
  sums.update(0)
      .split(m[0], kt, kv, s.vector_width)
      .reorder(kv, kt, m[3], channels, m[1], m[2], m[4], m[5])
      .vectorize(kv)
      .unroll(kt)
      .unroll(m[3]);

  std::vector<Halide::Var> o = rows_out.args();  // k, p, nu, bx, by, n
  rows_out.compute_at(output, ko).vectorize(o[0], s.vector_width).unroll(o[1]).unroll(o[2]);
}

// An int8 kernel's quantized input, computed once per run ahead of the
// reduction, each pixel's channels contiguous (a channel quad is then one
// load), threads taking rows of it.
void stage_quantized(Halide::Func quantized, const KernelSchedule& s) {
  if (!quantized.defined()) return;
  std::vector<Halide::Var> v = quantized.args();
  quantized.compute_root();
  if (v.size() == 4) {
    quantized.reorder_storage(v[2], v[0], v[1], v[3]).reorder(v[2], v[0], v[1], v[3]).parallel(v[1]);
    if (s.vector_width > 1) quantized.vectorize(v[2], s.vector_width, Halide::TailStrategy::GuardWithIf);
  } else if (s.vector_width > 1) {
    quantized.vectorize(v[0], s.vector_width, Halide::TailStrategy::GuardWithIf);
  }
}

}  // namespace

void apply_pooled_schedule(const KernelSchedule& s, Halide::Func output, const LayerFuncs& pool, Halide::Func conv,
                           const LayerFuncs& anchor, const Shape& pooled) {
  KernelSchedule inner = s;
  inner.layout = TensorLayout::Nhwc;  // the pool loads channel vectors
  stage_quantized(anchor.quantized, s);
  apply_channel_tiles(inner, conv, anchor, true);
  Halide::Var x("d0"), y("d1"), c("d2"), n("d3"), task("task"), row("row"), tasks("tasks");
  conv.reorder_storage(c, x, y, n);

  KernelSchedule window = s;
  window.tile_width = static_cast<int>(std::min<int64_t>(s.tile_width, pooled[3]));
  tile_channel_windows(window, output, pool.reductions.front());
  Halide::LoopLevel store = Halide::LoopLevel(output, Halide::Var::outermost()), compute = Halide::LoopLevel(output, y);
  if (s.parallel) {
    // Split before fusing with the images: a task's rows stay an interval,
    // along which Halide slides the convolution's rows.
    int rows = static_cast<int>(std::min<int64_t>(s.rows_per_task, pooled[2]));
    output.split(y, task, row, rows, Halide::TailStrategy::ShiftInwards).fuse(task, n, tasks).parallel(tasks);
    store = Halide::LoopLevel(output, tasks);
    compute = Halide::LoopLevel(output, row);
  }
  conv.store_at(store).compute_at(compute);
}

bool computes_by_slices(const KernelSchedule& s, const LayerFuncs& anchor, const Layer& layer) {
  return family_of(s, layer) == KernelFamily::ChannelVectors && !anchor.slices.empty();
}

void apply_schedule(const KernelSchedule& s, Halide::Func output, const LayerFuncs& anchor, const Layer& layer,
                    bool tail_in_place) {
  stage_quantized(anchor.quantized, s);
  switch (family_of(s, layer)) {
    case KernelFamily::Winograd: return apply_winograd(s, output, anchor, layer);
    case KernelFamily::ChannelWindows: return apply_channel_windows(s, output, anchor);
    case KernelFamily::ChannelVectors:
      return computes_by_slices(s, anchor, layer) ? apply_concat_slices(s, output) : apply_channel_vectors(s, output, anchor);
    case KernelFamily::ChannelTiles:
      return tail_in_place ? apply_tail_in_place(s, output, anchor) : apply_channel_tiles(s, output, anchor);
    case KernelFamily::WidthChannelTiles: return apply_width_channel_tiles(s, output, anchor);
    case KernelFamily::RowTiles: return apply_width_tiles(s, output, anchor);
    case KernelFamily::WidthVectors:
    case KernelFamily::Autoscheduled:  // not applied: the autoscheduler schedules the pipeline
      return apply_width_vectors(s, output, anchor, layer.shape);
  }
}

}  // namespace kiln
