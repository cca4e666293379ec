#pragma once

#include <deque>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "schedule/Schedule.h"
#include "tune/TuningLog.h"

namespace kiln {

// One kernel of the network being tuned.
struct TunedKernel {
  std::string name, signature;
  std::vector<int> layers;
  KernelSchedule start, best, candidate;
  double start_ms = 0, best_ms = 0;
  int trials = 0;
  bool mine = false;         // in this shard
  bool may_flatten = false;  // its tensors allow flatten_pixels
  int anchor_output = -1;    // the tensor its first layer's schedule computes
  bool searching = false;    // has a candidate this round
  // The log's best is not today's default, which was never timed against
  // it (the defaults changed since, or another machine's tune): the default
  // is its first candidate, and the log's time for it counts for nothing.
  bool challenge_default = false;
  // Halide's autoschedulers' schedules of the kernel, still to be tried:
  // the search starts from them as from the default.
  std::vector<KernelSchedule> seeds;
};

// Each kernel's median time in ms in one measurement of two networks taking
// turns: [0] the incumbent's (every kernel's best), [1] the candidates'.
using PairedMs = std::vector<std::vector<double>>;

// How much faster than the best a candidate must run in its pairing to
// replace it: schedules that are as fast would otherwise swap on noise.
constexpr double kKeepMargin = 0.02;

// What a round changed.
struct RoundResult {
  double network_ms = 0;        // the sum of every kernel's best
  bool all_kept = false;        // every candidate won: the candidates' network is the incumbent
  bool incumbent_stale = false; // some won: the incumbent is to be linked again from the bests
  std::string discarded;        // the failed kernel's name and why, when the round failed
};

// The search of kiln tune, without compiling or measuring anything: which
// kernels get which candidate each round, whether a candidate is kept, and
// how a round that fails as a whole is retried. TuneCommand.cpp compiles
// and measures; tests drive it with made-up timings.
class TuningSearch {
 public:
  // The untried schedules near `from` for kernel `k` (ScheduleSpace's untried_near).
  using UntriedNear = std::function<std::vector<KernelSchedule>(const TunedKernel& k, const KernelSchedule& from)>;

  explicit TuningSearch(std::vector<TunedKernel> kernels) : kernels_(std::move(kernels)) {}

  std::vector<TunedKernel>& kernels() { return kernels_; }
  const std::vector<TunedKernel>& kernels() const { return kernels_; }

  // Gives kernels of the shard a candidate each for the next round: the
  // default to challenge the log's best, then Halide's autoschedulers'
  // seeds, then an untried neighbour of the best, each kernel with the
  // chance its share of the time earns it (the heaviest if chance picks
  // none); or the next group of a failed round to try again, with the
  // candidates they had. Returns how many got one (0: none has an untried
  // schedule within two moves).
  int choose_candidates(const UntriedNear& untried, std::mt19937& rng);

  // Whether kernel i's candidate ran faster than its best by the margin in
  // this pairing, against the best's fastest median yet: noise only ever
  // slows a kernel down.
  bool wins(const PairedMs& pair, size_t i) const;

  // After a round that failed as a whole (a crash, a time-out, wrong
  // outputs, a compile error) with more than one candidate: which one
  // failed is unknown, so each half is tried again without the other.
  // Returns false for a round of one candidate, whose failure is its own.
  bool retry_in_halves();

  // Records a round's trials in `log` and updates the bests: a candidate is
  // kept when it wins in `ms` and again in `again`; `failure` (a round of
  // one candidate) discards it.
  RoundResult record(const PairedMs& ms, const PairedMs& again, const std::string& failure, TuningLog& log);

  // The kernels waiting to be tried again, group by group.
  const std::deque<std::vector<size_t>>& retry_groups() const { return retry_; }

 private:
  std::vector<TunedKernel> kernels_;
  std::deque<std::vector<size_t>> retry_;
};

}  // namespace kiln
