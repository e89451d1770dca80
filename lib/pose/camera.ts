/**
 * Human3.6M cameras and pure camera transforms (after VideoPose3D `common/camera.py` and
 * `common/h36m_dataset.py`, whose published calibration numbers are copied below).
 *
 * Conventions: world and camera points in **mm**; pixels for image points; quaternions
 * (w, x, y, z). The extrinsic orientation R rotates camera axes into the world and the
 * translation t is the camera centre in the world: X_cam = R⁻¹ (X_world − t).
 * Point arrays are flat: [P, 3] as p*3+d.
 */

export type Quaternion = readonly [number, number, number, number];
export type Vec3 = readonly [number, number, number];

/** Intrinsics of one camera (identical for every subject). */
export interface CameraIntrinsics {
  id: string;
  /** Principal point, pixels. */
  centerPx: readonly [number, number];
  /** Focal length (fx, fy), pixels. */
  focalLengthPx: readonly [number, number];
  /** Radial distortion k1, k2, k3. */
  radialDistortion: Vec3;
  /** Tangential distortion p1, p2. */
  tangentialDistortion: readonly [number, number];
  resWidthPx: number;
  resHeightPx: number;
  /** Azimuth used only for visualization (degrees). */
  azimuthDeg: number;
}

/** A camera of one subject: intrinsics plus extrinsics. */
export interface CameraParams extends CameraIntrinsics {
  /** Camera-to-world rotation, quaternion (w, x, y, z). */
  orientation: Quaternion;
  /** Camera centre in world coordinates, mm. */
  translationMm: Vec3;
}

export const H36M_INTRINSICS: readonly CameraIntrinsics[] = [
  {
    id: "54138969",
    centerPx: [512.54150390625, 515.4514770507812],
    focalLengthPx: [1145.0494384765625, 1143.7811279296875],
    radialDistortion: [-0.20709891617298126, 0.24777518212795258, -0.0030751503072679043],
    tangentialDistortion: [-0.0009756988729350269, -0.00142447161488235],
    resWidthPx: 1000,
    resHeightPx: 1002,
    azimuthDeg: 70,
  },
  {
    id: "55011271",
    centerPx: [508.8486328125, 508.0649108886719],
    focalLengthPx: [1149.6756591796875, 1147.5916748046875],
    radialDistortion: [-0.1942136287689209, 0.2404085397720337, 0.006819975562393665],
    tangentialDistortion: [-0.0016190266469493508, -0.0027408944442868233],
    resWidthPx: 1000,
    resHeightPx: 1000,
    azimuthDeg: -70,
  },
  {
    id: "58860488",
    centerPx: [519.8158569335938, 501.40264892578125],
    focalLengthPx: [1149.1407470703125, 1148.7989501953125],
    radialDistortion: [-0.2083381861448288, 0.25548800826072693, -0.0024604974314570427],
    tangentialDistortion: [0.0014843869721516967, -0.0007599993259645998],
    resWidthPx: 1000,
    resHeightPx: 1000,
    azimuthDeg: 110,
  },
  {
    id: "60457274",
    centerPx: [514.9682006835938, 501.88201904296875],
    focalLengthPx: [1145.5113525390625, 1144.77392578125],
    radialDistortion: [-0.198384091258049, 0.21832367777824402, -0.008947807364165783],
    tangentialDistortion: [-0.0005872055771760643, -0.0018133620033040643],
    resWidthPx: 1000,
    resHeightPx: 1002,
    azimuthDeg: -110,
  },
];

type Extrinsic = { orientation: Quaternion; translationMm: Vec3 };
const E = (orientation: Quaternion, translationMm: Vec3): Extrinsic => ({ orientation, translationMm });

