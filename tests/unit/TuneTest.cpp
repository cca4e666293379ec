// The tuner's parts: the log round-trips and resumes, wrong outputs are
// rejected, every neighbour in the schedule space is a valid schedule, the
// kernel cache reuses a kernel only with its own schedule, and a crash or a
// hang in a measurement's child process is reported, not shared.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include "codegen/NetworkCompiler.h"
#include "graph/Checker.h"
#include "language/Diagnostics.h"
#include "language/Parser.h"
#include "schedule/DefaultSchedule.h"
#include "schedule/ScheduleValidity.h"
#include "tune/IsolatedRun.h"
#include "tune/KernelSignature.h"
#include "tune/KernelTiming.h"
#include "tune/OutputCheck.h"
#include "tune/ScheduleSpace.h"
#include "tune/SearchBudget.h"
#include "tune/TuningLog.h"
#include "tune/TuningSearch.h"

namespace kiln {
namespace {

TEST(TuningLog, RoundTripsAndFindsTheLastKeptCorrectTrial) {
  std::string path = ::testing::TempDir() + "round_trip.jsonl";
  std::remove(path.c_str());
  KernelSchedule a, b, c, lost, wrong;
  b.vector_width = 8;
  c.vector_width = 4;
  lost.vector_width = 2;
  wrong.vector_width = 16;
  {
    TuningLog log(path);
    log.append({"sig", "c1", a, 2.0, true, utc_now(), true});
    log.append({"sig", "c1", b, 1.0, true, utc_now(), true});
    // Timed while the machine was slow, c still beat b when both ran in turns.
    log.append({"sig", "c1", c, 1.5, true, utc_now(), true});
    log.append({"sig", "c1", lost, 0.5, true, utc_now(), false});  // fast alone, lost in the pairing
    log.append({"sig", "c1", wrong, 0.1, false, utc_now(), false});  // fast but wrong
    log.append({"other", "c2", a, 0.5, true, utc_now(), true});
  }
  TuningLog reopened(path);
  ASSERT_EQ(reopened.trials().size(), 6u);
  EXPECT_EQ(std::count_if(reopened.trials().begin(), reopened.trials().end(),
                          [](const Trial& t) { return t.signature == "sig"; }),
            5);
  EXPECT_TRUE(reopened.tried("sig", wrong));
  EXPECT_FALSE(reopened.tried("other", b));
  EXPECT_FALSE(reopened.trials()[3].kept);
  ASSERT_TRUE(reopened.best("sig"));
  EXPECT_EQ(reopened.best("sig")->schedule, c);
  EXPECT_DOUBLE_EQ(reopened.best("sig")->median_ms, 1.5);
  EXPECT_FALSE(reopened.best("unknown"));
}

TEST(TuningLog, OlderLinesWithoutKeptKeepTheFastestSoFar) {
  std::string path = ::testing::TempDir() + "older.jsonl";
  KernelSchedule a, b;
  b.vector_width = 8;
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_TRUE(f);
    for (auto [schedule, ms] : {std::pair{a, 2.0}, std::pair{b, 1.0}, std::pair{a, 3.0}})
      std::fprintf(f, "{\"signature\": \"sig\", \"kernel\": \"k\", \"schedule\": \"vector_width = %d\", "
                      "\"median_ms\": %g, \"correct\": true, \"when\": \"2026-11-24T00:00:00Z\"}\n",
                   schedule.vector_width, ms);
    std::fclose(f);
  }
  TuningLog log(path);
  ASSERT_EQ(log.trials().size(), 3u);
  EXPECT_TRUE(log.trials()[0].kept);
  EXPECT_TRUE(log.trials()[1].kept);
  EXPECT_FALSE(log.trials()[2].kept);
  EXPECT_EQ(log.best("sig")->schedule, b);
}

TEST(OutputCheck, RejectsWrongOutputsAndNaN) {
  std::vector<std::vector<float>> reference = {{1.0f, -100.0f, 3.0f}};
  EXPECT_TRUE(outputs_agree({{1.0f + 5e-3f, -100.0f, 3.0f}}, reference));  // 5e-5 of the largest
  EXPECT_FALSE(outputs_agree({{1.1f, -100.0f, 3.0f}}, reference));
  EXPECT_FALSE(outputs_agree({{std::numeric_limits<float>::quiet_NaN(), -100.0f, 3.0f}}, reference));
  EXPECT_FALSE(outputs_agree({{1.0f, -100.0f}}, reference));
}

// Two kernels: the pool's windows overlap, so it is not fused into c.
Graph small_network() {
  return check(parse("network t\ninput x: f32[1, 8, 14, 14]\n"
                     "c = conv2d(x, filters=32, kernel=3, padding=1)\n"
                     "p = maxpool(c, kernel=3, stride=2, padding=1)\noutput p\n"));
}

TEST(ScheduleSpace, NeighboursAreValidAndDifferent) {
  Graph graph = small_network();
  for (const TargetTraits traits : {TargetTraits{8, 16}, TargetTraits{16, 32}}) {
    for (int index : {1, 2}) {
      const Layer& layer = graph.layers[index];
      KernelSchedule start = default_schedule({layer, layer.shape, layer.flops, traits}).schedule;
      std::vector<KernelSchedule> found = neighbours(start, layer, layer.shape, traits);
      EXPECT_GE(found.size(), 4u) << layer.name;
      for (const KernelSchedule& s : found) {
        EXPECT_FALSE(s == start);
        EXPECT_EQ(schedule_problem(s, layer, layer.shape), "") << layer.name;
      }
    }
  }
}

// Where every neighbour was tried, the search moves two fields at once,
// never back to the start nor to a schedule it tried.
TEST(ScheduleSpace, UntriedNearGoesTwoMovesAtALocalOptimum) {
  Graph graph = small_network();
  const Layer& layer = graph.layers[1];
  TargetTraits traits{16, 32};
  KernelSchedule start = default_schedule({layer, layer.shape, layer.flops, traits}).schedule;
  std::vector<KernelSchedule> near = neighbours(start, layer, layer.shape, traits);
  auto none = [](const KernelSchedule&) { return false; };
  EXPECT_EQ(untried_near(start, none, layer, layer.shape, traits), near);
  auto is_near = [&](const KernelSchedule& s) { return std::find(near.begin(), near.end(), s) != near.end(); };
  std::vector<KernelSchedule> far = untried_near(start, is_near, layer, layer.shape, traits);
  EXPECT_GT(far.size(), near.size());
  for (const KernelSchedule& s : far) {
    EXPECT_FALSE(s == start);
    EXPECT_FALSE(is_near(s));
    EXPECT_EQ(schedule_problem(s, layer, layer.shape), "");
  }
  // The register tile reshaped: both of its fields moved.
  EXPECT_TRUE(std::any_of(far.begin(), far.end(), [&](const KernelSchedule& s) {
    return s.tile_width != start.tile_width && s.tile_channels != start.tile_channels;
  }));
}

// The search reaches Winograd's algorithm from channel tiles (an image of
// 2 x 2 blocks of 4x4 pixels, too few for the default) and leaves it again.
TEST(ScheduleSpace, WinogradIsOneStepAwayBothWays) {
  Graph graph = check(parse("network w\ninput x: f32[1, 16, 8, 8]\n"
                            "c = conv2d(x, filters=32, kernel=3, padding=1)\noutput c\n"));
  const Layer& layer = graph.layers[1];
  TargetTraits traits{16, 32};
  KernelSchedule start = default_schedule({layer, layer.shape, layer.flops, traits}).schedule;
  ASSERT_FALSE(start.winograd);
  auto winograd = [](const KernelSchedule& s) { return s.winograd; };
  std::vector<KernelSchedule> found = neighbours(start, layer, layer.shape, traits);
  auto jump = std::find_if(found.begin(), found.end(), winograd);
  ASSERT_NE(jump, found.end());
  EXPECT_EQ(jump->tile_width, 2);  // the row's blocks
  std::vector<KernelSchedule> back = neighbours(*jump, layer, layer.shape, traits);
  EXPECT_TRUE(std::any_of(back.begin(), back.end(), [&](const KernelSchedule& s) { return !winograd(s); }));
  EXPECT_TRUE(std::any_of(back.begin(), back.end(), [](const KernelSchedule& s) { return s.channel_tasks; }));
}

// The search flips the order of a channel tiles kernel's tasks both ways,
// and never onto a kernel without tasks.
TEST(ScheduleSpace, RowTasksAreOneStepAwayBothWays) {
  Graph graph = check(parse("network r\ninput x: f32[1, 64, 56, 56]\n"
                            "c = conv2d(x, filters=256, kernel=1)\noutput c\n"));
  const Layer& layer = graph.layers[1];
  TargetTraits traits{16, 32};
  KernelSchedule start = default_schedule({layer, layer.shape, layer.flops, traits, true, true}).schedule;
  ASSERT_TRUE(start.row_tasks);
  auto flipped = [&](bool to) {
    return [to](const KernelSchedule& s) { return s.row_tasks == to && s.vectorize == VectorAxis::Channels; };
  };
  std::vector<KernelSchedule> found = neighbours(start, layer, layer.shape, traits);
  auto off = std::find_if(found.begin(), found.end(), flipped(false));
  ASSERT_NE(off, found.end());
  std::vector<KernelSchedule> back = neighbours(*off, layer, layer.shape, traits);
  EXPECT_TRUE(std::any_of(back.begin(), back.end(), flipped(true)));
  EXPECT_TRUE(
      std::none_of(found.begin(), found.end(), [](const KernelSchedule& s) { return s.row_tasks && !s.parallel; }));
}

TEST(KernelSignature, IgnoresNamesButNotShapesLayoutsOrTargets) {
  Graph a = small_network();
  Graph b = check(parse("network u\ninput y: f32[1, 8, 14, 14]\n"
                        "conv = conv2d(y, filters=32, kernel=3, padding=1)\noutput conv\n"));
  Graph c = check(parse("network v\ninput y: f32[1, 8, 14, 14]\n"
                        "conv = conv2d(y, filters=32, kernel=3, stride=2, padding=1)\noutput conv\n"));
  EXPECT_EQ(kernel_signature(a, {1}, {}, "t"), kernel_signature(b, {1}, {}, "t"));
  EXPECT_NE(kernel_signature(a, {1}, {}, "t"), kernel_signature(c, {1}, {}, "t"));
  EXPECT_NE(kernel_signature(a, {1}, {}, "t"), kernel_signature(a, {1}, {}, "other target"));
  // The pool reads the conv's output: stored NHWC, it is another problem for both.
  TensorLayouts nhwc = {{1, TensorLayout::Nhwc}};
  EXPECT_NE(kernel_signature(a, {1}, {}, "t"), kernel_signature(a, {1}, nhwc, "t"));
  EXPECT_NE(kernel_signature(a, {2}, {}, "t"), kernel_signature(a, {2}, nhwc, "t"));
  EXPECT_EQ(kernel_signature(a, {2}, {{1, TensorLayout::Nchw}}, "t"), kernel_signature(a, {2}, {}, "t"));
}

TEST(KernelCache, ReusesAKernelOnlyWithItsScheduleLayoutsAndTarget) {
  namespace fs = std::filesystem;
  std::string dir = ::testing::TempDir() + "kernel_cache";
  fs::remove_all(dir);
  auto objects = [&] {
    return std::count_if(fs::directory_iterator(dir + "/cache"), fs::directory_iterator(),
                         [](const fs::directory_entry& e) { return e.path().extension() == ".o"; });
  };
  Graph graph = small_network();  // kernels c and p
  CompileOptions options;
  options.spec_path = "t.kiln";
  options.kernel_cache = dir + "/cache";
  options.out_dir = dir + "/default";
  compile_network(graph, options);
  EXPECT_EQ(objects(), 2);
  // The same schedules again: nothing new is compiled.
  options.out_dir = dir + "/again";
  compile_network(graph, options);
  EXPECT_EQ(objects(), 2);
  EXPECT_TRUE(fs::exists(dir + "/again/t.a"));
  // Another schedule for p alone, still of channel vectors: one more object,
  // c's is reused (its output stays NHWC).
  std::ofstream(dir + "/p.sched") << "[p]\nvectorize = channels\nvector_width = 8\ntile_width = 1\n";
  options.schedule_path = dir + "/p.sched";
  options.out_dir = dir + "/other";
  compile_network(graph, options);
  EXPECT_EQ(objects(), 3);
  // p with width vectors: c's output becomes NCHW, so c is another kernel too.
  std::ofstream(dir + "/width.sched") << "[p]\nvectorize = width\nvector_width = 2\ntile_width = 1\n";
  options.schedule_path = dir + "/width.sched";
  options.out_dir = dir + "/width";
  compile_network(graph, options);
  EXPECT_EQ(objects(), 5);
  // Another target: every kernel anew.
  options.schedule_path = "";
  options.target = "x86-64-linux-sse41-avx-avx2-fma";
  options.out_dir = dir + "/avx2";
  compile_network(graph, options);
  EXPECT_EQ(objects(), 7);
}

TEST(SearchBudget, TriesKernelsByTheirShareOfTheTime) {
  EXPECT_DOUBLE_EQ(trial_chance(1.0, 4.0, 4), 1.0);        // the average share: every round
  EXPECT_DOUBLE_EQ(trial_chance(3.0, 4.0, 4), 1.0);        // more: still once a round
  EXPECT_DOUBLE_EQ(trial_chance(0.5, 4.0, 4), 0.5);        // half the average: every other round
  EXPECT_DOUBLE_EQ(trial_chance(0.0, 4.0, 4), kLeastTrialChance);  // no weight: now and then
  EXPECT_DOUBLE_EQ(trial_chance(0.0, 0.0, 4), 1.0);        // nothing measured yet
}

// The search without compiling or measuring: kernels a, b, c, d of equal
// time, each with one untried neighbour (vector_width 8) of its best.
TuningSearch four_kernels() {
  std::vector<TunedKernel> kernels;
  for (const char* name : {"a", "b", "c", "d"}) {
    TunedKernel k;
    k.name = k.signature = name;
    k.mine = true;
    k.start_ms = k.best_ms = 1.0;
    kernels.push_back(k);
  }
  return TuningSearch(kernels);
}

std::vector<KernelSchedule> one_neighbour(const TunedKernel&, const KernelSchedule& from) {
  KernelSchedule near = from;
  near.vector_width = 8;
  return {near};
}

std::string fresh_log(const char* name) {
  std::string path = ::testing::TempDir() + name;
  std::remove(path.c_str());
  return path;
}

TEST(TuningSearch, KeepsACandidateThatWinsTwiceByTheMargin) {
  TuningSearch search = four_kernels();
  std::mt19937 rng(1);
  ASSERT_EQ(search.choose_candidates(one_neighbour, rng), 4);  // equal shares: every kernel, every round
  TuningLog log(fresh_log("keep.jsonl"));
  // a wins twice; b wins once; c is 1% faster, inside the 2% margin; d is slower.
  PairedMs ms = {{1.0, 1.0, 1.0, 1.0}, {0.90, 0.90, 0.99, 1.2}};
  PairedMs again = {{1.0, 1.0, 1.0, 1.0}, {0.95, 1.0, 0.99, 1.2}};
  RoundResult result = search.record(ms, again, "", log);
  const std::vector<TunedKernel>& k = search.kernels();
  EXPECT_EQ(k[0].best.vector_width, 8);
  EXPECT_DOUBLE_EQ(k[0].best_ms, 0.90);  // the faster of its two medians
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(k[i].best, KernelSchedule{}) << k[i].name;
  EXPECT_FALSE(result.all_kept);
  EXPECT_TRUE(result.incumbent_stale);  // a's best is new: the incumbent is linked again
  EXPECT_DOUBLE_EQ(result.network_ms, 0.90 + 3 * 1.0);
  ASSERT_EQ(log.trials().size(), 4u);
  EXPECT_TRUE(log.trials()[0].kept);
  EXPECT_FALSE(log.trials()[1].kept);
  EXPECT_FALSE(log.trials()[2].kept);
  EXPECT_DOUBLE_EQ(log.trials()[3].median_ms, 1.2);
}

// A slow moment of the incumbent's network does not make a candidate win:
// it runs against the best's fastest median yet. A default challenging the
// log's best runs against the best's time in the pairing alone.
TEST(TuningSearch, WinsAgainstTheBestsFastestMedianYet) {
  TuningSearch search = four_kernels();
  std::mt19937 rng(1);
  search.choose_candidates(one_neighbour, rng);
  search.kernels()[0].best_ms = 0.8;
  search.kernels()[1].best_ms = 0.5;
  search.kernels()[1].challenge_default = true;
  PairedMs pair = {{1.0, 1.0, 1.0, 1.0}, {0.9, 0.9, 0.9, 0.9}};
  EXPECT_FALSE(search.wins(pair, 0));
  EXPECT_TRUE(search.wins(pair, 1));
  EXPECT_TRUE(search.wins(pair, 2));
}

// A round that fails as a whole is tried again in halves, each without the
// other, before any new candidate; a round of one candidate fails alone.
TEST(TuningSearch, AFailedRoundIsTriedAgainInHalves) {
  TuningSearch search = four_kernels();
  std::mt19937 rng(1);
  ASSERT_EQ(search.choose_candidates(one_neighbour, rng), 4);
  ASSERT_TRUE(search.retry_in_halves());
  ASSERT_EQ(search.retry_groups().size(), 2u);
  EXPECT_EQ(search.retry_groups()[0], (std::vector<size_t>{0, 1}));
  EXPECT_EQ(search.retry_groups()[1], (std::vector<size_t>{2, 3}));
  ASSERT_EQ(search.choose_candidates(one_neighbour, rng), 2);
  EXPECT_TRUE(search.kernels()[0].searching && search.kernels()[1].searching);
  EXPECT_FALSE(search.kernels()[2].searching || search.kernels()[3].searching);
  ASSERT_TRUE(search.retry_in_halves());  // a and b failed together again
  EXPECT_EQ(search.retry_groups()[0], (std::vector<size_t>{0}));
  EXPECT_EQ(search.retry_groups()[1], (std::vector<size_t>{1}));
  EXPECT_EQ(search.retry_groups()[2], (std::vector<size_t>{2, 3}));
  ASSERT_EQ(search.choose_candidates(one_neighbour, rng), 1);
  EXPECT_FALSE(search.retry_in_halves());
  TuningLog log(fresh_log("halves.jsonl"));
  RoundResult result = search.record({}, {}, "crashed (Segmentation fault)", log);
  EXPECT_EQ(result.discarded, "a's failed: crashed (Segmentation fault); discarded");
  EXPECT_FALSE(result.incumbent_stale);
  ASSERT_EQ(log.trials().size(), 1u);
  EXPECT_FALSE(log.trials()[0].correct);
  EXPECT_EQ(search.kernels()[0].best, KernelSchedule{});
}

// The default challenges the log's best first, then Halide's seeds, then neighbours.
TEST(TuningSearch, ChallengeThenSeedsThenNeighbours) {
  TuningSearch search = four_kernels();
  TunedKernel& a = search.kernels()[0];
  a.best.vector_width = 4;  // the log's best, not today's default
  a.challenge_default = true;
  a.seeds = {autoscheduled("li2018", a.start, TensorLayout::Nchw)};
  std::mt19937 rng(1);
  search.choose_candidates(one_neighbour, rng);
  EXPECT_EQ(search.kernels()[0].candidate, KernelSchedule{});
  TuningLog log(fresh_log("order.jsonl"));
  PairedMs slower = {{1.0, 1.0, 1.0, 1.0}, {2.0, 2.0, 2.0, 2.0}};
  search.record(slower, slower, "", log);
  search.choose_candidates(one_neighbour, rng);
  EXPECT_EQ(search.kernels()[0].candidate.autoschedule, "li2018");
  search.record(slower, slower, "", log);
  search.choose_candidates(one_neighbour, rng);
  EXPECT_EQ(search.kernels()[0].candidate.vector_width, 8);
}

// A network whose kernels take scripted times, one row of seconds per
// profiled run; every call goes to a shared record of who ran when.
class ScriptedNetwork : public ProfiledNetwork {
 public:
  ScriptedNetwork(std::string name, std::vector<std::vector<double>> seconds, std::vector<std::string>& calls)
      : name_(std::move(name)), seconds_(std::move(seconds)), calls_(calls) {}
  void run() override { calls_.push_back(name_ + " run"); }
  std::vector<double> profile() override {
    calls_.push_back(name_ + " profile");
    return seconds_.at(next_++ % seconds_.size());
  }

