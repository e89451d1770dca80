/*
 * hpe_blas element-wise and reduction kernels for TF.js's wasm backend: like sgemm, they
 * read and write tensors in place in the wasm heap (byte offsets; float32 unless said).
 * They replace wasm kernels that are slow on this CPU (reductions over leading axes go
 * through a full transpose there; sqrt is scalar; batch norm and comparisons are plain
 * loops). Every offset range is checked against the heap before anything is touched.
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "ops.h"

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

/* A second thread for large element-wise jobs (memory-bound loops gain from a second
 * core's bandwidth). The caller runs the first half; the worker the second. Used only when
 * OpenBLAS is allowed more than one thread (HPE_BLAS_THREADS=1 keeps everything on one). */
typedef hpe_job_fn job_fn;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_start = PTHREAD_COND_INITIALIZER, pool_done = PTHREAD_COND_INITIALIZER;
static job_fn pool_job = NULL;
static const void *pool_ctx = NULL;
static int64_t pool_lo = 0, pool_hi = 0;
static int pool_pending = 0, pool_started = 0, pool_failed = 0;

static void *pool_worker(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&pool_mu);
    while (!pool_pending) pthread_cond_wait(&pool_start, &pool_mu);
    job_fn f = pool_job;
    const void *ctx = pool_ctx;
    int64_t lo = pool_lo, hi = pool_hi;
    pthread_mutex_unlock(&pool_mu);
    f(lo, hi, ctx);
    pthread_mutex_lock(&pool_mu);
    pool_pending = 0;
    pthread_cond_signal(&pool_done);
    pthread_mutex_unlock(&pool_mu);
  }
  return NULL;
}

/* Run f over [0, n): split in two (at a multiple of 64 when n ≥ 128) when n ≥ min_split. */
void hpe_parallel(job_fn f, int64_t n, int64_t min_split, const void *ctx) {
  if (n < min_split || n < 2 || pool_failed || openblas_get_num_threads() < 2) { f(0, n, ctx); return; }
  if (!pool_started) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, pool_worker, NULL) != 0) { pool_failed = 1; f(0, n, ctx); return; }
    pool_started = 1;
  }
  const int64_t mid = n >= 128 ? (n / 2) & ~(int64_t)63 : n / 2;
  pthread_mutex_lock(&pool_mu);
  pool_job = f;
  pool_ctx = ctx;
  pool_lo = mid;
  pool_hi = n;
  pool_pending = 1;
  pthread_cond_signal(&pool_start);
  pthread_mutex_unlock(&pool_mu);
  f(0, mid, ctx);
  pthread_mutex_lock(&pool_mu);
  while (pool_pending) pthread_cond_wait(&pool_done, &pool_mu);
  pthread_mutex_unlock(&pool_mu);
}

/* binary(heap, op, aOff, bOff, outOff, n, mode, inner): float32 out = a OP b.
 * op: 0 add, 1 sub, 2 mul, 3 div, 4 min, 5 max, 6 squared difference.
 * mode 0: same size; 1: b is one value; 2: a is one value; 3: b repeats every `inner`
 * elements (b has `inner` values: a row broadcast); 4: a repeats every `inner`. */
typedef struct { const float *a, *b; float *o; int op, mode; int64_t inner; } BinCtx;

#define BIN_LOOP(EXPR)                                                                      \
  switch (c->mode) {                                                                         \
    case 0: for (int64_t i = lo; i < hi; i++) { const float x = a[i], y = b[i]; o[i] = EXPR; } break; \
    case 1: { const float y = b[0]; for (int64_t i = lo; i < hi; i++) { const float x = a[i]; o[i] = EXPR; } } break; \
    case 2: { const float x = a[0]; for (int64_t i = lo; i < hi; i++) { const float y = b[i]; o[i] = EXPR; } } break; \
    case 3: for (int64_t i = lo; i < hi; i++) { const float x = a[i], y = b[i % c->inner]; o[i] = EXPR; } break; \
    default: for (int64_t i = lo; i < hi; i++) { const float x = a[i % c->inner], y = b[i]; o[i] = EXPR; } break; \
  }

