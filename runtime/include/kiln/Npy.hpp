#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace kiln {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Little-endian f32, C order, format versions 1.0 to 3.0. Any other dtype,
// byte order, Fortran order or a truncated file is a RuntimeError naming the
// file and the problem.
NpyArray read_npy(const std::string& path);
NpyArray read_npy(std::istream& in, const std::string& label);
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data);

}  // namespace kiln
