#pragma once

#include <map>
#include <string>
#include <vector>

#include "plan/KernelFormation.h"
#include "plan/TensorLayouts.h"
#include "quant/QuantParams.h"
#include "schedule/Schedule.h"

namespace kiln {

// Everything compiling a network decides before Halide sees it: the
// kernels, each kernel's schedule, the layouts of the tensors between
// them, and why each schedule is what it is.
struct SchedulePlan {
  std::vector<Kernel> kernels;                       // in the order they run
  std::map<std::string, KernelSchedule> schedules;   // by kernel name
  TensorLayouts layouts;
  // By kernel: the default rules that chose and refined its schedule
  // (docs/default-schedule.md's names), and what its section in the
  // schedule file did ("FILE:LINE sets KEYS", "FILE:LINE (afresh)").
  std::map<std::string, std::vector<std::string>> rules;
  std::map<std::string, std::string> sections;
  // The quantization of the tensors that int8 kernels read.
  QuantParams quant;
  TensorLevels levels;
};

}  // namespace kiln
