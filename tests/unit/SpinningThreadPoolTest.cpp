// The runtime's pool for Halide's parallel loops: every iteration runs once,
// results come back, and loops inside loops or from several threads at once
// (which go to Halide's pool) finish too.
#include "SpinningThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
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

TEST(SpinningThreadPool, SleepingWorkersWakeForTheNextLoop) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the workers' spinning
  expect_each_iteration_once(20, 0);
}

}  // namespace
