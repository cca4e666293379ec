/* small.kiln compiled with its weights embedded: create needs no file. Every
 * weight is 1.0, so each conv output is 9 * 1 + 1 = 10 for an input of ones,
 * and batchnorm with mean 1, var 1, weight 1, bias 1 gives 9/sqrt(1 + 1e-5) + 1. */
#include <math.h>
#include <stdio.h>

#include "small.h"

int main(void) {
  float x[small_x_SIZE], y[small_b_SIZE];
  for (int i = 0; i < small_x_SIZE; ++i) x[i] = 1.0f;
  small_model *model = NULL;
  if (small_create(NULL, &model) || small_run(model, x, y)) {
    fprintf(stderr, "small_embedded: %s\n", kiln_last_error());
    return 1;
  }
  small_destroy(model);
  float expected = 9.0f / sqrtf(1.0f + 1e-5f) + 1.0f;
  for (int i = 0; i < small_b_SIZE; ++i)
    if (fabsf(y[i] - expected) > 1e-5f) {
      fprintf(stderr, "small_embedded: y[%d] = %g, expected %g\n", i, y[i], expected);
      return 1;
    }
  printf("embedded weights: ok\n");
  return 0;
}
