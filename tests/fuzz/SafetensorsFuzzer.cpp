// Fuzzes the safetensors reader and the binding of its tensors to a
// network's weights: every input is read or refused with a RuntimeError.
#include <cstdint>
#include <memory>
#include <vector>

#include "kiln/Error.hpp"
#include "kiln/Safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    kiln::SafetensorsFile file = kiln::SafetensorsFile::borrow(data, size, "fuzz.safetensors");
    std::vector<std::unique_ptr<float[]>> realigned;
    std::vector<const float*> bound =
        kiln::bind_weights(file, {{"c.weight", {2, 1, 3, 3}}, {"c.bias", {2}}}, realigned);
    volatile float sum = 0;  // reads every bound float, so ASan sees any overrun
    for (const float* weights : bound)
      for (int i = 0; i < 2; ++i) sum = sum + weights[i];
    (void)sum;
  } catch (const kiln::RuntimeError&) {
  }
  return 0;
}
