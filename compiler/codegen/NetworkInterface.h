#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/KernelBuilder.h"
#include "codegen/MemoryPlan.h"
#include "graph/Layer.h"
#include "plan/KernelFormation.h"

namespace kiln {

// What the glue and the header say about one compiled network.
struct NetworkInterface {
  const Graph& graph;
  const std::vector<Kernel>& kernels;
  const std::map<std::string, KernelSchedule>& schedules;  // by kernel name
  const TensorLayouts& layouts;
  const TensorLevels& levels;
  const MemoryPlan& memory;
  std::string spec_path;
  std::string target;
  std::string qparams_path;  // the quantization int8 kernels were compiled with ("" without)
  bool embedded_weights = false;
  uint64_t embedded_weights_size = 0;

  std::string kernel_symbol(size_t k) const { return graph.name + "_k" + std::to_string(k); }
  std::vector<KernelArgument> arguments(size_t k) const {
    return kernel_arguments(graph, kernels[k], schedules.at(kernels[k].name), layouts, levels);
  }
  // Whether every kernel that reads network input `layer` stays inside it,
  // so that runs read the caller's memory instead of a guarded copy.
  bool reads_in_place(int layer) const;
};

// A C identifier for a tensor name, for parameter names in the header.
std::string c_identifier(const std::string& name);

// NAME.h: plain C, every tensor's shape documented.
std::string write_header(const NetworkInterface& network);
// NAME_glue.c: the tables the runtime executes and NAME_create/run/destroy.
std::string write_glue(const NetworkInterface& network);
// NAME_weights.S: the weights file as read-only data, for --weights.
std::string write_weights_assembly(const std::string& network, const std::string& weights_path);

}  // namespace kiln
