/*
 * hpe_blas: single-precision matrix products for TF.js's wasm backend through OpenBLAS.
 *
 * One function, sgemm(heap, ...), reads its operands straight out of the wasm heap (an
 * ArrayBuffer; no copies) at the byte offsets TF.js gives each tensor, and writes the
 * product (plus an optional bias row and ReLU) into the output tensor's memory.
 * Row-major, batched with per-operand strides (0 broadcasts a batch of one).
 * Built by scripts/build-native.sh; optional (the pure TF.js kernels are the fallback).
 * ops.c (reductions, element-wise, batch norm) and conv.c (convolutions as im2col + sgemm)
 * add their functions to the same module.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <string.h>
#include "ops.h"

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "hpe_blas: N-API call failed: " #call); return NULL; } } while (0)

static int64_t arg_i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

/* sgemm(heap, aOff, bOff, cOff, M, N, K, transA, transB, batch, strideA, strideB, biasOff, relu)
 * offsets in bytes (biasOff < 0: none); strides in elements. C = op(A)·op(B) [+ bias] [relu]. */
static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) { napi_throw_error(env, NULL, "hpe_blas.sgemm: expected 14 arguments"); return NULL; }
  void *data = NULL;
  size_t length = 0;
  bool is_ab = false;
  CHECK(napi_is_arraybuffer(env, argv[0], &is_ab));
  if (!is_ab) { napi_throw_type_error(env, NULL, "hpe_blas.sgemm: heap must be an ArrayBuffer"); return NULL; }
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &length));
  const int64_t aOff = arg_i64(env, argv[1]), bOff = arg_i64(env, argv[2]), cOff = arg_i64(env, argv[3]);
  const int64_t M = arg_i64(env, argv[4]), N = arg_i64(env, argv[5]), K = arg_i64(env, argv[6]);
  const int transA = (int)arg_i64(env, argv[7]), transB = (int)arg_i64(env, argv[8]);
  const int64_t batch = arg_i64(env, argv[9]), strideA = arg_i64(env, argv[10]), strideB = arg_i64(env, argv[11]);
  const int64_t biasOff = arg_i64(env, argv[12]);
  const int relu = (int)arg_i64(env, argv[13]);
  /* Bounds: every operand must lie inside the heap. */
  const int64_t endA = aOff + 4 * (strideA * (batch - 1) + M * K), endB = bOff + 4 * (strideB * (batch - 1) + K * N), endC = cOff + 4 * batch * M * N;
  if (aOff < 0 || bOff < 0 || cOff < 0 || endA > (int64_t)length || endB > (int64_t)length || endC > (int64_t)length || (biasOff >= 0 && biasOff + 4 * N > (int64_t)length)) {
    napi_throw_range_error(env, NULL, "hpe_blas.sgemm: operand outside the wasm heap");
    return NULL;
  }
  uint8_t *heap = (uint8_t *)data;
  const float *bias = biasOff >= 0 ? (const float *)(heap + biasOff) : NULL;
  for (int64_t b = 0; b < batch; b++) {
    const float *A = (const float *)(heap + aOff) + b * strideA;
    const float *B = (const float *)(heap + bOff) + b * strideB;
    float *C = (float *)(heap + cOff) + b * M * N;
    float beta = 0.0f;
    if (bias) {
      for (int64_t i = 0; i < M; i++) memcpy(C + i * N, bias, (size_t)N * sizeof(float));
      beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                (blasint)M, (blasint)N, (blasint)K, 1.0f, A, (blasint)(transA ? M : K), B, (blasint)(transB ? K : N), beta, C, (blasint)N);
    if (relu) for (int64_t i = 0; i < M * N; i++) if (C[i] < 0.0f) C[i] = 0.0f;
  }
  return NULL;
}

/* threads(n): set OpenBLAS's thread count (n > 0); returns the current count. */
static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1) {
    int64_t n = arg_i64(env, argv[0]);
    if (n > 0) openblas_set_num_threads((int)n);
  }
  napi_value out;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
    {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, 3, props));
  hpe_ops_register(env, exports);
  hpe_conv_register(env, exports);
  hpe_fused_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
