/*
 * hpe_blas convolutions for TF.js's wasm backend: 2-D convolution (NHWC input, filter
 * [KH, KW, CI, CO], strides, explicit top/left padding, no dilation) and its two gradients,
 * as im2col + OpenBLAS sgemm, reading and writing tensors in place in the wasm heap.
 *
 *   cols[n·Ho·Wo + oh·Wo + ow, (kh·KW + kw)·CI + ci] = x[n, oh·sh − pt + kh, ow·sw − pl + kw, ci] (0 outside)
 *   forward:         y  = cols · W                 ([rows, KH·KW·CI] · [KH·KW·CI, CO])
 *   filter gradient: dW = colsᵀ · dy               (summed over the chunks)
 *   input gradient:  by sub-pixel phases (below): dy patches · phase filter, each dx pixel
 *                    written once (no col2im scatter-add)
 * The input gradient is also the forward pass of a transposed convolution.
 * Work goes in chunks of whole samples (about 8192 patch rows each) through one scratch
 * buffer outside the wasm heap, grown on demand and reused.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

static float *scratch = NULL;
static size_t scratch_cap = 0;

static float *scratch_get(size_t floats) {
  if (floats > scratch_cap) {
    float *p = (float *)realloc(scratch, floats * sizeof(float));
    if (!p) return NULL;
    scratch = p;
    scratch_cap = floats;
  }
  return scratch;
}

typedef struct { int64_t N, H, W, CI, KH, KW, CO, Ho, Wo, sh, sw, pt, pl; } Dims;

/*
 * sgemm on one OpenBLAS thread when both small sides are narrow (their product under 4096, e.g. a
 * first layer's 48 patch values × 32 channels): OpenBLAS's two-thread split of such skinny products
 * cost up to 28× the one-thread time on this CPU (a 64×64×64×3 → 32-channel filter gradient: 166 ms
 * on 2 threads, 5.9 ms on 1, under load). Wider products keep every thread.
 */
