/** Typed-array helpers shared by the data and evaluation code. */

export type TypedArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

/** A new array of the same type holding rows `rows` (each `per` values long) of `a`, in that order. */
export function pickRows<T extends TypedArray>(a: T, rows: ArrayLike<number>, per: number): T {
  const n = rows.length;
  const out = new (a.constructor as { new (n: number): T })(n * per);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    if (!(r >= 0 && (r + 1) * per <= a.length))
      throw new Error(`pickRows: row ${r} is outside 0..${a.length / per - 1}`);
    out.set(a.subarray(r * per, (r + 1) * per), k * per);
  }
  return out;
}
