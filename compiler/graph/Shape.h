#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace kiln {

// A static tensor shape, outermost dimension first (NCHW for images).
using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);  // "[1, 6, 28, 28]"
int64_t element_count(const Shape& shape);
// The product of non-negative factors, or INT64_MAX where it would overflow.
int64_t saturating_product(const std::vector<int64_t>& factors);
inline int64_t saturating_product(std::initializer_list<int64_t> factors) {
  return saturating_product(std::vector<int64_t>(factors));
}

// Halide indexes buffers with 32-bit integers: no tensor may hold more elements.
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

}  // namespace kiln
