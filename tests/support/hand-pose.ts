/**
 * A hand-made, left/right mirror-symmetric H36M pose (mm, y up) whose bone vectors are easy
 * to check by hand; its squared bone lengths are listed beside it.
 */
import type { H36MJoint } from "../../lib/pose/skeleton";

export const HAND_POSE: Record<H36MJoint, [number, number, number]> = {
  Hip: [0, 0, 0],
  RHip: [-100, 0, 0],
  RKnee: [-100, -400, 0],
  RFoot: [-100, -640, 180],
  LHip: [100, 0, 0],
  LKnee: [100, -400, 0],
  LFoot: [100, -640, 180],
  Spine: [0, 200, 0],
  Thorax: [0, 400, 30],
  "Neck/Nose": [0, 500, 30],
  Head: [0, 600, 30],
  LShoulder: [150, 400, 30],
  LElbow: [150, 100, 70],
  LWrist: [150, -150, 70],
  RShoulder: [-150, 400, 30],
  RElbow: [-150, 100, 70],
  RWrist: [-150, -150, 70],
};

/** Squared length of the bone ending at each child joint, by hand (e.g. RKnee→RFoot = 240² + 180² = 300²). */
export const HAND_SQUARED_LENGTHS: Partial<Record<H36MJoint, number>> = {
  RHip: 100 ** 2,
  RKnee: 400 ** 2,
  RFoot: 300 ** 2,
  LHip: 100 ** 2,
  LKnee: 400 ** 2,
  LFoot: 300 ** 2,
  Spine: 200 ** 2,
  Thorax: 200 ** 2 + 30 ** 2,
  "Neck/Nose": 100 ** 2,
  Head: 100 ** 2,
  LShoulder: 150 ** 2,
  LElbow: 300 ** 2 + 40 ** 2,
  LWrist: 250 ** 2,
  RShoulder: 150 ** 2,
  RElbow: 300 ** 2 + 40 ** 2,
  RWrist: 250 ** 2,
};
