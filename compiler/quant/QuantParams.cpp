#include "quant/QuantParams.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "language/Diagnostics.h"

namespace kiln {

namespace {

constexpr const char* kFormat = "kiln-qparams 1";

}  // namespace

TensorQuant quant_of_range(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (!(hi > lo)) return {};
  TensorQuant quant;
  quant.scale = (hi - lo) / 255.0;
  quant.zero_point = static_cast<int>(std::clamp(std::nearbyint(-lo / quant.scale), 0.0, 255.0));
  return quant;
}

QuantParams read_qparams(const std::string& path, const Graph& graph) {
  auto fail = [&](const std::string& why) { return UserError(path + ": error: " + why); };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open the file");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("not JSON: ") + e.what());
  }
  if (!json.is_object() || json.value("format", nlohmann::json()) != kFormat)
    throw fail(std::string("not a quantization parameters file (expected \"format\": \"") + kFormat + "\")");
  const nlohmann::json& tensors = json.value("tensors", nlohmann::json());
  if (!tensors.is_object()) throw fail("\"tensors\" must be an object of tensor names");
  QuantParams params;
  params.path = path;
  for (const auto& [name, entry] : tensors.items()) {
    bool known = false;
    for (const Layer& layer : graph.layers) known = known || layer.name == name;
    if (!known) throw fail("tensor '" + name + "' is no tensor of network " + graph.name);
    const nlohmann::json scale = entry.is_object() ? entry.value("scale", nlohmann::json()) : nlohmann::json();
    const nlohmann::json zero = entry.is_object() ? entry.value("zero_point", nlohmann::json()) : nlohmann::json();
    if (!scale.is_number() || !(scale.get<double>() > 0) || !std::isfinite(scale.get<double>()))
      throw fail("tensor '" + name + "': \"scale\" must be a finite number above 0");
    if (!zero.is_number_integer() || zero.get<int64_t>() < 0 || zero.get<int64_t>() > 255)
      throw fail("tensor '" + name + "': \"zero_point\" must be an integer from 0 to 255");
    params.tensors[name] = {scale.get<double>(), static_cast<int>(zero.get<int64_t>())};
  }
  return params;
}

namespace {

// Layers whose every output value is one of their input's values.
bool keeps_values(OpKind op) {
  return op == OpKind::MaxPool || op == OpKind::GlobalMaxPool || op == OpKind::Flatten || op == OpKind::Reshape ||
         op == OpKind::Transpose || op == OpKind::Slice || op == OpKind::ChannelShuffle;
}

}  // namespace

QuantParams with_network_quantization(QuantParams params, const Graph& graph) {
  for (const Layer& layer : graph.layers) {  // in order: producers first
    if (params.tensors.count(layer.name)) continue;
    if (layer.op == OpKind::FakeQuantize) {
      const FakeQuantizeAttrs& q = layer.get<FakeQuantizeAttrs>();
      params.tensors[layer.name] = {q.scale, q.zero_point - q.min};
    } else if (keeps_values(layer.op) && params.from_network.count(graph.layers[layer.inputs.front()].name)) {
      params.tensors[layer.name] = params.tensors.at(graph.layers[layer.inputs.front()].name);
    } else {
      continue;
    }
    params.from_network.insert(layer.name);
  }
  return params;
}

std::string format_qparams(const QuantParams& params, const std::string& network, const std::string& method,
                           int samples) {
  nlohmann::ordered_json json = {{"format", kFormat}, {"network", network}, {"method", method}, {"samples", samples}};
  nlohmann::ordered_json tensors = nlohmann::ordered_json::object();
  for (const auto& [name, quant] : params.tensors)
    tensors[name] = {{"scale", quant.scale}, {"zero_point", quant.zero_point}};
  json["tensors"] = tensors;
  return json.dump(2) + "\n";
}

}  // namespace kiln
