#pragma once

#include <vector>

namespace kiln {

// A network that times its kernels: what `kiln tune` and `kiln bench` measure.
class ProfiledNetwork {
 public:
  virtual ~ProfiledNetwork() = default;
  virtual void run() = 0;
  // One run, each kernel's time in seconds.
  virtual std::vector<double> profile() = 0;
};

double median(std::vector<double> values);

// Each kernel's median time in ms over `repeats` profiled runs of every
// network, the networks taking turns, so that a moment when the shared
// machine is slow or fast counts for all of them; each profiled run follows
// an untimed one of the same network, whose thread pool and data are then
// warm again.
std::vector<std::vector<double>> paired_kernel_ms(const std::vector<ProfiledNetwork*>& networks, int repeats);

// Each kernel's fastest of three paired_kernel_ms: noise only ever slows a
// kernel down.
std::vector<std::vector<double>> fastest_kernel_ms(const std::vector<ProfiledNetwork*>& networks, int repeats);

}  // namespace kiln
