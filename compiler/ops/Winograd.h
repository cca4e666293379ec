#pragma once

#include <cstdint>

#include "graph/Layer.h"

namespace kiln {

// Winograd's F(4x4, 3x3) (WinogradConv.cpp): blocks of 4x4 output pixels,
// each from a 6x6 input tile.
constexpr int kWinogradBlock = 4;
constexpr int kWinogradTile = 6;

// Whether it computes this layer: a 3x3 conv2d with stride 1, dilation 1 and groups = 1.
bool winograd_applies(const Layer& anchor);

// The blocks that cover `pixels` along one axis (the last one may reach past it).
inline int64_t winograd_blocks(int64_t pixels) { return (pixels + kWinogradBlock - 1) / kWinogradBlock; }

}  // namespace kiln
