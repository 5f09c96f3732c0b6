#!/usr/bin/python3
"""PyTorch peer for `hdrstudio-cli bench unet`: a small mirror of diffusers' UNet2DConditionModel
(SD1.x layout) and AutoencoderKL decoder, written here (diffusers is not installed), that loads the
SAME weights and inputs the C++ side wrote (safetensors) and times the same forward passes.

It runs what diffusers runs on torch 1.13 CPU: NCHW tensors, the classic attention processor
(baddbmm + softmax + bmm; no scaled_dot_product_attention before torch 2.0).
Prints one JSON object: {"unet": {"fp32": s, "bf16": s}, "vae": {...}} and writes the outputs
to --out so the caller can check both sides computed the same thing.
"""
import argparse
import json
import math
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_support import reset_peak_rss, rss_gb, write_safetensors

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "BF16": np.int16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        t = torch.from_numpy(arr.copy())
        if info["dtype"] == "BF16":
            t = t.view(torch.bfloat16)
        out[name] = t
    return out



class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads, bias=False):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=bias)
        self.to_k = nn.Linear(ctx_dim, dim, bias=bias)
        self.to_v = nn.Linear(ctx_dim, dim, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        b, n, c = x.shape
        h = self.heads
        d = c // h

        def split(t):
            return t.reshape(b, -1, h, d).permute(0, 2, 1, 3).reshape(b * h, -1, d)

        q, k, v = split(self.to_q(x)), split(self.to_k(ctx)), split(self.to_v(ctx))
        scores = torch.baddbmm(torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype),
                               q, k.transpose(-1, -2), beta=0, alpha=d ** -0.5)
        out = torch.bmm(scores.softmax(dim=-1), v)
        out = out.reshape(b, h, n, d).permute(0, 2, 1, 3).reshape(b, n, c)
        return self.to_out[0](out)


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        value, gate = self.proj(x).chunk(2, dim=-1)
        return value * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, 4 * dim), nn.Dropout(0.0), nn.Linear(4 * dim, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, ctx_dim):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn1 = Attention(dim, dim, heads)
        self.attn2 = Attention(dim, ctx_dim, heads)
        self.ff = FeedForward(dim)

    def forward(self, x, ctx):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), ctx) + x
        return self.ff(self.norm3(x)) + x


class Transformer2D(nn.Module):
    def __init__(self, ch, heads, layers, ctx_dim, groups, linear):
        super().__init__()
        self.linear = linear
        self.norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, ch) if linear else nn.Conv2d(ch, ch, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(ch, heads, ctx_dim) for _ in range(layers)])
        self.proj_out = nn.Linear(ch, ch) if linear else nn.Conv2d(ch, ch, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        res = x
        x = self.norm(x)
        if not self.linear:
            x = self.proj_in(x)
        x = x.permute(0, 2, 3, 1).reshape(b, h * w, c)
        if self.linear:
            x = self.proj_in(x)
        for blk in self.transformer_blocks:
            x = blk(x, ctx)
        if self.linear:
            x = self.proj_out(x)
        x = x.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        if not self.linear:
            x = self.proj_out(x)
        return x + res


class Resnet(nn.Module):
    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        if temb:
            self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.conv_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if temb is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, "conv_shortcut"):
            x = self.conv_shortcut(x)
        return x + h


class Sampler(nn.Module):
    def __init__(self, ch, stride):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=stride, padding=1)


class Block(nn.Module):
    def __init__(self, n, ins, out, temb, groups, eps, attn=None, down=False, up=False):
        super().__init__()
        self.resnets = nn.ModuleList([Resnet(ins[i], out, temb, groups, eps) for i in range(n)])
        if attn:
            self.attentions = nn.ModuleList([Transformer2D(out, *attn) for _ in range(n)])
        if down:
            self.downsamplers = nn.ModuleList([Sampler(out, 2)])
        if up:
            self.upsamplers = nn.ModuleList([Sampler(out, 1)])


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch = cfg["block_out_channels"]
        n = len(ch)
        g, eps, temb = cfg["norm_num_groups"], cfg["norm_eps"], ch[0] * 4
        heads, tl, ctx, lin = cfg["heads"], cfg["transformer_layers"], cfg["cross_attention_dim"], cfg["linear_projection"]
        lpb = cfg["layers_per_block"]
        self.ch0 = ch[0]
        self.conv_in = nn.Conv2d(4, ch[0], 3, padding=1)
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(ch[0], temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        self.down_blocks = nn.ModuleList()
        prev = ch[0]
        for i in range(n):
            attn = (heads[i], tl[i], ctx, g, lin) if cfg["down_attn"][i] else None
            self.down_blocks.append(Block(lpb, [prev] + [ch[i]] * lpb, ch[i], temb, g, eps, attn, down=i + 1 < n))
            prev = ch[i]
        self.mid_block = nn.Module()
        self.mid_block.resnets = nn.ModuleList([Resnet(ch[-1], ch[-1], temb, g, eps) for _ in range(2)])
        self.mid_block.attentions = nn.ModuleList([Transformer2D(ch[-1], heads[-1], tl[-1], ctx, g, lin)])
        self.up_blocks = nn.ModuleList()
        rc = list(reversed(ch))
        out = rc[0]
        for i in range(n):
            prev_out, out, inp = out, rc[i], rc[min(i + 1, n - 1)]
            ins = [(prev_out if j == 0 else out) + (inp if j == lpb else out) for j in range(lpb + 1)]
            attn = (heads[n - 1 - i], tl[n - 1 - i], ctx, g, lin) if cfg["up_attn"][i] else None
            self.up_blocks.append(Block(lpb + 1, ins, out, temb, g, eps, attn, up=i + 1 < n))
        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=eps)
        self.conv_out = nn.Conv2d(ch[0], 4, 3, padding=1)

    def forward(self, x, t, ctx):
        half = self.ch0 // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t.float().reshape(-1, 1).expand(x.shape[0], 1) * freqs[None]
        temb = torch.cat([args.cos(), args.sin()], dim=-1).to(x.dtype)
        temb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(temb)))
        h = self.conv_in(x)
        skips = [h]
        for blk in self.down_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(h, temb)
                if hasattr(blk, "attentions"):
                    h = blk.attentions[j](h, ctx)
                skips.append(h)
            if hasattr(blk, "downsamplers"):
                h = blk.downsamplers[0].conv(h)
                skips.append(h)
        h = self.mid_block.resnets[0](h, temb)
        h = self.mid_block.attentions[0](h, ctx)
        h = self.mid_block.resnets[1](h, temb)
        for blk in self.up_blocks:
            for j, r in enumerate(blk.resnets):
                h = r(torch.cat([h, skips.pop()], dim=1), temb)
                if hasattr(blk, "attentions"):
                    h = blk.attentions[j](h, ctx)
            if hasattr(blk, "upsamplers"):
                h = blk.upsamplers[0].conv(F.interpolate(h, size=skips[-1].shape[2:], mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(h)))


