#!/usr/bin/env python3
"""Convert VideoPose3D's Human3.6M files to hpe3d's flat, pickle-free .npz layout.

  python3 scripts/convert_h36m.py data_3d_h36m.npz [data_2d_h36m_cpn_ft_h36m_dbb.npz ...]

VideoPose3D stores a pickled dict in each .npz (`positions_3d`, or `positions_2d` +
`metadata`). hpe3d's reader never unpickles, so run this once, on files you trust (your
own output of VideoPose3D's prepare_data_h36m.py): it loads them with numpy's
allow_pickle=True and writes <name>_flat.npz beside each, with
  3D: "S1/Walking 1" -> float32 [frames, 32, 3] (metres, as VideoPose3D)
  2D: "S1/Walking 1/0".."/3" -> float32 [frames, J, 2] (pixels), "metadata" -> JSON bytes.
"""
import json
import os
import sys

import numpy as np


def convert(path):
    src = np.load(path, allow_pickle=True)
    out = {}
    if "positions_3d" in src.files:
        for subject, actions in src["positions_3d"].item().items():
            for action, pos in actions.items():
                out[f"{subject}/{action}"] = np.ascontiguousarray(pos, dtype=np.float32)
    elif "positions_2d" in src.files:
        for subject, actions in src["positions_2d"].item().items():
            for action, cams in actions.items():
                for i, kp in enumerate(cams):
                    out[f"{subject}/{action}/{i}"] = np.ascontiguousarray(np.asarray(kp)[..., :2], dtype=np.float32)
        meta = src["metadata"].item() if "metadata" in src.files else {}
        meta = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in meta.items()}
        out["metadata"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    else:
        raise SystemExit(f"{path}: neither positions_3d nor positions_2d found; entries are {src.files}")
    dst = os.path.splitext(path)[0] + "_flat.npz"
    tmp = dst + ".tmp.npz"
    np.savez_compressed(tmp, **out)
    os.replace(tmp, dst)
    print(f"{path} -> {dst} ({len(out)} arrays)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for p in sys.argv[1:]:
        convert(p)
