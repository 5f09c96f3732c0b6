#!/usr/bin/python3
"""PyTorch peer for `hdrstudio-bench esrgan`: BasicSR's RRDBNet (basicsr/archs/rrdbnet_arch.py,
x4: no pixel-unshuffle) written here (basicsr is not installed), loading the SAME weights file the
C++ side wrote (safetensors, BasicSR key names; the header is parsed by peer_support.py, torch
1.13 has no safetensors package) and timing the same whole-image forward pass.

Run with Debian's /usr/bin/python3 (PyTorch 1.13).
  peer_esrgan.py --weights W.safetensors --input IN.safetensors [--repeat N] [--threads N]
                 [--out OUT.safetensors]
Prints one JSON line: {"torch": version, "threads": n, "seconds": best, "peak_rss_gb": .., ...};
--out writes the output ("image") so the caller can check both sides computed the same thing.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_support import read_safetensors, reset_peak_rss, rss_gb, write_safetensors





class ResidualDenseBlock(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(nf, gc)
        self.rdb2 = ResidualDenseBlock(nf, gc)
        self.rdb3 = ResidualDenseBlock(nf, gc)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """BasicSR RRDBNet, scale 4 (the names match BasicSR's state dicts)."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x):
        feat = self.conv_first(x)
        body_feat = self.conv_body(self.body(feat))
        feat = feat + body_feat
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    state = read_safetensors(args.weights)
    shapes = {k: v.shape for k, v in state.items()}
    num_feat = shapes["conv_first.weight"][0]
    num_grow = shapes["body.0.rdb1.conv1.weight"][0]
    num_block = len({k.split(".")[1] for k in state if k.startswith("body.")})
    if shapes["conv_first.weight"][1] != 3:
        raise SystemExit("peer_esrgan.py mirrors the x4 RRDBNet only")
    net = RRDBNet(3, shapes["conv_last.weight"][0], num_feat, num_block, num_grow)
    net.load_state_dict(state, strict=True)
    net.eval()
    del state
    image = read_safetensors(args.input)["image"]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "config": {"num_feat": num_feat, "num_block": num_block, "num_grow_ch": num_grow}}
    best, out = float("inf"), None
    with torch.inference_mode():
        base = rss_gb("VmRSS")
        reset_peak_rss()
        for _ in range(max(1, args.repeat)):
            out = None  # as the C++ side: the previous output is released before the next pass
            t0 = time.perf_counter()
            out = net(image)
            best = min(best, time.perf_counter() - t0)
        result["peak_rss_gb"] = rss_gb("VmHWM")
    result["base_rss_gb"] = base
    result["seconds"] = best
    if args.out:
        write_safetensors(args.out, {"image": out})
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
