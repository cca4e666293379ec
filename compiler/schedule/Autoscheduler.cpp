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

bool known_autoscheduler(const std::string& name) { return plugins().count(name) > 0; }

std::vector<std::string> autoscheduler_names() {
  std::vector<std::string> names;
  for (const auto& [name, plugin] : plugins()) names.push_back(name);
  return names;
}

std::string autoscheduler_of(const std::string& schedule) {
  std::string name = schedule.substr(5);
  if (!known_autoscheduler(name))
    throw UserError("error: unknown autoscheduler '" + name +
                    "' (expected auto:adams2019, auto:mullapudi2016 or auto:li2018)");
  return name;
}

std::string autoschedule(Halide::Pipeline& pipeline, const std::string& name, const Halide::Target& target) {
  const Plugin& plugin = plugins().at(name);
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
