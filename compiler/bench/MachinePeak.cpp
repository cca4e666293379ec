#include "bench/MachinePeak.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace kiln {
namespace {

constexpr int kAccumulators = 24;

#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_loop_avx512(long iterations) {
  __m512 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long n = 0; n < iterations; ++n)
#pragma GCC unroll 24  // constant indices: the accumulators live in registers
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float lanes[16], sum = 0;
  for (int i = 0; i < kAccumulators; ++i) {
    _mm512_storeu_ps(lanes, acc[i]);
    for (float lane : lanes) sum += lane;
  }
  volatile float sink = sum;
  (void)sink;
  return 2.0 * 16 * kAccumulators * iterations;
}

__attribute__((target("avx2,fma"))) double fma_loop_avx2(long iterations) {
  __m256 acc[12];  // 16 registers: fewer accumulators
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (long n = 0; n < iterations; ++n)
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float lanes[8], sum = 0;
  for (int i = 0; i < 12; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    for (float lane : lanes) sum += lane;
  }
  volatile float sink = sum;
  (void)sink;
  return 2.0 * 8 * 12 * iterations;
}
#endif

double scalar_loop(long iterations) {
  float acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = static_cast<float>(i);
  for (long n = 0; n < iterations; ++n)
#pragma GCC unroll 24
    for (float& a : acc) a = a * 0.999f + 0.001f;
  volatile float sink = acc[0];
  (void)sink;
  return 2.0 * kAccumulators * iterations;
}

double fma_loop(long iterations) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) return fma_loop_avx512(iterations);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return fma_loop_avx2(iterations);
#endif
  return scalar_loop(iterations);
}

}  // namespace

double measure_fma_peak_gflops(int threads, double seconds) {
  // Size the loop from a short single-thread trial.
  auto start = std::chrono::steady_clock::now();
  double trial = fma_loop(20000);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long iterations = static_cast<long>(20000 * seconds / std::max(elapsed, 1e-6));

  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        ++ready;
        while (!go) std::this_thread::yield();
        fma_loop(iterations);
      });
    while (ready < threads) std::this_thread::yield();
    start = std::chrono::steady_clock::now();
    go = true;
    for (std::thread& w : workers) w.join();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, threads * trial / 20000 * iterations / elapsed / 1e9);
  }
  return best;
}

}  // namespace kiln
