#include "tune/KernelTiming.h"

#include <algorithm>

namespace kiln {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<std::vector<double>> paired_kernel_ms(const std::vector<ProfiledNetwork*>& networks, int repeats) {
  std::vector<std::vector<std::vector<double>>> samples(networks.size());
  for (int r = 0; r < repeats; ++r)
    for (size_t n = 0; n < networks.size(); ++n) {
      networks[n]->run();
      std::vector<double> seconds = networks[n]->profile();
      samples[n].resize(seconds.size());
      for (size_t k = 0; k < seconds.size(); ++k) samples[n][k].push_back(seconds[k] * 1e3);
    }
  std::vector<std::vector<double>> medians(networks.size());
  for (size_t n = 0; n < networks.size(); ++n)
    for (auto& s : samples[n]) medians[n].push_back(median(s));
  return medians;
}

std::vector<std::vector<double>> fastest_kernel_ms(const std::vector<ProfiledNetwork*>& networks, int repeats) {
  std::vector<std::vector<double>> fastest = paired_kernel_ms(networks, repeats);
  for (int pass = 1; pass < 3; ++pass) {
    std::vector<std::vector<double>> again = paired_kernel_ms(networks, repeats);
    for (size_t n = 0; n < fastest.size(); ++n)
      for (size_t k = 0; k < fastest[n].size(); ++k) fastest[n][k] = std::min(fastest[n][k], again[n][k]);
  }
  return fastest;
}

}  // namespace kiln
