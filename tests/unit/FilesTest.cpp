#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "kiln/Error.hpp"
#include "kiln/Npy.hpp"
#include "kiln/Safetensors.hpp"
#include "schedule/ScheduleFile.h"
#include "schedule/ScheduleKeys.h"

namespace kiln {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + name; }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  uint64_t size = header.size();
  std::memcpy(bytes.data(), &size, 8);
  return bytes + header + data;
}

TEST(Npy, RoundTrip) {
  std::string path = temp_path("round.npy");
  std::vector<float> data = {1, -2, 3.5f, 4, 5, 6};
  write_npy(path, {2, 3}, data.data());
  NpyArray array = read_npy(path);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(array.data, data);
  write_npy(path, {6}, data.data());
  EXPECT_EQ(read_npy(path).shape, (std::vector<int64_t>{6}));
}

TEST(Npy, RejectsWrongDtypeWithTheFileName) {
  std::string path = temp_path("i4.npy");
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }";
  header += std::string(64 - (10 + header.size() + 1) % 64, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(header.size()) + '\0' + header + "abcd";
  write_bytes(path, bytes);
  try {
    read_npy(path);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("i4.npy: dtype '<i4' is not supported"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, BindsTensorsByName) {
  std::string path = temp_path("w.safetensors");
  float values[3] = {1, 2, 3};
  std::string header = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  write_bytes(path, safetensors_bytes(header, std::string(reinterpret_cast<char*>(values), 12)));
  SafetensorsFile file = SafetensorsFile::open(path);
  std::vector<std::unique_ptr<float[]>> realigned;
  std::vector<const float*> bound = bind_weights(file, {{"b", {1}}, {"a", {2}}}, realigned);
  EXPECT_EQ(bound[0][0], 3.0f);
  EXPECT_EQ(bound[1][1], 2.0f);
}

TEST(Safetensors, MisalignedDataIsCopied) {
  float values[1] = {7};
  std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";  // 55 bytes: misaligned data
  std::string bytes = safetensors_bytes(header, std::string(reinterpret_cast<char*>(values), 4));
  std::vector<unsigned char> storage(bytes.begin(), bytes.end());
  SafetensorsFile file = SafetensorsFile::borrow(storage.data(), storage.size(), "memory");
  std::vector<std::unique_ptr<float[]>> realigned;
  std::vector<const float*> bound = bind_weights(file, {{"a", {1}}}, realigned);
  EXPECT_EQ(realigned.size(), 1u);
  EXPECT_EQ(bound[0][0], 7.0f);
}

TEST(Safetensors, RejectsSizeThatDisagreesWithShape) {
  std::string header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})";
  std::string bytes = safetensors_bytes(header, std::string(8, '\0'));
  std::vector<unsigned char> storage(bytes.begin(), bytes.end());
  EXPECT_THROW(SafetensorsFile::borrow(storage.data(), storage.size(), "memory"), RuntimeError);
}

// Every key of the table, set alone to a value other than its own, is
// written, read back, and tells the schedule apart from the default.
TEST(ScheduleFile, EveryKeyRoundTrips) {
  for (const ScheduleKey& key : schedule_keys()) {
    KernelSchedule s;
    std::string value = key_value(s, key);
    std::string other = value == "true" ? "false" : value == "false" ? "true" : value == "width" ? "channels"
                        : value == "nchw" ? "nhwc" : value == "f32" ? "int8" : value.empty() ? "li2018" : "3";
    ASSERT_EQ(set_key(s, key, other), "") << key.name;
    EXPECT_EQ(key_value(s, key), other) << key.name;
    EXPECT_FALSE(s == KernelSchedule{}) << key.name << " is not compared";
    std::string text = format_schedule({{"layer1.0.conv1", {"layer1.0.conv1"}, s, ""}}, "x86-64-linux");
    Schedule parsed = parse_schedule(text, "t.sched");
    ASSERT_EQ(parsed.kernels.count("layer1.0.conv1"), 1u) << key.name;
    EXPECT_EQ(parsed.kernels.at("layer1.0.conv1"), s) << key.name;
  }
}

TEST(ScheduleFile, BadValuesSayWhatTheKeyTakes) {
  KernelSchedule s;
  EXPECT_EQ(set_key(s, *find_schedule_key("rows_per_task"), "0"), "'rows_per_task' must be a positive integer, found '0'");
  EXPECT_EQ(set_key(s, *find_schedule_key("tile_rows"), "-1"), "'tile_rows' must be a non-negative integer, found '-1'");
  EXPECT_EQ(set_key(s, *find_schedule_key("layout"), "chw"), "'layout' must be nchw or nhwc, found 'chw'");
  EXPECT_EQ(set_key(s, *find_schedule_key("precision"), "fp16"), "'precision' must be f32, bf16 or int8, found 'fp16'");
  EXPECT_EQ(find_schedule_key("vector_widht"), nullptr);
  EXPECT_EQ(s, KernelSchedule{});
}

}  // namespace
}  // namespace kiln
