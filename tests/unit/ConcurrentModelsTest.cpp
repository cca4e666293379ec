// Separate instances of one network share nothing mutable (each owns its
// scratch arena; the weights are read-only): run from two threads at once,
// they give exactly what they give one after the other. Also built with
// ThreadSanitizer (scripts/sanitizers.sh).
#include <thread>

#include "DigitsModel.h"

namespace {

using kiln_test::DigitsModel;
using kiln_test::Images;

TEST(ConcurrentModels, TwoInstancesOnTwoThreadsMatchSequentialRuns) {
  Images images;
  ASSERT_EQ(images.count(), 360);
  DigitsModel first, second;
  const std::vector<float> expected = first.classify(images);
  ASSERT_EQ(second.classify(images), expected);
  for (int round = 0; round < 4; ++round) {
    std::vector<float> from_first, from_second;
    // Opposite orders, so that the two threads work on different images.
    std::thread a([&] { from_first = first.classify(images); });
    std::thread b([&] { from_second = second.classify(images, true); });
    a.join();
    b.join();
    EXPECT_EQ(from_first, expected) << "round " << round;
    EXPECT_EQ(from_second, expected) << "round " << round;
  }
}

TEST(ConcurrentModels, InstancesCreatedAndDestroyedOnManyThreads) {
  Images images;
  DigitsModel reference;
  const std::vector<float> expected = reference.classify(images);
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      DigitsModel own;
      results[t] = own.classify(images, t % 2 == 1);
    });
  for (std::thread& thread : threads) thread.join();
  for (const std::vector<float>& result : results) EXPECT_EQ(result, expected);
}

TEST(ConcurrentModels, LastErrorBelongsToItsThread) {
  digits_model* model = nullptr;
  ASSERT_NE(digits_create("/nonexistent/a.safetensors", &model), KILN_OK);
  std::string other_thread_error;
  std::thread([&] {
    digits_model* other = nullptr;
    EXPECT_NE(digits_create("/nonexistent/b.safetensors", &other), KILN_OK);
    other_thread_error = kiln_last_error();
  }).join();
  EXPECT_NE(std::string(kiln_last_error()).find("a.safetensors"), std::string::npos) << kiln_last_error();
  EXPECT_NE(other_thread_error.find("b.safetensors"), std::string::npos) << other_thread_error;
}

}  // namespace
