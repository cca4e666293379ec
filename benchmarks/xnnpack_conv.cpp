// xnnpack_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]: times
// one XNNPACK NHWC f32 convolution operator (with bias) on a 2-thread
// pthreadpool, set up once; prints {"ms": median run time, "runs": count}.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <limits>

#include "ConvLayer.h"

int main(int argc, char** argv) {
  ConvLayer l;
  if (!parse_conv_layer(argc, argv, "xnnpack_conv", l)) return 2;
  long n = l.n, c = l.c, h = l.h, w = l.w, k = l.k, g = l.groups;

  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack_conv: xnn_initialize failed\n");
    return 1;
  }
  pthreadpool_t pool = pthreadpool_create(2);
  std::vector<float> input(n * h * w * c, 0.5f), output(n * l.out_h() * l.out_w() * k), bias(k, 0.1f);
  std::vector<float> kernel(k * l.kh * l.kw * (c / g));
  for (size_t i = 0; i < kernel.size(); ++i) kernel[i] = 0.01f * static_cast<float>(i % 97);
  xnn_operator_t op = nullptr;
  const float inf = std::numeric_limits<float>::infinity();
  if (xnn_create_convolution2d_nhwc_f32(l.pt, l.pr, l.pb, l.pl, l.kh, l.kw, l.sh, l.sw, 1, 1, g, c / g, k / g, c, k,
                                        kernel.data(), bias.data(), -inf, inf, 0, &op) != xnn_status_success ||
      xnn_setup_convolution2d_nhwc_f32(op, n, h, w, input.data(), output.data(), pool) != xnn_status_success) {
    std::fprintf(stderr, "xnnpack_conv: cannot create the operator\n");
    return 1;
  }
  size_t runs = 0;
  double ms = median_ms([&] { xnn_run_operator(op, pool); }, l.min_seconds, runs);
  std::printf("{\"ms\": %.6f, \"runs\": %zu}\n", ms, runs);
  xnn_delete_operator(op);
  pthreadpool_destroy(pool);
  return 0;
}
