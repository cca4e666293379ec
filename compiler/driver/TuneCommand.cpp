// kiln tune: searches each kernel's schedule space by measuring. Every round
// gives kernels still being tuned one new candidate each (a neighbour of its
// best so far; the heavier the kernel, the likelier), compiles the network
// once with all of them, and keeps the candidates whose network output
// matches the default schedule's and whose kernel beats the best so far in a
// paired measurement: the two networks run in turns, so that a moment when
// the shared machine is slow or fast counts for both. Networks run only in
// child processes, each round in its own, so that a candidate that crashes
// or hangs costs its round and no more. Trials go to the log as they are
// measured; kernels whose signature the log knows start from its best,
// and try today's default against it first when the two differ. Before
// the neighbours, every kernel tries what each of Halide's autoschedulers
// makes of it. `--schedule` starts the kernels from a schedule file's
// sections (over the defaults) instead, with its layouts, which the search
// keeps: a layer is then tuned in the layouts a network gives it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "codegen/Target.h"
#include "driver/Commands.h"
#include "driver/LoadedNetwork.h"
#include "driver/MeasurementData.h"
#include "driver/ScratchDirectory.h"
#include "language/Diagnostics.h"
#include "plan/KernelFormation.h"
#include "schedule/Autoscheduler.h"
#include "schedule/ScheduleFile.h"
#include "tune/IsolatedRun.h"
#include "tune/KernelSignature.h"
#include "tune/KernelTiming.h"
#include "tune/OutputCheck.h"
#include "tune/ScheduleSpace.h"
#include "tune/TuningLog.h"
#include "tune/TuningSearch.h"

