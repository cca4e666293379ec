// kiln bench: time each kernel and the whole network (median of repeated runs
// after warm-up); print ms, GFLOP/s and % of this machine's measured peak.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "bench/MachinePeak.h"
#include "driver/Commands.h"
#include "driver/LoadedNetwork.h"
#include "driver/MeasurementData.h"
#include "driver/ScratchDirectory.h"
#include "kiln/Safetensors.hpp"
#include "language/Diagnostics.h"
#include "tune/KernelTiming.h"

namespace kiln {
namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int bench_command(const BenchOptions& options) {
  Graph graph = load_network(options.spec);
  check_runs_here(options.target, "kiln bench");
  if (!options.weights.empty()) check_weights_file(graph, options.weights);

  std::mt19937 rng(1);
  ScratchDirectory scratch("kiln-bench");
  std::string weights = options.weights;
  if (weights.empty() && !graph.weights().empty()) weights = random_weights(graph, scratch.path(), rng);
  LoadedNetwork network(graph, options.compile_options(!options.json), weights);

  std::vector<std::vector<float>> inputs = random_inputs(graph, rng);
  network.set_inputs(inputs);

  // Warm up (caches, page faults, thread pool), then repeat whole runs and
  // profiled runs alternately until both have enough samples.
  network.warm_up(options.warmup, 0.1);
  const CompiledNetwork& compiled = network.compiled();
  std::vector<std::vector<double>> kernel_times(compiled.kernels.size());
  std::vector<double> totals;
  double start = now();
  while (static_cast<int>(totals.size()) < options.repeats ||
         (now() - start < options.min_seconds && totals.size() < 10000)) {
    double t = now();
    network.run();
    totals.push_back(now() - t);
    std::vector<double> each = network.profile();
    for (size_t k = 0; k < each.size(); ++k) kernel_times[k].push_back(each[k]);
  }
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double peak = measure_fma_peak_gflops(threads);

  struct Row {
    std::string name, op, layers;
    double ms, gflops;
  };
  std::vector<Row> rows;
  int64_t total_flops = 0;
  for (size_t k = 0; k < compiled.kernels.size(); ++k) {
    Row row{compiled.kernels[k], "", "", median(kernel_times[k]) * 1e3, 0};
    int64_t flops = 0;
    for (int layer : compiled.kernel_layers[k]) {
      const Layer& l = graph.layers[layer];
      row.op += (row.op.empty() ? "" : "+") + l.op_name;
      row.layers += (row.layers.empty() ? "" : "+") + l.name;
      flops += l.flops;
    }
    total_flops += flops;
    row.gflops = flops / (row.ms * 1e-3) / 1e9;
    rows.push_back(row);
  }
  double total_ms = median(totals) * 1e3;
  double total_gflops = total_flops / (total_ms * 1e-3) / 1e9;

  if (options.json) {
    nlohmann::json json = {{"network", graph.name}, {"target", compiled.target}, {"total_ms", total_ms},
                           {"gflops", total_gflops}, {"peak_gflops", peak}, {"threads", threads},
                           {"repeats", totals.size()}, {"layers", nlohmann::json::array()}};
    for (const Row& row : rows)
      json["layers"].push_back({{"name", row.name}, {"op", row.op}, {"layers", row.layers}, {"ms", row.ms},
                                {"gflops", row.gflops}});
    std::printf("%s\n", json.dump(2).c_str());
    return 0;
  }
  std::printf("network %s, target %s\n", graph.name.c_str(), compiled.target.c_str());
  std::printf("median of %zu runs; peak %.1f GFLOP/s (FMA loop, %d threads)\n", totals.size(), peak, threads);
  size_t width = 6, op_width = 2;
  for (const Row& row : rows) width = std::max(width, row.layers.size()), op_width = std::max(op_width, row.op.size());
  std::printf("%-*s  %-*s  %10s  %9s  %7s\n", static_cast<int>(width), "kernel", static_cast<int>(op_width), "op",
              "ms", "GFLOP/s", "% peak");
  for (const Row& row : rows)
    std::printf("%-*s  %-*s  %10.4f  %9.1f  %6.1f%%\n", static_cast<int>(width), row.layers.c_str(),
                static_cast<int>(op_width), row.op.c_str(), row.ms, row.gflops, 100 * row.gflops / peak);
  std::printf("%-*s  %-*s  %10.4f  %9.1f  %6.1f%%\n", static_cast<int>(width), "total", static_cast<int>(op_width),
              "", total_ms, total_gflops, 100 * total_gflops / peak);
  return 0;
}

}  // namespace kiln
