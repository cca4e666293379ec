// create/run/destroy gives back everything: 10,000 cycles keep the process's
// mapped and resident memory flat (a leak of 100 bytes a cycle would show).
// Leaks of any size are LeakSanitizer's to find, in the sanitizer build.
#include <unistd.h>

#include <fstream>

#include "DigitsModel.h"

namespace {

using kiln_test::DigitsModel;
using kiln_test::Images;

struct MemoryUse {
  long mapped_kb = 0, resident_kb = 0;
};

MemoryUse memory_use() {
  std::ifstream statm("/proc/self/statm");
  long mapped_pages = 0, resident_pages = 0;
  statm >> mapped_pages >> resident_pages;
  long page_kb = sysconf(_SC_PAGESIZE) / 1024;
  return {mapped_pages * page_kb, resident_pages * page_kb};
}

void create_run_destroy(const Images& images, int cycles, const std::vector<float>& expected) {
  for (int i = 0; i < cycles; ++i) {
    DigitsModel model;
    ASSERT_EQ(model.scores(images.image(i % images.count())),
              std::vector<float>(expected.begin() + (i % images.count()) * digits_fc2_SIZE,
                                 expected.begin() + (i % images.count() + 1) * digits_fc2_SIZE));
  }
}

TEST(ModelLifecycle, TenThousandCyclesKeepMemoryFlat) {
  Images images;
  ASSERT_GT(images.count(), 0);
  const std::vector<float> expected = DigitsModel().classify(images);
  create_run_destroy(images, 1000, expected);  // the allocator and thread pool settle
  MemoryUse before = memory_use();
  create_run_destroy(images, 9000, expected);
  MemoryUse after = memory_use();
  EXPECT_LE(after.mapped_kb - before.mapped_kb, 768) << "mapped memory grew";
  EXPECT_LE(after.resident_kb - before.resident_kb, 768) << "resident memory grew";
  std::printf("memory after 1,000 cycles: %ld KiB mapped, %ld KiB resident; after 10,000: %ld, %ld\n",
              before.mapped_kb, before.resident_kb, after.mapped_kb, after.resident_kb);
}

}  // namespace
