#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/Layer.h"
#include "schedule/Schedule.h"
#include "schedule/TargetTraits.h"

namespace kiln {

// A group of layers compiled as one Halide pipeline: a first layer and the
// elementwise layers fused after it. Its output is its last layer's.
struct Kernel {
  std::string name;          // the first layer's name, which keys its schedule
  std::vector<int> layers;   // in definition order
  std::vector<int> inputs;   // tensors read from outside the kernel, by first use
  bool pooled = false;       // the last layer is a pooling fused in (fuse_pool)
  int output() const { return layers.back(); }
  // The tensor the first layer's schedule computes: the output, or the
  // fused pool's input.
  int anchor_output() const { return pooled ? layers[layers.size() - 2] : layers.back(); }
};

// The kernel's work: its layers' FLOPs, saturating.
int64_t kernel_flops(const Graph& graph, const Kernel& kernel);

// By layer: the index of the last kernel that reads its tensor (0 where none does).
std::vector<size_t> last_readers(const Graph& graph, const std::vector<Kernel>& kernels);

// Groups the graph's layers into kernels, in an order in which every kernel's
// inputs are ready. A layer joins its producer's kernel when it is
// elementwise, reads the kernel's output as its first operand, is that
// output's only reader, the kernel's schedule allows fusion, and the kernel
// has fewer than 16 layers. A maxpool or avgpool that is the only reader of
// a kernel's output ends the kernel when the kernel's section sets fuse_pool
// = true or, without that key and without a section of the pool's own, where
// pool_fuses_by_default says so of the kernel's schedule for `target`.
std::vector<Kernel> form_kernels(const Graph& graph, const Schedule& schedule, const TargetTraits& target);

// Why the kernel's tensors cannot have their pixels flattened into one row
// (flatten_pixels), or "": an operand broadcast along only one of H and W
// would mean another thing.
std::string flatten_problem(const Graph& graph, const Kernel& kernel);

}  // namespace kiln
