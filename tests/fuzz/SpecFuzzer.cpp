// Fuzzes the .kiln front end: lexer, parser, checker, kernel formation and
// the default schedule heuristic. Every input must end in a SpecError (which
// must render) or a checked graph whose default schedules are all valid.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codegen/Fusion.h"
#include "graph/Checker.h"
#include "language/Diagnostics.h"
#include "language/Parser.h"
#include "schedule/DefaultSchedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::SourceFile source("fuzz.kiln", std::string(reinterpret_cast<const char*>(data), size));
  kiln::Graph graph;
  try {
    graph = kiln::check(kiln::parse(source.text()));
  } catch (const kiln::SpecError& error) {
    if (source.render(error).empty()) std::abort();
    return 0;
  }
  std::vector<kiln::Kernel> kernels = kiln::form_kernels(graph, kiln::Schedule{}, kiln::TargetTraits{});
  for (const kiln::TargetTraits traits : {kiln::TargetTraits{8, 16}, kiln::TargetTraits{16, 32}}) {
    for (const kiln::Kernel& kernel : kernels) {
      const kiln::Layer& anchor = graph.layers[kernel.layers.front()];
      const kiln::Shape& output = graph.layers[kernel.output()].shape;
      std::string flatten = kiln::flatten_problem(graph, kernel);
      kiln::KernelSchedule schedule = kiln::default_schedule(anchor, output, anchor.flops, traits, flatten.empty());
      std::string problem = kiln::schedule_problem(schedule, anchor, output);
      if (problem.empty() && schedule.flatten_pixels) problem = flatten;
      if (!problem.empty()) {
        std::fprintf(stderr, "default schedule of %s is invalid: %s\n", kernel.name.c_str(), problem.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
