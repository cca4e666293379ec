#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/NetworkCompiler.h"
#include "driver/ScratchDirectory.h"
#include "graph/Layer.h"
#include "kiln/network_desc.h"
#include "tune/KernelTiming.h"

namespace kiln {

// Throws unless this machine can run code for `target` (before any work).
void check_runs_here(const std::string& target, const std::string& command);

// A network compiled for this machine into a temporary directory and linked
// as a shared object with the runtime; removed when it goes.
class NetworkLibrary {
 public:
  NetworkLibrary(const Graph& graph, CompileOptions options);

  const std::string& path() const { return path_; }
  const CompiledNetwork& compiled() const { return compiled_; }

 private:
  ScratchDirectory scratch_{"kiln-run"};
  CompiledNetwork compiled_;
  std::string path_;
};

// A network library loaded into this process, its model created: what
// `kiln run`, `kiln bench` and the tuner's measurements execute.
class LoadedNetwork : public ProfiledNetwork {
 public:
  LoadedNetwork(const Graph& graph, CompileOptions options, const std::string& weights_path)
      : LoadedNetwork(graph, std::make_shared<NetworkLibrary>(graph, std::move(options)), weights_path) {}
  LoadedNetwork(const Graph& graph, std::shared_ptr<const NetworkLibrary> library, const std::string& weights_path);
  ~LoadedNetwork() override;
  LoadedNetwork(const LoadedNetwork&) = delete;
  LoadedNetwork& operator=(const LoadedNetwork&) = delete;

  // The network's inputs, in order, for the runs that follow; they must
  // outlive them. Outputs are held here, allocated once.
  void set_inputs(const std::vector<std::vector<float>>& inputs);
  void run() override;
  // Runs at least `runs` times and for at least `seconds`, so that caches,
  // page tables, the thread pool and the cores' clocks are warm.
  void warm_up(int runs, double seconds);
  // One run, timing each kernel.
  std::vector<double> profile() override;
  const std::vector<std::vector<float>>& outputs() const { return outputs_; }

  const CompiledNetwork& compiled() const { return library_file_->compiled(); }

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

  std::shared_ptr<const NetworkLibrary> library_file_;
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