/** Per-subject extrinsics, cameras in the order of H36M_INTRINSICS (S2–S4 have none). */
export const H36M_EXTRINSICS = {
  S1: [
    E(
      [0.1407056450843811, -0.1500701755285263, -0.755240797996521, 0.6223280429840088],
      [1841.1070556640625, 4955.28466796875, 1563.4454345703125],
    ),
    E(
      [0.6157187819480896, -0.764836311340332, -0.14833825826644897, 0.11794740706682205],
      [1761.278564453125, -5078.0068359375, 1606.2650146484375],
    ),
    E(
      [0.14651472866535187, -0.14647851884365082, 0.7653023600578308, -0.6094175577163696],
      [-1846.7777099609375, 5215.04638671875, 1491.972412109375],
    ),
    E(
      [0.5834008455276489, -0.7853162288665771, 0.14548823237419128, -0.14749594032764435],
      [-1794.7896728515625, -3722.698974609375, 1574.8927001953125],
    ),
  ],
  S5: [
    E(
      [0.1467377245426178, -0.162370964884758, -0.7551892995834351, 0.6178938746452332],
      [2097.3916015625, 4880.94482421875, 1605.732421875],
    ),
    E(
      [0.6159758567810059, -0.7626792192459106, -0.15728192031383514, 0.1189815029501915],
      [2031.7008056640625, -5167.93310546875, 1612.923095703125],
    ),
    E(
      [0.14291371405124664, -0.12907841801643372, 0.7678384780883789, -0.6110143065452576],
      [-1620.5948486328125, 5171.65869140625, 1496.43701171875],
    ),
    E(
      [0.5920479893684387, -0.7814217805862427, 0.1274748593568802, -0.15036417543888092],
      [-1637.1737060546875, -3867.3173828125, 1547.033203125],
    ),
  ],
  S6: [
    E(
      [0.1337897777557373, -0.15692396461963654, -0.7571090459823608, 0.6198879480361938],
      [1935.4517822265625, 4950.24560546875, 1618.0838623046875],
    ),
    E(
      [0.6147197484970093, -0.7628812789916992, -0.16174767911434174, 0.11819244921207428],
      [1969.803955078125, -5128.73876953125, 1632.77880859375],
    ),
    E(
      [0.1529948115348816, -0.13529130816459656, 0.7646096348762512, -0.6112781167030334],
      [-1769.596435546875, 5185.361328125, 1476.993408203125],
    ),
    E(
      [0.5916101336479187, -0.7804774045944214, 0.12832270562648773, -0.1561593860387802],
      [-1721.668701171875, -3884.13134765625, 1540.4879150390625],
    ),
  ],
  S7: [
    E(
      [0.1435241848230362, -0.1631336808204651, -0.7548328638076782, 0.6188824772834778],
      [1974.512939453125, 4926.3544921875, 1597.8326416015625],
    ),
    E(
      [0.6141672730445862, -0.7638262510299683, -0.1596645563840866, 0.1177929937839508],
      [1937.0584716796875, -5119.7900390625, 1631.5665283203125],
    ),
    E(
      [0.14550060033798218, -0.12874816358089447, 0.7660516500473022, -0.6127139329910278],
      [-1741.8111572265625, 5208.24951171875, 1464.8245849609375],
    ),
    E(
      [0.5912848114967346, -0.7821764349937439, 0.12445473670959473, -0.15196487307548523],
      [-1734.7105712890625, -3832.42138671875, 1548.5830078125],
    ),
  ],
  S8: [
    E(
      [0.14110587537288666, -0.15589867532253265, -0.7561917304992676, 0.619644045829773],
      [2150.65185546875, 4896.1611328125, 1611.9046630859375],
    ),
    E(
      [0.6169601678848267, -0.7647668123245239, -0.14846350252628326, 0.11158157885074615],
      [2219.965576171875, -5148.453125, 1613.0440673828125],
    ),
    E(
      [0.1471444070339203, -0.13377119600772858, 0.7670128345489502, -0.6100369691848755],
      [-1571.2215576171875, 5137.0185546875, 1498.1761474609375],
    ),
    E(
      [0.5927824378013611, -0.7825870513916016, 0.12147816270589828, -0.14631995558738708],
      [-1476.913330078125, -3896.7412109375, 1547.97216796875],
    ),
  ],
  S9: [
    E(
      [0.15540587902069092, -0.15548215806484222, -0.7532095313072205, 0.6199594736099243],
      [2044.45849609375, 4935.1171875, 1481.2275390625],
    ),
    E(
      [0.618784487247467, -0.7634735107421875, -0.14132238924503326, 0.11933968216180801],
      [1990.959716796875, -5123.810546875, 1568.8048095703125],
    ),
    E(
      [0.13357827067375183, -0.1367100477218628, 0.7689454555511475, -0.6100738644599915],
      [-1670.9921875, 5211.98583984375, 1528.387939453125],
    ),
    E(
      [0.5879399180412292, -0.7823407053947449, 0.1427614390850067, -0.14794869720935822],
      [-1696.04345703125, -3827.099853515625, 1591.4127197265625],
    ),
  ],
  S11: [
    E(
      [0.15232472121715546, -0.15442320704460144, -0.7547563314437866, 0.6191070079803467],
      [2098.440185546875, 4926.5546875, 1500.278564453125],
    ),
    E(
      [0.6189449429512024, -0.7600917220115662, -0.15300633013248444, 0.1255258321762085],
      [2083.182373046875, -4912.1728515625, 1561.07861328125],
    ),
    E(
      [0.14943228662014008, -0.15650227665901184, 0.7681233882904053, -0.6026304364204407],
      [-1609.8153076171875, 5177.3359375, 1537.896728515625],
    ),
    E(
      [0.5894251465797424, -0.7818877100944519, 0.13991211354732513, -0.14715361595153809],
      [-1590.738037109375, -3854.1689453125, 1578.017578125],
    ),
  ],
} as const satisfies Record<string, readonly Extrinsic[]>;

