#include "codegen/NetworkInterface.h"

#include <algorithm>

#include "schedule/ScheduleValidity.h"

namespace kiln {

bool NetworkInterface::reads_in_place(int layer) const {
  for (const Kernel& kernel : kernels) {
    bool reads = std::find(kernel.inputs.begin(), kernel.inputs.end(), layer) != kernel.inputs.end();
    if (reads && may_read_past_inputs(schedules.at(kernel.name), graph.layers[kernel.layers.front()])) return false;
  }
  return true;
}

}  // namespace kiln
