/* The table a generated network hands to the runtime. Written by `kiln
 * compile` into each network's glue; users do not include this file. */
#ifndef KILN_NETWORK_DESC_H
#define KILN_NETWORK_DESC_H

#include <stdint.h>

#include "kiln/kiln_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kiln_tensor_kind {
  KILN_TENSOR_INPUT,  /* index: which network input, copied at each run into
                         guarded memory (some kernel may read just outside it) */
  KILN_TENSOR_INPUT_IN_PLACE, /* the same, read from the caller's memory */
  KILN_TENSOR_OUTPUT, /* index: which network output */
  KILN_TENSOR_ARENA,  /* index: offset in floats into the scratch arena */
  KILN_TENSOR_WEIGHT, /* index: which weight */
  KILN_TENSOR_VIEW    /* index: an earlier entry of the table, whose memory
                         this one describes with another shape (a kernel that
                         sees an image's pixels as one row) */
};

/* Weights only: where axis i of a packed weight comes from. Its index j
 * stands for index j * factor along the stored weight's axis `axis` (plus
 * the indices of the other packed axes taken from the same axis); indices
 * past the stored weight's extent read as zero. */
typedef struct kiln_layout_axis {
  int axis;
  int64_t factor;
} kiln_layout_axis;

typedef struct kiln_tensor_desc {
  int kind;
  int64_t index;
  int rank;
  int64_t shape[KILN_MAX_RANK];
  /* Weights only: the schedule's layout. Not the identity: create makes the
   * packed copy, once. */
  kiln_layout_axis layout[KILN_MAX_RANK];
  /* 4-D tensors between kernels: stored NHWC (channels innermost) instead
   * of NCHW; the shape stays [N, C, H, W]. */
  int channels_last;
  /* Weights only: computed from the stored weight before it is packed. */
  int transform;
  /* Weights: the packed copy's element type (kiln_element_type); tensors
   * between kernels: F32, or U8 (the levels of a quantized tensor). */
  int element_type;
} kiln_tensor_desc;

enum kiln_element_type {
  KILN_ELEMENT_F32,
  KILN_ELEMENT_BF16, /* bfloat16, rounded from the stored f32 to nearest even */
  KILN_ELEMENT_S8,   /* int8: round(w / scale) of its output channel (the
                        stored weight's first axis), see KILN_WEIGHT_INT8_SCALES */
  KILN_ELEMENT_S32,  /* what KILN_WEIGHT_INT8_SUMS gives */
  KILN_ELEMENT_U8    /* tensors between kernels only */
};

enum kiln_weight_transform {
  KILN_WEIGHT_AS_STORED,
  KILN_WEIGHT_WINOGRAD_4X4_3X3, /* [K, C, 3, 3] -> [K, C, 6, 6]: each 3x3
                                   filter g as G g G^T, Winograd F(4x4, 3x3) */
  KILN_WEIGHT_INT8_SCALES,      /* [K, ...] -> [K]: each output channel's
                                   int8 scale, max |w| / 127 (1 for zeros) */
  KILN_WEIGHT_INT8_SUMS         /* [K, ...] -> [K], s32: the sum of each
                                   output channel's quantized weights */
};

typedef struct kiln_weight_desc {
  const char *name;
  int rank;
  int64_t shape[KILN_MAX_RANK];
} kiln_weight_desc;

/* One compiled Halide pipeline and the tensors it takes, in argument order. */
typedef struct kiln_kernel_desc {
  const char *name;
  int (*run)(void **args);
  int num_args;
  const int *args;
} kiln_kernel_desc;

typedef struct kiln_network_desc {
  const char *name;
  int num_inputs;
  int num_outputs;
  int num_tensors;
  const kiln_tensor_desc *tensors;
  int num_weights;
  const kiln_weight_desc *weights;
  int num_kernels;
  const kiln_kernel_desc *kernels;
  int64_t arena_floats;
  const unsigned char *embedded_weights; /* NULL unless compiled with --weights */
  uint64_t embedded_weights_size;
} kiln_network_desc;

typedef struct kiln_network kiln_network;

int kiln_network_create(const kiln_network_desc *desc, const char *weights_path, kiln_network **network);
int kiln_network_run(kiln_network *network, const float *const *inputs, float *const *outputs);
void kiln_network_destroy(kiln_network *network);
/* Runs once like kiln_network_run, storing each kernel's wall time in
 * seconds[k] (for kiln bench). */
int kiln_network_profile(kiln_network *network, const float *const *inputs, float *const *outputs, double *seconds);

#ifdef __cplusplus
}
#endif

#endif