export type H36MSubject = keyof typeof H36M_EXTRINSICS;
export const H36M_SUBJECTS = Object.keys(H36M_EXTRINSICS) as H36MSubject[];

/** The 4 cameras of a subject. Unknown subjects are an error that lists the known ones. */
export function h36mCameras(subject: string): CameraParams[] {
  if (!(subject in H36M_EXTRINSICS)) {
    throw new Error(`unknown H36M subject "${subject}"; subjects with cameras are ${H36M_SUBJECTS.join(", ")}`);
  }
  return H36M_EXTRINSICS[subject as H36MSubject].map((e, i) => ({ ...H36M_INTRINSICS[i], ...e }));
}

/** Rotate v by unit quaternion q (w, x, y, z): v + 2w(u×v) + 2u×(u×v). */
export function qrot(q: Quaternion, v: Vec3): [number, number, number] {
  const [w, x, y, z] = q;
  const cx = y * v[2] - z * v[1],
    cy = z * v[0] - x * v[2],
    cz = x * v[1] - y * v[0];
  const ccx = y * cz - z * cy,
    ccy = z * cx - x * cz,
    ccz = x * cy - y * cx;
  return [v[0] + 2 * (w * cx + ccx), v[1] + 2 * (w * cy + ccy), v[2] + 2 * (w * cz + ccz)];
}

export function qinverse(q: Quaternion): Quaternion {
  return [q[0], -q[1], -q[2], -q[3]];
}

