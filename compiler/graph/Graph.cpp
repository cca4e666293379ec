#include "graph/Layer.h"

#include <algorithm>

namespace kiln {

std::vector<WeightSpec> Graph::weights() const {
  std::vector<WeightSpec> all;
  for (const Layer& layer : layers) all.insert(all.end(), layer.weights.begin(), layer.weights.end());
  return all;
}

bool Graph::is_output(int layer) const {
  return std::find(outputs.begin(), outputs.end(), layer) != outputs.end();
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> result(layers.size());
  for (size_t i = 0; i < layers.size(); ++i)
    for (int input : layers[i].inputs) result[input].push_back(static_cast<int>(i));
  return result;
}

}  // namespace kiln
