#include "schedule/KernelFamily.h"

namespace kiln {

KernelFamily family_of(const KernelSchedule& s, const Layer& anchor) {
  if (!s.autoschedule.empty()) return KernelFamily::Autoscheduled;
  if (s.vectorize == VectorAxis::Channels) {
    if (s.winograd) return KernelFamily::Winograd;
    if (windows_per_channel(anchor)) return KernelFamily::ChannelWindows;
    return channel_vectors_apply(anchor) ? KernelFamily::ChannelVectors : KernelFamily::ChannelTiles;
  }
  if (s.tile_channels > 1) return KernelFamily::WidthChannelTiles;
  if (s.tile_rows > 0) return KernelFamily::RowTiles;
  return KernelFamily::WidthVectors;
}

const char* family_name(KernelFamily family) {
  switch (family) {
    case KernelFamily::Autoscheduled: return "autoscheduled";
    case KernelFamily::Winograd: return "winograd";
    case KernelFamily::ChannelTiles: return "channel tiles";
    case KernelFamily::ChannelWindows: return "channel windows";
    case KernelFamily::ChannelVectors: return "channel vectors";
    case KernelFamily::WidthChannelTiles: return "width-channel tiles";
    case KernelFamily::RowTiles: return "row tiles";
    case KernelFamily::WidthVectors: return "width vectors";
  }
  return "";
}

bool channel_tiles_apply(const Layer& anchor, int vector_width) {
  if (!width_channel_tiles_apply(anchor)) return false;
  const ConvAttrs& conv = anchor.get<ConvAttrs>();
  return conv.groups == 1 || (conv.filters / conv.groups) % vector_width == 0;
}

bool channel_windows_apply(const Layer& anchor, int vector_width) {
  return windows_per_channel(anchor) && anchor.shape[1] % vector_width == 0;
}

int dot_product_width(Precision precision) {
  switch (precision) {
    case Precision::F32: return 1;
    case Precision::Bf16: return 2;
    case Precision::Int8: return 4;
  }
  return 1;
}

int dot_product_lanes(const KernelSchedule& s, const Layer& anchor) {
  int lanes = dot_product_width(s.precision);
  bool fits = s.dot_products && lanes > 1 && anchor.op == OpKind::Conv2d &&
              family_of(s, anchor) == KernelFamily::ChannelTiles && anchor.get<ConvAttrs>().channels_per_group % lanes == 0;
  return fits ? lanes : 1;
}

bool channel_vectors_apply(const Layer& anchor) {
  bool channel_norm = (anchor.op == OpKind::LayerNorm || anchor.op == OpKind::L2Norm) && anchor.shape.size() == 4;
  return is_elementwise(anchor.op) || is_channel_concat(anchor) || is_global_pool(anchor.op) ||
         anchor.op == OpKind::Pad || channel_norm;
}

bool width_channel_tiles_apply(const Layer& anchor) { return anchor.op == OpKind::Conv2d && !is_depthwise(anchor); }

const Window2d* window_of(const Layer& anchor) {
  switch (anchor.op) {
    case OpKind::Conv2d: return &anchor.get<ConvAttrs>().window;
    case OpKind::MaxPool:
    case OpKind::AvgPool: return &anchor.get<PoolAttrs>().window;
    default: return nullptr;
  }
}

int width_stride(const Layer& anchor) {
  const Window2d* window = window_of(anchor);
  return window ? window->stride_w : 1;
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

}  // namespace kiln
