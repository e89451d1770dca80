import { test } from "node:test";
import assert from "node:assert/strict";
import { mulberry32, normal } from "../lib/core/rng";
import { kcsBones } from "../lib/pose/kcs";
import {
  auc,
  averagePairwiseDistance,
  frechetDistance,
  gaussianFit,
  learnAngleLimits,
  outsideAngleShare,
  poseFid,
  sqrtmPsd,
  symmetricEigen,
  symmetryError,
  SYMMETRIC_BONES,
} from "../lib/pose/plausibility";
import { H36M_JOINTS, jointIndex } from "../lib/pose/skeleton";
import { HAND_POSE } from "./support/hand-pose";
import { rotationMatrix } from "../lib/pose/geometry";

const handPose = () => Float64Array.from(H36M_JOINTS.flatMap((n) => HAND_POSE[n]));
const randn = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => normal(r));
};

function rotateJoints(
  pose: Float64Array,
  R: number[],
  about: number[],
  joints: number[],
  shift = [0, 0, 0],
): Float64Array {
  const out = pose.slice();
  for (const j of joints) {
    const v = [0, 1, 2].map((d) => pose[j * 3 + d] - about[d]);
    for (let r = 0; r < 3; r++)
      out[j * 3 + r] = about[r] + shift[r] + R[r * 3] * v[0] + R[r * 3 + 1] * v[1] + R[r * 3 + 2] * v[2];
  }
  return out;
}
const ALL = H36M_JOINTS.map((_, j) => j);

test("symmetry error: 0 on a mirror-symmetric pose, (50 mm)/(6 pairs) with one forearm 50 mm longer", () => {
  assert.equal(SYMMETRIC_BONES.length, 6);
  assert.equal(symmetryError(handPose()), 0);
  const p = handPose(),
    w = jointIndex("LWrist");
  p[w * 3 + 1] -= 50; // the forearm (0, −250, 0) becomes (0, −300, 0)
  assert.ok(Math.abs(symmetryError(p) - 50 / 6) < 1e-9, `${symmetryError(p)}`);
  assert.ok(Math.abs(symmetryError([...handPose(), ...p]) - 50 / 12) < 1e-9, "mean over poses");
  assert.throws(() => symmetryError(new Float64Array(50)), /expected poses \[n, 17, 3\]/);
});

test("angle limits are body-relative: rotated training poses stay inside; a forearm bent backwards is the only bone outside", () => {
  const r = mulberry32(3);
  const base = handPose().map((v) => v + 5 * (2 * r() - 1)); // off the bin edges of an axis-aligned pose
  const train: number[] = [];
  for (let yaw = 0; yaw < 360; yaw += 15) {
    train.push(...rotateJoints(base, rotationMatrix([0, 1, 0], (yaw * Math.PI) / 180), [0, 0, 0], ALL, [yaw, 0, -yaw]));
  }
  const limits = learnAngleLimits(train);
  assert.equal(outsideAngleShare(train, limits).share, 0);
  const turned = rotateJoints(base, rotationMatrix([1, 2, 3], 0.7), [0, 0, 0], ALL, [100, 200, 300]);
  assert.equal(outsideAngleShare(turned, limits).share, 0, "an arbitrary rigid motion of a seen pose is inside");
  const elbow = jointIndex("LElbow"),
    wrist = jointIndex("LWrist");
  const bent = rotateJoints(
    base,
    rotationMatrix([1, 0, 0], (150 * Math.PI) / 180),
    Array.from(base.subarray(elbow * 3, elbow * 3 + 3)),
    [wrist],
  );
  const res = outsideAngleShare([...turned, ...bent], limits);
  assert.equal(res.share, 1 / (2 * kcsBones().length));
  const forearm = kcsBones().findIndex(([, c]) => c === wrist);
  res.perBone.forEach((v, b) => assert.equal(v, b === forearm ? 0.5 : 0, `bone ${b}`));
});

