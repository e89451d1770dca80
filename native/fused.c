/*
 * hpe_blas fused kernels for a lifter's training step (lib/backend/kernels/fused.ts): each
 * replaces a chain of element-wise ops, every one a pass over a 256×1024 activation or a
 * 1024×1024 kernel, by one or two passes.
 *   bnStats      batch-norm statistics of a [rows, C] batch (mean, biased variance);
 *   bnGrad       the batch-norm backward pass in training mode (dx, dγ, dβ);
 *   dropoutMask  Alea uniforms compared with the rate and scaled, in one pass;
 *   maxNorm      each kernel column clipped to an L2 norm;
 *   sumSquares   Σ x² (the gradient norm the training core reports every step).
 * Sums are accumulated in double. Offsets are byte offsets into the wasm heap, checked
 * against it before anything is touched.
 */
#include <node_api.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "ops.h"


/* 1 when [off, off + bytes) lies in the heap. */
static int ok(int64_t off, int64_t bytes, size_t len) { return off >= 0 && bytes >= 0 && off + bytes <= (int64_t)len; }

static napi_value range_error(napi_env env, const char *name) {
  char msg[128];
  snprintf(msg, sizeof msg, "hpe_blas.%s: operand outside the wasm heap or bad size", name);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

/* Column jobs: each thread takes a range of columns [lo, hi) over all rows. */
typedef struct {
  const float *x, *dy, *mean, *var, *gamma;
  float *o_mean, *o_var, *dx, *dgamma, *dbeta;
  int64_t rows, C;
  float eps;
} BnCtx;

/* mean[c] = Σ_r x / rows; var[c] = Σ_r (x − mean)² / rows (two passes, double sums). */
static void bn_stats_job(int64_t lo, int64_t hi, const void *ctx) {
  const BnCtx *c = (const BnCtx *)ctx;
  for (int64_t c0 = lo; c0 < hi; c0 += 256) {
    const int64_t n = hi - c0 < 256 ? hi - c0 : 256;
    double s[256], q[256];
    float m[256];
    memset(s, 0, sizeof s);
    memset(q, 0, sizeof q);
    for (int64_t r = 0; r < c->rows; r++) {
      const float *xr = c->x + r * c->C + c0;
      for (int64_t i = 0; i < n; i++) s[i] += xr[i];
    }
    for (int64_t i = 0; i < n; i++) m[i] = (float)(s[i] / (double)c->rows);
    for (int64_t r = 0; r < c->rows; r++) {
      const float *xr = c->x + r * c->C + c0;
      for (int64_t i = 0; i < n; i++) {
        const double d = (double)xr[i] - (double)m[i];
        q[i] += d * d;
      }
    }
    for (int64_t i = 0; i < n; i++) {
      c->o_mean[c0 + i] = m[i];
      c->o_var[c0 + i] = (float)(q[i] / (double)c->rows);
    }
  }
}

/* bnStats(heap, xOff, meanOff, varOff, rows, C). */
static napi_value BnStats(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "bnStats");
  const int64_t xOff = hpe_i64(env, argv[1]), mOff = hpe_i64(env, argv[2]), vOff = hpe_i64(env, argv[3]);
  const int64_t rows = hpe_i64(env, argv[4]), C = hpe_i64(env, argv[5]);
  if (rows <= 0 || C <= 0 || !ok(xOff, 4 * rows * C, heap_len) || !ok(mOff, 4 * C, heap_len) || !ok(vOff, 4 * C, heap_len))
    return range_error(env, "bnStats");
  BnCtx c = {0};
  c.x = (const float *)(heap + xOff);
  c.o_mean = (float *)(heap + mOff);
  c.o_var = (float *)(heap + vOff);
  c.rows = rows;
  c.C = C;
  hpe_parallel(bn_stats_job, C, rows * C >= (1 << 16) ? 128 : INT64_MAX, &c);
  return NULL;
}

/* With x̂ = (x − mean)·k, k = 1/√(var + eps):
 *   dβ = Σ_r dy;  dγ = Σ_r dy·x̂;  dx = γ·k·(dy − dβ/rows − x̂·dγ/rows). */
