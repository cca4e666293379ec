#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

struct TensorView {
  std::string dtype;  // "F32", "I64", ...
  std::vector<int64_t> shape;
  const unsigned char* data = nullptr;
  uint64_t bytes = 0;
};

// A safetensors file (8-byte little-endian header size, JSON header, data),
// memory-mapped or borrowed from memory, validated as a whole when opened:
// offsets in range, sizes matching shapes, no two tensors overlapping.
class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::string& path);  // throws RuntimeError
  static SafetensorsFile borrow(const unsigned char* data, uint64_t size, const std::string& label);

  const std::string& label() const { return label_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }

 private:
  void parse(const unsigned char* data, uint64_t size);

  std::string label_;
  std::shared_ptr<void> mapping_;
  std::map<std::string, TensorView> tensors_;
};

struct RequiredWeight {
  std::string name;
  std::vector<int64_t> shape;
};

// Checks that `file` holds exactly the f32 tensors the network needs (extra
// BatchNorm `num_batches_tracked` counters are ignored, as PyTorch writes them)
// and returns their data in the order of `required`.
std::vector<const float*> bind_weights(const SafetensorsFile& file,
                                       const std::vector<RequiredWeight>& required,
                                       std::vector<std::unique_ptr<float[]>>& realigned);

std::string shape_string(const std::vector<int64_t>& shape);

struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;
};
// Writes F32 tensors as a safetensors file, data 8-byte aligned.
void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors);

}  // namespace kiln
