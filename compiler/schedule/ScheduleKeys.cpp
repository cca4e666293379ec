#include "schedule/ScheduleKeys.h"

#include "schedule/Autoscheduler.h"

namespace kiln {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

using S = KernelSchedule;

const std::vector<ScheduleKey> kKeys = {
    {"fuse", &S::fuse, "pull following elementwise layers into this kernel", true},
    {"fuse_pool", &S::fuse_pool,
     "channels only, conv2d: also pull the pooling after them in, its rows computed as the pool needs them", true},
    {"vectorize", &S::vectorize, "width, or channels (conv2d: weights re-laid out at create)"},
    {"vector_width", &S::vector_width, "lanes computed together", false, false, 1,
     [](int now, int lanes) { return std::vector<int>{lanes / 2, lanes, 2 * lanes, now / 2}; }},
    {"tile_width", &S::tile_width, "register tile: output pixels (channels), vectors along the width (width)", false, false, 1,
     [](int, int) { return std::vector<int>{1, 2, 3, 4, 6, 8}; }},
    {"tile_channels", &S::tile_channels, "register tile: channel vectors (channels), output channels (width, conv2d)", false, false, 1,
     [](int, int) { return std::vector<int>{1, 2, 3, 4, 6, 8, 12}; }},
    {"tile_rows", &S::tile_rows, "width only: output rows in the register tile (0: a row at a time)", false, false, 0,
     [](int, int) { return std::vector<int>{0, 2, 4, 8}; }},
    {"flatten_pixels", &S::flatten_pixels, "1x1 stride-1 conv2d: an image's H x W pixels as one row", false, true},
    {"unroll_taps", &S::unroll_taps, "unroll the kernel's taps (conv2d, pooling)", false, true},
    {"unroll_tap_rows", &S::unroll_tap_rows, "channels only: also unroll the kernel's rows of taps", false, true},
    {"unroll_tiles", &S::unroll_tiles, "channels only: unroll the loop over a row's register tiles", false, true},
    {"reduction_block", &S::reduction_block, "channels only: input channels per pass (0: all)", false, false, 0,
     [](int, int) { return std::vector<int>{0, 16, 32, 64}; }},
    {"channels_innermost", &S::channels_innermost, "channels only: reduce over input channels innermost, then taps", false,
     true},
    {"winograd", &S::winograd, "channels only, 3x3 stride-1 conv2d: Winograd F(4x4, 3x3) in blocks of 4x4 pixels", false,
     true},
    {"channel_tasks", &S::channel_tasks, "winograd only: threads take tiles of output channels over the whole image", false,
     true},
    {"row_tasks", &S::row_tasks,
     "channel tiles only: threads take rows, each row's tiles of channels in turn (off: each tile of channels down the "
     "image)",
     false, true},
    {"parallel", &S::parallel, "spread output rows over threads", false, true},
    {"rows_per_task", &S::rows_per_task, "rows in each parallel task", false, false, 1,
     [](int now, int) { return std::vector<int>{1, 2, 4, 8, 16, now * 2, now / 2}; }},
    {"vectors_per_task", &S::vectors_per_task,
     "width only, parallel off: spread the innermost dimension over threads, this many vectors to a task (0: none)",
     false, false, 0, [](int now, int) { return std::vector<int>{0, 1, 2, 4, now * 2, now / 2}; }},
    {"autoschedule", &S::autoschedule,
     "a Halide autoscheduler decides instead (adams2019, mullapudi2016, li2018; nothing: Kiln's own)", true},
    {"layout", &S::layout, "the output in memory: nchw, or nhwc (channels innermost)", true},
    {"precision", &S::precision,
     "f32, bf16 or int8 (conv2d and dense: bf16 inputs and weights, f32 sums; or u8 x s8, s32 sums; not with winograd)",
     true},
    {"dot_products", &S::dot_products,
     "bf16 or int8 channel tiles: sum input channels in pairs (vdpbf16ps) or quads (vpdpbusd)", false, true},
};

bool is_count(const std::string& text) {
  return !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

const std::vector<ScheduleKey>& schedule_keys() { return kKeys; }

std::string precision_name(Precision precision) {
  switch (precision) {
    case Precision::F32: return "f32";
    case Precision::Bf16: return "bf16";
    case Precision::Int8: return "int8";
  }
  return "";
}

std::optional<Precision> parse_precision(const std::string& text) {
  if (text == "f32") return Precision::F32;
  if (text == "bf16") return Precision::Bf16;
  if (text == "int8") return Precision::Int8;
  return std::nullopt;
}

const ScheduleKey* find_schedule_key(const std::string& name) {
  for (const ScheduleKey& key : kKeys)
    if (name == key.name) return &key;
  return nullptr;
}

namespace {

// "a, b, ... LAST z".
std::string joined(const std::vector<std::string>& names, const char* last) {
  std::string list;
  for (size_t k = 0; k < names.size(); ++k)
    list += (k == 0 ? "" : k + 1 == names.size() ? std::string(" ") + last + " " : ", ") + names[k];
  return list;
}

}  // namespace

std::string schedule_key_list() {
  std::vector<std::string> names;
  for (const ScheduleKey& key : kKeys) names.push_back(key.name);
  return joined(names, "or");
}

std::string autoscheduler_key_list() {
  std::vector<std::string> names;
  for (const ScheduleKey& key : kKeys)
    if (key.with_autoscheduler && std::string(key.name) != "autoschedule") names.push_back(key.name);
  return joined(names, "and");
}

std::string key_value(const KernelSchedule& s, const ScheduleKey& key) {
  return std::visit(Overloaded{
                        [&](bool S::*f) -> std::string { return s.*f ? "true" : "false"; },
                        [&](int S::*f) { return std::to_string(s.*f); },
                        [&](VectorAxis S::*f) -> std::string { return s.*f == VectorAxis::Channels ? "channels" : "width"; },
                        [&](TensorLayout S::*f) -> std::string { return s.*f == TensorLayout::Nhwc ? "nhwc" : "nchw"; },
                        [&](Precision S::*f) -> std::string { return precision_name(s.*f); },
                        [&](std::string S::*f) { return s.*f; },
                    },
                    key.field);
}

std::string set_key(KernelSchedule& s, const ScheduleKey& key, const std::string& text) {
  std::string name = key.name, found = ", found '" + text + "'";
  return std::visit(
      Overloaded{
          [&](bool S::*f) -> std::string {
            if (text != "true" && text != "false") return "'" + name + "' must be true or false" + found;
            s.*f = text == "true";
            return "";
          },
          [&](int S::*f) -> std::string {
            if (!is_count(text) || std::stoi(text) < key.least)
              return "'" + name + "' must be a " + (key.least > 0 ? "positive" : "non-negative") + " integer" + found;
            s.*f = std::stoi(text);
            return "";
          },
          [&](VectorAxis S::*f) -> std::string {
            if (text != "width" && text != "channels") return "'" + name + "' must be width or channels" + found;
            s.*f = text == "channels" ? VectorAxis::Channels : VectorAxis::Width;
            return "";
          },
          [&](TensorLayout S::*f) -> std::string {
            if (text != "nchw" && text != "nhwc") return "'" + name + "' must be nchw or nhwc" + found;
            s.*f = text == "nhwc" ? TensorLayout::Nhwc : TensorLayout::Nchw;
            return "";
          },
          [&](Precision S::*f) -> std::string {
            std::optional<Precision> precision = parse_precision(text);
            if (!precision) return "'" + name + "' must be f32, bf16 or int8" + found;
            s.*f = *precision;
            return "";
          },
          [&](std::string S::*f) -> std::string {
            if (!known_autoscheduler(text))
              return "'" + name + "' must be adams2019, mullapudi2016 or li2018" + found;
            s.*f = text;
            return "";
          },
      },
      key.field);
}

KernelSchedule autoscheduled(const std::string& plugin, const KernelSchedule& kiln, TensorLayout layout) {
  KernelSchedule s;
  for (const ScheduleKey& key : kKeys)
    if (key.with_autoscheduler) std::visit([&](auto field) { s.*field = kiln.*field; }, key.field);
  s.layout = layout;
  s.autoschedule = plugin;
  return s;
}

bool KernelSchedule::operator==(const KernelSchedule& o) const {
  for (const ScheduleKey& key : kKeys) {
    bool same = std::visit([&](auto field) { return this->*field == o.*field; }, key.field);
    if (!same) return false;
  }
  return true;
}

}  // namespace kiln
