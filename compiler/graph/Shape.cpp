#include "graph/Shape.h"

namespace kiln {

std::string to_string(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

int64_t element_count(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  return count;
}

int64_t saturating_product(const std::vector<int64_t>& factors) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f != 0 && product > INT64_MAX / f) return INT64_MAX;
    product *= f;
  }
  return product;
}

}  // namespace kiln
