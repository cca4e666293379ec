#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kiln {

// Which output dimension a kernel computes in vector lanes.
enum class VectorAxis {
  Width,     // the innermost dimension (W for images): any op
  Channels,  // output channels, weights re-laid out channels-innermost at create (conv2d)
};

// How a kernel stores its output tensor in memory; kernels that read the
// tensor read it in that layout. Network inputs and outputs are NCHW.
enum class TensorLayout {
  Nchw,  // the user's layout
  Nhwc,  // channels innermost (4-D tensors): channel vectors store and load whole
};

// The arithmetic of a kernel's products.
enum class Precision {
  F32,   // f32 products, f32 sums
  Bf16,  // conv2d and dense: inputs and weights rounded to bf16, products summed in f32
  Int8,  // conv2d and dense: u8 inputs (the qparams' scale and zero point) times s8
         // weights (symmetric per output channel, at create), summed in s32
};

// How one kernel (a layer, or a layer with the elementwise layers fused into
// it) is computed. Pure data: the algorithm never sees it, and the schedule
// file, the default heuristic and (later) the tuner all produce it.
struct KernelSchedule {
  // Pull the following elementwise layers (activations, batchnorm, clip,
  // add/mul) into this kernel, so that the intermediate never goes to memory.
  bool fuse = true;
  // Also pull a maxpool or avgpool that reads the kernel's output (after
  // those elementwise layers) into a conv2d of channel tiles: threads take
  // rows_per_task of the pool's output rows (all, if fewer), and each
  // computes the convolution's rows they read as the pool moves down them,
  // in a buffer of the few rows its window spans, never the whole tensor.
  bool fuse_pool = false;
  VectorAxis vectorize = VectorAxis::Width;
  // Lanes computed together (1: scalar).
  int vector_width = 1;
  // With vectorize = channels: the register tile, tile_width output pixels
  // along the width by tile_channels vectors of output channels, accumulated
  // in registers over the whole reduction. With vectorize = width (conv2d):
  // tile_channels > 1 makes it tile_width vectors along the width by
  // tile_channels output channels, stored along the width untransposed.
  int tile_width = 1;
  int tile_channels = 1;
  // A 1x1 stride-1 convolution without padding (and the layers fused after
  // it) sees each image's H x W pixels as one row of H * W: width vectors
  // then fill whole, whatever the image's width.
  bool flatten_pixels = false;
  // With vectorize = width (conv2d, pooling): 0 reduces a row at a time in
  // memory; N > 0 accumulates register tiles of tile_width vectors along the
  // width by N output rows, which then share the input rows they load, and
  // spreads the channel planes over threads instead of the rows.
  int tile_rows = 0;
  // Unroll the kernel's taps: along the width inside a channel tile; along
  // both the width and the height with width vectors.
  bool unroll_taps = false;
  // With vectorize = channels: also unroll the kernel's rows of taps, and
  // unroll the loop over a row's register tiles. Tests of the padded border
  // then fold away in every tile but the rows at the image's edges.
  bool unroll_tap_rows = false;
  bool unroll_tiles = false;
  // With vectorize = channels: input channels reduced per pass over a row of
  // tiles (0: all at once). Blocks keep a pass's weights in L1; the partial
  // sums then live in a row buffer between passes.
  int reduction_block = 0;
  // With vectorize = channels: the reduction's innermost loop runs over the
  // input channels, then over the taps (weights re-laid out [K/B, kh, kw, C, B]).
  // An NHWC input then streams through each pixel's channels; with the taps
  // innermost, NHWC pixels a power of two apart fight over L1's sets.
  bool channels_innermost = false;
  // With vectorize = channels, a 3x3 stride-1 conv2d (groups 1, dilation 1)
  // by Winograd's F(4x4, 3x3): each 4x4 block of output pixels from 36
  // products per input channel instead of 144. Each input tile is transformed
  // (B^T d B), multiplied by the filter transforms (G g G^T, made once at
  // create) as 36 matrix products over the channels in register tiles of
  // tile_width blocks by tile_channels vectors of output channels, and the
  // sums transformed back (A^T m A). Threads take rows of blocks.
  bool winograd = false;
  // With winograd and parallel: threads take tiles of output channels
  // (vector_width x tile_channels), each over every block of the image,
  // after the input tiles are transformed in tasks of rows_per_task rows of
  // blocks: each filter transform is then read once a run, where tasks of
  // rows read them all once a task.
  bool channel_tasks = false;
  // With channel tiles (not winograd) and parallel: tasks go row by row, each
  // row's tiles of output channels in turn, so that each task writes (and a
  // fused residual add reads) whole rows of NHWC pixels, and every row reads
  // all the weights. Off, each tile of channels goes down the whole image
  // before the next: its weights are read once a run, but its pixels' channel
  // vectors lie a whole pixel apart.
  bool row_tasks = false;
  // Spread the output's rows (every dimension but the innermost, fused) over
  // threads, `rows_per_task` rows to a task.
  bool parallel = false;
  int rows_per_task = 1;
  // With vectorize = width and parallel off: spread the innermost dimension
  // over threads instead, vectors_per_task vectors to a task (0: no tasks).
  // A dense layer at batch 1 has one row; its work is along the units.
  int vectors_per_task = 0;
  // The output's layout in memory (4-D outputs that are not network outputs).
  TensorLayout layout = TensorLayout::Nchw;
  // bf16: the anchor's inputs and its weights (rounded once, at create) are
  // bf16, its products summed in f32. int8: its input is quantized to u8 with
  // the scale and zero point of the network's qparams, its weights to s8 per
  // output channel at create, its products summed in s32 and scaled back to
  // f32. Tensors between kernels stay f32.
  Precision precision = Precision::F32;
  // With channel tiles in bf16 (int8): sum the input channels in pairs
  // (quads), the products of each in one lane (weights [K/B, C/2, kh, kw, B,
  // 2] and [.., C/4, .., B, 4]), which targets with avx512_sapphirerapids
  // compute with vdpbf16ps (vpdpbusd).
  bool dot_products = false;
  // A Halide autoscheduler that schedules the kernel instead of the fields
  // above (adams2019, mullapudi2016 or li2018; "": Kiln's own schedule).
  // Only fuse, fuse_pool, precision and layout go with it; the weights keep their stored layout.
  std::string autoschedule;

  // Every key of the table (ScheduleKeys.h) equal.
  bool operator==(const KernelSchedule& o) const;
};

// A kernel that Halide's autoscheduler `plugin` schedules: the keys that go
// with an autoscheduler (fusion) from `kiln`, the output's layout `layout`,
// every other field at its default (so the weights keep their stored layout).
KernelSchedule autoscheduled(const std::string& plugin, const KernelSchedule& kiln, TensorLayout layout);

// Schedules by kernel, keyed by the name of the kernel's first layer.
struct Schedule {
  std::string path;  // where it was read from, for messages
  // Each section's keys over KernelSchedule{}'s values: what fusion reads,
  // and the schedule of a section that is afresh. A kernel's schedule
  // comes from section_over (ScheduleFile.h).
  std::map<std::string, KernelSchedule> kernels;
  std::map<std::string, int> lines;  // each section's line in `path`
  // Each section's `key = value` lines, in order.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> entries;
  // Whether the section of `kernel` sets `key`.
  bool sets(const std::string& kernel, const std::string& key) const {
    auto section = entries.find(kernel);
    if (section == entries.end()) return false;
    for (const auto& entry : section->second)
      if (entry.first == key) return true;
    return false;
  }
};

}  // namespace kiln
