#!/usr/bin/python3
"""ResNet-50's convolutions in f32, bf16 and int8: Kiln against oneDNN.

    benchmarks/precision_layers.sh   (installs oneDNN, builds, runs this)

For every distinct convolution of ResNet-50 (batch 1, benchmarks/resnet50_convs.txt),
in turns, layer by layer: Kiln's layer kernel (`kiln bench`, its default
schedule) with NHWC tensors in and out as between the kernels of a network
(run.py's harness), in f32, with `--precision bf16`, and with `--precision
int8` between fake_quantize layers (u8 levels in and out, as in a quantized
network: no quantization pass); oneDNN (`onednn_conv`, format_tag::any) in
f32, bf16 (bf16 in, weights and out) and int8 (u8 in, s8 weights, u8 out,
scales per output channel). 2 threads, medians; each sweep runs --passes
times, each keeping its fastest median. Writes precision_layers.md and .json to --out.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from networks import geomean, write_results  # noqa: E402
from run import NHWC_SCHEDULE, flops, kiln_nhwc_ms, layer_spec, layers, onednn_ms  # noqa: E402

PRECISIONS = ("f32", "bf16", "int8")

def kiln_int8_ms(kiln, l, min_time, work):
    """run.py's NHWC harness with fake_quantize layers: x -> 1x1 max pool
    storing NHWC u8 levels -> the layer in int8 -> fake_quantize (u8 levels)
    -> 1x1 max pool. The stem reads x, quantized in its kernel."""
    spec, schedule = os.path.join(work, l["name"] + ".int8.kiln"), os.path.join(work, "int8.sched")
    before = "" if l["c"] % 8 else "pre = maxpool(x, kernel=1)\nq = fake_quantize(pre, scale=0.02)\n"
    source = "x" if l["c"] % 8 else "q"
    with open(spec, "w") as f:
        f.write(layer_spec(l, before, source, "r = fake_quantize(y, scale=0.05)\npost = maxpool(r, kernel=1)\n"
                                              "output post\n"))
    with open(schedule, "w") as f:
        f.write(NHWC_SCHEDULE if source == "q" else NHWC_SCHEDULE[NHWC_SCHEDULE.index("[post]"):])
    if source == "x":
        with open(os.path.join(work, "stem.qparams"), "w") as f:
            json.dump({"format": "kiln-qparams 1", "tensors": {"x": {"scale": 0.02, "zero_point": 128}}}, f)
    out = subprocess.run([kiln, "bench", spec, "--json", "--min-time", str(min_time), "--schedule", schedule,
                          "--precision", "int8"] + (["--qparams", os.path.join(work, "stem.qparams")]
                                                    if source == "x" else []),
                         capture_output=True, text=True, check=True).stdout
    return next(layer["ms"] for layer in json.loads(out)["layers"] if layer["name"] == "y")


def measure(l, args, work):
    kiln = {"f32": kiln_nhwc_ms(args.kiln, l, args.min_time, work),
            "bf16": kiln_nhwc_ms(args.kiln, l, args.min_time, work, extra=["--precision", "bf16"]),
            "int8": kiln_int8_ms(args.kiln, l, args.min_time, work)}
    onednn = {p: onednn_ms(args.onednn, l, args.min_time, p)[0] for p in PRECISIONS}
    return kiln, onednn


def table(rows):
    lines = ["| layer | Kiln f32 | Kiln bf16 | Kiln int8 | oneDNN f32 | oneDNN bf16 | oneDNN int8 | bf16 vs oneDNN | "
             "int8 vs oneDNN | int8 vs Kiln f32 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        g = {f"{who}_{p}": flops(r) / r[who][p] / 1e6 for who in ("kiln", "onednn") for p in PRECISIONS}
        lines.append(f"| {r['name']} | " + " | ".join(f"{g[k]:.0f}" for k in
                                                     ("kiln_f32", "kiln_bf16", "kiln_int8", "onednn_f32",
                                                      "onednn_bf16", "onednn_int8")) +
                     f" | {r['onednn']['bf16'] / r['kiln']['bf16']:.2f} | {r['onednn']['int8'] / r['kiln']['int8']:.2f}"
                     f" | {r['kiln']['f32'] / r['kiln']['int8']:.2f} |")
    ratio = {p: geomean([r["onednn"][p] / r["kiln"][p] for r in rows]) for p in PRECISIONS}
    lowest = {p: min(r["onednn"][p] / r["kiln"][p] for r in rows) for p in PRECISIONS}
    lines.append(f"\nGFLOP/s (int8: GOP/s). Geomean Kiln / oneDNN: f32 {ratio['f32']:.2f}x (lowest {lowest['f32']:.2f}x), "
                 f"bf16 {ratio['bf16']:.2f}x (lowest {lowest['bf16']:.2f}x), int8 {ratio['int8']:.2f}x "
                 f"(lowest {lowest['int8']:.2f}x).")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--onednn", required=True, help="the onednn_conv program")
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(HERE, "results", "precision-layers"))
    args = parser.parse_args()
    rows = [dict(l) for l in layers() if l["suite"] == "resnet50"]
    with tempfile.TemporaryDirectory(prefix="kiln-precision-layers-") as work:
        for p in range(args.passes):
            for r in rows:
                kiln, onednn = measure(r, args, work)
                for who, times in (("kiln", kiln), ("onednn", onednn)):
                    r.setdefault(who, {})
                    for k, v in times.items():
                        r[who][k] = min(v, r[who].get(k, v))
                print(f"pass {p + 1}/{args.passes} {r['name']}: kiln " +
                      " ".join(f"{k} {v:.3f}" for k, v in kiln.items()) + " ms, onednn " +
                      " ".join(f"{k} {v:.3f}" for k, v in onednn.items()) + " ms", flush=True)
    write_results(args.out, "precision_layers", "ResNet-50's convolutions, batch 1, 2 threads, medians", rows, table(rows))


if __name__ == "__main__":
    main()
