#!/usr/bin/python3
"""Kiln against its peers, layer by layer, in one run.

    benchmarks/run.sh        (installs oneDNN and matplotlib, builds, runs this)

For every distinct convolution of ResNet-50 (batch 1), a MobileNetV2
depthwise layer and a single-channel 3x3 convolution on a 1024x1024 image,
measures in turn, interleaved layer by layer: Kiln's default schedule
(`kiln bench`), the same with NHWC tensors in and out (ResNet-50's layers:
the layout Kiln keeps between kernels of channel vectors), Kiln's tuned schedule (the best of the tuning log
schedules/benchmark_layers.jsonl, after `--tune-budget` more seconds of
`kiln tune` per layer, 0 by default; ResNet-50's layers tuned and measured
with NHWC tensors in and out), oneDNN (`onednn_conv`, primitive execution only,
format_tag::any), XNNPACK (`xnnpack_conv`, NHWC operator, 2-thread
pthreadpool), PyTorch (python3-torch, F.conv2d), Halide's Adams2019
autoscheduler (`kiln bench --schedule auto:adams2019`) and the seed's naive
pure-Python convolution (timed on a slice, extrapolated, and said so); then
whole networks (the digits CNN, a stack of ResNet basic blocks) in Kiln and
PyTorch. All use
2 threads; times are medians, and the whole sweep over the layers runs
`--passes` times (3 by default), each peer keeping its fastest median. `kiln bench` measures an FMA loop beside each
layer: a layer measured while that canary was low (a core lost to another
tenant) is measured again once, and the table says so.

Writes RESULTS/resnet50.md (the table), .json and .png (the plot).
"""
import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = 2
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from compare_with_pytorch import torch_latency_ms  # noqa: E402
from export_pytorch import export, load_model  # noqa: E402
from kiln_io import save_safetensors  # noqa: E402


