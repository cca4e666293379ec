#include "SpinningThreadPool.h"

#include <chrono>
#include <cstdlib>

namespace kiln {
namespace {

// How long an idle worker spins before it sleeps: longer than the gaps
// between a network's kernels, short enough to leave an idle program idle.
constexpr auto kSpinTime = std::chrono::microseconds(500);

thread_local bool in_pool_task = false;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}


}  // namespace

SpinningThreadPool& SpinningThreadPool::instance() {
  static SpinningThreadPool pool;
  return pool;
}

SpinningThreadPool::SpinningThreadPool() { start_workers(0); }

SpinningThreadPool::~SpinningThreadPool() { stop_workers(); }

void SpinningThreadPool::start_workers(int threads) {
  // 0: Halide's default, HL_NUM_THREADS or else one thread per core.
  const char* env = std::getenv("HL_NUM_THREADS");
  if (threads < 1) threads = env ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
  stopping_ = false;
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

void SpinningThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void SpinningThreadPool::set_threads(int threads) {
  bool idle = false;
  while (!busy_.compare_exchange_weak(idle, true)) idle = false;
  stop_workers();
  start_workers(threads);
  busy_ = false;
}

void SpinningThreadPool::run_claimed(uint64_t claim) {
  in_pool_task = true;
  for (;;) {
    uint64_t index = claim & kIndexMask, extent = (claim >> kIndexBits) & kIndexMask;
    if (index >= extent) break;
    if (!claim_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel)) continue;
    // Claimed: the loop cannot end before this iteration does, so its fields hold.
    int result = task_(user_context_, min_ + static_cast<int>(index), closure_);
    if (result != 0) {
      int none = 0;
      result_.compare_exchange_strong(none, result);
    }
    done_.fetch_add(1, std::memory_order_release);
    claim = claim_.load(std::memory_order_acquire);
  }
  in_pool_task = false;
}

void SpinningThreadPool::work() {
  uint64_t seen = loop_of(claim_.load(std::memory_order_acquire));
  for (;;) {
    auto spin_start = std::chrono::steady_clock::now();
    uint64_t claim = claim_.load(std::memory_order_acquire);
    for (int spins = 0; loop_of(claim) == seen && !stopping_; ++spins) {
      cpu_relax();
      if (spins % 256 == 255 && std::chrono::steady_clock::now() - spin_start > kSpinTime) {
        // Sleep until a new loop is published (par_for wakes sleepers after
        // publishing; a sleeper counts itself before it looks again).
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return loop_of(claim_.load()) != seen || stopping_; });
        sleepers_.fetch_sub(1);
        spin_start = std::chrono::steady_clock::now();
      }
      claim = claim_.load(std::memory_order_acquire);
    }
    if (stopping_) return;
    seen = loop_of(claim);
    run_claimed(claim);
  }
}

int SpinningThreadPool::par_for(void* user_context, halide_task_t task, int min, int extent, uint8_t* closure) {
  bool idle = false;
  if (in_pool_task || static_cast<uint64_t>(extent) > kIndexMask || !busy_.compare_exchange_strong(idle, true))
    return halide_default_do_par_for(user_context, task, min, extent, closure);
  if (workers_.empty() || extent < 2) {
    int result = 0;
    for (int i = min; i < min + extent && result == 0; ++i) result = task(user_context, i, closure);
    busy_.store(false, std::memory_order_release);
    return result;
  }
  user_context_ = user_context;
  task_ = task;
  min_ = min;
  closure_ = closure;
  done_.store(0, std::memory_order_relaxed);
  result_.store(0, std::memory_order_relaxed);
  uint64_t loop = loop_of(claim_.load(std::memory_order_relaxed)) + 1;
  uint64_t claim = (loop << kLoopShift) | (static_cast<uint64_t>(extent) << kIndexBits);
  claim_.store(claim, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    wake_.notify_all();
  }
  run_claimed(claim);
  for (int spins = 0; done_.load(std::memory_order_acquire) < extent; ++spins)
    if (spins % 1024 == 1023) std::this_thread::yield();  // a worker lost its core
    else cpu_relax();
  int result = result_.load();
  busy_.store(false, std::memory_order_release);
  return result;
}

}  // namespace kiln
