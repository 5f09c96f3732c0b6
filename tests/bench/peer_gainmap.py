#!/usr/bin/python3
"""numpy/OpenCV peer for `hdrstudio-cli bench gainmap`: the same gain-map decode (JPEG decode, sRGB
linearisation, bilinear upsampling with aligned pixel centres, ISO 21496-1 / Adobe formula at full
boost) and encode formula (luminance, block average, log2 gain, normalise, 8-bit) as HDR Studio,
on the Ultra HDR file the benchmark wrote. Prints JSON timings (best of `repeat`)."""
import json
import sys
import time

import cv2
import numpy as np


def best(repeat, fn):
    t = 1e30
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        t = min(t, time.perf_counter() - t0)
    return t, out


def srgb_to_linear_lut():
    v = np.arange(256, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)


def main():
    req = json.loads(sys.argv[1])
    data = np.fromfile(req["file"], dtype=np.uint8)
    off = int(req["gain_map_offset"])
    gmin, gmax, gamma = req["gain_map_min"], req["gain_map_max"], req["gamma"]
    ksdr, khdr = req["offset_sdr"], req["offset_hdr"]
    repeat = int(req["repeat"])
    lut = srgb_to_linear_lut()

    def apply(sdr_lin, gm8):
        h, w = sdr_lin.shape[:2]
        r = cv2.resize(gm8.astype(np.float32) / 255.0, (w, h), interpolation=cv2.INTER_LINEAR)
        if gamma != 1.0:
            r = r ** (1.0 / gamma)
        boost = np.exp2(gmin + (gmax - gmin) * r)
        if boost.ndim == 2:
            boost = boost[:, :, None]
        return (sdr_lin + ksdr) * boost - khdr

    def decode():
        bgr = cv2.imdecode(data[:off], cv2.IMREAD_COLOR)
        gm8 = cv2.imdecode(data[off:], cv2.IMREAD_UNCHANGED)
        sdr_lin = lut[bgr[:, :, ::-1]]
        return apply(sdr_lin, gm8), sdr_lin, gm8

    decode_s, (hdr, sdr_lin, gm8) = best(repeat, decode)
    apply_s, _ = best(repeat, lambda: apply(sdr_lin, gm8))

    def encode_formula():
        # Weighted channel sums (a 3-D `@` takes a slow non-BLAS path, about 30x slower here).
        pos = np.maximum(hdr, 0)
        y_hdr = 0.2126 * pos[:, :, 0] + 0.7152 * pos[:, :, 1] + 0.0722 * pos[:, :, 2]
        y_sdr = 0.2126 * sdr_lin[:, :, 0] + 0.7152 * sdr_lin[:, :, 1] + 0.0722 * sdr_lin[:, :, 2]
        h, w = y_hdr.shape
        mh, mw = (h + 3) // 4, (w + 3) // 4
        a = cv2.resize(y_hdr, (mw, mh), interpolation=cv2.INTER_AREA)
        b = cv2.resize(y_sdr, (mw, mh), interpolation=cv2.INTER_AREA)
        g = np.log2((a + khdr) / (b + ksdr))
        lo, hi = g.min(), g.max()
        r = np.clip((g - lo) / max(hi - lo, 1e-9), 0, 1)
        return np.floor(r * 255 + 0.5).astype(np.uint8)

    encode_s, _ = best(repeat, encode_formula)
    print(json.dumps({"decode_s": decode_s, "apply_s": apply_s, "encode_formula_s": encode_s,
                      "mean": float(hdr.astype(np.float64).mean())}))


if __name__ == "__main__":
    main()
