#pragma once
// The digits example network (examples/digits) as a test fixture: its
// weights, its test images, and a model that owns its handle.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "digits.h"
#include "kiln/kiln_runtime.h"

namespace kiln_test {

inline std::string digits_file(const std::string& name) { return std::string(KILN_DIGITS_DIR) + "/" + name; }

struct Images : kiln_tensor {
  Images() : kiln_tensor{} {
    EXPECT_EQ(kiln_npy_load(digits_file("test_images.npy").c_str(), this), KILN_OK) << kiln_last_error();
  }
  ~Images() { kiln_tensor_free(this); }
  int64_t count() const { return data ? shape[0] : 0; }
  const float* image(int64_t i) const { return data + i * digits_image_SIZE; }
};

class DigitsModel {
 public:
  DigitsModel() {
    EXPECT_EQ(digits_create(digits_file("digits.safetensors").c_str(), &model_), KILN_OK) << kiln_last_error();
  }
  ~DigitsModel() { digits_destroy(model_); }
  DigitsModel(const DigitsModel&) = delete;
  DigitsModel& operator=(const DigitsModel&) = delete;

  std::vector<float> scores(const float* image) {
    std::vector<float> scores(digits_fc2_SIZE);
    EXPECT_EQ(digits_run(model_, image, scores.data()), KILN_OK) << kiln_last_error();
    return scores;
  }

  // Every image's scores, classified in the given order, stored by image.
  std::vector<float> classify(const Images& images, bool backwards = false) {
    std::vector<float> all(images.count() * digits_fc2_SIZE);
    for (int64_t k = 0; k < images.count(); ++k) {
      int64_t i = backwards ? images.count() - 1 - k : k;
      std::vector<float> one = scores(images.image(i));
      std::copy(one.begin(), one.end(), all.begin() + i * digits_fc2_SIZE);
    }
    return all;
  }

 private:
  digits_model* model_ = nullptr;
};

}  // namespace kiln_test