test("gaussianFit and the Jacobi eigen-decomposition and square root against hand values and reconstruction", () => {
  const g = gaussianFit([1, 10, 2, 20, 3, 30, 4, 40], 2);
  assert.deepEqual(Array.from(g.mean), [2.5, 25]);
  [5 / 3, 50 / 3, 50 / 3, 500 / 3].forEach((v, k) => assert.ok(Math.abs(g.cov[k] - v) < 1e-12, `cov[${k}]`));
  const n = 51,
    X = randn(60 * n, 1),
    A = gaussianFit(X, n).cov;
  const { values, vectors: V } = symmetricEigen(A, n);
  let err = 0,
    orth = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let a = 0,
        o = 0;
      for (let k = 0; k < n; k++) {
        a += V[i * n + k] * values[k] * V[j * n + k];
        o += V[k * n + i] * V[k * n + j];
      }
      err = Math.max(err, Math.abs(a - A[i * n + j]));
      orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
    }
  assert.ok(err < 1e-10 && orth < 1e-10, `reconstruction ${err}, orthogonality ${orth}`);
  const S = sqrtmPsd(A, n);
  let sq = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += S[i * n + k] * S[k * n + j];
      sq = Math.max(sq, Math.abs(s - A[i * n + j]));
    }
  assert.ok(sq < 1e-10, `S½·S½ − S: ${sq}`);
});

test("Fréchet distance: 0 for identical Gaussians, the 1-D closed form, and commuting covariances in a rotated basis", () => {
  const X = randn(300 * 51, 2),
    g = gaussianFit(X, 51);
  const tr = Array.from({ length: 51 }, (_, i) => g.cov[i * 51 + i]).reduce((a, b) => a + b);
  assert.ok(frechetDistance(g, g) < 1e-9 * tr, `${frechetDistance(g, g)}`);
  assert.ok(poseFid(X, X) < 1e-9 * tr);
  const one = (m: number, s: number) => ({ mean: Float64Array.of(m), cov: Float64Array.of(s * s) });
  const [m1, s1, m2, s2] = [0.3, 1.7, -1.2, 0.4];
  assert.ok(
    Math.abs(frechetDistance(one(m1, s1), one(m2, s2)) - ((m1 - m2) ** 2 + s1 ** 2 + s2 ** 2 - 2 * s1 * s2)) < 1e-12,
  );
  // Σ₁ = Q diag(a) Qᵀ, Σ₂ = Q diag(b) Qᵀ: the distance is ‖Δμ‖² + Σ (√aᵢ − √bᵢ)².
  const n = 5,
    a = [4, 1, 0.25, 9, 2],
    b = [1, 1, 4, 0.5, 3];
  const Q = symmetricEigen(gaussianFit(randn(40 * n, 3), n).cov, n).vectors; // a random orthogonal matrix
  const cov = (d: number[]) =>
    Float64Array.from({ length: n * n }, (_, k) =>
      d.reduce((s, v, i) => s + Q[Math.floor(k / n) * n + i] * v * Q[(k % n) * n + i], 0),
    );
  const mu1 = randn(n, 4),
    mu2 = randn(n, 5);
  const expect =
    mu1.reduce((s, v, i) => s + (v - mu2[i]) ** 2, 0) +
    a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i])) ** 2, 0);
  const got = frechetDistance({ mean: mu1, cov: cov(a) }, { mean: mu2, cov: cov(b) });
  assert.ok(Math.abs(got - expect) < 1e-9 * expect, `${got} vs ${expect}`);
});

test("average pairwise distance (hand values, and a sampled estimate) and AUC (hand values, ties count ½)", () => {
  const poses = [0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 12, 0, 0, 0, 0, 5, 12];
  // pairs: (5 + 12)/2, (0 + 13)/2, (5 + 5)/2
  assert.ok(Math.abs(averagePairwiseDistance(poses, { joints: 2 }) - 20 / 3) < 1e-12);
  const many = randn(300 * 51, 6),
    exact = averagePairwiseDistance(many);
  const sampled = averagePairwiseDistance(many, { maxPairs: 20_000, seed: 1 });
  assert.ok(Math.abs(sampled - exact) < 0.01 * exact, `${sampled} vs ${exact}`);
  assert.equal(auc([3, 4, 5], [1, 2, 3]), 8.5 / 9);
  assert.equal(auc([1, 2], [3, 4]), 0);
  assert.equal(auc([7], [7]), 0.5);
  assert.throws(() => auc([], [1]), /need positives and negatives/);
});
