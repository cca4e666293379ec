#include "codegen/Target.h"

#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "language/Diagnostics.h"

namespace kiln {

Halide::Target host_target() {
#if defined(__x86_64__) || defined(__i386__)
  using T = Halide::Target;
  unsigned a, b, c, d;
  T target(T::Linux, T::X86, sizeof(void*) * 8);
  if (!__get_cpuid(1, &a, &b, &c, &d)) return target;
  bool sse41 = c & (1u << 19), fma = c & (1u << 12), avx = c & (1u << 28), f16c = c & (1u << 29);
  bool avx2 = false, f = false, dq = false, ifma = false, cd = false, bw = false, vl = false, vbmi = false;
  bool vnni = false, fp16 = false, avx_vnni = false, bf16 = false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    avx2 = b & (1u << 5);
    f = b & (1u << 16);
    dq = b & (1u << 17);
    ifma = b & (1u << 21);
    cd = b & (1u << 28);
    bw = b & (1u << 30);
    vl = b & (1u << 31);
    vbmi = c & (1u << 1);
    vnni = c & (1u << 11);
    fp16 = d & (1u << 23);
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) {
      avx_vnni = a & (1u << 4);
      bf16 = a & (1u << 5);
    }
  }
  if (sse41) target.set_feature(T::SSE41);
  if (avx) target.set_feature(T::AVX);
  if (avx2) target.set_feature(T::AVX2);
  if (fma) target.set_feature(T::FMA);
  if (f16c) target.set_feature(T::F16C);
  if (f && cd) target.set_feature(T::AVX512);
  // Skylake's set brings VL and with it 32 usable vector registers.
  bool skylake = f && cd && bw && dq && vl;
  if (skylake) target.set_feature(T::AVX512_Skylake);
  bool cannonlake = skylake && ifma && vbmi;
  if (cannonlake) target.set_feature(T::AVX512_Cannonlake);
  // Sapphire Rapids' set brings vdpbf16ps and vpdpbusd. Halide 14 compiles
  // it for LLVM's sapphirerapids CPU, which may also use AVX-VNNI and
  // AVX512-FP16: Zen 4 and 5 lack the latter (a SIGILL on Zen 4, halide/Halide#7834).
  if (cannonlake && vnni && bf16 && avx_vnni && fp16) target.set_feature(T::AVX512_SapphireRapids);
  return target;
#else
  return Halide::get_host_target();
#endif
}

Halide::Target choose_target(const std::string& requested) {
  Halide::Target target;
  if (requested.empty() || requested == "host") {
    target = host_target();
  } else {
    if (!Halide::Target::validate_target_string(requested))
      throw UserError("error: invalid --target '" + requested +
                      "' (expected a Halide target such as host, x86-64-linux-avx2-fma or arm-64-linux)");
    target = Halide::Target(requested);
  }
#ifdef KILN_KERNEL_SANITIZER
  // A sanitizer build instruments the kernels too, unless told not to (big
  // networks in tests: instrumentation makes Halide's compile 20x slower).
  if (!std::getenv("KILN_UNINSTRUMENTED_KERNELS")) target.set_feature(Halide::Target::KILN_KERNEL_SANITIZER);
#endif
  return target.with_feature(Halide::Target::NoRuntime);
}

Halide::Target kernel_target(const Halide::Target& target, const KernelSchedule& schedule) {
  if (schedule.precision != Precision::F32) return target;
  return target.without_feature(Halide::Target::AVX512_SapphireRapids);
}

namespace {

// This CPU's L1 data cache way and L2 size from cpuid's cache descriptors
// (leaf 4 on Intel, 0x8000001D on AMD: type, level, ways, partitions, line
// size, sets); what it does not say keeps TargetTraits' values.
void read_caches(TargetTraits& traits) {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return;
  bool amd = b == 0x68747541;  // "Auth"enticAMD
  unsigned leaf = amd ? 0x8000001D : 4;
  unsigned highest = amd ? static_cast<unsigned>(__get_cpuid_max(0x80000000, nullptr)) : a;
  if (highest < leaf) return;
  for (unsigned index = 0; index < 8 && __get_cpuid_count(leaf, index, &a, &b, &c, &d); ++index) {
    unsigned type = a & 0x1F, level = (a >> 5) & 0x7;
    if (type == 0) break;  // no more caches
    int64_t ways = ((b >> 22) & 0x3FF) + 1, partitions = ((b >> 12) & 0x3FF) + 1, line = (b & 0xFFF) + 1,
            sets = int64_t{c} + 1;
    if (level == 1 && type == 1) traits.l1_way_bytes = partitions * line * sets;
    if (level == 2 && (type == 1 || type == 3)) traits.l2_bytes = ways * partitions * line * sets;
  }
#else
  (void)traits;
#endif
}

}  // namespace

TargetTraits schedule_traits(const Halide::Target& target) {
  TargetTraits traits;
  traits.vector_width = target.natural_vector_size<float>();
  traits.vector_registers = target.has_feature(Halide::Target::AVX512_Skylake) ? 32 : 16;
  traits.dot_products = target.has_feature(Halide::Target::AVX512_SapphireRapids);
  // Caches are this machine's to tell; another target keeps the defaults.
  if (target == choose_target("host")) read_caches(traits);
  return traits;
}

}  // namespace kiln
