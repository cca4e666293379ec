#include "SpinningThreadPool.h"

#include <algorithm>
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
  threads = std::max(threads, 1);
  stopping_ = false;
  shares_ = std::vector<Share>(static_cast<size_t>(threads));
  // Workers wait for loops published after this one, however late they start.
  uint64_t published = loop_.load();
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, published] { work(i, published); });
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

void SpinningThreadPool::run_share(int share, uint64_t loop, bool from_front) {
  std::atomic<uint64_t>& word = shares_[static_cast<size_t>(share)].word;
  uint64_t claim = word.load(std::memory_order_acquire);
  for (;;) {
    uint64_t front = claim & kIndexMask, back = (claim >> kIndexBits) & kIndexMask;
    if (loop_of(claim) != loop || front >= back) return;
    uint64_t index = from_front ? front : back - 1;
    uint64_t next = from_front ? claim + 1 : claim - (uint64_t{1} << kIndexBits);
    if (!word.compare_exchange_weak(claim, next, std::memory_order_acq_rel)) continue;
    // Claimed: the loop cannot end before this iteration does, so its fields hold.
    int result = task_(user_context_, min_ + static_cast<int>(index), closure_);
    if (result != 0) {
      int none = 0;
      result_.compare_exchange_strong(none, result);
    }
    done_.fetch_add(1, std::memory_order_release);
    claim = word.load(std::memory_order_acquire);
  }
}

void SpinningThreadPool::run_loop(int thread, uint64_t loop) {
  in_pool_task = true;
  int threads = static_cast<int>(shares_.size());
  run_share(thread, loop, true);
  for (int other = 1; other < threads; ++other) run_share((thread + other) % threads, loop, false);
  in_pool_task = false;
}

void SpinningThreadPool::work(int thread, uint64_t seen) {
  for (;;) {
    auto spin_start = std::chrono::steady_clock::now();
    uint64_t loop = loop_.load(std::memory_order_acquire);
    for (int spins = 0; loop == seen && !stopping_; ++spins) {
      cpu_relax();
      if (spins % 256 == 255 && std::chrono::steady_clock::now() - spin_start > kSpinTime) {
        // Sleep until a new loop is published (par_for wakes sleepers after
        // publishing; a sleeper counts itself before it looks again).
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] { return loop_.load() != seen || stopping_; });
        sleepers_.fetch_sub(1);
        spin_start = std::chrono::steady_clock::now();
      }
      loop = loop_.load(std::memory_order_acquire);
    }
    if (stopping_) return;
    seen = loop;
    run_loop(thread, loop);
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
  uint64_t loop = (loop_.load(std::memory_order_relaxed) + 1) & (~uint64_t{0} >> kLoopShift);
  uint64_t threads = shares_.size();
  for (uint64_t i = 0; i < threads; ++i) {
    uint64_t front = extent * i / threads, back = extent * (i + 1) / threads;
    shares_[i].word.store((loop << kLoopShift) | (back << kIndexBits) | front, std::memory_order_relaxed);
  }
  loop_.store(loop, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    wake_.notify_all();
  }
  run_loop(0, loop);
  for (int spins = 0; done_.load(std::memory_order_acquire) < extent; ++spins)
    if (spins % 1024 == 1023) std::this_thread::yield();  // a worker lost its core
    else cpu_relax();
  int result = result_.load();
  busy_.store(false, std::memory_order_release);
  return result;
}

}  // namespace kiln
