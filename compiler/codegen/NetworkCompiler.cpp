#include "codegen/NetworkCompiler.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "codegen/KernelBuilder.h"
#include "codegen/MemoryPlan.h"
#include "codegen/NetworkInterface.h"
#include "codegen/QuietStderr.h"
#include "codegen/Target.h"
#include "codegen/Toolchain.h"
#include "kiln/Error.hpp"
#include "kiln/Safetensors.hpp"
#include "language/Diagnostics.h"
#include "plan/SchedulePlanner.h"
#include "schedule/Autoscheduler.h"
#include "schedule/ScheduleFile.h"

namespace kiln {
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw UserError("error: cannot write " + path);
}

// Where the kernel cache keeps kernel k's object ("" without a cache, or
// when the compile also emits listings): one kernel (symbol and layers),
// schedule and target always compile to the same object.
std::string cached_object(const Graph& graph, const Kernel& kernel, size_t k, const KernelSchedule& schedule,
                          const TensorLayouts& layouts, const QuantParams& quant, const TensorLevels& levels,
                          bool in_place, const Halide::Target& target, const CompileOptions& options) {
  if (options.kernel_cache.empty() || !options.emit.empty()) return "";
  std::string symbol = graph.name + "_k" + std::to_string(k);
  std::string key = symbol + "\n" + kernel_target(target, schedule).to_string() + "\n" + format_kernel_schedule(schedule);
  for (int layer : kernel.layers) key += " " + graph.layers[layer].name;
  if (in_place) key += " in-place";
  auto exact = [](const char* prefix, const TensorQuant& q) {
    char text[64];
    std::snprintf(text, sizeof text, "%s%a/%d", prefix, q.scale, q.zero_point);
    return std::string(text);
  };
  // An int8 kernel compiles its input's quantization in, and so does a kernel
  // reading or writing u8 levels.
  const Layer& anchor = graph.layers[kernel.layers.front()];
  if (const TensorQuant* q = schedule.precision == Precision::Int8 ? quant.of_input(graph, anchor) : nullptr)
    key += exact(" ", *q);
  for (const KernelArgument& arg : kernel_arguments(graph, kernel, schedule, layouts, levels)) {
    key += arg.tensor_layout == TensorLayout::Nhwc ? " nhwc" : " nchw";
    if (!arg.is_weight && arg.element == ElementType::U8) key += exact(" u8 ", levels.at(arg.layer));
  }
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(key));
  return options.kernel_cache + "/" + symbol + "-" + hash + ".o";
}

// Compiles every kernel in its own process, `jobs` at a time: each is an
// independent Halide pipeline, so compile time grows linearly with depth.
// Kernels the cache holds are copied from it instead.
void compile_kernels(const Graph& graph, const std::vector<Kernel>& kernels,
                     const std::map<std::string, KernelSchedule>& schedules, const TensorLayouts& layouts,
                     const QuantParams& quant, const TensorLevels& levels, const InPlaceOutputs& in_place,
                     const Halide::Target& target, const CompileOptions& options,
                     const std::vector<std::string>& objects) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t jobs = static_cast<size_t>(cores > 0 ? cores : 1);
  std::vector<std::string> cached;
  for (size_t k = 0; k < kernels.size(); ++k)
    cached.push_back(
        cached_object(graph, kernels[k], k, schedules.at(kernels[k].name), layouts, quant, levels,
                      in_place.count(kernels[k].output()) > 0, target, options));
  if (!options.kernel_cache.empty()) fs::create_directories(options.kernel_cache);
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  std::string failed;
  while (done < kernels.size()) {
    while (next < kernels.size() && running.size() < jobs && failed.empty()) {
      if (!cached[next].empty() && fs::exists(cached[next])) {
        fs::copy_file(cached[next], objects[next], fs::copy_options::overwrite_existing);
        ++next, ++done;
        continue;
      }
      pid_t pid = fork();
      if (pid < 0) throw UserError("error: cannot start a compile process");
      if (pid == 0) {
        const Kernel& kernel = kernels[next];
        std::string symbol = graph.name + "_k" + std::to_string(next);
        try {
          const KernelSchedule& schedule = schedules.at(kernel.name);
          BuiltKernel built = build_kernel(graph, kernel, schedule, layouts, quant, levels, schedule.autoschedule.empty(),
                                           in_place.count(kernel.output()) > 0);
          std::map<Halide::OutputFileType, std::string> outputs = {{Halide::OutputFileType::object, objects[next]}};
          std::string base = options.out_dir + "/" + graph.name + "." + kernel.name;
          std::optional<QuietStderr> quiet;
          if (!schedule.autoschedule.empty()) {
            quiet.emplace();
            std::string source = autoschedule(built.pipeline, schedule.autoschedule, target);
            if (options.emit.count("schedule")) write_file(base + ".autoschedule.h", source);
          }
          if (options.emit.count("stmt")) outputs[Halide::OutputFileType::stmt] = base + ".stmt";
          if (options.emit.count("assembly")) outputs[Halide::OutputFileType::assembly] = base + ".s";
          if (options.emit.count("llvm")) outputs[Halide::OutputFileType::llvm_assembly] = base + ".ll";
          built.pipeline.compile_to(outputs, built.halide_arguments, symbol, kernel_target(target, schedule));
        } catch (const Halide::Error& e) {
          std::fprintf(stderr, "error: Halide could not compile kernel %s: %s\n", kernel.name.c_str(), e.what());
          std::fflush(stderr);
          _exit(1);
        }
        std::fflush(stderr);
        _exit(0);
      }
      running[pid] = next++;
    }
    int status = 0;
    pid_t pid = wait(&status);
    if (pid < 0) break;
    size_t k = running[pid];
    running.erase(pid);
    ++done;
    if (WIFSIGNALED(status))
      std::fprintf(stderr, "error: compiling kernel %s crashed (signal %d): a bug in Kiln, please report it\n",
                   kernels[k].name.c_str(), WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      failed = kernels[k].name;
      if (running.empty()) break;
    } else if (!cached[k].empty()) {
      fs::copy_file(objects[k], cached[k], fs::copy_options::overwrite_existing);
    }
    if (options.progress)
      std::fprintf(stderr, "\r[%zu/%zu] compiled kernel %s\033[K", done, kernels.size(), kernels[k].name.c_str());
  }
  if (options.progress) std::fprintf(stderr, "\n");
  if (!failed.empty()) throw UserError("error: compiling kernel " + failed + " failed");
}

}  // namespace