namespace kiln {
namespace {

// The network compiled with one schedule file. Kernels compiled before with
// the same schedule come from `kernel_cache`: the network of every kernel's
// best is then only linked.
std::shared_ptr<const NetworkLibrary> build(const Graph& graph, const NetworkOptions& base,
                                            const std::string& schedule_path, const std::string& kernel_cache) {
  NetworkOptions options = base;
  options.schedule = schedule_path;
  CompileOptions compile = options.compile_options(false);
  compile.kernel_cache = kernel_cache;
  return std::make_shared<NetworkLibrary>(graph, compile);
}

// A network library loaded, given its inputs and warmed up (in a child process).
std::unique_ptr<LoadedNetwork> load(const Graph& graph, std::shared_ptr<const NetworkLibrary> library,
                                    const std::string& weights, const std::vector<std::vector<float>>& inputs) {
  auto network = std::make_unique<LoadedNetwork>(graph, std::move(library), weights);
  network->set_inputs(inputs);
  network->warm_up(2, 0.1);
  return network;
}

std::string to_message(const nlohmann::json& json) {
  std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(json);
  return std::string(bytes.begin(), bytes.end());
}

// The autoscheduler's trial of this kernel that ran fastest with correct
// outputs, timed in its pairing like any candidate (null if none).
const Trial* fastest_autoscheduled(const TuningLog& log, const std::string& signature) {
  const Trial* fastest = nullptr;
  for (const Trial& t : log.trials())
    if (t.signature == signature && t.correct && !t.schedule.autoschedule.empty() &&
        (!fastest || t.median_ms < fastest->median_ms))
      fastest = &t;
  return fastest;
}

std::string write_schedule(const std::vector<TunedKernel>& kernels, const Graph& graph, const std::string& target,
                           bool candidates, const std::string& path) {
  std::vector<ScheduleEntry> entries;
  for (const TunedKernel& k : kernels) {
    ScheduleEntry entry{k.name, {}, candidates && k.searching ? k.candidate : k.best, ""};
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
  std::string kernel_cache = scratch.path() + "/kernels";
  TuningLog log(options.log);

  // The default schedules' outputs are the reference; the starting points
  // are the schedule file's (its sections over the defaults), or the defaults.
  Halide::Target target = choose_target(options.target);
  std::string target_name = target.to_string();
  TargetTraits traits = schedule_traits(target);
  if (options.schedule.rfind("auto:", 0) == 0)
    throw UserError("error: kiln tune starts from a schedule file, not " + options.schedule +
                    " (it tries each of Halide's autoschedulers anyway)");
  std::shared_ptr<const NetworkLibrary> defaults = build(graph, options, "", kernel_cache);
  std::shared_ptr<const NetworkLibrary> start =
      options.schedule.empty() ? defaults : build(graph, options, options.schedule, kernel_cache);
  const char* start_name = options.schedule.empty() ? "default" : "start";
  std::vector<std::vector<float>> reference_outputs;
  std::vector<double> start_kernel_ms;
  {
    IsolatedResult measured = run_isolated(
        [&] {
          std::unique_ptr<LoadedNetwork> network = load(graph, start, weights, inputs);
          // The start's times are what the summary's speed-ups divide.
          std::vector<double> ms = fastest_kernel_ms({network.get()}, options.repeats).front();
          std::vector<std::vector<float>> outputs = network->outputs();
          std::vector<std::vector<float>> reference =
              start == defaults ? outputs : load(graph, defaults, weights, inputs)->outputs();
          return to_message({{"outputs", reference}, {"ms", ms}, {"agree", outputs_agree(outputs, reference)}});
        },
        0);
    if (!measured.ok) throw UserError("error: the network with the starting schedules failed: " + measured.failure);
    nlohmann::json result = nlohmann::json::from_cbor(measured.output);
    if (!result.at("agree").get<bool>())
      throw UserError("error: " + options.schedule + ": the network's outputs differ from the default schedules'");
    reference_outputs = result.at("outputs").get<std::vector<std::vector<float>>>();
    start_kernel_ms = result.at("ms").get<std::vector<double>>();
  }
  std::vector<TunedKernel> found;
  {
    const CompiledNetwork& compiled = start->compiled();
    for (size_t k = 0; k < compiled.kernels.size(); ++k) {
      TunedKernel tuned;
      tuned.name = compiled.kernels[k];
      tuned.layers = compiled.kernel_layers[k];
      // Candidates keep the start's layouts: a kernel's time depends on them.
      tuned.signature = kernel_signature(graph, tuned.layers, compiled.layouts, target_name);
      tuned.start = compiled.kernel_schedules[k];
      tuned.start_ms = start_kernel_ms[k];
      tuned.best = tuned.start;
      tuned.best_ms = tuned.start_ms;
      tuned.mine = static_cast<int>(k) % options.shard_count == options.shard_index;
      Kernel kernel{tuned.name, tuned.layers, {}, tuned.start.fuse_pool};
      tuned.may_flatten = flatten_problem(graph, kernel).empty();
      tuned.anchor_output = kernel.anchor_output();
      // A default is kept unless the log already has a best for the
      // signature (a default since changed, or another network's tune): it
      // was never timed against that one, so it does not replace it.
      if (tuned.mine && !log.tried(tuned.signature, tuned.start))
        log.append({tuned.signature, tuned.name, tuned.start, tuned.start_ms, true, utc_now(),
                    !log.best(tuned.signature), ""});
      if (auto best = log.best(tuned.signature)) {
        tuned.best = best->schedule;
        tuned.best_ms = best->median_ms;
        tuned.challenge_default = tuned.mine && !(tuned.best == tuned.start);
      }
      for (const std::string& plugin : autoscheduler_names()) {
        KernelSchedule seed = autoscheduled(plugin, tuned.start, tuned.start.layout);
        if (tuned.mine && !log.tried(tuned.signature, seed)) tuned.seeds.push_back(seed);
      }
      found.push_back(tuned);
    }
  }

  TuningSearch search(std::move(found));
  std::vector<TunedKernel>& kernels = search.kernels();
  auto untried = [&](const TunedKernel& k, const KernelSchedule& from) {
    return untried_near(from, [&](const KernelSchedule& s) { return log.tried(k.signature, s); },
                        graph.layers[k.layers.front()], graph.layers[k.anchor_output].shape, traits, k.may_flatten);
  };

  // The budget is the search's: measuring the defaults comes first, whatever it takes.
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  std::string candidate_path = scratch.path() + "/candidates.sched", best_path = scratch.path() + "/best.sched";
  double start_ms = 0;
  for (const TunedKernel& k : kernels) start_ms += k.start_ms;
  // The network of every kernel's best, which candidates are timed against.
  std::shared_ptr<const NetworkLibrary> incumbent = start;
  bool incumbent_stale = false;
  for (const TunedKernel& k : kernels) incumbent_stale = incumbent_stale || !(k.best == k.start);
  auto update_incumbent = [&] {
    if (!incumbent_stale) return;
    incumbent = build(graph, options, write_schedule(kernels, graph, target_name, false, best_path), kernel_cache);
    incumbent_stale = false;
  };
  // A positive budget measures at least one round, however slow the machine,
  // so that what a short tune does depends on the budget alone.
  auto more_rounds = [&](int round) {
    return options.budget_seconds > 0 && (round == 1 || elapsed() < options.budget_seconds) &&
           (options.max_rounds == 0 || round <= options.max_rounds);
  };
  for (int round = 1; more_rounds(round); ++round) {
    int searching = search.choose_candidates(untried, rng);
    if (searching == 0) break;  // every kernel of the shard has tried all within two moves
    update_incumbent();
    // Now and then one network of a pair runs at half speed for a whole
    // measurement while the other does not (its threads share a core), so a
    // win is measured again.
    std::shared_ptr<const NetworkLibrary> candidates;
    std::string failure;
    std::vector<std::vector<double>> ms, again;
    try {
      candidates = build(graph, options, write_schedule(kernels, graph, target_name, true, candidate_path), kernel_cache);
      IsolatedResult measured = run_isolated(
          [&] {
            std::unique_ptr<LoadedNetwork> best = load(graph, incumbent, weights, inputs);
            std::unique_ptr<LoadedNetwork> tried = load(graph, candidates, weights, inputs);
            if (!outputs_agree(tried->outputs(), reference_outputs)) return to_message({{"correct", false}});
            std::vector<std::vector<double>> pair = paired_kernel_ms({best.get(), tried.get()}, options.repeats), second;
            for (size_t i = 0; second.empty() && i < kernels.size(); ++i)
              if (kernels[i].searching && search.wins(pair, i)) second = paired_kernel_ms({best.get(), tried.get()}, options.repeats);
            return to_message({{"correct", true}, {"ms", pair}, {"again", second}});
          },
          options.timeout_seconds);
      if (measured.ok) {
        nlohmann::json result = nlohmann::json::from_cbor(measured.output);
        if (!result.at("correct").get<bool>()) {
          failure = "outputs differ from the default schedules'";
        } else {
          ms = result.at("ms").get<std::vector<std::vector<double>>>();
          again = result.at("again").get<std::vector<std::vector<double>>>();
        }
      } else {
        failure = measured.failure;
      }
    } catch (const UserError& error) {
      failure = error.what();
    }
    if (!failure.empty() && search.retry_in_halves()) {
      std::fprintf(stderr, "round %d (%.0f s): %d kernels tried; failed (%s): trying them in halves\n", round,
                   elapsed(), searching, failure.c_str());
      continue;
    }
    RoundResult result = search.record(ms, again, failure, log);
    if (result.all_kept) incumbent = candidates;
    incumbent_stale = incumbent_stale || result.incumbent_stale;
    std::string discarded = result.discarded.empty() ? "" : " (" + result.discarded + ")";
    std::fprintf(stderr, "round %d (%.0f s): %d kernels tried%s; best network %.3f ms, %.2fx the %s\n", round,
                 elapsed(), searching, discarded.c_str(), result.network_ms, start_ms / result.network_ms, start_name);
  }

  write_schedule(kernels, graph, target_name, false, options.out);
  std::printf("%-24s %7s %12s %12s %8s   %s\n", "kernel", "trials", start_name, "best", "speed-up",
              "fastest of Halide's autoschedulers");
  for (const TunedKernel& k : kernels)
    if (k.mine) {
      std::printf("%-24s %7d %9.4f ms %9.4f ms %7.2fx", k.name.c_str(), k.trials, k.start_ms, k.best_ms,
                  k.start_ms / k.best_ms);
      const Trial* seed = fastest_autoscheduled(log, k.signature);
      if (seed)
        std::printf("   %9.4f ms (%s)", seed->median_ms, seed->schedule.autoschedule.c_str());
      std::printf("\n");
    }
  // The progress lines weigh each kernel's best by its fastest median of
  // many pairings, which flatters it: the start's network and the best's,
  // timed in turns once more (each kernel's fastest of three pairings), say
  // what the tune gained.
  if (std::any_of(kernels.begin(), kernels.end(), [](const TunedKernel& k) { return k.mine && !(k.best == k.start); })) {
    update_incumbent();
    IsolatedResult measured = run_isolated(
        [&] {
          std::unique_ptr<LoadedNetwork> before = load(graph, start, weights, inputs);
          std::unique_ptr<LoadedNetwork> after = load(graph, incumbent, weights, inputs);
          std::vector<std::vector<double>> fastest = fastest_kernel_ms({before.get(), after.get()}, options.repeats);
          std::vector<double> sums(2, 0.0);
          for (size_t n = 0; n < 2; ++n)
            for (size_t k = 0; k < kernels.size(); ++k) sums[n] += kernels[k].mine ? fastest[n][k] : 0;
          return to_message({{"ms", sums}});
        },
        options.timeout_seconds);
    if (measured.ok) {
      std::vector<double> ms = nlohmann::json::from_cbor(measured.output).at("ms").get<std::vector<double>>();
      std::printf("in turns at the end: the %s's kernels %.3f ms, the best's %.3f ms (%.2fx)\n", start_name, ms[0],
                  ms[1], ms[0] / ms[1]);
    } else {
      std::printf("in turns at the end: not measured (%s)\n", measured.failure.c_str());
    }
  }
  std::printf("wrote %s after %.0f s\n", options.out.c_str(), elapsed());
  return 0;
}

}  // namespace kiln
