#!/usr/bin/python3
"""OpenCV MergeMertens as the peer of HDR Studio's exposure fusion (tests and `bench fusion`).

Run with Debian's /usr/bin/python3 (python3-opencv). Images are handed to OpenCV in RGB order so
that its COLOR_RGB2GRAY luma is the real one (see core/hdr/ExposureFusion.h).

  peer_fusion.py fuse --weights C S E --out OUT.f32 IN...   writes float32 RGB, prints "W H"
  peer_fusion.py time --weights C S E --repeat N IN...      prints JSON {"fuse_s": best, "read_s": ...}
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np


def load(paths):
    imgs = []
    for p in paths:
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            sys.exit("cannot read %s" % p)
        imgs.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return imgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["fuse", "time"])
    ap.add_argument("--weights", type=float, nargs=3, default=[1.0, 1.0, 1.0])
    ap.add_argument("--out")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    if a.threads > 0:
        cv2.setNumThreads(a.threads)
    merge = cv2.createMergeMertens(*a.weights)
    t0 = time.perf_counter()
    imgs = load(a.inputs)
    read_s = time.perf_counter() - t0
    if a.mode == "fuse":
        fused = merge.process(imgs).astype(np.float32)
        fused.tofile(a.out)
        print(fused.shape[1], fused.shape[0])
        return
    best = float("inf")
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        merge.process(imgs)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"fuse_s": best, "read_s": read_s}))


if __name__ == "__main__":
    main()