static void bin_job(int64_t lo, int64_t hi, const void *ctx) {
  const BinCtx *c = (const BinCtx *)ctx;
  const float *a = c->a, *b = c->b;
  float *o = c->o;
  if (c->mode >= 3) {
    /* Row broadcast: walk whole rows so the inner loop has no modulo. */
    const int64_t R = c->inner;
    int64_t i = lo;
    while (i < hi) {
      const int64_t j0 = i % R, len = (R - j0) < (hi - i) ? (R - j0) : (hi - i);
      const float *A = c->mode == 3 ? a + i : a + j0, *B = c->mode == 3 ? b + j0 : b + i;
      float *O = o + i;
      switch (c->op) {
        case 0: for (int64_t k = 0; k < len; k++) O[k] = A[k] + B[k]; break;
        case 1: for (int64_t k = 0; k < len; k++) O[k] = A[k] - B[k]; break;
        case 2: for (int64_t k = 0; k < len; k++) O[k] = A[k] * B[k]; break;
        case 3: for (int64_t k = 0; k < len; k++) O[k] = A[k] / B[k]; break;
        case 4: for (int64_t k = 0; k < len; k++) O[k] = fminf(A[k], B[k]); break;
        case 5: for (int64_t k = 0; k < len; k++) O[k] = fmaxf(A[k], B[k]); break;
        default: for (int64_t k = 0; k < len; k++) { const float d = A[k] - B[k]; O[k] = d * d; } break;
      }
      i += len;
    }
    return;
  }
  switch (c->op) {
    case 0: BIN_LOOP(x + y); break;
    case 1: BIN_LOOP(x - y); break;
    case 2: BIN_LOOP(x * y); break;
    case 3: BIN_LOOP(x / y); break;
    case 4: BIN_LOOP(fminf(x, y)); break;
    case 5: BIN_LOOP(fmaxf(x, y)); break;
    default: BIN_LOOP((x - y) * (x - y)); break;
  }
}

static napi_value Binary(napi_env env, napi_callback_info info) {
  GET_ARGS(8, "binary");
  BinCtx c;
  c.op = (int)hpe_i64(env, argv[1]);
  const int64_t aOff = hpe_i64(env, argv[2]), bOff = hpe_i64(env, argv[3]), oOff = hpe_i64(env, argv[4]), n = hpe_i64(env, argv[5]);
  c.mode = (int)hpe_i64(env, argv[6]);
  c.inner = hpe_i64(env, argv[7]);
  const int64_t na = c.mode == 2 ? 1 : c.mode == 4 ? c.inner : n, nb = c.mode == 1 ? 1 : c.mode == 3 ? c.inner : n;
  if (c.op < 0 || c.op > 6 || c.mode < 0 || c.mode > 4 || ((c.mode >= 3) && c.inner <= 0)) { napi_throw_error(env, NULL, "hpe_blas.binary: bad op or mode"); return NULL; }
  if (n < 0 || aOff < 0 || bOff < 0 || oOff < 0 || !inside(aOff, 4 * na, heap_len) || !inside(bOff, 4 * nb, heap_len) || !inside(oOff, 4 * n, heap_len)) return range_error(env, "binary");
  c.a = (const float *)(heap + aOff);
  c.b = (const float *)(heap + bOff);
  c.o = (float *)(heap + oOff);
  hpe_parallel(bin_job, n, 1 << 17, &c);
  return NULL;
}

typedef struct { const float *x; float *y; int op; } UnCtx;
static void un_job(int64_t lo, int64_t hi, const void *ctx) {
  const UnCtx *c = (const UnCtx *)ctx;
  const float *x = c->x;
  float *y = c->y;
  if (c->op == 0) for (int64_t i = lo; i < hi; i++) y[i] = sqrtf(x[i]);
  else if (c->op == 1) for (int64_t i = lo; i < hi; i++) y[i] = 1.0f / sqrtf(x[i]);
  else for (int64_t i = lo; i < hi; i++) y[i] = x[i] * x[i];
}

/* reduceSum(heap, xOff, outOff, outer, R, inner, scale): out[o, i] = scale · Σ_r x[o, r, i]. */
static napi_value ReduceSum(napi_env env, napi_callback_info info) {
  GET_ARGS(7, "reduceSum");
  const int64_t xOff = hpe_i64(env, argv[1]), oOff = hpe_i64(env, argv[2]);
  const int64_t outer = hpe_i64(env, argv[3]), R = hpe_i64(env, argv[4]), inner = hpe_i64(env, argv[5]);
  const float scale = (float)hpe_f64(env, argv[6]);
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
  const int op = (int)hpe_i64(env, argv[1]);
  const int64_t xOff = hpe_i64(env, argv[2]), oOff = hpe_i64(env, argv[3]), n = hpe_i64(env, argv[4]);
  if (n < 0 || xOff < 0 || oOff < 0 || !inside(xOff, 4 * n, heap_len) || !inside(oOff, 4 * n, heap_len)) return range_error(env, "unary");
  if (op < 0 || op > 2) { napi_throw_error(env, NULL, "hpe_blas.unary: unknown op"); return NULL; }
  UnCtx c = {(const float *)(heap + xOff), (float *)(heap + oOff), op};
  hpe_parallel(un_job, n, 1 << 17, &c);
  return NULL;
}

