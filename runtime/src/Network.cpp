// Runs a compiled network: binds weights and plans buffers once at create,
// then each run copies in the inputs that need guards, points the other
// buffers at the caller's memory and calls the kernels in order.
#include <HalideRuntime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "SpinningThreadPool.h"
#include "kiln/Error.hpp"
#include "kiln/Safetensors.hpp"
#include "kiln/network_desc.h"

namespace {

constexpr size_t kArenaAlignment = 64;
// Halide 14 turns some stride-2 vector loads into dense loads one element
// before or after what they use. Every buffer such kernels read (the arena's
// tensors, the staged inputs) has this much readable memory on each side.
constexpr int64_t kGuardFloats = kArenaAlignment / sizeof(float);

int64_t element_count(const kiln_tensor_desc& tensor) {
  int64_t count = 1;
  for (int i = 0; i < tensor.rank; ++i) count *= tensor.shape[i];
  return count;
}

float* guarded_alloc(int64_t floats) {
  size_t bytes = (static_cast<size_t>(floats + 2 * kGuardFloats) * sizeof(float) + kArenaAlignment - 1) /
                 kArenaAlignment * kArenaAlignment;
  void* memory = std::aligned_alloc(kArenaAlignment, bytes);
  if (!memory) throw std::bad_alloc();
  std::memset(memory, 0, bytes);
  return static_cast<float*>(memory);
}

// Halide's default handler aborts; ours records the message instead.
void record_halide_error(void*, const char* message) { kiln::set_last_error(message); }

void install_error_handler() {
  static std::once_flag once;
  std::call_once(once, [] { halide_set_error_handler(record_halide_error); });
}

}  // namespace

struct kiln_network {
  const kiln_network_desc* desc = nullptr;
  std::unique_ptr<float, decltype(&std::free)> arena{nullptr, &std::free};
  // The inputs that kernels may read just outside of, copied in at each run
  // (see kGuardFloats); input_floats[i] is 0 for those read in place.
  std::vector<std::unique_ptr<float, decltype(&std::free)>> staged_inputs;
  std::vector<int64_t> input_floats;
  kiln::SafetensorsFile weights_file;
  std::vector<std::unique_ptr<float[]>> realigned;  // and weights in a schedule's layout
  std::vector<std::vector<uint8_t>> converted;  // weights a schedule wants in bf16 or int8, and int8's scales and sums
  std::vector<halide_buffer_t> buffers;  // one per tensor
  std::vector<halide_dimension_t> dims;
  std::vector<std::vector<void*>> args;  // one list per kernel
  std::vector<halide_buffer_t*> inputs, outputs;
  std::vector<std::pair<halide_buffer_t*, const halide_buffer_t*>> views;  // (view, its tensor)
};

