#pragma once

#include <map>
#include <string>

namespace kiln {

// How one kernel (a layer, or a layer with the elementwise layers fused into
// it) is computed. Pure data: the algorithm never sees it, and the schedule
// file, the default heuristic and (later) the tuner all produce it.
struct KernelSchedule {
  // Pull the following elementwise layers (activations, batchnorm, clip,
  // add/mul) into this kernel, so that the intermediate never goes to memory.
  bool fuse = true;
  // Lanes of the innermost output dimension computed together (1: scalar).
  int vector_width = 1;
  // Spread the output's rows (every dimension but the innermost, fused) over
  // threads, `rows_per_task` rows to a task.
  bool parallel = false;
  int rows_per_task = 1;

  bool operator==(const KernelSchedule& other) const {
    return fuse == other.fuse && vector_width == other.vector_width && parallel == other.parallel &&
           rows_per_task == other.rows_per_task;
  }
};

// Schedules by kernel, keyed by the name of the kernel's first layer.
struct Schedule {
  std::string path;  // where it was read from, for messages
  std::map<std::string, KernelSchedule> kernels;
  std::map<std::string, int> lines;  // each section's line in `path`
};

}  // namespace kiln
