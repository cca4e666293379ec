#include "driver/LoadedNetwork.h"

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>

#include "codegen/Target.h"
#include "codegen/Toolchain.h"
#include "driver/Commands.h"
#include "language/Diagnostics.h"

namespace kiln {

CompileOptions NetworkOptions::compile_options(bool progress) const {
  CompileOptions options;
  options.spec_path = spec;
  options.target = target;
  options.schedule_path = schedule;
  options.precision = precision;
  options.qparams_path = qparams;
  options.progress = progress && isatty(2);
  return options;
}

void check_runs_here(const std::string& requested, const std::string& command) {
  Halide::Target target = choose_target(requested), host = host_target();
  if (target.os != host.os || target.arch != host.arch || target.bits != host.bits)
    throw UserError("error: " + command + " executes on this machine, which cannot run --target " + requested +
                    "; use kiln compile to cross-compile");
  // Instructions this CPU lacks would stop the process with SIGILL.
  using T = Halide::Target;
  for (auto [feature, name] : {std::pair{T::AVX, "avx"}, {T::AVX2, "avx2"}, {T::FMA, "fma"}, {T::F16C, "f16c"},
                               {T::SSE41, "sse41"}, {T::AVX512, "avx512"}, {T::AVX512_KNL, "avx512_knl"},
                               {T::AVX512_Skylake, "avx512_skylake"},
                               {T::AVX512_Cannonlake, "avx512_cannonlake"},
                               {T::AVX512_SapphireRapids, "avx512_sapphirerapids"}})
    if (target.has_feature(feature) && !host.has_feature(feature))
      throw UserError("error: " + command + " executes on this machine, whose CPU lacks " + name + " of --target " +
                      requested + "; use kiln compile to cross-compile");
}

NetworkLibrary::NetworkLibrary(const Graph& graph, CompileOptions options) {
  options.out_dir = scratch_.path();
  compiled_ = compile_network(graph, options);
  path_ = scratch_.path() + "/" + graph.name + ".so";
  Toolchain().link_shared(path_, compiled_.archive);
}

LoadedNetwork::LoadedNetwork(const Graph& graph, std::shared_ptr<const NetworkLibrary> library,
                             const std::string& weights_path)
    : library_file_(std::move(library)) {
  try {
    library_ = dlopen(library_file_->path().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) throw UserError(std::string("error: cannot load the compiled network: ") + dlerror());
    auto create = symbol<Create>(graph.name + "_create");
    run_ = symbol<Run>(graph.name + "_run_arrays");
    destroy_ = symbol<Destroy>(graph.name + "_destroy");
    profile_ = symbol<Profile>("kiln_network_profile");
    last_error_ = symbol<LastError>("kiln_last_error");
    check(create(weights_path.empty() ? nullptr : weights_path.c_str(), &model_));
    for (int output : graph.outputs) {
      outputs_.emplace_back(element_count(graph.layers[output].shape));
      output_pointers_.push_back(outputs_.back().data());
    }
  } catch (...) {
    release();
    throw;
  }
}

LoadedNetwork::~LoadedNetwork() { release(); }

void LoadedNetwork::release() {
  if (model_) destroy_(model_);
  model_ = nullptr;
  if (library_) dlclose(library_);
  library_ = nullptr;
}

template <typename Fn>
Fn LoadedNetwork::symbol(const std::string& name) const {
  void* address = dlsym(library_, name.c_str());
  if (!address) throw UserError("error: the compiled network lacks " + name);
  return reinterpret_cast<Fn>(address);
}

void LoadedNetwork::check(int status) const {
  if (status != 0) throw UserError(std::string("error: ") + last_error_());
}

void LoadedNetwork::set_inputs(const std::vector<std::vector<float>>& inputs) {
  input_pointers_.clear();
  for (const std::vector<float>& input : inputs) input_pointers_.push_back(input.data());
}

void LoadedNetwork::run() { check(run_(model_, input_pointers_.data(), output_pointers_.data())); }

void LoadedNetwork::warm_up(int runs, double seconds) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs || std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds;
       ++i)
    run();
}

std::vector<double> LoadedNetwork::profile() {
  std::vector<double> seconds(compiled().kernels.size());
  check(profile_(static_cast<kiln_network*>(model_), input_pointers_.data(), output_pointers_.data(), seconds.data()));
  return seconds;
}

}  // namespace kiln