namespace {

void describe_buffer(halide_buffer_t& buffer, halide_dimension_t* dims, const kiln_tensor_desc& tensor) {
  std::memset(&buffer, 0, sizeof buffer);
  buffer.type = halide_type_t(halide_type_float, 32, 1);
  buffer.dimensions = tensor.rank;
  buffer.dim = dims;
  // Halide lists dimensions innermost first; Kiln's shapes are outermost first.
  int32_t stride = 1;
  for (int i = 0; i < tensor.rank; ++i) {
    int32_t extent = static_cast<int32_t>(tensor.shape[tensor.rank - 1 - i]);
    dims[i] = halide_dimension_t(0, extent, stride);
    stride *= extent;
  }
  if (tensor.channels_last && tensor.rank == 4) {
    // The same dimensions (W, H, C, N), with C innermost.
    int32_t channels = dims[2].extent;
    dims[2].stride = 1;
    dims[0].stride = channels;
    dims[1].stride = channels * dims[0].extent;
    dims[3].stride = dims[1].stride * dims[1].extent;
  }
}

// The weight in the layout a schedule chose (see kiln_layout_axis): axes
// permuted, split into blocks, zero-padded past the end. Made once, at create.
std::unique_ptr<float[]> packed(const float* source, const kiln_weight_desc& from, const kiln_tensor_desc& to) {
  int64_t source_stride[KILN_MAX_RANK], count = element_count(to);
  for (int i = from.rank - 1, s = 1; i >= 0; --i) {
    source_stride[i] = s;
    s *= static_cast<int>(from.shape[i]);
  }
  auto copy = std::make_unique<float[]>(static_cast<size_t>(count));
  int64_t index[KILN_MAX_RANK] = {0};
  for (int64_t out = 0; out < count; ++out) {
    int64_t coordinate[KILN_MAX_RANK] = {0}, offset = 0;
    for (int i = 0; i < to.rank; ++i) coordinate[to.layout[i].axis] += index[i] * to.layout[i].factor;
    bool inside = true;
    for (int a = 0; a < from.rank; ++a) {
      inside = inside && coordinate[a] < from.shape[a];
      offset += coordinate[a] * source_stride[a];
    }
    copy[out] = inside ? source[offset] : 0.0f;
    for (int i = to.rank - 1; i >= 0 && ++index[i] == to.shape[i]; --i) index[i] = 0;  // odometer
  }
  return copy;
}

// Winograd F(4x4, 3x3)'s filter transform (Lavin and Gray, 2015): each
// 3x3 filter g of a [K, C, 3, 3] weight becomes the 6x6 tile G g G^T.
std::unique_ptr<float[]> winograd_filters(const float* source, const kiln_weight_desc& weight,
                                          kiln_weight_desc& transformed) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  if (weight.rank != 4 || weight.shape[2] != 3 || weight.shape[3] != 3)
    throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, std::string(weight.name) + ": a Winograd filter transform needs 3x3 filters");
  transformed = weight;
  transformed.shape[2] = transformed.shape[3] = 6;
  int64_t filters = weight.shape[0] * weight.shape[1];
  auto tiles = std::make_unique<float[]>(static_cast<size_t>(filters * 36));
  for (int64_t f = 0; f < filters; ++f) {
    const float* g = source + f * 9;
    for (int a = 0; a < 6; ++a)
      for (int b = 0; b < 6; ++b) {
        double sum = 0;
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) sum += G[a][i] * g[i * 3 + j] * G[b][j];
        tiles[f * 36 + a * 6 + b] = static_cast<float>(sum);
      }
  }
  return tiles;
}

// f32 -> bf16, to nearest even (what vcvtneps2bf16 does); NaNs stay NaN.
uint16_t to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

halide_type_t element_type(int element) {
  switch (element) {
    case KILN_ELEMENT_BF16: return halide_type_t(halide_type_bfloat, 16);
    case KILN_ELEMENT_S8: return halide_type_t(halide_type_int, 8);
    case KILN_ELEMENT_S32: return halide_type_t(halide_type_int, 32);
    case KILN_ELEMENT_U8: return halide_type_t(halide_type_uint, 8);
    default: return halide_type_t(halide_type_float, 32);
  }
}

// `count` values in the narrower element type: bf16 rounded to nearest even;
// int8 levels (already whole numbers in -127..127) as s8.
std::vector<uint8_t> narrowed(const float* source, int64_t count, int element) {
  std::vector<uint8_t> bytes(static_cast<size_t>(count) * (element == KILN_ELEMENT_BF16 ? 2 : 1));
  for (int64_t i = 0; i < count; ++i)
    if (element == KILN_ELEMENT_BF16) {
      uint16_t value = to_bf16(source[i]);
      std::memcpy(&bytes[static_cast<size_t>(i) * 2], &value, 2);
    } else {
      bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(static_cast<int8_t>(source[i]));
    }
  return bytes;
}

// Elements per output channel: the stored weight's first axis is the channels.
int64_t per_channel(const kiln_weight_desc& desc) {
  int64_t count = 1;
  for (int i = 1; i < desc.rank; ++i) count *= desc.shape[i];
  return count;
}

// Each output channel's int8 scale, max |w| / 127 (1 for a channel of
// zeros), and its weights as int8 levels, round(w / scale) to nearest even,
// in f32 for packing.
std::vector<float> int8_scales(const float* weight, const kiln_weight_desc& desc) {
  int64_t each = per_channel(desc);
  std::vector<float> scales(static_cast<size_t>(desc.shape[0]));
  for (size_t k = 0; k < scales.size(); ++k) {
    float largest = 0;
    for (int64_t i = 0; i < each; ++i) largest = std::max(largest, std::fabs(weight[static_cast<int64_t>(k) * each + i]));
    scales[k] = largest > 0 ? largest / 127.0f : 1.0f;
  }
  return scales;
}