/** Unit quaternion (the published float32 orientations are unit only to ~1e-7). */
export function qnormalize(q: Quaternion): Quaternion {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

function checkPoints(points: ArrayLike<number>, dims: number, fn: string): void {
  if (points.length % dims !== 0)
    throw new Error(`${fn}: expected a flat [P, ${dims}] array, got length ${points.length}`);
}

/** World → camera coordinates (mm): R⁻¹ (X − t). */
export function worldToCamera(
  pointsMm: ArrayLike<number>,
  cam: Pick<CameraParams, "orientation" | "translationMm">,
): Float64Array {
  checkPoints(pointsMm, 3, "worldToCamera");
  const qi = qinverse(qnormalize(cam.orientation)),
    t = cam.translationMm;
  const out = new Float64Array(pointsMm.length);
  for (let p = 0; p < pointsMm.length; p += 3) {
    const r = qrot(qi, [pointsMm[p] - t[0], pointsMm[p + 1] - t[1], pointsMm[p + 2] - t[2]]);
    out[p] = r[0];
    out[p + 1] = r[1];
    out[p + 2] = r[2];
  }
  return out;
}

/** Camera → world coordinates (mm): R X + t. */
export function cameraToWorld(
  pointsMm: ArrayLike<number>,
  cam: Pick<CameraParams, "orientation" | "translationMm">,
): Float64Array {
  checkPoints(pointsMm, 3, "cameraToWorld");
  const q = qnormalize(cam.orientation),
    t = cam.translationMm;
  const out = new Float64Array(pointsMm.length);
  for (let p = 0; p < pointsMm.length; p += 3) {
    const r = qrot(q, [pointsMm[p], pointsMm[p + 1], pointsMm[p + 2]]);
    out[p] = r[0] + t[0];
    out[p + 1] = r[1] + t[1];
    out[p + 2] = r[2] + t[2];
  }
  return out;
}

/**
 * Project camera-space points (mm) to pixels with H36M's full model (VideoPose3D
 * `project_to_2d`): XX = clamp(X/Z, −1, 1), radial = 1 + k1 r² + k2 r⁴ + k3 r⁶,
 * tan = p·XX, XXX = XX (radial + tan) + p r², uv = f XXX + c. Points must be in front (Z > 0).
 */
export function projectToImage(cameraPointsMm: ArrayLike<number>, cam: CameraIntrinsics): Float64Array {
  checkPoints(cameraPointsMm, 3, "projectToImage");
  const [k1, k2, k3] = cam.radialDistortion,
    [p1, p2] = cam.tangentialDistortion;
  const [fx, fy] = cam.focalLengthPx,
    [cx, cy] = cam.centerPx;
  const n = cameraPointsMm.length / 3;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const Z = cameraPointsMm[i * 3 + 2];
    if (!(Z > 0)) throw new Error(`projectToImage: point ${i} is behind the camera ${cam.id} (Z = ${Z} mm)`);
    const x = Math.min(1, Math.max(-1, cameraPointsMm[i * 3] / Z));
    const y = Math.min(1, Math.max(-1, cameraPointsMm[i * 3 + 1] / Z));
    const r2 = x * x + y * y;
    const radial = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
    const tan = p1 * x + p2 * y;
    out[i * 2] = fx * (x * (radial + tan) + p1 * r2) + cx;
    out[i * 2 + 1] = fy * (y * (radial + tan) + p2 * r2) + cy;
  }
  return out;
}

/** World points (mm) → pixels through one camera. */
export function worldToImage(pointsMm: ArrayLike<number>, cam: CameraParams): Float64Array {
  return projectToImage(worldToCamera(pointsMm, cam), cam);
}

/** Pixels → normalized screen coordinates: [0, w] → [−1, 1], aspect kept (VideoPose3D). */
export function normalizeScreenCoordinates(pointsPx: ArrayLike<number>, w: number, h: number): Float64Array {
  checkPoints(pointsPx, 2, "normalizeScreenCoordinates");
  const out = new Float64Array(pointsPx.length);
  for (let i = 0; i < pointsPx.length; i += 2) {
    out[i] = (pointsPx[i] / w) * 2 - 1;
    out[i + 1] = (pointsPx[i + 1] / w) * 2 - h / w;
  }
  return out;
}

/** Normalized screen coordinates → pixels (inverse of normalizeScreenCoordinates). */
export function imageCoordinates(pointsNorm: ArrayLike<number>, w: number, h: number): Float64Array {
  checkPoints(pointsNorm, 2, "imageCoordinates");
  const out = new Float64Array(pointsNorm.length);
  for (let i = 0; i < pointsNorm.length; i += 2) {
    out[i] = ((pointsNorm[i] + 1) * w) / 2;
    out[i + 1] = ((pointsNorm[i + 1] + h / w) * w) / 2;
  }
  return out;
}

/** Camera centre (mm) and its viewing direction (unit vector) in the world. */
export function cameraPose(cam: Pick<CameraParams, "orientation" | "translationMm">): {
  centerMm: Vec3;
  forward: Vec3;
  up: Vec3;
} {
  const q = qnormalize(cam.orientation);
  return { centerMm: cam.translationMm, forward: qrot(q, [0, 0, 1]), up: qrot(q, [0, -1, 0]) };
}

/**
 * How far cameras look down, in degrees (> 0 below the horizon): the mean over `cams` of
 * asin(−forward_z), world z up. Camera calibration, not pose labels: the 2D-only lifter turns poses
 * about the person's vertical axis with it (H36M's training cameras: 12.6°).
 */
export function cameraElevationDeg(cams: readonly Pick<CameraParams, "orientation" | "translationMm">[]): number {
  if (!cams.length) throw new Error("cameraElevationDeg: no cameras given");
  const sum = cams.reduce((s, c) => s + Math.asin(-cameraPose(c).forward[2]), 0);
  return ((sum / cams.length) * 180) / Math.PI;
}
