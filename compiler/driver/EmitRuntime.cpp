// kiln-halide-runtime OUT.o: Halide's runtime for this machine's architecture
// and OS with no CPU features (but a sanitizer build's), linked once into
// libkiln_runtime.a.
#include <Halide.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-halide-runtime OUT.o\n");
    return 2;
  }
  Halide::Target host = Halide::get_host_target();
  Halide::Target target(host.os, host.arch, host.bits);
#ifdef KILN_KERNEL_SANITIZER
  target.set_feature(Halide::Target::KILN_KERNEL_SANITIZER);
#endif
  Halide::compile_standalone_runtime(argv[1], target);
  return 0;
}
