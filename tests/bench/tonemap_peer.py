#!/usr/bin/python3
"""OpenCV / numpy peers for the tone-mapping and metrics tests and `hdrstudio-cli bench tonemap`.

Run with Debian's /usr/bin/python3 (numpy, python3-opencv 4.6).

  tonemap_peer.py tonemap OP IN.hdr OUT.f32 [--gamma G] [--bias B]
      OP = linear | drago | reinhard05 | mantiuk. Writes float32 RGB (rows top to bottom, R G B
      order) to OUT.f32 and prints {"width", "height", "seconds"} (compute time, best of --repeat).
  tonemap_peer.py metrics A.f32 B.f32 W H
      Prints {"psnr", "ssim_lum"} computed in float64 numpy: PSNR peak 1 over R, G, B; SSIM of
      Wang 2004 (11x11 Gaussian sigma 1.5, K1 .01, K2 .03, L 1, 'valid' windows) on Rec.709 luma.
"""
import argparse
import json
import sys
import time

import numpy as np


def best_of(repeat, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def tonemap(args):
    import cv2
    bgr = cv2.imread(args.input, cv2.IMREAD_UNCHANGED).astype(np.float32)
    ops = {
        "linear": lambda: cv2.createTonemap(args.gamma),
        "drago": lambda: cv2.createTonemapDrago(args.gamma, 1.0, args.bias),
        "reinhard05": lambda: cv2.createTonemapReinhard(args.gamma, 0.0, 1.0, 0.0),
        "mantiuk": lambda: cv2.createTonemapMantiuk(args.gamma, 0.7, 1.0),
    }
    op = ops[args.op]()
    seconds, out = best_of(args.repeat, lambda: op.process(bgr))
    rgb = np.nan_to_num(out[..., ::-1]).astype("<f4")
    if args.output != "-":
        rgb.tofile(args.output)
    print(json.dumps({"width": int(bgr.shape[1]), "height": int(bgr.shape[0]), "seconds": seconds}))


def gaussian_window():
    x = np.arange(11) - 5
    g = np.exp(-(x * x) / (2 * 1.5 * 1.5))
    g /= g.sum()
    return np.outer(g, g)


def filter_valid(img, win):
    h, w = img.shape
    out = np.zeros((h - 10, w - 10))
    for dy in range(11):
        for dx in range(11):
            out += win[dy, dx] * img[dy:dy + h - 10, dx:dx + w - 10]
    return out


def metrics(args):
    w, h = int(args.width), int(args.height)
    a = np.fromfile(args.a, "<f4").astype(np.float64).reshape(h, w, 3)
    b = np.fromfile(args.b, "<f4").astype(np.float64).reshape(h, w, 3)
    mse = np.mean((a - b) ** 2)
    psnr = float("inf") if mse == 0 else 10 * np.log10(1.0 / mse)
    wts = np.array([0.2126, 0.7152, 0.0722])
    la, lb = a @ wts, b @ wts
    win = gaussian_window()
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ma, mb = filter_valid(la, win), filter_valid(lb, win)
    va = filter_valid(la * la, win) - ma * ma
    vb = filter_valid(lb * lb, win) - mb * mb
    cov = filter_valid(la * lb, win) - ma * mb
    smap = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    print(json.dumps({"psnr": psnr, "ssim_lum": float(smap.mean())}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tonemap")
    t.add_argument("op")
    t.add_argument("input")
    t.add_argument("output")
    t.add_argument("--gamma", type=float, default=1.0)
    t.add_argument("--bias", type=float, default=0.85)
    t.add_argument("--repeat", type=int, default=1)
    m = sub.add_parser("metrics")
    for name in ("a", "b", "width", "height"):
        m.add_argument(name)
    args = p.parse_args()
    return tonemap(args) if args.cmd == "tonemap" else metrics(args)


if __name__ == "__main__":
    sys.exit(main())
