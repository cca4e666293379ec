#include "codegen/NetworkCompiler.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "codegen/DefaultLayouts.h"
#include "codegen/Fusion.h"
#include "codegen/KernelBuilder.h"
#include "codegen/MemoryPlan.h"
#include "codegen/NetworkInterface.h"
#include "codegen/QuietStderr.h"
#include "codegen/Target.h"
#include "codegen/Toolchain.h"
#include "kiln/Error.hpp"
#include "kiln/Safetensors.hpp"
#include "language/Diagnostics.h"
#include "schedule/Autoscheduler.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/ScheduleFile.h"

namespace kiln {
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw UserError("error: cannot write " + path);
}

// The schedule of every kernel: the default heuristic's, with the keys of
// the kernel's section in the file over it (see section_over). Sections
// naming no kernel are errors.
std::map<std::string, KernelSchedule> resolve_schedules(const Graph& graph, const std::vector<Kernel>& kernels,
                                                        const Schedule& file, const Halide::Target& target) {
  TargetTraits traits = schedule_traits(target);
  std::map<std::string, KernelSchedule> resolved;
  KeptChoices kept;
  std::map<int, const KernelSchedule*> producers;  // by tensor: the kernel's schedule that computes it
  for (const Kernel& kernel : kernels) {
    const Layer& anchor = graph.layers[kernel.layers.front()];
    const Layer& out = graph.layers[kernel.output()];
    const Shape& computed = graph.layers[kernel.anchor_output()].shape;  // what the anchor's schedule computes
    auto given = file.kernels.find(kernel.name);
    std::string flatten = flatten_problem(graph, kernel);
    auto producer = producers.find(anchor.inputs.empty() ? -1 : anchor.inputs.front());
    bool reads_channel_vectors = producer != producers.end() && producer->second->vectorize == VectorAxis::Channels;
    KernelSchedule heuristic = default_schedule(anchor, computed, kernel_flops(graph, kernel), traits, flatten.empty(),
                                                reads_channel_vectors);
    KernelSchedule schedule = section_over(file, kernel.name, heuristic);
    schedule.fuse_pool = kernel.pooled;  // what form_kernels decided from the section or the default
    bool afresh = section_afresh(file, kernel.name, heuristic);
    auto sets = [&](std::initializer_list<const char*> keys) {
      return afresh || std::any_of(keys.begin(), keys.end(), [&](const char* key) { return file.sets(kernel.name, key); });
    };
    if (sets({"layout"})) kept.layouts.insert(kernel.name);
    if (sets({"channels_innermost"})) kept.orders.insert(kernel.name);
    if (sets({"tile_width", "tile_channels", "unroll_tiles", "unroll_tap_rows"})) kept.tiles.insert(kernel.name);
    std::string problem = schedule_problem(schedule, anchor, computed);
    if (problem.empty() && schedule.flatten_pixels) problem = flatten;
    if (problem.empty() && schedule.layout == TensorLayout::Nhwc && graph.is_output(kernel.output()))
      problem = "layout = nhwc: " + out.name + " is an output of the network, which callers read as NCHW";
    if (!problem.empty()) {
      std::string where = given != file.kernels.end()
                              ? file.path + ":" + std::to_string(file.lines.at(kernel.name)) + ": error: "
                              : "error: the default schedule of kernel " + kernel.name + ": ";
      throw UserError(where + "[" + kernel.name + "]: " + problem);
    }
    resolved[kernel.name] = schedule;
    producers[kernel.output()] = &resolved[kernel.name];
  }
  choose_default_layouts(graph, kernels, kept, traits, resolved);
  for (const auto& [name, line] : file.lines) {
    if (resolved.count(name)) continue;
    bool is_layer = false;
    for (const Layer& layer : graph.layers) is_layer = is_layer || (layer.name == name && layer.op != OpKind::Input);
    throw UserError(file.path + ":" + std::to_string(line) + ": error: [" + name + "] " +
                    (is_layer ? "is fused into another kernel; schedule that kernel, or set fuse = false on it"
                              : "names no layer of network " + graph.name));
  }
  return resolved;
}