std::unique_ptr<float[]> int8_levels(const float* weight, const kiln_weight_desc& desc) {
  std::vector<float> scales = int8_scales(weight, desc);
  int64_t each = per_channel(desc), count = desc.shape[0] * each;
  auto levels = std::make_unique<float[]>(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    levels[i] = std::clamp(std::nearbyint(weight[i] / scales[static_cast<size_t>(i / each)]), -127.0f, 127.0f);
  return levels;
}

// KILN_WEIGHT_INT8_SCALES (f32) or KILN_WEIGHT_INT8_SUMS (s32), [K], as bytes.
std::vector<uint8_t> int8_per_channel(const float* weight, const kiln_weight_desc& desc, int transform) {
  std::vector<uint8_t> bytes(static_cast<size_t>(desc.shape[0]) * 4);
  if (transform == KILN_WEIGHT_INT8_SCALES) {
    std::memcpy(bytes.data(), int8_scales(weight, desc).data(), bytes.size());
    return bytes;
  }
  std::unique_ptr<float[]> levels = int8_levels(weight, desc);
  int64_t each = per_channel(desc);
  for (int64_t k = 0; k < desc.shape[0]; ++k) {
    int32_t sum = 0;
    for (int64_t i = 0; i < each; ++i) sum += static_cast<int32_t>(levels[k * each + i]);
    std::memcpy(&bytes[static_cast<size_t>(k) * 4], &sum, 4);
  }
  return bytes;
}

bool is_identity(const kiln_tensor_desc& tensor, const kiln_weight_desc& weight) {
  if (tensor.transform != KILN_WEIGHT_AS_STORED || tensor.rank != weight.rank) return false;
  for (int i = 0; i < tensor.rank; ++i)
    if (tensor.layout[i].axis != i || tensor.layout[i].factor != 1) return false;
  return true;
}

void create(const kiln_network_desc* desc, const char* weights_path, kiln_network& net) {
  net.desc = desc;
  std::vector<kiln::RequiredWeight> required;
  for (int i = 0; i < desc->num_weights; ++i)
    required.push_back({desc->weights[i].name,
                        std::vector<int64_t>(desc->weights[i].shape, desc->weights[i].shape + desc->weights[i].rank)});
  std::vector<const float*> weights;
  if (weights_path) {
    net.weights_file = kiln::SafetensorsFile::open(weights_path);
  } else if (desc->embedded_weights) {
    net.weights_file = kiln::SafetensorsFile::borrow(desc->embedded_weights, desc->embedded_weights_size,
                                                     std::string(desc->name) + " (embedded weights)");
  } else if (desc->num_weights > 0) {
    throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, std::string(desc->name) +
                                                      ": this network needs a weights file (it was compiled without --weights)");
  }
  if (weights_path || desc->embedded_weights) weights = kiln::bind_weights(net.weights_file, required, net.realigned);

  if (desc->arena_floats > 0) net.arena.reset(guarded_alloc(desc->arena_floats));
  net.buffers.resize(desc->num_tensors);
  net.dims.resize(static_cast<size_t>(desc->num_tensors) * KILN_MAX_RANK);
  net.inputs.assign(desc->num_inputs, nullptr);
  net.input_floats.assign(desc->num_inputs, 0);
  net.outputs.assign(desc->num_outputs, nullptr);
  for (int i = 0; i < desc->num_tensors; ++i) {
    const kiln_tensor_desc& tensor = desc->tensors[i];
    halide_buffer_t& buffer = net.buffers[i];
    describe_buffer(buffer, &net.dims[static_cast<size_t>(i) * KILN_MAX_RANK], tensor);
    switch (tensor.kind) {
      case KILN_TENSOR_INPUT: {
        net.inputs[tensor.index] = &buffer;
        net.staged_inputs.emplace_back(guarded_alloc(element_count(tensor)), &std::free);
        net.input_floats[tensor.index] = element_count(tensor);
        buffer.host = reinterpret_cast<uint8_t*>(net.staged_inputs.back().get() + kGuardFloats);
        break;
      }
      case KILN_TENSOR_INPUT_IN_PLACE: net.inputs[tensor.index] = &buffer; break;
      case KILN_TENSOR_OUTPUT: net.outputs[tensor.index] = &buffer; break;
      case KILN_TENSOR_ARENA:
        buffer.type = element_type(tensor.element_type);
        buffer.host = reinterpret_cast<uint8_t*>(net.arena.get() + kGuardFloats + tensor.index);
        break;
      case KILN_TENSOR_VIEW:
        // The glue lists a view after its tensor; its memory is known only at run.
        if (tensor.index < 0 || tensor.index >= i)
          throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, std::string(desc->name) + ": tensor " + std::to_string(i) +
                                                            " views no earlier tensor");
        buffer.type = net.buffers[tensor.index].type;
        net.views.emplace_back(&buffer, &net.buffers[tensor.index]);
        break;
      case KILN_TENSOR_WEIGHT: {
        const float* data = weights[tensor.index];
        kiln_weight_desc stored = desc->weights[tensor.index];
        buffer.type = element_type(tensor.element_type);
        if (tensor.transform == KILN_WEIGHT_INT8_SCALES || tensor.transform == KILN_WEIGHT_INT8_SUMS) {
          net.converted.push_back(int8_per_channel(data, stored, tensor.transform));
          buffer.host = net.converted.back().data();
          break;
        }
        std::unique_ptr<float[]> transformed;
        if (tensor.transform == KILN_WEIGHT_WINOGRAD_4X4_3X3) {
          transformed = winograd_filters(data, desc->weights[tensor.index], stored);
          data = transformed.get();
        } else if (tensor.element_type == KILN_ELEMENT_S8) {
          transformed = int8_levels(data, stored);
          data = transformed.get();
        }
        std::unique_ptr<float[]> packed_copy;
        if (!is_identity(tensor, stored)) {
          packed_copy = packed(data, stored, tensor);
          data = packed_copy.get();
        }
        if (tensor.element_type != KILN_ELEMENT_F32) {
          net.converted.push_back(narrowed(data, element_count(tensor), tensor.element_type));
          buffer.host = net.converted.back().data();
          break;
        }
        if (packed_copy) net.realigned.push_back(std::move(packed_copy));
        buffer.host = reinterpret_cast<uint8_t*>(const_cast<float*>(data));
        break;
      }
    }
  }
  for (int k = 0; k < desc->num_kernels; ++k) {
    const kiln_kernel_desc& kernel = desc->kernels[k];
    std::vector<void*> args;
    for (int a = 0; a < kernel.num_args; ++a) args.push_back(&net.buffers[kernel.args[a]]);
    net.args.push_back(std::move(args));
  }
}

