// Fuzzes the .npy reader: every input is read or refused with a RuntimeError.
#include <cstdint>
#include <sstream>
#include <string>

#include "kiln/Error.hpp"
#include "kiln/Npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    kiln::read_npy(in, "fuzz.npy");
  } catch (const kiln::RuntimeError&) {
  }
  return 0;
}
