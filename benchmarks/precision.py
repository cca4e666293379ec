#!/usr/bin/python3
"""Whole networks of the model zoo in f32, bf16 and int8: Kiln against itself.

    benchmarks/precision.sh [--models resnet50,mobilenet_v2] [--rounds 3] [--out DIR]

Each model (as benchmarks/networks.py makes it: torchvision, random weights,
randomized batchnorm, ONNX opset 13, `kiln import`) is calibrated with `kiln
quantize` on 8 random inputs (seed 1), then timed with `kiln bench` in f32,
`--precision bf16` and `--precision int8`, in turns, --rounds times; the
table gives medians and each precision's speed-up over f32, and how far a
ninth random input's outputs are from f32's (cosine similarity; the largest
difference over the largest output). Writes precision.json and precision.md to --out.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from kiln_io import save_npy  # noqa: E402
from networks import export_and_import, run, write_results  # noqa: E402

PRECISIONS = {"f32": [], "bf16": ["--precision", "bf16"], "int8": ["--precision", "int8"]}


def measure(name, args, work):
    model, x, _ = export_and_import(name, 1, args.kiln, work)
    spec, weights = os.path.join(work, "net.kiln"), os.path.join(work, "net.safetensors")
    torch.manual_seed(1)
    samples = torch.randn(9, *x.shape[1:])
    save_npy(os.path.join(work, "calibration.npy"), samples[:8].numpy())
    save_npy(os.path.join(work, "test.npy"), samples[8:].numpy())
    qparams = os.path.join(work, "net.qparams")
    run([args.kiln, "quantize", spec, "--weights", weights, "--calibrate", os.path.join(work, "calibration.npy"),
         "-o", qparams], "kiln quantize")
    flags = {p: extra + (["--qparams", qparams] if p == "int8" else []) for p, extra in PRECISIONS.items()}
    outputs = {}
    for p, extra in flags.items():
        y = os.path.join(work, f"{p}.npy")
        run([args.kiln, "run", spec, "--weights", weights, "--input", os.path.join(work, "test.npy"), "--output", y]
            + extra, "kiln run")
        outputs[p] = np.load(y).ravel().astype(np.float64)
    times = {p: [] for p in flags}
    for _ in range(args.rounds):
        for p, extra in flags.items():
            done = run([args.kiln, "bench", spec, "--weights", weights, "--json", "--min-time", str(args.seconds)]
                       + extra, "kiln bench")
            times[p].append(json.loads(done.stdout)["total_ms"])
    f32 = outputs["f32"]
    row = {"model": name}
    for p in flags:
        y = outputs[p]
        row[p] = {"ms": statistics.median(times[p]), "runs": times[p],
                  "cosine": float(y @ f32 / (np.linalg.norm(y) * np.linalg.norm(f32))),
                  "max_diff": float(np.abs(y - f32).max() / np.abs(f32).max())}
    return row


def table(rows):
    lines = ["| model | f32 ms | bf16 ms | int8 ms | bf16 speed-up | int8 speed-up | bf16 max diff | int8 cosine |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        f32 = r["f32"]["ms"]
        lines.append(f"| {r['model']} | {f32:.2f} | {r['bf16']['ms']:.2f} | {r['int8']['ms']:.2f} | "
                     f"{f32 / r['bf16']['ms']:.2f}x | {f32 / r['int8']['ms']:.2f}x | "
                     f"{r['bf16']['max_diff']:.2g} | {r['int8']['cosine']:.4f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", default="resnet50,mobilenet_v2,efficientnet_b0,alexnet")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0, help="each median over at least this long")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "precision"))
    args = parser.parse_args()
    rows = []
    for name in args.models.split(","):
        with tempfile.TemporaryDirectory(prefix=f"kiln-precision-{name}-") as work:
            print(f"{name} ...", flush=True)
            rows.append(measure(name, args, work))
    write_results(args.out, "precision", f"Batch 1, `kiln bench` medians of {args.rounds} in turns", rows,
                  table(rows))


if __name__ == "__main__":
    main()
