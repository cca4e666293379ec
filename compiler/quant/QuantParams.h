#pragma once

#include <map>
#include <set>
#include <string>

#include "graph/Layer.h"

namespace kiln {

// How a tensor is quantized to u8: q = clamp(round(x / scale) + zero_point, 0, 255).
struct TensorQuant {
  double scale = 1.0;
  int zero_point = 0;
};

// The quantization of a network's tensors that int8 kernels read, by tensor
// name: a .qparams file (JSON) that `kiln quantize` writes from calibration
// inputs. Weights need none: they are quantized per output channel at create.
struct QuantParams {
  std::string path;  // where it was read from, for messages ("" when none)
  std::map<std::string, TensorQuant> tensors;
  // Tensors whose quantization the network's fake_quantize layers give.
  std::set<std::string> from_network;

  const TensorQuant* find(const std::string& tensor) const {
    auto found = tensors.find(tensor);
    return found == tensors.end() ? nullptr : &found->second;
  }
  // The quantization of what an int8 kernel's `anchor` reads (its first input).
  const TensorQuant* of_input(const Graph& graph, const Layer& anchor) const {
    return find(graph.layers[anchor.inputs.front()].name);
  }
};

// The u8 quantization that covers [lo, hi] and represents 0 exactly (the
// range widened to include 0; a range of zeros has scale 1).
TensorQuant quant_of_range(double lo, double hi);

// Tensors between kernels stored as their u8 levels instead of f32, by
// producing layer: the outputs of fake_quantize layers in int8 networks.
using TensorLevels = std::map<int, TensorQuant>;

// Reads a .qparams file and checks it against the network: its format, that
// every tensor it names is a tensor of `graph`, scales finite and positive,
// zero points 0..255. Throws UserError "FILE: error: ...".
QuantParams read_qparams(const std::string& path, const Graph& graph);

// `params` with the grid of each fake_quantize layer's output (a quantized
// model's own, as imported) as u8: level - min, zero point zero_point - min;
// also of the layers after it that only pick or move its values (max pools,
// reshapes, transposes, slices). A tensor `params` names keeps its
// quantization (the file says).
QuantParams with_network_quantization(QuantParams params, const Graph& graph);

// The file `kiln quantize` writes: the network, the calibration method and
// each tensor's scale and zero point.
std::string format_qparams(const QuantParams& params, const std::string& network, const std::string& method,
                           int samples);

}  // namespace kiln
