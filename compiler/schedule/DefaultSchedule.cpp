#include "schedule/DefaultSchedule.h"

#include <algorithm>

namespace kiln {

int64_t output_rows(const Shape& output) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < output.size(); ++i) rows *= output[i];
  return rows;
}

KernelSchedule default_schedule(const Shape& output, int64_t flops, int natural_vector_width) {
  KernelSchedule s;
  // The widest power of two that the innermost extent can hold.
  int64_t inner = output.back();
  s.vector_width = 1;
  while (s.vector_width * 2 <= std::min<int64_t>(inner, natural_vector_width)) s.vector_width *= 2;
  // Threads pay off only past some work; about 16 tasks balance two to eight cores.
  int64_t rows = output_rows(output);
  constexpr int64_t kMinParallelFlops = 1 << 16;
  s.parallel = output.size() >= 2 && rows >= 2 && std::max<int64_t>(flops, element_count(output)) >= kMinParallelFlops;
  s.rows_per_task = s.parallel ? static_cast<int>(std::max<int64_t>(1, rows / 16)) : 1;
  return s;
}

std::string schedule_problem(const KernelSchedule& s, const Shape& output) {
  if (s.vector_width > output.back())
    return "vector_width " + std::to_string(s.vector_width) + " exceeds the innermost extent " +
           std::to_string(output.back()) + " of the output " + to_string(output);
  if (s.parallel && output.size() < 2)
    return "parallel needs an output with at least 2 dimensions, the output is " + to_string(output);
  if (s.parallel && s.rows_per_task > output_rows(output))
    return "rows_per_task " + std::to_string(s.rows_per_task) + " exceeds the output's " +
           std::to_string(output_rows(output)) + " rows";
  return "";
}

}  // namespace kiln
