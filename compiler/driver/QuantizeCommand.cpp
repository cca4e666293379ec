// kiln quantize: run the network in f32 on calibration samples and write the
// u8 quantization of every tensor that a conv2d or dense reads (.qparams).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "driver/Commands.h"
#include "driver/LoadedNetwork.h"
#include "kiln/Error.hpp"
#include "kiln/Npy.hpp"
#include "language/Diagnostics.h"
#include "quant/Calibration.h"
#include "schedule/ScheduleValidity.h"

namespace kiln {

namespace {

// Each input's samples: the file's array, [S * N, ...] for an input [N, ...].
std::vector<std::vector<float>> read_samples(const Graph& graph, const std::map<int, std::string>& files,
                                             int64_t& samples) {
  std::vector<std::vector<float>> arrays;
  samples = -1;
  for (int input : graph.inputs) {
    const std::string& file = files.at(input);
    const Shape& shape = graph.layers[input].shape;
    NpyArray array;
    try {
      array = read_npy(file);
    } catch (const RuntimeError& e) {
      throw UserError(std::string("error: ") + e.what());
    }
    bool fits = array.shape.size() == shape.size() && !shape.empty() && array.shape[0] > 0 &&
                array.shape[0] % shape[0] == 0 && std::equal(shape.begin() + 1, shape.end(), array.shape.begin() + 1);
    if (!fits)
      throw UserError("error: " + file + ": shape " + to_string(array.shape) + " holds no samples of input '" +
                      graph.layers[input].name + "' f32" + to_string(shape) + " (expected [S * " +
                      std::to_string(shape.empty() ? 0 : shape[0]) + ", ...] for S samples)");
    int64_t count = array.shape[0] / shape[0];
    if (samples >= 0 && count != samples)
      throw UserError("error: " + file + " holds " + std::to_string(count) + " samples, the other inputs' files " +
                      std::to_string(samples));
    samples = count;
    arrays.push_back(std::move(array.data));
  }
  return arrays;
}

}  // namespace

int quantize_command(const QuantizeOptions& options) {
  Graph graph = load_network(options.spec);
  check_runs_here(options.target, "kiln quantize");
  if (options.weights.empty()) throw UserError("error: kiln quantize needs the network's --weights");
  if (options.method != "minmax" && options.method != "percentile")
    throw UserError("error: --method must be minmax or percentile, found '" + options.method + "'");
  std::map<int, std::string> files = assign_files(graph, graph.inputs, options.calibrate, "input");
  for (int input : graph.inputs)
    if (!files.count(input)) throw UserError("error: no --calibrate file for input '" + graph.layers[input].name + "'");
  int64_t samples = 0;
  std::vector<std::vector<float>> arrays = read_samples(graph, files, samples);
  check_weights_file(graph, options.weights);

  // The tensors int8 kernels read: each conv2d's and dense's input. Those
  // the network computes become outputs of an instrumented copy of it.
  std::set<int> observed;
  for (const Layer& layer : graph.layers)
    if (takes_low_precision(layer)) observed.insert(layer.inputs.front());
  Graph instrumented = graph;
  for (int tensor : observed)
    if (graph.layers[tensor].op != OpKind::Input && !graph.is_output(tensor)) instrumented.outputs.push_back(tensor);
  NetworkOptions f32 = options;
  f32.precision = Precision::F32;
  f32.schedule.clear();
  LoadedNetwork network(instrumented, f32.compile_options(true), options.weights);

  std::map<int, RangeObserver> ranges;
  auto pass = [&](bool histogram) {
    std::vector<std::vector<float>> inputs(graph.inputs.size());
    for (int64_t s = 0; s < samples; ++s) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        size_t size = arrays[i].size() / static_cast<size_t>(samples);
        inputs[i].assign(arrays[i].begin() + static_cast<int64_t>(size) * s,
                         arrays[i].begin() + static_cast<int64_t>(size) * (s + 1));
      }
      network.set_inputs(inputs);
      network.run();
      auto observe = [&](int tensor, const std::vector<float>& values) {
        if (!observed.count(tensor)) return;
        if (histogram) ranges[tensor].observe_histogram(values.data(), values.size());
        else ranges[tensor].observe_range(values.data(), values.size());
      };
      for (size_t i = 0; i < graph.inputs.size(); ++i) observe(graph.inputs[i], inputs[i]);
      for (size_t o = 0; o < instrumented.outputs.size(); ++o) observe(instrumented.outputs[o], network.outputs()[o]);
      if (isatty(2))
        std::fprintf(stderr, "\r%s: sample %lld/%lld\033[K", histogram ? "histograms" : "ranges",
                     static_cast<long long>(s + 1), static_cast<long long>(samples));
    }
    if (isatty(2)) std::fprintf(stderr, "\n");
  };
  pass(false);
  bool percentile = options.method == "percentile";
  if (percentile) {
    for (auto& [tensor, range] : ranges) range.start_histogram();
    pass(true);
  }

  QuantParams params;
  for (const auto& [tensor, range] : ranges)
    params.tensors[graph.layers[tensor].name] = percentile ? range.percentile(options.percentile) : range.minmax();
  char method[64] = "minmax";
  if (percentile) std::snprintf(method, sizeof method, "percentile %g", options.percentile);
  std::ofstream out(options.out, std::ios::binary);
  out << format_qparams(params, graph.name, method, static_cast<int>(samples));
  if (!out) throw UserError("error: cannot write " + options.out);
  std::printf("wrote %s: %zu tensors from %lld samples (%s)\n", options.out.c_str(), params.tensors.size(),
              static_cast<long long>(samples), method);
  return 0;
}

}  // namespace kiln
