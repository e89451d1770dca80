/** The native addon's interface (kept apart so the kernel modules that use it import no loader). */

/** The native addon (native/*.c); offsets are byte offsets into the wasm heap. */
export interface BlasAddon {
  sgemm(
    heap: ArrayBuffer,
    aOff: number,
    bOff: number,
    cOff: number,
    M: number,
    N: number,
    K: number,
    transA: number,
    transB: number,
    batch: number,
    strideA: number,
    strideB: number,
    biasOff: number,
    relu: number,
  ): void;
  threads(n: number): number;
  config(): string;
  /** out[o, i] = scale · Σ_r x[o, r, i]. */
  reduceSum(
    heap: ArrayBuffer,
    xOff: number,
    outOff: number,
    outer: number,
    R: number,
    inner: number,
    scale: number,
  ): void;
  /** out = a OP b; op 0 add, 1 sub, 2 mul, 3 div, 4 min, 5 max, 6 squared difference; mode 0 same size, 1 scalar b, 2 scalar a, 3 b repeats every inner, 4 a repeats. */
  binary(
    heap: ArrayBuffer,
    op: number,
    aOff: number,
    bOff: number,
    outOff: number,
    n: number,
    mode: number,
    inner: number,
  ): void;
  /** One fused Adam update into new buffers (pOut, mOut, vOut), rounding like the op-by-op update. */
  adam(
    heap: ArrayBuffer,
    pOff: number,
    mOff: number,
    vOff: number,
    gOff: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    eps: number,
    alpha: number,
  ): void;
  /** op 0 sqrt, 1 rsqrt, 2 square. */
  unary(heap: ArrayBuffer, op: number, xOff: number, outOff: number, n: number): void;
  /** bool out = x OP s; op 0 ≥, 1 >, 2 ≤, 3 <. */
  compareScalar(heap: ArrayBuffer, op: number, xOff: number, outOff: number, n: number, s: number): void;
  /** Channels-last batch norm with given statistics; offset/scale −1: none. */
  batchNorm(
    heap: ArrayBuffer,
    xOff: number,
    meanOff: number,
    varOff: number,
    offsetOff: number,
    scaleOff: number,
    outOff: number,
    rows: number,
    C: number,
    eps: number,
  ): void;
  /** float32 out[i] = min + range · Alea() from state (c, s0, s1, s2), as seedrandom computes it. */
  aleaUniform(
    heap: ArrayBuffer,
    outOff: number,
    n: number,
    c: number,
    s0: number,
    s1: number,
    s2: number,
    min: number,
    range: number,
  ): void;
  /** mode 0: y = conv(x, W); 1: dW from (x, dy); 2: dx from (dy, W). NHWC, filter [KH, KW, CI, CO]. */
  conv2d(
    heap: ArrayBuffer,
    mode: number,
    aOff: number,
    bOff: number,
    outOff: number,
    N: number,
    H: number,
    W: number,
    CI: number,
    KH: number,
    KW: number,
    CO: number,
    Ho: number,
    Wo: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  /** Batch-norm statistics of x [rows, C]: mean and biased variance per column (double sums). */
  bnStats(heap: ArrayBuffer, xOff: number, meanOff: number, varOff: number, rows: number, C: number): void;
  /** Batch-norm backward in training mode: dx, dγ, dβ from dy, x and the batch statistics. */
  bnGrad(
    heap: ArrayBuffer,
    dyOff: number,
    xOff: number,
    meanOff: number,
    varOff: number,
    gammaOff: number,
    dxOff: number,
    dgammaOff: number,
    dbetaOff: number,
    rows: number,
    C: number,
    eps: number,
  ): void;
  /** out[i] = (Alea uniform ≥ rate) ? scale : 0, from state (c, s0, s1, s2). */
  dropoutMask(
    heap: ArrayBuffer,
    outOff: number,
    n: number,
    c: number,
    s0: number,
    s1: number,
    s2: number,
    rate: number,
    scale: number,
  ): void;
  /** out = W with each column scaled to L2 norm ≤ maxNorm (W [rows, cols]). */
  maxNorm(heap: ArrayBuffer, wOff: number, outOff: number, rows: number, cols: number, maxNorm: number): void;
  /** out[0] = Σ x² over n values. */
  sumSquares(heap: ArrayBuffer, xOff: number, outOff: number, n: number): void;
}