class VaeAttention(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.to_q, self.to_k, self.to_v = nn.Linear(ch, ch), nn.Linear(ch, ch), nn.Linear(ch, ch)
        self.to_out = nn.ModuleList([nn.Linear(ch, ch), nn.Dropout(0.0)])

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        q, k, v = self.to_q(t), self.to_k(t), self.to_v(t)
        s = torch.baddbmm(torch.empty(b, h * w, h * w, dtype=q.dtype), q, k.transpose(-1, -2), beta=0, alpha=c ** -0.5)
        o = self.to_out[0](torch.bmm(s.softmax(dim=-1), v))
        return o.transpose(1, 2).reshape(b, c, h, w) + x


class VaeDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, g, lpb = cfg["block_out_channels"], cfg["norm_num_groups"], cfg["layers_per_block"]
        n = len(ch)
        self.conv_in = nn.Conv2d(4, ch[-1], 3, padding=1)
        self.mid_block = nn.Module()
        self.mid_block.resnets = nn.ModuleList([Resnet(ch[-1], ch[-1], 0, g, 1e-6) for _ in range(2)])
        self.mid_block.attentions = nn.ModuleList([VaeAttention(ch[-1], g)])
        self.up_blocks = nn.ModuleList()
        prev = ch[-1]
        for i in range(n):
            out = ch[n - 1 - i]
            self.up_blocks.append(Block(lpb + 1, [prev] + [out] * lpb, out, 0, g, 1e-6, up=i + 1 < n))
            prev = out
        self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=1e-6)
        self.conv_out = nn.Conv2d(ch[0], 3, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        h = self.mid_block.resnets[1](self.mid_block.attentions[0](self.mid_block.resnets[0](h)))
        for blk in self.up_blocks:
            for r in blk.resnets:
                h = r(h)
            if hasattr(blk, "upsamplers"):
                h = blk.upsamplers[0].conv(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(h)))


class Vae(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.post_quant_conv = nn.Conv2d(4, 4, 1)
        self.decoder = VaeDecoder(cfg)

    def forward(self, z):
        return self.decoder(self.post_quant_conv(z))


def load(module, path, prefix=""):
    tensors = read_safetensors(path)
    state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    missing, unexpected = module.load_state_dict(state, strict=False)
    if missing:
        raise SystemExit("missing weights: %s" % missing[:5])
    return module




def timed(fn, iterations):
    best = float("inf")
    out = None
    for _ in range(iterations):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--unet")
    ap.add_argument("--vae")
    ap.add_argument("--dtypes", default="fp32,bf16")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=1)
    ap.add_argument("--warmup", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    cfg = json.load(open(args.config))
    inputs = read_safetensors(args.inputs)
    result, outputs = {"torch": torch.__version__, "threads": torch.get_num_threads()}, {}
    with torch.inference_mode():
        for dt in args.dtypes.split(","):
            dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dt]
            if args.unet:
                unet = load(UNet(cfg["unet"]), args.unet).to(dtype).eval()
                x, t, ctx = inputs["sample"].to(dtype), inputs["timestep"], inputs["context"].to(dtype)
                if args.warmup:
                    unet(x, t, ctx)  # allocator and oneDNN primitive caches
                reset_peak_rss()
                seconds, out = timed(lambda: unet(x, t, ctx), args.iterations)
                result.setdefault("unet", {})[dt] = seconds
                result.setdefault("unet_rss_gb", {})[dt] = rss_gb("VmHWM")
                outputs["unet." + dt] = out
                del unet
            if args.vae:
                vae = load(Vae(cfg["vae"]), args.vae).to(dtype).eval()
                z = inputs["latents"].to(dtype)
                reset_peak_rss()
                seconds, out = timed(lambda: vae(z), args.iterations)
                result.setdefault("vae", {})[dt] = seconds
                result.setdefault("vae_rss_gb", {})[dt] = rss_gb("VmHWM")
                outputs["vae." + dt] = out
                del vae
    if args.out:
        write_safetensors(args.out, outputs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