/* compareScalar(heap, op, xOff, outOff, n, s): bool (uint8) out[i] = x[i] OP s; 0 ≥, 1 >, 2 ≤, 3 <. */
static napi_value CompareScalar(napi_env env, napi_callback_info info) {
  GET_ARGS(6, "compareScalar");
  const int op = (int)hpe_i64(env, argv[1]);
  const int64_t xOff = hpe_i64(env, argv[2]), oOff = hpe_i64(env, argv[3]), n = hpe_i64(env, argv[4]);
  const float s = (float)hpe_f64(env, argv[5]);
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
  const int64_t xOff = hpe_i64(env, argv[1]), mOff = hpe_i64(env, argv[2]), vOff = hpe_i64(env, argv[3]), bOff = hpe_i64(env, argv[4]), sOff = hpe_i64(env, argv[5]), oOff = hpe_i64(env, argv[6]);
  const int64_t rows = hpe_i64(env, argv[7]), C = hpe_i64(env, argv[8]);
  const double eps = hpe_f64(env, argv[9]);
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

/* aleaUniform(heap, outOff, n, c, s0, s1, s2, min, range): float32 out[i] = min + range · next(),
 * with next() Baagoe's Alea as seedrandom implements it (double arithmetic, t | 0 truncation),
 * so the values equal tf.randomUniform's for the same initial state. */
static napi_value AleaUniform(napi_env env, napi_callback_info info) {
  GET_ARGS(9, "aleaUniform");
  const int64_t oOff = hpe_i64(env, argv[1]), n = hpe_i64(env, argv[2]);
  double st[4] = {hpe_f64(env, argv[3]), hpe_f64(env, argv[4]), hpe_f64(env, argv[5]), hpe_f64(env, argv[6])};
  const double lo = hpe_f64(env, argv[7]), range = hpe_f64(env, argv[8]);
  if (n < 0 || oOff < 0 || !inside(oOff, 4 * n, heap_len)) return range_error(env, "aleaUniform");
  float *out = (float *)(heap + oOff);
  for (int64_t i = 0; i < n; i++) out[i] = (float)(lo + range * hpe_alea_next(st));
  return NULL;
}

/* adam(heap, pOff, mOff, vOff, gOff, pOut, mOut, vOut, n, b1, 1−b1, b2, 1−b2, eps, alpha):
 * m' = m·b1 + g·(1−b1); v' = v·b2 + g²·(1−b2); p' = p − m'/(√v' + eps)·alpha, each operation
 * rounded to float32 in the order TF.js's Adam applies them (the same values, bit for bit). */
typedef struct { const float *p, *m, *v, *g; float *po, *mo, *vo; float b1, c1, b2, c2, eps, alpha; } AdamCtx;
static void adam_job(int64_t lo, int64_t hi, const void *ctx) {
  const AdamCtx *c = (const AdamCtx *)ctx;
  for (int64_t i = lo; i < hi; i++) {
    const float g = c->g[i];
    const float m = c->m[i] * c->b1 + g * c->c1;
    const float gg = g * g;
    const float v = c->v[i] * c->b2 + gg * c->c2;
    const float d = sqrtf(v) + c->eps;
    const float q = m / d;
    c->mo[i] = m;
    c->vo[i] = v;
    c->po[i] = c->p[i] - q * c->alpha;
  }
}

static napi_value Adam(napi_env env, napi_callback_info info) {
  GET_ARGS(15, "adam");
  int64_t off[7];
  for (int k = 0; k < 7; k++) off[k] = hpe_i64(env, argv[1 + k]);
  const int64_t n = hpe_i64(env, argv[8]);
  for (int k = 0; k < 7; k++) if (n < 0 || off[k] < 0 || !inside(off[k], 4 * n, heap_len)) return range_error(env, "adam");
  AdamCtx c = {(const float *)(heap + off[0]), (const float *)(heap + off[1]), (const float *)(heap + off[2]), (const float *)(heap + off[3]),
               (float *)(heap + off[4]), (float *)(heap + off[5]), (float *)(heap + off[6]),
               (float)hpe_f64(env, argv[9]), (float)hpe_f64(env, argv[10]), (float)hpe_f64(env, argv[11]), (float)hpe_f64(env, argv[12]), (float)hpe_f64(env, argv[13]), (float)hpe_f64(env, argv[14])};
  hpe_parallel(adam_job, n, 1 << 16, &c);
  return NULL;
}

void hpe_ops_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"reduceSum", NULL, ReduceSum, NULL, NULL, NULL, napi_default, NULL},
    {"unary", NULL, Unary, NULL, NULL, NULL, napi_default, NULL},
    {"compareScalar", NULL, CompareScalar, NULL, NULL, NULL, napi_default, NULL},
    {"batchNorm", NULL, BatchNorm, NULL, NULL, NULL, napi_default, NULL},
    {"aleaUniform", NULL, AleaUniform, NULL, NULL, NULL, napi_default, NULL},
    {"binary", NULL, Binary, NULL, NULL, NULL, napi_default, NULL},
    {"adam", NULL, Adam, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
