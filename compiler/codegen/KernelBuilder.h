#pragma once

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

#include "graph/Layer.h"
#include "plan/KernelFormation.h"
#include "plan/TensorLayouts.h"
#include "quant/QuantParams.h"
#include "schedule/Schedule.h"
#include "schedule/WeightLayout.h"

namespace kiln {

// One argument of a compiled kernel: a tensor of the graph or a weight.
struct KernelArgument {
  bool is_weight = false;
  int layer = -1;           // the tensor's producing layer (tensors), the weight's layer (weights)
  std::string weight;       // the weight's name (weights)
  std::vector<LayoutAxis> layout;  // weights: the schedule's layout of the (transformed) weight
  Shape shape;                     // the argument's shape (weights: in that layout)
  TensorLayout tensor_layout = TensorLayout::Nchw;  // tensors: how the tensor lies in memory
  WeightTransform transform = WeightTransform::AsStored;  // weights: computed from the stored weight first
  ElementType element = ElementType::F32;                 // as stored for the kernel (tensors: F32 or U8)
};

// A kernel's Halide pipeline with its schedule applied, ready to compile.
// Arguments: the input tensors, then the weights, then the output.
struct BuiltKernel {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> halide_arguments;  // without the output
  std::vector<KernelArgument> arguments;           // with the output, last
};

// With `apply` false, the schedule only sets the weights' layout, and every
// argument carries estimates instead, for an autoscheduler to schedule.
// `tail_in_place`: the output shares an operand's memory (InPlaceOutputs).
BuiltKernel build_kernel(const Graph& graph, const Kernel& kernel, const KernelSchedule& schedule,
                         const TensorLayouts& layouts, const QuantParams& quant, const TensorLevels& levels,
                         bool apply = true, bool tail_in_place = false);

// How a kernel with this schedule sees one of its tensors: with
// flatten_pixels, a tensor of the output's H x W as pixel_row(tensor); the
// others (broadcast [N, C, 1, 1] operands) as they are.
Shape kernel_view(const Shape& tensor, const Shape& output, const KernelSchedule& schedule);

// The kernel's arguments alone (what the glue needs), without building Halide IR.
std::vector<KernelArgument> kernel_arguments(const Graph& graph, const Kernel& kernel,
                                             const KernelSchedule& schedule, const TensorLayouts& layouts,
                                             const TensorLevels& levels);

// A tensor's strides in floats, Halide's order (innermost dimension first).
// NHWC keeps the logical dimensions (W, H, C, N) and puts C innermost.
std::vector<int64_t> tensor_strides(const Shape& shape, TensorLayout layout);

}  // namespace kiln
