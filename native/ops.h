/* Kernels of the hpe_blas addon besides sgemm; each file registers its functions on exports. */
#ifndef HPE_OPS_H
#define HPE_OPS_H
#include <node_api.h>
#include <stdio.h>
#include <stdint.h>
void hpe_ops_register(napi_env env, napi_value exports);
/* Run f over [0, n), split over two threads when n ≥ min_split (see ops.c). */
typedef void (*hpe_job_fn)(int64_t lo, int64_t hi, const void *ctx);
void hpe_parallel(hpe_job_fn f, int64_t n, int64_t min_split, const void *ctx);
void hpe_conv_register(napi_env env, napi_value exports);
void hpe_fused_register(napi_env env, napi_value exports);
#endif
