#pragma once

#include <string>
#include <vector>

#include "graph/Layer.h"
#include "schedule/Schedule.h"

namespace kiln {

// A group of layers compiled as one Halide pipeline: a first layer and the
// elementwise layers fused after it. Its output is its last layer's.
struct Kernel {
  std::string name;          // the first layer's name, which keys its schedule
  std::vector<int> layers;   // in definition order
  std::vector<int> inputs;   // tensors read from outside the kernel, by first use
  int output() const { return layers.back(); }
};

// Groups the graph's layers into kernels, in an order in which every kernel's
// inputs are ready. A layer joins its producer's kernel when it is
// elementwise, reads the kernel's output as its first operand, is that
// output's only reader, the kernel's schedule allows fusion, and the kernel
// has fewer than 16 layers.
std::vector<Kernel> form_kernels(const Graph& graph, const Schedule& schedule);

// Why the kernel's tensors cannot have their pixels flattened into one row
// (flatten_pixels), or "": an operand broadcast along only one of H and W
// would mean another thing.
std::string flatten_problem(const Graph& graph, const Kernel& kernel);

}  // namespace kiln
