#include "plan/TensorLayouts.h"

namespace kiln {

TensorLayouts tensor_layouts(const std::vector<Kernel>& kernels, const std::map<std::string, KernelSchedule>& schedules) {
  TensorLayouts layouts;
  for (const Kernel& kernel : kernels) layouts[kernel.output()] = schedules.at(kernel.name).layout;
  return layouts;
}

TensorLayout layout_of(const TensorLayouts& layouts, int layer) {
  auto layout = layouts.find(layer);
  return layout == layouts.end() ? TensorLayout::Nchw : layout->second;
}

}  // namespace kiln
