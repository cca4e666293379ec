#include "schedule/ApplySchedule.h"

namespace kiln {
namespace {

// Vectorizes the innermost dimension of a reduction's every stage, keeping
// the vector innermost so that each tap is one vector multiply-add. Tails
// shift inwards (pure) or are guarded (updates, which are not idempotent),
// never rounded up past what the consumer needs: that would read past the inputs.
void vectorize_reduction(Halide::Func f, int width) {
  Halide::Var d0("d0"), lanes("lanes");
  f.vectorize(d0, width, Halide::TailStrategy::ShiftInwards);
  for (int i = 0; i < f.num_update_definitions(); ++i) {
    std::vector<Halide::VarOrRVar> order = {lanes};
    for (const Halide::RVar& r : f.rvars(i)) order.emplace_back(r);
    order.emplace_back(d0);
    f.update(i).split(d0, d0, lanes, width, Halide::TailStrategy::GuardWithIf).vectorize(lanes).reorder(order);
  }
}

}  // namespace

void apply_schedule(const KernelSchedule& s, Halide::Func output,
                    const std::vector<Halide::Func>& reductions) {
  std::vector<Halide::Var> args = output.args();
  int rank = static_cast<int>(args.size());
  Halide::LoopLevel rows = Halide::LoopLevel(output, Halide::Var::outermost());
  if (rank >= 2) {
    // Fuse every dimension but the innermost into one row loop.
    Halide::Var row = args[1];
    for (int i = 2; i < rank; ++i) {
      Halide::Var fused("row" + std::to_string(i));
      output.fuse(row, args[i], fused);
      row = fused;
    }
    if (s.parallel) {
      Halide::Var task("task"), row_in_task("row_in_task");
      output.split(row, task, row_in_task, s.rows_per_task).parallel(task);
      row = row_in_task;
    }
    rows = Halide::LoopLevel(output, row);
  }
  if (s.vector_width > 1) output.vectorize(args[0], s.vector_width);
  for (Halide::Func reduction : reductions) {
    reduction.compute_at(rows);
    // A reduction over the output's own innermost dimension is computed for a
    // whole row, at least vector_width wide; others may be narrower.
    std::vector<Halide::Var> own = reduction.args();
    if (s.vector_width > 1 && !own.empty() && own[0].name() == args[0].name())
      vectorize_reduction(reduction, s.vector_width);
  }
}

}  // namespace kiln
