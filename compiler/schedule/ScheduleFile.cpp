#include "schedule/ScheduleFile.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "schedule/ScheduleKeys.h"

namespace kiln {
namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

class ScheduleParser {
 public:
  explicit ScheduleParser(const std::string& path) { schedule_.path = path; }

  Schedule run(const std::string& text) {
    std::istringstream in(text);
    std::string raw;
    while (std::getline(in, raw)) {
      ++line_;
      std::string content = trim(raw.substr(0, raw.find('#')));
      if (content.empty()) continue;
      if (content.front() == '[') {
        section(content);
      } else {
        entry(content);
      }
    }
    return std::move(schedule_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw UserError(schedule_.path + ":" + std::to_string(line_) + ": error: " + message);
  }

  void section(const std::string& content) {
    if (content.back() != ']') fail("expected ']' to close the section name");
    std::string name = trim(content.substr(1, content.size() - 2));
    if (name.empty()) fail("empty section name: expected [LAYER]");
    if (schedule_.kernels.count(name))
      fail("section [" + name + "] appears twice (first at line " + std::to_string(schedule_.lines[name]) + ")");
    current_ = name;
    schedule_.kernels[name] = KernelSchedule{};
    schedule_.entries[name];  // a section without keys keeps every default
    schedule_.lines[name] = line_;
  }

  void entry(const std::string& content) {
    size_t eq = content.find('=');
    if (eq == std::string::npos) fail("expected 'key = value' or '[LAYER]'");
    std::string key = trim(content.substr(0, eq));
    std::string value = trim(content.substr(eq + 1));
    if (current_.empty()) fail("'" + key + "' comes before any [LAYER] section");
    schedule_.entries[current_].emplace_back(key, value);
    set(schedule_.kernels[current_], key, value);
  }

 public:
  // Sets `key` of `s` to `value`, or fails.
  void set(KernelSchedule& s, const std::string& key, const std::string& value) const {
    const ScheduleKey* known = find_schedule_key(key);
    if (!known) fail("unknown key '" + key + "' (expected " + schedule_key_list() + ")");
    std::string problem = set_key(s, *known, value);
    if (!problem.empty()) fail(problem);
  }

 private:
  Schedule schedule_;
  std::string current_;
  int line_ = 0;
};

}  // namespace

bool section_afresh(const Schedule& file, const std::string& kernel, const KernelSchedule& heuristic) {
  auto section = file.kernels.find(kernel);
  return section != file.kernels.end() &&
         (file.sets(kernel, "autoschedule") ||
          (file.sets(kernel, "vectorize") && section->second.vectorize != heuristic.vectorize));
}

KernelSchedule section_over(const Schedule& file, const std::string& kernel, const KernelSchedule& heuristic) {
  auto section = file.kernels.find(kernel);
  if (section == file.kernels.end()) return heuristic;
  if (section_afresh(file, kernel, heuristic)) return section->second;
  KernelSchedule schedule = heuristic;
  ScheduleParser parser(file.path);  // the values were checked when the file was read
  for (const auto& [key, value] : file.entries.at(kernel)) parser.set(schedule, key, value);
  return schedule;
}

Schedule parse_schedule(const std::string& text, const std::string& path) {
  return ScheduleParser(path).run(text);
}

Schedule read_schedule_file(const std::string& path) {
  SourceFile file = SourceFile::read(path);
  return parse_schedule(file.text(), path);
}

std::string format_kernel_schedule(const KernelSchedule& s) {
  std::string text;
  for (const ScheduleKey& key : schedule_keys()) {
    std::string value = key_value(s, key);
    // Under an autoscheduler only its own keys; without one, autoschedule
    // has no value to write.
    if (s.autoschedule.empty() ? value.empty() : !key.with_autoscheduler) continue;
    text += std::string(key.name) + " = " + value + "\n";
  }
  return text;
}

std::string format_schedule(const std::vector<ScheduleEntry>& entries, const std::string& target) {
  std::ostringstream out;
  out << "# Kiln schedule, target " << target << "\n"
      << "# One [KERNEL] section per kernel, named by its first layer; keys a section\n"
      << "# leaves out keep the default heuristic's values (unless it sets another\n"
      << "# vectorize or an autoschedule). Keys, with KernelSchedule's own values:\n";
  const KernelSchedule bare;
  for (const ScheduleKey& key : schedule_keys()) {
    std::string value = key_value(bare, key);
    std::string setting = std::string(key.name) + (value.empty() ? "" : " = " + value);
    setting.resize(std::max<size_t>(setting.size() + 1, 27), ' ');
    out << "#   " << setting << key.help << "\n";
  }
  for (const ScheduleEntry& entry : entries) {
    out << "\n[" << entry.kernel << "]\n# layers:";
    for (const std::string& layer : entry.layers) out << " " << layer;
    if (!entry.origin.empty()) out << "; " << entry.origin;
    out << "\n" << format_kernel_schedule(entry.schedule);
  }
  return out.str();
}

}  // namespace kiln
