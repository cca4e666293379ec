// xnnpack_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]: times
// one XNNPACK NHWC f32 convolution operator (with bias) on a 2-thread
// pthreadpool, set up once; prints {"ms": median run time, "runs": count}.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 15) {
    std::fprintf(stderr, "usage: xnnpack_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]\n");
    return 2;
  }
  long v[14];
  for (int i = 0; i < 14; ++i) v[i] = std::atol(argv[i + 1]);
  double min_seconds = argc > 15 ? std::atof(argv[15]) : 1.0;
  long n = v[0], c = v[1], h = v[2], w = v[3], k = v[4], kh = v[5], kw = v[6], sh = v[7], sw = v[8];
  long pt = v[9], pl = v[10], pb = v[11], pr = v[12], g = v[13];
  long oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1;

  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack_conv: xnn_initialize failed\n");
    return 1;
  }
  pthreadpool_t pool = pthreadpool_create(2);
  std::vector<float> input(n * h * w * c, 0.5f), output(n * oh * ow * k), bias(k, 0.1f);
  std::vector<float> kernel(k * kh * kw * (c / g));
  for (size_t i = 0; i < kernel.size(); ++i) kernel[i] = 0.01f * static_cast<float>(i % 97);
  xnn_operator_t op = nullptr;
  const float inf = std::numeric_limits<float>::infinity();
  if (xnn_create_convolution2d_nhwc_f32(pt, pr, pb, pl, kh, kw, sh, sw, 1, 1, g, c / g, k / g, c, k, kernel.data(),
                                        bias.data(), -inf, inf, 0, &op) != xnn_status_success ||
      xnn_setup_convolution2d_nhwc_f32(op, n, h, w, input.data(), output.data(), pool) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack_conv: cannot create the operator\n");
    return 1;
  }
  auto run = [&] { xnn_run_operator(op, pool); };
  for (int i = 0; i < 5; ++i) run();
  std::vector<double> times;
  auto begin = std::chrono::steady_clock::now();
  while (times.size() < 10 ||
         (std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count() < min_seconds &&
          times.size() < 10000)) {
    auto t = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"ms\": %.6f, \"runs\": %zu}\n", times[times.size() / 2] * 1e3, times.size());
  xnn_delete_operator(op);
  pthreadpool_destroy(pool);
  return 0;
}