 private:
  std::string name_;
  std::vector<std::vector<double>> seconds_;
  std::vector<std::string>& calls_;
  size_t next_ = 0;
};

TEST(KernelTiming, NetworksTakeTurnsAndGiveEachKernelsMedianInMs) {
  std::vector<std::string> calls;
  ScriptedNetwork a("a", {{0.001, 0.010}, {0.003, 0.030}, {0.002, 0.020}}, calls);
  ScriptedNetwork b("b", {{0.005, 0.5}}, calls);
  std::vector<std::vector<double>> ms = paired_kernel_ms({&a, &b}, 3);
  EXPECT_EQ(ms, (std::vector<std::vector<double>>{{2.0, 20.0}, {5.0, 500.0}}));
  // An untimed run before each profiled one, a then b, three times.
  ASSERT_EQ(calls.size(), 12u);
  for (size_t i = 0; i < calls.size(); ++i)
    EXPECT_EQ(calls[i], std::string(i % 4 < 2 ? "a" : "b") + (i % 2 ? " profile" : " run")) << i;
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
}

// Noise only slows a kernel down: each kernel keeps its fastest median of
// three pairings, kernel by kernel.
TEST(KernelTiming, FastestKeepsEachKernelsBestOfThreePairings) {
  std::vector<std::string> calls;
  ScriptedNetwork a("a", {{0.003, 0.010}, {0.001, 0.030}, {0.002, 0.020}}, calls);
  EXPECT_EQ(fastest_kernel_ms({&a}, 1), (std::vector<std::vector<double>>{{1.0, 10.0}}));
  EXPECT_EQ(calls.size(), 6u);
}

TEST(IsolatedRun, ReturnsTheChildsOutputEvenWhenLarge) {
  std::string big(1 << 20, 'x');  // more than a pipe holds at once
  big[12345] = '\0';
  IsolatedResult result = run_isolated([&] { return big; }, 30);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.output, big);
}

TEST(IsolatedRun, ReportsAnErrorACrashAndAHang) {
  IsolatedResult threw = run_isolated([]() -> std::string { throw UserError("error: no such kernel"); }, 30);
  EXPECT_FALSE(threw.ok);
  EXPECT_EQ(threw.failure, "error: no such kernel");

  IsolatedResult crashed = run_isolated([]() -> std::string { std::abort(); }, 30);
  EXPECT_FALSE(crashed.ok);
  EXPECT_EQ(crashed.failure, "crashed (Aborted)");

  auto start = std::chrono::steady_clock::now();
  IsolatedResult hung = run_isolated([]() -> std::string {
    for (;;) pause();
  }, 0.2);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(hung.ok);
  EXPECT_EQ(hung.failure, "timed out after 0.2 s");
  EXPECT_LT(seconds, 10);  // killed, not waited for
  EXPECT_TRUE(hung.output.empty());
}

}  // namespace
}  // namespace kiln