static void sgemm_sized(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                        const float *B, int64_t ldb, float beta, float *C, int64_t ldc, int64_t narrow) {
  const int threads = openblas_get_num_threads();
  const int one = threads > 1 && narrow < 4096;
  if (one) openblas_set_num_threads(1);
  cblas_sgemm(CblasRowMajor, ta, tb, (blasint)M, (blasint)N, (blasint)K, 1.0f, A, (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
  if (one) openblas_set_num_threads(threads);
}

typedef struct { const float *src; float *dst; const Dims *d; int64_t n0; } ColCtx;

/* Patches of samples [lo, hi) of the chunk starting at sample n0 (a job of hpe_parallel). */
static void im2col_job(int64_t lo, int64_t hi, const void *ctx) {
  const ColCtx *c = (const ColCtx *)ctx;
  const float *x = c->src;
  float *cols = c->dst;
  const Dims *d = c->d;
  const int64_t n0 = c->n0, Kc = d->KH * d->KW * d->CI;
  for (int64_t n = lo; n < hi; n++) {
    const float *xn = x + (n0 + n) * d->H * d->W * d->CI;
    for (int64_t oh = 0; oh < d->Ho; oh++) {
      for (int64_t ow = 0; ow < d->Wo; ow++) {
        float *row = cols + ((n * d->Ho + oh) * d->Wo + ow) * Kc;
        for (int64_t kh = 0; kh < d->KH; kh++) {
          const int64_t ih = oh * d->sh - d->pt + kh;
          float *dst = row + kh * d->KW * d->CI;
          if (ih < 0 || ih >= d->H) { memset(dst, 0, (size_t)(d->KW * d->CI) * sizeof(float)); continue; }
          const int64_t iw0 = ow * d->sw - d->pl;
          if (iw0 >= 0 && iw0 + d->KW <= d->W) {
            /* The whole kernel row lies inside: its KW pixels are contiguous in NHWC, one copy. */
            memcpy(dst, xn + (ih * d->W + iw0) * d->CI, (size_t)(d->KW * d->CI) * sizeof(float));
            continue;
          }
          for (int64_t kw = 0; kw < d->KW; kw++) {
            const int64_t iw = ow * d->sw - d->pl + kw;
            if (iw < 0 || iw >= d->W) memset(dst + kw * d->CI, 0, (size_t)d->CI * sizeof(float));
            else memcpy(dst + kw * d->CI, xn + (ih * d->W + iw) * d->CI, (size_t)d->CI * sizeof(float));
          }
        }
      }
    }
  }
}

/* Patch work is memory-bound: two threads for chunks of 2 samples or more. */
static void im2col(const float *x, float *cols, const Dims *d, int64_t n0, int64_t nb) {
  ColCtx c = {x, cols, d, n0};
  hpe_parallel(im2col_job, nb, 2, &c);
}

/*
 * Input gradient by sub-pixel phases. With stride s, dx pixel (ih, iw) with ih + pt = a·s + r,
 * iw + pl = b·s + q only meets filter taps (r + s·t, q + s·u):
 *   dx[n, a·s + r − pt, b·s + q − pl, ci] = Σ_{t,u,co} dy[n, a − t, b − u, co] · W[r + s·t, q + s·u, ci, co]
 * so one product gives all s² phases: rows (n, a, b) of dy patches (T·U·CO values, zero
 * outside) times the phase filter Wp[(t, u, co), (r, q, ci)], and each dx pixel is written
 * exactly once (no scatter-add, no zeroing). K = T·U·CO instead of CO: a better sgemm shape.
 */
typedef struct { const float *dy; float *patches; const float *res; float *dx; const Dims *d; int64_t n0, A, B, T, U; } PhaseCtx;

static void phase_gather_job(int64_t lo, int64_t hi, const void *ctx) {
  const PhaseCtx *c = (const PhaseCtx *)ctx;
  const Dims *d = c->d;
  const int64_t CO = d->CO, Kp = c->T * c->U * CO;
  for (int64_t n = lo; n < hi; n++) {
    const float *dyn = c->dy + (c->n0 + n) * d->Ho * d->Wo * CO;
    for (int64_t a = 0; a < c->A; a++) {
      for (int64_t b = 0; b < c->B; b++) {
        float *row = c->patches + ((n * c->A + a) * c->B + b) * Kp;
        for (int64_t t = 0; t < c->T; t++) {
          const int64_t oh = a - t;
          for (int64_t u = 0; u < c->U; u++) {
            const int64_t ow = b - u;
            float *dst = row + (t * c->U + u) * CO;
            if (oh < 0 || oh >= d->Ho || ow < 0 || ow >= d->Wo) memset(dst, 0, (size_t)CO * sizeof(float));
            else memcpy(dst, dyn + (oh * d->Wo + ow) * CO, (size_t)CO * sizeof(float));
          }
        }
      }
    }
  }
}

static void phase_scatter_job(int64_t lo, int64_t hi, const void *ctx) {
  const PhaseCtx *c = (const PhaseCtx *)ctx;
  const Dims *d = c->d;
  const int64_t CI = d->CI, s = d->sh, q_s = d->sw, Np = s * q_s * CI;
  for (int64_t n = lo; n < hi; n++) {
    float *dxn = c->dx + (c->n0 + n) * d->H * d->W * CI;
    for (int64_t a = 0; a < c->A; a++) {
      for (int64_t r = 0; r < s; r++) {
        const int64_t ih = a * s + r - d->pt;
        if (ih < 0 || ih >= d->H) continue;
        for (int64_t b = 0; b < c->B; b++) {
          const float *row = c->res + ((n * c->A + a) * c->B + b) * Np;
          for (int64_t q = 0; q < q_s; q++) {
            const int64_t iw = b * q_s + q - d->pl;
            if (iw < 0 || iw >= d->W) continue;
            memcpy(dxn + (ih * d->W + iw) * CI, row + (r * q_s + q) * CI, (size_t)CI * sizeof(float));
          }
        }
      }
    }
  }
}

/* dx from dy and W by phases; returns 0, or −1 when out of memory. */
static int input_grad_phases(const float *dy, const float *W, float *dx, const Dims *d) {
  const int64_t s = d->sh, q_s = d->sw, T = (d->KH + s - 1) / s, U = (d->KW + q_s - 1) / q_s;
  const int64_t A = (d->H - 1 + d->pt) / s + 1, B = (d->W - 1 + d->pl) / q_s + 1;
  const int64_t Kp = T * U * d->CO, Np = s * q_s * d->CI, P = A * B;
  int64_t nb = 8192 / (P > 0 ? P : 1);
  if (nb < 1) nb = 1;
  if (nb > d->N) nb = d->N;
  float *buf = scratch_get((size_t)(Kp * Np + nb * P * (Kp + Np)));
  if (!buf) return -1;
  float *Wp = buf, *patches = buf + Kp * Np, *res = patches + nb * P * Kp;
  for (int64_t t = 0; t < T; t++) for (int64_t u = 0; u < U; u++) for (int64_t co = 0; co < d->CO; co++) {
    float *row = Wp + ((t * U + u) * d->CO + co) * Np;
    for (int64_t r = 0; r < s; r++) for (int64_t q = 0; q < q_s; q++) {
      const int64_t kh = r + s * t, kw = q + q_s * u;
      for (int64_t ci = 0; ci < d->CI; ci++)
        row[(r * q_s + q) * d->CI + ci] = (kh < d->KH && kw < d->KW) ? W[((kh * d->KW + kw) * d->CI + ci) * d->CO + co] : 0.0f;
    }
  }
  for (int64_t n0 = 0; n0 < d->N; n0 += nb) {
    const int64_t cnt = d->N - n0 < nb ? d->N - n0 : nb;
    PhaseCtx c = {dy, patches, res, dx, d, n0, A, B, T, U};
    hpe_parallel(phase_gather_job, cnt, 2, &c);
    sgemm_sized(CblasNoTrans, CblasNoTrans, cnt * P, Np, Kp, patches, Kp, Wp, Np, 0.0f, res, Np, Np * Kp);
    hpe_parallel(phase_scatter_job, cnt, 2, &c);
  }
  return 0;
}

/* conv2d(heap, mode, aOff, bOff, outOff, N, H, W, CI, KH, KW, CO, Ho, Wo, sh, sw, pt, pl)
 * mode 0: out y = conv(a = x, b = W); 1: out dW from (a = x, b = dy); 2: out dx from (a = dy, b = W). */
static napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 18;
  napi_value argv[18];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 18) {
    napi_throw_error(env, NULL, "hpe_blas.conv2d: expected 18 arguments");
    return NULL;
  }
  bool is_ab = false;
  void *data = NULL;
  size_t len = 0;
  if (napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab || napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "hpe_blas.conv2d: heap must be an ArrayBuffer");
    return NULL;
  }
  int64_t v[17];
  for (int i = 0; i < 17; i++) { v[i] = 0; napi_get_value_int64(env, argv[i + 1], &v[i]); }
  const int mode = (int)v[0];
  const int64_t aOff = v[1], bOff = v[2], oOff = v[3];
  Dims d = {v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  for (int i = 4; i < 17; i++) {
    if (v[i] < 0 || v[i] > (1 << 28)) { napi_throw_range_error(env, NULL, "hpe_blas.conv2d: bad dimension"); return NULL; }
  }
  if (mode < 0 || mode > 2 || d.sh < 1 || d.sw < 1) { napi_throw_range_error(env, NULL, "hpe_blas.conv2d: bad mode or stride"); return NULL; }
  const int64_t xN = d.N * d.H * d.W * d.CI, wN = d.KH * d.KW * d.CI * d.CO, yN = d.N * d.Ho * d.Wo * d.CO;
  const int64_t aN = mode == 2 ? yN : xN, bN = mode == 1 ? yN : wN, oN = mode == 0 ? yN : mode == 1 ? wN : xN;
  if (aOff < 0 || bOff < 0 || oOff < 0 || aOff + 4 * aN > (int64_t)len || bOff + 4 * bN > (int64_t)len || oOff + 4 * oN > (int64_t)len) {
    napi_throw_range_error(env, NULL, "hpe_blas.conv2d: operand outside the wasm heap");
    return NULL;
  }
  uint8_t *heap = (uint8_t *)data;
  const float *A = (const float *)(heap + aOff), *B = (const float *)(heap + bOff);
  float *O = (float *)(heap + oOff);
  const int64_t Kc = d.KH * d.KW * d.CI, P = d.Ho * d.Wo;
  if (mode == 1 && (P == 0 || d.N == 0)) { memset(O, 0, (size_t)wN * sizeof(float)); return NULL; }
  if (mode == 2 && (P == 0 || d.CO == 0)) { memset(O, 0, (size_t)xN * sizeof(float)); return NULL; }
  if (P == 0 || d.N == 0 || Kc == 0 || d.CO == 0) return NULL;
  if (mode == 2) {
    if (input_grad_phases(A, B, O, &d) != 0) { napi_throw_error(env, NULL, "hpe_blas.conv2d: out of memory for the patch buffer"); return NULL; }
    return NULL;
  }
  int64_t nb = 8192 / P;
  if (nb < 1) nb = 1;
  if (nb > d.N) nb = d.N;
  float *cols = scratch_get((size_t)(nb * P * Kc));
  if (!cols) { napi_throw_error(env, NULL, "hpe_blas.conv2d: out of memory for the patch buffer"); return NULL; }
  for (int64_t n0 = 0; n0 < d.N; n0 += nb) {
    const int64_t cnt = d.N - n0 < nb ? d.N - n0 : nb, rows = cnt * P;
    if (mode == 0) {
      im2col(A, cols, &d, n0, cnt);
      sgemm_sized(CblasNoTrans, CblasNoTrans, rows, d.CO, Kc, cols, Kc, B, d.CO, 0.0f, O + n0 * P * d.CO, d.CO, Kc * d.CO);
    } else {
      im2col(A, cols, &d, n0, cnt);
      sgemm_sized(CblasTrans, CblasNoTrans, Kc, d.CO, rows, cols, Kc, B + n0 * P * d.CO, d.CO, n0 == 0 ? 0.0f : 1.0f, O, d.CO, Kc * d.CO);
    }
  }
  return NULL;
}

void hpe_conv_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"conv2d", NULL, Conv2d, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 1, props);
}
