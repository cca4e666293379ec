#include <HalideRuntime.h>

#include "kiln/kiln_runtime.h"

extern "C" void kiln_set_num_threads(int threads) { halide_set_num_threads(threads); }
