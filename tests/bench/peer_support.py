"""What the PyTorch peer scripts of `hdrstudio-bench` share: .safetensors files and memory figures.

The peers run on Debian's PyTorch 1.13 without the safetensors package, so the format (an 8-byte
little-endian header length, a JSON header, raw little-endian tensor data) is handled here once.
"""
import json
import struct

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64}


def read_safetensors(path):
    """Every tensor of the file, each owning its memory (the file's bytes are freed)."""
    with open(path, "rb") as f:
        blob = bytearray(f.read())  # writable: torch.frombuffer warns on read-only buffers
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = memoryview(blob)[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        t = torch.frombuffer(data[begin:end], dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    """Writes `tensors` (name -> tensor) as F32, header padded to 8 bytes as the format asks."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().float().contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def reset_peak_rss():
    """Linux: 5 > clear_refs resets VmHWM to the current RSS, so the next peak is the pass's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def rss_gb(key):
    """A /proc/self/status figure in GB: "VmRSS" (now) or "VmHWM" (peak); -1 when unknown."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / (1024.0 * 1024.0)
    return -1.0
