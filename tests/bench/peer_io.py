#!/usr/bin/python3
"""Peer timings for `hdrstudio-cli bench io`: OpenImageIO (library and oiiotool) and OpenCV.

Run with Debian's /usr/bin/python3 (python3-openimageio, python3-opencv). Prints one JSON object:
{"oiio_read": {file: seconds}, "oiio_write": {...}, "oiiotool_convert": {...}, "cv2_read": {...}}
Each figure is the best of --repeat runs, the same protocol the C++ side uses.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def best_of(repeat, fn):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--exr", nargs="*", default=[])
    ap.add_argument("--rgbe", nargs="*", default=[])
    args = ap.parse_args()
    out = {"oiio_read": {}, "oiio_write": {}, "oiiotool_convert": {}, "cv2_read": {}, "errors": []}
    tmp = tempfile.mkdtemp(prefix="hdr-bench-")
    try:
        import OpenImageIO as oiio

        oiio.attribute("threads", args.threads)
        oiio.attribute("exr_threads", args.threads)
        for f in args.exr:
            def read():
                inp = oiio.ImageInput.open(f)
                pixels = inp.read_image("float")  # all channels, as our reader returns
                inp.close()
                if pixels is None or pixels.shape[2] != inp.spec().nchannels:
                    raise RuntimeError("OIIO read failed for %s" % f)
                return pixels

            pixels = read()
            out["oiio_read"][f] = best_of(args.repeat, read)
            spec = oiio.ImageInput.open(f).spec()
            dst = os.path.join(tmp, "oiio.exr")

            def write():
                o = oiio.ImageOutput.create(dst)
                s = oiio.ImageSpec(spec.width, spec.height, spec.nchannels, "half")
                s.attribute("compression", "zip")
                if not (o.open(dst, s) and o.write_image(pixels)):
                    raise RuntimeError("OIIO write failed: %s" % o.geterror())
                o.close()

            out["oiio_write"][f] = best_of(args.repeat, write)
            out["oiiotool_convert"][f] = best_of(
                args.repeat,
                lambda: subprocess.run(["oiiotool", "--threads", str(args.threads), f, "-d", "half",
                                        "--compression", "zip", "-o", os.path.join(tmp, "tool.exr")],
                                       check=True, capture_output=True))
    except Exception as e:  # report, do not hide: the C++ side prints it
        out["errors"].append("OpenImageIO: %s" % e)
    try:
        import cv2

        cv2.setNumThreads(args.threads)
        for f in args.rgbe:
            out["cv2_read"][f] = best_of(args.repeat, lambda: cv2.imread(f, cv2.IMREAD_UNCHANGED))
    except Exception as e:
        out["errors"].append("OpenCV: %s" % e)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
