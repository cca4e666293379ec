/* The seed example: a 3x3 edge kernel over the 5x5 image 1..25, compiled by
 * Kiln, linked as a plain C library. Every output value is -6. */
#include <stdio.h>

#include "seed_edge.h"

int main(void) {
  float image[seed_edge_img_SIZE], edges[seed_edge_e_SIZE];
  for (int i = 0; i < seed_edge_img_SIZE; ++i) image[i] = (float)(i + 1);

  seed_edge_model *model = NULL;
  /* The weights are inline in the spec: no weights file. */
  if (seed_edge_create(NULL, &model) != 0 || seed_edge_run(model, image, edges) != 0) {
    fprintf(stderr, "seed_edge: %s\n", kiln_last_error());
    seed_edge_destroy(model);
    return 1;
  }
  for (int y = 0; y < 3; ++y) printf("%g %g %g\n", edges[3 * y], edges[3 * y + 1], edges[3 * y + 2]);
  seed_edge_destroy(model);
  return 0;
}
