// kiln check: each layer's output shape, weights and FLOPs, as a table.
#include <cstdio>
#include <sstream>

#include "codegen/Target.h"
#include "driver/Commands.h"
#include "plan/SchedulePlanner.h"

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
  size_t kernels = 0;
  if (options.print_schedule || !options.schedule.empty()) {
    Halide::Target target = choose_target(options.target);
    SchedulePlan plan = plan_network(graph, options.schedule, target);
    if (options.print_schedule) {
      std::fputs(format_plan(graph, plan, target.to_string()).c_str(), stdout);
      return 0;
    }
    kernels = plan.kernels.size();
  }

  std::vector<std::vector<std::string>> rows = {{"layer", "op", "output", "FLOPs", "weights"}};
  int64_t total_flops = 0, total_weights = 0;
  for (const Layer& layer : graph.layers) {
    std::string listed;
    for (const WeightSpec& w : layer.weights) {
      listed += (listed.empty() ? "" : ", ") + w.name + " " + to_string(w.shape);
      total_weights += element_count(w.shape);
    }
    total_flops += layer.flops;
    rows.push_back({layer.name, layer.op_name, "f32" + to_string(layer.shape),
                    layer.op == OpKind::Input ? "" : std::to_string(layer.flops), listed});
  }
  std::vector<size_t> width(5, 0);
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
  if (!options.schedule.empty()) out << "schedule: " << options.schedule << " fits all " << kernels << " kernels\n";
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
