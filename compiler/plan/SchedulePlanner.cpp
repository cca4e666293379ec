#include "plan/SchedulePlanner.h"

#include <algorithm>
#include <set>
#include <variant>

#include "language/Diagnostics.h"
#include "plan/DefaultLayouts.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/KernelFamily.h"
#include "schedule/ScheduleFile.h"
#include "schedule/ScheduleKeys.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {
namespace {

// Where the schedule file's section `name` is: "FILE:LINE".
std::string section_line(const Schedule& file, const std::string& name) {
  return file.path + ":" + std::to_string(file.lines.at(name));
}

// What the schedule file's section of `kernel` did, for the plan.
std::string file_reason(const Schedule& file, const std::string& kernel, bool afresh) {
  std::string where = section_line(file, kernel);
  if (afresh) return where + " (afresh)";
  std::set<std::string> keys;
  std::string listed;
  for (const auto& entry : file.entries.at(kernel))
    if (keys.insert(entry.first).second) listed += (listed.empty() ? "" : ", ") + entry.first;
  return where + " sets " + (keys.size() <= 4 ? listed : std::to_string(keys.size()) + " keys");
}

// Why `schedule` cannot compute `kernel` of the plan as it stands, or "".
std::string kernel_problem(const Graph& graph, const Kernel& kernel, const KernelSchedule& schedule) {
  const Layer& anchor = graph.layers[kernel.layers.front()];
  std::string problem = schedule_problem(schedule, anchor, graph.layers[kernel.anchor_output()].shape);
  if (problem.empty() && schedule.flatten_pixels) problem = flatten_problem(graph, kernel);
  if (problem.empty() && schedule.layout == TensorLayout::Nhwc && graph.is_output(kernel.output()))
    problem = "layout = nhwc: " + graph.layers[kernel.output()].name +
              " is an output of the network, which callers read as NCHW";
  return problem;
}

// The input whose layout the anchor's loops follow: an elementwise op's first
// of its own shape (the others broadcast to it), any other op's first.
int followed_input(const Graph& graph, const Layer& anchor) {
  if (anchor.inputs.empty()) return -1;
  if (is_elementwise(anchor.op))
    for (int input : anchor.inputs)
      if (graph.layers[input].shape == anchor.shape) return input;
  return anchor.inputs.front();
}

// The most vectors of output channels an int8 tile of quads takes (below).
constexpr int kInt8TileChannels = 2;

// Whether --precision int8 takes the layer: a dense (its weights a quarter
// of the bytes to stream), or an ungrouped conv2d whose input channels come
// in quads for vpdpbusd. Depthwise and grouped ones ran slower in int8
// (docs/precision.md).
bool gains_from_int8(const Layer& anchor) {
  if (anchor.op == OpKind::Dense) return true;
  if (anchor.op != OpKind::Conv2d) return false;
  const ConvAttrs& conv = anchor.get<ConvAttrs>();
  return conv.groups == 1 && conv.channels_per_group % 4 == 0;
}

// Whether every reader of `kernel`'s output is a depthwise convolution
// striding along the width that channel windows of native vectors can compute.
bool feeds_strided_windows(const Graph& graph, const std::vector<std::vector<int>>& consumers, const Kernel& kernel,
                           const TargetTraits& target) {
  const std::vector<int>& readers = consumers[kernel.output()];
  return !readers.empty() && std::all_of(readers.begin(), readers.end(), [&](int reader) {
    const Layer& layer = graph.layers[reader];
    return is_depthwise(layer) && width_stride(layer) > 1 && channel_windows_apply(layer, target.vector_width);
  });
}

// In an int8 network, a kernel ending in a network's own fake_quantize
// writes its u8 levels, which int8 kernels read as they are, unless an f32
// convolution would convert each level at every tap (docs/precision.md).
TensorLevels stored_levels(const Graph& graph, const SchedulePlan& plan, const QuantParams& quant) {
  TensorLevels levels;
  std::map<int, std::vector<const Kernel*>> readers;
  for (const Kernel& kernel : plan.kernels)
    for (int input : kernel.inputs) readers[input].push_back(&kernel);
  auto reads_levels = [&](const Kernel* kernel) {
    OpKind op = graph.layers[kernel->layers.front()].op;
    return plan.schedules.at(kernel->name).precision == Precision::Int8 ||
           (op != OpKind::Conv2d && op != OpKind::ConvTranspose2d && op != OpKind::Dense && op != OpKind::MatMul);
  };
  bool int8 = std::any_of(plan.schedules.begin(), plan.schedules.end(),
                          [](const auto& entry) { return entry.second.precision == Precision::Int8; });
  for (const Kernel& kernel : plan.kernels) {
    const std::vector<const Kernel*>& read_by = readers[kernel.output()];
    const Layer& result = graph.layers[kernel.output()];
    if (int8 && result.op == OpKind::FakeQuantize && quant.from_network.count(result.name) &&
        std::all_of(read_by.begin(), read_by.end(), reads_levels) &&
        std::find(graph.outputs.begin(), graph.outputs.end(), kernel.output()) == graph.outputs.end())
      levels[kernel.output()] = quant.tensors.at(result.name);
  }
  return levels;
}

}  // namespace

