#include "schedule/Autoscheduler.h"

#include <unistd.h>

#include <cstdlib>
#include <map>

#include "language/Diagnostics.h"

namespace kiln {
namespace {

struct Plugin {
  const char* library;  // in Halide's plugin directory
  const char* name;     // as registered with Halide
};

const std::map<std::string, Plugin>& plugins() {
  static const std::map<std::string, Plugin> table = {
      {"adams2019", {"libautoschedule_adams2019.so", "Adams2019"}},
      {"mullapudi2016", {"libautoschedule_mullapudi2016.so", "Mullapudi2016"}},
      {"li2018", {"libautoschedule_li2018.so", "Li2018"}},
  };
  return table;
}

}  // namespace

bool is_autoscheduler(const std::string& schedule) { return schedule.rfind("auto:", 0) == 0; }

void check_autoscheduler(const std::string& schedule) {
  if (!plugins().count(schedule.substr(5)))
    throw UserError("error: unknown autoscheduler '" + schedule.substr(5) +
                    "' (expected auto:adams2019, auto:mullapudi2016 or auto:li2018)");
}

std::string autoschedule(Halide::Pipeline& pipeline, const std::string& schedule, const Halide::Target& target) {
  const Plugin& plugin = plugins().at(schedule.substr(5));
  Halide::load_plugin(std::string(KILN_HALIDE_PLUGIN_DIR) + "/" + plugin.library);
  // Adams2019's default beam search takes minutes per layer; a beam of one
  // takes a tenth of a second. HL_BEAM_SIZE=32 in the environment restores it.
  setenv("HL_BEAM_SIZE", "1", 0);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long cache = sysconf(_SC_LEVEL3_CACHE_SIZE);
  Halide::MachineParams machine(static_cast<int>(cores > 0 ? cores : 1),
                                static_cast<uint64_t>(cache > 0 ? cache : 16 << 20), 40.0f);
  return pipeline.auto_schedule(plugin.name, target, machine).schedule_source;
}

}  // namespace kiln
