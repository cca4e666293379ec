#include "codegen/MemoryPlan.h"

#include <algorithm>

namespace kiln {
namespace {

constexpr int64_t kAlignFloats = 16;  // 64 bytes: a cache line, an AVX-512 vector

int64_t aligned(int64_t floats) { return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

struct Block {
  int64_t offset, size;
  size_t last_use;  // index of the last kernel that reads it
};

}  // namespace

MemoryPlan plan_memory(const Graph& graph, const std::vector<Kernel>& kernels, const InPlaceOutputs& in_place) {
  std::vector<size_t> last_use = last_readers(graph, kernels);

  MemoryPlan plan;
  std::vector<Block> live;
  for (size_t k = 0; k < kernels.size(); ++k) {
    int tensor = kernels[k].output();
    if (graph.is_output(tensor)) continue;
    // Blocks read only by earlier kernels are free again; a block read by this
    // kernel is not, since the kernel reads its inputs while it writes.
    live.erase(std::remove_if(live.begin(), live.end(), [&](const Block& b) { return b.last_use < k; }),
               live.end());
    std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.offset < b.offset; });
    int64_t size = aligned(element_count(graph.layers[tensor].shape));
    auto operand = in_place.find(tensor);
    if (operand != in_place.end()) {
      int64_t offset = plan.offsets.at(operand->second);
      auto block = std::find_if(live.begin(), live.end(), [&](const Block& b) { return b.offset == offset; });
      *block = {offset, size, std::max(last_use[tensor], k)};
      plan.offsets[tensor] = offset;
      continue;
    }
    int64_t offset = 0;  // first fit
    for (const Block& block : live) {
      if (offset + size <= block.offset) break;
      offset = std::max(offset, block.offset + block.size);
    }
    live.push_back({offset, size, std::max(last_use[tensor], k)});
    plan.offsets[tensor] = offset;
    plan.arena_floats = std::max(plan.arena_floats, offset + size);
  }
  return plan;
}

}  // namespace kiln
