#pragma once

namespace kiln {

// The fp32 multiply-add throughput this machine reaches right now, measured
// with an FMA loop on `threads` threads (the widest vectors the CPU has, 24
// independent accumulators each). The ceiling for "% of peak", and a canary:
// a shared machine that lost a core for a moment measures low.
double measure_fma_peak_gflops(int threads, double seconds = 0.05);

}  // namespace kiln
