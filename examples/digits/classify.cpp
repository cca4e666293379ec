// Classifies the test split of the digits data set with the Kiln-compiled
// CNN, prints its accuracy, and checks every prediction against PyTorch's
// (f32); with MAX_DROP (a network compiled in lower precision), checks instead
// that the accuracy is at most MAX_DROP below PyTorch's.
//   classify_digits WEIGHTS TEST_IMAGES TEST_LABELS TORCH_PREDICTIONS [MAX_DROP]
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "digits.h"
#include "kiln/kiln_runtime.h"

namespace {

struct Tensor : kiln_tensor {
  Tensor() : kiln_tensor{} {}
  ~Tensor() { kiln_tensor_free(this); }
};

bool load(const char* path, Tensor& tensor) {
  if (kiln_npy_load(path, &tensor) == KILN_OK) return true;
  std::fprintf(stderr, "classify_digits: %s\n", kiln_last_error());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: classify_digits WEIGHTS TEST_IMAGES TEST_LABELS TORCH_PREDICTIONS [MAX_DROP]\n");
    return 2;
  }
  Tensor images, labels, expected;
  if (!load(argv[2], images) || !load(argv[3], labels) || !load(argv[4], expected)) return 1;
  int64_t count = labels.shape[0];
  if (images.rank != 4 || images.shape[0] != count || images.shape[1] * images.shape[2] * images.shape[3] != digits_image_SIZE) {
    std::fprintf(stderr, "classify_digits: %s is not [%lld, 1, 8, 8]\n", argv[2], static_cast<long long>(count));
    return 1;
  }
  digits_model* model = nullptr;
  if (digits_create(argv[1], &model) != KILN_OK) {
    std::fprintf(stderr, "classify_digits: %s\n", kiln_last_error());
    return 1;
  }
  int correct = 0, agree = 0, torch_correct = 0;
  float scores[digits_fc2_SIZE];
  for (int64_t i = 0; i < count; ++i) {
    if (digits_run(model, images.data + i * digits_image_SIZE, scores) != KILN_OK) {
      std::fprintf(stderr, "classify_digits: %s\n", kiln_last_error());
      digits_destroy(model);
      return 1;
    }
    int predicted = static_cast<int>(std::max_element(scores, scores + digits_fc2_SIZE) - scores);
    correct += predicted == static_cast<int>(labels.data[i]);
    agree += predicted == static_cast<int>(expected.data[i]);
    torch_correct += expected.data[i] == labels.data[i];
  }
  digits_destroy(model);
  double accuracy = static_cast<double>(correct) / count, torch_accuracy = static_cast<double>(torch_correct) / count;
  std::printf("Kiln (%s) accuracy on %lld test digits: %.4f (%d correct); PyTorch's (f32): %.4f\n", digits_PRECISION,
              static_cast<long long>(count), accuracy, correct, torch_accuracy);
  std::printf("predictions equal to PyTorch's: %d of %lld\n", agree, static_cast<long long>(count));
  if (argc == 6) return torch_accuracy - accuracy <= std::atof(argv[5]) ? 0 : 1;
  return agree == count ? 0 : 1;
}
