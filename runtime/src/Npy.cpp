#include "kiln/Npy.hpp"

#include <cstring>
#include <fstream>
#include <memory>

#include "kiln/Error.hpp"
#include "kiln/Safetensors.hpp"

namespace kiln {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw RuntimeError(KILN_ERROR_FILE, path + ": " + reason);
}

// The value of `key` in the header's Python dict literal, as text.
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) fail(path, "header has no '" + key + "'");
  at = header.find(':', at);
  if (at == std::string::npos) fail(path, "malformed header");
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  size_t end = at;
  if (end < header.size() && header[end] == '(') {
    end = header.find(')', end);
    if (end == std::string::npos) fail(path, "malformed shape in header");
    return header.substr(at, end + 1 - at);
  }
  if (end < header.size() && header[end] == '\'') {
    end = header.find('\'', end + 1);
    if (end == std::string::npos) fail(path, "malformed header");
    return header.substr(at + 1, end - at - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(at, end - at);
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& path) {
  std::vector<int64_t> shape;
  size_t i = 1;  // after '('
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] == ')') break;
    if (text[i] < '0' || text[i] > '9') fail(path, "malformed shape " + text);
    int64_t d = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (d > (int64_t{1} << 40)) fail(path, "dimension too large in shape " + text);
      d = d * 10 + (text[i++] - '0');
    }
    shape.push_back(d);
  }
  if (shape.size() > KILN_MAX_RANK) fail(path, "shape " + text + " has more than 6 dimensions");
  return shape;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  return read_npy(in, path);
}

NpyArray read_npy(std::istream& in, const std::string& path) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(path, "not a .npy file");
  int major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3) fail(path, "unsupported .npy format version " + std::to_string(major));
  uint32_t header_size = 0;
  unsigned char size_bytes[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(size_bytes), major == 1 ? 2 : 4)) fail(path, "truncated header");
  header_size = size_bytes[0] | size_bytes[1] << 8 | size_bytes[2] << 16 | uint32_t(size_bytes[3]) << 24;
  if (header_size > (1u << 20)) fail(path, "header too large");
  std::string header(header_size, '\0');
  if (!in.read(header.data(), header_size)) fail(path, "truncated header");

  std::string descr = dict_value(header, "descr", path);
  if (descr != "<f4")
    fail(path, "dtype '" + descr + "' is not supported; Kiln reads little-endian float32 ('<f4')");
  if (dict_value(header, "fortran_order", path) != "False")
    fail(path, "Fortran-order arrays are not supported; save a C-order array");
  NpyArray array;
  array.shape = parse_shape(dict_value(header, "shape", path), path);
  int64_t count = 1;
  for (int64_t d : array.shape) {
    if (d != 0 && count > (int64_t{1} << 31) / d) fail(path, "array too large");
    count *= d;
  }
  auto check_holds = [&](int64_t bytes) {
    if (bytes < count * 4)
      fail(path, "truncated data: shape " + shape_string(array.shape) + " needs " + std::to_string(count * 4) +
                     " bytes, the file holds " + std::to_string(bytes));
  };
  // Where the file can be measured, check the data is there before
  // allocating: a header may claim 8 GiB.
  std::streampos data_begin = in.tellg();
  if (data_begin != std::streampos(-1)) {
    in.seekg(0, std::ios::end);
    std::streamoff available = in.tellg() - data_begin;
    in.seekg(data_begin);
    check_holds(available);
  }
  array.data.resize(static_cast<size_t>(count));
  in.read(reinterpret_cast<char*>(array.data.data()), count * 4);
  check_holds(in.gcount());
  return array;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  std::string dims;
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dims += (i ? ", " : "") + std::to_string(shape[i]);
    count *= shape[i];
  }
  if (shape.size() == 1) dims += ",";  // Python's one-element tuple
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad so that the data starts at a multiple of 64 bytes, ending in '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) fail(path, std::string("cannot write: ") + std::strerror(errno));
  const unsigned char prefix[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.write(reinterpret_cast<const char*>(prefix), 8);
  const unsigned char size[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                 static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(size), 2);
  out << header;
  out.write(reinterpret_cast<const char*>(data), count * 4);
  if (!out) fail(path, "write failed");
}

}  // namespace kiln

extern "C" int kiln_npy_load(const char* path, kiln_tensor* tensor) {
  return kiln::guarded([&] {
    if (!path || !tensor) throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, "kiln_npy_load: null argument");
    kiln::NpyArray array = kiln::read_npy(path);
    auto data = std::make_unique<float[]>(array.data.size() ? array.data.size() : 1);
    std::memcpy(data.get(), array.data.data(), array.data.size() * sizeof(float));
    tensor->rank = static_cast<int>(array.shape.size());
    for (size_t i = 0; i < array.shape.size(); ++i) tensor->shape[i] = array.shape[i];
    tensor->data = data.release();
  });
}

extern "C" int kiln_npy_save(const char* path, const kiln_tensor* tensor) {
  return kiln::guarded([&] {
    if (!path || !tensor || !tensor->data || tensor->rank < 0 || tensor->rank > KILN_MAX_RANK)
      throw kiln::RuntimeError(KILN_ERROR_ARGUMENT, "kiln_npy_save: invalid argument");
    kiln::write_npy(path, std::vector<int64_t>(tensor->shape, tensor->shape + tensor->rank), tensor->data);
  });
}

extern "C" void kiln_tensor_free(kiln_tensor* tensor) {
  if (!tensor) return;
  delete[] tensor->data;
  tensor->data = nullptr;
}
