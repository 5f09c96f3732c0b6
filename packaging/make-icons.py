#!/usr/bin/env python3
"""Renders the HDR Studio icon (resources/icons/hdrstudio.svg drawn again with numpy) at the
hicolor sizes as PNGs: a dark rounded square, a bright sun whose core clips to white and a
horizon band of three exposure stripes. Run from the repository root:
    /usr/bin/python3 packaging/make-icons.py
"""
import struct
import zlib
from pathlib import Path

import numpy as np

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(size: int, supersample: int = 4) -> np.ndarray:
    n = size * supersample
    y, x = (np.mgrid[0:n, 0:n] + 0.5) / n  # [0, 1] coordinates, y down
    rgba = np.zeros((n, n, 4))
    # Rounded square (radius 0.18 of the side) with a vertical blue gradient.
    r = 0.18
    dx = np.maximum(np.abs(x - 0.5) - (0.5 - r), 0)
    dy = np.maximum(np.abs(y - 0.5) - (0.5 - r), 0)
    inside = (dx * dx + dy * dy) <= r * r
    top, bottom = np.array([0.10, 0.13, 0.24]), np.array([0.02, 0.03, 0.07])
    rgba[..., :3] = top * (1 - y[..., None]) + bottom * y[..., None]
    # The sun: a glow falling off as 1/d^2, clipped, so the core saturates to white like an
    # over-exposed highlight.
    d2 = (x - 0.5) ** 2 + (y - 0.42) ** 2
    glow = np.clip(0.012 / (d2 + 0.004), 0, 3.0)
    sun = np.array([1.0, 0.78, 0.35])
    rgba[..., :3] += glow[..., None] * sun * 0.6
    # Three exposure stripes along the horizon: -2, 0, +2 EV of the same orange.
    for i, ev in enumerate((-2.0, 0.0, 2.0)):
        y0 = 0.66 + i * 0.07
        band = (y >= y0) & (y < y0 + 0.05) & (x > 0.2) & (x < 0.8)
        rgba[band, :3] = np.array([0.95, 0.45, 0.12]) * 2.0**ev * 0.5
    rgba[..., :3] = np.clip(rgba[..., :3], 0, 1) ** (1 / 2.2)
    rgba[..., 3] = inside
    rgba[..., :3] *= rgba[..., 3:4]
    small = rgba.reshape(size, supersample, size, supersample, 4).mean(axis=(1, 3))
    alpha = small[..., 3:4]
    small[..., :3] = np.where(alpha > 0, small[..., :3] / np.maximum(alpha, 1e-6), 0)
    return np.round(np.clip(small, 0, 1) * 255).astype(np.uint8)


def write_png(path: Path, pixels: np.ndarray) -> None:
    h, w, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def main() -> None:
    out = Path("resources/icons")
    out.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        write_png(out / f"hdrstudio-{size}.png", render(size))


if __name__ == "__main__":
    main()
