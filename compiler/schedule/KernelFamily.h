#pragma once

#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// The loop nests Kiln's schedules build, one per family (docs/schedules.md).
// Which one a schedule means follows from its fields and the kernel's first
// layer: family_of decides it for the heuristic, the validity rules and the
// code that applies a schedule alike.
enum class KernelFamily {
  Autoscheduled,      // a Halide autoscheduler's loops
  Winograd,           // channel vectors, Winograd F(4x4, 3x3) over blocks of 4x4 pixels
  ChannelTiles,       // channel vectors: register tiles of pixels by channel vectors (conv2d)
  ChannelWindows,     // channel vectors of a pooling or depthwise conv2d over NHWC
  ChannelVectors,     // channel vectors of an elementwise kernel or a global pool over NHWC
  WidthChannelTiles,  // width vectors by output channels (conv2d, not depthwise)
  RowTiles,           // width vectors by output rows over padded planes (windows of stride 1)
  WidthVectors,       // width vectors a row at a time: every op
};

KernelFamily family_of(const KernelSchedule& schedule, const Layer& anchor);
const char* family_name(KernelFamily family);

// Whether channel tiles of `vector_width` lanes can compute the layer: a
// conv2d whose vectors of output channels each lie in one group (groups 1,
// or a group's filters a multiple of the vector), so that a tap's input is
// one broadcast value. Depthwise convolutions take channel windows.
bool channel_tiles_apply(const Layer& anchor, int vector_width);

// Whether channel windows of `vector_width` lanes can compute the layer: a
// pooling or depthwise conv2d whose channels the vector divides.
bool channel_windows_apply(const Layer& anchor, int vector_width);

// The input channels one lane of a dot-product instruction sums in
// `precision`: 2 for bf16 (vdpbf16ps), 4 for int8 (vpdpbusd), 1 for f32.
int dot_product_width(Precision precision);

// How many input channels a kernel sums in each lane of its reduction: 2
// (what vdpbf16ps sums) or 4 (vpdpbusd) with dot_products in channel tiles
// of a conv2d in bf16 or int8 whose channels per group divide by them; else 1.
int dot_product_lanes(const KernelSchedule& schedule, const Layer& anchor);

// Whether channel vectors without a window can compute the layer: an
// elementwise op, a concat along channels or a global pool, each output
// channel its input's own, or a 4-D layer_norm or l2_norm (over a pixel's
// channels).
bool channel_vectors_apply(const Layer& anchor);

// Whether width tiles of output channels can compute the layer: a conv2d
// that is not depthwise (each unrolled channel reads its own group's input).
bool width_channel_tiles_apply(const Layer& anchor);

// The sliding window of a convolution or pooling (nullptr for other ops).
const Window2d* window_of(const Layer& anchor);

// A windowed op's stride along the width (1 for the others).
int width_stride(const Layer& anchor);

// Whether flatten_pixels applies: a 1x1 stride-1 conv2d without padding.
bool pixels_flatten(const Layer& anchor);

// An [N, C, H, W] shape with its pixels in one row: [N, C, 1, H * W].
Shape pixel_row(const Shape& shape);

// The output's rows: every dimension but the innermost, multiplied.
int64_t output_rows(const Shape& output);

}  // namespace kiln
