#!/usr/bin/python3
"""Writes small torch.save checkpoints and a JSON of what a reader must find in them.

Used twice: it made the committed fixtures in this folder (seed 0, torch 1.13), and
tests/core/tensorfile/tst_torch_checkpoint.cpp runs it at test time with another seed when
/usr/bin/python3 has torch. Each tensor's entry holds its dtype, shape, strides, storage offset,
which tensors share a storage, and the hex of its elements in row-major order (what a reader's
contiguous copy must give). Nested dicts are flattened with '.', lists by index.

Writes PREFIX_zip.pth (torch.save's default), PREFIX_zip_p4.pth (pickle protocol 4),
PREFIX_legacy.pth (_use_new_zipfile_serialization=False) and PREFIX.json.

Usage: make_pth_fixtures.py OUTPUT_DIR [--seed N] [--prefix NAME]
"""
import argparse
import collections
import json
import os

import torch

DTYPE_NAMES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def build(seed):
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=g)

    def ints(low, high, shape, dtype):
        return torch.randint(low, high, shape, generator=g, dtype=dtype)

    shared = rand(30)  # one storage behind three views
    state = collections.OrderedDict()
    state["conv.weight"] = rand(4, 3, 2, 2)
    state["conv.bias"] = rand(4)
    state["f64"] = rand(3).double()
    state["f16"] = (rand(2, 5) * 10).half()
    state["bf16"] = (rand(7) * 100).bfloat16()
    state["i64"] = ints(-2**40, 2**40, (4,), torch.int64)
    state["i32"] = ints(-2**30, 2**30, (3,), torch.int32)
    state["i16"] = ints(-2**15, 2**15, (2, 2), torch.int16)
    state["i8"] = ints(-128, 128, (5,), torch.int8)
    state["u8"] = ints(0, 256, (6,), torch.uint8)
    state["mask"] = rand(5) > 0
    state["transposed"] = shared[:20].view(4, 5).t()  # non-contiguous
    state["slice"] = shared[7:13]                     # storage offset 7
    state["strided"] = shared[1::4]                   # stride 4, offset 1
    torch.manual_seed(seed)
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    return {
        "module": module.state_dict(),  # an OrderedDict with a _metadata attribute (BUILD)
        "state": state,
        "param": torch.nn.Parameter(rand(2, 2)),
        "layers": [rand(3), {"w": rand(1, 2)}, "text", 7],
        "empty": torch.empty(0, 3),
        "scalar": torch.tensor(2.5 + seed),
        "meta": {"epoch": 3, "lr": 1e-4, "name": "tiny", "dtype": torch.float16,
                 "flags": (True, None), "big": 2**70 + seed},
    }


def flatten(obj, prefix, out):
    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            flatten(value, f"{prefix}.{i}" if prefix else str(i), out)


def expectations(obj):
    tensors = {}
    flatten(obj, "", tensors)
    groups = {}
    result = {}
    for name, t in tensors.items():
        ptr = t.storage().data_ptr()
        group = groups.setdefault(ptr, len(groups))
        data = t.detach().contiguous().reshape(-1).view(torch.uint8)
        result[name] = {
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "strides": list(t.stride()),
            "storage_offset": t.storage_offset(),
            "storage_group": group,
            "requires_grad": t.requires_grad,
            "is_parameter": isinstance(t, torch.nn.Parameter),
            "contiguous": t.is_contiguous(),
            "hex": bytes(data.tolist()).hex(),
        }
    return {"top_level_keys": list(obj.keys()), "tensors": result}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prefix", default="tiny")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    obj = build(args.seed)
    variants = {
        "zip": dict(),
        "zip_p4": dict(pickle_protocol=4),
        "legacy": dict(_use_new_zipfile_serialization=False),
    }
    for suffix, options in variants.items():
        torch.save(obj, os.path.join(args.output, f"{args.prefix}_{suffix}.pth"), **options)
    with open(os.path.join(args.output, f"{args.prefix}.json"), "w") as f:
        json.dump(expectations(obj), f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
