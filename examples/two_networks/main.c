/* Two networks compiled separately, linked into one program with one Kiln
 * runtime: every symbol is prefixed with its network's name. */
#include <stdio.h>

#include "box_blur.h"
#include "seed_edge.h"

int main(void) {
  float image[25], edges[9], blurred[9];
  for (int i = 0; i < 25; ++i) image[i] = (float)(i + 1);
  kiln_set_num_threads(2);

  seed_edge_model *edge = NULL;
  box_blur_model *blur = NULL;
  int status = seed_edge_create(NULL, &edge) || box_blur_create(NULL, &blur) ||
               seed_edge_run(edge, image, edges) || box_blur_run(blur, image, blurred);
  if (status) fprintf(stderr, "two_networks: %s\n", kiln_last_error());
  seed_edge_destroy(edge);
  box_blur_destroy(blur);
  if (status) return 1;
  printf("edges:");
  for (int i = 0; i < 9; ++i) printf(" %g", edges[i]);
  printf("\nblurred:");
  for (int i = 0; i < 9; ++i) printf(" %g", blurred[i]);
  printf("\n");
  return 0;
}
