#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant/QuantParams.h"

namespace kiln {

// The values one tensor takes over the calibration samples, and the u8
// quantization that covers them: their whole range (minmax), or the range
// that leaves out (100 - percentile) % of them on each side (percentile,
// from a histogram of 2048 bins over the whole range, filled in a second
// pass once the range is known). NaNs and infinities are left out.
class RangeObserver {
 public:
  void observe_range(const float* values, size_t count);
  void start_histogram();
  void observe_histogram(const float* values, size_t count);

  TensorQuant minmax() const { return quant_of_range(lo_, hi_); }
  TensorQuant percentile(double percent) const;

 private:
  double lo_ = std::numeric_limits<double>::infinity(), hi_ = -std::numeric_limits<double>::infinity();
  std::vector<uint64_t> bins_;
  uint64_t counted_ = 0;
};

}  // namespace kiln
