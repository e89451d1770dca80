/*
 * hpe_blas element-wise and reduction kernels for TF.js's wasm backend: like sgemm, they
 * read and write tensors in place in the wasm heap (byte offsets; float32 unless said).
 * They replace wasm kernels that are slow on this CPU (reductions over leading axes go
 * through a full transpose there; sqrt is scalar; batch norm and comparisons are plain
 * loops). Every offset range is checked against the heap before anything is touched.
 */
#include <node_api.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "ops.h"

#define NARGS 12
#define GET_ARGS(n, name)                                                                       \
  size_t argc = NARGS;                                                                          \
  napi_value argv[NARGS];                                                                       \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != (n)) {         \
    napi_throw_error(env, NULL, "hpe_blas." name ": expected " #n " arguments");                \
    return NULL;                                                                                \
  }                                                                                             \
  uint8_t *heap = heap_of(env, argv[0], name);                                                  \
  if (!heap) return NULL;                                                                       \
  size_t heap_len = last_len;

static size_t last_len = 0;

static uint8_t *heap_of(napi_env env, napi_value v, const char *name) {
  bool is_ab = false;
  void *data = NULL;
  if (napi_is_arraybuffer(env, v, &is_ab) != napi_ok || !is_ab || napi_get_arraybuffer_info(env, v, &data, &last_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "hpe_blas: heap must be an ArrayBuffer");
    (void)name;
    return NULL;
  }
  return (uint8_t *)data;
}

static int64_t i64(napi_env env, napi_value v) {
  int64_t x = 0;
  napi_get_value_int64(env, v, &x);
  return x;
}

static double f64(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

/* 1 when [off, off + bytes) lies in the heap (off < 0 means "absent" and passes). */
static int inside(int64_t off, int64_t bytes, size_t len) {
  return off < 0 || (bytes >= 0 && off + bytes <= (int64_t)len);
}

static napi_value range_error(napi_env env, const char *name) {
  char msg[128];
  snprintf(msg, sizeof msg, "hpe_blas.%s: operand outside the wasm heap", name);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* reduceSum(heap, xOff, outOff, outer, R, inner, scale): out[o, i] = scale · Σ_r x[o, r, i]. */
static napi_value ReduceSum(napi_env env, napi_callback_info info) {
  GET_ARGS(7, "reduceSum");
  const int64_t xOff = i64(env, argv[1]), oOff = i64(env, argv[2]);
  const int64_t outer = i64(env, argv[3]), R = i64(env, argv[4]), inner = i64(env, argv[5]);
  const float scale = (float)f64(env, argv[6]);
  if (outer < 0 || R < 0 || inner < 0 || xOff < 0 || oOff < 0 || !inside(xOff, 4 * outer * R * inner, heap_len) || !inside(oOff, 4 * outer * inner, heap_len))
    return range_error(env, "reduceSum");
  const float *x = (const float *)(heap + xOff);
  float *out = (float *)(heap + oOff);
  for (int64_t o = 0; o < outer; o++) {
    const float *xo = x + o * R * inner;
    float *oo = out + o * inner;
    if (inner == 1) {
      /* Row sums: double accumulators, 4 lanes. */
      double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      int64_t r = 0;
      for (; r + 4 <= R; r += 4) { a0 += xo[r]; a1 += xo[r + 1]; a2 += xo[r + 2]; a3 += xo[r + 3]; }
      for (; r < R; r++) a0 += xo[r];
      oo[0] = (float)((a0 + a1 + a2 + a3) * scale);
    } else {
      /* Column sums in blocks of 256 columns (they stay in L1 while rows stream by). */
      for (int64_t i0 = 0; i0 < inner; i0 += 256) {
        const int64_t n = inner - i0 < 256 ? inner - i0 : 256;
        float acc[256];
        memcpy(acc, xo + i0, (size_t)n * sizeof(float));
        if (R == 0) memset(acc, 0, sizeof acc);
        for (int64_t r = 1; r < R; r++) {
          const float *row = xo + r * inner + i0;
          for (int64_t i = 0; i < n; i++) acc[i] += row[i];
        }
        for (int64_t i = 0; i < n; i++) oo[i0 + i] = acc[i] * scale;
      }
    }
  }
  return NULL;
}

/* unary(heap, op, xOff, outOff, n): 0 sqrt, 1 rsqrt, 2 square. */
static napi_value Unary(napi_env env, napi_callback_info info) {
  GET_ARGS(5, "unary");
  const int op = (int)i64(env, argv[1]);
  const int64_t xOff = i64(env, argv[2]), oOff = i64(env, argv[3]), n = i64(env, argv[4]);
  if (n < 0 || xOff < 0 || oOff < 0 || !inside(xOff, 4 * n, heap_len) || !inside(oOff, 4 * n, heap_len)) return range_error(env, "unary");
  const float *x = (const float *)(heap + xOff);
  float *y = (float *)(heap + oOff);
  if (op == 0) for (int64_t i = 0; i < n; i++) y[i] = sqrtf(x[i]);
  else if (op == 1) for (int64_t i = 0; i < n; i++) y[i] = 1.0f / sqrtf(x[i]);
  else if (op == 2) for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i];
  else { napi_throw_error(env, NULL, "hpe_blas.unary: unknown op"); return NULL; }
  return NULL;
}

/* compareScalar(heap, op, xOff, outOff, n, s): bool (uint8) out[i] = x[i] OP s; 0 ≥, 1 >, 2 ≤, 3 <. */
static napi_value CompareScalar(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "compareScalar");
  const int op = (int)i64(env, argv[1]);
  const int64_t xOff = i64(env, argv[2]), oOff = i64(env, argv[3]), n = i64(env, argv[4]);
  const float s = (float)f64(env, argv[5]);
  if (n < 0 || xOff < 0 || oOff < 0 || !inside(xOff, 4 * n, heap_len) || !inside(oOff, n, heap_len)) return range_error(env, "compareScalar");
  const float *x = (const float *)(heap + xOff);
  uint8_t *y = heap + oOff;
  switch (op) {
    case 0: for (int64_t i = 0; i < n; i++) y[i] = x[i] >= s; break;
    case 1: for (int64_t i = 0; i < n; i++) y[i] = x[i] > s; break;
    case 2: for (int64_t i = 0; i < n; i++) y[i] = x[i] <= s; break;
    case 3: for (int64_t i = 0; i < n; i++) y[i] = x[i] < s; break;
    default: napi_throw_error(env, NULL, "hpe_blas.compareScalar: unknown op"); return NULL;
  }
  return NULL;
}

/* batchNorm(heap, xOff, meanOff, varOff, offsetOff, scaleOff, outOff, rows, C, eps):
 * out[r, c] = (x[r, c] − mean[c]) · scale[c] / √(var[c] + eps) + offset[c]; offset/scale < 0: none. */
static napi_value BatchNorm(napi_env env, napi_callback_info info) {
  GET_ARGS(10, "batchNorm");
  const int64_t xOff = i64(env, argv[1]), mOff = i64(env, argv[2]), vOff = i64(env, argv[3]), bOff = i64(env, argv[4]), sOff = i64(env, argv[5]), oOff = i64(env, argv[6]);
  const int64_t rows = i64(env, argv[7]), C = i64(env, argv[8]);
  const double eps = f64(env, argv[9]);
  if (rows < 0 || C <= 0 || C > 16384 || xOff < 0 || mOff < 0 || vOff < 0 || oOff < 0 || !inside(xOff, 4 * rows * C, heap_len) || !inside(oOff, 4 * rows * C, heap_len) ||
      !inside(mOff, 4 * C, heap_len) || !inside(vOff, 4 * C, heap_len) || !inside(bOff, 4 * C, heap_len) || !inside(sOff, 4 * C, heap_len))
    return range_error(env, "batchNorm");
  const float *x = (const float *)(heap + xOff), *mean = (const float *)(heap + mOff), *var = (const float *)(heap + vOff);
  const float *offset = bOff >= 0 ? (const float *)(heap + bOff) : NULL, *scale = sOff >= 0 ? (const float *)(heap + sOff) : NULL;
  float *out = (float *)(heap + oOff);
  float mul[16384], add[16384];
  for (int64_t c = 0; c < C; c++) {
    const float k = (scale ? scale[c] : 1.0f) / sqrtf(var[c] + (float)eps);
    mul[c] = k;
    add[c] = (offset ? offset[c] : 0.0f) - mean[c] * k;
  }
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * C;
    float *or_ = out + r * C;
    for (int64_t c = 0; c < C; c++) or_[c] = xr[c] * mul[c] + add[c];
  }
  return NULL;
}

void hpe_ops_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"reduceSum", NULL, ReduceSum, NULL, NULL, NULL, napi_default, NULL},
    {"unary", NULL, Unary, NULL, NULL, NULL, napi_default, NULL},
    {"compareScalar", NULL, CompareScalar, NULL, NULL, NULL, napi_default, NULL},
    {"batchNorm", NULL, BatchNorm, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
