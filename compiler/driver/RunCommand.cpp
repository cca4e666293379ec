// kiln run: compile for this machine, load the result, and run it once on
// .npy inputs.
#include <cstdio>
#include <map>

#include "driver/Commands.h"
#include "driver/LoadedNetwork.h"
#include "kiln/Error.hpp"
#include "kiln/Npy.hpp"
#include "language/Diagnostics.h"

namespace kiln {

namespace {

void print_tensor(const Layer& layer, const std::vector<float>& data) {
  std::printf("%s: f32%s\n", layer.name.c_str(), to_string(layer.shape).c_str());
  int64_t row = layer.shape.back();
  for (size_t i = 0; i < data.size(); ++i)
    std::printf("%s%g%s", i % row ? " " : "", data[i], (i + 1) % row ? "" : "\n");
}

}  // namespace

int run_command(const RunOptions& options) {
  Graph graph = load_network(options.spec);
  check_runs_here(options.target, "kiln run");
  std::map<int, std::string> input_files = assign_files(graph, graph.inputs, options.inputs, "input");
  std::map<int, std::string> output_files = assign_files(graph, graph.outputs, options.outputs, "output");
  for (int input : graph.inputs)
    if (!input_files.count(input))
      throw UserError("error: no --input for '" + graph.layers[input].name + "' f32" +
                      to_string(graph.layers[input].shape));

  // Read and check the inputs before spending time on compilation.
  std::vector<std::vector<float>> inputs;
  for (int input : graph.inputs) {
    const std::string& file = input_files[input];
    NpyArray array;
    try {
      array = read_npy(file);
    } catch (const RuntimeError& e) {
      throw UserError(std::string("error: ") + e.what());
    }
    if (array.shape != graph.layers[input].shape)
      throw UserError("error: " + file + ": shape " + to_string(array.shape) + " does not match input '" +
                      graph.layers[input].name + "' f32" + to_string(graph.layers[input].shape));
    inputs.push_back(std::move(array.data));
  }

  if (!options.weights.empty()) check_weights_file(graph, options.weights);
  LoadedNetwork network(graph, options.compile_options(true), options.weights);
  network.set_inputs(inputs);
  network.run();
  const std::vector<std::vector<float>>& outputs = network.outputs();

  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const Layer& layer = graph.layers[graph.outputs[i]];
    auto file = output_files.find(graph.outputs[i]);
    if (file == output_files.end()) {
      if (output_files.empty()) print_tensor(layer, outputs[i]);
      continue;
    }
    try {
      write_npy(file->second, layer.shape, outputs[i].data());
    } catch (const RuntimeError& e) {
      throw UserError(std::string("error: ") + e.what());
    }
  }
  return 0;
}

}  // namespace kiln
