#pragma once
// What the peers' benchmark programs share: the layer from the command line
// (N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]) and the timing loop.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

struct ConvLayer {
  long n, c, h, w, k, kh, kw, sh, sw, pt, pl, pb, pr, groups;
  double min_seconds = 1.0;
  long out_h() const { return (h + pt + pb - kh) / sh + 1; }
  long out_w() const { return (w + pl + pr - kw) / sw + 1; }
};

// Returns false (after printing the usage) if the arguments are missing.
inline bool parse_conv_layer(int argc, char** argv, const char* program, ConvLayer& layer) {
  if (argc < 15) {
    std::fprintf(stderr, "usage: %s N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]\n", program);
    return false;
  }
  long* fields[] = {&layer.n,  &layer.c,  &layer.h,  &layer.w,  &layer.k,  &layer.kh, &layer.kw,
                    &layer.sh, &layer.sw, &layer.pt, &layer.pl, &layer.pb, &layer.pr, &layer.groups};
  for (int i = 0; i < 14; ++i) *fields[i] = std::atol(argv[i + 1]);
  if (argc > 15) layer.min_seconds = std::atof(argv[15]);
  return true;
}

// The median of timed runs after 5 warm-up runs: at least 10, and at least
// min_seconds in all (at most 10000). Sets `runs` to how many were timed.
template <typename Run>
double median_ms(Run&& run, double min_seconds, size_t& runs) {
  for (int i = 0; i < 5; ++i) run();
  std::vector<double> times;
  auto since = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto begin = std::chrono::steady_clock::now();
  while (times.size() < 10 || (since(begin) < min_seconds && times.size() < 10000)) {
    auto t = std::chrono::steady_clock::now();
    run();
    times.push_back(since(t));
  }
  std::sort(times.begin(), times.end());
  runs = times.size();
  return times[times.size() / 2] * 1e3;
}
