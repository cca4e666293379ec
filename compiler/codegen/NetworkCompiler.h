#pragma once

#include <set>
#include <string>
#include <vector>

#include "codegen/KernelBuilder.h"
#include "graph/Layer.h"
#include "plan/SchedulePlan.h"
#include "schedule/Schedule.h"

namespace kiln {

struct CompileOptions {
  std::string spec_path;
  std::string out_dir;
  std::string target;        // "" or "host": this CPU
  std::string schedule_path; // "" for the default heuristic
  std::string weights_path;  // "" for weights loaded at create
  std::set<std::string> emit;  // stmt, assembly, llvm, schedule
  bool progress = false;     // show progress on the terminal
  // "" or a directory of compiled kernels, kept and reused by kernel,
  // schedule and target (kiln tune compiles one network with many schedules).
  std::string kernel_cache;
  Precision precision = Precision::F32;  // --precision: what kernels compute in where their section is silent
  std::string qparams_path;              // --qparams: the quantization int8 kernels read their inputs with
};

struct CompiledNetwork {
  std::string archive;  // DIR/NAME.a
  std::string header;   // DIR/NAME.h
  std::string target;   // the Halide target compiled for
  std::vector<std::string> kernels;  // kernel names, in the order they run
  std::vector<std::vector<int>> kernel_layers;  // each kernel's layers
  std::vector<KernelSchedule> kernel_schedules;  // each kernel's schedule, as compiled
  TensorLayouts layouts;                         // the tensors between kernels
};

// The whole back end: fusion, schedules, one Halide pipeline per kernel
// compiled in parallel, the glue, the header and the archive.
CompiledNetwork compile_network(const Graph& graph, const CompileOptions& options);

// The plan compile_network would compile for `target`: the schedule file
// (or auto:NAME) checked against the network, every schedule resolved and
// valid, without compiling. Throws UserError.
SchedulePlan plan_network(const Graph& graph, const std::string& schedule_path, const Halide::Target& target,
                          Precision precision = Precision::F32, const std::string& qparams_path = "");

// Checks a weights file against the graph (names, dtypes, shapes).
void check_weights_file(const Graph& graph, const std::string& path);

}  // namespace kiln
