// onednn_conv N C H W K KH KW SH SW PT PL PB PR GROUPS [MIN_SECONDS [PRECISION]]:
// times one oneDNN forward-inference convolution with bias, layouts chosen by
// oneDNN (format_tag::any), data reordered once outside the timing.
// PRECISION: f32 (the default); bf16 (bf16 input, weights and output, f32
// bias); int8 (u8 input, s8 weights, f32 bias, u8 output with a scale per
// output channel, as a quantized network's layer). Prints {"ms": median
// primitive execution time, "runs": count, "impl": ...}. Threads: OMP_NUM_THREADS.
#include <dnnl.hpp>

#include <cstring>
#include <string>

#include "ConvLayer.h"

using dnnl::memory;

namespace {

// Small values of the memory's own type, the same pattern for every type.
memory filled(const memory::desc& desc, const dnnl::engine& engine) {
  memory m(desc, engine);
  auto* bytes = static_cast<unsigned char*>(m.get_data_handle());
  size_t size = desc.get_size();
  switch (desc.data_type()) {
    case memory::data_type::f32:
      for (size_t i = 0; i < size / 4; ++i) reinterpret_cast<float*>(bytes)[i] = 0.01f * static_cast<float>(i % 97);
      break;
    case memory::data_type::bf16:
      for (size_t i = 0; i < size / 2; ++i) {
        float value = 0.01f * static_cast<float>(i % 97);
        uint32_t bits;
        std::memcpy(&bits, &value, 4);
        reinterpret_cast<uint16_t*>(bytes)[i] = static_cast<uint16_t>(bits >> 16);
      }
      break;
    default:  // u8 and s8
      for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(i % 97);
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  ConvLayer l;
  if (!parse_conv_layer(argc, argv, "onednn_conv", l)) return 2;
  std::string precision = argc > 16 ? argv[16] : "f32";
  using dt = memory::data_type;
  dt src_type = dt::f32, weight_type = dt::f32, dst_type = dt::f32;
  if (precision == "bf16") {
    src_type = weight_type = dst_type = dt::bf16;
  } else if (precision == "int8") {
    src_type = dst_type = dt::u8;
    weight_type = dt::s8;
  } else if (precision != "f32") {
    std::fprintf(stderr, "onednn_conv: PRECISION is f32, bf16 or int8, not %s\n", precision.c_str());
    return 2;
  }
  long n = l.n, c = l.c, k = l.k, kh = l.kh, kw = l.kw, g = l.groups;

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto any = memory::format_tag::any;
  memory::dims weight_dims = g == 1 ? memory::dims{k, c, kh, kw} : memory::dims{g, k / g, c / g, kh, kw};
  memory::desc src({n, c, l.h, l.w}, src_type, any), weights(weight_dims, weight_type, any),
      bias({k}, dt::f32, memory::format_tag::x), dst({n, k, l.out_h(), l.out_w()}, dst_type, any);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src,
                                       weights, bias, dst, {l.sh, l.sw}, {l.pt, l.pl}, {l.pb, l.pr});
  dnnl::primitive_attr attr;
  if (precision == "int8") attr.set_output_scales(1 << 1, std::vector<float>(static_cast<size_t>(k), 0.001f));
  dnnl::convolution_forward::primitive_desc pd(desc, attr, engine);
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
