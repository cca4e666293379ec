// The runtime's create/run/destroy on a compiled network (tests/unit/affine.kiln):
// errors are status codes with messages, never aborts.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "affine.h"
#include "kiln/kiln_runtime.h"

namespace {

std::string weights_file(const std::string& name, const float* weight, const float* bias) {
  std::string header = R"({"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                       R"("fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})";
  header += std::string((8 - header.size() % 8) % 8, ' ');
  uint64_t size = header.size();
  std::string path = ::testing::TempDir() + name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&size), 8);
  out << header;
  out.write(reinterpret_cast<const char*>(weight), 24);
  out.write(reinterpret_cast<const char*>(bias), 8);
  return path;
}

TEST(NetworkRuntime, RunsWithWeightsFromAFile) {
  const float weight[6] = {1, 2, 3, -1, 0, 1}, bias[2] = {0.5f, -0.5f};
  std::string path = weights_file("affine.safetensors", weight, bias);
  affine_model* model = nullptr;
  ASSERT_EQ(affine_create(path.c_str(), &model), KILN_OK) << kiln_last_error();
  const float x[3] = {1, 1, 2};
  float y[2] = {0, 0};
  ASSERT_EQ(affine_run(model, x, y), KILN_OK) << kiln_last_error();
  EXPECT_FLOAT_EQ(y[0], 1 + 2 + 6 + 0.5f);
  EXPECT_FLOAT_EQ(y[1], -1 + 0 + 2 - 0.5f);
  const float negative[3] = {-1, -1, -1};
  ASSERT_EQ(affine_run(model, negative, y), KILN_OK);
  EXPECT_FLOAT_EQ(y[1], 0.0f);  // relu
  affine_destroy(model);
}

TEST(NetworkRuntime, MissingWeightsFileIsAnError) {
  affine_model* model = reinterpret_cast<affine_model*>(1);
  EXPECT_EQ(affine_create("/nonexistent/w.safetensors", &model), KILN_ERROR_FILE);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::strstr(kiln_last_error(), "/nonexistent/w.safetensors: cannot open weights file"), nullptr)
      << kiln_last_error();
}

TEST(NetworkRuntime, NoWeightsPathWithoutEmbeddedWeightsIsAnError) {
  affine_model* model = nullptr;
  EXPECT_EQ(affine_create(nullptr, &model), KILN_ERROR_ARGUMENT);
  EXPECT_NE(std::strstr(kiln_last_error(), "needs a weights file"), nullptr) << kiln_last_error();
}

TEST(NetworkRuntime, NullPointersAreErrors) {
  EXPECT_EQ(affine_create(nullptr, nullptr), KILN_ERROR_ARGUMENT);
  const float weight[6] = {}, bias[2] = {};
  std::string path = weights_file("zeros.safetensors", weight, bias);
  affine_model* model = nullptr;
  ASSERT_EQ(affine_create(path.c_str(), &model), KILN_OK);
  float y[2];
  EXPECT_EQ(affine_run(model, nullptr, y), KILN_ERROR_ARGUMENT);
  EXPECT_NE(std::strstr(kiln_last_error(), "input 0 is NULL"), nullptr) << kiln_last_error();
  EXPECT_EQ(affine_run(nullptr, y, y), KILN_ERROR_ARGUMENT);
  affine_destroy(model);
  affine_destroy(nullptr);
}

}  // namespace
