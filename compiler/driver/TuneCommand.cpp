// kiln tune: searches each kernel's schedule space by measuring. Every round
// gives each kernel still being tuned one new candidate (a neighbour of its
// best so far), compiles the network once with all of them, times every
// kernel (median of repeated profiled runs) and keeps candidates whose
// network output matches the default schedule's. Trials go to the log as
// they are measured; kernels whose signature the log knows start from its best.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "codegen/Target.h"
#include "driver/Commands.h"
#include "driver/LoadedNetwork.h"
#include "driver/MeasurementData.h"
#include "driver/ScratchDirectory.h"
#include "language/Diagnostics.h"
#include "schedule/ScheduleFile.h"
#include "tune/KernelSignature.h"
#include "tune/OutputCheck.h"
#include "tune/ScheduleSpace.h"
#include "tune/TuningLog.h"

namespace kiln {
namespace {

struct TunedKernel {
  std::string name, signature;
  std::vector<int> layers;
  KernelSchedule start, best, candidate;
  double start_ms = 0, best_ms = 0;
  int trials = 0;
  bool mine = false;       // in this shard
  bool searching = false;  // has untried neighbours
};

struct Measurement {
  CompiledNetwork compiled;
  std::vector<double> kernel_ms;
  std::vector<std::vector<float>> outputs;
};

Measurement measure(const Graph& graph, const NetworkOptions& base, const std::string& schedule_path,
                    const std::string& weights, const std::vector<std::vector<float>>& inputs, int repeats) {
  NetworkOptions options = base;
  options.schedule = schedule_path;
  LoadedNetwork network(graph, options.compile_options(false), weights);
  network.set_inputs(inputs);
  for (int i = 0; i < 2; ++i) network.run();
  std::vector<std::vector<double>> samples(network.compiled().kernels.size());
  for (int r = 0; r < repeats; ++r) {
    std::vector<double> seconds = network.profile();
    for (size_t k = 0; k < seconds.size(); ++k) samples[k].push_back(seconds[k] * 1e3);
  }
  Measurement result;
  result.compiled = network.compiled();
  for (auto& s : samples) result.kernel_ms.push_back(median(s));
  result.outputs = network.outputs();
  return result;
}

std::string write_schedule(const std::vector<TunedKernel>& kernels, const Graph& graph, const std::string& target,
                           bool candidates, const std::string& path) {
  std::vector<ScheduleEntry> entries;
  for (const TunedKernel& k : kernels) {
    ScheduleEntry entry{k.name, {}, candidates && k.searching ? k.candidate : k.best};
    for (int layer : k.layers) entry.layers.push_back(graph.layers[layer].name);
    entries.push_back(entry);
  }
  std::ofstream out(path);
  out << format_schedule(entries, target);
  if (!out) throw UserError("error: cannot write " + path);
  return path;
}

}  // namespace

int tune_command(const TuneOptions& options) {
  Graph graph = load_network(options.spec);
  check_runs_here(options.target, "kiln tune");

  std::mt19937 rng(options.seed);
  ScratchDirectory scratch("kiln-tune");
  std::string weights = graph.weights().empty() ? "" : random_weights(graph, scratch.path(), rng);
  std::vector<std::vector<float>> inputs = random_inputs(graph, rng);
  TuningLog log(options.log);

  // The default schedules, as compiled: the reference outputs and the starting points.
  Halide::Target target = choose_target(options.target);
  std::string target_name = target.to_string();
  TargetTraits traits = schedule_traits(target);
  Measurement reference = measure(graph, options, "", weights, inputs, options.repeats);
  std::vector<TunedKernel> kernels;
  {
    const CompiledNetwork& compiled = reference.compiled;
    for (size_t k = 0; k < compiled.kernels.size(); ++k) {
      TunedKernel tuned;
      tuned.name = compiled.kernels[k];
      tuned.layers = compiled.kernel_layers[k];
      tuned.signature = kernel_signature(graph, tuned.layers, target_name);
      tuned.start = compiled.kernel_schedules[k];
      tuned.start_ms = reference.kernel_ms[k];
      tuned.best = tuned.start;
      tuned.best_ms = tuned.start_ms;
      tuned.mine = static_cast<int>(k) % options.shard_count == options.shard_index;
      if (tuned.mine && !log.tried(tuned.signature, tuned.start))
        log.append({tuned.signature, tuned.name, tuned.start, tuned.start_ms, true, utc_now()});
      if (auto best = log.best(tuned.signature)) {
        tuned.best = best->schedule;
        tuned.best_ms = best->median_ms;
      }
      kernels.push_back(tuned);
    }
  }

  // The budget is the search's: measuring the defaults comes first, whatever it takes.
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  std::string candidate_path = scratch.path() + "/candidates.sched";
  double start_ms = 0;
  for (const TunedKernel& k : kernels) start_ms += k.start_ms;
  for (int round = 1; elapsed() < options.budget_seconds; ++round) {
    int searching = 0;
    for (TunedKernel& k : kernels) {
      k.searching = false;
      if (!k.mine) continue;
      const Layer& anchor = graph.layers[k.layers.front()];
      std::vector<KernelSchedule> untried;
      for (const KernelSchedule& s : neighbours(k.best, anchor, graph.layers[k.layers.back()].shape, traits))
        if (!log.tried(k.signature, s)) untried.push_back(s);
      if (untried.empty()) continue;
      k.candidate = untried[std::uniform_int_distribution<size_t>(0, untried.size() - 1)(rng)];
      k.searching = true;
      ++searching;
    }
    if (searching == 0) break;  // every kernel of the shard sits at a local optimum
    bool correct = false;
    Measurement m;
    try {
      m = measure(graph, options, write_schedule(kernels, graph, target_name, true, candidate_path), weights, inputs,
                  options.repeats);
      correct = outputs_agree(m.outputs, reference.outputs);
    } catch (const UserError& error) {
      std::fprintf(stderr, "round %d: candidates failed: %s\n", round, error.what());
    }
    double total_ms = 0;
    for (size_t i = 0; i < kernels.size(); ++i) {
      TunedKernel& k = kernels[i];
      if (k.searching) {
        ++k.trials;
        double ms = correct ? m.kernel_ms[i] : 0;
        log.append({k.signature, k.name, k.candidate, ms, correct, utc_now()});
        if (correct && ms < k.best_ms) {
          k.best = k.candidate;
          k.best_ms = ms;
        }
      }
      total_ms += k.best_ms;
    }
    std::fprintf(stderr, "round %d (%.0f s): %d kernels tried%s; best network %.3f ms, %.2fx the default\n", round,
                 elapsed(), searching, correct ? "" : " (outputs differ: discarded)", total_ms, start_ms / total_ms);
  }

  write_schedule(kernels, graph, target_name, false, options.out);
  std::printf("%-24s %7s %12s %12s %8s\n", "kernel", "trials", "default", "best", "speed-up");
  for (const TunedKernel& k : kernels)
    if (k.mine)
      std::printf("%-24s %7d %9.4f ms %9.4f ms %7.2fx\n", k.name.c_str(), k.trials, k.start_ms, k.best_ms,
                  k.start_ms / k.best_ms);
  std::printf("wrote %s after %.0f s\n", options.out.c_str(), elapsed());
  return 0;
}

}  // namespace kiln
