#pragma once

#include <HalideRuntime.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln {

// The parallel loops of Kiln's kernels (Halide's halide_do_par_for). Halide's
// own pool puts its workers to sleep as soon as a loop ends, and waking them
// for the next kernel costs tens of microseconds on a VM: a tenth of a
// 0.3 ms layer. These workers spin for a while after each loop, as OpenMP's
// do (oneDNN's pool), so that the back-to-back kernels of a network find
// them awake, and then sleep. One caller at a time: a loop called while
// another runs (other threads' networks, a loop inside a loop's task) goes
// to Halide's pool.
class SpinningThreadPool {
 public:
  static SpinningThreadPool& instance();
  ~SpinningThreadPool();

  // Halide's halide_do_par_for: task(user_context, i, closure) for i in
  // [min, min + extent); 0, or one of the tasks' nonzero results.
  int par_for(void* user_context, halide_task_t task, int min, int extent, uint8_t* closure);

  // Threads taking part in a loop, the caller's included (0: HL_NUM_THREADS,
  // else one per core).
  void set_threads(int threads);

 private:
  SpinningThreadPool();
  void start_workers(int threads);
  void stop_workers();
  void work();
  // Claims and runs the current loop's iterations until none are left.
  void run_claimed(uint64_t claim);

  // A loop's iterations are claimed through one word: the loop's number,
  // its extent and the next unclaimed iteration, so that a worker late for
  // one loop cannot claim an iteration of the next.
  static constexpr int kIndexBits = 18, kLoopShift = 2 * kIndexBits;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
  static uint64_t loop_of(uint64_t claim) { return claim >> kLoopShift; }
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> done_{0};
  std::atomic<int> result_{0};
  // The current loop, written before its claim word is published.
  void* user_context_ = nullptr;
  halide_task_t task_ = nullptr;
  int min_ = 0;
  uint8_t* closure_ = nullptr;

  std::atomic<bool> busy_{false}, stopping_{false};
  std::atomic<int> sleepers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
};

// Makes Halide's parallel loops run on the pool (once; Threads.cpp).
void install_thread_pool();

}  // namespace kiln
