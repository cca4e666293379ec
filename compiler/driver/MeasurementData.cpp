#include "driver/MeasurementData.h"

#include <cmath>

#include "kiln/Safetensors.hpp"

namespace kiln {

std::vector<float> random_values(int64_t count, std::mt19937& rng, float scale) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) v = normal(rng);
  return values;
}

std::string random_weights(const Graph& graph, const std::string& dir, std::mt19937& rng) {
  std::vector<NamedTensor> tensors;
  for (const WeightSpec& w : graph.weights()) {
    bool variance = w.name.size() > 12 && w.name.compare(w.name.size() - 12, 12, ".running_var") == 0;
    std::vector<float> data = random_values(element_count(w.shape), rng, 0.1f);
    if (variance)
      for (float& v : data) v = 1.0f + std::abs(v);
    tensors.push_back({w.name, w.shape, std::move(data)});
  }
  std::string path = dir + "/random.safetensors";
  write_safetensors(path, tensors);
  return path;
}

std::vector<std::vector<float>> random_inputs(const Graph& graph, std::mt19937& rng) {
  std::vector<std::vector<float>> inputs;
  for (int i : graph.inputs) inputs.push_back(random_values(element_count(graph.layers[i].shape), rng, 1.0f));
  return inputs;
}

}  // namespace kiln
