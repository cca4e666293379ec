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
//
// Each thread first runs its own share of a loop's iterations, in order
// (the caller the first share, worker i the i-th), and only then takes what
// is left at the end of the others' shares. So a core writes, kernel after
// kernel, the rows of the image it read before: a cache line another core
// read last has to be taken from that core before it is written, which
// iterations handed out first come first served kept doing (docs/runtime.md).
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
  // Worker `thread`'s life: spin, or sleep, until a loop newer than `seen`.
  void work(int thread, uint64_t seen);
  // Runs the iterations of `loop` that are left: `thread`'s share from its
  // front, then the other shares from their backs.
  void run_loop(int thread, uint64_t loop);
  // Runs the share's iterations from its front or its back until it has
  // none left or belongs to another loop.
  void run_share(int share, uint64_t loop, bool from_front);

  // A share of a loop's iterations is claimed through one word: the loop's
  // number, the share's next unclaimed iteration at its front and the end
  // of what is unclaimed at its back, so that a thread late for one loop
  // cannot claim an iteration of the next.
  static constexpr int kIndexBits = 18, kLoopShift = 2 * kIndexBits;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
  static uint64_t loop_of(uint64_t share) { return share >> kLoopShift; }
  struct alignas(64) Share {
    std::atomic<uint64_t> word{0};
  };
  std::vector<Share> shares_;      // one a thread
  std::atomic<uint64_t> loop_{0};  // the newest loop's number, published after its shares
  std::atomic<int> done_{0};
  std::atomic<int> result_{0};
  // The current loop, written before its number is published.
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
