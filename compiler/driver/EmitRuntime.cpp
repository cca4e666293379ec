// kiln-halide-runtime OUT.o: Halide's runtime for this machine's architecture
// and OS with no CPU features, linked once into libkiln_runtime.a.
#include <Halide.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kiln-halide-runtime OUT.o\n");
    return 2;
  }
  Halide::Target host = Halide::get_host_target();
  Halide::compile_standalone_runtime(argv[1], Halide::Target(host.os, host.arch, host.bits));
  return 0;
}
