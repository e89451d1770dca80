/* Kernels of the hpe_blas addon besides sgemm; each file registers its functions on exports. */
#ifndef HPE_OPS_H
#define HPE_OPS_H
#include <node_api.h>
#include <stdio.h>
void hpe_ops_register(napi_env env, napi_value exports);
void hpe_conv_register(napi_env env, napi_value exports);
#endif