// Where the kernel cache keeps kernel k's object ("" without a cache, or
// when the compile also emits listings): one kernel (symbol and layers),
// schedule and target always compile to the same object.
std::string cached_object(const Graph& graph, const Kernel& kernel, size_t k, const KernelSchedule& schedule,
                          const TensorLayouts& layouts, const Halide::Target& target, const CompileOptions& options) {
  if (options.kernel_cache.empty() || !options.emit.empty()) return "";
  std::string symbol = graph.name + "_k" + std::to_string(k);
  std::string key = symbol + "\n" + target.to_string() + "\n" + format_kernel_schedule(schedule);
  for (int layer : kernel.layers) key += " " + graph.layers[layer].name;
  for (const KernelArgument& arg : kernel_arguments(graph, kernel, schedule, layouts))
    key += arg.tensor_layout == TensorLayout::Nhwc ? " nhwc" : " nchw";
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(key));
  return options.kernel_cache + "/" + symbol + "-" + hash + ".o";
}

// Compiles every kernel in its own process, `jobs` at a time: each is an
// independent Halide pipeline, so compile time grows linearly with depth.
// Kernels the cache holds are copied from it instead.
void compile_kernels(const Graph& graph, const std::vector<Kernel>& kernels,
                     const std::map<std::string, KernelSchedule>& schedules, const TensorLayouts& layouts,
                     const Halide::Target& target, const CompileOptions& options,
                     const std::vector<std::string>& objects) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t jobs = static_cast<size_t>(cores > 0 ? cores : 1);
  std::vector<std::string> cached;
  for (size_t k = 0; k < kernels.size(); ++k)
    cached.push_back(cached_object(graph, kernels[k], k, schedules.at(kernels[k].name), layouts, target, options));
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
          BuiltKernel built = build_kernel(graph, kernel, schedule, layouts, schedule.autoschedule.empty());
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
          built.pipeline.compile_to(outputs, built.halide_arguments, symbol, target);
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

size_t check_schedule_file(const Graph& graph, const std::string& schedule_path, const std::string& target) {
  Schedule file = read_schedule_file(schedule_path);
  Halide::Target halide_target = choose_target(target);
  return resolve_schedules(graph, form_kernels(graph, file, schedule_traits(halide_target)), file, halide_target).size();
}

CompiledNetwork compile_network(const Graph& graph, const CompileOptions& options) {
  Halide::Target target = choose_target(options.target);
  // auto:NAME: the plugin schedules every kernel, Kiln's defaults only decide fusion.
  bool automatic = is_autoscheduler(options.schedule_path);
  std::string plugin = automatic ? autoscheduler_of(options.schedule_path) : "";
  Schedule file = options.schedule_path.empty() || automatic ? Schedule{} : read_schedule_file(options.schedule_path);
  std::vector<Kernel> kernels = form_kernels(graph, file, schedule_traits(target));
  std::map<std::string, KernelSchedule> schedules = resolve_schedules(graph, kernels, file, target);
  if (automatic)  // every tensor NCHW: the baseline owes nothing to Kiln's layouts
    for (auto& [name, schedule] : schedules) schedule = autoscheduled(plugin, schedule, TensorLayout::Nchw);
  if (!options.weights_path.empty()) check_weights_file(graph, options.weights_path);

  std::error_code error;
  fs::create_directories(options.out_dir, error);
  if (!fs::is_directory(options.out_dir))
    throw UserError("error: cannot create output directory " + options.out_dir);
  std::string base = options.out_dir + "/" + graph.name;
  std::vector<std::string> objects;
  for (size_t k = 0; k < kernels.size(); ++k) objects.push_back(base + "_k" + std::to_string(k) + ".o");
  TensorLayouts layouts = tensor_layouts(kernels, schedules);
  compile_kernels(graph, kernels, schedules, layouts, target, options, objects);

  MemoryPlan memory = plan_memory(graph, kernels);
  NetworkInterface network{graph, kernels, schedules, layouts, memory, options.spec_path, target.to_string()};
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

  if (options.emit.count("schedule")) {
    std::vector<ScheduleEntry> entries;
    for (const Kernel& kernel : kernels) {
      ScheduleEntry entry{kernel.name, {}, schedules.at(kernel.name)};
      for (int layer : kernel.layers) entry.layers.push_back(graph.layers[layer].name);
      entries.push_back(entry);
    }
    write_file(base + ".sched", format_schedule(entries, target.to_string()));
  }
  return compiled;
}

}  // namespace kiln