static void bn_grad_job(int64_t lo, int64_t hi, const void *ctx) {
  const BnCtx *c = (const BnCtx *)ctx;
  for (int64_t c0 = lo; c0 < hi; c0 += 256) {
    const int64_t n = hi - c0 < 256 ? hi - c0 : 256;
    double sb[256], sg[256];
    float k[256], mu[256], a[256], b[256], g[256];
    memset(sb, 0, sizeof sb);
    memset(sg, 0, sizeof sg);
    for (int64_t i = 0; i < n; i++) {
      k[i] = 1.0f / sqrtf(c->var[c0 + i] + c->eps);
      mu[i] = c->mean[c0 + i];
    }
    for (int64_t r = 0; r < c->rows; r++) {
      const float *xr = c->x + r * c->C + c0, *dr = c->dy + r * c->C + c0;
      for (int64_t i = 0; i < n; i++) {
        const float xh = (xr[i] - mu[i]) * k[i];
        sb[i] += dr[i];
        sg[i] += (double)dr[i] * xh;
      }
    }
    for (int64_t i = 0; i < n; i++) {
      c->dbeta[c0 + i] = (float)sb[i];
      c->dgamma[c0 + i] = (float)sg[i];
      g[i] = c->gamma[c0 + i] * k[i];
      a[i] = (float)(sb[i] / (double)c->rows);
      b[i] = (float)(sg[i] / (double)c->rows);
    }
    for (int64_t r = 0; r < c->rows; r++) {
      const float *xr = c->x + r * c->C + c0, *dr = c->dy + r * c->C + c0;
      float *o = c->dx + r * c->C + c0;
      for (int64_t i = 0; i < n; i++) {
        const float xh = (xr[i] - mu[i]) * k[i];
        o[i] = g[i] * (dr[i] - a[i] - xh * b[i]);
      }
    }
  }
}

/* bnGrad(heap, dyOff, xOff, meanOff, varOff, gammaOff, dxOff, dgammaOff, dbetaOff, rows, C, eps). */
static napi_value BnGrad(napi_env env, napi_callback_info info) {
  GET_ARGS(12, "bnGrad");
  int64_t off[8];
  for (int k = 0; k < 8; k++) off[k] = hpe_i64(env, argv[1 + k]);
  const int64_t rows = hpe_i64(env, argv[9]), C = hpe_i64(env, argv[10]);
  const float eps = (float)hpe_f64(env, argv[11]);
  if (rows <= 0 || C <= 0) return range_error(env, "bnGrad");
  const int64_t big = 4 * rows * C, small = 4 * C;
  const int64_t sizes[8] = {big, big, small, small, small, big, small, small};
  for (int k = 0; k < 8; k++) if (!ok(off[k], sizes[k], heap_len)) return range_error(env, "bnGrad");
  BnCtx c = {0};
  c.dy = (const float *)(heap + off[0]);
  c.x = (const float *)(heap + off[1]);
  c.mean = (const float *)(heap + off[2]);
  c.var = (const float *)(heap + off[3]);
  c.gamma = (const float *)(heap + off[4]);
  c.dx = (float *)(heap + off[5]);
  c.dgamma = (float *)(heap + off[6]);
  c.dbeta = (float *)(heap + off[7]);
  c.rows = rows;
  c.C = C;
  c.eps = eps;
  hpe_parallel(bn_grad_job, C, rows * C >= (1 << 16) ? 128 : INT64_MAX, &c);
  return NULL;
}

/* dropoutMask(heap, outOff, n, c, s0, s1, s2, rate, scale): out[i] = u ≥ rate ? scale : 0, with u
 * the float32 uniform of Alea (as aleaUniform draws it on [0, 1)) and rate compared in float32,
 * as tf.greaterEqual compares a float32 tensor with a float32 scalar. */
