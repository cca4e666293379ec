#include "kiln/Safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "kiln/Error.hpp"

namespace kiln {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

namespace {

[[noreturn]] void fail(const std::string& label, const std::string& reason) {
  throw RuntimeError(KILN_ERROR_FILE, label + ": " + reason);
}

uint64_t dtype_size(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"I64", 8}, {"U64", 8},
      {"F64", 8}};
  auto found = sizes.find(dtype);
  return found == sizes.end() ? 0 : found->second;
}

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open weights file: ") + std::strerror(errno));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(info.st_size);
  SafetensorsFile file;
  file.label_ = path;
  if (size > 0) {
    void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) fail(path, std::string("cannot map weights file: ") + std::strerror(errno));
    file.mapping_ = std::shared_ptr<void>(data, [size](void* p) { munmap(p, size); });
    file.parse(static_cast<const unsigned char*>(data), size);
  } else {
    ::close(fd);
    file.parse(nullptr, 0);
  }
  return file;
}

SafetensorsFile SafetensorsFile::borrow(const unsigned char* data, uint64_t size, const std::string& label) {
  SafetensorsFile file;
  file.label_ = label;
  file.parse(data, size);
  return file;
}

void SafetensorsFile::parse(const unsigned char* data, uint64_t size) {
  if (size < 8) fail(label_, "too short for a safetensors file (" + std::to_string(size) + " bytes)");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = header_size << 8 | data[i];
  if (header_size > size - 8)
    fail(label_, "header claims " + std::to_string(header_size) + " bytes but the file has only " +
                     std::to_string(size - 8) + " after the size field (truncated or not safetensors)");
  const char* header = reinterpret_cast<const char*>(data + 8);
  // JSON objects may repeat a key (the last wins); a weights file may not.
  std::string duplicate;
  std::set<std::string> names;
  auto note_names = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json json = nlohmann::json::parse(header, header + header_size, note_names, false);
  if (json.is_discarded() || !json.is_object()) fail(label_, "header is not a JSON object");
  if (!duplicate.empty()) fail(label_, "tensor '" + duplicate + "' appears twice in the header");
  const unsigned char* base = data + 8 + header_size;
  uint64_t data_size = size - 8 - header_size;

  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, entry] : json.items()) {
    if (name == "__metadata__") continue;
    std::string where = "tensor '" + name + "': ";
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
      fail(label_, where + "needs dtype, shape and data_offsets [begin, end]");
    TensorView view;
    view.dtype = entry["dtype"].get<std::string>();
    uint64_t element_size = dtype_size(view.dtype);
    if (element_size == 0) fail(label_, where + "unknown dtype '" + view.dtype + "'");
    uint64_t count = 1;
    for (const auto& dim : entry["shape"]) {
      if (!dim.is_number_unsigned()) fail(label_, where + "shape holds something other than a non-negative integer");
      uint64_t d = dim.get<uint64_t>();
      if (d != 0 && count > (uint64_t{1} << 62) / d) fail(label_, where + "shape is absurdly large");
      count *= d;
      view.shape.push_back(static_cast<int64_t>(d));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      fail(label_, where + "data_offsets must be non-negative integers");
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size)
      fail(label_, where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                       "] lie outside the " + std::to_string(data_size) + " bytes of data");
    if (count > data_size / element_size)
      fail(label_, where + view.dtype + shape_string(view.shape) + " needs more bytes than the file's " +
                       std::to_string(data_size) + " bytes of data");
    if (end - begin != count * element_size)
      fail(label_, where + "holds " + std::to_string(end - begin) + " bytes but " + view.dtype +
                       shape_string(view.shape) + " needs " + std::to_string(count * element_size));
    view.data = base + begin;
    view.bytes = end - begin;
    ranges.push_back({begin, end});
    tensors_[name] = std::move(view);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail(label_, "two tensors' data_offsets overlap");
}

std::vector<const float*> bind_weights(const SafetensorsFile& file,
                                       const std::vector<RequiredWeight>& required,
                                       std::vector<std::unique_ptr<float[]>>& realigned) {
  std::vector<const float*> bound;
  for (const RequiredWeight& weight : required) {
    auto found = file.tensors().find(weight.name);
    if (found == file.tensors().end())
      fail(file.label(), "missing tensor '" + weight.name + "' of shape " + shape_string(weight.shape));
    const TensorView& view = found->second;
    if (view.dtype != "F32")
      fail(file.label(), "tensor '" + weight.name + "' has dtype " + view.dtype + ", Kiln needs F32");
    if (view.shape != weight.shape)
      fail(file.label(), "tensor '" + weight.name + "' has shape " + shape_string(view.shape) +
                             ", the network needs " + shape_string(weight.shape));
    if (reinterpret_cast<uintptr_t>(view.data) % alignof(float) == 0) {
      bound.push_back(reinterpret_cast<const float*>(view.data));
    } else {
      // Unusual header padding: copy rather than read misaligned floats.
      realigned.emplace_back(new float[view.bytes / sizeof(float)]);
      std::memcpy(realigned.back().get(), view.data, view.bytes);
      bound.push_back(realigned.back().get());
    }
  }
  auto ignorable = [](const std::string& name) {
    const std::string counter = ".num_batches_tracked";
    return name.size() > counter.size() && name.compare(name.size() - counter.size(), counter.size(), counter) == 0;
  };
  for (const auto& [name, view] : file.tensors()) {
    bool needed = std::any_of(required.begin(), required.end(),
                              [&tensor = name](const RequiredWeight& w) { return w.name == tensor; });
    if (!needed && !ignorable(name))
      fail(file.label(), "unexpected tensor '" + name + "' " + shape_string(view.shape) +
                             ": no layer of the network uses it");
  }
  return bound;
}

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const NamedTensor& t : tensors) {
    uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary);
  unsigned char size[8];
  for (int i = 0; i < 8; ++i) size[i] = static_cast<unsigned char>(text.size() >> (8 * i));
  out.write(reinterpret_cast<const char*>(size), 8);
  out << text;
  for (const NamedTensor& t : tensors)
    out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(t.data.size() * sizeof(float)));
  if (!out) fail(path, "cannot write");
}

}  // namespace kiln
