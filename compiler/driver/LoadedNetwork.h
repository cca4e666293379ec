#pragma once

#include <string>
#include <vector>

#include "codegen/NetworkCompiler.h"
#include "driver/ScratchDirectory.h"
#include "graph/Layer.h"
#include "kiln/network_desc.h"

namespace kiln {

// Throws unless this machine can run code for `target` (before any work).
void check_runs_here(const std::string& target, const std::string& command);

// A network compiled for this machine into a temporary directory, linked as
// a shared object with the runtime and loaded into this process: what
// `kiln run` and `kiln bench` execute. Everything is removed when it goes.
class LoadedNetwork {
 public:
  LoadedNetwork(const Graph& graph, CompileOptions options, const std::string& weights_path);
  ~LoadedNetwork();
  LoadedNetwork(const LoadedNetwork&) = delete;
  LoadedNetwork& operator=(const LoadedNetwork&) = delete;

  // The network's inputs, in order, for the runs that follow; they must
  // outlive them. Outputs are held here, allocated once.
  void set_inputs(const std::vector<std::vector<float>>& inputs);
  void run();
  // Runs at least `runs` times and for at least `seconds`, so that caches,
  // page tables, the thread pool and the cores' clocks are warm.
  void warm_up(int runs, double seconds);
  // One run, timing each kernel.
  std::vector<double> profile();
  const std::vector<std::vector<float>>& outputs() const { return outputs_; }

  const CompiledNetwork& compiled() const { return compiled_; }

 private:
  using Create = int (*)(const char*, void**);
  using Run = int (*)(void*, const float* const*, float* const*);
  // The runtime's own function (C++), called with its exact type.
  using Profile = int (*)(kiln_network*, const float* const*, float* const*, double*);
  using Destroy = void (*)(void*);
  using LastError = const char* (*)();
  template <typename Fn>
  Fn symbol(const std::string& name) const;
  void check(int status) const;
  void release();

  ScratchDirectory scratch_{"kiln-run"};
  CompiledNetwork compiled_;
  void* library_ = nullptr;
  void* model_ = nullptr;
  Run run_ = nullptr;
  Profile profile_ = nullptr;
  Destroy destroy_ = nullptr;
  LastError last_error_ = nullptr;
  std::vector<std::vector<float>> outputs_;
  std::vector<const float*> input_pointers_;
  std::vector<float*> output_pointers_;
};

}  // namespace kiln
