#pragma once

#include <random>
#include <string>
#include <vector>

#include "graph/Layer.h"

namespace kiln {

// What `kiln bench` and `kiln tune` measure with: random inputs,
// and random weights of the right shapes (speed does not depend on values).
std::vector<float> random_values(int64_t count, std::mt19937& rng, float scale);
std::string random_weights(const Graph& graph, const std::string& dir, std::mt19937& rng);
std::vector<std::vector<float>> random_inputs(const Graph& graph, std::mt19937& rng);

}  // namespace kiln
