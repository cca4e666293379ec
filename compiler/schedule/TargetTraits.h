#pragma once

#include <cstdint>

namespace kiln {

// What the schedule heuristic and the tuner need to know of the target
// (codegen/Target.h reads them from the Halide target, and the caches from
// cpuid where the target is this machine).
struct TargetTraits {
  int vector_width = 8;       // floats in a native vector
  int vector_registers = 16;  // 32 with AVX-512VL
  // One way of the L1 data cache: addresses this far apart share a set (4 KB
  // on AMD Zen 4/5 and Intel since Skylake: 48 KB of 12 ways, 32 KB of 8).
  int64_t l1_way_bytes = 4096;
  int64_t l2_bytes = int64_t{1} << 20;  // per core
  // vpdpbusd and vdpbf16ps (avx512_sapphirerapids): int8 channel tiles then
  // sum quads of input channels by default.
  bool dot_products = false;

  // AVX-512's 32 vector registers, where AVX2 has 16: room for wider register tiles.
  bool wide_register_file() const { return vector_registers >= 32; }
};

}  // namespace kiln