def layers():
    rows = []
    with open(os.path.join(HERE, "resnet50_convs.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, c, h, w, k, kernel, stride, pad = line.split()
                rows.append(dict(name=name, c=int(c), h=int(h), w=int(w), k=int(k), kernel=int(kernel),
                                 stride=int(stride), pad=int(pad), groups=1, suite="resnet50"))
    rows.append(dict(name="mbv2_dw_3x3", c=144, h=56, w=56, k=144, kernel=3, stride=1, pad=1, groups=144,
                     suite="depthwise"))
    rows.append(dict(name="seed_1ch_1024", c=1, h=1024, w=1024, k=1, kernel=3, stride=1, pad=1, groups=1,
                     suite="single-channel"))
    return rows


def out_size(n, kernel, stride, pad):
    return (n + 2 * pad - kernel) // stride + 1


def flops(l):
    oh, ow = out_size(l["h"], l["kernel"], l["stride"], l["pad"]), out_size(l["w"], l["kernel"], l["stride"], l["pad"])
    return 2 * l["k"] * oh * ow * (l["c"] // l["groups"]) * l["kernel"] ** 2


def layer_spec(l, before="", source="x", after="output y\n"):
    """The .kiln text of the layer as `y`, reading `source`, between the
    network input x with `before` and `after`."""
    return (f"network bench\ninput x: f32[1, {l['c']}, {l['h']}, {l['w']}]\n{before}"
            f"y = conv2d({source}, filters={l['k']}, kernel={l['kernel']}, stride={l['stride']}, "
            f"padding={l['pad']}, groups={l['groups']})\n{after}")


def kiln_ms(kiln, l, min_time, work, schedule=None):
    spec = os.path.join(work, l["name"] + ".kiln")
    with open(spec, "w") as f:
        f.write(layer_spec(l))
    command = [kiln, "bench", spec, "--json", "--min-time", str(min_time)]
    if schedule:
        command += ["--schedule", schedule]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    return d["total_ms"], d["peak_gflops"]


# A layer between two 1x1 max pools that compute channel vectors, NHWC (the
# identity): the layer's default schedule then reads and writes NHWC, as
# between the kernels of a network. ResNet-50's stem reads the network's
# NCHW input, as in the network.
NHWC_SCHEDULE = """[pre]
vectorize = channels
vector_width = 8
layout = nhwc
parallel = true
[post]
vectorize = channels
vector_width = 8
parallel = true
"""


def nhwc_harness(l, work):
    """Writes the layer's NHWC harness: its spec, the schedule that makes its
    tensors NHWC, and which kernel is the layer's ("I/N", as `kiln tune
    --shard` takes it)."""
    spec, schedule = os.path.join(work, l["name"] + ".nhwc.kiln"), os.path.join(work, "nhwc.sched")
    source = "x" if l["c"] % 8 else "pre"
    with open(spec, "w") as f:
        f.write(layer_spec(l, "" if source == "x" else "pre = maxpool(x, kernel=1)\n", source,
                           "post = maxpool(y, kernel=1)\noutput post\n"))
    with open(schedule, "w") as f:
        f.write(NHWC_SCHEDULE if source == "pre" else NHWC_SCHEDULE[NHWC_SCHEDULE.index("[post]"):])
    return spec, schedule, "0/2" if source == "x" else "1/3"


def kiln_nhwc_ms(kiln, l, min_time, work, schedule=None, extra=()):
    """The layer's kernel alone (`kiln bench` per kernel) with NHWC tensors in
    and out, as Kiln keeps them between kernels of channel vectors, and as
    oneDNN's are in the blocked layout it picks; with the harness's schedule
    or `schedule` (one from `kiln tune` of the harness), and `extra` arguments."""
    spec, harness_schedule, _ = nhwc_harness(l, work)
    out = subprocess.run([kiln, "bench", spec, "--json", "--min-time", str(min_time),
                          "--schedule", schedule or harness_schedule] + list(extra),
                         capture_output=True, text=True, check=True).stdout
    return next(layer["ms"] for layer in json.loads(out)["layers"] if layer["name"] == "y")


def gflops(l, ms):
    return flops(l) / (ms * 1e-3) / 1e9


def tuned_schedule(kiln, l, work, log, budget):
    """The layer's schedule from `kiln tune`, which first spends `budget`
    seconds measuring candidates (appending them to `log`) and then writes
    the log's best; with budget 0 it only reads the log. ResNet-50's layers
    are tuned in their NHWC harness, starting from its schedule, and only
    the layer's kernel is tuned (its shard of the harness's kernels)."""
    out = os.path.join(work, l["name"] + ".tuned.sched")
    command = [kiln, "tune", "--budget", str(budget), "--log", log, "-o", out]
    if l["suite"] == "resnet50":
        spec, start, shard = nhwc_harness(l, work)
        command += [spec, "--schedule", start, "--shard", shard]
    else:
        command.append(os.path.join(work, l["name"] + ".kiln"))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def onednn_ms(onednn, l, min_time, precision="f32"):
    p = l["pad"]
    args = [onednn, "1", str(l["c"]), str(l["h"]), str(l["w"]), str(l["k"]), str(l["kernel"]), str(l["kernel"]),
            str(l["stride"]), str(l["stride"]), str(p), str(p), str(p), str(p), str(l["groups"]), str(min_time),
            precision]
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS))
    d = json.loads(subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout)
    return d["ms"], d["impl"]


def xnnpack_ms(xnnpack, l, min_time):
    p = l["pad"]
    args = [xnnpack, "1", str(l["c"]), str(l["h"]), str(l["w"]), str(l["k"]), str(l["kernel"]), str(l["kernel"]),
            str(l["stride"]), str(l["stride"]), str(p), str(p), str(p), str(p), str(l["groups"]), str(min_time)]
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)["ms"]


