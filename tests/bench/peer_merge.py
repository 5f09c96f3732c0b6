#!/usr/bin/python3
"""OpenCV MergeDebevec as the peer of HDR Studio's bracket merge (tst_merge and `bench merge`).

Run with Debian's /usr/bin/python3 (python3-opencv). The response handed to OpenCV is the known
sRGB inverse curve as a 256x1x3 float LUT (../shared/reference/hdr.md §0 item 2, §1.7: with the
true curve OpenCV Debevec reproduces ground truth to 0.05 stops). Code 0 maps to the value of
code 0.5 instead of 0, because MergeDebevec averages log(response) and log(0) = -inf.

  peer_merge.py merge --times T1 T2 ... --out OUT.f32 IN...   writes float32 RGB, prints "W H"
  peer_merge.py time  --times T1 T2 ... --repeat N IN...      prints JSON {"merge_s": best, "read_s": ...}
"""
import argparse
import json
import sys
import time

import cv2
import numpy as np


def srgb_lut():
    v = np.arange(256, dtype=np.float64) / 255.0
    v[0] = 0.5 / 255.0
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return np.repeat(lin.astype(np.float32)[:, None, None], 3, axis=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["merge", "time"])
    ap.add_argument("--times", type=float, nargs="+", required=True)
    ap.add_argument("--out")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    if len(a.times) != len(a.inputs):
        sys.exit("need one time per input")
    if a.threads > 0:
        cv2.setNumThreads(a.threads)
    t0 = time.perf_counter()
    imgs = []
    for p in a.inputs:
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            sys.exit("cannot read %s" % p)
        imgs.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    read_s = time.perf_counter() - t0
    times = np.array(a.times, dtype=np.float32)
    lut = srgb_lut()
    merge = cv2.createMergeDebevec()
    if a.mode == "merge":
        hdr = merge.process(imgs, times, lut).astype(np.float32)
        hdr.tofile(a.out)
        print(hdr.shape[1], hdr.shape[0])
        return
    best = float("inf")
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        merge.process(imgs, times, lut)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"merge_s": best, "read_s": read_s}))


if __name__ == "__main__":
    main()
