// The types of the C operations that cshim.go calls through a function
// pointer, one per list of parameters (ops.go's unaryFn ... sizesFn).
// cshim_types_test.go checks that every C function handed to cshim.go's
// unaryC ... sizesC has the type that its helper calls it as.

#ifndef TFE_GO_CSHIM_H
#define TFE_GO_CSHIM_H

#include "tfe.h"

typedef enum tfe_status_t (*tfe_go_unary_fn)(tfe_context_t *, const tfe_tensor_t *, tfe_tensor_t **);
typedef enum tfe_status_t (*tfe_go_binary_fn)(tfe_context_t *, const tfe_tensor_t *, const tfe_tensor_t *,
                                               tfe_tensor_t **);
typedef enum tfe_status_t (*tfe_go_axis_fn)(tfe_context_t *, const tfe_tensor_t *, size_t, tfe_tensor_t **);
typedef enum tfe_status_t (*tfe_go_sizes_fn)(tfe_context_t *, const tfe_tensor_t *, const size_t *, size_t,
                                              tfe_tensor_t **);

#endif
