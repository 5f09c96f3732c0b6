#!/usr/bin/python3
"""PyTorch peer for `hdrstudio-bench itm`: the LDR -> HDR network of core/itm/ItmNetwork.cpp written
again in PyTorch (same modules, same parameter names, same forward and hybrid loss), trained with the
loop core/training runs for it (zero_grad, forward, loss, backward, loss.item(), Adam step).

Run with Debian's /usr/bin/python3 (PyTorch 1.13).
  peer_itm.py --batch 8 --tile 64 --steps 30 [--warmup 2] [--pool 4] [--threads N] [--lr 1e-3]
              [--alpha 0.5] [--base 16] [--dilations 1,2,4]
              [--weights W.safetensors --data D.safetensors]
--weights / --data: the C++ side's initial weights and batches ("input.i", "target.i"); without
them the peer makes its own (PyTorch's default init, the tail zeroed, as ItmNetImpl does).
Prints one JSON line: {"torch", "threads", "parameters", "seconds" (the timed steps),
"first_loss", "last_loss", "same_weights"}.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_support import read_safetensors


HIGHLIGHT_THRESHOLD = 0.95  # ItmNetwork.cpp kHighlightThreshold
RESIDUAL_START = 6.0        # ItmNetwork.cpp kResidualStart



def conv(cin, cout, stride=1, dilation=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation)


def act(x):
    return F.leaky_relu(x, negative_slope=0.1)


class DilatedResidualBlock(nn.Module):
    def __init__(self, channels, dilation):
        super().__init__()
        self.conv1 = conv(channels, channels, 1, dilation)
        self.conv2 = conv(channels, channels, 1, dilation)

    def forward(self, x):
        return act(x + self.conv2(act(self.conv1(x))))


class ItmNet(nn.Module):
    def __init__(self, base=16, dilations=(1, 2, 4)):
        super().__init__()
        b = base
        self.head = conv(3, b)
        self.enc1 = DilatedResidualBlock(b, 1)
        self.down1 = conv(b, 2 * b, 2)
        self.enc2 = DilatedResidualBlock(2 * b, 1)
        self.down2 = conv(2 * b, 2 * b, 2)
        self.middle = nn.Sequential(*[DilatedResidualBlock(2 * b, d) for d in dilations])
        self.glob = nn.Conv2d(2 * b, 2 * b, 1)  # "global" in the C++ names (a Python keyword)
        self.up2 = conv(2 * b, 2 * b)
        self.dec2 = DilatedResidualBlock(2 * b, 1)
        self.up1 = conv(2 * b, b)
        self.dec1 = DilatedResidualBlock(b, 1)
        self.tail = conv(b, 6)
        with torch.no_grad():
            self.tail.weight.zero_()
            self.tail.bias.zero_()

    def forward(self, x):
        linear = x.clamp(0.0, 1.0)
        encoded = linear.pow(1.0 / 2.2)

        def up(t):
            return F.interpolate(t, scale_factor=(2.0, 2.0), mode="nearest")

        e1 = self.enc1(act(self.head(encoded)))
        e2 = self.enc2(act(self.down1(e1)))
        m = self.middle(act(self.down2(e2)))
        m = m + act(self.glob(m.mean((2, 3), keepdim=True)))
        d2 = self.dec2(act(self.up2(up(m))) + e2)
        d1 = self.dec1(act(self.up1(up(d2))) + e1)
        residual = self.tail(d1).float()
        linear32 = linear.float()
        brightest = encoded.float().max(1, keepdim=True)[0]
        mask = ((brightest - HIGHLIGHT_THRESHOLD) / (1.0 - HIGHLIGHT_THRESHOLD)).clamp(0.0, 1.0)
        offset = F.softplus(residual.narrow(1, 0, 3) - RESIDUAL_START)
        log_gain = F.softplus(residual.narrow(1, 3, 3) - RESIDUAL_START).clamp_max(12.0)
        return (linear32 + mask * offset) * torch.exp(mask * log_gain)


def hybrid_loss(prediction, target, alpha):
    p, t = prediction.float(), target.float()
    l1 = (p - t).abs().mean()
    log_l1 = (torch.log1p(p) - torch.log1p(t)).abs().mean()
    return alpha * l1 + (1.0 - alpha) * log_l1


def cpp_name(name):
    return name.replace("glob.", "global.", 1) if name.startswith("glob.") else name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--tile", type=int, default=64)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--pool", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--base", type=int, default=16)
    ap.add_argument("--dilations", default="1,2,4")
    ap.add_argument("--weights")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = ItmNet(args.base, [int(d) for d in args.dilations.split(",")])
    same = False
    if args.weights and args.data:
        theirs = read_safetensors(args.weights)
        state = net.state_dict()
        if sorted(theirs) != sorted(cpp_name(k) for k in state):
            raise SystemExit("peer_itm.py: parameter names differ from the C++ network: %s vs %s"
                             % (sorted(theirs)[:5], sorted(cpp_name(k) for k in state)[:5]))
        for k in state:
            if tuple(theirs[cpp_name(k)].shape) != tuple(state[k].shape):
                raise SystemExit("peer_itm.py: %s has shape %s here, %s in C++"
                                 % (k, tuple(state[k].shape), tuple(theirs[cpp_name(k)].shape)))
        net.load_state_dict({k: theirs[cpp_name(k)] for k in state}, strict=True)
        data = read_safetensors(args.data)
        inputs = [data["input.%d" % i] for i in range(args.pool)]
        targets = [data["target.%d" % i] for i in range(args.pool)]
        same = True
    else:
        inputs = [torch.rand(args.batch, 3, args.tile, args.tile) for _ in range(args.pool)]
        targets = [torch.rand(args.batch, 3, args.tile, args.tile) * 4.0 for _ in range(args.pool)]
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=0.0)
    last = [float("nan")]

    def step(i):
        optimizer.zero_grad()
        loss = hybrid_loss(net(inputs[i % args.pool]), targets[i % args.pool], args.alpha)
        loss.backward()
        last[0] = loss.item()
        optimizer.step()

    first = float("nan")
    for i in range(args.warmup):
        step(i)
        if i == 0:
            first = last[0]
    t0 = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    seconds = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "parameters": sum(p.numel() for p in net.parameters()), "seconds": seconds,
                      "first_loss": first, "last_loss": last[0], "same_weights": same}), flush=True)


if __name__ == "__main__":
    main()