def torch_ms(l, min_time):
    x = torch.randn(1, l["c"], l["h"], l["w"])
    w = torch.randn(l["k"], l["c"] // l["groups"], l["kernel"], l["kernel"])
    b = torch.randn(l["k"])
    return torch_latency_ms(lambda t: F.conv2d(t, w, b, l["stride"], l["pad"], 1, l["groups"]), x, min_time)


def python_ms(l):
    """The seed's naive convolution in pure Python, on one output channel and
    one output row; the whole layer's time is extrapolated by work."""
    c, h, w, kernel, s, p, g = l["c"], l["h"], l["w"], l["kernel"], l["stride"], l["pad"], l["groups"]
    cg = c // g
    image = [[[0.5] * w for _ in range(h)] for _ in range(cg)]
    weights = [[[0.1] * kernel for _ in range(kernel)] for _ in range(cg)]
    ow = out_size(w, kernel, s, p)
    start = time.perf_counter()
    row = []
    for ox in range(ow):
        total = 0.0
        for ci in range(cg):
            for ky in range(kernel):
                iy = ky - p
                if 0 <= iy < h:
                    for kx in range(kernel):
                        ix = ox * s + kx - p
                        if 0 <= ix < w:
                            total += image[ci][iy][ix] * weights[ci][ky][kx]
        row.append(total)
    elapsed = time.perf_counter() - start
    slice_flops = 2 * ow * cg * kernel * kernel
    return elapsed * 1e3 * flops(l) / slice_flops


RESNET_STACK = """network resnet_stack
# Four ResNet basic blocks at 56x56 with 64 channels (ResNet-18/34's first stage, twice over).
input x: f32[1, 64, 56, 56]
{blocks}
output b3_out
"""
BLOCK = """b{i}_conv1 = conv2d({src}, filters=64, kernel=3, padding=1, bias=false)
b{i}_bn1 = batchnorm(b{i}_conv1)
b{i}_relu1 = relu(b{i}_bn1)
b{i}_conv2 = conv2d(b{i}_relu1, filters=64, kernel=3, padding=1, bias=false)
b{i}_bn2 = batchnorm(b{i}_conv2)
b{i}_out = add(b{i}_bn2, {src}, activation=relu)"""


def torch_stack():
    blocks = []
    for _ in range(4):
        blocks.append(torch.nn.Sequential(torch.nn.Conv2d(64, 64, 3, padding=1, bias=False), torch.nn.BatchNorm2d(64),
                                          torch.nn.ReLU(), torch.nn.Conv2d(64, 64, 3, padding=1, bias=False),
                                          torch.nn.BatchNorm2d(64)).eval())

    def forward(t):
        for block in blocks:
            t = F.relu(block(t) + t)
        return t
    return forward


def digits_model():
    sys.path.insert(0, os.path.join(HERE, "..", "examples", "digits"))
    from train import Digits  # noqa: E402
    return Digits().eval()


def torchvision_specs(work):
    """ResNet-50 and MobileNetV2 from torchvision, exported by tools/export_pytorch.py."""
    cases = []
    for name, label in (("resnet50", "ResNet-50 (224x224)"), ("mobilenet_v2", "MobileNetV2 (224x224)")):
        model, x = load_model(name).eval(), torch.randn(1, 3, 224, 224)
        spec, weights = export(model, x, name)
        path = os.path.join(work, name + ".kiln")
        with open(path, "w") as f:
            f.write(spec)
        save_safetensors(os.path.join(work, name + ".safetensors"), weights)
        cases.append((label, path, model, x))
    return cases


def networks(kiln, min_time):
    """Whole networks: Kiln's `bench` total against the same model in PyTorch."""
    results = []
    with tempfile.TemporaryDirectory() as work:
        stack = os.path.join(work, "stack.kiln")
        with open(stack, "w") as f:
            f.write(RESNET_STACK.format(blocks="\n".join(
                BLOCK.format(i=i, src="x" if i == 0 else f"b{i - 1}_out") for i in range(4))))
        cases = [("digits CNN (8x8)", os.path.join(HERE, "..", "examples", "digits", "digits.kiln"),
                  digits_model(), torch.randn(1, 1, 8, 8)),
                 ("ResNet basic block x4 (64ch, 56x56)", stack, torch_stack(), torch.randn(1, 64, 56, 56))]
        cases += torchvision_specs(work)
        for name, spec, model, x in cases:
            out = subprocess.run([kiln, "bench", spec, "--json", "--min-time", str(min_time)], capture_output=True,
                                 text=True, check=True).stdout
            results.append(dict(name=name, kiln_ms=json.loads(out)["total_ms"],
                                torch_ms=torch_latency_ms(model, x, min_time)))
    return results


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--tune-budget", type=float, default=0.0,
                        help="seconds of kiln tune per layer before the tuned column is measured")
    parser.add_argument("--passes", type=int, default=3,
                        help="measure every layer this many times, interleaved, and keep each peer's fastest median")
    parser.add_argument("--tuning-log", default=os.path.join(HERE, "..", "schedules", "benchmark_layers.jsonl"))
    args = parser.parse_args()
    kiln = os.path.join(args.build, "bin", "kiln")
    onednn = os.path.join(args.build, "bin", "onednn_conv")
    xnnpack = os.path.join(args.build, "bin", "xnnpack_conv")
    torch.set_num_threads(THREADS)
    os.makedirs(args.out, exist_ok=True)

    results, best_peak = [], 0.0
    peers = ("kiln", "kiln_nhwc", "kiln_tuned", "onednn", "xnnpack", "torch", "adams")
    with tempfile.TemporaryDirectory() as work:
        tuned, tuning_seconds = {}, {}
        for run in range(args.passes):
            for i, l in enumerate(layers()):
                for attempt in range(2):
                    k_ms, peak = kiln_ms(kiln, l, args.min_time, work)
                    if l["name"] not in tuned:  # kiln_ms wrote the spec
                        started = time.perf_counter()
                        tuned[l["name"]] = tuned_schedule(kiln, l, work, args.tuning_log, args.tune_budget)
                        tuning_seconds[l["suite"]] = tuning_seconds.get(l["suite"], 0) + time.perf_counter() - started
                    if l["suite"] == "resnet50":
                        n_ms = kiln_nhwc_ms(kiln, l, args.min_time, work)
                        kt_ms = kiln_nhwc_ms(kiln, l, args.min_time, work, tuned[l["name"]])
                    else:
                        n_ms, (kt_ms, _) = k_ms, kiln_ms(kiln, l, args.min_time, work, tuned[l["name"]])
                    d_ms, impl = onednn_ms(onednn, l, args.min_time)
                    x_ms = xnnpack_ms(xnnpack, l, args.min_time)
                    t_ms = torch_ms(l, args.min_time)
                    a_ms, _ = kiln_ms(kiln, l, args.min_time, work, "auto:adams2019")
                    best_peak = max(best_peak, peak)
                    low = peak < 0.85 * best_peak
                    if not low:
                        break
                times = dict(kiln=k_ms, kiln_nhwc=n_ms, kiln_tuned=kt_ms, onednn=d_ms, xnnpack=x_ms, torch=t_ms,
                             adams=a_ms)
                if run == 0:
                    results.append(dict(l, gflop=flops(l) / 1e9, onednn_impl=impl, python_ms=python_ms(l),
                                        canary_gflops=peak, remeasured=attempt > 0, canary_low=low,
                                        **{p + "_ms": times[p] for p in peers}))
                else:  # the faster pass: the shared machine only ever slows a measurement down
                    row = results[i]
                    for p in peers:
                        row[p + "_ms"] = min(row[p + "_ms"], times[p])
                    row["remeasured"] = row["remeasured"] or attempt > 0
                    row["canary_low"] = row["canary_low"] and low
                    row["canary_gflops"] = max(row["canary_gflops"], peak)
                print(f"pass {run + 1}: {l['name']:14s} kiln {gflops(l, k_ms):7.1f}  NHWC {gflops(l, n_ms):7.1f}  "
                      f"tuned {gflops(l, kt_ms):7.1f}  "
                      f"onednn {gflops(l, d_ms):7.1f}  xnnpack {gflops(l, x_ms):7.1f}  "
                      f"torch {gflops(l, t_ms):7.1f} GFLOP/s  canary {peak:.0f}{'  (re-measured)' if attempt else ''}",
                      flush=True)
    for row in results:
        for peer in peers + ("python",):
            row[peer + "_gflops"] = gflops(row, row[peer + "_ms"])
        row["best_library_gflops"] = max(row["onednn_gflops"], row["xnnpack_gflops"])

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    try:
        machine = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.split("Model name:")[1].split("\n")[0].strip() + f", {os.cpu_count()} cores"
    except (IndexError, OSError):
        pass
    summary = dict(date=datetime.date.today().isoformat(), machine=machine, threads=THREADS, peak_gflops=best_peak,
                   layers=results, tune_budget=args.tune_budget, tuning_seconds=tuning_seconds)
    resnet = [r for r in results if r["suite"] == "resnet50"]
    lines = [f"Measured {summary['date']} on {machine}, {THREADS} threads, batch 1, fp32; "
             f"medians, the faster of {args.passes} passes; FMA-loop peak {best_peak:.0f} GFLOP/s.", "",
             "| layer | GFLOP | Kiln GFLOP/s | Kiln, NHWC** | Kiln tuned | oneDNN | XNNPACK | PyTorch | Halide Adams2019 | Kiln/oneDNN | Kiln/better of oneDNN, XNNPACK | NHWC/oneDNN | NHWC/better | tuned/better | tuned/Adams2019 | Kiln/PyTorch | Kiln/Adams2019 | pure Python* | Kiln speed-up over Python | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        note = "re-measured (canary low)" if r["remeasured"] else ""
        note += " canary still low" if r["canary_low"] else ""
        lines.append(f"| {r['name']} | {r['gflop']:.3f} | {r['kiln_gflops']:.1f} | {r['kiln_nhwc_gflops']:.1f} | "
                     f"{r['kiln_tuned_gflops']:.1f} | {r['onednn_gflops']:.1f} | "
                     f"{r['xnnpack_gflops']:.1f} | {r['torch_gflops']:.1f} | {r['adams_gflops']:.1f} | "
                     f"{r['kiln_gflops'] / r['onednn_gflops']:.2f} | {r['kiln_gflops'] / r['best_library_gflops']:.2f} | "
                     f"{r['kiln_nhwc_gflops'] / r['onednn_gflops']:.2f} | {r['kiln_nhwc_gflops'] / r['best_library_gflops']:.2f} | "
                     f"{r['kiln_tuned_gflops'] / r['best_library_gflops']:.2f} | {r['kiln_tuned_gflops'] / r['adams_gflops']:.2f} | "
                     f"{r['kiln_gflops'] / r['torch_gflops']:.2f} | {r['kiln_gflops'] / r['adams_gflops']:.2f} | "
                     f"{r['python_gflops']:.4f} | {r['kiln_gflops'] / r['python_gflops']:,.0f}x | {note} |")
    peers = ("kiln", "kiln_nhwc", "kiln_tuned", "onednn", "xnnpack", "best_library", "torch", "adams", "python")
    g = {p: geomean([r[p + "_gflops"] for r in resnet]) for p in peers}

    def over_best_library(peer):
        return geomean([r[peer + "_gflops"] / r["best_library_gflops"] for r in resnet])
    lines.append(f"| **ResNet-50 geomean** | | **{g['kiln']:.1f}** | **{g['kiln_nhwc']:.1f}** | **{g['kiln_tuned']:.1f}** | "
                 f"{g['onednn']:.1f} | {g['xnnpack']:.1f} | "
                 f"{g['torch']:.1f} | {g['adams']:.1f} | **{g['kiln'] / g['onednn']:.2f}** | "
                 f"**{over_best_library('kiln'):.2f}** | **{g['kiln_nhwc'] / g['onednn']:.2f}** | "
                 f"**{over_best_library('kiln_nhwc'):.2f}** | **{over_best_library('kiln_tuned'):.2f}** | "
                 f"{g['kiln_tuned'] / g['adams']:.2f} | "
                 f"{g['kiln'] / g['torch']:.2f} | {g['kiln'] / g['adams']:.2f} | {g['python']:.4f} | "
                 f"{g['kiln'] / g['python']:,.0f}x | |")
    lines += ["", "*pure Python: the seed's naive loops, timed on one output row of one channel and extrapolated by work.",
              "Halide Adams2019: `--schedule auto:adams2019` with a beam of 1 (its default beam of 32 takes minutes a layer).",
              "**Kiln, NHWC: the layer's kernel with NHWC tensors in and out (between two 1x1 max pools that "
              "compute channel vectors; the stem reads the NCHW input), as Kiln keeps tensors between kernels of "
              "channel vectors, and as oneDNN's are in its own blocked layout (format_tag::any) and XNNPACK's in NHWC. "
              "The other Kiln columns read and write NCHW, the layout of a network's inputs and outputs.",
              f"Kiln tuned: the best of the tuning log {os.path.relpath(args.tuning_log, os.path.join(HERE, '..'))} "
              f"after `kiln tune --budget {args.tune_budget:g}` per layer (ResNet-50's in the NHWC harness, "
              f"starting from its schedule); that tuning took {tuning_seconds.get('resnet50', 0) / 60:.1f} min "
              f"for ResNet-50's {len(resnet)} layers."]
    lines += ["", "Whole networks (batch 1, median ms):", "",
              "| network | Kiln ms | PyTorch ms | Kiln speed-up over PyTorch |", "|---|---|---|---|"]
    for n in networks(kiln, args.min_time):
        summary.setdefault("networks", []).append(n)
        lines.append(f"| {n['name']} | {n['kiln_ms']:.3f} | {n['torch_ms']:.3f} | {n['torch_ms'] / n['kiln_ms']:.2f}x |")
    with open(os.path.join(args.out, "resnet50.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(args.out, "resnet50.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return 0
    names = [r["name"] for r in results]
    fig, ax = plt.subplots(figsize=(14, 5))
    width = 0.12
    for i, (peer, label) in enumerate([("kiln", "Kiln (default schedule)"), ("kiln_nhwc", "Kiln, NHWC in and out"),
                                       ("kiln_tuned", "Kiln (tuned)"),
                                       ("onednn", "oneDNN 2.6"),
                                       ("xnnpack", "XNNPACK"), ("torch", "PyTorch 1.13"),
                                       ("adams", "Halide Adams2019")]):
        ax.bar([j + (i - 3) * width for j in range(len(names))], [r[peer + "_gflops"] for r in results], width,
               label=label)
    ax.axhline(best_peak, color="gray", linestyle="--", linewidth=1, label=f"FMA peak {best_peak:.0f}")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("GFLOP/s (2 threads)")
    ax.set_title(f"Convolutions at batch 1, {machine}, {summary['date']}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "resnet50.png"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
