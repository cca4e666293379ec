// The runtime's pool for Halide's parallel loops: every iteration runs once,
// results come back, and loops inside loops or from several threads at once
// (which go to Halide's pool) finish too, and each thread starts on its own
// share of a loop.
#include "SpinningThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace {

struct Counts {
  std::vector<std::atomic<int>> runs;
  int failing = -1;  // this iteration returns 7
  explicit Counts(int n) : runs(n) {}
};

int count_iteration(void*, int i, uint8_t* closure) {
  Counts& counts = *reinterpret_cast<Counts*>(closure);
  counts.runs[i].fetch_add(1);
  return i == counts.failing ? 7 : 0;
}

// Runs loops of every extent up to `largest` at offset `min`; checks each
// iteration ran exactly once.
void expect_each_iteration_once(int largest, int min) {
  kiln::SpinningThreadPool& pool = kiln::SpinningThreadPool::instance();
  for (int extent = 0; extent <= largest; ++extent) {
    Counts counts(min + extent);
    ASSERT_EQ(pool.par_for(nullptr, count_iteration, min, extent, reinterpret_cast<uint8_t*>(&counts)), 0);
    for (int i = 0; i < min + extent; ++i) ASSERT_EQ(counts.runs[i].load(), i >= min ? 1 : 0) << extent << " " << i;
  }
}

TEST(SpinningThreadPool, RunsEveryIterationOnceWithAnyThreads) {
  kiln::SpinningThreadPool& pool = kiln::SpinningThreadPool::instance();
  for (int threads : {1, 2, 3, 0}) {
    pool.set_threads(threads);
    expect_each_iteration_once(70, 5);
  }
}

TEST(SpinningThreadPool, ReturnsAFailingIterationsResult) {
  Counts counts(40);
  counts.failing = 17;
  EXPECT_EQ(kiln::SpinningThreadPool::instance().par_for(nullptr, count_iteration, 0, 40,
                                                        reinterpret_cast<uint8_t*>(&counts)),
            7);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(counts.runs[i].load(), 1);
}

int run_inner_loop(void*, int, uint8_t* closure) {
  Counts& inner = *reinterpret_cast<Counts*>(closure);
  return kiln::SpinningThreadPool::instance().par_for(nullptr, count_iteration, 0, 8,
                                                      reinterpret_cast<uint8_t*>(&inner));
}

TEST(SpinningThreadPool, LoopsInsideLoopsFinish) {
  Counts inner(8);
  ASSERT_EQ(kiln::SpinningThreadPool::instance().par_for(nullptr, run_inner_loop, 0, 6,
                                                        reinterpret_cast<uint8_t*>(&inner)),
            0);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(inner.runs[i].load(), 6);
}

TEST(SpinningThreadPool, LoopsFromSeveralThreadsFinish) {
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) callers.emplace_back([] { expect_each_iteration_once(40, 0); });
  for (std::thread& caller : callers) caller.join();
}

// Each iteration waits until every thread of the pool runs one (10 s at most),
// so that no thread can finish its share and take from another's before all
// have claimed their first iteration.
struct FirstIterations {
  int threads;
  std::chrono::steady_clock::time_point give_up;
  std::mutex mutex;
  std::map<std::thread::id, int> first;  // each thread's first iteration
};

int record_first_iteration(void*, int i, uint8_t* closure) {
  FirstIterations& seen = *reinterpret_cast<FirstIterations*>(closure);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(seen.mutex);
      seen.first.emplace(std::this_thread::get_id(), i);
      if (static_cast<int>(seen.first.size()) == seen.threads) return 0;
    }
    if (std::chrono::steady_clock::now() > seen.give_up) return 1;
    std::this_thread::yield();
  }
}

TEST(SpinningThreadPool, EachThreadStartsOnItsOwnShare) {
  kiln::SpinningThreadPool& pool = kiln::SpinningThreadPool::instance();
  for (int threads : {2, 3}) {
    pool.set_threads(threads);
    FirstIterations seen{threads, std::chrono::steady_clock::now() + std::chrono::seconds(10), {}, {}};
    ASSERT_EQ(pool.par_for(nullptr, record_first_iteration, 0, 64, reinterpret_cast<uint8_t*>(&seen)), 0);
    std::set<int> firsts;
    for (const auto& [thread, first] : seen.first) firsts.insert(first);
    // Shares of 64 iterations: [0, 32) and [32, 64); [0, 21), [21, 42), [42, 64).
    std::set<int> shares_fronts = threads == 2 ? std::set<int>{0, 32} : std::set<int>{0, 21, 42};
    EXPECT_EQ(firsts, shares_fronts);
    EXPECT_EQ(seen.first.at(std::this_thread::get_id()), 0);  // the caller's share is the first
  }
  pool.set_threads(0);
}

TEST(SpinningThreadPool, SleepingWorkersWakeForTheNextLoop) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the workers' spinning
  expect_each_iteration_once(20, 0);
}

}  // namespace