static napi_value DropoutMask(napi_env env, napi_callback_info info) {
  GET_ARGS(9, "dropoutMask");
  const int64_t oOff = hpe_i64(env, argv[1]), n = hpe_i64(env, argv[2]);
  double st[4] = {hpe_f64(env, argv[3]), hpe_f64(env, argv[4]), hpe_f64(env, argv[5]), hpe_f64(env, argv[6])};
  const float rate = (float)hpe_f64(env, argv[7]), scale = (float)hpe_f64(env, argv[8]);
  if (n < 0 || !ok(oOff, 4 * n, heap_len)) return range_error(env, "dropoutMask");
  float *out = (float *)(heap + oOff);
  for (int64_t i = 0; i < n; i++) out[i] = (float)(0.0 + 1.0 * hpe_alea_next(st)) >= rate ? scale : 0.0f;
  return NULL;
}

/* maxNorm(heap, wOff, outOff, rows, cols, maxNorm): out[:, j] = W[:, j] · min(1, maxNorm / (‖W[:, j]‖ + 1e-7)). */
typedef struct { const float *w; float *o; int64_t rows, cols; float maxNorm; } MaxNormCtx;
static void max_norm_job(int64_t lo, int64_t hi, const void *ctx) {
  const MaxNormCtx *c = (const MaxNormCtx *)ctx;
  for (int64_t c0 = lo; c0 < hi; c0 += 256) {
    const int64_t n = hi - c0 < 256 ? hi - c0 : 256;
    double q[256];
    float f[256];
    memset(q, 0, sizeof q);
    for (int64_t r = 0; r < c->rows; r++) {
      const float *wr = c->w + r * c->cols + c0;
      for (int64_t i = 0; i < n; i++) q[i] += (double)wr[i] * wr[i];
    }
    for (int64_t i = 0; i < n; i++) {
      const float s = c->maxNorm / (sqrtf((float)q[i]) + 1e-7f);
      f[i] = s < 1.0f ? s : 1.0f;
    }
    for (int64_t r = 0; r < c->rows; r++) {
      const float *wr = c->w + r * c->cols + c0;
      float *o = c->o + r * c->cols + c0;
      for (int64_t i = 0; i < n; i++) o[i] = wr[i] * f[i];
    }
  }
}

static napi_value MaxNorm(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "maxNorm");
  const int64_t wOff = hpe_i64(env, argv[1]), oOff = hpe_i64(env, argv[2]), rows = hpe_i64(env, argv[3]), cols = hpe_i64(env, argv[4]);
  const float maxNorm = (float)hpe_f64(env, argv[5]);
  if (rows <= 0 || cols <= 0 || !ok(wOff, 4 * rows * cols, heap_len) || !ok(oOff, 4 * rows * cols, heap_len))
    return range_error(env, "maxNorm");
  MaxNormCtx c = {(const float *)(heap + wOff), (float *)(heap + oOff), rows, cols, maxNorm};
  hpe_parallel(max_norm_job, cols, rows * cols >= (1 << 16) ? 128 : INT64_MAX, &c);
  return NULL;
}

/* sumSquares(heap, xOff, outOff, n): out[0] = Σ x² (double sum, 4 lanes). */
static napi_value SumSquares(napi_env env, napi_callback_info info) {
  GET_ARGS(4, "sumSquares");
  const int64_t xOff = hpe_i64(env, argv[1]), oOff = hpe_i64(env, argv[2]), n = hpe_i64(env, argv[3]);
  if (n < 0 || !ok(xOff, 4 * n, heap_len) || !ok(oOff, 4, heap_len)) return range_error(env, "sumSquares");
  const float *x = (const float *)(heap + xOff);
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += (double)x[i] * x[i];
    a1 += (double)x[i + 1] * x[i + 1];
    a2 += (double)x[i + 2] * x[i + 2];
    a3 += (double)x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) a0 += (double)x[i] * x[i];
  *(float *)(heap + oOff) = (float)(a0 + a1 + a2 + a3);
  return NULL;
}

void hpe_fused_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"bnStats", NULL, BnStats, NULL, NULL, NULL, napi_default, NULL},
    {"bnGrad", NULL, BnGrad, NULL, NULL, NULL, napi_default, NULL},
    {"dropoutMask", NULL, DropoutMask, NULL, NULL, NULL, napi_default, NULL},
    {"maxNorm", NULL, MaxNorm, NULL, NULL, NULL, napi_default, NULL},
    {"sumSquares", NULL, SumSquares, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
