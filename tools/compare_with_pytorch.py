#!/usr/bin/python3
"""Exports a PyTorch model to Kiln, runs both on the same random input, and
prints the largest difference and both latencies.

    /usr/bin/python3 tools/compare_with_pytorch.py resnet50 --input-shape 1,3,224,224 [--kiln build/bin/kiln]

Passes (exit 0) when max |kiln - torch| <= rtol * max |torch| (rtol 1e-4 by
default): the difference relative to the output's scale.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import Unsupported, export, load_model  # noqa: E402
from kiln_io import save_npy, save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def randomize_batchnorm(model):
    """Fresh models' BatchNorms are identities (mean 0, variance 1, weight 1,
    bias 0) and can leave the output vanishingly small: give them random
    statistics so that the comparison exercises every layer."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                if m.affine:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0.0, 0.1)


def matches(label, actual, expected, rtol=1e-4):
    """Prints how far Kiln's output is from PyTorch's; true when
    max |kiln - torch| <= rtol * max |torch|."""
    difference = float(np.max(np.abs(actual - expected)))
    scale = float(np.max(np.abs(expected)))
    print(f"{label}: output {list(expected.shape)}, max |kiln - torch| = {difference:.3g}, "
          f"max |torch| = {scale:.3g}, relative {difference / scale:.3g} (limit {rtol:g})")
    return difference <= rtol * scale


def torch_latency_ms(model, x, min_time=1.0):
    with torch.no_grad():
        for _ in range(3):
            model(x)
        times, start = [], time.perf_counter()
        while len(times) < 10 or time.perf_counter() - start < min_time:
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="torchvision model name, or FILE.py:NAME")
    parser.add_argument("--input-shape", required=True)
    parser.add_argument("--kiln", default=os.path.join(HERE, "..", "build", "bin", "kiln"))
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-latency", action="store_true", help="skip the timing")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    network = args.model.rsplit(":", 1)[-1].replace(".", "_").replace("-", "_")
    try:
        model = load_model(args.model).eval()
        randomize_batchnorm(model)
        x = torch.randn(*map(int, args.input_shape.split(",")))
        spec, weights = export(model, x, network)
    except Unsupported as e:
        print(f"compare_with_pytorch: error: {e}", file=sys.stderr)
        return 1
    with torch.no_grad():
        expected = model(x).numpy()
    with tempfile.TemporaryDirectory() as work:
        paths = {k: os.path.join(work, f"{network}.{k}") for k in ("kiln", "safetensors", "in.npy", "out.npy")}
        with open(paths["kiln"], "w") as f:
            f.write(spec)
        save_safetensors(paths["safetensors"], weights)
        save_npy(paths["in.npy"], x.numpy())
        subprocess.run([args.kiln, "run", paths["kiln"], "--weights", paths["safetensors"], "--input",
                        paths["in.npy"], "--output", paths["out.npy"]], check=True)
        actual = np.load(paths["out.npy"])
        kiln_ms = None
        if not args.no_latency:
            bench = subprocess.run([args.kiln, "bench", paths["kiln"], "--weights", paths["safetensors"], "--json"],
                                   capture_output=True, text=True, check=True)
            kiln_ms = json.loads(bench.stdout)["total_ms"]
    close = matches(args.model, actual, expected, args.rtol)
    if kiln_ms is not None:
        torch_ms = torch_latency_ms(model, x)
        print(f"latency ({args.threads} threads, median): Kiln {kiln_ms:.3f} ms, PyTorch {torch_ms:.3f} ms "
              f"(Kiln {torch_ms / kiln_ms:.2f}x)")
    return 0 if close else 1


if __name__ == "__main__":
    sys.exit(main())