SchedulePlan plan_schedules(const Graph& graph, const Schedule& file, const TargetTraits& target,
                            const std::string& autoscheduler, Precision precision, const QuantParams& quant) {
  SchedulePlan plan;
  plan.quant = quant;
  plan.kernels = form_kernels(graph, file, target);
  auto validate = [&](const Kernel& kernel, const KernelSchedule& schedule) {
    std::string problem = kernel_problem(graph, kernel, schedule);
    const Layer& anchor = graph.layers[kernel.layers.front()];
    if (problem.empty() && schedule.precision == Precision::Int8 && !quant.of_input(graph, anchor))
      problem = "precision = int8 needs the quantization of " + anchor.name + "'s input " +
                graph.layers[anchor.inputs.front()].name + ": " +
                (quant.path.empty() ? "give --qparams (kiln quantize writes it)" : quant.path + " has none");
    if (problem.empty()) return;
    std::string where = file.kernels.count(kernel.name) ? section_line(file, kernel.name) + ": error: "
                                                        : "error: the default schedule of kernel " + kernel.name + ": ";
    throw UserError(where + "[" + kernel.name + "]: " + problem);
  };
  KeptChoices kept;
  std::map<int, const KernelSchedule*> producers;  // by tensor: the schedule of the kernel that computes it
  std::vector<std::vector<int>> consumers = graph.consumers();
  for (const Kernel& kernel : plan.kernels) {
    const Layer& anchor = graph.layers[kernel.layers.front()];
    const Shape& computed = graph.layers[kernel.anchor_output()].shape;  // what the anchor's schedule computes
    auto producer = producers.find(followed_input(graph, anchor));
    bool reads_channel_vectors = producer != producers.end() && producer->second->vectorize == VectorAxis::Channels;
    DefaultChoice heuristic = default_schedule({anchor, computed, kernel_flops(graph, kernel), target,
                                                flatten_problem(graph, kernel).empty(), reads_channel_vectors,
                                                feeds_strided_windows(graph, consumers, kernel, target),
                                                &graph.layers[anchor.inputs.front()].shape});
    KernelSchedule schedule = section_over(file, kernel.name, heuristic.schedule);
    schedule.fuse_pool = kernel.pooled;  // what form_kernels decided from the section or the default
    // A task order of the heuristic's goes where the section's keys leave it
    // no tasks to order (parallel off, a fused pool, winograd's own).
    for (const char* key : {"row_tasks", "channel_tasks"}) {
      bool KernelSchedule::*order = std::get<bool KernelSchedule::*>(find_schedule_key(key)->field);
      KernelSchedule without = schedule;
      without.*order = false;
      if (schedule.*order && !file.sets(kernel.name, key) && !kernel_problem(graph, kernel, schedule).empty() &&
          kernel_problem(graph, kernel, without).empty())
        schedule = without;
    }
    bool afresh = section_afresh(file, kernel.name, heuristic.schedule);
    std::vector<std::string>& rules = plan.rules[kernel.name];
    if (!afresh) rules.push_back(heuristic.rule);
    if (kernel.pooled && !file.sets(kernel.name, "fuse_pool")) rules.push_back("pool-fusion");
    // int8's direct convolution beats f32 Winograd, bf16's does not
    // (docs/default-schedule.md: int8-direct).
    KernelSchedule direct = schedule;
    direct.winograd = direct.channel_tasks = false;
    // A network quantized by its own fake_quantize layers (and no --qparams)
    // leaves the layers they do not feed in f32.
    bool int8_takes = gains_from_int8(anchor) &&
                      (quant.of_input(graph, anchor) || !quant.path.empty() || quant.from_network.empty());
    if (precision == Precision::Int8 && int8_takes && schedule.winograd && !file.sets(kernel.name, "winograd") &&
        kernel_problem(graph, kernel, direct).empty()) {
      schedule = direct;
      rules.push_back("int8-direct");
    }
    bool takes = precision == Precision::Int8 ? int8_takes : precision == Precision::Bf16;
    if (takes && !file.sets(kernel.name, "precision") && takes_low_precision(anchor) && !schedule.winograd) {
      schedule.precision = precision;
      rules.push_back("--precision " + precision_name(precision));
    }
    if (file.kernels.count(kernel.name)) plan.sections[kernel.name] = file_reason(file, kernel.name, afresh);
    auto sets = [&](std::initializer_list<const char*> keys) {
      return afresh || std::any_of(keys.begin(), keys.end(), [&](const char* key) { return file.sets(kernel.name, key); });
    };
    if (sets({"layout"})) kept.layouts.insert(kernel.name);
    if (file.kernels.count(kernel.name)) kept.sections.insert(kernel.name);
    if (sets({"channels_innermost"})) kept.orders.insert(kernel.name);
    if (sets({"tile_width", "tile_channels", "unroll_tiles", "unroll_tap_rows"})) kept.tiles.insert(kernel.name);
    validate(kernel, schedule);
    producers[kernel.output()] = &(plan.schedules[kernel.name] = schedule);
  }
  choose_default_layouts(graph, kept, target, plan);
  // int8 channel tiles sum quads of input channels with vpdpbusd where the
  // target has it; Halide's emulation of it is slower than single products.
  for (const Kernel& kernel : plan.kernels) {
    KernelSchedule& schedule = plan.schedules.at(kernel.name);
    if (schedule.precision != Precision::Int8 || !target.dot_products || file.sets(kernel.name, "dot_products")) continue;
    schedule.dot_products = true;
    if (dot_product_lanes(schedule, graph.layers[kernel.layers.front()]) == 1) {
      schedule.dot_products = false;
      continue;
    }
    plan.rules[kernel.name].push_back("int8-dot-products");
    // Halide 14 gathers the weight quads of a fourth vector of output
    // channels, and of every tile where tiles straddle the channels' end in
    // row tasks or where the second of two tiles straddles it
    // (docs/default-schedule.md: int8-dot-products).
    int64_t filters = graph.layers[kernel.layers.front()].shape[1], tile = kInt8TileChannels * schedule.vector_width;
    bool gathers = filters % tile != 0 && (schedule.row_tasks || filters < 2 * tile);
    if (!file.sets(kernel.name, "tile_channels"))
      schedule.tile_channels = gathers ? 1 : std::min(schedule.tile_channels, kInt8TileChannels);
  }
  // The layout rules refine valid schedules into valid ones; checked again all the same.
  for (const Kernel& kernel : plan.kernels) validate(kernel, plan.schedules.at(kernel.name));
  for (const auto& entry : file.lines) {
    const std::string& name = entry.first;
    if (plan.schedules.count(name)) continue;
    bool is_layer = false;
    for (const Layer& layer : graph.layers) is_layer = is_layer || (layer.name == name && !is_given(layer.op));
    throw UserError(section_line(file, name) + ": error: [" + name + "] " +
                    (is_layer ? "is fused into another kernel; schedule that kernel, or set fuse = false on it"
                              : "names no layer of network " + graph.name));
  }
  plan.levels = stored_levels(graph, plan, quant);
  if (!autoscheduler.empty()) {  // every tensor NCHW: the baseline owes nothing to Kiln's layouts
    for (auto& [name, schedule] : plan.schedules) {
      schedule = autoscheduled(autoscheduler, schedule, TensorLayout::Nchw);
      plan.rules[name] = {"auto:" + autoscheduler};
      plan.sections.erase(name);
    }
    plan.layouts = tensor_layouts(plan.kernels, plan.schedules);
  }
  return plan;
}

std::string format_plan(const Graph& graph, const SchedulePlan& plan, const std::string& target) {
  std::vector<ScheduleEntry> entries;
  for (const Kernel& kernel : plan.kernels) {
    std::string origin;
    for (const std::string& rule : plan.rules.at(kernel.name)) origin += (origin.empty() ? "by " : ", ") + rule;
    auto section = plan.sections.find(kernel.name);
    if (section != plan.sections.end()) origin += (origin.empty() ? "" : "; ") + section->second;
    ScheduleEntry entry{kernel.name, {}, plan.schedules.at(kernel.name), origin};
    for (int layer : kernel.layers) entry.layers.push_back(graph.layers[layer].name);
    entries.push_back(entry);
  }
  return format_schedule(entries, target);
}

}  // namespace kiln
