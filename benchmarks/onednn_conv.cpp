// onednn_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS]: times one
// oneDNN forward-inference convolution with bias, layouts chosen by oneDNN
// (format_tag::any), data reordered once outside the timing. Prints
// {"ms": median primitive execution time, "runs": count}. Threads: OMP_NUM_THREADS.
#include <dnnl.hpp>

#include "ConvLayer.h"

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
  ConvLayer l;
  if (!parse_conv_layer(argc, argv, "onednn_conv", l)) return 2;
  long n = l.n, c = l.c, k = l.k, kh = l.kh, kw = l.kw, g = l.groups;

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto any = memory::format_tag::any;
  memory::dims weight_dims = g == 1 ? memory::dims{k, c, kh, kw} : memory::dims{g, k / g, c / g, kh, kw};
  memory::desc src({n, c, l.h, l.w}, memory::data_type::f32, any), weights(weight_dims, memory::data_type::f32, any),
      bias({k}, memory::data_type::f32, memory::format_tag::x),
      dst({n, k, l.out_h(), l.out_w()}, memory::data_type::f32, any);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                       weights, bias, dst, {l.sh, l.sw}, {l.pt, l.pl}, {l.pb, l.pr});
  dnnl::convolution_forward::primitive_desc pd(desc, engine);
  memory src_m = filled(pd.src_desc(), engine), weights_m = filled(pd.weights_desc(), engine),
         bias_m = filled(pd.bias_desc(), engine), dst_m(pd.dst_desc(), engine);
  dnnl::convolution_forward conv(pd);
  auto run = [&] {
    conv.execute(stream, {{DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, weights_m}, {DNNL_ARG_BIAS, bias_m},
                          {DNNL_ARG_DST, dst_m}});
    stream.wait();
  };
  size_t runs = 0;
  double ms = median_ms(run, l.min_seconds, runs);
  std::printf("{\"ms\": %.6f, \"runs\": %zu, \"impl\": \"%s\"}\n", ms, runs, pd.impl_info_str());
  return 0;
}
