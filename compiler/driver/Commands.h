#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/NetworkCompiler.h"
#include "graph/Layer.h"

namespace kiln {

// Reads, parses and checks a .kiln file; a SpecError is rendered as
// FILE:LINE:COL with the line and a caret, then rethrown as a UserError.
Graph load_network(const std::string& path);

// Assigns [NAME=]FILE arguments to `tensors` (a network's inputs or outputs,
// called `role`s in messages): by name, the rest in order. Throws UserError.
std::map<int, std::string> assign_files(const Graph& graph, const std::vector<int>& tensors,
                                        const std::vector<std::string>& args, const char* role);

struct CheckOptions {
  std::string spec, weights, schedule, target;
  bool print_schedule = false;  // print the resolved schedules (a schedule file) instead of the layers
  Precision precision = Precision::F32;
  std::string qparams;
};
int check_command(const CheckOptions& options);
int compile_command(const CompileOptions& options);

// What the commands that compile and then execute a network take.
struct NetworkOptions {
  std::string spec, weights, target, schedule, qparams;
  Precision precision = Precision::F32;
  // Compiling for this machine, with progress when stderr is a terminal.
  CompileOptions compile_options(bool progress) const;
};

struct RunOptions : NetworkOptions {
  std::vector<std::string> inputs, outputs;  // [NAME=]FILE.npy
};
int run_command(const RunOptions& options);

struct BenchOptions : NetworkOptions {
  bool json = false;
  int warmup = 3;            // runs before timing
  int repeats = 10;          // at least this many timed runs...
  double min_seconds = 1.0;  // ...and at least this long in all
};
int bench_command(const BenchOptions& options);

struct TuneOptions : NetworkOptions {
  double budget_seconds = 60;
  int max_rounds = 0;  // 0: as many as the budget allows
  std::string out, log;
  int shard_index = 0, shard_count = 1;  // --shard I/N
  int repeats = 7;                       // profiled runs per candidate
  double timeout_seconds = 60;           // longest a round's measurement may take
  unsigned seed = 1;
};
int tune_command(const TuneOptions& options);

struct QuantizeOptions : NetworkOptions {
  std::vector<std::string> calibrate;  // [NAME=]X.npy: samples stacked along each input's first axis
  std::string out;
  std::string method = "minmax";  // or percentile
  double percentile = 99.99;
};
int quantize_command(const QuantizeOptions& options);

struct ImportOptions {
  std::string model, out_dir, name;
  std::vector<std::string> input_shapes;  // NAME=D0,D1,...
  int batch = 1;
};
int import_command(const ImportOptions& options);

}  // namespace kiln
