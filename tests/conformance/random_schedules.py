#!/usr/bin/python3
"""Random schedules from Kiln's schedule space must not change any result.

    /usr/bin/python3 tests/conformance/random_schedules.py --kiln build/bin/kiln [--rounds 6] [--seed 1]

Builds a network of convolutions (odd sizes, strides, dilations, padding,
batch 2, fused batchnorm/relu/residual add), pooling, dense and softmax layers,
then compiles and runs it `rounds` times, each time with a schedule file
drawing every kernel's schedule at random from the space (vector axis, width,
register tiles along channels or along the width by rows or by channels,
flattened pixels, tap unrolling, reduction order, Winograd's algorithm and its
tasks, fusion (of a pooling too), parallel grain and the order of channel tiles' tasks, and NCHW or NHWC
tensors between kernels).
Every run must match PyTorch within |kiln - torch| <= 1e-5 + 1e-4 |torch|, or
with Winograd's algorithm within 1e-5 of the output's largest magnitude
(tests/numeric/make_golden.py says why).
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from kiln_io import save_npy, save_safetensors  # noqa: E402
from schedule_keys import bare_keys  # noqa: E402

SPEC = """network sched
input x: f32[2, 5, 13, 11]
a = conv2d(x, filters=19, kernel=3, padding=1)
b = batchnorm(a)
r = relu(b)
c = conv2d(r, filters=19, kernel=3, padding=(0, 2, 2, 2), dilation=(1, 2))
s = add(c, r, activation=relu)
q = conv2d(s, filters=19, kernel=1)
t = add(q, s, activation=relu)
d = conv2d(t, filters=33, kernel=(3, 2), stride=2)
p = maxpool(d, kernel=2, ceil_mode=true)
e = conv2d(p, filters=16, kernel=1, bias=false)
o = avgpool(e, kernel=3, stride=2, padding=1)
g = global_avgpool(o)
f = flatten(g)
h = dense(f, units=10)
y = softmax(h)
output y, d
"""

# Every kernel's first layer, whatever the drawn fuse flags (the layers after
# them are either elementwise, fused or not, or not fusable at all):
# (kernel, output shape [N, C, H, W] or [N, F], whether channel tiles apply,
#  whether it has taps to unroll, whether its pixels may be flattened,
#  whether its window strides 1 along the width: tile_rows needs it)
KERNELS = [("a", [2, 19, 13, 11], True, True, False, True), ("c", [2, 19, 13, 11], True, True, False, True),
           ("q", [2, 19, 13, 11], True, True, True, True), ("d", [2, 33, 6, 5], True, True, False, False),
           ("p", [2, 33, 3, 3], False, True, False, False), ("e", [2, 16, 3, 3], True, True, True, True),
           ("o", [2, 16, 2, 2], False, True, False, False),
           ("g", [2, 16, 1, 1], False, False, False, False), ("f", [2, 16], False, False, False, False),
           ("h", [2, 10], False, False, False, False), ("y", [2, 10], False, False, False, False)]
OUTPUT_KERNELS = {"d"}
POOL_KERNELS = {"p", "o"}
# Kernels that may pull the pool after them in (fuse_pool), by the pool.
POOLING_KERNELS = {"e": "o"}
# 3x3 stride-1 convolutions, which Winograd's algorithm computes: their input channels.
WINOGRAD_KERNELS = {"a": 5}


def weights(gen):
    def t(*shape, scale=0.3):
        return torch.randn(*shape, generator=gen) * scale
    return {"a.weight": t(19, 5, 3, 3), "a.bias": t(19), "b.running_mean": t(19), "b.running_var": t(19).abs() + 0.5,
            "b.weight": t(19), "b.bias": t(19), "c.weight": t(19, 19, 3, 3, scale=0.1), "c.bias": t(19),
            "q.weight": t(19, 19, 1, 1, scale=0.2), "q.bias": t(19), "d.weight": t(33, 19, 3, 2, scale=0.1), "d.bias": t(33), "e.weight": t(16, 33, 1, 1), "h.weight": t(10, 16),
            "h.bias": t(10)}


def reference(x, w):
    a = F.conv2d(x, w["a.weight"], w["a.bias"], padding=1)
    r = F.relu(F.batch_norm(a, w["b.running_mean"], w["b.running_var"], w["b.weight"], w["b.bias"], False, 0.0, 1e-5))
    c = F.conv2d(F.pad(r, (2, 2, 0, 2)), w["c.weight"], w["c.bias"], dilation=(1, 2))
    s = F.relu(c + r)
    t = F.relu(F.conv2d(s, w["q.weight"], w["q.bias"]) + s)
    d = F.conv2d(t, w["d.weight"], w["d.bias"], stride=2)
    p = F.max_pool2d(d, 2, ceil_mode=True)
    o = F.avg_pool2d(F.conv2d(p, w["e.weight"]), 3, 2, 1)
    h = F.linear(torch.flatten(o.mean((2, 3), keepdim=True), 1), w["h.weight"], w["h.bias"])
    return [F.softmax(h, -1), d]


def random_schedule(r, bare, name, shape, tiles, taps, flattens, stride1):
    rows = int(np.prod(shape[:-1]))
    # Every key first, so that the drawn schedule is the whole schedule.
    lines = [f"[{name}]"] + bare + [f"fuse = {r.choice(['true', 'false'])}"]
    draw = r.random()
    channel_tasks = row_tasks = False
    if name in WINOGRAD_KERNELS and draw < 0.4:
        # Blocks of 4x4 pixels: tile_width of them along a row, tasks of rows of them.
        v = r.choice([w for w in (4, 8, 16) if w <= min(shape[1], WINOGRAD_KERNELS[name])])
        tile_rows = shape[0] * -(-shape[2] // 4)
        channel_tasks = r.random() < 0.5
        lines += ["vectorize = channels", f"vector_width = {v}", f"tile_width = {r.randint(1, -(-shape[3] // 4))}",
                  f"tile_channels = {r.randint(1, max(1, min(4, shape[1] // v)))}", "winograd = true"]
    elif tiles and draw < 0.3:
        # Register tiles of vectors along the width (or the flattened pixels) by output channels.
        flat = flattens and r.random() < 0.6
        width = shape[2] * shape[3] if flat else shape[3]
        v = r.choice([w for w in (1, 4, 8, 16) if w <= width])
        tw = r.randint(1, min(4, width // v))
        tile_rows = shape[0] * (1 if flat else shape[2]) * -(-width // (v * tw))
        lines += ["vectorize = width", f"vector_width = {v}", f"tile_width = {tw}",
                  f"tile_channels = {r.randint(2, min(12, shape[1]))}", f"flatten_pixels = {'true' if flat else 'false'}",
                  f"unroll_taps = {r.choice(['true', 'false'])}"]
    elif tiles and draw < 0.75:
        v = r.choice([w for w in (4, 8, 16) if w <= shape[1]])
        tc = r.randint(1, max(1, min(4, shape[1] // v)))
        tw = r.randint(1, min(shape[-1], 12))
        tile_rows = shape[0] * shape[2] * -(-shape[1] // (v * tc))
        unroll = r.choice(['true', 'false'])
        lines += ["vectorize = channels", f"vector_width = {v}", f"tile_width = {tw}", f"tile_channels = {tc}",
                  f"unroll_taps = {unroll}", f"unroll_tiles = {r.choice(['true', 'false'])}"]
        if unroll == "true":
            lines.append(f"unroll_tap_rows = {r.choice(['true', 'false'])}")
        lines.append(f"channels_innermost = {r.choice(['true', 'false'])}")
        fuse_pool = name in POOLING_KERNELS and r.random() < 0.5
        if name in POOLING_KERNELS:
            lines.append(f"fuse_pool = {'true' if fuse_pool else 'false'}")
        row_tasks = not fuse_pool and r.random() < 0.5
    elif name in POOL_KERNELS and draw < 0.5:
        # Tiles of pixels by a vector of channels, reduced over the window in registers.
        tile_rows = shape[0] * shape[2]
        lines += ["vectorize = channels", f"vector_width = {r.choice([w for w in (4, 8, 16) if w <= shape[1]])}",
                  f"tile_width = {r.randint(1, shape[-1])}", f"unroll_taps = {r.choice(['true', 'false'])}"]
    else:
        v = r.choice([w for w in (1, 2, 4, 8, 16) if w <= shape[-1]])
        tile_rows = rows
        lines += ["vectorize = width", f"vector_width = {v}"]
        if taps:
            lines.append(f"unroll_taps = {r.choice(['true', 'false'])}")
        if taps and stride1 and r.random() < 0.5:
            # Register tiles of vectors along the width by rows; threads take channel planes.
            tile_rows = shape[0] * shape[1]
            lines += [f"tile_width = {r.randint(1, shape[-1] // v)}", f"tile_rows = {r.randint(1, shape[2])}"]
    # Any 4-D tensor between kernels may be stored NHWC (d is an output of the network).
    if len(shape) == 4 and name not in OUTPUT_KERNELS:
        lines.append(f"layout = {r.choice(['nchw', 'nhwc'])}")
    parallel = len(shape) >= 2 and r.random() < 0.7
    lines += [f"parallel = {'true' if parallel else 'false'}",
              f"rows_per_task = {r.randint(1, max(1, tile_rows // 2)) if parallel else 1}"]
    if channel_tasks and parallel:
        lines.append("channel_tasks = true")
    if row_tasks and parallel:
        lines.append("row_tasks = true")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    r = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    w = weights(gen)
    x = torch.randn(2, 5, 13, 11, generator=gen)
    with torch.no_grad():
        expected = [t.numpy() for t in reference(x, w)]
    with tempfile.TemporaryDirectory(prefix="kiln-schedules-") as work:
        return run_rounds(args, r, work, w, x, expected)


def run_rounds(args, r, work, w, x, expected):
    with open(os.path.join(work, "net.kiln"), "w") as f:
        f.write(SPEC)
    save_safetensors(os.path.join(work, "w.safetensors"), {k: v.numpy() for k, v in w.items()})
    save_npy(os.path.join(work, "x.npy"), x.numpy())
    bare = bare_keys(args.kiln)
    failures = 0
    for round in range(args.rounds):
        # Round 0 is the default heuristic; the others draw from the space.
        sections = {k[0]: random_schedule(r, bare, *k) for k in KERNELS}
        for kernel, pool in POOLING_KERNELS.items():
            if "fuse_pool = true" in sections[kernel]:
                del sections[pool]  # part of the kernel: a section of its own would be an error
        schedule = "\n\n".join(sections.values()) if round else ""
        schedule_path = os.path.join(work, f"round{round}.sched")
        with open(schedule_path, "w") as f:
            f.write(schedule + "\n")
        command = [args.kiln, "run", os.path.join(work, "net.kiln"), "--weights", os.path.join(work, "w.safetensors"),
                   "--input", os.path.join(work, "x.npy"), "--output", os.path.join(work, "y.npy"),
                   "--output", os.path.join(work, "d.npy")]
        if schedule:
            command += ["--schedule", schedule_path]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"round {round}: kiln run failed:\n{result.stderr}\nwith the schedule:\n{schedule}")
            failures += 1
            continue
        for name, want in zip(["y", "d"], expected):
            got = np.load(os.path.join(work, f"{name}.npy"))
            atol = max(1e-5, 1e-5 * float(np.abs(want).max())) if "winograd = true" in schedule else 1e-5
            if got.shape != want.shape or not np.all(np.isclose(got, want, 1e-4, atol)):
                print(f"round {round}: output {name} differs (max {np.max(np.abs(got - want))}) with the schedule:\n{schedule}")
                failures += 1
    print(f"{args.rounds * 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
