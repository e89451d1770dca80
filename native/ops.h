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

/* Argument helpers shared by the kernel files (a bad value reads as 0 and fails the range checks). */
static inline int64_t hpe_i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}
static inline double hpe_f64(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}
/* The wasm heap passed as an ArrayBuffer, and its length; NULL (with a TypeError thrown) otherwise. */
static inline uint8_t *hpe_heap_arg(napi_env env, napi_value v, size_t *len) {
  bool is_ab = false;
  void *data = NULL;
  if (napi_is_arraybuffer(env, v, &is_ab) != napi_ok || !is_ab || napi_get_arraybuffer_info(env, v, &data, len) != napi_ok) {
    napi_throw_type_error(env, NULL, "hpe_blas: heap must be an ArrayBuffer");
    return NULL;
  }
  return (uint8_t *)data;
}
/* One draw of Baagoe's Alea as seedrandom runs it (double arithmetic, t | 0 truncation), state in st = {c, s0, s1, s2}: returns the new s2 in [0, 1). */
static inline double hpe_alea_next(double st[4]) {
  const double t = 2091639.0 * st[1] + st[0] * 2.3283064365386963e-10;
  st[1] = st[2];
  st[2] = st[3];
  st[0] = (double)(int32_t)t;
  st[3] = t - st[0];
  return st[3];
}
#define HPE_NARGS 16
/* The first lines of a kernel entry taking n arguments, the wasm heap first: argv, heap and heap_len
 * in scope, or a thrown error naming the kernel. */
#define GET_ARGS(n, name)                                                                 \
  size_t argc = HPE_NARGS;                                                                \
  napi_value argv[HPE_NARGS];                                                             \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != (n)) {   \
    napi_throw_error(env, NULL, "hpe_blas." name ": expected " #n " arguments");          \
    return NULL;                                                                          \
  }                                                                                       \
  size_t heap_len = 0;                                                                    \
  uint8_t *heap = hpe_heap_arg(env, argv[0], &heap_len);                                  \
  if (!heap) return NULL;
#endif