void check_weights_file(const Graph& graph, const std::string& path) {
  std::vector<RequiredWeight> required;
  for (const WeightSpec& w : graph.weights()) required.push_back({w.name, w.shape});
  std::vector<std::unique_ptr<float[]>> realigned;
  try {
    bind_weights(SafetensorsFile::open(path), required, realigned);
  } catch (const RuntimeError& e) {
    throw UserError(std::string("error: ") + e.what());
  }
}

SchedulePlan plan_network(const Graph& graph, const std::string& schedule_path, const Halide::Target& target,
                          Precision precision, const std::string& qparams_path) {
  // auto:NAME: the plugin schedules every kernel, Kiln's defaults only decide fusion.
  bool automatic = is_autoscheduler(schedule_path);
  Schedule file = schedule_path.empty() || automatic ? Schedule{} : read_schedule_file(schedule_path);
  QuantParams quant = with_network_quantization(qparams_path.empty() ? QuantParams{} : read_qparams(qparams_path, graph),
                                                graph);
  return plan_schedules(graph, file, schedule_traits(target), automatic ? autoscheduler_of(schedule_path) : "",
                        precision, quant);
}

CompiledNetwork compile_network(const Graph& graph, const CompileOptions& options) {
  Halide::Target target = choose_target(options.target);
  SchedulePlan plan = plan_network(graph, options.schedule_path, target, options.precision, options.qparams_path);
  const std::vector<Kernel>& kernels = plan.kernels;
  const std::map<std::string, KernelSchedule>& schedules = plan.schedules;
  const TensorLayouts& layouts = plan.layouts;
  if (!options.weights_path.empty()) check_weights_file(graph, options.weights_path);

  std::error_code error;
  fs::create_directories(options.out_dir, error);
  if (!fs::is_directory(options.out_dir))
    throw UserError("error: cannot create output directory " + options.out_dir);
  std::string base = options.out_dir + "/" + graph.name;
  std::vector<std::string> objects;
  for (size_t k = 0; k < kernels.size(); ++k) objects.push_back(base + "_k" + std::to_string(k) + ".o");
  InPlaceOutputs in_place = in_place_outputs(graph, kernels, schedules, layouts, plan.levels);
  compile_kernels(graph, kernels, schedules, layouts, plan.quant, plan.levels, in_place, target, options, objects);

  MemoryPlan memory = plan_memory(graph, kernels, in_place);
  NetworkInterface network{graph, kernels, schedules, layouts, plan.levels, memory, options.spec_path, target.to_string(),
                           options.qparams_path};
  Toolchain toolchain;
  if (!options.weights_path.empty()) {
    network.embedded_weights = true;
    network.embedded_weights_size = fs::file_size(options.weights_path);
    std::string assembly = base + "_weights.S";
    write_file(assembly, write_weights_assembly(graph.name, fs::absolute(options.weights_path).string()));
    objects.push_back(base + "_weights.o");
    toolchain.compile_c(assembly, objects.back());
    fs::remove(assembly, error);
  }
  std::string glue = base + "_glue.c";
  write_file(glue, write_glue(network));
  objects.push_back(base + "_glue.o");
  toolchain.compile_c(glue, objects.back());
  fs::remove(glue, error);

  CompiledNetwork compiled{base + ".a", base + ".h", target.to_string(), {}, {}, {}, layouts};
  for (const Kernel& kernel : kernels) {
    compiled.kernels.push_back(kernel.name);
    compiled.kernel_layers.push_back(kernel.layers);
    compiled.kernel_schedules.push_back(schedules.at(kernel.name));
  }
  toolchain.archive(compiled.archive, objects);
  for (const std::string& object : objects) fs::remove(object, error);
  write_file(compiled.header, write_header(network));

  if (options.emit.count("schedule")) write_file(base + ".sched", format_plan(graph, plan, target.to_string()));
  return compiled;
}

}  // namespace kiln
