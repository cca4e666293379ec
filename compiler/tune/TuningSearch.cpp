#include "tune/TuningSearch.h"

#include <algorithm>

#include "tune/SearchBudget.h"

namespace kiln {

int TuningSearch::choose_candidates(const UntriedNear& untried, std::mt19937& rng) {
  for (TunedKernel& k : kernels_) k.searching = false;
  if (!retry_.empty()) {
    for (size_t i : retry_.front()) kernels_[i].searching = true;
    int searching = static_cast<int>(retry_.front().size());
    retry_.pop_front();
    return searching;
  }
  double network_ms = 0;
  int mine = 0;
  for (const TunedKernel& k : kernels_) {
    if (!k.mine) continue;
    network_ms += k.best_ms;
    ++mine;
  }
  int searching = 0;
  TunedKernel* heaviest = nullptr;  // of those with untried neighbours, should chance pick none
  for (TunedKernel& k : kernels_) {
    if (!k.mine) continue;
    if (k.challenge_default || !k.seeds.empty()) {
      if (k.challenge_default) {
        k.candidate = k.start;
      } else {
        k.candidate = k.seeds.back();
        k.seeds.pop_back();
      }
      k.searching = true;
      ++searching;
      continue;
    }
    // An autoscheduler's schedule has no fields to move: the search goes on from the start.
    std::vector<KernelSchedule> near = untried(k, k.best.autoschedule.empty() ? k.best : k.start);
    if (near.empty()) continue;
    k.candidate = near[std::uniform_int_distribution<size_t>(0, near.size() - 1)(rng)];
    if (!heaviest || k.best_ms > heaviest->best_ms) heaviest = &k;
    k.searching = std::bernoulli_distribution(trial_chance(k.best_ms, network_ms, mine))(rng);
    searching += k.searching;
  }
  if (searching == 0 && heaviest) {
    heaviest->searching = true;
    searching = 1;
  }
  return searching;
}

bool TuningSearch::wins(const PairedMs& pair, size_t i) const {
  const TunedKernel& k = kernels_[i];
  double best_ms = k.challenge_default ? pair[0][i] : std::min(pair[0][i], k.best_ms);
  return pair[1][i] < (1 - kKeepMargin) * best_ms;
}

bool TuningSearch::retry_in_halves() {
  std::vector<size_t> tried;
  for (size_t i = 0; i < kernels_.size(); ++i)
    if (kernels_[i].searching) tried.push_back(i);
  if (tried.size() < 2) return false;
  auto middle = tried.begin() + static_cast<std::ptrdiff_t>(tried.size() / 2);
  retry_.emplace_front(middle, tried.end());
  retry_.emplace_front(tried.begin(), middle);
  return true;
}

RoundResult TuningSearch::record(const PairedMs& ms, const PairedMs& again, const std::string& failure,
                                 TuningLog& log) {
  RoundResult result;
  bool correct = failure.empty(), any_kept = false, all_kept = true;
  for (size_t i = 0; i < kernels_.size(); ++i) {
    TunedKernel& k = kernels_[i];
    if (k.searching) {
      ++k.trials;
      bool kept = correct && wins(ms, i) && wins(again, i);
      log.append({k.signature, k.name, k.candidate, correct ? ms[1][i] : 0, correct, utc_now(), kept, failure});
      any_kept = any_kept || kept;
      all_kept = all_kept && kept;
      if (kept) {
        k.best = k.candidate;
        k.best_ms = std::min(ms[1][i], again[1][i]);
      } else if (correct) {
        k.best_ms = k.challenge_default ? ms[0][i] : std::min(k.best_ms, ms[0][i]);
        if (k.best == k.start) k.start_ms = k.best_ms;  // the same schedule, measured better
      } else {
        result.discarded = k.name + "'s failed: " + failure + "; discarded";
      }
      k.challenge_default = false;
    }
    result.network_ms += k.best_ms;
  }
  // Every candidate won: the candidates' network is the incumbent; some did:
  // the incumbent is linked again from the bests.
  result.all_kept = correct && all_kept;
  result.incumbent_stale = any_kept && !all_kept;
  return result;
}

}  // namespace kiln
