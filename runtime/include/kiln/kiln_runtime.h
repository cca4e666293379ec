/* Kiln's runtime: errors, threads and .npy tensors for programs that link
 * Kiln-compiled networks. Link libkiln_runtime.a after the networks' archives
 * (with -lstdc++ -lpthread -ldl -lm, or through find_package(Kiln)). */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every Kiln function that can fail. */
enum {
  KILN_OK = 0,
  KILN_ERROR_ARGUMENT = 1, /* a null or otherwise invalid argument */
  KILN_ERROR_FILE = 2,     /* a weights or tensor file is missing or malformed */
  KILN_ERROR_KERNEL = 3,   /* a compiled kernel reported an error */
  KILN_ERROR_MEMORY = 4    /* out of memory */
};

#define KILN_MAX_RANK 6

/* The message of the last error on this thread ("" if none). */
const char *kiln_last_error(void);

/* Threads used by every network's kernels (default: one per core). */
void kiln_set_num_threads(int threads);

/* A dense f32 tensor, outermost dimension first. */
typedef struct kiln_tensor {
  float *data;
  int rank;
  int64_t shape[KILN_MAX_RANK];
} kiln_tensor;

/* Reads a little-endian f32, C-order .npy file (format 1.0 to 3.0). */
int kiln_npy_load(const char *path, kiln_tensor *tensor);
/* Writes a .npy file (format 1.0). */
int kiln_npy_save(const char *path, const kiln_tensor *tensor);
/* Frees what kiln_npy_load allocated. */
void kiln_tensor_free(kiln_tensor *tensor);

#ifdef __cplusplus
}
#endif

#endif
