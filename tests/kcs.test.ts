import { test } from "node:test";
import assert from "node:assert/strict";
import { boneVectors, inputToBoneMap, jointToBoneMatrix, kcsBones, kcsMatrix } from "../lib/pose/kcs";
import { H36M_JOINTS, H36M_PARENTS, jointIndex, NON_ROOT, NUM_JOINTS, type H36MJoint } from "../lib/pose/skeleton";
import { HAND_POSE, HAND_SQUARED_LENGTHS } from "./support/hand-pose";

const pose = Float64Array.from(H36M_JOINTS.flatMap((n) => HAND_POSE[n]));
const boneOf = (child: H36MJoint) => kcsBones().findIndex(([, c]) => c === jointIndex(child));

test("C has one column per bone: −1 at the parent, +1 at the child", () => {
  const { C, joints, bones } = jointToBoneMatrix();
  assert.equal(joints, NUM_JOINTS);
  assert.equal(bones, NUM_JOINTS - 1);
  kcsBones().forEach(([p, c], b) => {
    assert.equal(H36M_PARENTS[c], p);
    for (let j = 0; j < joints; j++) assert.equal(C[j * bones + b], j === p ? -1 : j === c ? 1 : 0, `C[${j}][${b}]`);
  });
});

test("B = X·C as a matrix product equals the bone vectors child − parent", () => {
  const { C, joints: J, bones: nb } = jointToBoneMatrix(),
    B = boneVectors(pose, 3);
  for (let d = 0; d < 3; d++) {
    for (let b = 0; b < nb; b++) {
      let s = 0;
      for (let j = 0; j < J; j++) s += pose[j * 3 + d] * C[j * nb + b]; // X [3, J] has the joints as columns
      assert.equal(B[b * 3 + d], s);
    }
  }
  assert.deepEqual(Array.from(B.subarray(boneOf("RFoot") * 3, boneOf("RFoot") * 3 + 3)), [0, -240, 180]);
});

test("Ψ = BᵀB of the hand-made skeleton: squared bone lengths on the diagonal, dot products off it", () => {
  const psi = kcsMatrix(pose, 3),
    nb = kcsBones().length;
  for (const [name, sq] of Object.entries(HAND_SQUARED_LENGTHS)) {
    const b = boneOf(name as H36MJoint);
    assert.equal(psi[b * nb + b], sq, `Ψ diagonal at the bone ending in ${name}`);
  }
  assert.equal(psi[boneOf("RHip") * nb + boneOf("LHip")], -100 * 100); // opposite hip bones
  assert.equal(psi[boneOf("Spine") * nb + boneOf("RHip")], 0); // perpendicular
  assert.equal(psi[boneOf("LElbow") * nb + boneOf("LWrist")], 300 * 250); // (0,−300,40)·(0,−250,0)
  for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) assert.equal(psi[i * nb + j], psi[j * nb + i]);
});

test("inputToBoneMap: bones of root-less inputs, with the root at the origin (3D) or between the hips (2D)", () => {
  const nb = kcsBones().length;
  const apply = (x: number[], M: Float64Array, cols: number) =>
    Array.from({ length: cols }, (_, c) => x.reduce((s, v, r) => s + v * M[r * cols + c], 0));
  // 3D, root-centred (the hand pose's hip is at the origin), root removed.
  const x3 = NON_ROOT.flatMap((j) => [0, 1, 2].map((d) => pose[j * 3 + d]));
  const m3 = inputToBoneMap(NON_ROOT, 3);
  assert.deepEqual([m3.rows, m3.cols], [48, nb * 3]);
  assert.deepEqual(apply(x3, m3.M, m3.cols), Array.from(boneVectors(pose, 3)));
  // 2D, shifted off the origin, hip removed: the hip is the hips' midpoint (as in the hand pose).
  const p2 = H36M_JOINTS.flatMap((_, j) => [pose[j * 3] + 500, pose[j * 3 + 1] - 70]);
  const x2 = NON_ROOT.flatMap((j) => [p2[j * 2], p2[j * 2 + 1]]);
  const m2 = inputToBoneMap(NON_ROOT, 2, { missingRoot: "midHips" });
  assert.deepEqual(apply(x2, m2.M, m2.cols), Array.from(boneVectors(p2, 2)));
  assert.throws(
    () =>
      inputToBoneMap(
        NON_ROOT.filter((j) => j !== jointIndex("LWrist")),
        3,
      ),
    /joint 13 is missing from the input and is not the root/,
  );
  assert.throws(() => boneVectors(pose.subarray(3), 3), /expected a pose of 17 joints × 3 = 51 values, got 48/);
});