void run(kiln_network& net, const float* const* inputs, float* const* outputs, double* seconds = nullptr) {
  const kiln_network_desc* desc = net.desc;
  for (int i = 0; i < desc->num_inputs; ++i) {
    if (!inputs[i]) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, std::string(desc->name) + ": input " + std::to_string(i) + " is NULL");
    if (net.input_floats[i] > 0)
      std::memcpy(net.inputs[i]->host, inputs[i], static_cast<size_t>(net.input_floats[i]) * sizeof(float));
    else
      net.inputs[i]->host = reinterpret_cast<uint8_t*>(const_cast<float*>(inputs[i]));  // kernels never write inputs
  }
  for (int i = 0; i < desc->num_outputs; ++i) {
    if (!outputs[i]) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, std::string(desc->name) + ": output " + std::to_string(i) + " is NULL");
    net.outputs[i]->host = reinterpret_cast<uint8_t*>(outputs[i]);
  }
  for (auto& [view, tensor] : net.views) view->host = tensor->host;
  for (int k = 0; k < desc->num_kernels; ++k) {
    auto start = std::chrono::steady_clock::now();
    int status = desc->kernels[k].run(net.args[k].data());
    if (seconds) seconds[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != 0)
      throw kiln::RuntimeError(KILN_ERROR_KERNEL, std::string(desc->name) + ": kernel " + desc->kernels[k].name +
                                                      " failed (" + std::to_string(status) + "): " + kiln_last_error());
  }
}

}  // namespace

extern "C" int kiln_network_create(const kiln_network_desc* desc, const char* weights_path, kiln_network** network) {
  install_error_handler();
  kiln::install_thread_pool();
  return kiln::guarded([&] {
    if (!desc || !network) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, "create: model pointer is NULL");
    *network = nullptr;
    auto net = std::make_unique<kiln_network>();
    create(desc, weights_path, *net);
    *network = net.release();
  });
}

extern "C" int kiln_network_run(kiln_network* network, const float* const* inputs, float* const* outputs) {
  return kiln::guarded([&] {
    if (!network) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, "run: model is NULL");
    run(*network, inputs, outputs);
  });
}

extern "C" void kiln_network_destroy(kiln_network* network) { delete network; }

extern "C" int kiln_network_profile(kiln_network* network, const float* const* inputs, float* const* outputs,
                                    double* seconds) {
  return kiln::guarded([&] {
    if (!network || !seconds) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, "profile: model or seconds is NULL");
    run(*network, inputs, outputs, seconds);
  });
}
