// Fuzzes the .kiln front end: lexer, parser, checker, kernel formation and
// the schedule planner. Every input must end in a SpecError (which must
// render) or a checked graph whose default schedules are all valid.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "graph/Checker.h"
#include "language/Diagnostics.h"
#include "language/Parser.h"
#include "plan/SchedulePlanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::SourceFile source("fuzz.kiln", std::string(reinterpret_cast<const char*>(data), size));
  kiln::Graph graph;
  try {
    graph = kiln::check(kiln::parse(source.text()));
  } catch (const kiln::SpecError& error) {
    if (source.render(error).empty()) std::abort();
    return 0;
  }
  // The plan validates every default schedule: a UserError is a bug here.
  for (const kiln::TargetTraits traits : {kiln::TargetTraits{8, 16}, kiln::TargetTraits{16, 32}}) {
    try {
      kiln::plan_schedules(graph, kiln::Schedule{}, traits);
    } catch (const kiln::UserError& error) {
      std::fprintf(stderr, "%s\n", error.what());
      std::abort();
    }
  }
  return 0;
}
