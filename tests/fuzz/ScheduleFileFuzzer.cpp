// Fuzzes the schedule-file reader, and checks every schedule it accepts
// against the kernels of a small network: each must be accepted or refused
// with a reason, never crash the validator.
#include <cstdint>
#include <string>

#include "graph/Checker.h"
#include "language/Diagnostics.h"
#include "language/Parser.h"
#include "schedule/ScheduleValidity.h"
#include "schedule/ScheduleFile.h"

namespace {

const kiln::Graph& network() {
  static const kiln::Graph graph = kiln::check(kiln::parse(R"(network fuzz
input x: f32[1, 8, 12, 12]
c = conv2d(x, filters=16, kernel=3, stride=2, padding=1)
d = conv2d(c, filters=16, kernel=3, groups=16, padding=1)
p = maxpool(d, kernel=2)
f = flatten(p)
y = dense(f, units=10)
s = softmax(y)
output s
)"));
  return graph;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::Schedule schedule;
  try {
    schedule = kiln::parse_schedule(std::string(reinterpret_cast<const char*>(data), size), "fuzz.sched");
  } catch (const kiln::UserError&) {
    return 0;
  }
  for (const auto& [name, kernel] : schedule.kernels)
    for (const kiln::Layer& layer : network().layers)
      if (layer.op != kiln::OpKind::Input) kiln::schedule_problem(kernel, layer, layer.shape);
  return 0;
}
