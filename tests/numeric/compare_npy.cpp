// compare_npy ACTUAL.npy EXPECTED.npy: exit 0 when the shapes are equal and
// every element satisfies |actual - expected| <= atol + rtol * |expected|
// (rtol 1e-4, atol 1e-5, or --rtol/--atol), equal infinities and NaNs
// counting as equal; otherwise report the worst one.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kiln/Error.hpp"
#include "kiln/Npy.hpp"
#include "kiln/Safetensors.hpp"

int main(int argc, char** argv) {
  double rtol = 1e-4, atol = 1e-5;
  std::string files[2];
  int count = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rtol" && i + 1 < argc) rtol = std::atof(argv[++i]);
    else if (arg == "--atol" && i + 1 < argc) atol = std::atof(argv[++i]);
    else if (count < 2) files[count++] = arg;
  }
  if (count != 2) {
    std::fprintf(stderr, "usage: compare_npy ACTUAL.npy EXPECTED.npy [--rtol R] [--atol A]\n");
    return 2;
  }
  try {
    kiln::NpyArray actual = kiln::read_npy(files[0]), expected = kiln::read_npy(files[1]);
    if (actual.shape != expected.shape) {
      std::printf("FAIL: shape %s, expected %s\n", kiln::shape_string(actual.shape).c_str(),
                  kiln::shape_string(expected.shape).c_str());
      return 1;
    }
    size_t worst = 0, failures = 0;
    double worst_excess = -1;
    for (size_t i = 0; i < expected.data.size(); ++i) {
      double a = actual.data[i], e = expected.data[i];
      if (a == e || (std::isnan(a) && std::isnan(e))) continue;  // includes equal infinities
      double excess = std::fabs(a - e) - (atol + rtol * std::fabs(e));
      bool bad = std::isnan(a) || std::isnan(e) || excess > 0;
      if (bad) ++failures;
      if (bad && (excess > worst_excess || std::isnan(excess))) worst_excess = excess, worst = i;
    }
    std::printf("%s: %zu elements, %zu outside |a-e| <= %g + %g|e|; worst at %zu: %.9g vs %.9g\n",
                failures ? "FAIL" : "ok", expected.data.size(), failures, atol, rtol, worst,
                actual.data[worst], expected.data[worst]);
    return failures ? 1 : 0;
  } catch (const kiln::RuntimeError& e) {
    std::printf("FAIL: %s\n", e.what());
    return 1;
  }
}
