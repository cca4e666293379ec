// kiln check: each layer's output shape, weights and FLOPs, as a table.
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

#include "codegen/Target.h"
#include "driver/Commands.h"
#include "plan/SchedulePlanner.h"
#include "schedule/ScheduleKeys.h"

namespace kiln {
namespace {

std::string with_unit(int64_t flops) {
  char text[32];
  if (flops >= 1000000000) std::snprintf(text, sizeof text, "%.2f GFLOP", flops / 1e9);
  else if (flops >= 1000000) std::snprintf(text, sizeof text, "%.2f MFLOP", flops / 1e6);
  else std::snprintf(text, sizeof text, "%lld FLOP", static_cast<long long>(flops));
  return text;
}

}  // namespace

int check_command(const CheckOptions& options) {
  Graph graph = load_network(options.spec);
  const std::string& weights = options.weights;
  if (!weights.empty()) check_weights_file(graph, weights);
  // With a plan (a schedule, or a precision other than f32), the table says
  // what each layer computes in: bf16 for the anchors of bf16 kernels.
  std::optional<SchedulePlan> plan;
  if (options.print_schedule || !options.schedule.empty() || options.precision != Precision::F32) {
    Halide::Target target = choose_target(options.target);
    plan = plan_network(graph, options.schedule, target, options.precision, options.qparams);
    if (options.print_schedule) {
      std::fputs(format_plan(graph, *plan, target.to_string()).c_str(), stdout);
      return 0;
    }
  }
  std::map<int, Precision> computes;  // by layer
  if (plan)
    for (const Kernel& kernel : plan->kernels) computes[kernel.layers.front()] = plan->schedules.at(kernel.name).precision;

  std::vector<std::vector<std::string>> rows = {{"layer", "op", "output", "FLOPs", "weights"}};
  if (plan) rows[0].insert(rows[0].begin() + 4, "precision");
  int64_t total_flops = 0, total_weights = 0;
  for (int index = 0; index < static_cast<int>(graph.layers.size()); ++index) {
    const Layer& layer = graph.layers[index];
    std::string listed;
    for (const WeightSpec& w : layer.weights) {
      listed += (listed.empty() ? "" : ", ") + w.name + " " + to_string(w.shape);
      total_weights += element_count(w.shape);
    }
    total_flops += layer.flops;
    bool given = layer.op == OpKind::Input;
    rows.push_back({layer.name, layer.op_name, "f32" + to_string(layer.shape), given ? "" : std::to_string(layer.flops),
                    listed});
    auto computed = computes.find(index);
    if (plan)
      rows.back().insert(rows.back().begin() + 4,
                         given ? "" : precision_name(computed == computes.end() ? Precision::F32 : computed->second));
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());

  std::ostringstream out;
  out << "network " << graph.name << ": " << graph.inputs.size() << " input"
      << (graph.inputs.size() == 1 ? "" : "s") << ", " << graph.outputs.size() << " output"
      << (graph.outputs.size() == 1 ? "" : "s") << ", " << graph.layers.size() - graph.inputs.size()
      << " layers, " << with_unit(total_flops) << ", " << total_weights << " weights\n";
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string cell = row[c];
      if (c + 1 < row.size()) cell.resize(width[c], ' ');
      line += (c ? "  " : "") + cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  out << "outputs:";
  for (int output : graph.outputs) out << " " << graph.layers[output].name;
  out << "\n";
  if (!weights.empty()) out << "weights: " << weights << " matches every tensor\n";
  if (!options.schedule.empty())
    out << "schedule: " << options.schedule << " fits all " << plan->kernels.size() << " kernels\n";
  std::fputs(out.str().c_str(), stdout);
  return 0;
}

int compile_command(const CompileOptions& options) {
  Graph graph = load_network(options.spec_path);
  CompiledNetwork compiled = compile_network(graph, options);
  std::printf("wrote %s and %s\n", compiled.archive.c_str(), compiled.header.c_str());
  return 0;
}

}  // namespace kiln
