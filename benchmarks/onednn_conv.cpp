// onednn_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]: times one
// oneDNN forward-inference convolution with bias, layouts chosen by oneDNN
// (format_tag::any), data reordered once outside the timing. Prints
// {"ms": median primitive execution time, "runs": count}. Threads: OMP_NUM_THREADS.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <vector>

using dnnl::memory;

namespace {

memory filled(const memory::desc& desc, const dnnl::engine& engine) {
  memory m(desc, engine);
  auto* data = static_cast<float*>(m.get_data_handle());
  for (size_t i = 0; i < desc.get_size() / sizeof(float); ++i) data[i] = 0.01f * static_cast<float>(i % 97);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 15) {
    std::fprintf(stderr, "usage: onednn_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]\n");
    return 2;
  }
  long v[14];
  for (int i = 0; i < 14; ++i) v[i] = std::atol(argv[i + 1]);
  double min_seconds = argc > 15 ? std::atof(argv[15]) : 1.0;
  long n = v[0], c = v[1], h = v[2], w = v[3], k = v[4], kh = v[5], kw = v[6], sh = v[7], sw = v[8];
  long pt = v[9], pl = v[10], pb = v[11], pr = v[12], g = v[13];
  long oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1;

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto any = memory::format_tag::any;
  memory::dims weight_dims = g == 1 ? memory::dims{k, c, kh, kw} : memory::dims{g, k / g, c / g, kh, kw};
  memory::desc src({n, c, h, w}, memory::data_type::f32, any), weights(weight_dims, memory::data_type::f32, any),
      bias({k}, memory::data_type::f32, memory::format_tag::x), dst({n, k, oh, ow}, memory::data_type::f32, any);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                       weights, bias, dst, {sh, sw}, {pt, pl}, {pb, pr});
  dnnl::convolution_forward::primitive_desc pd(desc, engine);
  memory src_m = filled(pd.src_desc(), engine), weights_m = filled(pd.weights_desc(), engine),
         bias_m = filled(pd.bias_desc(), engine), dst_m(pd.dst_desc(), engine);
  dnnl::convolution_forward conv(pd);
  auto run = [&] {
    conv.execute(stream, {{DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, weights_m}, {DNNL_ARG_BIAS, bias_m},
                          {DNNL_ARG_DST, dst_m}});
    stream.wait();
  };
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
  std::printf("{\"ms\": %.6f, \"runs\": %zu, \"impl\": \"%s\"}\n", times[times.size() / 2] * 1e3, times.size(),
              pd.impl_info_str());
  return 0;
}
