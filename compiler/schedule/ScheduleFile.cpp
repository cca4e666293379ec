#include "schedule/ScheduleFile.h"

#include <fstream>
#include <sstream>

#include "schedule/Autoscheduler.h"

namespace kiln {
namespace {

const char* kKeys =
    "fuse, fuse_pool, vectorize, vector_width, tile_width, tile_channels, tile_rows, flatten_pixels, unroll_taps, unroll_tap_rows, unroll_tiles, "
    "reduction_block, channels_innermost, winograd, channel_tasks, parallel, rows_per_task, layout or autoschedule";

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
    if (key == "fuse") s.fuse = boolean(key, value);
    else if (key == "fuse_pool") s.fuse_pool = boolean(key, value);
    else if (key == "vectorize") s.vectorize = axis(key, value);
    else if (key == "vector_width") s.vector_width = positive(key, value);
    else if (key == "tile_width") s.tile_width = positive(key, value);
    else if (key == "tile_channels") s.tile_channels = positive(key, value);
    else if (key == "tile_rows") s.tile_rows = non_negative(key, value);
    else if (key == "flatten_pixels") s.flatten_pixels = boolean(key, value);
    else if (key == "unroll_taps") s.unroll_taps = boolean(key, value);
    else if (key == "unroll_tap_rows") s.unroll_tap_rows = boolean(key, value);
    else if (key == "unroll_tiles") s.unroll_tiles = boolean(key, value);
    else if (key == "reduction_block") s.reduction_block = non_negative(key, value);
    else if (key == "channels_innermost") s.channels_innermost = boolean(key, value);
    else if (key == "winograd") s.winograd = boolean(key, value);
    else if (key == "channel_tasks") s.channel_tasks = boolean(key, value);
    else if (key == "parallel") s.parallel = boolean(key, value);
    else if (key == "rows_per_task") s.rows_per_task = positive(key, value);
    else if (key == "layout") s.layout = layout(key, value);
    else if (key == "autoschedule") s.autoschedule = autoscheduler(key, value);
    else fail("unknown key '" + key + "' (expected " + kKeys + ")");
  }

 private:
  VectorAxis axis(const std::string& key, const std::string& value) const {
    if (value == "width") return VectorAxis::Width;
    if (value == "channels") return VectorAxis::Channels;
    fail("'" + key + "' must be width or channels, found '" + value + "'");
  }

  TensorLayout layout(const std::string& key, const std::string& value) const {
    if (value == "nchw") return TensorLayout::Nchw;
    if (value == "nhwc") return TensorLayout::Nhwc;
    fail("'" + key + "' must be nchw or nhwc, found '" + value + "'");
  }

  std::string autoscheduler(const std::string& key, const std::string& value) const {
    if (!known_autoscheduler(value)) fail("'" + key + "' must be adams2019, mullapudi2016 or li2018, found '" + value + "'");
    return value;
  }

  bool boolean(const std::string& key, const std::string& value) const {
    if (value == "true") return true;
    if (value == "false") return false;
    fail("'" + key + "' must be true or false, found '" + value + "'");
  }

  int positive(const std::string& key, const std::string& value) const {
    if (!is_count(value) || std::stoi(value) < 1) fail("'" + key + "' must be a positive integer, found '" + value + "'");
    return std::stoi(value);
  }

  int non_negative(const std::string& key, const std::string& value) const {
    if (!is_count(value)) fail("'" + key + "' must be a non-negative integer, found '" + value + "'");
    return std::stoi(value);
  }

  static bool is_count(const std::string& value) {
    return !value.empty() && value.size() <= 9 && value.find_first_not_of("0123456789") == std::string::npos;
  }

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
  auto flag = [](bool b) { return b ? "true" : "false"; };
  std::string layout = std::string("layout = ") + (s.layout == TensorLayout::Nhwc ? "nhwc" : "nchw") + "\n";
  std::ostringstream out;
  out << "fuse = " << flag(s.fuse) << "\n";
  out << "fuse_pool = " << flag(s.fuse_pool) << "\n";
  if (!s.autoschedule.empty()) {  // Halide's plugin decides the rest
    out << "autoschedule = " << s.autoschedule << "\n" << layout;
    return out.str();
  }
  out << "vectorize = " << (s.vectorize == VectorAxis::Channels ? "channels" : "width") << "\n"
      << "vector_width = " << s.vector_width << "\n"
      << "tile_width = " << s.tile_width << "\n"
      << "tile_channels = " << s.tile_channels << "\n"
      << "tile_rows = " << s.tile_rows << "\n"
      << "flatten_pixels = " << flag(s.flatten_pixels) << "\n"
      << "unroll_taps = " << flag(s.unroll_taps) << "\n"
      << "unroll_tap_rows = " << flag(s.unroll_tap_rows) << "\n"
      << "unroll_tiles = " << flag(s.unroll_tiles) << "\n"
      << "reduction_block = " << s.reduction_block << "\n"
      << "channels_innermost = " << flag(s.channels_innermost) << "\n"
      << "winograd = " << flag(s.winograd) << "\n"
      << "channel_tasks = " << flag(s.channel_tasks) << "\n"
      << "parallel = " << flag(s.parallel) << "\n"
      << "rows_per_task = " << s.rows_per_task << "\n"
      << layout;
  return out.str();
}

std::string format_schedule(const std::vector<ScheduleEntry>& entries, const std::string& target) {
  std::ostringstream out;
  out << "# Kiln schedule, target " << target << "\n"
      << "# One [KERNEL] section per kernel, named by its first layer; keys a section\n"
      << "# leaves out keep the default heuristic's values (unless it sets another\n"
      << "# vectorize or an autoschedule). Keys:\n"
      << "#   fuse           pull following elementwise layers into this kernel\n"
      << "#   fuse_pool      channels only, conv2d: also pull the pooling after them in, its rows computed as the pool needs them\n"
      << "#   vectorize      width, or channels (conv2d: weights re-laid out at create)\n"
      << "#   vector_width   lanes computed together\n"
      << "#   tile_width     register tile: output pixels (channels), vectors along the width (width)\n"
      << "#   tile_channels  register tile: channel vectors (channels), output channels (width, conv2d)\n"
      << "#   tile_rows      width only: output rows in the register tile (0: a row at a time)\n"
      << "#   flatten_pixels 1x1 stride-1 conv2d: an image's H x W pixels as one row\n"
      << "#   unroll_taps    unroll the kernel's taps (conv2d, pooling)\n"
      << "#   unroll_tap_rows channels only: also unroll the kernel's rows of taps\n"
      << "#   unroll_tiles   channels only: unroll the loop over a row's register tiles\n"
      << "#   reduction_block channels only: input channels per pass (0: all)\n"
      << "#   channels_innermost channels only: reduce over input channels innermost, then taps\n"
      << "#   winograd       channels only, 3x3 stride-1 conv2d: Winograd F(4x4, 3x3) in blocks of 4x4 pixels\n"
      << "#   channel_tasks  winograd only: threads take tiles of output channels over the whole image\n"
      << "#   parallel       spread output rows over threads\n"
      << "#   rows_per_task  rows in each parallel task\n"
      << "#   layout         the output in memory: nchw, or nhwc (channels innermost)\n"
      << "#   autoschedule   a Halide autoscheduler decides instead (adams2019, mullapudi2016, li2018)\n";
  for (const ScheduleEntry& entry : entries) {
    out << "\n[" << entry.kernel << "]\n# layers:";
    for (const std::string& layer : entry.layers) out << " " << layer;
    out << "\n" << format_kernel_schedule(entry.schedule);
  }
  return out.str();
}

}  // namespace kiln
