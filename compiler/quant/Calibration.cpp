#include "quant/Calibration.h"

#include <algorithm>
#include <cmath>

namespace kiln {

namespace {

constexpr int kBins = 2048;

}  // namespace

void RangeObserver::observe_range(const float* values, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (std::isfinite(values[i])) {
      lo_ = std::min<double>(lo_, values[i]);
      hi_ = std::max<double>(hi_, values[i]);
    }
}

void RangeObserver::start_histogram() { bins_.assign(kBins, 0); }

void RangeObserver::observe_histogram(const float* values, size_t count) {
  if (!(hi_ > lo_)) return;
  double width = (hi_ - lo_) / kBins;
  for (size_t i = 0; i < count; ++i)
    if (std::isfinite(values[i])) {
      int bin = std::clamp(static_cast<int>((values[i] - lo_) / width), 0, kBins - 1);
      ++bins_[static_cast<size_t>(bin)];
      ++counted_;
    }
}

TensorQuant RangeObserver::percentile(double percent) const {
  if (!(hi_ > lo_) || counted_ == 0) return minmax();
  double width = (hi_ - lo_) / kBins;
  auto tail = static_cast<uint64_t>(std::floor(counted_ * (100.0 - percent) / 100.0));
  // The lowest bin whose values below it are more than the tail, and the highest likewise.
  int low = 0, high = kBins - 1;
  for (uint64_t below = 0; low < kBins - 1 && below + bins_[static_cast<size_t>(low)] <= tail; ++low)
    below += bins_[static_cast<size_t>(low)];
  for (uint64_t above = 0; high > low && above + bins_[static_cast<size_t>(high)] <= tail; --high)
    above += bins_[static_cast<size_t>(high)];
  return quant_of_range(lo_ + low * width, lo_ + (high + 1) * width);
}

}  // namespace kiln
